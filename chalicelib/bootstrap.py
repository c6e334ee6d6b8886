"""Composition root: builds the use cases with their adapters, once per Lambda container.

Tests and the local server call `use(...)` to swap in a set clock or another store."""

from dataclasses import dataclass

from chalicelib.domain.catalogue import Framework
from chalicelib import config
from chalicelib.domain.clock import SystemClock
from chalicelib.frameworks import load_catalogue
from chalicelib.services.assessments import AssessmentService
from chalicelib.services.audit import AuditService
from chalicelib.services.benchmarks import BenchmarkService
from chalicelib.services.catalogue import CatalogueService
from chalicelib.services.components import ComponentService
from chalicelib.services.context import Context
from chalicelib.services.dashboard import DashboardService
from chalicelib.services.drafts import DraftService
from chalicelib.services.integrations import IntegrationService
from chalicelib.services.organisations import OrganisationService
from chalicelib.services.ports import Clock, IdFactory, Store
from chalicelib.services.projects import ProjectService
from chalicelib.services.registry import ServiceRegistry
from chalicelib.services.scorecards import ScorecardService
from chalicelib.services.sign_in import SignInService
from chalicelib.services.rollups import RollupService
from chalicelib.services.snapshots import SnapshotService
from chalicelib.services.webhooks import WebhookService


@dataclass(frozen=True)
class UseCases:
    context: Context
    catalogue: CatalogueService
    organisations: OrganisationService
    services: ServiceRegistry
    components: ComponentService
    assessments: AssessmentService
    drafts: DraftService
    scorecards: ScorecardService
    audit: AuditService
    integrations: IntegrationService
    webhooks: WebhookService
    projects: ProjectService
    snapshots: SnapshotService
    benchmarks: BenchmarkService
    dashboard: DashboardService
    sign_in: SignInService
    rollups: RollupService


def _ulid_factory(clock: Clock) -> IdFactory:
    def new_id() -> str:
        # Imported on the first write, not at start: python-ulid reads its own version from the
        # installed distributions' metadata when imported (tens of ms of every cold start).
        from ulid import ULID

        return str(ULID.from_datetime(clock.now()))

    return new_id


def build(
    store: Store | None = None,
    clock: Clock | None = None,
    new_id: IdFactory | None = None,
    secret_box=None,
    catalogue: dict[str, Framework] | None = None,
) -> UseCases:
    if store is None:
        from chalicelib.adapters.dynamodb.store import DynamoStore  # botocore loads only when needed

        store = DynamoStore()
    clock = clock or SystemClock()
    catalogue = load_catalogue() if catalogue is None else catalogue
    # ULIDs from the injected clock, so ids sort by creation time even for back-dated demo data.
    new_id = new_id or _ulid_factory(clock)
    box = (lambda: secret_box) if secret_box is not None else _secret_box
    ctx = Context(store=store, clock=clock, catalogue=catalogue, new_id=new_id)
    scorecards = ScorecardService(ctx)
    benchmarks = BenchmarkService(ctx)
    assessments = AssessmentService(ctx)
    return UseCases(
        context=ctx,
        catalogue=CatalogueService(catalogue),
        organisations=OrganisationService(ctx),
        services=ServiceRegistry(ctx),
        components=ComponentService(ctx),
        assessments=assessments,
        drafts=DraftService(ctx, assessments),
        scorecards=scorecards,
        audit=AuditService(ctx),
        integrations=IntegrationService(ctx, box),
        webhooks=WebhookService(ctx, box, config.webhook_tolerance_seconds),
        projects=ProjectService(ctx),
        snapshots=SnapshotService(ctx, scorecards),
        benchmarks=benchmarks,
        dashboard=DashboardService(ctx, scorecards, benchmarks),
        sign_in=SignInService(tokens=authenticator, provider=_identity_provider),
        rollups=RollupService(ctx),
    )


_current: UseCases | None = None
_authenticator = None
_box = None


def _secret_box():
    """Seals integration secrets: KMS on AWS, a key file locally; built on first use."""
    global _box
    if _box is None:
        from chalicelib.adapters.secretbox import secret_box_from_env

        _box = secret_box_from_env()
    return _box


def _identity_provider():
    """The pages' OAuth client, from OIDC_CLIENT_ID (and its secret) when the pages need it."""
    from chalicelib.adapters.oidc_client import ClientSettings, OidcClient

    return OidcClient(authenticator(), ClientSettings.from_env())


def use_cases() -> UseCases:
    global _current
    if _current is None:
        _current = build()
    return _current


def use(replacement: UseCases | None) -> None:
    """Swap the container's use cases (None: build the defaults again on next use)."""
    global _current
    _current = replacement


def authenticator():
    """The bearer-token checker, built from the OIDC_* settings on first use; it caches the
    provider's keys in the container (for OIDC_JWKS_CACHE_SECONDS)."""
    global _authenticator
    if _authenticator is None:
        from chalicelib.adapters.oidc import authenticator_from_env

        _authenticator = authenticator_from_env()
    return _authenticator


def use_authenticator(replacement) -> None:
    """Swap the authenticator (None: build it from the environment again on next use)."""
    global _authenticator
    _authenticator = replacement
