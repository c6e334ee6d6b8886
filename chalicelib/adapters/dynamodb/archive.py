"""The Archive port over the DynamoDB table (services/transfer.py): an organisation's items read
partition by partition with Query (never Scan), each decoded by the record its sort key holds,
and written back with TransactWriteItems, each item on condition that it is still what the plan
read (its etag, or that it is absent)."""

import json
from datetime import datetime, timezone
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb import keys
from chalicelib.adapters.dynamodb.items import (
    ASSESSMENT,
    AUDIT,
    COMPONENT,
    DELIVERY,
    DRAFT,
    INTEGRATION,
    KPI_VALUES,
    ORGANISATION,
    PROJECT,
    SERVICE,
    SNAPSHOT,
    summary_item,
    summary_of,
)
from chalicelib.adapters.dynamodb.models import ClaimItem, IntegrationRouteItem, OrgItem, RollupItem, SummaryItem
from chalicelib.adapters.dynamodb.rollups import rollup_json
from chalicelib.adapters.dynamodb.notifications import NotifyItem
from chalicelib.adapters.dynamodb.transactions import translated_errors
from chalicelib.adapters.kinds import WHOLE_RECORDS, RollupContent, kind_of
from chalicelib.domain.etags import record_etag
from chalicelib.domain.errors import StaleWrite
from chalicelib.domain.model import ServiceSummary
from chalicelib.domain.plain import from_plain, to_plain
from chalicelib.services.ports import Entry

_MAPPINGS = {
    m.record: m
    for m in (ORGANISATION, SERVICE, COMPONENT, ASSESSMENT, DRAFT, AUDIT, INTEGRATION, DELIVERY, PROJECT, KPI_VALUES, SNAPSHOT)
}

class DynamoArchive:
    def __init__(self, connection: Connection):
        self.connection = connection

    def partitions(self, org_id: str) -> list[str] | None:
        pk = keys.org_pk(org_id)
        with translated_errors():
            try:
                OrgItem.get(pk, keys.ORG_SK, consistent_read=True, attributes_to_get=["pk"])
            except OrgItem.DoesNotExist:
                return None
            return keys.owned_partitions(org_id, self._ids(pk, keys.SUMMARY_PREFIX), self._ids(pk, keys.INTEGRATION_PREFIX))

    def read_partition(self, pk: str) -> list[Entry]:
        # Any model reads a partition raw; each item is then decoded by what its sort key holds.
        query = OrgItem.query(pk, consistent_read=True)
        with translated_errors():
            return [entry_of(raw) for page in query.page_iter for raw in page.get("Items", [])]

    def write(self, writes: list[tuple[Entry, Entry | None]]) -> None:
        try:
            with translated_errors(), TransactWrite(connection=self.connection) as tx:
                for entry, stored in writes:
                    item = item_of(entry)
                    model = type(item)
                    if stored is None:
                        condition = model.pk.does_not_exist()
                    elif model is RollupItem:
                        condition = RollupItem.version == int(stored.version)
                        item.version = int(stored.version) + 1
                    elif stored.version is not None:
                        condition = model.etag == stored.version
                    else:  # an item without an etag (a summary, a route, a snapshot)
                        condition = model.pk.exists()
                    tx.save(item, condition=condition)
        except TransactWriteError as e:
            raise StaleWrite("Records changed since the import read them; run it again.") from e

    def _ids(self, pk: str, prefix: str) -> list[str]:
        query = SummaryItem.query(pk, SummaryItem.sk.startswith(prefix), consistent_read=True, attributes_to_get=["sk"])
        return [item.sk.removeprefix(prefix) for item in query]


def entry_of(raw: dict[str, Any]) -> Entry:
    pk, sk = raw["pk"]["S"], raw["sk"]["S"]
    kind = kind_of(sk)
    if kind is ServiceSummary:
        data = to_plain(summary_of(SummaryItem.from_raw_data(raw)))
    elif kind is RollupContent:
        item = RollupItem.from_raw_data(raw)
        return Entry(pk, sk, json.loads(item.data), None, True, str(int(item.version)))
    elif sk == keys.ROUTE_SK:
        data = {"org_id": raw["org_id"]["S"]}
    elif kind is dict:  # a claim
        data = {"claimed_at": raw["claimed_at"]["S"]}
    elif kind in WHOLE_RECORDS:
        data = NotifyItem.from_raw_data(raw).data
    else:
        mapping = _MAPPINGS[kind]
        data = to_plain(mapping.record_of(mapping.model.from_raw_data(raw)))
    expires_at = float(raw["expires_at"]["N"]) if "expires_at" in raw else None
    version = raw["etag"]["S"] if "S" in raw.get("etag", {}) else None
    return Entry(pk, sk, data, expires_at, keys.is_derived(sk), version)


def item_of(entry: Entry):
    """The item an entry is stored as: its record decoded (a damaged file fails here, before any
    write) and encoded with the etag and index keys it is found by."""
    kind = kind_of(entry.sk)
    expires = datetime.fromtimestamp(entry.expires_at, tz=timezone.utc) if entry.expires_at is not None else None
    if kind is ServiceSummary:
        item = summary_item(from_plain(ServiceSummary, entry.data))
    elif kind is RollupContent:
        item = RollupItem(pk=entry.pk, sk=entry.sk, data=rollup_json(entry.data), version=1)
    elif entry.sk == keys.ROUTE_SK:
        item = IntegrationRouteItem(pk=entry.pk, sk=entry.sk, org_id=entry.data["org_id"])
    elif kind is dict:
        item = ClaimItem(pk=entry.pk, sk=entry.sk, claimed_at=entry.data["claimed_at"], expires_at=expires)
    elif kind in WHOLE_RECORDS:
        etag = record_etag(from_plain(kind, entry.data))
        item = NotifyItem(pk=entry.pk, sk=entry.sk, data=entry.data, etag=etag, expires_at=expires)
    else:
        mapping = _MAPPINGS[kind]
        more = {"expires_at": expires} if expires is not None else {}
        item = mapping.item(from_plain(mapping.record, entry.data), **more)
    if (item.pk, item.sk) != (entry.pk, entry.sk):
        raise ValueError(f"the record under {entry.pk} / {entry.sk} belongs under {item.pk} / {item.sk}")
    return item
