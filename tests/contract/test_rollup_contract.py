"""The roll-up (domain/rollup.py) in every store: kept by the use cases' writes, equal to a
rebuild from the summaries whatever the writes, read by key range, and repaired; the summaries'
index pages the scorecard's services; concurrent writers in one organisation all get in."""

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib import bootstrap
from chalicelib.domain import rollup
from chalicelib.domain.access import Principal
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.etags import service_etag
from chalicelib.domain.preconditions import Preconditions
from chalicelib.domain.model import Answer
from chalicelib.domain.rollup_read import headline, org_of, projects_of, snapshots_of
from chalicelib.domain.scorecards import org_scorecard
from chalicelib.services.rollups import RollupService
from tests.contract.test_store_contract import ORG, snapshot
from tests.unit.builders import component_spec, contract, exit_plan

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
ADMIN = Principal("admin-1", "admin@testshire.example", ORG, frozenset({"platform_admin", "admin"}))


def use_cases(store):
    return bootstrap.build(store=store, clock=FixedClock(NOW))


def derived(store, org_id=ORG) -> dict:
    """The roll-up's items computed from the services (not the copies of records, nor snapshots)."""
    return {
        name: data
        for name, (data, _) in store.list_rollup(org_id).items()
        if not name.startswith((rollup.ORG, rollup.PROJECT, rollup.SNAPSHOT))
    }


def a_council(app) -> list[str]:
    """Services in three departments with components, contracts and assessments, then moved,
    renamed, retired and reinstated, components replaced and deleted."""
    app.organisations.put(ADMIN, ORG, {"name": "Testshire"})
    ids = []
    for n, department in enumerate(["Adults", "Highways", "Adults", "Children", "Highways"]):
        fields = {"name": f"Service {n}", "department": department, "owner_email": "owner@testshire.example"}
        ids.append(app.services.create(ADMIN, ORG, fields).service_id)
    framework = app.context.current_framework
    ratings = ["green", "amber", "red"]
    for n, sid in enumerate(ids[:4]):
        answers = [Answer(q.question_id, ratings[(n + i) % 3], justification="x") for i, q in enumerate(framework.questions)]
        app.assessments.submit(ADMIN, ORG, sid, framework.framework_id, answers)
        spec = component_spec(
            supplier=["Acme Ltd", "ACME LTD", "Bravo plc", "Acme Ltd"][n],
            contract=contract(date(2024, 1, 1), date(2026, 9, 30) + timedelta(days=200 * n)),
            exit_plan=exit_plan(n % 2 == 0, date(2025, 1, 1) if n % 2 == 0 else None),
        )
        app.components.put(ADMIN, ORG, sid, "crm", spec)
        app.components.put(ADMIN, ORG, sid, "web", component_spec(supplier="Charlie"))
    app.components.put(ADMIN, ORG, ids[0], "crm", component_spec(supplier="Delta Systems"))  # replaced
    app.components.delete(ADMIN, ORG, ids[1], "web")
    service = app.services.get(ADMIN, ORG, ids[2])
    app.services.patch(ADMIN, ORG, ids[2], {"department": "Children", "name": "Renamed"}, Preconditions.from_headers(service_etag(service), None))
    app.services.retire(ADMIN, ORG, ids[3])
    app.services.retire(ADMIN, ORG, ids[4])
    app.services.retire(ADMIN, ORG, ids[4], retired=False)
    return ids


def test_the_writes_keep_the_roll_up_equal_to_a_rebuild_and_its_headline_to_a_recompute(store):
    app = use_cases(store)
    a_council(app)
    framework = app.context.current_framework
    summaries = store.list_summaries(ORG)
    assert derived(store) == rollup.rebuild(summaries, framework)
    for today in [date(2026, 3, 15), date(2026, 9, 30), date(2026, 10, 1), date(2027, 6, 1)]:
        items = store.read_rollup(ORG, list(rollup.read_ranges(today, framework)))
        card, reference = headline(ORG, items, framework, today), org_scorecard(ORG, summaries, framework, today)
        assert card == type(card)(**{**reference.__dict__, "services": ()})
    # The repair finds nothing to do, and puts right what was lost.
    rollups = RollupService(app.context)
    assert (rollups.repair(ORG).written, rollups.repair(ORG).deleted) == (0, 0)
    totals, version = store.list_rollup(ORG)[rollup.TOTALS]
    store.write_rollup(ORG, {rollup.TOTALS: {**totals, "services": 99}}, {rollup.TOTALS: version})
    assert rollups.repair(ORG).written == 1
    assert derived(store) == rollup.rebuild(summaries, framework)


def test_the_headline_ranges_hold_the_organisation_its_projects_and_the_trend(store):
    app = use_cases(store)
    app.organisations.put(ADMIN, ORG, {"name": "Testshire"})
    app.organisations.put(ADMIN, "other-council", {"name": "Other"})
    project = app.projects.create(ADMIN, ORG, {"title": "Open data", "partners": ["LOTI"], "mission": "m", "impact": "i", "due": date(2026, 6, 30)})
    for month in ["2024-01", "2026-02", "2025-12"]:
        store.put_snapshot(snapshot(month))
    store.put_snapshot(snapshot("2026-01", org_id="other-council"))
    items = store.read_rollup(ORG, list(rollup.read_ranges(date(2026, 3, 15), app.context.current_framework, "2025-04")))
    assert org_of(items).name == "Testshire"
    assert [p.project_id for p in projects_of(items)] == [project.project_id]
    assert [s.month for s in snapshots_of(items)] == ["2025-12", "2026-02"]
    assert snapshots_of(items)[0] == snapshot("2025-12")  # exact fractions
    assert [s.month for s in store.list_snapshots(ORG, "2024-01", "2026-12")] == ["2024-01", "2025-12", "2026-02"]


def test_the_summaries_index_pages_the_services_that_are_not_retired_in_order(store):
    app = use_cases(store)
    ids = a_council(app)
    names = lambda page: [(s.department, s.name) for s in page.items]  # noqa: E731
    first = store.list_summary_page(ORG, None, 2, None)
    second = store.list_summary_page(ORG, None, 2, first.next_cursor)
    assert names(first) + names(second) == [("Adults", "Service 0"), ("Children", "Renamed"), ("Highways", "Service 1"), ("Highways", "Service 4")]
    assert second.next_cursor is None
    assert ids[3] not in {s.service_id for s in first.items + second.items}  # retired
    children = store.list_summary_page(ORG, "Children", 10, None)
    assert names(children) == [("Children", "Renamed")] and children.next_cursor is None
    assert store.list_summary_page("other-council", None, 10, None).items == []


@pytest.mark.parametrize("kind", ["sqlite", "dynamodb"])
def test_eight_concurrent_writers_in_one_organisation_all_get_in(kind, tmp_path, request, monkeypatch):
    """Eight threads, each writing three components of its own service, all touching the same
    roll-up items (totals, supplier): each retries what it lost until all get in."""
    if kind == "sqlite":
        from chalicelib.adapters.sqlite.store import SqliteStore

        store = SqliteStore(tmp_path / "store.sqlite3")
        request.addfinalizer(store.close)
    else:
        request.getfixturevalue("table")
        from pynamodb.connection.base import Connection

        from chalicelib.adapters.dynamodb.store import DynamoStore

        # DynamoDB answers each request atomically; moto's in-process backend is not safe for
        # threads, so requests are made one at a time (interleaved between requests, as real).
        one_at_a_time, call = threading.Lock(), Connection._make_api_call

        def atomic(self, *args, **kwargs):
            with one_at_a_time:
                return call(self, *args, **kwargs)

        monkeypatch.setattr(Connection, "_make_api_call", atomic)
        store = DynamoStore()
    app = use_cases(store)
    app.organisations.put(ADMIN, ORG, {"name": "Testshire"})
    ids = [
        app.services.create(ADMIN, ORG, {"name": f"S{n}", "department": "Adults", "owner_email": "o@testshire.example"}).service_id
        for n in range(8)
    ]
    start, failures = threading.Barrier(8), []

    def writer(sid):
        try:
            start.wait()
            for slot in range(3):
                app.components.put(ADMIN, ORG, sid, f"c{slot}", component_spec(supplier="Acme Ltd", contract=contract(date(2024, 1, 1), date(2027, 1, 31))))
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(repr(e))

    threads = [threading.Thread(target=writer, args=(sid,)) for sid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert derived(store) == rollup.rebuild(store.list_summaries(ORG), app.context.current_framework)
    supplier_line = next(
        data["suppliers"]["acme ltd"] for name, data in derived(store).items() if name.startswith(rollup.SUPP)
    )
    assert (supplier_line["services"], supplier_line["components"]) == (8, 24)


@pytest.mark.parametrize("kind", ["sqlite", "dynamodb"])
def test_the_repair_moves_records_kept_where_an_earlier_version_kept_them(kind, tmp_path, request):
    """Before the roll-up, snapshots and the audit trail sat in the organisation's partition."""
    from dataclasses import replace

    from chalicelib.adapters.dynamodb import keys
    from chalicelib.domain.model import AuditRecord
    from tests.unit.builders import ANONYMOUS

    old_audit = AuditRecord(ORG, "00000000000000000000000001", NOW, ANONYMOUS, "organisation.created", "")
    if kind == "sqlite":
        from chalicelib.adapters.sqlite.store import SqliteStore, _row

        store = SqliteStore(tmp_path / "store.sqlite3")
        request.addfinalizer(store.close)

        def legacy(pk, sk, record):
            with store.db.transaction() as tx:
                tx.put(_row(pk, sk, record))
    else:
        request.getfixturevalue("table")
        from chalicelib.adapters.dynamodb.items import AUDIT, SNAPSHOT
        from chalicelib.adapters.dynamodb.store import DynamoStore

        store = DynamoStore()

        def legacy(pk, sk, record):
            item = (AUDIT if isinstance(record, AuditRecord) else SNAPSHOT).item(record)
            item.pk = pk
            item.save()
    app = use_cases(store)
    app.organisations.put(ADMIN, ORG, {"name": "Testshire"})
    legacy(keys.org_pk(ORG), keys.audit_sk(old_audit.audit_id), old_audit)
    for month in ["2025-12", "2026-01"]:
        legacy(keys.org_pk(ORG), keys.snapshot_sk(month), snapshot(month))
    store.put_snapshot(replace(snapshot("2026-01"), services_assessed=7))  # taken since: it stays
    report = RollupService(app.context).repair(ORG)
    assert report.moved == {"audit records": 1, "snapshots": 1}
    assert old_audit in store.list_audit(ORG, 10, None).items
    assert [(s.month, s.services_assessed) for s in store.list_snapshots(ORG, "2025-01", "2026-12")] == [("2025-12", 1), ("2026-01", 7)]
    assert RollupService(app.context).repair(ORG).moved == {"audit records": 0, "snapshots": 0}
