"""Set-up only: copy what the real use cases made in the in-memory store into DynamoDB, fast.

moto copies the whole table for every item of every TransactWriteItems, so writing 1,000
services one transaction at a time takes minutes. DynamoStore still builds every item (so they
are exactly the adapter's own); this connection sends the transactions' puts in batches, the
last put of each item winning. The summaries and roll-up items handed over are final (the
in-memory store kept them), so the roll-up copies those transactions also update are
redundant: checked to be nothing else, then dropped. Used by the request-budget tests and by
`make bench`."""

from collections.abc import Callable
from itertools import count

from pynamodb.connection import Connection

from chalicelib import config
from chalicelib.domain.model import ANONYMOUS, AuditRecord
from chalicelib.domain.summaries import SummaryChange
from tests.fakes import InMemoryStore

_seed_ids = count(1)


class BulkLoad(Connection):
    def __init__(self):
        super().__init__(region=config.region())
        self.puts: list[dict] = []

    def transact_write_items(self, condition_check_items, delete_items, put_items, update_items, **_):
        assert not delete_items, "seeding never deletes"
        for update in update_items:
            assert update["Key"]["pk"]["S"].endswith("#ROLLUP"), f"not a roll-up copy: {update}"
        self.puts.extend(put_items)
        return {}

    def flush(self) -> None:
        last = {(put["TableName"], put["Item"]["pk"]["S"], put["Item"]["sk"]["S"]): put for put in self.puts}
        by_table: dict[str, list[dict]] = {}
        for (table_name, _, _), put in last.items():
            by_table.setdefault(table_name, []).append({"PutRequest": {"Item": put["Item"]}})
        for table_name, requests in by_table.items():
            for start in range(0, len(requests), 25):  # BatchWriteItem's limit
                pending = {table_name: requests[start : start + 25]}
                while pending:
                    pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems")
        self.puts.clear()


def _seeded(org_id: str, at) -> AuditRecord:
    return AuditRecord(org_id, f"SEED{next(_seed_ids):022d}", at, ANONYMOUS, "seeded", "")


def bulk_load(
    memory: InMemoryStore,
    orgs: Callable[[str], bool] = lambda org_id: True,
    history: Callable[[str], bool] = lambda service_id: True,
) -> None:
    """The organisations `orgs` accepts with their services and summaries, and the component and
    assessment items of the services `history` accepts."""
    from chalicelib.adapters.dynamodb.store import DynamoStore

    loader = BulkLoad()
    store = DynamoStore(connection=loader)
    for org in memory.orgs.values():
        if orgs(org.org_id):
            store.save_org(org, None, _seeded(org.org_id, org.created.at))
    for org_id, items in memory.rollups.items():
        if orgs(org_id):
            store.write_rollup(org_id, {name: data for name, (data, _) in items.items()}, {})
    for key, service in memory.services.items():
        if orgs(service.org_id):
            store.create_service(service, SummaryChange(None, memory.summaries[key]), _seeded(service.org_id, service.created.at))
    for c in memory.components.values():
        if orgs(c.org_id) and history(c.service_id):
            store.put_component(c, None, _final(memory, c), _seeded(c.org_id, c.created.at))
    for a in memory.assessments.values():
        if orgs(a.org_id) and history(a.service_id):
            store.add_assessment(a, None, _seeded(a.org_id, a.submitted.at))
    loader.flush()


def _final(memory: InMemoryStore, record) -> SummaryChange:
    summary = memory.summaries[(record.org_id, record.service_id)]
    return SummaryChange(summary, summary)
