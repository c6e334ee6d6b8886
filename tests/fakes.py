"""An in-memory Store for fast unit tests of the use cases. tests/contract runs the same suite
against it and the DynamoDB adapter, so the two cannot drift apart silently. It shares the
adapter's cursor format, which is part of what a client sees."""

import copy
from contextlib import contextmanager

from chalicelib.adapters.cursors import decode_cursor, encode_cursor
from chalicelib.adapters.dynamodb.keys import services_index_sk
from chalicelib.domain.benchmarks.model import listing_of
from chalicelib.domain.errors import AlreadyExists, Contended, Duplicate, NotFound, StaleWrite
from chalicelib.domain.etags import draft_etag
from chalicelib.domain.rollup import NEW_TOTALS, ORG, PROJECT, SNAPSHOT, TOTALS, snapshot_range
from chalicelib.domain.rollup_read import org_item, project_item, snapshot_item, snapshots_of
from chalicelib.services.ports import Page


class InMemoryStore:
    def __init__(self):
        self.orgs = {}
        self.services = {}  # (org_id, service_id) -> Service
        self.summaries = {}  # (org_id, service_id) -> ServiceSummary
        self.components = {}  # (org_id, service_id, component_id) -> Component
        self.assessments = {}  # (org_id, service_id, assessment_id) -> Assessment
        self.drafts = {}  # (org_id, service_id, person) -> AssessmentDraft
        self.audit = {}  # (org_id, audit_id) -> AuditRecord
        self.integrations = {}  # (org_id, integration_id) -> Integration
        self.projects = {}  # (org_id, project_id) -> DeclarationProject
        self.benchmark_sets = {}  # set_id -> StoredBenchmarkSet
        self.kpis = {}  # (org_id, service_id | None, period) -> KpiRecord
        self.claims = set()  # (integration_id, webhook-id)
        self.deliveries = {}  # (integration_id, delivery_id) -> Delivery
        self.notification_settings = {}  # org_id -> NotificationSettings
        self.dispatches = {}  # (org_id, day, kind, recipient) -> Dispatch
        self.rollups = {}  # org_id -> {name: (content, version)}

    # organisations
    def get_org(self, org_id):
        return self.orgs.get(org_id)

    def save_org(self, org, expected, audit):
        with self._write(audit):
            _expect(self.orgs.get(org.org_id), expected)
            self.orgs[org.org_id] = org
            self._put_copy(org.org_id, ORG, org_item(org))
            if expected is None:
                self._put_copy(org.org_id, TOTALS, dict(NEW_TOTALS))

    def list_orgs(self, limit, cursor):
        return _page(sorted(self.orgs.values(), key=lambda o: o.org_id), lambda o: o.org_id, limit, cursor)

    # services
    def create_service(self, service, change, audit):
        with self._write(audit):
            if service.org_id not in self.orgs:
                raise NotFound("The record it belongs to does not exist.")
            key = (service.org_id, service.service_id)
            if key in self.services:
                raise AlreadyExists("It already exists.")
            self._check(change)
            self.services[key] = service
            self._apply(change)

    def get_service(self, org_id, service_id):
        return self.services.get((org_id, service_id))

    def list_services(self, org_id, limit, cursor):
        mine = sorted(
            (s for (o, _), s in self.services.items() if o == org_id),
            key=lambda s: (s.department, s.name, s.service_id),
        )
        return _page(mine, lambda s: services_index_sk(s.department, s.name, s.service_id), limit, cursor)

    def update_service(self, service, expected, change, audit):
        with self._write(audit):
            key = (service.org_id, service.service_id)
            _expect(self.services.get(key), expected)
            self._check(change)
            self.services[key] = service
            self._apply(change)

    def set_retired(self, change, audit):
        with self._write(audit):
            self._check(change)
            self._apply(change)

    def get_summary(self, org_id, service_id):
        return copy.deepcopy(self.summaries.get((org_id, service_id)))

    def list_summaries(self, org_id):
        return [copy.deepcopy(s) for (o, _), s in sorted(self.summaries.items()) if o == org_id]

    def list_summary_page(self, org_id, department, limit, cursor):
        mine = sorted(
            (s for (o, _), s in self.summaries.items() if o == org_id and not s.retired and department in (None, s.department)),
            key=lambda s: (s.department, s.name, s.service_id),
        )
        page = _page(mine, lambda s: services_index_sk(s.department, s.name, s.service_id), limit, cursor)
        return Page(copy.deepcopy(page.items), page.next_cursor)

    # the roll-up
    def get_rollup_items(self, org_id, names):
        mine = self.rollups.get(org_id, {})
        return {n: copy.deepcopy(mine[n]) for n in names if n in mine}

    def read_rollup(self, org_id, ranges):
        mine = self.rollups.get(org_id, {})
        return {n: copy.deepcopy(d) for n, (d, _) in sorted(mine.items()) if any(a <= n <= b for a, b in ranges)}

    def list_rollup(self, org_id):
        return copy.deepcopy(dict(sorted(self.rollups.get(org_id, {}).items())))

    def write_rollup(self, org_id, items, versions):
        self._check_versions(org_id, versions)
        self._apply_rollup(org_id, items)

    # components
    def list_components(self, org_id, service_id):
        return [c for (o, s, _), c in sorted(self.components.items()) if (o, s) == (org_id, service_id)]

    def put_component(self, component, expected, change, audit):
        with self._write(audit):
            key = (component.org_id, component.service_id, component.component_id)
            _expect(self.components.get(key), expected)
            self._check(change)
            self.components[key] = component
            self._apply(change)

    def delete_component(self, expected, change, audit):
        with self._write(audit):
            key = (expected.org_id, expected.service_id, expected.component_id)
            _expect(self.components.get(key), expected)
            self._check(change)
            del self.components[key]
            self._apply(change)

    # assessments
    def add_assessment(self, assessment, change, audit, draft=None):
        with self._write(audit):
            key = (assessment.org_id, assessment.service_id)
            if key not in self.summaries:
                raise NotFound("The record it belongs to does not exist.")
            if (*key, assessment.assessment_id) in self.assessments:
                raise AlreadyExists("It already exists.")
            if change is not None:
                self._check(change)
            self.assessments[(*key, assessment.assessment_id)] = assessment
            if draft is not None:
                self.drafts.pop((draft.org_id, draft.service_id, draft.person), None)
            if change is not None:
                self._apply(change)

    def get_assessment(self, org_id, service_id, assessment_id):
        return self.assessments.get((org_id, service_id, assessment_id))

    def list_assessments(self, org_id, service_id, limit, cursor):
        mine = sorted(
            (a for (o, s, _), a in self.assessments.items() if (o, s) == (org_id, service_id)),
            key=lambda a: a.assessment_id,
            reverse=True,
        )
        return _page(mine, lambda a: a.assessment_id, limit, cursor, descending=True)

    def get_assessment_and_previous(self, org_id, service_id, assessment_id):
        this = self.assessments.get((org_id, service_id, assessment_id))
        if this is None:
            return None, None
        earlier = [a for (o, s, i), a in self.assessments.items() if (o, s) == (org_id, service_id) and i < assessment_id]
        return this, max(earlier, key=lambda a: a.assessment_id, default=None)

    # assessment drafts
    def get_draft(self, org_id, service_id, person):
        return self.drafts.get((org_id, service_id, person))

    def put_draft(self, draft, expected, audit):
        with self._write(audit):
            key = (draft.org_id, draft.service_id, draft.person)
            if (draft.org_id, draft.service_id) not in self.summaries:
                raise NotFound("The record it belongs to does not exist.")
            _expect_draft(self.drafts.get(key), expected)
            self.drafts[key] = draft

    def delete_draft(self, expected, audit):
        with self._write(audit):
            key = (expected.org_id, expected.service_id, expected.person)
            _expect_draft(self.drafts.get(key), expected, deleting=True)
            del self.drafts[key]

    # audit trail
    def list_audit(self, org_id, limit, cursor):
        mine = sorted((r for (o, _), r in self.audit.items() if o == org_id), key=lambda r: r.audit_id, reverse=True)
        return _page(mine, lambda r: r.audit_id, limit, cursor, descending=True)

    # monthly snapshots, in the roll-up as the adapters keep them
    def put_snapshot(self, snapshot):
        self._put_copy(snapshot.org_id, SNAPSHOT + snapshot.month, snapshot_item(snapshot))

    def list_snapshots(self, org_id, first_month, last_month):
        return snapshots_of(self.read_rollup(org_id, [snapshot_range(first_month, last_month)]))

    def upgrade_layout(self, org_id):
        return {"audit records": 0, "snapshots": 0}  # the fake was never laid out otherwise

    # declaration projects
    def save_project(self, project, expected, audit):
        with self._write(audit):
            key = (project.org_id, project.project_id)
            if expected is None and project.org_id not in self.orgs:
                raise NotFound("The record it belongs to does not exist.")
            _expect(self.projects.get(key), expected)
            self.projects[key] = project
            self._put_copy(project.org_id, PROJECT + project.project_id, project_item(project))

    def get_project(self, org_id, project_id):
        return self.projects.get((org_id, project_id))

    def list_projects(self, org_id):
        return [p for (o, _), p in sorted(self.projects.items()) if o == org_id]

    # benchmark sets and KPI values
    def save_benchmark_set(self, stored, expected, audit):
        with self._write(audit):
            _expect(self.benchmark_sets.get(stored.set_id), expected)
            self.benchmark_sets[stored.set_id] = stored

    def get_benchmark_set(self, set_id):
        return self.benchmark_sets.get(set_id)

    def list_benchmark_sets(self):
        return [listing_of(s) for _, s in sorted(self.benchmark_sets.items())]

    def put_kpi_values(self, record, audit, expected=None, conditional=False):
        with self._write(audit):
            key = (record.org_id, record.service_id, record.period)
            if conditional:
                current = self.kpis.get(key)
                _expect(current and current.values, expected and expected.values)
            if record.service_id is None and record.org_id not in self.orgs:
                raise NotFound("The record it belongs to does not exist.")
            if record.service_id is not None and (record.org_id, record.service_id) not in self.services:
                raise NotFound("The record it belongs to does not exist.")
            self.kpis[key] = copy.deepcopy(record)

    def get_kpi_values(self, org_id, service_id, period):
        return copy.deepcopy(self.kpis.get((org_id, service_id, period)))

    def list_kpi_values(self, org_id, service_id=None):
        mine = [r for (o, s, _), r in self.kpis.items() if (o, s) == (org_id, service_id)]
        return [copy.deepcopy(r) for r in sorted(mine, key=lambda r: r.period)]

    # integrations
    def create_integration(self, integration, audit):
        with self._write(audit):
            if integration.org_id not in self.orgs:
                raise NotFound("The record it belongs to does not exist.")
            self.integrations[(integration.org_id, integration.integration_id)] = integration

    def get_integration(self, org_id, integration_id):
        return self.integrations.get((org_id, integration_id))

    def find_integration(self, integration_id):
        return next((i for (_, iid), i in self.integrations.items() if iid == integration_id), None)

    def list_integrations(self, org_id):
        return [i for (o, _), i in sorted(self.integrations.items()) if o == org_id]

    def replace_integration(self, integration, expected, audit):
        with self._write(audit):
            key = (integration.org_id, integration.integration_id)
            _expect(self.integrations.get(key), expected)
            self.integrations[key] = integration

    def delete_integration(self, expected, audit):
        with self._write(audit):
            key = (expected.org_id, expected.integration_id)
            _expect(self.integrations.get(key), expected)
            del self.integrations[key]

    # the deliveries log
    def add_delivery(self, delivery, keep_until):
        self.deliveries[(delivery.integration_id, delivery.delivery_id)] = delivery

    def list_deliveries(self, integration_id, after_id, limit, cursor):
        mine = sorted(
            (d for (i, did), d in self.deliveries.items() if i == integration_id and did > after_id),
            key=lambda d: d.delivery_id,
            reverse=True,
        )
        return _page(mine, lambda d: d.delivery_id, limit, cursor, descending=True)

    # reminders (domain/reminders.py)
    def get_notification_settings(self, org_id):
        return self.notification_settings.get(org_id)

    def put_notification_settings(self, settings, expected, audit):
        with self._write(audit):
            _expect(self.notification_settings.get(settings.org_id), expected)
            self.notification_settings[settings.org_id] = settings

    def list_dispatches(self, org_id, first_day, last_day):
        return [d for (o, day, _, _), d in sorted(self.dispatches.items()) if o == org_id and first_day <= day <= last_day]

    def put_dispatch(self, dispatch, expected):
        key = (dispatch.org_id, dispatch.day, dispatch.kind, dispatch.recipient)
        _expect(self.dispatches.get(key), expected)
        self.dispatches[key] = dispatch

    def _check(self, change):
        """As the adapters: the summary still as read, and each roll-up item at its version."""
        after = change.after
        if self.summaries.get((after.org_id, after.service_id)) != change.before:
            raise Contended("Another request changed the same records.")
        self._check_versions(after.org_id, change.versions)

    def _check_versions(self, org_id, versions):
        mine = self.rollups.get(org_id, {})
        if any((mine[n][1] if n in mine else None) != v for n, v in versions.items()):
            raise Contended("Another request changed the same records.")

    def _apply(self, change):
        after = change.after
        self.summaries[(after.org_id, after.service_id)] = copy.deepcopy(after)
        self._apply_rollup(after.org_id, change.rollup)

    def _apply_rollup(self, org_id, items):
        mine = self.rollups.setdefault(org_id, {})
        for name, data in items.items():
            if data:
                mine[name] = (copy.deepcopy(data), (mine[name][1] if name in mine else 0) + 1)
            else:
                mine.pop(name, None)

    def _put_copy(self, org_id, name, data):
        self._apply_rollup(org_id, {name: data})

    @contextmanager
    def _write(self, audit):
        """As the adapter's transaction: a delivery already claimed is refused first, and the
        audit record (with the delivery's claim) is kept only when the write succeeds."""
        actor = audit.actor
        claim = (actor.integration_id, actor.delivery_id) if actor.integration_id and actor.delivery_id else None
        if claim in self.claims:
            raise Duplicate("This delivery was already processed.")
        yield
        self.audit[(audit.org_id, audit.audit_id)] = audit
        if claim:
            self.claims.add(claim)


def _expect(current, expected):
    """A conditional write's check: nothing there yet (expected None), or exactly what was read."""
    if expected is None and current is not None:
        raise AlreadyExists("It already exists.")
    if expected is not None and current != expected:
        raise StaleWrite("It changed since it was read.")


def _expect_draft(current, expected, deleting=False):
    """As the adapter: a draft is the same version when its etag is (when it was saved is not
    part of it)."""
    if expected is None and current is not None:
        raise AlreadyExists("It already exists.")
    if expected is not None and (current is None or draft_etag(current) != draft_etag(expected)):
        raise StaleWrite("It changed since it was read.")


def _page(items, position, limit, cursor, descending=False):
    if cursor is not None:
        after = decode_cursor(cursor)
        items = [i for i in items if (position(i) < after if descending else position(i) > after)]
    chosen = items[:limit]
    more = len(items) > limit
    next_cursor = encode_cursor(position(chosen[-1])) if more else None
    return Page(chosen, next_cursor)

