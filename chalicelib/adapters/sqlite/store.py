"""The Store port over an embedded SQLite file: what `make run` keeps a council in on a laptop.

Each record is one row under the keys its DynamoDB item has (adapters/dynamodb/keys.py), holding
the record as plain data (domain/plain.py); each Store write is one SQLite transaction carrying
its audit record (and a delivery's claim). A write costs what it touches, whatever the size of
the data, unlike moto's transactions, which copy the whole table. Lists use the DynamoDB
adapter's cursors, so a client sees the same API whichever store answers."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from chalicelib.adapters.cursors import decode_cursor, encode_cursor
from chalicelib.adapters.dynamodb import keys
from chalicelib.adapters.sqlite.database import SCHEMA_VERSION, Database, Transaction
from chalicelib.adapters.sqlite.notifications import NotificationRecords
from chalicelib.adapters.sqlite.rollups import RollupRecords, put_copy, write_change
from chalicelib.adapters.sqlite.rows import after_prefix as _after_prefix
from chalicelib.adapters.sqlite.rows import decode as _decode
from chalicelib.adapters.sqlite.rows import raw_row as _raw_row
from chalicelib.adapters.sqlite.rows import row as _row
from chalicelib.adapters.sqlite.rows import summary_row as _summary_row
from chalicelib.domain import etags, rollup
from chalicelib.domain.benchmarks.model import (
    BenchmarkSetListing,
    KpiRecord,
    StoredBenchmarkSet,
    listing_of,
)
from chalicelib.domain.benchmarks.shape import (
    benchmark_set_from_dict,
    benchmark_set_to_dict,
)
from chalicelib.domain.errors import Duplicate, NotFound
from chalicelib.domain.model import (
    CLAIM_DAYS,
    Assessment,
    AssessmentDraft,
    AuditRecord,
    Component,
    DeclarationProject,
    Delivery,
    Integration,
    Organisation,
    Service,
    ServiceSummary,
    Stamp,
)
from chalicelib.domain.plain import from_plain, to_plain
from chalicelib.domain.rollup_read import org_item, project_item, snapshot_item, snapshots_of
from chalicelib.domain.scorecards import MonthlySnapshot
from chalicelib.domain.summaries import SummaryChange
from chalicelib.services.ports import Page


class SqliteStore(NotificationRecords, RollupRecords):
    def __init__(self, path: Path | str, durable: bool = True):
        self.db = Database(Path(path), durable)
        if self.db.version < SCHEMA_VERSION:
            self._upgrade()

    def close(self) -> None:
        self.db.close()

    def _upgrade(self) -> None:
        """From schema version 1, in one transaction: every summary written again with its etag
        and index keys, and the audit trails moved (the roll-ups are built by the local server
        at start, or make repair-rollup)."""
        rows = self.db.rows("SELECT data FROM items WHERE sk >= ? AND sk < ?", (keys.SUMMARY_PREFIX, _after_prefix(keys.SUMMARY_PREFIX)))
        with self.db.transaction() as tx:
            for (data,) in rows:
                tx.put(_summary_row(_decode(ServiceSummary, data)))
            # The audit trails to their own partitions (ORG#<org> -> ORG#<org>#AUDIT).
            tx.execute(
                "UPDATE items SET pk = pk || '#AUDIT' WHERE sk >= ? AND sk < ? AND pk LIKE 'ORG#%' AND pk NOT LIKE '%#AUDIT'",
                (keys.AUDIT_PREFIX, _after_prefix(keys.AUDIT_PREFIX)),
            )
            tx.set_version(SCHEMA_VERSION)
        self.db.version = SCHEMA_VERSION

    # organisations ---------------------------------------------------------------------------

    def get_org(self, org_id: str) -> Organisation | None:
        return self._record(Organisation, keys.org_pk(org_id), keys.ORG_SK)

    def save_org(self, org: Organisation, expected: Organisation | None, audit: AuditRecord) -> None:
        with self._write(audit) as tx:
            _put_conditional(tx, _org_row(org), expected and etags.org_etag(expected))
            put_copy(tx, org.org_id, rollup.ORG, org_item(org))
            if expected is None:
                put_copy(tx, org.org_id, rollup.TOTALS, rollup.NEW_TOTALS)

    def list_orgs(self, limit: int, cursor: str | None) -> Page[Organisation]:
        return self._index_page(Organisation, keys.ORGS_INDEX_PK, limit, cursor)

    # services --------------------------------------------------------------------------------

    def create_service(self, service: Service, change: SummaryChange, audit: AuditRecord) -> None:
        with self._write(audit) as tx:
            _require(tx, keys.org_pk(service.org_id), keys.ORG_SK, NotFound)
            tx.insert(_service_row(service))
            write_change(tx, change)

    def get_service(self, org_id: str, service_id: str) -> Service | None:
        return self._record(Service, keys.service_pk(org_id, service_id), keys.SERVICE_SK)

    def list_services(self, org_id: str, limit: int, cursor: str | None) -> Page[Service]:
        """By gsi1sk (department, name, service_id), as the DynamoDB adapter's index."""
        return self._index_page(Service, keys.services_index_pk(org_id), limit, cursor)

    def update_service(self, service: Service, expected: Service, change: SummaryChange, audit: AuditRecord) -> None:
        with self._write(audit) as tx:
            tx.replace(_service_row(service), etags.service_etag(expected))
            write_change(tx, change)

    def get_summary(self, org_id: str, service_id: str) -> ServiceSummary | None:
        return self._record(ServiceSummary, keys.org_pk(org_id), keys.summary_sk(service_id))

    def set_retired(self, change: SummaryChange, audit: AuditRecord) -> None:
        with self._write(audit) as tx:
            write_change(tx, change)

    def list_summaries(self, org_id: str) -> list[ServiceSummary]:
        return self._prefixed(ServiceSummary, keys.org_pk(org_id), keys.SUMMARY_PREFIX)

    def list_summary_page(self, org_id: str, department: str | None, limit: int, cursor: str | None) -> Page[ServiceSummary]:
        prefix = department + keys.SEPARATOR if department is not None else ""
        return self._index_page(ServiceSummary, keys.summaries_index_pk(org_id), limit, cursor, prefix)

    # components ------------------------------------------------------------------------------

    def list_components(self, org_id: str, service_id: str) -> list[Component]:
        return self._prefixed(Component, keys.service_pk(org_id, service_id), keys.COMPONENT_PREFIX)

    def put_component(self, component: Component, expected: Component | None, change: SummaryChange, audit: AuditRecord) -> None:
        with self._write(audit) as tx:
            _put_conditional(tx, _component_row(component), expected and etags.component_etag(expected))
            write_change(tx, change)

    def delete_component(self, expected: Component, change: SummaryChange, audit: AuditRecord) -> None:
        with self._write(audit) as tx:
            pk = keys.service_pk(expected.org_id, expected.service_id)
            tx.delete(pk, keys.component_sk(expected.component_id), etags.component_etag(expected))
            write_change(tx, change)

    # assessments -----------------------------------------------------------------------------

    def add_assessment(
        self, assessment: Assessment, change: SummaryChange | None, audit: AuditRecord, draft: AssessmentDraft | None = None
    ) -> None:
        """The transaction also removes the draft the assessment was made from, whatever it holds by now."""
        with self._write(audit) as tx:
            if draft is not None:
                tx.discard(keys.service_pk(draft.org_id, draft.service_id), keys.draft_sk(draft.person))
            _require(tx, keys.org_pk(assessment.org_id), keys.summary_sk(assessment.service_id), NotFound)
            pk = keys.service_pk(assessment.org_id, assessment.service_id)
            tx.insert(_row(pk, keys.assessment_sk(assessment.assessment_id), assessment))
            if change is not None:
                write_change(tx, change)

    def get_assessment(self, org_id: str, service_id: str, assessment_id: str) -> Assessment | None:
        return self._record(Assessment, keys.service_pk(org_id, service_id), keys.assessment_sk(assessment_id))

    def list_assessments(self, org_id: str, service_id: str, limit: int, cursor: str | None) -> Page[Assessment]:
        return self._newest_first(Assessment, keys.service_pk(org_id, service_id), keys.ASSESSMENT_PREFIX, limit, cursor)

    def get_assessment_and_previous(self, org_id: str, service_id: str, assessment_id: str):
        rows = self.db.rows(
            "SELECT sk, data FROM items WHERE pk = ? AND sk >= ? AND sk <= ? ORDER BY sk DESC LIMIT 2",
            (keys.service_pk(org_id, service_id), keys.ASSESSMENT_PREFIX, keys.assessment_sk(assessment_id)),
        )
        found = [_decode(Assessment, data) for _, data in rows]
        if not found or found[0].assessment_id != assessment_id:
            return None, None
        return found[0], (found[1] if len(found) > 1 else None)

    # assessment drafts -----------------------------------------------------------------------

    def get_draft(self, org_id: str, service_id: str, person: str) -> AssessmentDraft | None:
        return self._record(AssessmentDraft, keys.service_pk(org_id, service_id), keys.draft_sk(person))

    def put_draft(self, draft: AssessmentDraft, expected: AssessmentDraft | None, audit: AuditRecord) -> None:
        row = _row(keys.service_pk(draft.org_id, draft.service_id), keys.draft_sk(draft.person), draft, etags.draft_etag(draft))
        with self._write(audit) as tx:
            if expected is None:
                _require(tx, keys.org_pk(draft.org_id), keys.summary_sk(draft.service_id), NotFound)
            _put_conditional(tx, row, expected and etags.draft_etag(expected))

    def delete_draft(self, expected: AssessmentDraft, audit: AuditRecord) -> None:
        with self._write(audit) as tx:
            pk = keys.service_pk(expected.org_id, expected.service_id)
            tx.delete(pk, keys.draft_sk(expected.person), etags.draft_etag(expected))

    # audit trail -----------------------------------------------------------------------------

    def list_audit(self, org_id: str, limit: int, cursor: str | None) -> Page[AuditRecord]:
        return self._newest_first(AuditRecord, keys.audit_pk(org_id), keys.AUDIT_PREFIX, limit, cursor)

    # monthly snapshots -----------------------------------------------------------------------

    def put_snapshot(self, snapshot: MonthlySnapshot) -> None:
        """In the roll-up's partition (domain/rollup.py), where the dashboard reads its trend."""
        with self.db.transaction() as tx:
            put_copy(tx, snapshot.org_id, rollup.SNAPSHOT + snapshot.month, snapshot_item(snapshot))

    def list_snapshots(self, org_id: str, first_month: str, last_month: str) -> list[MonthlySnapshot]:
        return snapshots_of(self.read_rollup(org_id, [rollup.snapshot_range(first_month, last_month)]))

    # declaration projects --------------------------------------------------------------------

    def save_project(self, project: DeclarationProject, expected: DeclarationProject | None, audit: AuditRecord) -> None:
        row = _row(keys.org_pk(project.org_id), keys.project_sk(project.project_id), project, etags.project_etag(project))
        with self._write(audit) as tx:
            if expected is None:
                _require(tx, keys.org_pk(project.org_id), keys.ORG_SK, NotFound)
            _put_conditional(tx, row, expected and etags.project_etag(expected))
            put_copy(tx, project.org_id, rollup.PROJECT + project.project_id, project_item(project))

    def get_project(self, org_id: str, project_id: str) -> DeclarationProject | None:
        return self._record(DeclarationProject, keys.org_pk(org_id), keys.project_sk(project_id))

    def list_projects(self, org_id: str) -> list[DeclarationProject]:
        return self._prefixed(DeclarationProject, keys.org_pk(org_id), keys.PROJECT_PREFIX)

    # benchmark sets and KPI values -------------------------------------------------------------

    def save_benchmark_set(self, stored: StoredBenchmarkSet, expected: StoredBenchmarkSet | None, audit: AuditRecord) -> None:
        """The set and its registry entry (figures left out), with the audit record."""
        listing = listing_of(stored)
        entry = {"bset": benchmark_set_to_dict(listing.bset), "updated": to_plain(listing.updated)}
        whole = {"bset": benchmark_set_to_dict(stored.bset), "created": to_plain(stored.created), "updated": to_plain(stored.updated)}
        row = _raw_row(keys.benchmark_pk(stored.set_id), keys.BENCHMARK_SET_SK, whole, etags.stored_benchmark_set_etag(stored))
        with self._write(audit) as tx:
            _put_conditional(tx, row, expected and etags.stored_benchmark_set_etag(expected))
            tx.put(_raw_row(keys.BENCHMARKS_PK, stored.set_id, entry))

    def get_benchmark_set(self, set_id: str) -> StoredBenchmarkSet | None:
        data = self.db.get(keys.benchmark_pk(set_id), keys.BENCHMARK_SET_SK)
        if data is None:
            return None
        whole = json.loads(data)
        return StoredBenchmarkSet(
            benchmark_set_from_dict(whole["bset"]), from_plain(Stamp, whole["created"]), from_plain(Stamp, whole["updated"])
        )

    def list_benchmark_sets(self) -> list[BenchmarkSetListing]:
        rows = self.db.rows("SELECT data FROM items WHERE pk = ? ORDER BY sk", (keys.BENCHMARKS_PK,))
        entries = [json.loads(data) for (data,) in rows]
        return [BenchmarkSetListing(benchmark_set_from_dict(e["bset"]), from_plain(Stamp, e["updated"])) for e in entries]

    def put_kpi_values(
        self, record: KpiRecord, audit: AuditRecord, expected: KpiRecord | None = None, conditional: bool = False
    ) -> None:
        row = _row(keys.org_pk(record.org_id), keys.kpi_sk(record.service_id, record.period), record, etags.kpi_etag(record))
        with self._write(audit) as tx:
            if record.service_id is None:
                _require(tx, keys.org_pk(record.org_id), keys.ORG_SK, NotFound)
            else:
                _require(tx, keys.service_pk(record.org_id, record.service_id), keys.SERVICE_SK, NotFound)
            if conditional:
                _put_conditional(tx, row, expected and etags.kpi_etag(expected))
            else:
                tx.put(row)

    def get_kpi_values(self, org_id: str, service_id: str | None, period: str) -> KpiRecord | None:
        return self._record(KpiRecord, keys.org_pk(org_id), keys.kpi_sk(service_id, period))

    def list_kpi_values(self, org_id: str, service_id: str | None = None) -> list[KpiRecord]:
        return self._prefixed(KpiRecord, keys.org_pk(org_id), keys.kpi_prefix(service_id))

    # integrations ----------------------------------------------------------------------------

    def create_integration(self, integration: Integration, audit: AuditRecord) -> None:
        route = _raw_row(keys.integration_pk(integration.integration_id), keys.ROUTE_SK, {"org_id": integration.org_id})
        with self._write(audit) as tx:
            _require(tx, keys.org_pk(integration.org_id), keys.ORG_SK, NotFound)
            tx.insert(_integration_row(integration))
            tx.insert(route)

    def get_integration(self, org_id: str, integration_id: str) -> Integration | None:
        return self._record(Integration, keys.org_pk(org_id), keys.integration_sk(integration_id))

    def find_integration(self, integration_id: str) -> Integration | None:
        route = self.db.get(keys.integration_pk(integration_id), keys.ROUTE_SK)
        return self.get_integration(json.loads(route)["org_id"], integration_id) if route else None

    def list_integrations(self, org_id: str) -> list[Integration]:
        return self._prefixed(Integration, keys.org_pk(org_id), keys.INTEGRATION_PREFIX)

    def replace_integration(self, integration: Integration, expected: Integration, audit: AuditRecord) -> None:
        with self._write(audit) as tx:
            tx.replace(_integration_row(integration), etags.integration_etag(expected))

    def delete_integration(self, expected: Integration, audit: AuditRecord) -> None:
        with self._write(audit) as tx:
            tx.delete(keys.org_pk(expected.org_id), keys.integration_sk(expected.integration_id), etags.integration_etag(expected))
            tx.delete(keys.integration_pk(expected.integration_id), keys.ROUTE_SK, None)

    # the deliveries log ----------------------------------------------------------------------

    def add_delivery(self, delivery: Delivery, keep_until: datetime) -> None:
        row = _row(keys.integration_pk(delivery.integration_id), keys.delivery_sk(delivery.delivery_id), delivery)
        with self.db.transaction() as tx:
            # Expired claims and deliveries go as new deliveries come (an indexed range, usually
            # empty), as DynamoDB's TTL removes them; list_deliveries reads by key regardless.
            tx.purge_expired(time.time())
            tx.put({**row, "expires_at": keep_until.timestamp()})

    def list_deliveries(self, integration_id: str, after_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
        return self._newest_first(Delivery, keys.integration_pk(integration_id), keys.DELIVERY_PREFIX, limit, cursor, after_id)

    # plumbing --------------------------------------------------------------------------------

    def _write(self, audit: AuditRecord):
        return _audited(self.db, audit)

    def _record(self, kind: type, pk: str, sk: str):
        data = self.db.get(pk, sk)
        return _decode(kind, data) if data is not None else None

    def _prefixed(self, kind: type, pk: str, prefix: str) -> list:
        rows = self.db.rows(
            "SELECT data FROM items WHERE pk = ? AND sk >= ? AND sk < ? ORDER BY sk", (pk, prefix, _after_prefix(prefix))
        )
        return [_decode(kind, data) for (data,) in rows]

    def _index_page(self, kind: type, index_pk: str, limit: int, cursor: str | None, prefix: str = "") -> Page:
        """One page of gsi1 (only keys starting with `prefix`), ascending; the cursor is the last
        gsi1sk returned (as DynamoDB's)."""
        after = decode_cursor(cursor) if cursor is not None else ""
        end = _after_prefix(prefix) if prefix else "\U0010ffff"
        rows = self.db.rows(
            "SELECT gsi1sk, data FROM items WHERE gsi1pk = ? AND gsi1sk >= ? AND gsi1sk > ? AND gsi1sk < ? ORDER BY gsi1sk LIMIT ?",
            (index_pk, prefix, after, end, limit + 1),
        )
        return _page(kind, rows, limit, lambda position: position)

    def _newest_first(self, kind: type, pk: str, prefix: str, limit: int, cursor: str | None, after: str | None = None):
        """One page of the rows whose sort keys are `prefix` + a ULID, newest first (only those
        after `after`, when given); the cursor is the last ULID returned (as DynamoDB's)."""
        below = prefix + decode_cursor(cursor) if cursor is not None else _after_prefix(prefix)
        above = prefix + after if after else prefix
        rows = self.db.rows(
            "SELECT sk, data FROM items WHERE pk = ? AND sk > ? AND sk < ? ORDER BY sk DESC LIMIT ?",
            (pk, above, below, limit + 1),
        )
        return _page(kind, rows, limit, lambda sk: sk.removeprefix(prefix))


@contextmanager
def _audited(db: Database, audit: AuditRecord) -> Iterator[Transaction]:
    """One write transaction carrying the write's audit record, and for a delivery its claim:
    a delivery claimed before is refused first, whatever else would fail (it was processed)."""
    actor = audit.actor
    claim = None
    if actor.integration_id and actor.delivery_id:
        claim = (keys.integration_pk(actor.integration_id), keys.claim_sk(actor.delivery_id))
    with db.transaction() as tx:
        if claim and tx.exists(*claim):
            raise Duplicate("This delivery was already processed.")
        yield tx
        tx.insert(_row(keys.audit_pk(audit.org_id), keys.audit_sk(audit.audit_id), audit))
        if claim:
            expires = (audit.at + timedelta(days=CLAIM_DAYS)).timestamp()
            tx.insert({**_raw_row(*claim, {"claimed_at": to_plain(audit.at)}), "expires_at": expires}, Duplicate)


# rows ------------------------------------------------------------------------------------------


def _org_row(org: Organisation) -> dict:
    return _row(keys.org_pk(org.org_id), keys.ORG_SK, org, etags.org_etag(org), (keys.ORGS_INDEX_PK, org.org_id))


def _service_row(s: Service) -> dict:
    index = (keys.services_index_pk(s.org_id), keys.services_index_sk(s.department, s.name, s.service_id))
    return _row(keys.service_pk(s.org_id, s.service_id), keys.SERVICE_SK, s, etags.service_etag(s), index)


def _component_row(c: Component) -> dict:
    return _row(keys.service_pk(c.org_id, c.service_id), keys.component_sk(c.component_id), c, etags.component_etag(c))


def _integration_row(i: Integration) -> dict:
    return _row(keys.org_pk(i.org_id), keys.integration_sk(i.integration_id), i, etags.integration_etag(i))


def _put_conditional(tx: Transaction, row: dict, expected_etag: str | None) -> None:
    """Create (AlreadyExists if there) when nothing was read, else replace over what was read."""
    if expected_etag is None:
        tx.insert(row)
    else:
        tx.replace(row, expected_etag)


def _require(tx: Transaction, pk: str, sk: str, on_fail: type) -> None:
    if not tx.exists(pk, sk):
        raise on_fail("The record it belongs to does not exist.")


def _page(kind: type, rows: list[tuple[str, str]], limit: int, position) -> Page:
    """Rows asked for limit + 1: up to `limit` records, and a cursor when more follow."""
    chosen = rows[:limit]
    more = len(rows) > limit
    return Page([_decode(kind, data) for _, data in chosen], encode_cursor(position(chosen[-1][0])) if more else None)
