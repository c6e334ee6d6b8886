"""What only the SQLite adapter has: a file, which may be another program's or damaged, and
expiry done by the store itself (DynamoDB's TTL does it there; moto never does)."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.adapters.sqlite.database import CorruptStore
from chalicelib.adapters.sqlite.store import SqliteStore
from chalicelib.domain.errors import Duplicate
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
