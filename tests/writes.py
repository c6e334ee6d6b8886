"""The summary-changing Store writes as the use cases make them (services/context.py): read the
summary, compute what it becomes (domain/summaries.py) and the roll-up items that change with
it, and write all of it together. For tests that call a store directly (the contract suite)."""

from datetime import datetime, timezone

from chalicelib.domain.errors import NotFound
from chalicelib.domain import summaries
from chalicelib.frameworks import load_catalogue
from chalicelib.services.context import Context

_CATALOGUE = load_catalogue()


class _Clock:
    def now(self):
        return datetime(2026, 3, 15, tzinfo=timezone.utc)

    def today(self):
        return self.now().date()


def context(store) -> Context:
    return Context(store=store, clock=_Clock(), catalogue=_CATALOGUE, new_id=lambda: "unused")


def _summary(store, org_id, service_id):
    summary = store.get_summary(org_id, service_id)
    if summary is None:
        raise NotFound(f"no service {service_id!r}")
    return summary


def create_service(store, service, audit):
    store.create_service(service, context(store).summary_change(None, summaries.new_summary(service)), audit)


def update_service(store, service, expected, audit):
    before = _summary(store, service.org_id, service.service_id)
    store.update_service(service, expected, context(store).summary_change(before, summaries.with_service(before, service)), audit)


def set_retired(store, org_id, service_id, retired, audit):
    before = _summary(store, org_id, service_id)
    store.set_retired(context(store).summary_change(before, summaries.with_retired(before, retired)), audit)


def put_component(store, component, expected, audit):
    before = _summary(store, component.org_id, component.service_id)
    store.put_component(component, expected, context(store).summary_change(before, summaries.with_component(before, component)), audit)


def delete_component(store, expected, audit):
    before = _summary(store, expected.org_id, expected.service_id)
    change = context(store).summary_change(before, summaries.without_component(before, expected.component_id))
    store.delete_component(expected, change, audit)


def add_assessment(store, assessment, latest, audit, draft=None) -> bool:
    """Whether it became the service's latest."""
    before = _summary(store, assessment.org_id, assessment.service_id)
    after = summaries.with_latest(before, latest)
    store.add_assessment(assessment, context(store).summary_change(before, after) if after else None, audit, draft)
    return after is not None
