"""What only the SQLite adapter has: a file, which may be another program's or damaged, and
expiry done by the store itself (DynamoDB's TTL does it there; moto never does)."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.adapters.sqlite.database import CorruptStore
from chalicelib.adapters.sqlite.store import SqliteStore
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


def test_another_programs_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "theirs.sqlite3"
    with sqlite3.connect(path) as theirs:
        theirs.execute("CREATE TABLE notes (text TEXT)")
    theirs.close()
    with pytest.raises(CorruptStore, match="another program"):
        SqliteStore(path)


def test_a_file_of_another_schema_version_is_refused(tmp_path):
    path = tmp_path / "store.sqlite3"
    SqliteStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(CorruptStore, match="schema version 99"):
        SqliteStore(path)


def test_a_store_reopened_finds_what_was_committed(tmp_path):
    path = tmp_path / "store.sqlite3"
    first = SqliteStore(path)
    first.add_delivery(delivery("01"), keep_until=datetime.now(timezone.utc) + timedelta(days=30))
    first.close()
    assert [d.delivery_id for d in SqliteStore(path).list_deliveries("i1", "0", 10, None).items] == ["01"]
