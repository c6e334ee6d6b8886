"""What every use case is built with: the store, the clock, the catalogue and an id factory."""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from chalicelib.domain import rollup
from chalicelib.domain.catalogue import Framework
from chalicelib.domain.errors import AlreadyExists, Conflict, Contended, Invalid, NotFound, PreconditionRequired, StaleWrite
from chalicelib.domain.model import Actor, AuditRecord, Organisation, ServiceSummary, Stamp
from chalicelib.domain.preconditions import Preconditions
from chalicelib.domain.summaries import SummaryChange
from chalicelib.services.ports import RACE_ATTEMPTS, Clock, IdFactory, Store

T = TypeVar("T")

# How often a write that met another request's change to the same summary or roll-up item reads
# again and retries: every write in an organisation touches its roll-up totals, so up to this
# many concurrent writers all get in (tests/contract/test_rollup_contract.py runs 8).
CONTENDED_ATTEMPTS = 12


@dataclass(frozen=True)
class Context:
    store: Store
    clock: Clock
    catalogue: dict[str, Framework]
    new_id: IdFactory

    def stamp(self, actor: Actor) -> Stamp:
        return Stamp(self.clock.now(), actor)

    @staticmethod
    def id_floor(instant: datetime) -> str:
        """The lowest id made at `instant`: ids made later sort after it."""
        from ulid import ULID  # here, not at import: see bootstrap._ulid_factory

        return str(ULID.from_datetime(instant))[:10] + "0" * 16

    def audit(self, org_id: str, stamp: Stamp, action: str, target: str) -> AuditRecord:
        return AuditRecord(org_id, self.new_id(), stamp.at, stamp.by, action, target)

    @property
    def current_framework(self) -> Framework:
        return next(f for f in self.catalogue.values() if f.current)

    def framework(self, framework_id: str, field: str = "framework_id") -> Framework:
        """For a request body naming a framework: an unknown one is a validation failure."""
        try:
            return self.catalogue[framework_id]
        except KeyError:
            raise Invalid(f"Unknown framework {framework_id!r}.", {field: [f"unknown framework {framework_id!r}"]}) from None

    def org_or_404(self, org_id: str) -> Organisation:
        org = self.store.get_org(org_id)
        if org is None:
            raise NotFound(f"Organisation {org_id!r} does not exist.")
        return org

    def merge_patch(
        self,
        current: T,
        patch: dict,
        preconditions: Preconditions,
        etag: str,
        fields: tuple[tuple[str, ...], tuple[str, ...]],
        actor: Actor,
        audited: tuple[str, str, str],
        save: Callable[[T, T, AuditRecord], None],
        what: str,
    ) -> T:
        """The one edit (PATCH) flow: a JSON merge patch of the (editable, required) `fields`,
        applied where the request's conditions hold for the current version (`etag`), stamped,
        audited as (org_id, action, target), and saved only over the version read."""
        changes = merge_patch_changes(patch, preconditions, etag, *fields, what)
        stamp = self.stamp(actor)
        updated = replace(current, **changes, updated=stamp)
        org_id, action, target = audited
        try:
            save(updated, current, self.audit(org_id, stamp, action, target))
        except StaleWrite:
            raise StaleWrite(f"{what} has changed since you read it.") from None
        return updated

    def summary_change(self, before: ServiceSummary | None, after: ServiceSummary) -> SummaryChange:
        """The write of `after` over `before`, with the roll-up items it changes (read in one
        request; none when the service's contribution to the figures is the same)."""
        framework = self.current_framework
        was, now = rollup.contribution(before, framework), rollup.contribution(after, framework)
        if was == now:
            return SummaryChange(before, after)
        read = self.store.get_rollup_items(after.org_id, sorted(rollup.changed_names(was, now)))
        current = {name: data for name, (data, _) in read.items()}
        # Only the items whose content changes are written (and compared): a transaction holds
        # at most 100 items, and an unchanged item needs neither.
        items = {name: data for name, data in rollup.apply(current, was, now).items() if data != current.get(name, {})}
        return SummaryChange(before, after, items, {name: read[name][1] if name in read else None for name in items})

    def summary_or_404(self, org_id: str, service_id: str):
        summary = self.store.get_summary(org_id, service_id)
        if summary is None:
            raise NotFound(f"Service {service_id!r} was not found in organisation {org_id!r}.")
        return summary


def with_retries(attempt: Callable[[], T], conditional: bool, what: str) -> T:
    """Run read-then-conditional-write `attempt`; a lost race is retried unless the client made the
    write conditional (If-Match), in which case it is the client's 412 to resolve. Contention on
    the summary or the roll-up is never the client's: it is retried (on_contention)."""
    for _ in range(RACE_ATTEMPTS):
        try:
            return on_contention(attempt)
        except (AlreadyExists, StaleWrite):
            if conditional:
                raise StaleWrite(f"{what} changed since you read it; read it again and retry.") from None
    raise Conflict(f"{what} is being changed by other requests; try again.")


def on_contention(attempt: Callable[[], T]) -> T:
    """Run read-then-write `attempt` again while it meets Contended, after a short random pause
    that grows with each attempt (so that concurrent writers spread out)."""
    for tries in range(1, CONTENDED_ATTEMPTS + 1):
        try:
            return attempt()
        except Contended:
            if tries == CONTENDED_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**tries)))
    raise AssertionError("unreachable")


def require_if_match(preconditions: Preconditions) -> None:
    """An edit must name the version it was made from (or `*`), so that no edit is lost."""
    if preconditions.if_match is None:
        raise PreconditionRequired("Send If-Match with the ETag you read, so that edits are not lost.")


def merge_patch_changes(
    patch: dict, preconditions: Preconditions, etag: str, editable: tuple[str, ...], required: tuple[str, ...], what: str
) -> dict:
    """The changes a JSON merge patch makes, applied only where the request's conditions hold
    for the current version (`etag`), and never removing a required field."""
    preconditions.check(etag, what)
    nulls = [f for f in required if f in patch and patch[f] is None]
    if nulls:
        raise Invalid("Required fields cannot be removed.", {f: ["may not be null"] for f in nulls})
    return {f: patch[f] for f in editable if f in patch}
