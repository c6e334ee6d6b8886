"""Moving an organisation between stores (services/transfer.py over the Archive port): from the
SQLite file to the DynamoDB table and back, records, ids, dates and audit trail kept; refused
over newer records; resumed after an interruption; and `make export` / `make import` end to end."""

import json
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from tests import writes

from chalicelib.domain.benchmarks.model import KpiRecord
from chalicelib.domain.errors import Duplicate, StaleWrite
from chalicelib.services.transfer import apply_import, partitions_to_export, plan_import, read_for_export
from tests.contract.test_store_contract import (
    ORG,
    by_delivery,
    dashboard_org,
    delivery,
    draft,
    integration,
    note,
    org,
)
from tests.contract.test_reminder_records_contract import dispatch
from tests.contract.test_reminder_records_contract import settings as notify_settings
from tests.unit.builders import stamp


@pytest.fixture
def stores(request, tmp_path):
    """Opens a store and its archive by name: "sqlite-a", "sqlite-b" (two files) or "dynamodb"."""
    opened = []

    def open_(name):
        if name == "dynamodb":
            request.getfixturevalue("table")
            from pynamodb.connection import Connection

            from chalicelib.adapters.dynamodb.archive import DynamoArchive
            from chalicelib.adapters.dynamodb.store import DynamoStore

            return DynamoStore(), DynamoArchive(Connection())
        from chalicelib.adapters.sqlite.archive import SqliteArchive
        from chalicelib.adapters.sqlite.store import SqliteStore

        store = SqliteStore(tmp_path / f"{name}.sqlite3")
        opened.append(store)
        return store, SqliteArchive(store.db)

    yield open_
    for store in opened:
        store.close()


def council(store) -> None:
    """An organisation with a record of every kind: projects, snapshots, services, a component,
    an assessment, a draft, KPI values, an integration with a delivery and a claimed write, and
    the audit trail of all of it; and another organisation beside it."""
    dashboard_org(store)
    store.save_org(org("other-council"), expected=None, audit=note("other-council"))
    store.put_draft(draft(), None, audit=note())
    store.put_kpi_values(KpiRecord(ORG, None, "2025", {"cost_per_user": 2900}, stamp()), audit=note())
    store.create_integration(integration("i1"), audit=note())
    store.add_delivery(delivery("01"), keep_until=datetime.now(timezone.utc) + timedelta(days=30))
    component = store.list_components(ORG, "s1")[0]
    writes.put_component(store, component, expected=component, audit=recent_delivery())
    store.put_notification_settings(notify_settings(), None, note())
    today = datetime.now(timezone.utc)
    store.put_dispatch(dispatch(today.date(), claimed=stamp(today)), None)


def recent_delivery():
    """A write by a delivery today: its claim is kept 30 days (older claims are not exported)."""
    return replace(by_delivery("i1", "msg_1"), at=datetime.now(timezone.utc))


def entries_of(archive, org_id=ORG):
    return [e for pk in partitions_to_export(archive, org_id) for e in read_for_export(archive, pk, time.time())]


def move(source_archive, target_archive):
    plan = plan_import(target_archive, entries_of(source_archive), ORG, time.time())
    assert plan.refusals == []
    apply_import(target_archive, plan)
    return plan


def same_council(a, b) -> None:
    assert b.get_org(ORG) == a.get_org(ORG)
    assert b.list_projects(ORG) == a.list_projects(ORG)
    assert b.list_snapshots(ORG, "2000-01", "2999-12") == a.list_snapshots(ORG, "2000-01", "2999-12")
    assert b.list_summaries(ORG) == a.list_summaries(ORG)
    assert {n: d for n, (d, _) in b.list_rollup(ORG).items()} == {n: d for n, (d, _) in a.list_rollup(ORG).items()}
    assert b.list_services(ORG, 10, None) == a.list_services(ORG, 10, None)
    assert b.list_components(ORG, "s1") == a.list_components(ORG, "s1")
    assert b.list_assessments(ORG, "s1", 10, None) == a.list_assessments(ORG, "s1", 10, None)
    assert b.get_draft(ORG, "s1", "subject-1") == a.get_draft(ORG, "s1", "subject-1")
    assert b.list_kpi_values(ORG) == a.list_kpi_values(ORG)
    assert b.list_audit(ORG, 100, None) == a.list_audit(ORG, 100, None)
    assert b.find_integration("i1") == a.find_integration("i1")
    assert b.list_deliveries("i1", "0", 10, None) == a.list_deliveries("i1", "0", 10, None)
    assert b.get_notification_settings(ORG) == a.get_notification_settings(ORG) is not None
    today = datetime.now(timezone.utc).date()
    assert b.list_dispatches(ORG, today, today) == a.list_dispatches(ORG, today, today) != []


@pytest.mark.parametrize("source, target", [("sqlite-a", "dynamodb"), ("dynamodb", "sqlite-a"), ("sqlite-a", "sqlite-b")])
def test_an_organisation_moves_whole_and_only_it(stores, source, target):
    (a, a_archive), (b, b_archive) = stores(source), stores(target)
    council(a)
    plan = move(a_archive, b_archive)
    assert plan.same == 0 and len(plan.writes) == len(entries_of(a_archive))
    same_council(a, b)
    assert len(b.list_audit(ORG, 100, None).items) > 5
    assert b.get_org("other-council") is None
    component = b.list_components(ORG, "s1")[0]
    with pytest.raises(Duplicate):  # the claim came along: the delivery is still applied once
        writes.put_component(b, component, expected=component, audit=recent_delivery())
    # Writes go on as before on the target, over the etags the import wrote.
    writes.put_component(b, replace(component, updated=stamp()), expected=component, audit=note())


def test_a_second_import_writes_nothing_and_an_interrupted_one_resumes(stores):
    (a, a_archive), (b, b_archive) = stores("sqlite-a"), stores("dynamodb")
    council(a)
    entries = entries_of(a_archive)
    first = plan_import(b_archive, entries[:7], ORG, time.time())  # as if stopped after a few
    apply_import(b_archive, first)
    again = plan_import(b_archive, entries, ORG, time.time())
    assert again.same == 7 and len(again.writes) == len(entries) - 7 and again.refusals == []
    written = []
    apply_import(b_archive, again, written.append)
    assert sum(written) == len(entries) - 7
    same_council(a, b)
    assert plan_import(b_archive, entries, ORG, time.time()).writes == []


def test_older_records_there_are_replaced_and_newer_ones_refuse_the_whole_import(stores):
    (a, a_archive), (b, b_archive) = stores("sqlite-a"), stores("dynamodb")
    council(a)
    move(a_archive, b_archive)
    # Work goes on locally: the stage's copy is now older, and is replaced.
    mine = a.get_org(ORG)
    a.save_org(replace(mine, name="Testshire Borough Council", updated=stamp(mine.updated.at + timedelta(days=1))), mine, audit=note())
    plan = move(a_archive, b_archive)
    assert [(w.sk, old is not None) for w, old in plan.writes if not w.sk.startswith("AUDIT#")] == [("ORG", True), ("1#ORG", True)]
    assert b.get_org(ORG).name == "Testshire Borough Council"
    # Work done on the stage since: a newer organisation record there, and a record the file lacks.
    theirs = b.get_org(ORG)
    b.save_org(replace(theirs, name="Renamed there", updated=stamp(theirs.updated.at + timedelta(days=1))), theirs, audit=note())
    plan = plan_import(b_archive, entries_of(a_archive), ORG, time.time())
    assert {(r.entry.sk.split("#")[0], r.outcome) for r in plan.refusals} == {("ORG", "newer"), ("AUDIT", "only_in_target")}
    assert [w.sk for w, _ in plan.writes] == ["1#ORG"]  # derived (the roll-up's copy), and refused with the rest


@pytest.mark.parametrize("target", ["dynamodb", "sqlite-b"])
def test_a_record_changed_after_the_plan_read_it_stops_the_import_and_a_new_run_goes_on(stores, target):
    (a, a_archive), (b, b_archive) = stores("sqlite-a"), stores(target)
    council(a)
    entries = entries_of(a_archive)
    plan = plan_import(b_archive, entries, ORG, time.time())
    b.save_org(org(), expected=None, audit=note())  # the same organisation record, made there meanwhile
    with pytest.raises(StaleWrite):
        apply_import(b_archive, plan)
    assert b.get_summary(ORG, "s1") is None  # its batch, and those after it, were not written
    again = plan_import(b_archive, entries, ORG, time.time())
    assert [r.entry.sk[:6] for r in again.refusals] == ["AUDIT#"]  # the audit record of that write


# make export / make import ---------------------------------------------------------------------


def test_make_export_and_make_import_carry_a_council_to_a_stage_and_back(stores, tmp_path, monkeypatch, capsys):
    from tools import transfer

    local, _ = stores("tracker")  # LDD_LOCAL_DIR/tracker.sqlite3, as make run keeps it
    council(local)
    stage, _ = stores("dynamodb")
    table = stage_table()
    monkeypatch.setenv("TABLE_NAME", table)  # the tool sets it for --table
    monkeypatch.setenv("LDD_LOCAL_DIR", str(tmp_path))
    file = tmp_path / "testshire.jsonl"

    assert transfer.main(["export", ORG, str(file)]) == 0
    assert transfer.main(["import", str(file), "--table", table]) == 0
    out = capsys.readouterr()
    assert "records written to the table" in out.out and "import testshire: 100%" in out.err  # the bar, finished
    same_council(local, stage)
    assert transfer.main(["import", str(file), "--table", table]) == 0
    assert ": 0 records written" in capsys.readouterr().out  # nothing left to write

    back = tmp_path / "back.jsonl"
    assert transfer.main(["export", ORG, str(back), "--table", table]) == 0
    monkeypatch.setenv("LDD_LOCAL_DIR", str(tmp_path / "elsewhere"))
    assert transfer.main(["import", str(back)]) == 0
    from chalicelib.adapters.sqlite.store import SqliteStore

    elsewhere = SqliteStore(tmp_path / "elsewhere" / "tracker.sqlite3")
    try:
        same_council(local, elsewhere)
    finally:
        elsewhere.close()
    assert transfer.main(["export", "nobody", str(tmp_path / "x.jsonl")]) == 1
    assert "'nobody' does not exist" in capsys.readouterr().err


def test_an_interrupted_export_resumes_after_its_last_whole_partition(stores, tmp_path, monkeypatch):
    from tools import transfer

    local, archive = stores("tracker")
    council(local)
    monkeypatch.setenv("LDD_LOCAL_DIR", str(tmp_path))
    file = tmp_path / "testshire.jsonl"
    assert transfer.main(["export", ORG, str(file)]) == 0
    whole = file.read_text().splitlines()
    # Cut after the first partition and half-way through the second's first record.
    first_done = next(i for i, line in enumerate(whole) if "partition_done" in line)
    partial = tmp_path / "testshire.jsonl.partial"
    partial.write_text("\n".join(whole[: first_done + 1]) + "\n" + whole[first_done + 1][:20])
    file.unlink()
    read = []
    monkeypatch.setattr(type(archive), "read_partition", _spy(type(archive).read_partition, read))
    assert transfer.main(["export", ORG, str(file)]) == 0
    assert "ORG#testshire" not in read and len(read) == len(partitions_to_export(archive, ORG)) - 1
    ignore_started = lambda lines: [line for line in lines if "started_at" not in line]  # noqa: E731
    assert ignore_started(file.read_text().splitlines()) == ignore_started(whole)
    assert not partial.exists()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda lines: lines[:-1], "incomplete"),
        (lambda lines: [lines[0].replace("org-export/2", "org-export/9"), *lines[1:]], "not a ldd-tracker/org-export/2 file"),
        (lambda lines: [*lines[:2], lines[2][:30], *lines[3:]], "damaged"),
        (lambda lines: [*lines[:1], json.dumps({"pk": "ORG#testshire", "sk": "SERVICE#x", "data": {}}), *lines[1:]], "not a record"),
        (lambda lines: [*lines[:1], json.dumps({"pk": "ORG#other", "sk": "ORG", "data": {}}), *lines[1:]], "is not testshire's"),
    ],
)
def test_a_damaged_file_is_refused_before_anything_is_written(stores, tmp_path, monkeypatch, capsys, damage, message):
    from tools import transfer

    local, _ = stores("tracker")
    council(local)
    monkeypatch.setenv("LDD_LOCAL_DIR", str(tmp_path))
    file = tmp_path / "testshire.jsonl"
    assert transfer.main(["export", ORG, str(file)]) == 0
    file.write_text("\n".join(damage(file.read_text().splitlines())) + "\n")
    stores("dynamodb")
    monkeypatch.setenv("TABLE_NAME", stage_table())
    assert transfer.main(["import", str(file), "--table", stage_table()]) == 1
    assert message in capsys.readouterr().err


def stage_table() -> str:
    from chalicelib import config

    return config.table_name()


def _spy(method, calls):
    def spied(self, pk):
        calls.append(pk)
        return method(self, pk)

    return spied


def test_a_folder_saved_by_the_previous_local_store_is_carried_over(stores, tmp_path, monkeypatch, capsys):
    from chalicelib import config
    from chalicelib.adapters.dynamodb.models import OrgItem
    from chalicelib.adapters.sqlite.store import SqliteStore
    from devserver import local_store
    from devserver.persistence import LocalTables
    from devserver.server import DEFAULT_ACCOUNT_ID
    from tools import transfer

    old, _ = stores("dynamodb")
    council(old)
    folder = tmp_path / "old"
    LocalTables(folder, DEFAULT_ACCOUNT_ID, config.region()).save()
    expected = SqliteStore(tmp_path / "expected.sqlite3")
    move(stores("dynamodb")[1], sqlite_archive(expected))
    OrgItem.delete_table()  # only the saved folder holds them now
    monkeypatch.setenv("TABLE_NAME", stage_table())

    # The new store's first start says where the records are and how to bring them.
    local_store.open_sqlite(folder).close()
    assert f"make export ORG=<org_id> FILE=org.jsonl MOTO_FOLDER={folder}" in capsys.readouterr().err
    file = tmp_path / "testshire.jsonl"
    assert transfer.main(["export", ORG, str(file), "--moto-folder", str(folder)]) == 0
    monkeypatch.setenv("LDD_LOCAL_DIR", str(folder))
    assert transfer.main(["import", str(file)]) == 0
    carried = SqliteStore(folder / "tracker.sqlite3")
    try:
        same_council(expected, carried)
    finally:
        carried.close()
        expected.close()


def sqlite_archive(store):
    from chalicelib.adapters.sqlite.archive import SqliteArchive

    return SqliteArchive(store.db)
