"""Request budgets: the DynamoDB requests each route makes, checked against the table in API.md
("Request budgets") with the session's botocore spy.

Every route of the app must have a case here (a new route without one fails
`test_every_route_has_a_budget_case`). Every case must make exactly the SAME requests with 1 and
with 1,000 services in the organisation, and with 1 and with 50 assessments on the service it
touches; only the organisation scorecard grows, by one Query per 1 MB page of service summaries.

The integration routes and the webhook deliveries use one standing integration per organisation,
made (recorder paused) when a case first needs it; a delivery is signed with the independent
`standardwebhooks` library at the app's clock, with a fresh webhook-id every time."""

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

from chalicelib import bootstrap, config
from chalicelib.adapters.dynamodb import keys
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.model import ComponentSpec
from chalicelib.domain.plain import from_plain
from chalicelib.domain.access import Principal
from chalicelib.domain.model import Answer, Evidence
from chalicelib.frameworks import load_catalogue
from devserver.gateway import chalice_client
from tests.api.conftest import NOW, ROOT, Api, body, component_body, org_body, service_body, signed_delivery
from tests.conftest import IDENTITY
from tests.dynamo_requests import RECORDER
from tests.bulkload import bulk_load
from tests.fakes import InMemoryStore

FRAMEWORK_ID = "ldd-2018"
MANY_SERVICES = 1_000
LONG_HISTORY = 50
SUPPLIERS = [f"Supplier {chr(ord('A') + n)} Ltd" for n in range(12)]
DEPARTMENTS = ["Adults", "Children", "Environment", "Housing", "Revenues", "Customer Services"]


# The data every case is measured against ---------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """An organisation and the service a case reads or writes in it."""

    label: str
    org_id: str
    service_id: str
    assessment_id: str  # one of that service's assessments
    services: int
    assessments: int

    @property
    def large(self) -> bool:
        return self.services == MANY_SERVICES


@dataclass(frozen=True)
class World:
    settings: tuple[Setting, ...]
    empty_org: str  # an organisation with no services
    bare_service: tuple[str, str]  # (org_id, service_id): no components, no assessments
    memory: InMemoryStore = field(repr=False, compare=False)  # all of it, made by the use cases

    @property
    def measured_services(self) -> set[str]:
        return {s.service_id for s in self.settings} | {self.bare_service[1]}

    def load(self, large: bool) -> None:
        """Write the small organisations (large=False) or the 1,000-service one to DynamoDB."""
        org_ids = {s.org_id for s in self.settings if s.large == large}
        if not large:
            org_ids |= {self.empty_org, self.bare_service[0]}
        with RECORDER.paused():
            _load(self.memory, org_ids, self.measured_services)


class TickingClock(FixedClock):
    """Each reading is a millisecond later, so ids made from the clock (ULIDs) sort in the order
    they were made: a new assessment is the newest, as in production."""

    def now(self) -> datetime:
        self.instant += timedelta(milliseconds=1)
        return self.instant


def _answers(questions, variant: int, on: date) -> list[Answer]:
    """Ratings that differ from service to service, with some evidence and notes."""
    answers = []
    for position, question in enumerate(questions):
        rating = ("green", "amber", "red", "green", "amber")[(position + variant) % 5]
        evidence = ()
        if rating == "green" and position % 4 == 0:
            url = f"https://council.example/evidence/{variant}/{position}"
            evidence = (Evidence(url, "Assurance report", on + timedelta(days=400)),)
        notes = "Raised with the supplier at the quarterly review." if rating == "red" else None
        answers.append(Answer(question.question_id, rating, notes=notes, evidence=evidence))
    return answers


def _component_spec(variant: int, slot: int):
    return from_plain(
        ComponentSpec,
        component_body(
            supplier=SUPPLIERS[(variant + slot * 5) % len(SUPPLIERS)],
            product=f"Product {variant % 17}-{slot}",
            kind=("saas", "cots", "bespoke")[slot % 3],
            customisation=("none", "configuration", "heavy")[(variant + slot) % 3],
        )
    )


def seeder(org_id: str) -> Principal:
    return Principal("seeder", "owner@testshire.example", org_id, frozenset({"platform_admin", "admin"}))


def _make_world(memory: InMemoryStore) -> World:
    """Every organisation, service, component and assessment, made by the real use cases over the
    in-memory store (fast); `_load` then writes them to DynamoDB."""
    clock = TickingClock(NOW - timedelta(days=300))
    uc = bootstrap.build(store=memory, clock=clock)
    questions = load_catalogue()[FRAMEWORK_ID].questions
    variants = count()

    def add_service(org_id, name, department, components=2, assessments=1, measured=True):
        variant = next(variants)
        fields = service_body(name=name, department=department, phase="live", description=f"{name}, for residents.")
        service_id = uc.services.create(seeder(org_id), org_id, fields).service_id
        component_ids = ["casebook", "payments", "scheduler"][:components]
        if measured and components:
            component_ids.append("doomed")  # for the DELETE case to remove
        for slot, component_id in enumerate(component_ids):
            uc.components.put(seeder(org_id), org_id, service_id, component_id, _component_spec(variant, slot))
        assessment_ids = [
            uc.assessments.submit(
                seeder(org_id),
                org_id,
                service_id,
                FRAMEWORK_ID,
                _answers(questions, variant + n, clock.today()),
            ).assessment_id
            for n in range(assessments)
        ]
        return service_id, assessment_ids

    for org_id in ("budget-one", "budget-one-history", "budget-many", "budget-empty", "budget-bare"):
        fields = {"name": f"{org_id} council", "peer_group": "Districts", "declaration_signed_on": date(2019, 3, 1)}
        uc.organisations.put(seeder(org_id), org_id, fields)

    one, one_assessed = add_service("budget-one", "Parking permits", "Environment")
    long, long_assessed = add_service("budget-one-history", "Parking permits", "Environment", assessments=LONG_HISTORY)
    bare, _ = add_service("budget-bare", "Bulky waste booking", "Environment", components=0, assessments=0)
    many_one, many_one_assessed = add_service("budget-many", "Parking permits", "Environment")
    many_long, many_long_assessed = add_service("budget-many", "Blue badges", "Adults", assessments=LONG_HISTORY)
    for n in range(MANY_SERVICES - 2):
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        add_service("budget-many", f"Service {n:04d}", department, components=2 + n % 2, measured=False)

    return World(
        settings=(
            Setting("1 service, 1 assessment", "budget-one", one, one_assessed[0], 1, 1),
            Setting("1 service, 50 assessments", "budget-one-history", long, long_assessed[0], 1, LONG_HISTORY),
            Setting("1,000 services, 1 assessment", "budget-many", many_one, many_one_assessed[0], MANY_SERVICES, 1),
            Setting(
                "1,000 services, 50 assessments",
                "budget-many",
                many_long,
                many_long_assessed[0],
                MANY_SERVICES,
                LONG_HISTORY,
            ),
        ),
        empty_org="budget-empty",
        bare_service=("budget-bare", bare),
        memory=memory,
    )


def _load(memory: InMemoryStore, org_ids: set[str], history_of: set[str]) -> None:
    """The organisations `org_ids` with their services and summaries, and the component and
    assessment items of the services in `history_of` only: no measured request reaches another
    service's component or assessment partition (the summaries carry what the scorecards need),
    and they would only slow the set-up."""
    bulk_load(memory, orgs=org_ids.__contains__, history=history_of.__contains__)


@pytest.fixture(scope="module")
def api(aws):
    """One table for the whole module (the `table` fixture would recreate it for every test)."""
    from app import app
    from chalicelib.adapters.dynamodb.models import OrgItem
    from chalicelib.adapters.dynamodb.tables import create_tables

    with RECORDER.paused():
        if OrgItem.exists():
            OrgItem.delete_table()
        create_tables()
    _STANDING.clear()
    bootstrap.use(bootstrap.build(clock=TickingClock(NOW)))
    with chalice_client(app, project_dir=str(ROOT)) as test_client:
        yield Api(test_client.http, IDENTITY)
    bootstrap.use(None)
    with RECORDER.paused():
        OrgItem.delete_table()


@pytest.fixture(scope="module")
def world(api):
    """All the data made in memory, the small organisations loaded; `measurements` loads the
    1,000-service one."""
    made = _make_world(InMemoryStore())
    made.load(large=False)
    return made


# Budgets (API.md, "Request budgets") -------------------------------------------------------------


def summary_pages(org_id: str) -> tuple[int, int]:
    """(pages, bytes) of the organisation's service summaries: how many Query responses reading
    them all takes. A response stops before the item that would take it past the size limit, the
    rule DynamoDB (1 MB) and moto (RESULT_SIZE_LIMIT) both follow. Read from moto's own table with
    its own item sizes (no Scan, even in tests)."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][config.region()].tables[config.table_name()]
    pk = keys.org_pk(org_id)
    sizes = [
        item.size()
        for item in sorted(table.all_items(), key=lambda item: item.range_key.value)
        if item.hash_key.value == pk and item.range_key.value.startswith(keys.SUMMARY_PREFIX)
    ]
    pages, in_page = 1, 0
    for size in sizes:
        if in_page and in_page + size > RESULT_SIZE_LIMIT:
            pages, in_page = pages + 1, 0
        in_page += size
    return pages, sum(sizes)


@dataclass(frozen=True)
class Measured:
    ops: list[str]
    summary_pages: int  # the organisation's, when the request was made
    summary_bytes: int


Check = Callable[[Measured], None]


def at_most(limit: int) -> Check:
    def check(m: Measured):
        assert len(m.ops) <= limit, f"{len(m.ops)} requests, budget {limit}: {m.ops}"

    return check


def list_page(m: Measured):
    """1 Query + 1 (the existence check an empty first page needs)."""
    made = Counter(m.ops)
    assert made["Query"] <= 1 and len(m.ops) - made["Query"] <= 1, f"budget 1 Query + 1: {m.ops}"


def summaries_read(m: Measured):
    """1 Query per 1 MB page of per-service summaries + 2: the organisation (GetItem) and its
    declaration projects (one Query of a handful of items)."""
    summary_queries = Counter(m.ops)["Query"] - 1
    assert summary_queries == m.summary_pages, f"{summary_queries} summary Queries for {m.summary_pages} pages: {m.ops}"
    # The bound from the data size alone; +1 because a response that ends exactly at the limit
    # still says more may follow, which costs one more (empty) Query.
    assert summary_queries <= math.ceil(m.summary_bytes / RESULT_SIZE_LIMIT) + 1
    assert len(m.ops) == summary_queries + 2, f"budget: the summaries' pages + 2: {m.ops}"


def exactly(expected: list[str]) -> Check:
    """For the writes the table does not budget: what they do today, and at most 3 like the writes
    it does budget, so that a change shows up here and is a decision rather than an accident."""

    def check(m: Measured):
        assert m.ops == expected
        assert len(m.ops) <= 3

    return check


def nothing(m: Measured):
    """Not in the table, and no store request at all today."""
    assert m.ops == []


# A webhook delivery finds the integration (its route item, then the integration), runs the use
# case, whose transaction also claims the webhook-id, and logs the outcome: 3 requests more.
DELIVERY_BEFORE = ["GetItem", "GetItem"]
DELIVERY_AFTER = ["PutItem"]


def delivery(use_case: list[str]) -> Check:
    """API.md: a webhook delivery costs at most 3 more than the use case it runs. Asserts the
    exact requests (`use_case` is what the same use case makes through its own route, compared
    with the measured route in `test_a_delivery_costs_3_more_than_its_use_case`)."""

    def check(m: Measured):
        assert m.ops == DELIVERY_BEFORE + use_case + DELIVERY_AFTER, m.ops
        assert len(m.ops) <= len(use_case) + 3

    return check


# The cases: every route, some in more than one form ---------------------------------------------

_fresh = count()


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str  # the route's path as app.routes has it
    check: Check
    status: int = 200
    query: str = ""
    headers: dict = field(default_factory=dict)
    # The body to send (None: no body), given the setting.
    body: Callable[[Setting], dict | None] = lambda setting: None
    # Set-up run with the recorder paused: extra path values and headers for the request.
    prepare: Callable[[Api, Setting], tuple[dict, dict]] = lambda api, setting: ({}, {})
    # Only the organisation scorecard may grow with the number of services (by its Query pages).
    grows_with_summaries: bool = False
    # About the organisation, not the service: measured once per organisation.
    per_org: bool = False
    # A webhook event to deliver instead of `body`: signed for the organisation's standing
    # integration (the path's integration_id), with a fresh webhook-id, and no bearer token.
    event: Callable[[Setting], dict] | None = None
    # Fields the response body must have (e.g. that a delivery was processed, not a duplicate).
    answer: dict = field(default_factory=dict)


ORG = "/orgs/{org_id}"
SERVICES = ORG + "/services"
SERVICE = SERVICES + "/{service_id}"
COMPONENTS = SERVICE + "/components"
COMPONENT = COMPONENTS + "/{component_id}"
ASSESSMENTS = SERVICE + "/assessments"
DRAFT = SERVICE + "/assessment-draft"
INTEGRATIONS = ORG + "/integrations"
INTEGRATION = INTEGRATIONS + "/{integration_id}"
EVENT_TYPES = ["component.upserted", "assessment.submitted"]


def _assessment(setting: Setting) -> dict:
    questions = load_catalogue()[FRAMEWORK_ID].questions
    return {"framework_id": FRAMEWORK_ID, "answers": [{"question_id": q.question_id, "rating": "amber"} for q in questions]}


def _draft(setting: Setting) -> dict:
    """Half an assessment, as a draft saved half-way holds."""
    answers = _assessment(setting)["answers"]
    return {"framework_id": FRAMEWORK_ID, "answers": answers[: len(answers) // 2]}


def _standing_draft(api: Api, setting: Setting) -> tuple[dict, dict]:
    """The caller's draft, saved (again) before the case, so that each case finds one."""
    response = api.put(DRAFT.format(org_id=setting.org_id, service_id=setting.service_id), _draft(setting))
    assert response.status_code in (200, 201), response.body
    return {}, {}


def _service_etag(api: Api, setting: Setting) -> tuple[dict, dict]:
    response = api.get(SERVICE.format(org_id=setting.org_id, service_id=setting.service_id))
    assert response.status_code == 200
    return {}, {"If-Match": response.headers["ETag"]}


def _retirement(retired: bool):
    """Set the case's service retired or not first, so that the request measured changes it."""

    def prepare(api: Api, setting: Setting) -> tuple[dict, dict]:
        path = SERVICE.format(org_id=setting.org_id, service_id=setting.service_id) + "/retirement"
        response = api.put(path) if retired else api.delete(path)
        assert response.status_code in (200, 204), response.body
        return {}, {}

    return prepare


# org_id -> the integration's creation response (integration_id, secret): one per organisation,
# made when a case first needs it, with the recorder paused.
_STANDING: dict[str, dict] = {}


def _new_integration(api: Api, org_id: str, name: str) -> dict:
    response = api.post(INTEGRATIONS.format(org_id=org_id), {"name": name, "event_types": EVENT_TYPES})
    assert response.status_code == 201, response.body
    return body(response)


def _standing_integration(api: Api, setting: Setting) -> tuple[dict, dict]:
    if setting.org_id not in _STANDING:
        _STANDING[setting.org_id] = _new_integration(api, setting.org_id, "Contracts register")
    return {"integration_id": _STANDING[setting.org_id]["integration_id"]}, {}


def _throwaway_integration(api: Api, setting: Setting) -> tuple[dict, dict]:
    return {"integration_id": _new_integration(api, setting.org_id, f"Throwaway {next(_fresh)}")["integration_id"]}, {}


def _component_event(setting: Setting) -> dict:
    data = {"service_id": setting.service_id, "component_id": f"hooked-{next(_fresh)}", "component": component_body()}
    return {"type": "component.upserted", "data": data}


def _assessment_event(setting: Setting) -> dict:
    """Other answers than the route's (which ran just before): a change of the service's figures,
    so that the delivery's use case reads and writes the roll-up as the route's did (an
    assessment that changes no figure reads none)."""
    questions = load_catalogue()[FRAMEWORK_ID].questions
    answers = [{"question_id": q.question_id, "rating": "green", "justification": "Shown."} for q in questions]
    return {"type": "assessment.submitted", "data": {"service_id": setting.service_id, "framework_id": FRAMEWORK_ID, "answers": answers}}


PROJECTS = ORG + "/declaration-projects"
PROJECT = PROJECTS + "/{project_id}"
PROJECT_BODY = {"title": "One front door", "partners": ["LOTI"], "mission": "Build it.", "impact": "Residents ask once."}
_STANDING_PROJECTS: dict[str, str] = {}  # org_id -> a declaration project made with the recorder paused


def _standing_project(api: Api, setting: Setting) -> tuple[dict, dict]:
    if setting.org_id not in _STANDING_PROJECTS:
        response = api.post(PROJECTS.format(org_id=setting.org_id), PROJECT_BODY)
        assert response.status_code == 201, response.body
        _STANDING_PROJECTS[setting.org_id] = body(response)["project_id"]
    return {"project_id": _STANDING_PROJECTS[setting.org_id]}, {}


def _project_etag(api: Api, setting: Setting) -> tuple[dict, dict]:
    values, _ = _standing_project(api, setting)
    response = api.get(PROJECT.format(org_id=setting.org_id, **values))
    return values, {"If-Match": response.headers["ETag"]}


# --- benchmark sets, KPI values and positions -------------------------------------------------

BENCHMARK_SET_PATH = "/benchmarks/{set_id}"
BUDGET_SET = {
    "title": "Budget set",
    "source": "Tests",
    "published": "2025-06-30",
    "illustrative": False,
    "kpis": [
        {"kpi_id": "cost_per_user", "title": "Cost per user", "unit": "gbp", "better": "lower", "level": "org"},
        {"kpi_id": "ict_satisfaction", "title": "ICT satisfaction", "unit": "score", "better": "higher", "level": "service"},
    ],
    "peer_groups": {"Districts": {"cost_per_user": {"p25": 2500, "median": 3135, "p75": 3800},
                                  "ict_satisfaction": {"p25": 4.8, "median": 5.3, "p75": 5.9}}},
}
ORG_KPIS = ORG + "/kpis"
SERVICE_KPIS = SERVICE + "/kpis/{period}"
_BENCHMARKS_READY: set[str] = set()  # organisations whose KPI values are recorded (recorder paused)


def _standing_set(api: Api, setting: Setting) -> tuple[dict, dict]:
    """The imported set "budget-set", and the setting's 2025 values (organisation and service)."""
    if "budget-set" not in _BENCHMARKS_READY:
        assert api.put("/benchmarks/budget-set", BUDGET_SET).status_code in (200, 201)
        _BENCHMARKS_READY.add("budget-set")
    key = f"{setting.org_id}/{setting.service_id}"
    if key not in _BENCHMARKS_READY:
        org_values = api.put(f"/orgs/{setting.org_id}/kpis/2025", {"values": {"cost_per_user": 2900}})
        assert org_values.status_code == 200, org_values.body
        service_values = SERVICE_KPIS.format(org_id=setting.org_id, service_id=setting.service_id, period="2025")
        assert api.put(service_values, {"values": {"ict_satisfaction": 5.9}}).status_code == 200
        _BENCHMARKS_READY.add(key)
    return {"set_id": "budget-set", "period": "2025"}, {}


def bounded(expected: list[str]) -> Check:
    """Benchmark positions: not in the table; a fixed list of single-item reads, whatever the data."""

    def check(m: Measured):
        assert m.ops == expected

    return check


# What the use cases a delivery runs make through their own routes (the add-component and
# submit-assessment cases): read the service (and its components), the roll-up items its change
# moves (one BatchGetItem), then one transaction.
PUT_COMPONENT = ["GetItem", "BatchGetItem", "TransactWriteItems"]
SUBMIT_ASSESSMENT = ["GetItem", "BatchGetItem", "TransactWriteItems"]

CASES = [
    # Reads first, writes after, so that no write changes what a later read case sees.
    Case("health", "GET", "/health", nothing),
    Case("openapi", "GET", "/openapi.json", nothing),
    Case("frameworks", "GET", "/frameworks", at_most(2)),
    Case("framework", "GET", "/frameworks/{framework_id}", at_most(2)),
    Case("org", "GET", ORG, at_most(2), per_org=True),
    Case("orgs", "GET", "/orgs", list_page),
    Case("services", "GET", SERVICES, list_page, per_org=True),
    Case("services-limit-100", "GET", SERVICES, list_page, query="?limit=100", per_org=True),
    Case("service", "GET", SERVICE, at_most(2)),
    Case("components", "GET", COMPONENTS, at_most(2)),
    Case("component", "GET", COMPONENT, at_most(2)),
    Case("assessments", "GET", ASSESSMENTS, list_page),
    Case("assessments-limit-100", "GET", ASSESSMENTS, list_page, query="?limit=100"),
    Case("assessment", "GET", ASSESSMENTS + "/{assessment_id}", at_most(2)),
    # The caller's draft: the service (who may), then the draft.
    Case("draft", "GET", DRAFT, exactly(["GetItem", "GetItem"]), prepare=_standing_draft),
    Case("service-scorecard", "GET", SERVICE + "/scorecard", at_most(2)),
    Case("audit", "GET", ORG + "/audit", list_page, per_org=True),
    Case("history", "GET", ORG + "/scorecard/history", list_page, per_org=True),
    Case("projects", "GET", PROJECTS, list_page, prepare=_standing_project, per_org=True),
    Case("project", "GET", PROJECT, at_most(2), prepare=_standing_project, per_org=True),
    # The headline from the roll-up (two Queries: its figures, the contracts ending in the
    # window) and the first page of services (one Query of the summaries' index), at any size.
    Case("org-scorecard", "GET", ORG + "/scorecard", exactly(["Query", "Query", "Query"]), per_org=True),
    Case("org-scorecard-page", "GET", ORG + "/scorecard", exactly(["Query", "Query", "Query"]), query="?limit=1000", per_org=True),
    Case(
        "org-scorecard-csv",
        "GET",
        ORG + "/scorecard",
        summaries_read,
        query="?format=csv",
        grows_with_summaries=True,
        per_org=True,
    ),
    Case("integrations", "GET", INTEGRATIONS, list_page, prepare=_standing_integration, per_org=True),
    # Reads the integration (404 unless it is in the organisation), then a page of its log.
    Case("deliveries", "GET", INTEGRATION + "/deliveries", list_page, prepare=_standing_integration, per_org=True),
    Case(
        "add-component",
        "PUT",
        COMPONENT,
        at_most(3),
        status=201,
        body=lambda s: component_body(),
        prepare=lambda api, s: ({"component_id": f"added-{next(_fresh)}"}, {}),
    ),
    Case("replace-component", "PUT", COMPONENT, at_most(3), body=lambda s: component_body(product="Casebook 2")),
    Case(
        "delete-component",
        "DELETE",
        COMPONENT,
        at_most(3),
        status=204,
        prepare=lambda api, s: ({"component_id": "doomed"}, {}),
    ),
    Case("submit-assessment", "POST", ASSESSMENTS, at_most(3), status=201, body=_assessment),
    # Retire and reinstate: the summary's pre-check, the roll-up items it moves, then one
    # transaction (summary, roll-up and audit).
    Case(
        "retire-service", "PUT", SERVICE + "/retirement", exactly(["GetItem", "BatchGetItem", "TransactWriteItems"]), prepare=_retirement(False)
    ),
    Case(
        "reinstate-service",
        "DELETE",
        SERVICE + "/retirement",
        exactly(["GetItem", "BatchGetItem", "TransactWriteItems"]),
        status=204,
        prepare=_retirement(True),
    ),
    # Save or delete the caller's draft: the service (who may), the draft the write is checked
    # against, then one transaction.
    Case("save-draft", "PUT", DRAFT, exactly(["GetItem", "GetItem", "TransactWriteItems"]), body=_draft, prepare=_standing_draft),
    Case(
        "delete-draft",
        "DELETE",
        DRAFT,
        exactly(["GetItem", "GetItem", "TransactWriteItems"]),
        status=204,
        prepare=_standing_draft,
    ),
    # Not in the table, so these assert what the writes do today (see `exactly`).
    # PUT org: the read its create-or-replace decision needs, then one transaction.
    Case(
        "replace-org",
        "PUT",
        ORG,
        exactly(["GetItem", "TransactWriteItems"]),
        body=lambda s: org_body(name="Renamed council"),
        per_org=True,
    ),
    Case(
        "create-org",
        "PUT",
        ORG,
        exactly(["GetItem", "TransactWriteItems"]),
        status=201,
        body=lambda s: org_body(),
        prepare=lambda api, s: ({"org_id": f"budget-new-{next(_fresh)}"}, {}),
        per_org=True,
    ),
    # PATCH service: the read If-Match is checked against, the summary its copy is written over,
    # then one transaction (service, summary). A move to another department also reads the
    # roll-up items it changes (one BatchGetItem more).
    Case(
        "patch-service",
        "PATCH",
        SERVICE,
        exactly(["GetItem", "GetItem", "TransactWriteItems"]),
        body=lambda s: {"description": "Edited while counting requests."},
        prepare=_service_etag,
    ),
    # POST project: the organisation (its signing date sets the due date), then one transaction.
    Case(
        "create-project",
        "POST",
        PROJECTS,
        exactly(["GetItem", "TransactWriteItems"]),
        status=201,
        body=lambda s: PROJECT_BODY,
        per_org=True,
    ),
    # PATCH project: the read If-Match is checked against, then one transaction.
    Case(
        "patch-project",
        "PATCH",
        PROJECT,
        exactly(["GetItem", "TransactWriteItems"]),
        body=lambda s: {"status": "in_progress"},
        prepare=_project_etag,
        per_org=True,
    ),
    # POST integration: one transaction (organisation check, integration, its route item, audit).
    Case(
        "create-integration",
        "POST",
        INTEGRATIONS,
        exactly(["TransactWriteItems"]),
        status=201,
        body=lambda s: {"name": "Asset register", "event_types": EVENT_TYPES},
        per_org=True,
    ),
    # Rotate: the read the conditional replace is checked against, then one transaction. (The
    # deliveries below still sign with the standing secret it replaced: it verifies for 24 hours.)
    Case(
        "rotate-secret",
        "POST",
        INTEGRATION + "/rotate-secret",
        exactly(["GetItem", "TransactWriteItems"]),
        prepare=_standing_integration,
        per_org=True,
    ),
    # DELETE integration: the read, then one transaction (integration, route item, audit).
    Case(
        "delete-integration",
        "DELETE",
        INTEGRATION,
        exactly(["GetItem", "TransactWriteItems"]),
        status=204,
        prepare=_throwaway_integration,
        per_org=True,
    ),
    # Webhook deliveries, processed (a fresh webhook-id each, a new component each time): the use
    # case's own requests + 3 at most (see `delivery`).
    Case(
        "webhook-component-upserted",
        "POST",
        "/webhooks/{integration_id}",
        delivery(PUT_COMPONENT),
        prepare=_standing_integration,
        event=_component_event,
        answer={"status": "processed"},
    ),
    Case(
        "webhook-assessment-submitted",
        "POST",
        "/webhooks/{integration_id}",
        delivery(SUBMIT_ASSESSMENT),
        prepare=_standing_integration,
        event=_assessment_event,
        answer={"status": "processed"},
    ),
    # Benchmark sets: the list is one Query of the registry; a shipped set is no request at all.
    Case("benchmark-sets", "GET", "/benchmarks", exactly(["Query"]), prepare=_standing_set, per_org=True),
    Case("benchmark-set", "GET", BENCHMARK_SET_PATH, at_most(2), prepare=_standing_set, per_org=True),
    Case(
        "benchmark-set-shipped",
        "GET",
        BENCHMARK_SET_PATH,
        nothing,
        prepare=lambda api, s: ({"set_id": "illustrative-2024"}, {}),
        per_org=True,
    ),
    # KPI values: a period is one GetItem; the organisation's periods a list page.
    Case("org-kpis", "GET", ORG_KPIS, list_page, prepare=_standing_set, per_org=True),
    Case("org-kpis-period", "GET", ORG_KPIS + "/{period}", at_most(2), prepare=_standing_set, per_org=True),
    Case("service-kpis-period", "GET", SERVICE_KPIS, at_most(2), prepare=_standing_set),
    # Positions: the organisation (its peer group), the service (404 unless it exists), the set
    # (unless shipped) and the period's values, one GetItem each.
    Case(
        "org-benchmark",
        "GET",
        ORG + "/benchmark",
        bounded(["GetItem", "GetItem", "GetItem"]),
        query="?set=budget-set&period=2025",
        prepare=_standing_set,
        per_org=True,
        answer={"peer_group": "Districts"},
    ),
    Case(
        "org-benchmark-shipped-set",
        "GET",
        ORG + "/benchmark",
        bounded(["GetItem", "GetItem"]),
        query="?set=illustrative-2024&period=2025",
        per_org=True,
    ),
    Case(
        "service-benchmark",
        "GET",
        SERVICE + "/benchmark",
        bounded(["GetItem", "GetItem", "GetItem", "GetItem"]),
        query="?set=budget-set&period=2025",
        prepare=_standing_set,
        answer={"peer_group": "Districts"},
    ),
    # Writes: PUT a set reads it (created or replaced?), then one transaction (set, registry
    # entry, audit). KPI values: the known sets' KPIs (one Query of the registry), the service
    # for its owner, then one transaction (existence check, values, audit).
    Case(
        "import-benchmark-set",
        "PUT",
        BENCHMARK_SET_PATH,
        exactly(["GetItem", "TransactWriteItems"]),
        status=201,
        body=lambda s: BUDGET_SET,
        prepare=lambda api, s: ({"set_id": f"budget-set-{next(_fresh)}"}, {}),
        per_org=True,
    ),
    Case(
        "replace-benchmark-set",
        "PUT",
        BENCHMARK_SET_PATH,
        exactly(["GetItem", "TransactWriteItems"]),
        body=lambda s: BUDGET_SET,
        prepare=_standing_set,
        per_org=True,
    ),
    Case(
        "put-org-kpis",
        "PUT",
        ORG_KPIS + "/{period}",
        exactly(["Query", "TransactWriteItems"]),
        body=lambda s: {"values": {"cost_per_user": 2900}},
        prepare=_standing_set,
        per_org=True,
    ),
    Case(
        "put-service-kpis",
        "PUT",
        SERVICE_KPIS,
        exactly(["GetItem", "Query", "TransactWriteItems"]),
        body=lambda s: {"values": {"ict_satisfaction": 5.9}},
        prepare=_standing_set,
    ),
    # POST service: the roll-up items it moves, then one transaction (organisation check,
    # service, summary, roll-up). Last: it adds a service to the organisations.
    Case(
        "create-service",
        "POST",
        SERVICES,
        exactly(["BatchGetItem", "TransactWriteItems"]),
        status=201,
        body=lambda s: service_body(name="Garden waste subscriptions"),
        per_org=True,
    ),
]


def _measure(api: Api, case: Case, setting: Setting) -> Measured:
    with RECORDER.paused():
        values, headers = case.prepare(api, setting)
    path = case.path.format(
        **{
            "org_id": setting.org_id,
            "service_id": setting.service_id,
            "component_id": "casebook",
            "assessment_id": setting.assessment_id,
            "framework_id": FRAMEWORK_ID,
            **values,
        }
    )
    sent, raw, token = case.body(setting), None, "default"
    if case.event is not None:
        # Signed at the app's own clock (it checks the timestamp against it), outside the count.
        now = int(bootstrap.use_cases().context.clock.now().timestamp())
        raw, signed = signed_delivery(_STANDING[setting.org_id]["secret"], case.event(setting), timestamp=now)
        headers, token = {**headers, **signed}, None
    with RECORDER.measure() as ops:
        response = api.request(case.method, path + case.query, sent, {**case.headers, **headers}, raw=raw, token=token)
    assert response.status_code == case.status, (setting.label, response.status_code, response.body)
    answered = body(response) if case.answer else {}
    assert {k: answered.get(k) for k in case.answer} == case.answer, (setting.label, answered)
    pages, size = summary_pages(setting.org_id) if case.grows_with_summaries else (0, 0)
    return Measured(list(ops), pages, size)


@pytest.fixture(scope="module")
def measurements(api, world) -> dict[str, dict[str, Measured | AssertionError]]:
    """Every case in every setting, measured once: in the small organisations first, while the
    table holds little else, then in the 1,000-service one once it is loaded. (moto copies the
    whole table for every item of every transaction: a write beside 1,000 services takes about a
    second in moto, so each is made no more often than needed.) Per case, the settings are
    measured in the order of `world.settings`; a failure is kept for that case's test to report."""
    results: dict[str, dict[str, Measured | AssertionError]] = {case.id: {} for case in CASES}
    for large in (False, True):
        if large:
            world.load(large=True)
        settings = [s for s in world.settings if s.large == large]
        for case in CASES:
            if case.per_org:  # the two 1,000-service settings share their organisation
                settings_here = [s for n, s in enumerate(settings) if s.org_id not in {t.org_id for t in settings[:n]}]
            else:
                settings_here = settings
            for setting in settings_here:
                try:
                    results[case.id][setting.label] = _measure(api, case, setting)
                except AssertionError as failure:
                    results[case.id][setting.label] = failure
    return results


# Tests -------------------------------------------------------------------------------------------


def test_every_route_has_a_budget_case():
    from app import app

    # The HTML pages under /app are budgeted in test_pages.py.
    routes = {(method, path) for path, methods in app.routes.items() for method in methods if not path.startswith("/app")}
    covered = {(case.method, case.path) for case in CASES}
    assert routes - covered == set(), "routes without a request-budget case"
    assert covered - routes == set(), "budget cases for routes that no longer exist"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_request_budget_is_kept_and_does_not_grow_with_the_data(measurements, case):
    made = measurements[case.id]
    assert len(made) >= 2 and any("1,000" in label for label in made)
    for label, measured in made.items():
        if isinstance(measured, AssertionError):
            raise measured
        assert "Scan" not in measured.ops  # (the spy also fails any Scan at once)
        case.check(measured)
    ops = {label: m.ops for label, m in made.items()}
    if case.grows_with_summaries:
        # The 1,000 summaries (2-3 components and a scored assessment each) must span several
        # pages, or this would not show the scorecard reading each page once and nothing per
        # service. Apart from those pages (checked above), the requests must be the same.
        assert max(m.summary_pages for m in made.values()) >= 3, "the data should need paging"
        ops = {label: [op for op in o if op != "Query"] for label, o in ops.items()}
    assert len({tuple(o) for o in ops.values()}) == 1, ops


@pytest.mark.parametrize(
    "hook, route", [("webhook-component-upserted", "add-component"), ("webhook-assessment-submitted", "submit-assessment")]
)
def test_a_delivery_costs_3_more_than_its_use_case(measurements, hook, route):
    """The same use case through its own route and through a delivery, in every setting."""
    for label, measured in measurements[hook].items():
        own = measurements[route][label]
        if isinstance(measured, AssertionError) or isinstance(own, AssertionError):
            pytest.fail(f"{label}: not measured ({measured if isinstance(measured, AssertionError) else own})")
        assert measured.ops == DELIVERY_BEFORE + own.ops + DELIVERY_AFTER, (label, measured.ops, own.ops)
        assert len(measured.ops) <= len(own.ops) + 3


@pytest.mark.parametrize("path", [SERVICES + "?limit=20", ASSESSMENTS + "?limit=20"], ids=["services", "assessments"])
def test_a_later_list_page_is_one_query(api, world, measurements, path):
    deepest = next(s for s in world.settings if s.large and s.assessments == LONG_HISTORY)
    path = path.format(org_id=deepest.org_id, service_id=deepest.service_id)
    cursor = body(api.get(path))["next_cursor"]
    assert cursor
    with RECORDER.measure() as ops:
        second = api.get(f"{path}&cursor={cursor}")
    assert second.status_code == 200 and len(body(second)["items"]) == 20
    assert list(ops) == ["Query"]


def test_an_empty_first_page_is_one_query_and_an_existence_check(api, world):
    org_id, service_id = world.bare_service
    for path in (
        f"/orgs/{world.empty_org}/services",
        f"/orgs/{org_id}/services/{service_id}/components",
        f"/orgs/{org_id}/services/{service_id}/assessments",
    ):
        with RECORDER.measure() as ops:
            response = api.get(path)
        assert response.status_code == 200 and body(response)["items"] == [], path
        list_page(Measured(list(ops), 0, 0))
