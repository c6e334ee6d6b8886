"""The Store port over one DynamoDB table through PynamoDB: GetItem, Query and
TransactWriteItems only. Records become items in items.py; infrastructure errors become domain
errors in transactions.py."""

from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from chalicelib import config
from chalicelib.adapters.cursors import decode_cursor, encode_cursor
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
    benchmark_listing_of,
    benchmark_registry_item,
    benchmark_set_item,
    benchmark_set_of,
    summary_of,
)
from chalicelib.adapters.dynamodb.models import (
    AssessmentItem,
    AuditItem,
    BenchmarkRegistryItem,
    BenchmarkSetItem,
    ComponentItem,
    DeliveryItem,
    DraftItem,
    IntegrationItem,
    IntegrationRouteItem,
    KpiItem,
    OrgItem,
    ProjectItem,
    RollupItem,
    ServiceItem,
    SnapshotItem,
    SummaryItem,
)
from chalicelib.adapters.dynamodb.notifications import NotificationRecords
from chalicelib.adapters.dynamodb.rollups import RollupRecords, put_copy, rollup_json, write_change
from chalicelib.adapters.dynamodb.transactions import transaction, translated_errors
from chalicelib.domain import etags, rollup
from chalicelib.domain.errors import AlreadyExists, BadRequest, NotFound, StaleWrite
from chalicelib.domain.model import (
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
)
from chalicelib.domain.rollup_read import org_item, project_item, snapshot_item, snapshots_of
from chalicelib.domain.summaries import SummaryChange
from chalicelib.domain.scorecards import MonthlySnapshot
from chalicelib.services.ports import Page


class DynamoStore(NotificationRecords, RollupRecords):
    def __init__(self, connection: Connection | None = None):
        self._connection = connection

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(region=config.region())
        return self._connection

    # organisations ---------------------------------------------------------------------------

    def get_org(self, org_id: str) -> Organisation | None:
        item = self._get(OrgItem, keys.org_pk(org_id), keys.ORG_SK)
        return ORGANISATION.record_of(item) if item else None

    def save_org(self, org: Organisation, expected: Organisation | None, audit: AuditRecord) -> None:
        item = ORGANISATION.item(org)
        if expected is None:
            condition, on_fail = OrgItem.pk.does_not_exist(), AlreadyExists
        else:
            condition, on_fail = OrgItem.etag == etags.org_etag(expected), StaleWrite
        with self._transaction(audit) as tx:
            tx.put(item, condition, on_fail)
            put_copy(tx, org.org_id, rollup.ORG, org_item(org))
            if expected is None:
                put_copy(tx, org.org_id, rollup.TOTALS, rollup.NEW_TOTALS)

    def list_orgs(self, limit: int, cursor: str | None) -> Page[Organisation]:
        items, cursor_out = self._index_page(
            OrgItem, keys.ORGS_INDEX_PK, lambda org_id: (keys.org_pk(org_id), keys.ORG_SK), None, limit, cursor
        )
        return Page([ORGANISATION.record_of(i) for i in items], cursor_out)

    # services --------------------------------------------------------------------------------

    def create_service(self, service: Service, change: SummaryChange, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            tx.check(OrgItem, keys.org_pk(service.org_id), keys.ORG_SK, OrgItem.pk.exists(), NotFound)
            tx.put(SERVICE.item(service), ServiceItem.pk.does_not_exist(), AlreadyExists)
            write_change(tx, change)

    def get_service(self, org_id: str, service_id: str) -> Service | None:
        item = self._get(ServiceItem, keys.service_pk(org_id, service_id), keys.SERVICE_SK)
        return SERVICE.record_of(item) if item else None

    def list_services(self, org_id: str, limit: int, cursor: str | None) -> Page[Service]:
        def table_key(index_sk: str) -> tuple[str, str]:
            return keys.service_pk(org_id, _last_part(index_sk)), keys.SERVICE_SK

        items, cursor_out = self._index_page(ServiceItem, keys.services_index_pk(org_id), table_key, None, limit, cursor)
        return Page([SERVICE.record_of(i) for i in items], cursor_out)

    def update_service(self, service: Service, expected: Service, change: SummaryChange, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            tx.put(SERVICE.item(service), ServiceItem.etag == etags.service_etag(expected), StaleWrite)
            write_change(tx, change)

    def set_retired(self, change: SummaryChange, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            write_change(tx, change)

    def get_summary(self, org_id: str, service_id: str) -> ServiceSummary | None:
        item = self._get(SummaryItem, keys.org_pk(org_id), keys.summary_sk(service_id))
        return summary_of(item) if item else None

    def list_summaries(self, org_id: str) -> list[ServiceSummary]:
        query = SummaryItem.query(
            keys.org_pk(org_id), SummaryItem.sk.startswith(keys.SUMMARY_PREFIX), consistent_read=True
        )
        with self._errors():
            return [summary_of(item) for item in query]

    def list_summary_page(self, org_id: str, department: str | None, limit: int, cursor: str | None) -> Page[ServiceSummary]:
        """From gsi1, so eventually consistent: a write may take a moment to show in the page."""
        prefix = department + keys.SEPARATOR if department is not None else None
        def table_key(index_sk: str) -> tuple[str, str]:
            return keys.org_pk(org_id), keys.summary_sk(_last_part(index_sk))

        items, cursor_out = self._index_page(SummaryItem, keys.summaries_index_pk(org_id), table_key, prefix, limit, cursor)
        return Page([summary_of(i) for i in items], cursor_out)

    # components ------------------------------------------------------------------------------

    def list_components(self, org_id: str, service_id: str) -> list[Component]:
        query = ComponentItem.query(
            keys.service_pk(org_id, service_id), ComponentItem.sk.startswith(keys.COMPONENT_PREFIX), consistent_read=True
        )
        with self._errors():
            return [COMPONENT.record_of(item) for item in query]

    def put_component(self, component: Component, expected: Component | None, change: SummaryChange, audit: AuditRecord) -> None:
        if expected is None:
            condition, on_fail = ComponentItem.pk.does_not_exist(), AlreadyExists
        else:
            condition, on_fail = ComponentItem.etag == etags.component_etag(expected), StaleWrite
        with self._transaction(audit) as tx:
            tx.put(COMPONENT.item(component), condition, on_fail)
            write_change(tx, change)

    def delete_component(self, expected: Component, change: SummaryChange, audit: AuditRecord) -> None:
        item = ComponentItem(
            pk=keys.service_pk(expected.org_id, expected.service_id), sk=keys.component_sk(expected.component_id)
        )
        with self._transaction(audit) as tx:
            tx.delete(item, ComponentItem.etag == etags.component_etag(expected), StaleWrite)
            write_change(tx, change)

    # assessments -----------------------------------------------------------------------------

    def add_assessment(
        self, assessment: Assessment, change: SummaryChange | None, audit: AuditRecord, draft: AssessmentDraft | None = None
    ) -> None:
        # The draft it was made from goes in the same transaction, whatever it holds by now: it
        # has been submitted.
        drafted = DraftItem(pk=keys.service_pk(draft.org_id, draft.service_id), sk=keys.draft_sk(draft.person)) if draft else None
        with self._transaction(audit) as tx:
            tx.put(ASSESSMENT.item(assessment), AssessmentItem.pk.does_not_exist(), AlreadyExists)
            if drafted:
                tx.delete(drafted, None, StaleWrite)
            if change is None:
                pk, sk = keys.org_pk(assessment.org_id), keys.summary_sk(assessment.service_id)
                tx.check(SummaryItem, pk, sk, SummaryItem.pk.exists(), NotFound)
            else:
                write_change(tx, change)

    def get_assessment(self, org_id: str, service_id: str, assessment_id: str) -> Assessment | None:
        item = self._get(AssessmentItem, keys.service_pk(org_id, service_id), keys.assessment_sk(assessment_id))
        return ASSESSMENT.record_of(item) if item else None

    def list_assessments(self, org_id: str, service_id: str, limit: int, cursor: str | None) -> Page[Assessment]:
        pk = keys.service_pk(org_id, service_id)
        items, cursor_out = self._newest_first(AssessmentItem, pk, keys.ASSESSMENT_PREFIX, limit, cursor)
        return Page([ASSESSMENT.record_of(i) for i in items], cursor_out)

    def get_assessment_and_previous(self, org_id: str, service_id: str, assessment_id: str):
        # One Query, newest first from this assessment down: it and its predecessor.
        query = AssessmentItem.query(
            keys.service_pk(org_id, service_id),
            AssessmentItem.sk.between(keys.ASSESSMENT_PREFIX, keys.assessment_sk(assessment_id)),
            scan_index_forward=False,
            consistent_read=True,
            limit=2,
            page_size=2,
        )
        items, _ = self._page(query, AssessmentItem, 2)
        found = [ASSESSMENT.record_of(i) for i in items]
        if not found or found[0].assessment_id != assessment_id:
            return None, None
        return found[0], (found[1] if len(found) > 1 else None)

    # assessment drafts -----------------------------------------------------------------------

    def get_draft(self, org_id: str, service_id: str, person: str) -> AssessmentDraft | None:
        item = self._get(DraftItem, keys.service_pk(org_id, service_id), keys.draft_sk(person))
        return DRAFT.record_of(item) if item else None

    def put_draft(self, draft: AssessmentDraft, expected: AssessmentDraft | None, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            if expected is None:
                tx.check(SummaryItem, keys.org_pk(draft.org_id), keys.summary_sk(draft.service_id), SummaryItem.pk.exists(), NotFound)
                tx.put(DRAFT.item(draft), DraftItem.pk.does_not_exist(), AlreadyExists)
            else:
                tx.put(DRAFT.item(draft), DraftItem.etag == etags.draft_etag(expected), StaleWrite)

    def delete_draft(self, expected: AssessmentDraft, audit: AuditRecord) -> None:
        item = DraftItem(pk=keys.service_pk(expected.org_id, expected.service_id), sk=keys.draft_sk(expected.person))
        with self._transaction(audit) as tx:
            tx.delete(item, DraftItem.etag == etags.draft_etag(expected), StaleWrite)

    # audit trail -----------------------------------------------------------------------------

    def list_audit(self, org_id: str, limit: int, cursor: str | None) -> Page[AuditRecord]:
        items, cursor_out = self._newest_first(AuditItem, keys.audit_pk(org_id), keys.AUDIT_PREFIX, limit, cursor)
        return Page([AUDIT.record_of(i) for i in items], cursor_out)

    # monthly snapshots -----------------------------------------------------------------------

    def put_snapshot(self, snapshot: MonthlySnapshot) -> None:
        """In the roll-up's partition (domain/rollup.py), where the dashboard reads its trend."""
        item = RollupItem(pk=keys.rollup_pk(snapshot.org_id), sk=rollup.SNAPSHOT + snapshot.month)
        with self._errors():
            item.update(actions=[RollupItem.data.set(rollup_json(snapshot_item(snapshot))), RollupItem.version.add(1)])

    def list_snapshots(self, org_id: str, first_month: str, last_month: str) -> list[MonthlySnapshot]:
        return snapshots_of(self.read_rollup(org_id, [rollup.snapshot_range(first_month, last_month)]))

    def upgrade_layout(self, org_id: str) -> dict[str, int]:
        """Records where an earlier version kept them, moved (each a put where it belongs and a
        delete where it was, in transactions of 40): the audit trail to its own partition,
        monthly snapshots into the roll-up's (unless the month is there). Rerun after an
        interruption, it moves what is left."""
        pk, moved = keys.org_pk(org_id), {"audit records": 0, "snapshots": 0}
        with self._errors():
            audit = [AUDIT.record_of(i) for i in AuditItem.query(pk, AuditItem.sk.startswith(keys.AUDIT_PREFIX), consistent_read=True)]
            snapshots = [SNAPSHOT.record_of(i) for i in SnapshotItem.query(pk, SnapshotItem.sk.startswith(keys.SNAPSHOT_PREFIX), consistent_read=True)]
        kept = set(self.read_rollup(org_id, [rollup.snapshot_range("0000-00", "9999-99")]))
        for start in range(0, len(audit), 40):
            with translated_errors(), TransactWrite(connection=self.connection) as write:
                for record in audit[start : start + 40]:
                    write.save(AUDIT.item(record))
                    write.delete(AuditItem(pk=pk, sk=keys.audit_sk(record.audit_id)))
            moved["audit records"] += len(audit[start : start + 40])
        for snapshot in snapshots:
            if rollup.SNAPSHOT + snapshot.month not in kept:
                self.put_snapshot(snapshot)
                moved["snapshots"] += 1
            with self._errors():
                SnapshotItem(pk=pk, sk=keys.snapshot_sk(snapshot.month)).delete()
        return moved

    # declaration projects --------------------------------------------------------------------

    def save_project(self, project: DeclarationProject, expected: DeclarationProject | None, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            if expected is None:
                tx.check(OrgItem, keys.org_pk(project.org_id), keys.ORG_SK, OrgItem.pk.exists(), NotFound)
                tx.put(PROJECT.item(project), ProjectItem.pk.does_not_exist(), AlreadyExists)
            else:
                tx.put(PROJECT.item(project), ProjectItem.etag == etags.project_etag(expected), StaleWrite)
            put_copy(tx, project.org_id, rollup.PROJECT + project.project_id, project_item(project))

    def get_project(self, org_id: str, project_id: str) -> DeclarationProject | None:
        item = self._get(ProjectItem, keys.org_pk(org_id), keys.project_sk(project_id))
        return PROJECT.record_of(item) if item else None

    def list_projects(self, org_id: str) -> list[DeclarationProject]:
        query = ProjectItem.query(keys.org_pk(org_id), ProjectItem.sk.startswith(keys.PROJECT_PREFIX), consistent_read=True)
        with self._errors():
            return [PROJECT.record_of(item) for item in query]

    # integrations ----------------------------------------------------------------------------

    def create_integration(self, integration: Integration, audit: AuditRecord) -> None:
        route = IntegrationRouteItem(
            pk=keys.integration_pk(integration.integration_id), sk=keys.ROUTE_SK, org_id=integration.org_id
        )
        with self._transaction(audit) as tx:
            tx.check(OrgItem, keys.org_pk(integration.org_id), keys.ORG_SK, OrgItem.pk.exists(), NotFound)
            tx.put(INTEGRATION.item(integration), IntegrationItem.pk.does_not_exist(), AlreadyExists)
            tx.put(route, IntegrationRouteItem.pk.does_not_exist(), AlreadyExists)

    def get_integration(self, org_id: str, integration_id: str) -> Integration | None:
        item = self._get(IntegrationItem, keys.org_pk(org_id), keys.integration_sk(integration_id))
        return INTEGRATION.record_of(item) if item else None

    def find_integration(self, integration_id: str) -> Integration | None:
        route = self._get(IntegrationRouteItem, keys.integration_pk(integration_id), keys.ROUTE_SK)
        return self.get_integration(route.org_id, integration_id) if route else None

    def list_integrations(self, org_id: str) -> list[Integration]:
        query = IntegrationItem.query(
            keys.org_pk(org_id), IntegrationItem.sk.startswith(keys.INTEGRATION_PREFIX), consistent_read=True
        )
        with self._errors():
            return [INTEGRATION.record_of(item) for item in query]

    def replace_integration(self, integration: Integration, expected: Integration, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            tx.put(INTEGRATION.item(integration), IntegrationItem.etag == etags.integration_etag(expected), StaleWrite)

    def delete_integration(self, expected: Integration, audit: AuditRecord) -> None:
        item = IntegrationItem(pk=keys.org_pk(expected.org_id), sk=keys.integration_sk(expected.integration_id))
        route = IntegrationRouteItem(pk=keys.integration_pk(expected.integration_id), sk=keys.ROUTE_SK)
        with self._transaction(audit) as tx:
            tx.delete(item, IntegrationItem.etag == etags.integration_etag(expected), StaleWrite)
            tx.delete(route, IntegrationRouteItem.pk.exists(), StaleWrite)

    # the deliveries log ----------------------------------------------------------------------

    def add_delivery(self, delivery: Delivery, keep_until: datetime) -> None:
        item = DELIVERY.item(delivery, expires_at=keep_until)
        with self._errors():
            item.save()

    def list_deliveries(self, integration_id: str, after_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
        pk = keys.integration_pk(integration_id)
        items, cursor_out = self._newest_first(DeliveryItem, pk, keys.DELIVERY_PREFIX, limit, cursor, after_id)
        return Page([DELIVERY.record_of(i) for i in items], cursor_out)

    # benchmark sets and KPI values -------------------------------------------------------------

    def save_benchmark_set(self, stored, expected, audit: AuditRecord) -> None:
        """The set and its registry entry, in one transaction with the audit record."""
        condition, on_fail = (
            (BenchmarkSetItem.pk.does_not_exist(), AlreadyExists)
            if expected is None
            else (BenchmarkSetItem.etag == etags.stored_benchmark_set_etag(expected), StaleWrite)
        )
        with self._transaction(audit) as tx:
            tx.put(benchmark_set_item(stored), condition, on_fail)
            tx.put(benchmark_registry_item(stored), None, StaleWrite)

    def get_benchmark_set(self, set_id: str):
        item = self._get(BenchmarkSetItem, keys.benchmark_pk(set_id), keys.BENCHMARK_SET_SK)
        return benchmark_set_of(item) if item else None

    def list_benchmark_sets(self) -> list:
        query = BenchmarkRegistryItem.query(keys.BENCHMARKS_PK, consistent_read=True)
        with self._errors():
            return [benchmark_listing_of(item) for item in query]

    def put_kpi_values(self, record, audit: AuditRecord, expected=None, conditional: bool = False) -> None:
        """Replace the period's values; NotFound without the organisation (or the service)."""
        condition, on_fail = None, StaleWrite
        if conditional:
            condition, on_fail = (
                (KpiItem.pk.does_not_exist(), AlreadyExists) if expected is None else (KpiItem.etag == etags.kpi_etag(expected), StaleWrite)
            )
        with self._transaction(audit) as tx:
            if record.service_id is None:
                tx.check(OrgItem, keys.org_pk(record.org_id), keys.ORG_SK, OrgItem.pk.exists(), NotFound)
            else:
                pk = keys.service_pk(record.org_id, record.service_id)
                tx.check(ServiceItem, pk, keys.SERVICE_SK, ServiceItem.pk.exists(), NotFound)
            tx.put(KPI_VALUES.item(record), condition, on_fail)

    def get_kpi_values(self, org_id: str, service_id: str | None, period: str):
        item = self._get(KpiItem, keys.org_pk(org_id), keys.kpi_sk(service_id, period))
        return KPI_VALUES.record_of(item) if item else None

    def list_kpi_values(self, org_id: str, service_id: str | None = None) -> list:
        query = KpiItem.query(keys.org_pk(org_id), KpiItem.sk.startswith(keys.kpi_prefix(service_id)), consistent_read=True)
        with self._errors():
            return [KPI_VALUES.record_of(item) for item in query]

    # plumbing --------------------------------------------------------------------------------

    def _get(self, model, pk: str, sk: str):
        with self._errors():
            try:
                return model.get(pk, sk, consistent_read=True)
            except model.DoesNotExist:
                return None

    def _newest_first(self, model, pk: str, prefix: str, limit: int, cursor: str | None, after: str | None = None):
        """One page of the items whose sort keys are `prefix` + a ULID, newest first (only those
        after `after`, when given), and the cursor of the next page."""
        start = _key(pk, prefix + decode_cursor(cursor)) if cursor is not None else None
        condition = model.sk.between(prefix + after, prefix + "~") if after else model.sk.startswith(prefix)
        query = model.query(
            pk,
            condition,
            scan_index_forward=False,
            consistent_read=True,
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key=start,
        )
        items, more = self._page(query, model, limit)
        return items, (encode_cursor(items[-1].sk.removeprefix(prefix)) if more else None)

    def _index_page(self, model, index_pk: str, table_key, prefix: str | None, limit: int, cursor: str | None):
        """One page of gsi1 (only sort keys starting with `prefix`, when given); the cursor is the
        last gsi1sk returned, and `table_key(gsi1sk)` the table keys of the item it names (an
        index's ExclusiveStartKey holds both)."""
        start = None
        if cursor is not None:
            index_sk = decode_cursor(cursor)
            if prefix is not None and not index_sk.startswith(prefix):
                raise BadRequest("The cursor is not valid.", {"cursor": ["not a cursor this list issued"]})
            start = _key(*table_key(index_sk)) | _gsi1(index_pk, index_sk)
        condition = model.gsi1sk.startswith(prefix) if prefix else None
        query = model.by_gsi1.query(index_pk, condition, limit=limit + 1, page_size=limit + 1, last_evaluated_key=start)
        items, more = self._page(query, model, limit)
        return items, (encode_cursor(items[-1].gsi1sk) if more else None)

    def _page(self, query, model, limit: int) -> tuple[list, bool]:
        """Exactly one Query request, asked for limit + 1 items: up to `limit` items and whether
        more follow (also when DynamoDB's 1 MB page ended the response early)."""
        with self._errors():
            raw = next(query.page_iter, None) or {}
        items = [model.from_raw_data(i) for i in raw.get("Items", [])]
        more = len(items) > limit or (bool(items) and "LastEvaluatedKey" in raw)
        return items[:limit], more

    def _errors(self):
        return translated_errors()

    def _transaction(self, audit: AuditRecord):
        return transaction(self.connection, audit)


def _last_part(index_sk: str) -> str:
    """The service id at the end of a services or summaries index key."""
    return index_sk.rsplit(keys.SEPARATOR, 1)[-1]


def _key(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _gsi1(pk: str, sk: str) -> dict:
    return {"gsi1pk": {"S": pk}, "gsi1sk": {"S": sk}}
