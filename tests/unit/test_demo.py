"""The demo organisation's trend is computed by running the monthly snapshot over back-dated
demo data, not typed in."""

from datetime import datetime, timezone

from chalicelib.frameworks import current_framework
from devserver.demo import ORG_ID, seed_demo
from tests.fakes import InMemoryStore

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


def _months_between(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def test_the_demo_has_a_snapshot_for_every_month_and_seeds_once():
    store = InMemoryStore()
    assert seed_demo(store=store, now=NOW) is True
    snapshots = store.list_snapshots(ORG_ID, "2000-01", "2999-12")
    months = [s.month for s in snapshots]
    assert months == _months_between(months[0], "2026-11")
    assert len(months) >= 24
    scored = [s for s in snapshots if s.average_score is not None]
    assert scored[-1].average_score > scored[0].average_score  # most services improve over the demo's history
    assert scored[-1].services_assessed == 10
    assert len(store.projects) == 2
    # The demo answers the framework the pages offer.
    assert {a.framework_id for a in store.assessments.values()} == {current_framework().framework_id}
    assert {(service is None, period) for (_, service, period) in store.kpis} == {
        (True, "2024"),
        (True, "2025"),
        (False, "2026-Q3"),
    }
    assert seed_demo(store=store, now=NOW) is False
    assert len(store.list_snapshots(ORG_ID, "2000-01", "2999-12")) == len(months)
