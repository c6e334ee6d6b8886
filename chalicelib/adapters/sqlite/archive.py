"""The Archive port over the SQLite file (services/transfer.py): an organisation's rows read
partition by partition, and written back in one transaction per batch, each row on condition
that it is still what the plan read."""

import json
from typing import Any

from chalicelib.adapters.dynamodb import keys
from chalicelib.adapters.kinds import WHOLE_RECORDS, RollupContent, kind_of
from chalicelib.adapters.sqlite import notifications
from chalicelib.adapters.sqlite.database import Database
from chalicelib.adapters.sqlite.store import (
    _after_prefix,
    _component_row,
    _integration_row,
    _org_row,
    _raw_row,
    _row,
    _service_row,
    _summary_row,
)
from chalicelib.domain import etags
from chalicelib.domain.benchmarks.model import KpiRecord
from chalicelib.domain.errors import StaleWrite
from chalicelib.domain.model import AssessmentDraft, Component, DeclarationProject, Integration, Organisation, Service, ServiceSummary
from chalicelib.domain.plain import from_plain
from chalicelib.services.ports import Entry

# The rows whose shape is more than keys and data: an etag for conditional writes, index keys.
_ROWS = {
    Organisation: _org_row,
    Service: _service_row,
    ServiceSummary: _summary_row,
    Component: _component_row,
    Integration: _integration_row,
}
_ETAGS = {AssessmentDraft: etags.draft_etag, DeclarationProject: etags.project_etag, KpiRecord: etags.kpi_etag}


class SqliteArchive:
    def __init__(self, db: Database):
        self.db = db

    def partitions(self, org_id: str) -> list[str] | None:
        pk = keys.org_pk(org_id)
        if self.db.get(pk, keys.ORG_SK) is None:
            return None
        return keys.owned_partitions(
            org_id, self._ids(pk, keys.SUMMARY_PREFIX), self._ids(pk, keys.INTEGRATION_PREFIX)
        )

    def read_partition(self, pk: str) -> list[Entry]:
        rows = self.db.rows("SELECT sk, etag, expires_at, data FROM items WHERE pk = ? ORDER BY sk", (pk,))
        return [Entry(pk, sk, json.loads(data), expires_at, keys.is_derived(sk), etag) for sk, etag, expires_at, data in rows]

    def write(self, writes: list[tuple[Entry, Entry | None]]) -> None:
        with self.db.transaction() as tx:
            for entry, stored in writes:
                row = row_of(entry)
                if stored is None:
                    tx.insert(row, StaleWrite)
                elif kind_of(entry.sk) is RollupContent:
                    tx.replace({**row, "etag": str(int(stored.version) + 1)}, stored.version)
                elif stored.version is not None:
                    tx.replace(row, stored.version)
                else:  # a row without an etag: compared whole
                    now = tx.get(entry.pk, entry.sk)
                    if now is None or json.loads(now) != stored.data:
                        raise StaleWrite("It changed since it was read.")
                    tx.put(row)

    def _ids(self, pk: str, prefix: str) -> list[str]:
        rows = self.db.rows("SELECT sk FROM items WHERE pk = ? AND sk >= ? AND sk < ?", (pk, prefix, _after_prefix(prefix)))
        return [sk.removeprefix(prefix) for (sk,) in rows]


def row_of(entry: Entry) -> dict[str, Any]:
    """The row an entry is stored as: its record decoded (so a damaged file fails here, before
    any write) and encoded again with the etag and index keys it is found by."""
    kind = kind_of(entry.sk)
    if kind is dict:
        row = _raw_row(entry.pk, entry.sk, entry.data)
    elif kind is RollupContent:
        row = _raw_row(entry.pk, entry.sk, entry.data, "1")
    else:
        record = from_plain(kind, entry.data)
        if kind in _ROWS:
            row = _ROWS[kind](record)
        elif kind in WHOLE_RECORDS:
            row = notifications._row(entry.pk, entry.sk, record)
        else:
            row = _row(entry.pk, entry.sk, record, _ETAGS[kind](record) if kind in _ETAGS else None)
    if (row["pk"], row["sk"]) != (entry.pk, entry.sk):
        raise ValueError(f"the record under {entry.pk} / {entry.sk} belongs under {row['pk']} / {row['sk']}")
    return {**row, "expires_at": entry.expires_at}
