"""What only the SQLite adapter has: a file, which may be another program's or damaged, and
expiry done by the store itself (DynamoDB's TTL does it there; moto never does)."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.adapters.sqlite.database import CorruptStore
from chalicelib.adapters.sqlite.store import SqliteStore
from chalicelib.domain.errors import AlreadyExists, Duplicate
from chalicelib.domain.model import Delivery


def delivery(delivery_id: str) -> Delivery:
    now = datetime.now(timezone.utc)
    return Delivery("i1", delivery_id, f"msg_{delivery_id}", now, "component.upserted", "processed", 200, None)


def test_expired_deliveries_are_dropped_as_new_ones_come(tmp_path):
    store = SqliteStore(tmp_path / "store.sqlite3")
    now = datetime.now(timezone.utc)
    store.add_delivery(delivery("01"), keep_until=now - timedelta(seconds=1))
    store.add_delivery(delivery("02"), keep_until=now + timedelta(days=30))
    store.add_delivery(delivery("03"), keep_until=now + timedelta(days=30))
    assert [d.delivery_id for d in store.list_deliveries("i1", "0", 10, None).items] == ["03", "02"]
    assert store.db.count() == 2


def _theirs(path):
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    db.close()


def _ours_from_a_later_version(path):
    SqliteStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()


@pytest.mark.parametrize(
    "make, message", [(_theirs, "of another program"), (_ours_from_a_later_version, "schema version 99")], ids=["theirs", "later"]
)
def test_a_file_this_version_did_not_make_is_refused_not_written_into(tmp_path, make, message):
    path = tmp_path / "store.sqlite3"
    make(path)
    with pytest.raises(CorruptStore, match=message):
        SqliteStore(path)


def test_a_store_reopened_finds_what_was_committed(tmp_path):
    path = tmp_path / "store.sqlite3"
    first = SqliteStore(path)
    first.add_delivery(delivery("01"), keep_until=datetime.now(timezone.utc) + timedelta(days=30))
    first.close()
    assert [d.delivery_id for d in SqliteStore(path).list_deliveries("i1", "0", 10, None).items] == ["01"]


def test_an_organisation_exported_and_imported_elsewhere_is_the_same_and_only_once(tmp_path):
    from tests.contract.test_store_contract import ORG, by_delivery, dashboard_org, integration, note, org

    source = SqliteStore(tmp_path / "source.sqlite3")
    dashboard_org(source)
    source.save_org(org("other-council"), expected=None, audit=note("other-council"))
    source.create_integration(integration("i1"), audit=note())
    source.add_delivery(delivery("01"), keep_until=datetime.now(timezone.utc) + timedelta(days=30))
    component = source.list_components(ORG, "s1")[0]
    source.put_component(component, expected=component, max_components=50, audit=by_delivery("i1", "msg_1"))
    rows = source.export_org(ORG)
    assert {r["pk"] for r in rows} == {"ORG#testshire", "ORG#testshire#SVC#s1", "ORG#testshire#SVC#s2", "INTEGRATION#i1"}

    target = SqliteStore(tmp_path / "target.sqlite3")
    target.import_rows(rows)
    assert target.get_org_overview(ORG) == source.get_org_overview(ORG)
    assert target.list_services(ORG, 10, None) == source.list_services(ORG, 10, None)
    assert target.list_audit(ORG, 50, None) == source.list_audit(ORG, 50, None)
    assert target.find_integration("i1") == source.find_integration("i1")
    assert target.list_deliveries("i1", "0", 10, None) == source.list_deliveries("i1", "0", 10, None)
    assert target.get_org("other-council") is None
    with pytest.raises(Duplicate):  # the claim came along: the delivery is still applied once
        target.put_component(component, expected=component, max_components=50, audit=by_delivery("i1", "msg_1"))
    count = target.db.count()
    with pytest.raises(AlreadyExists):
        target.import_rows(rows)
    assert target.db.count() == count


def test_make_export_and_make_import_move_an_organisation_between_folders(tmp_path, monkeypatch, capsys):
    from devserver import transfer
    from tests.contract.test_store_contract import ORG, dashboard_org

    (tmp_path / "a").mkdir()
    dashboard_org(SqliteStore(tmp_path / "a" / "tracker.sqlite3"))
    file = tmp_path / "testshire.json"
    monkeypatch.setenv("LDD_LOCAL_DIR", str(tmp_path / "a"))
    assert transfer.main(["export", ORG, str(file)]) == 0
    assert transfer.main(["export", "nobody", str(tmp_path / "x.json")]) == 1
    monkeypatch.setenv("LDD_LOCAL_DIR", str(tmp_path / "b"))
    assert transfer.main(["import", str(file)]) == 0
    assert transfer.main(["import", str(file)]) == 1
    assert "nothing imported" in capsys.readouterr().err
    assert len(SqliteStore(tmp_path / "b" / "tracker.sqlite3").list_summaries(ORG)) == 2
    assert transfer.main(["import"]) == 2
