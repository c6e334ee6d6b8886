"""Composition root: builds the use cases with their adapters, once per Lambda container.

Tests and the local server call `use(...)` to swap in a set clock or another store."""

from dataclasses import dataclass

from ulid import ULID

from chalicelib.domain.clock import SystemClock
from chalicelib.frameworks import load_catalogue
from chalicelib.services.assessments import AssessmentService
from chalicelib.services.catalogue import CatalogueService
from chalicelib.services.components import ComponentService
from chalicelib.services.context import Context
from chalicelib.services.organisations import OrganisationService
from chalicelib.services.ports import Clock, IdFactory, Store
from chalicelib.services.registry import ServiceRegistry
from chalicelib.services.scorecards import ScorecardService


@dataclass(frozen=True)
class UseCases:
    context: Context
    catalogue: CatalogueService
    organisations: OrganisationService
    services: ServiceRegistry
    components: ComponentService
    assessments: AssessmentService
    scorecards: ScorecardService


def build(store: Store | None = None, clock: Clock | None = None, new_id: IdFactory | None = None) -> UseCases:
    if store is None:
        from chalicelib.adapters.dynamodb.store import DynamoStore  # botocore loads only when needed

        store = DynamoStore()
    clock = clock or SystemClock()
    catalogue = load_catalogue()
    # ULIDs from the injected clock, so ids sort by creation time even for back-dated demo data.
    new_id = new_id or (lambda: str(ULID.from_datetime(clock.now())))
    ctx = Context(store=store, clock=clock, catalogue=catalogue, new_id=new_id)
    return UseCases(
        context=ctx,
        catalogue=CatalogueService(catalogue),
        organisations=OrganisationService(ctx),
        services=ServiceRegistry(ctx),
        components=ComponentService(ctx),
        assessments=AssessmentService(ctx),
        scorecards=ScorecardService(ctx),
    )


_current: UseCases | None = None


def use_cases() -> UseCases:
    global _current
    if _current is None:
        _current = build()
    return _current


def use(replacement: UseCases | None) -> None:
    """Swap the container's use cases (None: build the defaults again on next use)."""
    global _current
    _current = replacement
