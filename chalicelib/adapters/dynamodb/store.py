"""The Store port over one DynamoDB table through PynamoDB: GetItem, Query and
TransactWriteItems only. Infrastructure errors become domain errors here."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from chalicelib import config
from chalicelib.adapters.cursors import decode_cursor, encode_cursor
from chalicelib.adapters.dynamodb import keys
from chalicelib.adapters.dynamodb.models import (
    AssessmentItem,
    AuditItem,
    BenchmarkRegistryItem,
    BenchmarkSetItem,
    ClaimItem,
    ComponentItem,
    DeliveryItem,
    IntegrationItem,
    IntegrationRouteItem,
    KpiItem,
    OrgItem,
    ProjectItem,
    ServiceItem,
    SnapshotItem,
    SummaryItem,
)
from chalicelib.domain import codec
from chalicelib.domain.benchmarks.model import BenchmarkSetListing, KpiRecord, StoredBenchmarkSet, listing_of
from chalicelib.domain.benchmarks.shape import benchmark_set_from_dict, benchmark_set_to_dict, kpi_etag
from chalicelib.domain.errors import AlreadyExists, BadRequest, Conflict, Duplicate, NotFound, StaleWrite, Unavailable
from chalicelib.domain.model import (
    CLAIM_DAYS,
    Assessment,
    AuditRecord,
    Component,
    DeclarationProject,
    Delivery,
    Integration,
    LatestAssessment,
    Organisation,
    SealedSecret,
    Service,
    ServiceSummary,
)
from chalicelib.domain.scorecards import MonthlySnapshot
from chalicelib.services.components import component_etag
from chalicelib.services.organisations import org_etag
from chalicelib.services.ports import OrgOverview, Page
from chalicelib.services.projects import project_etag
from chalicelib.services.registry import service_etag

RACE_ATTEMPTS = 3
THROTTLING = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
}


class DynamoStore:
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
        return _org(item) if item else None

    def save_org(self, org: Organisation, expected: Organisation | None, audit: AuditRecord) -> None:
        item = OrgItem(
            pk=keys.org_pk(org.org_id),
            sk=keys.ORG_SK,
            gsi1pk=keys.ORGS_INDEX_PK,
            gsi1sk=org.org_id,
            org_id=org.org_id,
            name=org.name,
            peer_group=org.peer_group,
            declaration_signed_on=org.declaration_signed_on.isoformat() if org.declaration_signed_on else None,
            rank_services=org.rank_services,
            etag=org_etag(org),
            created=codec.stamp_to_dict(org.created),
            updated=codec.stamp_to_dict(org.updated),
        )
        if expected is None:
            condition, on_fail = OrgItem.pk.does_not_exist(), AlreadyExists
        else:
            condition, on_fail = OrgItem.etag == org_etag(expected), StaleWrite
        with self._transaction(audit) as tx:
            tx.put(item, condition, on_fail)

    def list_orgs(self, limit: int, cursor: str | None) -> Page[Organisation]:
        start = None
        if cursor is not None:
            org_id = decode_cursor(cursor)
            start = _key(keys.org_pk(org_id), keys.ORG_SK) | _gsi1(keys.ORGS_INDEX_PK, org_id)
        query = OrgItem.by_gsi1.query(keys.ORGS_INDEX_PK, limit=limit + 1, page_size=limit + 1, last_evaluated_key=start)
        items, more = self._page(query, OrgItem, limit)
        return Page([_org(i) for i in items], encode_cursor(items[-1].gsi1sk) if more else None)

    def get_org_overview(self, org_id: str) -> OrgOverview | None:
        """One Query from ORG to SUMMARY#~ ("~" sorts after every character of a ULID): the
        organisation, then its PROJECT#, SNAPSHOT# and SUMMARY# items; the audit trail,
        integrations and KPI values sort before ORG. Pages are read raw, each item by its model."""
        query = OrgItem.query(
            keys.org_pk(org_id), OrgItem.sk.between(keys.ORG_SK, keys.SUMMARY_PREFIX + "~"), consistent_read=True
        )
        org, projects, snapshots, summaries = None, [], [], []
        with self._errors():
            for page in query.page_iter:
                for raw in page.get("Items", []):
                    sk = raw["sk"]["S"]
                    if sk == keys.ORG_SK:
                        org = _org(OrgItem.from_raw_data(raw))
                    elif sk.startswith(keys.PROJECT_PREFIX):
                        projects.append(_project(ProjectItem.from_raw_data(raw)))
                    elif sk.startswith(keys.SNAPSHOT_PREFIX):
                        snapshots.append(_snapshot(SnapshotItem.from_raw_data(raw)))
                    elif sk.startswith(keys.SUMMARY_PREFIX):
                        summaries.append(_summary(SummaryItem.from_raw_data(raw)))
        return OrgOverview(org, projects, snapshots, summaries) if org else None

    # services --------------------------------------------------------------------------------

    def create_service(self, service: Service, summary: ServiceSummary, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            tx.check(OrgItem, keys.org_pk(service.org_id), keys.ORG_SK, OrgItem.pk.exists(), NotFound)
            tx.put(_service_item(service), ServiceItem.pk.does_not_exist(), AlreadyExists)
            tx.put(_summary_item(summary), SummaryItem.pk.does_not_exist(), AlreadyExists)

    def get_service(self, org_id: str, service_id: str) -> Service | None:
        item = self._get(ServiceItem, keys.service_pk(org_id, service_id), keys.SERVICE_SK)
        return _service(item) if item else None

    def list_services(self, org_id: str, limit: int, cursor: str | None) -> Page[Service]:
        index_pk = keys.services_index_pk(org_id)
        start = None
        if cursor is not None:
            index_sk = decode_cursor(cursor)
            service_id = index_sk.rsplit(keys.SEPARATOR, 1)[-1]
            start = _key(keys.service_pk(org_id, service_id), keys.SERVICE_SK) | _gsi1(index_pk, index_sk)
        query = ServiceItem.by_gsi1.query(index_pk, limit=limit + 1, page_size=limit + 1, last_evaluated_key=start)
        items, more = self._page(query, ServiceItem, limit)
        return Page([_service(i) for i in items], encode_cursor(items[-1].gsi1sk) if more else None)

    def update_service(self, service: Service, expected: Service, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            tx.put(_service_item(service), ServiceItem.etag == service_etag(expected), StaleWrite)
            tx.update(
                SummaryItem(pk=keys.org_pk(service.org_id), sk=keys.summary_sk(service.service_id)),
                [
                    SummaryItem.name.set(service.name),
                    SummaryItem.department.set(service.department),
                    SummaryItem.owner_email.set(service.owner_email),
                ],
                SummaryItem.pk.exists(),
                NotFound,
            )

    def get_summary(self, org_id: str, service_id: str) -> ServiceSummary | None:
        item = self._get(SummaryItem, keys.org_pk(org_id), keys.summary_sk(service_id))
        return _summary(item) if item else None

    def list_summaries(self, org_id: str) -> list[ServiceSummary]:
        query = SummaryItem.query(
            keys.org_pk(org_id), SummaryItem.sk.startswith(keys.SUMMARY_PREFIX), consistent_read=True
        )
        with self._errors():
            return [_summary(item) for item in query]

    # components ------------------------------------------------------------------------------

    def list_components(self, org_id: str, service_id: str) -> list[Component]:
        query = ComponentItem.query(
            keys.service_pk(org_id, service_id), ComponentItem.sk.startswith(keys.COMPONENT_PREFIX), consistent_read=True
        )
        with self._errors():
            return [_component(item) for item in query]

    def put_component(
        self, component: Component, expected: Component | None, max_components: int, audit: AuditRecord
    ) -> None:
        summary = SummaryItem(pk=keys.org_pk(component.org_id), sk=keys.summary_sk(component.service_id))
        if expected is None:
            item_condition, on_fail = ComponentItem.pk.does_not_exist(), AlreadyExists
            summary_condition = SummaryItem.pk.exists() & (size(SummaryItem.components) < max_components)
        else:
            item_condition, on_fail = ComponentItem.etag == component_etag(expected), StaleWrite
            summary_condition = SummaryItem.pk.exists()
        # A failed summary condition means the service went or filled up since it was read:
        # StaleWrite makes the use case read it again and decide.
        with self._transaction(audit) as tx:
            tx.put(_component_item(component), item_condition, on_fail)
            tx.update(
                summary,
                [SummaryItem.components[component.component_id].set(_component_json(component))],
                summary_condition,
                StaleWrite,
            )

    def delete_component(self, expected: Component, audit: AuditRecord) -> None:
        item = ComponentItem(
            pk=keys.service_pk(expected.org_id, expected.service_id), sk=keys.component_sk(expected.component_id)
        )
        summary = SummaryItem(pk=keys.org_pk(expected.org_id), sk=keys.summary_sk(expected.service_id))
        with self._transaction(audit) as tx:
            tx.delete(item, ComponentItem.etag == component_etag(expected), StaleWrite)
            tx.update(
                summary, [SummaryItem.components[expected.component_id].remove()], SummaryItem.pk.exists(), StaleWrite
            )

    # assessments -----------------------------------------------------------------------------

    def add_assessment(self, assessment: Assessment, latest: LatestAssessment, audit: AuditRecord) -> bool:
        item = _assessment_item(assessment)
        summary = SummaryItem(pk=keys.org_pk(assessment.org_id), sk=keys.summary_sk(assessment.service_id))
        newer_than_latest = SummaryItem.pk.exists() & (
            SummaryItem.latest_assessment_id.does_not_exist()
            | (SummaryItem.latest_assessment_id < assessment.assessment_id)
        )
        for _ in range(RACE_ATTEMPTS):
            try:
                with self._transaction(audit) as tx:
                    tx.put(item, AssessmentItem.pk.does_not_exist(), AlreadyExists)
                    tx.update(
                        summary,
                        [
                            SummaryItem.latest_assessment_id.set(assessment.assessment_id),
                            SummaryItem.latest.set(codec.latest_to_dict(latest)),
                        ],
                        newer_than_latest,
                        _NotTheLatest,
                    )
                return True
            except _NotTheLatest:
                break
            except StaleWrite:
                continue  # another transaction touched the same items at the same moment: try again
        else:
            raise Conflict("The service is being changed by other requests; try again.")
        # A newer assessment landed first (or the service went): keep this one in the history
        # without letting it replace the newer summary.
        with self._transaction(audit) as tx:
            tx.check(SummaryItem, summary.pk, summary.sk, SummaryItem.pk.exists(), NotFound)
            tx.put(item, AssessmentItem.pk.does_not_exist(), AlreadyExists)
        return False

    def get_assessment(self, org_id: str, service_id: str, assessment_id: str) -> Assessment | None:
        item = self._get(AssessmentItem, keys.service_pk(org_id, service_id), keys.assessment_sk(assessment_id))
        return _assessment(item) if item else None

    def list_assessments(self, org_id: str, service_id: str, limit: int, cursor: str | None) -> Page[Assessment]:
        pk = keys.service_pk(org_id, service_id)
        items, cursor_out = self._newest_first(AssessmentItem, pk, keys.ASSESSMENT_PREFIX, limit, cursor)
        return Page([_assessment(i) for i in items], cursor_out)

    # audit trail -----------------------------------------------------------------------------

    def list_audit(self, org_id: str, limit: int, cursor: str | None) -> Page[AuditRecord]:
        items, cursor_out = self._newest_first(AuditItem, keys.org_pk(org_id), keys.AUDIT_PREFIX, limit, cursor)
        return Page([_audit(i) for i in items], cursor_out)

    # monthly snapshots -----------------------------------------------------------------------

    def put_snapshot(self, snapshot: MonthlySnapshot) -> None:
        item = SnapshotItem(
            pk=keys.org_pk(snapshot.org_id),
            sk=keys.snapshot_sk(snapshot.month),
            org_id=snapshot.org_id,
            month=snapshot.month,
            figures=codec.snapshot_figures_to_dict(snapshot),
            taken_at=codec.iso_instant(snapshot.taken_at),
        )
        with self._errors():
            item.save()

    def list_snapshots(self, org_id: str, first_month: str, last_month: str) -> list[MonthlySnapshot]:
        query = SnapshotItem.query(
            keys.org_pk(org_id),
            SnapshotItem.sk.between(keys.snapshot_sk(first_month), keys.snapshot_sk(last_month)),
            consistent_read=True,
        )
        with self._errors():
            return [_snapshot(item) for item in query]

    # declaration projects --------------------------------------------------------------------

    def save_project(self, project: DeclarationProject, expected: DeclarationProject | None, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            if expected is None:
                tx.check(OrgItem, keys.org_pk(project.org_id), keys.ORG_SK, OrgItem.pk.exists(), NotFound)
                tx.put(_project_item(project), ProjectItem.pk.does_not_exist(), AlreadyExists)
            else:
                tx.put(_project_item(project), ProjectItem.etag == project_etag(expected), StaleWrite)

    def get_project(self, org_id: str, project_id: str) -> DeclarationProject | None:
        item = self._get(ProjectItem, keys.org_pk(org_id), keys.project_sk(project_id))
        return _project(item) if item else None

    def list_projects(self, org_id: str) -> list[DeclarationProject]:
        query = ProjectItem.query(keys.org_pk(org_id), ProjectItem.sk.startswith(keys.PROJECT_PREFIX), consistent_read=True)
        with self._errors():
            return [_project(item) for item in query]

    # integrations ----------------------------------------------------------------------------

    def create_integration(self, integration: Integration, audit: AuditRecord) -> None:
        route = IntegrationRouteItem(
            pk=keys.integration_pk(integration.integration_id), sk=keys.ROUTE_SK, org_id=integration.org_id
        )
        with self._transaction(audit) as tx:
            tx.check(OrgItem, keys.org_pk(integration.org_id), keys.ORG_SK, OrgItem.pk.exists(), NotFound)
            tx.put(_integration_item(integration), IntegrationItem.pk.does_not_exist(), AlreadyExists)
            tx.put(route, IntegrationRouteItem.pk.does_not_exist(), AlreadyExists)

    def get_integration(self, org_id: str, integration_id: str) -> Integration | None:
        item = self._get(IntegrationItem, keys.org_pk(org_id), keys.integration_sk(integration_id))
        return _integration(item) if item else None

    def find_integration(self, integration_id: str) -> Integration | None:
        route = self._get(IntegrationRouteItem, keys.integration_pk(integration_id), keys.ROUTE_SK)
        return self.get_integration(route.org_id, integration_id) if route else None

    def list_integrations(self, org_id: str) -> list[Integration]:
        query = IntegrationItem.query(
            keys.org_pk(org_id), IntegrationItem.sk.startswith(keys.INTEGRATION_PREFIX), consistent_read=True
        )
        with self._errors():
            return [_integration(item) for item in query]

    def replace_integration(self, integration: Integration, expected: Integration, audit: AuditRecord) -> None:
        with self._transaction(audit) as tx:
            tx.put(_integration_item(integration), IntegrationItem.etag == _integration_etag(expected), StaleWrite)

    def delete_integration(self, expected: Integration, audit: AuditRecord) -> None:
        item = IntegrationItem(pk=keys.org_pk(expected.org_id), sk=keys.integration_sk(expected.integration_id))
        route = IntegrationRouteItem(pk=keys.integration_pk(expected.integration_id), sk=keys.ROUTE_SK)
        with self._transaction(audit) as tx:
            tx.delete(item, IntegrationItem.etag == _integration_etag(expected), StaleWrite)
            tx.delete(route, IntegrationRouteItem.pk.exists(), StaleWrite)

    # the deliveries log ----------------------------------------------------------------------

    def add_delivery(self, delivery: Delivery, keep_until: datetime) -> None:
        item = DeliveryItem(
            pk=keys.integration_pk(delivery.integration_id),
            sk=keys.delivery_sk(delivery.delivery_id),
            integration_id=delivery.integration_id,
            delivery_id=delivery.delivery_id,
            webhook_id=delivery.webhook_id,
            received_at=codec.iso_instant(delivery.received_at),
            event_type=delivery.event_type,
            status=delivery.status,
            http_status=delivery.http_status,
            reason=delivery.reason,
            expires_at=keep_until,
        )
        with self._errors():
            item.save()

    def list_deliveries(self, integration_id: str, after_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
        pk = keys.integration_pk(integration_id)
        items, cursor_out = self._newest_first(DeliveryItem, pk, keys.DELIVERY_PREFIX, limit, cursor, after_id)
        return Page([_delivery(i) for i in items], cursor_out)

    # benchmark sets and KPI values -------------------------------------------------------------

    def save_benchmark_set(self, stored, expected, audit: AuditRecord) -> None:
        """The set and its registry entry, in one transaction with the audit record."""
        condition, on_fail = (
            (BenchmarkSetItem.pk.does_not_exist(), AlreadyExists)
            if expected is None
            else (BenchmarkSetItem.etag == _benchmark_etag(expected), StaleWrite)
        )
        with self._transaction(audit) as tx:
            tx.put(_benchmark_item(stored), condition, on_fail)
            tx.put(_benchmark_registry_item(stored), None, StaleWrite)

    def get_benchmark_set(self, set_id: str):
        item = self._get(BenchmarkSetItem, keys.benchmark_pk(set_id), keys.BENCHMARK_SET_SK)
        return _benchmark_set(item) if item else None

    def list_benchmark_sets(self) -> list:
        query = BenchmarkRegistryItem.query(keys.BENCHMARKS_PK, consistent_read=True)
        with self._errors():
            return [_benchmark_listing(item) for item in query]

    def put_kpi_values(self, record, audit: AuditRecord, expected=None, conditional: bool = False) -> None:
        """Replace the period's values; NotFound without the organisation (or the service)."""
        condition, on_fail = None, StaleWrite
        if conditional:
            condition, on_fail = (
                (KpiItem.pk.does_not_exist(), AlreadyExists) if expected is None else (KpiItem.etag == kpi_etag(expected), StaleWrite)
            )
        with self._transaction(audit) as tx:
            if record.service_id is None:
                tx.check(OrgItem, keys.org_pk(record.org_id), keys.ORG_SK, OrgItem.pk.exists(), NotFound)
            else:
                pk = keys.service_pk(record.org_id, record.service_id)
                tx.check(ServiceItem, pk, keys.SERVICE_SK, ServiceItem.pk.exists(), NotFound)
            tx.put(_kpi_item(record), condition, on_fail)

    def get_kpi_values(self, org_id: str, service_id: str | None, period: str):
        item = self._get(KpiItem, keys.org_pk(org_id), keys.kpi_sk(service_id, period))
        return _kpi_record(item) if item else None

    def list_kpi_values(self, org_id: str, service_id: str | None = None) -> list:
        query = KpiItem.query(keys.org_pk(org_id), KpiItem.sk.startswith(keys.kpi_prefix(service_id)), consistent_read=True)
        with self._errors():
            return [_kpi_record(item) for item in query]

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

    def _page(self, query, model, limit: int) -> tuple[list, bool]:
        """Exactly one Query request, asked for limit + 1 items: up to `limit` items and whether
        more follow (also when DynamoDB's 1 MB page ended the response early)."""
        with self._errors():
            raw = next(query.page_iter, None) or {}
        items = [model.from_raw_data(i) for i in raw.get("Items", [])]
        more = len(items) > limit or (bool(items) and "LastEvaluatedKey" in raw)
        return items[:limit], more

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except PynamoDBException as e:
            if e.cause_response_code in THROTTLING:
                raise Unavailable("The store is busy; try again shortly.") from e
            if e.cause_response_code == "ValidationException" and "ExclusiveStartKey" in (e.cause_response_message or ""):
                raise BadRequest("The cursor is not valid.", {"cursor": ["not a cursor this list issued"]}) from e
            raise

    @contextmanager
    def _transaction(self, audit: AuditRecord) -> Iterator["_Transaction"]:
        """One TransactWriteItems, carrying the write's audit record. Each operation names the
        domain error its failed condition means; a conflict with another transaction is a
        StaleWrite."""
        tx = _Transaction(TransactWrite(connection=self.connection))
        try:
            with self._errors(), tx.write:
                yield tx
                tx.put(_audit_item(audit), AuditItem.pk.does_not_exist(), AlreadyExists)
                if audit.actor.integration_id and audit.actor.delivery_id:
                    tx.put(_claim_item(audit), ClaimItem.pk.does_not_exist(), Duplicate)
        except TransactWriteError as e:
            reasons = e.cancellation_reasons or []
            if any(r is not None and r.code == "ConditionalCheckFailed" and tx.on_fail(i) is Duplicate for i, r in enumerate(reasons)):
                # Whatever else failed, the delivery was already processed: that is the answer.
                raise Duplicate("This delivery was already processed.") from e
            for index, reason in enumerate(reasons):
                if reason is None:
                    continue
                if reason.code == "ConditionalCheckFailed":
                    error = tx.on_fail(index)
                    raise error(_condition_detail(error)) from e
                if reason.code == "TransactionConflict":
                    raise StaleWrite("Another request changed the same records.") from e
                if reason.code in THROTTLING:
                    raise Unavailable("The store is busy; try again shortly.") from e
            raise


class _NotTheLatest(StaleWrite):
    """The summary already holds a newer assessment (or the service went): not a retryable race."""


class _Transaction:
    """PynamoDB sends condition checks, deletes, puts and updates in that order; keeping each
    operation's error beside it maps a cancellation reason back to its meaning."""

    def __init__(self, write: TransactWrite):
        self.write = write
        self._on_fail: dict[str, list[type]] = {"check": [], "delete": [], "put": [], "update": []}

    def check(self, model, pk: str, sk: str, condition, on_fail: type) -> None:
        self.write.condition_check(model, pk, sk, condition=condition)
        self._on_fail["check"].append(on_fail)

    def delete(self, item, condition, on_fail: type) -> None:
        self.write.delete(item, condition=condition)
        self._on_fail["delete"].append(on_fail)

    def put(self, item, condition, on_fail: type) -> None:
        self.write.save(item, condition=condition)
        self._on_fail["put"].append(on_fail)

    def update(self, item, actions, condition, on_fail: type) -> None:
        self.write.update(item, actions=actions, condition=condition)
        self._on_fail["update"].append(on_fail)

    def on_fail(self, index: int) -> type:
        ordered = [*self._on_fail["check"], *self._on_fail["delete"], *self._on_fail["put"], *self._on_fail["update"]]
        return ordered[index]


def _condition_detail(error: type) -> str:
    return {
        _NotTheLatest: "A newer assessment is already the latest.",
        Duplicate: "This delivery was already processed.",
        AlreadyExists: "It already exists.",
        StaleWrite: "It changed since it was read.",
        NotFound: "The record it belongs to does not exist.",
    }[error]


def _key(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _gsi1(pk: str, sk: str) -> dict:
    return {"gsi1pk": {"S": pk}, "gsi1sk": {"S": sk}}


# items <-> records -----------------------------------------------------------------------------


def _org(item: OrgItem) -> Organisation:
    return Organisation(
        org_id=item.org_id,
        name=item.name,
        peer_group=item.peer_group,
        declaration_signed_on=date.fromisoformat(item.declaration_signed_on) if item.declaration_signed_on else None,
        rank_services=bool(item.rank_services),
        created=codec.stamp_from_dict(item.created),
        updated=codec.stamp_from_dict(item.updated),
    )


def _service_item(service: Service) -> ServiceItem:
    return ServiceItem(
        pk=keys.service_pk(service.org_id, service.service_id),
        sk=keys.SERVICE_SK,
        gsi1pk=keys.services_index_pk(service.org_id),
        gsi1sk=keys.services_index_sk(service.department, service.name, service.service_id),
        org_id=service.org_id,
        service_id=service.service_id,
        name=service.name,
        department=service.department,
        owner_email=service.owner_email,
        description=service.description,
        phase=service.phase,
        etag=service_etag(service),
        created=codec.stamp_to_dict(service.created),
        updated=codec.stamp_to_dict(service.updated),
    )


def _service(item: ServiceItem) -> Service:
    return Service(
        org_id=item.org_id,
        service_id=item.service_id,
        name=item.name,
        department=item.department,
        owner_email=item.owner_email,
        description=item.description,
        phase=item.phase,
        created=codec.stamp_from_dict(item.created),
        updated=codec.stamp_from_dict(item.updated),
    )


def _component_json(component: Component) -> str:
    return json.dumps(
        {
            "spec": codec.spec_to_dict(component.spec),
            "created": codec.stamp_to_dict(component.created),
            "updated": codec.stamp_to_dict(component.updated),
        },
        separators=(",", ":"),
    )


def _component_from_json(org_id: str, service_id: str, component_id: str, text: str) -> Component:
    data = json.loads(text)
    return Component(
        org_id,
        service_id,
        component_id,
        codec.spec_from_dict(data["spec"]),
        codec.stamp_from_dict(data["created"]),
        codec.stamp_from_dict(data["updated"]),
    )


def _component_item(component: Component) -> ComponentItem:
    return ComponentItem(
        pk=keys.service_pk(component.org_id, component.service_id),
        sk=keys.component_sk(component.component_id),
        org_id=component.org_id,
        service_id=component.service_id,
        component_id=component.component_id,
        spec=codec.spec_to_dict(component.spec),
        etag=component_etag(component),
        created=codec.stamp_to_dict(component.created),
        updated=codec.stamp_to_dict(component.updated),
    )


def _component(item: ComponentItem) -> Component:
    return Component(
        item.org_id,
        item.service_id,
        item.component_id,
        codec.spec_from_dict(item.spec),
        codec.stamp_from_dict(item.created),
        codec.stamp_from_dict(item.updated),
    )


def _summary_item(summary: ServiceSummary) -> SummaryItem:
    return SummaryItem(
        pk=keys.org_pk(summary.org_id),
        sk=keys.summary_sk(summary.service_id),
        org_id=summary.org_id,
        service_id=summary.service_id,
        name=summary.name,
        department=summary.department,
        owner_email=summary.owner_email,
        components={cid: _component_json(c) for cid, c in summary.components.items()},
        latest_assessment_id=summary.latest.assessment_id if summary.latest else None,
        latest=codec.latest_to_dict(summary.latest) if summary.latest else None,
    )


def _summary(item: SummaryItem) -> ServiceSummary:
    raw_components = item.components.as_dict() if item.components else {}
    return ServiceSummary(
        org_id=item.org_id,
        service_id=item.service_id,
        name=item.name,
        department=item.department,
        owner_email=item.owner_email,
        components={
            cid: _component_from_json(item.org_id, item.service_id, cid, text) for cid, text in raw_components.items()
        },
        latest=codec.latest_from_dict(item.latest) if item.latest else None,
    )


def _assessment_item(assessment: Assessment) -> AssessmentItem:
    return AssessmentItem(
        pk=keys.service_pk(assessment.org_id, assessment.service_id),
        sk=keys.assessment_sk(assessment.assessment_id),
        org_id=assessment.org_id,
        service_id=assessment.service_id,
        assessment_id=assessment.assessment_id,
        framework_id=assessment.framework_id,
        answers=[codec.answer_to_dict(a) for a in assessment.answers],
        score=codec.score_to_dict(assessment.score),
        lock_in=codec.lock_in_to_dict(assessment.lock_in),
        submitted=codec.stamp_to_dict(assessment.submitted),
    )


def _assessment(item: AssessmentItem) -> Assessment:
    return Assessment(
        org_id=item.org_id,
        service_id=item.service_id,
        assessment_id=item.assessment_id,
        framework_id=item.framework_id,
        answers=tuple(codec.answer_from_dict(a) for a in item.answers),
        score=codec.score_from_dict(item.score),
        lock_in=codec.lock_in_from_dict(item.lock_in),
        submitted=codec.stamp_from_dict(item.submitted),
    )


def _audit_item(record: AuditRecord) -> AuditItem:
    return AuditItem(
        pk=keys.org_pk(record.org_id),
        sk=keys.audit_sk(record.audit_id),
        org_id=record.org_id,
        audit_id=record.audit_id,
        at=codec.iso_instant(record.at),
        actor=codec.actor_to_dict(record.actor),
        action=record.action,
        target=record.target,
    )


def _audit(item: AuditItem) -> AuditRecord:
    return AuditRecord(
        org_id=item.org_id,
        audit_id=item.audit_id,
        at=codec.parse_instant(item.at),
        actor=codec.actor_from_dict(item.actor),
        action=item.action,
        target=item.target,
    )


def _claim_item(audit: AuditRecord) -> ClaimItem:
    """Claims outlive any sender's retry window (Standard Webhooks senders retry for days)."""
    return ClaimItem(
        pk=keys.integration_pk(audit.actor.integration_id),
        sk=keys.claim_sk(audit.actor.delivery_id),
        claimed_at=codec.iso_instant(audit.at),
        expires_at=audit.at + timedelta(days=CLAIM_DAYS),
    )


def _secrets_to_list(secrets) -> list[dict]:
    return [{"sealed": s.sealed, "retires_at": codec.iso_instant(s.retires_at) if s.retires_at else None} for s in secrets]


def _integration_etag(integration: Integration) -> str:
    return codec.content_etag({"secrets": _secrets_to_list(integration.secrets), "updated": integration.updated.at})


def _integration_item(integration: Integration) -> IntegrationItem:
    return IntegrationItem(
        pk=keys.org_pk(integration.org_id),
        sk=keys.integration_sk(integration.integration_id),
        org_id=integration.org_id,
        integration_id=integration.integration_id,
        name=integration.name,
        event_types=list(integration.event_types),
        service_ids=list(integration.service_ids),
        secrets=_secrets_to_list(integration.secrets),
        etag=_integration_etag(integration),
        created=codec.stamp_to_dict(integration.created),
        updated=codec.stamp_to_dict(integration.updated),
    )


def _integration(item: IntegrationItem) -> Integration:
    return Integration(
        org_id=item.org_id,
        integration_id=item.integration_id,
        name=item.name,
        event_types=tuple(item.event_types),
        service_ids=tuple(item.service_ids or ()),
        secrets=tuple(
            SealedSecret(s["sealed"], codec.parse_instant(s["retires_at"]) if s["retires_at"] else None)
            for s in item.secrets
        ),
        created=codec.stamp_from_dict(item.created),
        updated=codec.stamp_from_dict(item.updated),
    )


def _delivery(item: DeliveryItem) -> Delivery:
    return Delivery(
        integration_id=item.integration_id,
        delivery_id=item.delivery_id,
        webhook_id=item.webhook_id,
        received_at=codec.parse_instant(item.received_at),
        event_type=item.event_type,
        status=item.status,
        http_status=int(item.http_status),
        reason=item.reason,
    )


# --- benchmark sets and KPI values <-> items ---------------------------------------------------


def _benchmark_etag(stored: StoredBenchmarkSet) -> str:
    return codec.content_etag({"set": benchmark_set_to_dict(stored.bset), "updated": codec.stamp_to_dict(stored.updated)})


def _benchmark_item(stored: StoredBenchmarkSet) -> BenchmarkSetItem:
    return BenchmarkSetItem(
        pk=keys.benchmark_pk(stored.set_id),
        sk=keys.BENCHMARK_SET_SK,
        set_id=stored.set_id,
        data=benchmark_set_to_dict(stored.bset),
        etag=_benchmark_etag(stored),
        created=codec.stamp_to_dict(stored.created),
        updated=codec.stamp_to_dict(stored.updated),
    )


def _benchmark_registry_item(stored: StoredBenchmarkSet) -> BenchmarkRegistryItem:
    listing = listing_of(stored)
    return BenchmarkRegistryItem(
        pk=keys.BENCHMARKS_PK,
        sk=listing.set_id,
        data=benchmark_set_to_dict(listing.bset),
        updated=codec.stamp_to_dict(listing.updated),
    )


def _benchmark_set(item: BenchmarkSetItem) -> StoredBenchmarkSet:
    return StoredBenchmarkSet(
        benchmark_set_from_dict(item.data), codec.stamp_from_dict(item.created), codec.stamp_from_dict(item.updated)
    )


def _benchmark_listing(item: BenchmarkRegistryItem) -> BenchmarkSetListing:
    return BenchmarkSetListing(benchmark_set_from_dict(item.data), codec.stamp_from_dict(item.updated))


def _kpi_item(record: KpiRecord) -> KpiItem:
    return KpiItem(
        pk=keys.org_pk(record.org_id),
        sk=keys.kpi_sk(record.service_id, record.period),
        org_id=record.org_id,
        service_id=record.service_id,
        period=record.period,
        kpi_values=dict(record.values),
        updated=codec.stamp_to_dict(record.updated),
        etag=kpi_etag(record),
    )


def _kpi_record(item: KpiItem) -> KpiRecord:
    return KpiRecord(
        item.org_id, item.service_id, item.period, dict(item.kpi_values), codec.stamp_from_dict(item.updated)
    )


def _snapshot(item: SnapshotItem) -> MonthlySnapshot:
    return codec.snapshot_from_dict(item.org_id, item.month, item.figures, codec.parse_instant(item.taken_at))


def _project_item(project: DeclarationProject) -> ProjectItem:
    return ProjectItem(
        pk=keys.org_pk(project.org_id),
        sk=keys.project_sk(project.project_id),
        org_id=project.org_id,
        project_id=project.project_id,
        title=project.title,
        partners=list(project.partners),
        mission=project.mission,
        impact=project.impact,
        due=project.due.isoformat(),
        status=project.status,
        etag=project_etag(project),
        created=codec.stamp_to_dict(project.created),
        updated=codec.stamp_to_dict(project.updated),
    )


def _project(item: ProjectItem) -> DeclarationProject:
    return DeclarationProject(
        org_id=item.org_id,
        project_id=item.project_id,
        title=item.title,
        partners=tuple(item.partners or ()),
        mission=item.mission,
        impact=item.impact,
        due=date.fromisoformat(item.due),
        status=item.status,
        created=codec.stamp_from_dict(item.created),
        updated=codec.stamp_from_dict(item.updated),
    )
