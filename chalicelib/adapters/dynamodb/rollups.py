"""The organisation's roll-up (domain/rollup.py) in DynamoDB: its items under ORG#<org_id>#ROLLUP,
each JSON content with a version every write compares and increments, and the one write that
replaces a service summary together with the roll-up items it changes."""

import json

from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb import keys
from chalicelib.adapters.dynamodb.items import summary_item
from chalicelib.adapters.dynamodb.models import RollupItem, SummaryItem
from chalicelib.adapters.dynamodb.transactions import Transaction, translated_errors
from chalicelib.domain import etags
from chalicelib.domain.errors import Contended, StaleWrite
from chalicelib.domain.summaries import SummaryChange


class RollupRecords:
    """The roll-up's part of DynamoStore (which provides `connection` and `_errors`)."""

    def get_rollup_items(self, org_id: str, names: list[str]) -> dict[str, tuple[dict, int]]:
        pk = keys.rollup_pk(org_id)
        with self._errors():
            found = RollupItem.batch_get([(pk, name) for name in names], consistent_read=True) if names else []
            return {item.sk: (json.loads(item.data), int(item.version)) for item in found}

    def read_rollup(self, org_id: str, ranges: list[tuple[str, str]]) -> dict[str, dict]:
        found = {}
        with self._errors():
            for first, last in ranges:
                for item in RollupItem.query(keys.rollup_pk(org_id), RollupItem.sk.between(first, last), consistent_read=True):
                    found[item.sk] = json.loads(item.data)
        return found

    def list_rollup(self, org_id: str) -> dict[str, tuple[dict, int]]:
        with self._errors():
            return {
                item.sk: (json.loads(item.data), int(item.version))
                for item in RollupItem.query(keys.rollup_pk(org_id), consistent_read=True)
            }

    def write_rollup(self, org_id: str, items: dict[str, dict], versions: dict[str, int | None]) -> None:
        with translated_errors(), TransactWrite(connection=self.connection) as write:
            tx = Transaction(write)
            _write_rollup(tx, org_id, items, versions)


def write_change(tx: Transaction, change: SummaryChange) -> None:
    """The summary over the one read and the roll-up items at their versions, in the write's
    transaction: Contended if another write got in between (the use case reads again)."""
    if change.before is None:
        condition = SummaryItem.pk.does_not_exist()
    else:
        condition = SummaryItem.etag == etags.summary_etag(change.before)
    tx.put(summary_item(change.after), condition, Contended)
    _write_rollup(tx, change.after.org_id, change.rollup, change.versions)


def _write_rollup(tx: Transaction, org_id: str, items: dict[str, dict], versions: dict[str, int | None]) -> None:
    pk = keys.rollup_pk(org_id)
    for name, data in items.items():
        version = versions.get(name)
        exists_as_read = RollupItem.pk.does_not_exist() if version is None else RollupItem.version == version
        if not data:
            if version is None:
                tx.check(RollupItem, pk, name, exists_as_read, Contended)
            else:
                tx.delete(RollupItem(pk=pk, sk=name), exists_as_read, Contended)
        else:
            item = RollupItem(pk=pk, sk=name, data=rollup_json(data), version=(version or 0) + 1)
            tx.put(item, exists_as_read, Contended)


def put_copy(tx: Transaction, org_id: str, name: str, data: dict) -> None:
    """A record's copy in the roll-up (the organisation, a project), whatever was there."""
    item = RollupItem(pk=keys.rollup_pk(org_id), sk=name)
    tx.update(item, [RollupItem.data.set(rollup_json(data)), RollupItem.version.add(1)], None, StaleWrite)


def rollup_json(data: dict) -> str:
    # ASCII: names stored before text was checked may hold lone surrogates, which are not UTF-8.
    return json.dumps(data, separators=(",", ":"), sort_keys=True)
