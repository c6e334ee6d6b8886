"""The stores the contract suites run against: each test gets a fresh, empty one of each."""

import pytest

from tests.fakes import InMemoryStore


@pytest.fixture(params=["memory", "dynamodb", "sqlite"])
def store(request, tmp_path):
    if request.param == "memory":
        return InMemoryStore()
    if request.param == "sqlite":
        from chalicelib.adapters.sqlite.store import SqliteStore

        opened = SqliteStore(tmp_path / "store.sqlite3")
        request.addfinalizer(opened.close)
        return opened
    request.getfixturevalue("table")
    from chalicelib.adapters.dynamodb.store import DynamoStore

    return DynamoStore()
