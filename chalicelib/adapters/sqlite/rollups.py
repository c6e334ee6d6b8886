"""The organisation's roll-up (domain/rollup.py) in the SQLite file: its rows under
ORG#<org_id>#ROLLUP, the version in the etag column, and the one write that replaces a service
summary together with the roll-up rows it changes. Mixed into SqliteStore."""

import json

from chalicelib.adapters.dynamodb import keys
from chalicelib.adapters.sqlite.database import Transaction
from chalicelib.adapters.sqlite.rows import after_prefix, decode, raw_row, summary_row
from chalicelib.domain import etags, rollup
from chalicelib.domain.errors import Contended
from chalicelib.domain.rollup_read import snapshot_item
from chalicelib.domain.scorecards import MonthlySnapshot
from chalicelib.domain.summaries import SummaryChange


class RollupRecords:
    """The roll-up's part of SqliteStore (which provides `db`)."""

    def get_rollup_items(self, org_id: str, names: list[str]) -> dict[str, tuple[dict, int]]:
        if not names:
            return {}
        marks = ",".join("?" * len(names))
        rows = self.db.rows(f"SELECT sk, etag, data FROM items WHERE pk = ? AND sk IN ({marks})", (keys.rollup_pk(org_id), *names))
        return {sk: (json.loads(data), int(etag)) for sk, etag, data in rows}

    def read_rollup(self, org_id: str, ranges: list[tuple[str, str]]) -> dict[str, dict]:
        found = {}
        for first, last in ranges:
            rows = self.db.rows(
                "SELECT sk, data FROM items WHERE pk = ? AND sk BETWEEN ? AND ? ORDER BY sk", (keys.rollup_pk(org_id), first, last)
            )
            found.update((sk, json.loads(data)) for sk, data in rows)
        return found

    def list_rollup(self, org_id: str) -> dict[str, tuple[dict, int]]:
        rows = self.db.rows("SELECT sk, etag, data FROM items WHERE pk = ? ORDER BY sk", (keys.rollup_pk(org_id),))
        return {sk: (json.loads(data), int(etag)) for sk, etag, data in rows}

    def write_rollup(self, org_id: str, items: dict[str, dict], versions: dict[str, int | None]) -> None:
        with self.db.transaction() as tx:
            _write_rollup(tx, org_id, items, versions)

    def upgrade_layout(self, org_id: str) -> dict[str, int]:
        """Records where an earlier version kept them, moved in one transaction: the audit trail
        to its own partition, monthly snapshots into the roll-up's (unless the month is there)."""
        pk, moved = keys.org_pk(org_id), {"audit records": 0, "snapshots": 0}
        with self.db.transaction() as tx:
            audit = tx.execute(
                "UPDATE items SET pk = ? WHERE pk = ? AND sk >= ? AND sk < ?",
                (keys.audit_pk(org_id), pk, keys.AUDIT_PREFIX, after_prefix(keys.AUDIT_PREFIX)),
            )
            moved["audit records"] = audit.rowcount
            rows = self.db.rows("SELECT sk, data FROM items WHERE pk = ? AND sk >= ? AND sk < ?", (pk, keys.SNAPSHOT_PREFIX, after_prefix(keys.SNAPSHOT_PREFIX)))
            for sk, data in rows:
                snapshot = decode(MonthlySnapshot, data)
                if not tx.exists(keys.rollup_pk(org_id), rollup.SNAPSHOT + snapshot.month):
                    put_copy(tx, org_id, rollup.SNAPSHOT + snapshot.month, snapshot_item(snapshot))
                    moved["snapshots"] += 1
                tx.discard(pk, sk)
        return moved


def write_change(tx: Transaction, change: SummaryChange) -> None:
    """The summary over the one read and the roll-up items at their versions: Contended if
    another write got in between (the use case reads again)."""
    row = summary_row(change.after)
    if change.before is None:
        tx.insert(row)
    else:
        tx.replace(row, etags.summary_etag(change.before), Contended)
    _write_rollup(tx, change.after.org_id, change.rollup, change.versions)


def _write_rollup(tx: Transaction, org_id: str, items: dict[str, dict], versions: dict[str, int | None]) -> None:
    pk = keys.rollup_pk(org_id)
    for name, data in items.items():
        version = versions.get(name)
        if not data:
            if version is not None:
                tx.delete(pk, name, str(version), Contended)
            elif tx.exists(pk, name):
                raise Contended("Another request changed the same records.")
            continue
        row = raw_row(pk, name, data, str((version or 0) + 1))
        if version is None:
            tx.insert(row, Contended)
        else:
            tx.replace(row, str(version), Contended)


def put_copy(tx: Transaction, org_id: str, name: str, data: dict) -> None:
    """A record's copy in the roll-up (the organisation, a project): whatever was there."""
    version = tx.etag(keys.rollup_pk(org_id), name)  # None: not there yet
    tx.put(raw_row(keys.rollup_pk(org_id), name, data, str(int(version or 0) + 1)))
