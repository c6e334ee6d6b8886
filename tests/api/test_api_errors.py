"""Bad input through HTTP: each answer is an RFC 9457 problem with the status API.md gives, a 422
names the offending field paths, and a failed request changes no domain data (the table is
byte-for-byte the same before and after)."""

import base64
import copy
import json
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from tests.api.conftest import assessment_body, body, component_body, org_body, service_body, table_items

PROBLEM_JSON = "application/problem+json"
MISSING_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"  # a well-formed ULID no test creates
DROP = object()  # `edit` sentinel: remove the key


def assert_problem(response, status, fields=(), mentions=()):
    assert response.status_code == status, (response.status_code, response.body)
    assert response.headers.get("Content-Type", "").split(";")[0].strip() == PROBLEM_JSON, response.headers
    problem = body(response)
    for key in ("type", "title", "status", "detail"):
        assert key in problem, f"problem lacks {key!r}: {problem}"
    assert problem["status"] == status
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and problem["detail"]
    if status == 422:
        errors = problem.get("errors")
        assert isinstance(errors, dict) and errors, f"422 without errors: {problem}"
        for path, messages in errors.items():
            assert isinstance(path, str)
            assert isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
        for path in fields:
            assert path in errors, f"errors do not name {path!r}: {errors}"
    for text in mentions:
        assert text in json.dumps(problem.get("errors", {})), f"errors do not mention {text!r}: {problem}"
    return problem


def edit(document: dict, changes: dict) -> dict:
    """A deep copy of `document` with dotted paths ("contract.end", "answers.0.notes") set."""
    result = copy.deepcopy(document)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = result
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key = int(last) if isinstance(node, list) else last
        if value is DROP:
            del node[key]
        else:
            node[key] = value
    return result


# -- the world every case runs against ---------------------------------------------------------


@dataclass
class World:
    client: Any
    org: str
    sid: str
    aid: str
    cid: str
    etag: str  # the service's current ETag
    component_etag: str
    assessment: dict  # a valid assessment body

    def fmt(self, text: str) -> str:
        return text.format(
            org=self.org, sid=self.sid, aid=self.aid, cid=self.cid, etag=self.etag, cetag=self.component_etag, missing=MISSING_ID
        )


@pytest.fixture
def world(client, org, service_id):
    base = f"/orgs/{org}/services/{service_id}"
    put = client.put(f"{base}/components/casebook", component_body())
    assert put.status_code == 201, put.body
    valid = assessment_body(client)
    submitted = client.post(f"{base}/assessments", valid)
    assert submitted.status_code == 201, submitted.body
    etag = client.get(base).headers["ETag"]
    return World(client, org, service_id, body(submitted)["assessment_id"], "casebook", etag, put.headers["ETag"], valid)


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    status: int
    body: Any = None  # a dict, or a callable(World) -> dict
    raw: bytes | None = None
    headers: dict | None = None  # values may use {etag} / {cetag}
    fields: tuple = ()
    mentions: tuple = ()


ORG = "/orgs/{org}"
SERVICES = "/orgs/{org}/services"
SERVICE = "/orgs/{org}/services/{sid}"
COMPONENT = SERVICE + "/components/{cid}"
NEW_COMPONENT = SERVICE + "/components/new-one"
ASSESSMENTS = SERVICE + "/assessments"
IF_MATCH = {"If-Match": "{etag}"}
TEXT = {"Content-Type": "text/plain"}


def comp(**changes) -> dict:
    return edit(component_body(), {k.replace("__", "."): v for k, v in changes.items()})


def assess(changes: dict | Callable[[dict], dict]) -> Callable[[World], dict]:
    def build(world: World) -> dict:
        return changes(copy.deepcopy(world.assessment)) if callable(changes) else edit(world.assessment, changes)

    return build


def _with_evidence(n: int, **evidence) -> Callable[[dict], dict]:
    def build(document: dict) -> dict:
        document["answers"][0]["evidence"] = [
            {"url": f"https://evidence.example/{i}", **evidence} for i in range(n)
        ]
        return document

    return build


def _all_not_applicable(document: dict) -> dict:
    for answer in document["answers"]:
        answer["rating"] = "not_applicable"
        answer["justification"] = "Out of scope."
    return document


def _drop_last(document: dict) -> dict:
    document["answers"].pop()
    return document


def _duplicate_first(document: dict) -> dict:
    document["answers"].append(copy.deepcopy(document["answers"][0]))
    return document


LONG_NAME = "n" * 201
LONG_TEXT = "t" * 4001
LONG_URL = "https://evidence.example/" + "a" * (2001 - len("https://evidence.example/"))
BIG_BODY = json.dumps(service_body(description="d" * (300 * 1024))).encode()
BIG_COMPONENT = json.dumps(component_body(product="p" * (300 * 1024))).encode()

MALFORMED = [b"{", b"{'name': 'x'}", b'{"name": NaN}', b'{"name": Infinity}', b"", b"\xff\xfe{}", b'{"name": "x",}']
NOT_OBJECTS = [b"[]", b'"text"', b"42", b"null", b"true", b'[{"name": "x"}]']
WRITES = [
    ("PUT", ORG, None),
    ("PUT", "/orgs/brand-new", None),
    ("POST", SERVICES, None),
    ("PATCH", SERVICE, IF_MATCH),
    ("PUT", COMPONENT, None),
    ("PUT", NEW_COMPONENT, None),
    ("POST", ASSESSMENTS, None),
]


def _body_cases() -> list[Case]:
    cases = []
    for method, path, headers in WRITES:
        label = f"{method} {path}"
        for i, raw in enumerate(MALFORMED):
            cases.append(Case(f"malformed-{i} {label}", method, path, 400, raw=raw, headers=headers))
        for i, raw in enumerate(NOT_OBJECTS):
            cases.append(Case(f"not-object-{i} {label}", method, path, 422, raw=raw, headers=headers))
        cases.append(Case(f"text/plain {label}", method, path, 415, raw=b'{"name": "x"}', headers={**(headers or {}), **TEXT}))
        cases.append(
            Case(f"xml {label}", method, path, 415, raw=b"<name>x</name>", headers={**(headers or {}), "Content-Type": "application/xml"})
        )
    cases += [
        Case("too-large service", "POST", SERVICES, 413, raw=BIG_BODY),
        Case("too-large component", "PUT", NEW_COMPONENT, 413, raw=BIG_COMPONENT),
        Case("too-large patch", "PATCH", SERVICE, 413, raw=BIG_BODY, headers=IF_MATCH),
    ]
    return cases


def _validation_cases() -> list[Case]:
    c = Case
    return [
        # wrong JSON types
        c("service name number", "POST", SERVICES, 422, service_body(name=123), fields=("name",)),
        c("service name list", "POST", SERVICES, 422, service_body(name=["x"]), fields=("name",)),
        c("org date as number", "PUT", ORG, 422, org_body(declaration_signed_on=20190301), fields=("declaration_signed_on",)),
        c("string for bool", "PUT", NEW_COMPONENT, 422, comp(interfaces__open_api="true"), fields=("interfaces.open_api",)),
        c("number for bool", "PUT", NEW_COMPONENT, 422, comp(data__free_bulk_export=1), fields=("data.free_bulk_export",)),
        c("string for bool (contract)", "PUT", NEW_COMPONENT, 422, comp(contract__auto_renew="false"), fields=("contract.auto_renew",)),
        c("yes for bool", "PUT", NEW_COMPONENT, 422, comp(exit_plan__exists="yes"), fields=("exit_plan.exists",)),
        c("number as string", "PUT", NEW_COMPONENT, 422, comp(contract__annual_cost_gbp="12000"), fields=("contract.annual_cost_gbp",)),
        c("bool as number", "PUT", NEW_COMPONENT, 422, comp(contract__annual_cost_gbp=True), fields=("contract.annual_cost_gbp",)),
        c("string for list", "PUT", NEW_COMPONENT, 422, comp(data__export_formats="csv"), fields=("data.export_formats",)),
        c("object for string", "PUT", NEW_COMPONENT, 422, comp(supplier={"name": "Acme"}), fields=("supplier",)),
        c("list for object", "PUT", NEW_COMPONENT, 422, comp(interfaces=[True, True, False]), fields=("interfaces",)),
        c("unknown enum kind", "PUT", NEW_COMPONENT, 422, comp(kind="cloud"), fields=("kind",)),
        c("unknown enum phase", "POST", SERVICES, 422, service_body(phase="production"), fields=("phase",)),
        c("bad email", "POST", SERVICES, 422, service_body(owner_email="not-an-email"), fields=("owner_email",)),
        c("rating number", "POST", ASSESSMENTS, 422, assess({"answers.0.rating": 1}), fields=("answers.0.rating",)),
        c("unknown rating", "POST", ASSESSMENTS, 422, assess({"answers.0.rating": "purple"}), fields=("answers.0.rating",)),
        c("answers string", "POST", ASSESSMENTS, 422, assess({"answers": "all green"}), fields=("answers",)),
        c("patch name number", "PATCH", SERVICE, 422, {"name": 5}, headers=IF_MATCH, fields=("name",)),
        # missing required fields
        c("org without name", "PUT", ORG, 422, edit(org_body(), {"name": DROP}), fields=("name",)),
        c("service without owner", "POST", SERVICES, 422, edit(service_body(), {"owner_email": DROP}), fields=("owner_email",)),
        c("component without interfaces", "PUT", NEW_COMPONENT, 422, comp(interfaces=DROP), fields=("interfaces",)),
        c("nested required", "PUT", NEW_COMPONENT, 422, comp(contract__end=DROP), fields=("contract.end",)),
        c("assessment without framework", "POST", ASSESSMENTS, 422, assess({"framework_id": DROP}), fields=("framework_id",)),
        # unknown fields, top level and nested
        c("unknown org field", "PUT", ORG, 422, org_body(colour="blue"), fields=("colour",)),
        c("unknown service field", "POST", SERVICES, 422, service_body(extra=1), fields=("extra",)),
        c("unknown component field", "PUT", NEW_COMPONENT, 422, comp(extra=1), fields=("extra",)),
        c("unknown interfaces field", "PUT", NEW_COMPONENT, 422, comp(interfaces__extra=True), fields=("interfaces.extra",)),
        c("unknown contract field", "PUT", NEW_COMPONENT, 422, comp(contract__notice_days=90), fields=("contract.notice_days",)),
        c("unknown data field", "PUT", NEW_COMPONENT, 422, comp(data__extra=[]), fields=("data.extra",)),
        c("unknown exit_plan field", "PUT", NEW_COMPONENT, 422, comp(exit_plan__owner="x"), fields=("exit_plan.owner",)),
        c("unknown assessment field", "POST", ASSESSMENTS, 422, assess({"submitted_by": "me"}), fields=("submitted_by",)),
        c("unknown answer field", "POST", ASSESSMENTS, 422, assess({"answers.2.score": 1}), fields=("answers.2.score",)),
        c("unknown evidence field", "POST", ASSESSMENTS, 422, assess(_with_evidence(1, kind="pdf")), fields=("answers.0.evidence.0.kind",)),
        c("patch non-editable field", "PATCH", SERVICE, 422, {"service_id": "x"}, headers=IF_MATCH, fields=("service_id",)),
        c("patch unknown field", "PATCH", SERVICE, 422, {"name": "New", "colour": "red"}, headers=IF_MATCH, fields=("colour",)),
        # out of range
        c("negative cost", "PUT", NEW_COMPONENT, 422, comp(contract__annual_cost_gbp=-1), fields=("contract.annual_cost_gbp",)),
        c("slightly negative cost", "PUT", COMPONENT, 422, comp(contract__annual_cost_gbp=-0.01), fields=("contract.annual_cost_gbp",)),
        # names over 200 characters
        c("long org name", "PUT", ORG, 422, org_body(name=LONG_NAME), fields=("name",)),
        c("long peer group", "PUT", ORG, 422, org_body(peer_group=LONG_NAME), fields=("peer_group",)),
        c("long service name", "POST", SERVICES, 422, service_body(name=LONG_NAME), fields=("name",)),
        c("long department", "POST", SERVICES, 422, service_body(department=LONG_NAME), fields=("department",)),
        c("long supplier", "PUT", NEW_COMPONENT, 422, comp(supplier=LONG_NAME), fields=("supplier",)),
        c("long product", "PUT", COMPONENT, 422, comp(product=LONG_NAME), fields=("product",)),
        c("long evidence title", "POST", ASSESSMENTS, 422, assess(_with_evidence(1, title=LONG_NAME)), fields=("answers.0.evidence.0.title",)),
        c("long patch name", "PATCH", SERVICE, 422, {"name": LONG_NAME}, headers=IF_MATCH, fields=("name",)),
        # free text over 4,000 characters
        c("long description", "POST", SERVICES, 422, service_body(description=LONG_TEXT), fields=("description",)),
        c("long patch description", "PATCH", SERVICE, 422, {"description": LONG_TEXT}, headers=IF_MATCH, fields=("description",)),
        c("long notes", "POST", ASSESSMENTS, 422, assess({"answers.1.notes": LONG_TEXT}), fields=("answers.1.notes",)),
        c(
            "long justification",
            "POST",
            ASSESSMENTS,
            422,
            assess({"answers.1.rating": "not_applicable", "answers.1.justification": LONG_TEXT}),
            fields=("answers.1.justification",),
        ),
        # URLs
        c("url over 2000", "POST", ASSESSMENTS, 422, assess({"answers.0.evidence": [{"url": LONG_URL}]}), fields=("answers.0.evidence.0.url",)),
        c("javascript url", "POST", ASSESSMENTS, 422, assess({"answers.0.evidence": [{"url": "javascript:alert(1)"}]}), fields=("answers.0.evidence.0.url",)),
        c("ftp url", "POST", ASSESSMENTS, 422, assess({"answers.0.evidence": [{"url": "ftp://files.example/report.pdf"}]}), fields=("answers.0.evidence.0.url",)),
        c("relative url", "POST", ASSESSMENTS, 422, assess({"answers.0.evidence": [{"url": "/reports/1"}]}), fields=("answers.0.evidence.0.url",)),
        c("data url", "POST", ASSESSMENTS, 422, assess({"answers.0.evidence": [{"url": "data:text/html,hi"}]}), fields=("answers.0.evidence.0.url",)),
        c("11 evidence links", "POST", ASSESSMENTS, 422, assess(_with_evidence(11)), fields=("answers.0.evidence",)),
        # the framework and its questions
        c("unknown framework", "POST", ASSESSMENTS, 422, assess({"framework_id": "ldd-1999"}), fields=("framework_id",)),
        c(
            "unknown question",
            "POST",
            ASSESSMENTS,
            422,
            assess({"answers.0.question_id": "P9-Q9"}),
            fields=("answers.0.question_id",),
            mentions=("P9-Q9",),
        ),
        c("missing question", "POST", ASSESSMENTS, 422, assess(_drop_last), fields=("answers",), mentions=("P5-Q4",)),
        c("duplicate question", "POST", ASSESSMENTS, 422, assess(_duplicate_first), fields=("answers.20.question_id",), mentions=("P1-Q1",)),
        c("no answers", "POST", ASSESSMENTS, 422, assess({"answers": []}), fields=("answers",)),
        c("n/a without justification", "POST", ASSESSMENTS, 422, assess({"answers.3.rating": "not_applicable"}), fields=("answers.3.justification",)),
        c(
            "n/a blank justification",
            "POST",
            ASSESSMENTS,
            422,
            assess({"answers.3.rating": "not_applicable", "answers.3.justification": "   "}),
            fields=("answers.3.justification",),
        ),
        c("every answer n/a", "POST", ASSESSMENTS, 422, assess(_all_not_applicable), fields=("answers",)),
        # export formats and contract dates
        c("unknown export format", "PUT", NEW_COMPONENT, 422, comp(data__export_formats=["csv", "docbook"]), fields=("data.export_formats.1",)),
        c("unknown export format first", "PUT", COMPONENT, 422, comp(data__export_formats=["lotus-123"]), fields=("data.export_formats.0",)),
        c("contract ends before start", "PUT", NEW_COMPONENT, 422, comp(contract__end="2025-03-31"), fields=("contract.end",)),
        c("impossible date", "PUT", NEW_COMPONENT, 422, comp(contract__start="2026-02-30"), fields=("contract.start",)),
        c("day-first date", "PUT", ORG, 422, org_body(declaration_signed_on="15/03/2026"), fields=("declaration_signed_on",)),
        c("unpadded date", "PUT", NEW_COMPONENT, 422, comp(exit_plan__last_reviewed="2026-3-5"), fields=("exit_plan.last_reviewed",)),
        c("datetime for date", "PUT", NEW_COMPONENT, 422, comp(contract__end="2027-03-31T00:00:00Z"), fields=("contract.end",)),
        c(
            "evidence bad date",
            "POST",
            ASSESSMENTS,
            422,
            assess(_with_evidence(1, valid_until="15/03/2026")),
            fields=("answers.0.evidence.0.valid_until",),
        ),
        c("not a leap year", "PUT", ORG, 422, org_body(declaration_signed_on="2023-02-29"), fields=("declaration_signed_on",)),
        # identifiers chosen by the client
        c("org id uppercase", "PUT", "/orgs/Bad-Org", 422, org_body(), fields=("org_id",)),
        c("org id underscore", "PUT", "/orgs/bad_org", 422, org_body(), fields=("org_id",)),
        c("org id leading hyphen", "PUT", "/orgs/-lead", 422, org_body(), fields=("org_id",)),
        c("org id one char", "PUT", "/orgs/a", 422, org_body(), fields=("org_id",)),
        c("org id 64 chars", "PUT", "/orgs/" + "a" * 64, 422, org_body(), fields=("org_id",)),
        c("component id uppercase", "PUT", SERVICE + "/components/Casebook", 422, comp(), fields=("component_id",)),
        c("component id underscore", "PUT", SERVICE + "/components/case_book", 422, comp(), fields=("component_id",)),
        c("component id leading hyphen", "PUT", SERVICE + "/components/-case", 422, comp(), fields=("component_id",)),
        c("component id 64 chars", "PUT", SERVICE + "/components/" + "c" * 64, 422, comp(), fields=("component_id",)),
        # PATCH: required fields cannot be removed
        c("patch name null", "PATCH", SERVICE, 422, {"name": None}, headers=IF_MATCH, fields=("name",)),
        c("patch owner null", "PATCH", SERVICE, 422, {"owner_email": None}, headers=IF_MATCH, fields=("owner_email",)),
        c("patch department null", "PATCH", SERVICE, 422, {"department": None, "name": "x"}, headers=IF_MATCH, fields=("department",)),
    ]


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


LIST_ROUTES = ["/orgs", SERVICES, ASSESSMENTS]
BAD_LIMITS = ["0", "101", "abc", "-1", "1.5", "", "1e2", "%20"]
BAD_CURSORS = ["!!!", "abc", "not-a-cursor", _cursor([1]), _cursor([]), _cursor(["a", "b"]), _cursor({"k": "v"}), ""]


def _query_cases() -> list[Case]:
    cases = []
    for route in LIST_ROUTES:
        cases += [Case(f"limit={v!r} {route}", "GET", f"{route}?limit={v}", 400) for v in BAD_LIMITS]
        cases += [Case(f"cursor={v!r} {route}", "GET", f"{route}?cursor={v}", 400) for v in BAD_CURSORS]
    cases += [
        Case("scorecard format xml", "GET", ORG + "/scorecard?format=xml", 400),
        Case("scorecard format pdf", "GET", ORG + "/scorecard?format=pdf", 400),
    ]
    return cases


def _routing_cases() -> list[Case]:
    c = Case
    return [
        c("unknown path", "GET", "/nope", 404),
        c("unknown nested path", "GET", SERVICE + "/nope", 404),
        c("unknown path POST", "POST", "/frameworks/ldd-2018/questions", 404, body={}),
        # Methods a path does not define (405 with Allow); assessments are immutable
        c("DELETE org", "DELETE", "/orgs/x", 405),
        c("DELETE existing org", "DELETE", ORG, 405),
        c("POST org", "POST", ORG, 405, body=org_body()),
        c("PURGE org", "PURGE", ORG, 405),
        c("DELETE orgs", "DELETE", "/orgs", 405),
        c("POST health", "POST", "/health", 405, body={}),
        c("PUT assessment", "PUT", ASSESSMENTS + "/{aid}", 405, body={}),
        c("PATCH assessment", "PATCH", ASSESSMENTS + "/{aid}", 405, body={}),
        c("DELETE assessment", "DELETE", ASSESSMENTS + "/{aid}", 405),
        c("DELETE assessments", "DELETE", ASSESSMENTS, 405),
        c("DELETE service", "DELETE", SERVICE, 405),
        c("PUT service", "PUT", SERVICE, 405, body=service_body()),
        c("POST scorecard", "POST", ORG + "/scorecard", 405, body={}),
        c("PATCH component", "PATCH", COMPONENT, 405, body={}),
        # preconditions
        c("PATCH without If-Match", "PATCH", SERVICE, 428, {"name": "Renamed"}),
        c("PATCH stale If-Match", "PATCH", SERVICE, 412, {"name": "Renamed"}, headers={"If-Match": '"0123456789abcdef"'}),
        c("PATCH weak If-Match", "PATCH", SERVICE, 412, {"name": "Renamed"}, headers={"If-Match": 'W/"x"'}),
        c("PUT component If-Match missing component", "PUT", NEW_COMPONENT, 412, comp(), headers={"If-Match": "{cetag}"}),
        c("PUT component stale If-Match", "PUT", COMPONENT, 412, comp(product="Other"), headers={"If-Match": '"stale"'}),
        c("PUT component service ETag", "PUT", COMPONENT, 412, comp(product="Other"), headers={"If-Match": "{etag}"}),
        # unknown resources
        c("unknown org", "GET", "/orgs/nowhere", 404),
        c("unknown org services", "GET", "/orgs/nowhere/services", 404),
        c("service in unknown org", "POST", "/orgs/nowhere/services", 404, service_body()),
        c("unknown service", "GET", SERVICES + "/{missing}", 404),
        c("known service, other org", "GET", "/orgs/nowhere/services/{sid}", 404),
        c("patch unknown service", "PATCH", SERVICES + "/{missing}", 404, {"name": "x"}, headers=IF_MATCH),
        c("components of unknown service", "GET", SERVICES + "/{missing}/components", 404),
        c("component on unknown service", "PUT", SERVICES + "/{missing}/components/casebook", 404, comp()),
        c("component in other org", "PUT", "/orgs/nowhere/services/{sid}/components/x", 404, comp()),
        c("unknown component", "GET", SERVICE + "/components/nothing", 404),
        c("delete unknown component", "DELETE", SERVICE + "/components/nothing", 404),
        c("assess unknown service", "POST", SERVICES + "/{missing}/assessments", 404, assess({})),
        c("assessments of unknown service", "GET", SERVICES + "/{missing}/assessments", 404),
        c("unknown assessment", "GET", ASSESSMENTS + "/{missing}", 404),
        c("assessment of another service", "GET", SERVICES + "/{missing}/assessments/{aid}", 404),
        c("scorecard of unknown service", "GET", SERVICES + "/{missing}/scorecard", 404),
        c("scorecard of unknown org", "GET", "/orgs/nowhere/scorecard", 404),
        c("csv of unknown org", "GET", "/orgs/nowhere/scorecard?format=csv", 404),
        c("unknown framework", "GET", "/frameworks/ldd-1999", 404),
    ]


GROUPS = {
    "body parsing": _body_cases(),
    "validation": _validation_cases(),
    "list and query parameters": _query_cases(),
    "routing, preconditions and unknown ids": _routing_cases(),
}


def _check(world: World, case: Case) -> None:
    payload = case.body(world) if callable(case.body) else case.body
    headers = {k: world.fmt(v) for k, v in (case.headers or {}).items()}
    before = table_items()
    path = world.fmt(case.path)
    # The caller belongs to the organisation in the path, so a missing one is a 404, not a 403.
    org = path.split("/")[2].split("?")[0] if path.startswith("/orgs/") else "testshire"
    response = world.client.request(case.method, path, body=payload, raw=case.raw, headers=headers, org=org)
    assert_problem(response, case.status, case.fields, case.mentions)
    if case.status == 405:
        allow = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        assert allow, "405 without Allow"
        assert case.method not in allow, allow
    assert table_items() == before, "the failed request changed the table"


@pytest.mark.parametrize("group", list(GROUPS))
def test_bad_requests_are_problems_and_change_nothing(world, group):
    """One world per group (fixtures cost far more than requests); every case is checked and
    every failing case is reported by its id."""
    failures = []
    for case in GROUPS[group]:
        try:
            _check(world, case)
        except AssertionError as error:
            failures.append(f"[{case.id}] {case.method} {world.fmt(case.path)}: {str(error).splitlines()[0][:400]}")
    assert not failures, f"{len(failures)} of {len(GROUPS[group])} cases failed:\n" + "\n".join(failures)


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_a_cursor_of_the_wrong_shape_is_400(world, route):
    """Issued cursors encode a one-element JSON array; a one-character JSON string is not one."""
    before = table_items()
    assert_problem(world.client.get(world.fmt(f"{route}?cursor={_cursor('x')}")), 400)
    assert table_items() == before


def test_the_bad_requests_are_otherwise_valid(world):
    """The cases above break one thing each: the same requests with valid values succeed."""
    c, w = world.client, world
    base = f"/orgs/{w.org}/services/{w.sid}"
    assert c.put(f"{base}/components/new-one", component_body()).status_code == 201
    assert c.put(f"/orgs/{'a' * 63}", org_body()).status_code == 201
    assert c.put(f"{base}/components/{'c' * 63}", component_body()).status_code == 201
    assert c.put(f"{base}/components/x", component_body()).status_code == 201
    long_ok = component_body(supplier="s" * 200, contract={**component_body()["contract"], "annual_cost_gbp": 0})
    assert c.put(f"{base}/components/limits", long_ok).status_code == 201
    document = copy.deepcopy(w.assessment)
    document["answers"][0]["evidence"] = [
        {"url": "https://evidence.example/" + "a" * (2000 - len("https://evidence.example/")), "title": "t" * 200}
    ] + [{"url": f"http://evidence.example/{i}", "valid_until": "2026-12-31"} for i in range(9)]
    document["answers"][1]["notes"] = "n" * 4000
    document["answers"][3].update(rating="not_applicable", justification="j" * 4000)
    assert c.post(f"{base}/assessments", document).status_code == 201
    assert c.post(f"/orgs/{w.org}/services", service_body(name="x" * 200, description="d" * 4000)).status_code == 201
    merge = {"Content-Type": "application/merge-patch+json", "If-Match": w.etag}
    assert c.patch(base, {"description": None}, headers=merge).status_code == 200


def test_patch_with_the_etag_from_before_an_edit_is_412(world):
    c, base = world.client, f"/orgs/{world.org}/services/{world.sid}"
    first = c.patch(base, {"name": "Renamed once"}, headers={"If-Match": world.etag})
    assert first.status_code == 200, first.body
    before = table_items()
    again = c.patch(base, {"name": "Renamed twice"}, headers={"If-Match": world.etag})
    assert_problem(again, 412)
    assert table_items() == before
    assert body(c.get(base))["name"] == "Renamed once"


def test_put_component_with_the_etag_from_before_a_replace_is_412(world):
    c, path = world.client, f"/orgs/{world.org}/services/{world.sid}/components/casebook"
    replaced = c.put(path, component_body(product="Casebook 2"), headers={"If-Match": world.component_etag})
    assert replaced.status_code == 200, replaced.body
    before = table_items()
    stale = c.put(path, component_body(product="Casebook 3"), headers={"If-Match": world.component_etag})
    assert_problem(stale, 412)
    assert table_items() == before
    assert body(c.get(path))["product"] == "Casebook 2"


def test_the_51st_component_is_refused(client, org, service_id):
    base = f"/orgs/{org}/services/{service_id}/components"
    for i in range(50):
        assert client.put(f"{base}/c{i:02d}", component_body(product=f"Product {i}")).status_code == 201
    before = table_items()
    refused = client.put(f"{base}/c50", component_body())
    assert_problem(refused, 422)
    assert table_items() == before
    # Replacing one of the 50 is still allowed; the list holds exactly 50.
    assert client.put(f"{base}/c49", component_body(product="Replaced")).status_code == 200
    assert len(body(client.get(base))["items"]) == 50
    # After a delete there is room again.
    assert client.delete(f"{base}/c00").status_code == 204
    assert client.put(f"{base}/c50", component_body()).status_code == 201
