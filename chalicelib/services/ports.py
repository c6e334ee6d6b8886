"""What the use cases need from the outside world. The DynamoDB adapter and the in-memory fake
(tests/fakes.py) both implement Store, and tests/contract proves they behave alike."""

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

from chalicelib.domain.access import Principal
from chalicelib.domain.benchmarks.model import BenchmarkSetListing, KpiRecord, StoredBenchmarkSet
from chalicelib.domain.model import (
    Assessment,
    AssessmentDraft,
    AuditRecord,
    Component,
    DeclarationProject,
    Delivery,
    Integration,
    Organisation,
    Service,
    ServiceSummary,
)
from chalicelib.domain.reminders import Dispatch, NotificationSettings
from chalicelib.domain.scorecards import MonthlySnapshot
from chalicelib.domain.summaries import SummaryChange

T = TypeVar("T")

# How often a write that lost a race with another request is tried again, by a use case or the
# store, before the caller is told to retry (409).
RACE_ATTEMPTS = 3


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class Entry:
    """One stored record of an organisation, in a form every store shares (a line of an export
    file): where it is kept (the table's keys, the same in every store), the record as plain data
    (domain/plain.py), its expiry when it has one (claims, deliveries), and whether it is derived
    from other records (a summary, a route). `version` is what the store that read it compares a
    later conditional write with (not part of the file)."""

    pk: str
    sk: str
    data: dict[str, Any]
    expires_at: float | None = None
    derived: bool = False
    version: str | None = None


class Archive(Protocol):
    """An organisation's records, partition by partition, for moving them between stores."""

    def partitions(self, org_id: str) -> list[str] | None:
        """Every partition the organisation's records are in; None if there is no such organisation."""

    def read_partition(self, pk: str) -> list[Entry]: ...

    def write(self, writes: list[tuple[Entry, Entry | None]]) -> None:
        """Each entry over the stored one it was compared with (None: nothing was there), all or
        none: StaleWrite, and nothing written, if any of them changed since it was read."""


@dataclass(frozen=True)
class SignInAttempt:
    """What the browser keeps (in a short-lived cookie) between leaving for the identity provider
    and coming back: the values that tie the answer to this attempt (PKCE, RFC 7636)."""

    state: str
    nonce: str
    verifier: str
    next_path: str

    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class TokenVerifier(Protocol):
    """Checks tokens from the council's identity provider (adapters/oidc.py). Raises the domain's
    Unauthenticated, SignInUnavailable or Misconfigured."""

    def authenticate(self, authorization: str | None) -> Principal: ...

    def verify(self, token: str, audience: str | None = None) -> dict[str, Any]: ...

    def principal(self, claims: Mapping[str, Any]) -> Principal: ...


class IdentityProvider(Protocol):
    """The pages' OAuth client at the identity provider (adapters/oidc_client.py)."""

    client_id: str

    def authorization_url(self, redirect_uri: str, attempt: SignInAttempt) -> str: ...

    def exchange_code(self, redirect_uri: str, code: str, attempt: SignInAttempt) -> str:
        """The ID token for `code`, not yet verified."""

    def sign_out_url(self, back_url: str | None) -> str | None:
        """Where to end the provider's own session too, if it says (coming back to `back_url`)."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


IdFactory = Callable[[], str]


class Store(Protocol):
    """One method per access pattern (docs/data-model.md). Every write stores its AuditRecord in
    the same transaction, so a write and its audit record exist together or not at all; when the
    record's actor is an integration delivery, the transaction also claims (integration_id,
    delivery_id) once, and raises Duplicate if it was claimed before.
    Conditional writes raise AlreadyExists or StaleWrite; an unknown parent raises NotFound; a
    malformed cursor raises BadRequest."""

    # organisations
    def get_org(self, org_id: str) -> Organisation | None: ...

    def save_org(self, org: Organisation, expected: Organisation | None, audit: AuditRecord) -> None:
        """Create when `expected` is None (AlreadyExists if present), otherwise replace only if
        the stored content still equals `expected` (StaleWrite)."""

    def list_orgs(self, limit: int, cursor: str | None) -> Page[Organisation]: ...

    # services and their summaries. Every write that changes a summary takes a SummaryChange
    # (domain/summaries.py): the summary is replaced by `change.after` and the roll-up items by
    # `change.rollup` only if the summary still equals `change.before` and each roll-up item is
    # at the version read; otherwise Contended, and nothing is written.
    def create_service(self, service: Service, change: SummaryChange, audit: AuditRecord) -> None:
        """NotFound when the organisation does not exist."""

    def get_service(self, org_id: str, service_id: str) -> Service | None: ...

    def list_services(self, org_id: str, limit: int, cursor: str | None) -> Page[Service]:
        """Ordered by department, name, service_id."""

    def update_service(self, service: Service, expected: Service, change: SummaryChange, audit: AuditRecord) -> None:
        """Replace the service (StaleWrite unless it still equals `expected`) and its summary."""

    def get_summary(self, org_id: str, service_id: str) -> ServiceSummary | None: ...

    def set_retired(self, change: SummaryChange, audit: AuditRecord) -> None:
        """Mark the service's summary retired (or not): `change.after` says which."""

    def list_summaries(self, org_id: str) -> list[ServiceSummary]:
        """Every service summary of the organisation, in pages of the store's choosing."""

    def list_summary_page(self, org_id: str, department: str | None, limit: int, cursor: str | None) -> Page[ServiceSummary]:
        """One page of the services that are not retired (only `department`'s, when given), by
        department, name and service_id: one Query."""

    # the organisation's roll-up (domain/rollup.py), in its own partition
    def get_rollup_items(self, org_id: str, names: list[str]) -> dict[str, tuple[dict, int]]:
        """The named items that exist, each with its version: one BatchGetItem."""

    def read_rollup(self, org_id: str, ranges: list[tuple[str, str]]) -> dict[str, dict]:
        """Every item whose name is in one of the (first, last) ranges, inclusive: one Query per
        range (per 1 MB page)."""

    def list_rollup(self, org_id: str) -> dict[str, tuple[dict, int]]:
        """The whole roll-up with versions (the repair command)."""

    def write_rollup(self, org_id: str, items: dict[str, dict], versions: dict[str, int | None]) -> None:
        """Replace (or, for {}, delete) each item at the version read, all or none: Contended."""

    # components
    def list_components(self, org_id: str, service_id: str) -> list[Component]: ...

    def put_component(self, component: Component, expected: Component | None, change: SummaryChange, audit: AuditRecord) -> None:
        """Create when `expected` is None (AlreadyExists if present), otherwise replace only if
        unchanged since `expected` (StaleWrite); the summary changes with it."""

    def delete_component(self, expected: Component, change: SummaryChange, audit: AuditRecord) -> None:
        """StaleWrite if the component changed or went since it was read."""

    # assessments
    def add_assessment(
        self, assessment: Assessment, change: SummaryChange | None, audit: AuditRecord, draft: AssessmentDraft | None = None
    ) -> None:
        """Store the assessment, with the change that makes it the service's latest (None: the
        summary already holds a newer one, and only has to exist: NotFound); the `draft` it was
        made from (if any) is deleted in the same transaction, whatever it holds by then."""

    def get_assessment(self, org_id: str, service_id: str, assessment_id: str) -> Assessment | None: ...

    def list_assessments(self, org_id: str, service_id: str, limit: int, cursor: str | None) -> Page[Assessment]:
        """Newest first."""

    def get_assessment_and_previous(
        self, org_id: str, service_id: str, assessment_id: str
    ) -> tuple[Assessment | None, Assessment | None]:
        """The assessment and the one submitted just before it (the next smaller id), in one
        read; (None, None) when the assessment does not exist."""

    # assessment drafts: one per person and service
    def get_draft(self, org_id: str, service_id: str, person: str) -> AssessmentDraft | None: ...

    def put_draft(self, draft: AssessmentDraft, expected: AssessmentDraft | None, audit: AuditRecord) -> None:
        """Create when `expected` is None (AlreadyExists if present; NotFound without the
        service), otherwise replace only if the stored draft still equals `expected` (StaleWrite)."""

    def delete_draft(self, expected: AssessmentDraft, audit: AuditRecord) -> None:
        """StaleWrite if the draft changed or went since it was read."""

    # audit trail
    def list_audit(self, org_id: str, limit: int, cursor: str | None) -> Page[AuditRecord]:
        """Newest first."""

    # monthly snapshots of the organisation scorecard (in the roll-up's partition)
    def put_snapshot(self, snapshot: MonthlySnapshot) -> None:
        """Create or replace the month's snapshot (taking it twice in a month is harmless)."""

    def list_snapshots(self, org_id: str, first_month: str, last_month: str) -> list[MonthlySnapshot]:
        """Oldest first, months first_month..last_month inclusive."""

    def upgrade_layout(self, org_id: str) -> dict[str, int]:
        """Move the organisation's records kept where an earlier version kept them (the audit
        trail in the organisation's partition, snapshots outside the roll-up's); how many of
        each kind were moved. Idempotent."""

    # declaration projects
    def save_project(self, project: DeclarationProject, expected: DeclarationProject | None, audit: AuditRecord) -> None:
        """Create when `expected` is None (NotFound without the organisation), otherwise replace
        only if the stored project still equals `expected` (StaleWrite)."""

    def get_project(self, org_id: str, project_id: str) -> DeclarationProject | None: ...

    def list_projects(self, org_id: str) -> list[DeclarationProject]: ...

    # benchmark sets and KPI values (chalicelib/domain/benchmarks/model.py)
    def save_benchmark_set(self, stored: StoredBenchmarkSet, expected: StoredBenchmarkSet | None, audit: AuditRecord) -> None:
        """Create when `expected` is None (AlreadyExists if present), otherwise replace only if
        the stored set still equals `expected` (StaleWrite). Its registry entry changes with it."""

    def get_benchmark_set(self, set_id: str) -> StoredBenchmarkSet | None: ...

    def list_benchmark_sets(self) -> list[BenchmarkSetListing]:
        """Every stored set without its peer groups' figures, by set_id, in one Query (no Scan)."""

    def put_kpi_values(
        self, record: KpiRecord, audit: AuditRecord, expected: KpiRecord | None = None, conditional: bool = False
    ) -> None:
        """Replace the period's values; NotFound without the organisation (or the service).
        `conditional`: only if nothing is recorded yet when `expected` is None (AlreadyExists),
        or only over `expected`'s values (StaleWrite)."""

    def get_kpi_values(self, org_id: str, service_id: str | None, period: str) -> KpiRecord | None: ...

    def list_kpi_values(self, org_id: str, service_id: str | None = None) -> list[KpiRecord]:
        """The organisation's (or one service's) recorded periods, by their period text."""

    # integrations
    def create_integration(self, integration: Integration, audit: AuditRecord) -> None: ...

    def get_integration(self, org_id: str, integration_id: str) -> Integration | None: ...

    def find_integration(self, integration_id: str) -> Integration | None:
        """By id alone, as a webhook delivery names it."""

    def list_integrations(self, org_id: str) -> list[Integration]: ...

    def replace_integration(self, integration: Integration, expected: Integration, audit: AuditRecord) -> None:
        """StaleWrite unless the stored integration still equals `expected`."""

    def delete_integration(self, expected: Integration, audit: AuditRecord) -> None: ...

    # the deliveries log
    def add_delivery(self, delivery: Delivery, keep_until: datetime) -> None: ...

    def list_deliveries(self, integration_id: str, after_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
        """Newest first, only those whose delivery_id sorts after `after_id`."""

    # reminders (domain/reminders.py)
    def get_notification_settings(self, org_id: str) -> "NotificationSettings | None": ...

    def put_notification_settings(
        self, settings: "NotificationSettings", expected: "NotificationSettings | None", audit: AuditRecord
    ) -> None:
        """Create when `expected` is None (AlreadyExists if present), otherwise replace only if
        the stored settings still equal `expected` (StaleWrite)."""

    def list_dispatches(self, org_id: str, first_day: date, last_day: date) -> "list[Dispatch]":
        """The messages of days first_day..last_day inclusive, by day, kind and recipient."""

    def put_dispatch(self, dispatch: "Dispatch", expected: "Dispatch | None") -> None:
        """Claim the day's message (expected None: AlreadyExists if claimed before), or move it
        on (sent, failed, claimed again) only from the version read (StaleWrite)."""


class Notifier(Protocol):
    """GOV.UK Notify (adapters/notify.py). Raises domain.reminders.NotifyFailed."""

    def send_email(
        self, api_key: str, email: str, template_id: str, personalisation: dict, reference: str, unsubscribe_url: str | None
    ) -> str:
        """Notify's id of the message."""

    def sent_with_reference(self, api_key: str, reference: str) -> str | None:
        """The id of a message Notify already has with this reference, if any."""
