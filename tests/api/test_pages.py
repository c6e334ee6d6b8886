"""The pages under /app (GOV.UK Design System HTML), end to end over moto through chalice's test
client: sign-in and the session cookie, who sees which page, what the dashboard and the forms
show and store, CSRF, escaping and the request budget of the dashboard.

The JSON API's "every route" tests (test_permissions.py, test_request_budgets.py,
test_api_openapi.py) leave the /app routes to this module: `test_every_page_has_an_expectation`
fails for a page without a row in ALLOWED.

One table and one app for the module; each test that writes uses its own service or checks
that nothing was stored, so the tests do not depend on each other's order. The request-budget
test loads a 1,000-service organisation and comes last."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from datetime import date, timedelta

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

from chalicelib import bootstrap, config
from chalicelib.adapters import oidc_client
from chalicelib.adapters.dynamodb import keys
from chalicelib.domain.access import Principal
from chalicelib.domain.model import Answer
from chalicelib.domain.plain import from_plain
from chalicelib.web import rendering, session
from devserver.gateway import chalice_client
from tests.api.conftest import NOW, ROOT, Api, assessment_body, body, component_body, org_body, service_body, table_items
from tests.api.pages_support import (
    FLASH_COOKIE,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    Browser,
    TickingClock,
    cookie_attributes,
    cookie_named,
    csrf_token_of,
    error_summary_links,
    page,
    requests_of,
    title_of,
)
from tests.bulkload import bulk_load
from tests.conftest import IDENTITY
from tests.dynamo_requests import RECORDER
from tests.fakes import InMemoryStore

BASE_URL = "https://tracker.example"
OWNER = "owner@own.example"
FRAMEWORK_ID = "ldd-2018"

WHO = {
    "platform": {"roles": ("platform_admin",), "org": None, "email": "platform@tracker.example"},
    "admin": {"roles": ("admin",), "org": "own", "email": "admin@own.example"},
    "leadership": {"roles": ("leadership",), "org": "own", "email": "cdo@own.example"},
    "owner": {"roles": ("service_owner",), "org": "own", "email": OWNER},
    "other_owner": {"roles": ("service_owner",), "org": "own", "email": "someone@own.example"},
    "other_admin": {"roles": ("admin",), "org": "other", "email": "admin@other.example"},
}

# Who may use each page of organisation "own" (the service is OWNER's). The same rules as the
# API's role table: the pages call the same use cases.
# Sign-out needs no valid session (a stale cookie is cleared all the same); see its own tests.
# The accessibility statement and the cookies page are for anyone, signed in or not.
PUBLIC = {
    ("GET", "/app/sign-in"),
    ("GET", "/app/callback"),
    ("GET", "/app/signed-out"),
    ("POST", "/app/sign-out"),
    ("GET", "/app/accessibility"),
    ("GET", "/app/cookies"),
}
EVERYONE = set(WHO)  # every signed-in person (a platform admin is sent away by the page itself)
MEMBERS = {"admin", "leadership", "owner", "other_owner"}
LEADERS = {"admin", "leadership"}
EDITORS = {"admin", "owner"}
SERVICE = "/app/orgs/{org_id}/services/{service_id}"
ALLOWED = {
    ("GET", "/app"): EVERYONE - {"platform"},  # these pages are for a council's staff
    ("GET", "/app/orgs/{org_id}"): LEADERS,
    ("GET", "/app/orgs/{org_id}/scorecard.csv"): LEADERS,
    ("GET", "/app/orgs/{org_id}/services"): MEMBERS,
    # as POST /orgs/{org_id}/services: admins, and owners registering their own services
    ("GET", "/app/orgs/{org_id}/new-service"): {"admin", "owner", "other_owner"},
    ("POST", "/app/orgs/{org_id}/new-service"): {"admin", "owner", "other_owner"},
    ("GET", SERVICE): MEMBERS,
    ("GET", SERVICE + "/assessment"): EDITORS,
    ("GET", SERVICE + "/assessment/principles/{principle_id}"): EDITORS,
    ("POST", SERVICE + "/assessment/principles/{principle_id}"): EDITORS,
    ("GET", SERVICE + "/assessment/check-your-answers"): EDITORS,
    ("POST", SERVICE + "/assessment/check-your-answers"): EDITORS,
    ("GET", SERVICE + "/new-component"): EDITORS,
    ("POST", SERVICE + "/new-component"): EDITORS,
    ("GET", SERVICE + "/components/{component_id}"): EDITORS,
    ("POST", SERVICE + "/components/{component_id}"): EDITORS,
    ("GET", SERVICE + "/assessments/{assessment_id}"): MEMBERS,
    ("GET", SERVICE + "/components/{component_id}/remove"): EDITORS,
    ("POST", SERVICE + "/components/{component_id}/remove"): EDITORS,
    ("GET", SERVICE + "/retirement"): EDITORS,
    ("POST", SERVICE + "/retirement"): EDITORS,
}

# A complete component form, as a person fills it in (export_formats: two ticked boxes).
COMPONENT_FORM = [
    ("supplier", "Acme Ltd"),
    ("product", "Casebook"),
    ("kind", "saas"),
    ("hosting", "public_cloud"),
    ("has_contract", "yes"),
    ("contract-start-day", "1"),
    ("contract-start-month", "4"),
    ("contract-start-year", "2025"),
    ("contract-end-day", "31"),
    ("contract-end-month", "3"),
    ("contract-end-year", "2027"),
    ("auto_renew", "yes"),
    ("annual_cost_gbp", "12,000"),
    ("open_api", "no"),
    ("api_documented", "no"),
    ("api_extra_charge", "no"),
    ("export_formats", "csv"),
    ("export_formats", "json"),
    ("free_bulk_export", "yes"),
    ("open_standards", ""),
    ("exit_plan_exists", "no"),
    ("customisation", "configuration"),
    ("source_code", "closed"),
]


# The app, the people and the data ------------------------------------------------------------


@pytest.fixture(scope="module")
def api(aws):
    """One table and one app for the module, with the pages' sign-in settings."""
    from app import app
    from chalicelib.adapters.dynamodb.models import OrgItem
    from chalicelib.adapters.dynamodb.tables import create_tables

    with pytest.MonkeyPatch.context() as env:
        env.setenv("OIDC_CLIENT_ID", IDENTITY.audience)
        env.setenv("APP_BASE_URL", BASE_URL)
        with RECORDER.paused():
            if OrgItem.exists():
                OrgItem.delete_table()
            create_tables()
        bootstrap.use(bootstrap.build(clock=TickingClock(NOW)))
        with chalice_client(app, project_dir=str(ROOT)) as test_client:
            yield Api(test_client.http, IDENTITY)
        bootstrap.use(None)
        with RECORDER.paused():
            OrgItem.delete_table()


def token_of(who: str, **claims) -> str:
    identity = WHO[who]
    return IDENTITY.token(sub=f"user-{who}", roles=identity["roles"], org=identity["org"], email=identity["email"], **claims)


def as_(api: Api, who: str | None) -> Browser:
    return Browser(api.http, token_of(who) if who else None)


@pytest.fixture(scope="module")
def world(api):
    """Organisation "own" (services ranked by score) with three services: OWNER's, assessed
    green, with component "crm"; a red one; one not assessed. And organisation "other"."""
    assert api.put("/orgs/own", org_body(name="Own Council", rank_services=True), org="own").status_code == 201
    assert api.put("/orgs/other", org_body(name="Other Council"), org="other").status_code == 201

    def service(name, department, owner, rating=None):
        made = api.post("/orgs/own/services", service_body(name=name, department=department, owner_email=owner), org="own")
        service_id = body(made)["service_id"]
        if rating:
            answered = api.post(f"/orgs/own/services/{service_id}/assessments", assessment_body(api, rating=rating), org="own")
            assert answered.status_code == 201, answered.body
        return service_id

    owned = service("Parking permits", "Environment", OWNER, "green")
    red = service("Blue badges", "Adults", "someone@own.example", "red")
    unassessed = service("Bulky waste", "Environment", "someone@own.example")
    assert api.put(f"/orgs/own/services/{owned}/components/crm", component_body(), org="own").status_code == 201
    other = body(api.post("/orgs/other/services", service_body(), org="other"))["service_id"]
    assessed = body(api.get(f"/orgs/own/services/{owned}/assessments", org="own"))["items"][0]["assessment_id"]
    return {
        "own": {"org_id": "own", "service_id": owned, "component_id": "crm", "assessment_id": assessed, "principle_id": "P1"},
        "other": {"org_id": "other", "service_id": other, "component_id": "crm", "assessment_id": assessed, "principle_id": "P1"},
        "red": red,
        "unassessed": unassessed,
    }


def fresh_service(api: Api, name: str = "Garden waste", owner: str = OWNER) -> str:
    made = api.post("/orgs/own/services", service_body(name=name, owner_email=owner), org="own")
    assert made.status_code == 201, made.body
    return body(made)["service_id"]


def framework():
    return bootstrap.use_cases().context.current_framework


def is_html_page(response, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers["Content-Type"].startswith("text/html")
        and page(response).find_all("html")[0].has_class("govuk-template")
    )


def assert_security_headers(response):
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "form-action 'self'" in policy


# Every page has an expectation -----------------------------------------------------------------


def test_every_page_has_an_expectation():
    from app import app
    from chalicelib.web.page import PAGES

    served = {(method, path) for path, methods in app.routes.items() for method in methods if path.startswith("/app")}
    assert served == set(PAGES) | PUBLIC, "routes under /app that are neither pages nor public"
    assert set(PAGES) == set(ALLOWED), "pages without a row in ALLOWED, or rows for pages that no longer exist"


# Signed out -------------------------------------------------------------------------------------


def _expired_token() -> str:
    now = int(time.time())
    return IDENTITY.token(iat=now - 7200, exp=now - 3600)


@pytest.mark.parametrize("cookie", [None, "garbage", "expired", "other-audience"])
def test_without_a_valid_session_every_page_sends_the_browser_to_sign_in(api, world, cookie):
    token = {
        None: None,
        "garbage": "not.a.token",
        "expired": _expired_token(),
        "other-audience": IDENTITY.token(aud="someone-else"),
    }[cookie]
    browser = Browser(api.http, token)
    before = table_items()
    for method, path in sorted(ALLOWED):
        url = path.format(**world["own"])
        if method == "GET":
            response = browser.get(url + "?department=Adults")
            assert response.status_code == 303, (method, path, response.status_code)
            expected = "/app/sign-in?" + urllib.parse.urlencode({"next": url + "?department=Adults"})
            assert response.headers["Location"] == expected, path
        else:
            # A form posted after the session ended: a page saying so, with a way to sign in
            # again. Not a redirect, which would carry the form to the identity provider.
            response = browser.post(url, {"supplier": "x"}, csrf="anything")
            assert is_html_page(response, 401), (method, path)
            assert "Your session has ended" in page(response).text()
            links = [a.attrs["href"] for a in page(response).find_all("a") if "/app/sign-in?" in a.attrs.get("href", "")]
            assert [urllib.parse.parse_qs(urllib.parse.urlsplit(h).query) for h in links] == [{"next": [url]}]
        assert cookie_named(response, SESSION_COOKIE) is None
    assert table_items() == before


# Who sees what ---------------------------------------------------------------------------------


def _page_request(browser: Browser, method: str, path: str, values: dict):
    url = path.format(**values)
    if method == "GET":
        return browser.get(url)
    # A form with nothing filled in: allowed people get it back with errors (nothing stored).
    # The assessment's pages save into a draft, so theirs names a draft version that is not
    # there: refused (412) for those allowed, and nothing stored.
    fields = {"etag": '"not-the-draft"'} if "/assessment/" in path else {}
    return browser.post(url, fields, csrf=session.csrf_token(browser.token))


@pytest.mark.parametrize("method,path", sorted(ALLOWED))
def test_each_role_reaches_exactly_the_pages_the_role_table_allows(api, world, method, path):
    outcomes = []
    for org in ("own", "other"):
        for who in WHO:
            if who == "other_admin" and org == "other":
                continue  # the admin there: as "admin" is here
            allowed = who in ALLOWED[(method, path)] and (org == "own" or "{org_id}" not in path)
            before = table_items()
            response = _page_request(as_(api, who), method, path, world[org])
            if allowed:
                ok = response.status_code not in (401, 403) and response.status_code < 500
            else:
                ok = is_html_page(response, 403) and table_items() == before
                ok = ok and "You cannot see this page" in title_of(response)
            if not ok:
                outcomes.append(f"{who} on {org}: {response.status_code} (allowed: {allowed})")
    assert not outcomes, f"{method} {path}: " + "; ".join(outcomes)


def test_the_start_page_sends_leaders_to_the_dashboard_and_others_to_the_services(api, world):
    assert as_(api, "leadership").get("/app").headers["Location"] == "/app/orgs/own"
    assert as_(api, "owner").get("/app").headers["Location"] == "/app/orgs/own/services"


def test_only_editors_are_offered_the_forms(api, world):
    url = SERVICE.format(**world["own"])
    for who, offered in [("admin", True), ("owner", True), ("leadership", False), ("other_owner", False)]:
        response = as_(api, who).get(url)
        assert response.status_code == 200
        links = {a.attrs.get("href") for a in page(response).find_all("a")}
        assert (url + "/assessment" in links) is offered, who
        assert (url + "/new-component" in links) is offered, who


def test_links_and_buttons_say_what_they_do_and_to_what(api, world):
    """Visible text stays short; hidden text finishes it for a screen reader's list of links."""
    url = SERVICE.format(**world["own"])
    named = {a.attrs["href"]: a.text() for a in page(as_(api, "owner").get(url)).find_all("a")}
    assert named[url + "/components/crm"] == "Change component Acme Ltd Casebook"
    assert named[url + "/assessment"] == "Submit an assessment of Parking permits"
    assert named[url + "/new-component"] == "Add a component to Parking permits"


@pytest.mark.parametrize(
    "path, status",
    [
        ("/app/orgs/own/services/01ARZ3NDEKTSV4RRFFQ69G5FAV", 404),  # no such service
        ("/app/orgs/own/services/not-an-id", 404),  # cannot be a service
        ("/app/orgs/own/services/01ARZ3NDEKTSV4RRFFQ69G5FAV/components/crm", 404),
        ("/app/orgs/nowhere", 403),  # not the admin's organisation: refused before it is looked up
    ],
)
def test_what_is_not_there_is_an_html_error_page(api, world, path, status):
    assert is_html_page(as_(api, "admin").get(path), status)


# The dashboard and its CSV -----------------------------------------------------------------------


def test_the_dashboard_shows_the_organisations_scorecard(api, world):
    card = body(api.get("/orgs/own/scorecard", org="own"))
    response = as_(api, "leadership").get("/app/orgs/own")
    assert response.status_code == 200
    doc = page(response)
    assert title_of(response).startswith("Dashboard")

    headline = doc.by_id("headline").text()
    assert f"Average score {rendering.number(card['average_score'])} out of 100" in headline
    assert "Services assessed 2 of 3" in headline

    # Ranked (the organisation chose rank_services): the same order as the API's scorecard.
    rows = doc.by_id("services").find_all("tbody")[0].find_all("tr")
    shown = [row.find_all("a")[0].attrs["href"].rsplit("/", 1)[-1] for row in rows]
    assert shown == [s["service_id"] for s in card["services"]]
    assert shown == [world["own"]["service_id"], world["red"], world["unassessed"]]  # green, red, not assessed

    # The shipped benchmark set is illustrative and says so.
    warnings = doc.with_class("govuk-warning-text")
    assert any("Illustrative figures" in w.text() for w in warnings)

    # The trend chart is one image with a name.
    charts = [svg for svg in doc.find_all("svg") if svg.attrs.get("role") == "img"]
    assert charts and all(svg.find_all("title") and svg.find_all("title")[0].text() for svg in charts)


def test_the_dashboard_lists_the_declaration_projects(api, world):
    project = {"title": "One front door <for residents>", "partners": ["LOTI"], "mission": "Ask once.", "impact": "Fewer calls."}
    assert api.post("/orgs/own/declaration-projects", project, org="own").status_code == 201
    table = page(as_(api, "leadership").get("/app/orgs/own")).by_id("declaration-projects")
    assert "One front door <for residents>" in table.text() and "LOTI" in table.text()


def test_a_department_narrows_the_dashboard(api, world):
    response = as_(api, "admin").get("/app/orgs/own?department=Adults")
    assert response.status_code == 200
    rows = page(response).by_id("services").find_all("tbody")[0].find_all("tr")
    assert [row.find_all("a")[0].attrs["href"].rsplit("/", 1)[-1] for row in rows] == [world["red"]]


@pytest.mark.parametrize("query", ["", "?department=Environment"])
def test_the_csv_download_is_the_apis_csv(api, world, query):
    from_api = api.get(f"/orgs/own/scorecard?format=csv{'&' + query[1:] if query else ''}", org="own")
    response = as_(api, "leadership").get(f"/app/orgs/own/scorecard.csv{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.body == from_api.body
    assert len(response.body.decode().splitlines()) > 1


# The assessment form -------------------------------------------------------------------------------


def _principle_answers(principle_id: str, overrides: dict | None = None) -> dict:
    """Form fields rating every question of one principle, with a spread of ratings."""
    questions = [q for q in framework().questions if q.principle_id == principle_id]
    fields = {f"{q.question_id}-rating": ("green", "amber", "red")[n % 3] for n, q in enumerate(questions)}
    return {**fields, **(overrides or {})}


def _assessment_url(service_id: str, rest: str = "") -> str:
    return f"/app/orgs/own/services/{service_id}/assessment{rest}"


def _statuses(response) -> list[str]:
    return [" ".join(s.text().split()) for s in page(response).with_class("govuk-task-list__status")]


def _checked(doc, name: str) -> list[str]:
    return [i.attrs["value"] for i in doc.find_all("input") if i.attrs.get("name") == name and "checked" in i.attrs]


def test_the_task_list_has_a_task_per_principle_and_each_page_asks_its_own_questions(api, world):
    service_id = fresh_service(api, "Assessed afresh")
    tasks = as_(api, "owner").get(_assessment_url(service_id))
    assert tasks.status_code == 200
    assert _statuses(tasks) == ["Not started"] * len(framework().principles)
    links = [a.attrs["href"] for a in page(tasks).find_all("a") if "/principles/" in a.attrs.get("href", "")]
    assert links == [_assessment_url(service_id, f"/principles/{p.principle_id}") for p in framework().principles]
    doc = page(as_(api, "owner").get(links[0]))
    asked = [q for q in framework().questions if q.principle_id == "P1"]
    radio_groups = {i.attrs["name"] for i in doc.find_all("input") if i.attrs.get("type") == "radio"}
    assert radio_groups == {f"{q.question_id}-rating" for q in asked}
    for q in asked:
        choices = [i.attrs["value"] for i in doc.find_all("input") if i.attrs.get("name") == f"{q.question_id}-rating"]
        assert choices == ["green", "amber", "red", "not_applicable"] and not _checked(doc, f"{q.question_id}-rating")
        hint = " ".join(doc.by_id(f"question-{q.question_id}").text().split())
        assert all(f" {r.point}, {r.title}" in hint for r in q.references), q.question_id
        # The reason it does not apply is asked only with not applicable (GOV.UK conditional reveal).
        reveal = doc.by_id(f"conditional-{q.question_id}-rating-4")
        assert reveal is not None and reveal.find_all("textarea")[0].attrs["name"] == f"{q.question_id}-justification"
        assert doc.by_id(f"{q.question_id}-evidence-1-valid-until") is not None


def test_a_principle_pages_errors_are_shown_together_and_nothing_is_stored(api, world):
    service_id = fresh_service(api, "Assessed with mistakes")
    url = _assessment_url(service_id, "/principles/P1")
    before = table_items()
    response = as_(api, "owner").post(
        url,
        {
            "P1-Q1-notes": "No rating yet",
            "P1-Q2-rating": "not_applicable",
            "P1-Q3-rating": "green",
            "P1-Q3-evidence-1-url": "not a link",
            "P1-Q3-evidence-2-url": "https://council.example/ok",
            "P1-Q3-evidence-2-valid-until-day": "31",
            "P1-Q3-evidence-2-valid-until-month": "2",
            "P1-Q3-evidence-2-valid-until-year": "2027",
        },
    )
    assert response.status_code == 422 and title_of(response).startswith("Error: ")
    assert error_summary_links(response) == [
        "#P1-Q1-rating",
        "#P1-Q2-justification",
        "#P1-Q3-evidence-1-url",
        "#P1-Q3-evidence-2-valid-until-day",
    ]
    assert page(response).by_id("P1-Q1-notes").text() == "No rating yet"  # what was entered is kept
    assert table_items() == before


def test_a_reassessment_starts_from_the_latest_assessment_and_says_which_answers_came_from_it(api, world):
    service_id = fresh_service(api, "Reassessed")
    previous = assessment_body(api, rating="amber", P1_Q2="not_applicable")
    previous["answers"][0].update(
        notes="Checked with residents.",
        evidence=[{"url": "https://council.example/research", "title": "Research", "valid_until": "2027-03-31"}],
    )
    assert api.post(f"/orgs/own/services/{service_id}/assessments", previous, org="own").status_code == 201
    tasks = as_(api, "owner").get(_assessment_url(service_id))
    assert _statuses(tasks) == ["Completed"] * len(framework().principles)
    assert f"20 of 20 answers are from the assessment of {rendering.day(NOW)}" in " ".join(page(tasks).text().split())
    doc = page(as_(api, "owner").get(_assessment_url(service_id, "/principles/P1")))
    assert _checked(doc, "P1-Q1-rating") == ["amber"] and _checked(doc, "P1-Q2-rating") == ["not_applicable"]
    assert doc.by_id("P1-Q2-justification").text() == "Not part of this service."
    assert doc.by_id("P1-Q1-notes").text() == "Checked with residents."
    filled = {i.attrs["name"]: i.attrs.get("value") for i in doc.find_all("input") if i.attrs.get("name", "").startswith("P1-Q1-evidence-1")}
    assert filled == {
        "P1-Q1-evidence-1-url": "https://council.example/research",
        "P1-Q1-evidence-1-title": "Research",
        "P1-Q1-evidence-1-valid-until-day": "31",
        "P1-Q1-evidence-1-valid-until-month": "3",
        "P1-Q1-evidence-1-valid-until-year": "2027",
    }
    assert f"From the assessment of {rendering.day(NOW)}" in " ".join(doc.by_id("question-P1-Q1").text().split())


def test_each_principle_saves_into_the_draft_and_check_your_answers_submits_exactly_it(api, world):
    service_id = fresh_service(api, "Assessed in steps")
    twin = fresh_service(api, "Assessed through the API")
    browser = as_(api, "owner")
    principles = [p.principle_id for p in framework().principles]
    evidence = {
        "P1-Q1-evidence-1-url": "https://council.example/evidence/1",
        "P1-Q1-evidence-1-title": "Assurance report",
        "P1-Q1-evidence-1-valid-until-day": "30",
        "P1-Q1-evidence-1-valid-until-month": "6",
        "P1-Q1-evidence-1-valid-until-year": "2027",
        "P1-Q2-rating": "not_applicable",
        "P1-Q2-justification": "We do not hold this data.",
    }
    sent = {}
    for n, principle_id in enumerate(principles):
        fields = _principle_answers(principle_id, evidence if principle_id == "P1" else None)
        sent.update(fields)
        saved = _save_principle(browser, service_id, principle_id, fields)
        assert saved.status_code == 303, saved.body
        assert saved.headers["Location"] == _assessment_url(service_id, "")
        assert f"principle-saved.{service_id}/{principle_id}" in cookie_named(saved, FLASH_COOKIE)
        statuses = _statuses(browser.get(_assessment_url(service_id)))
        assert statuses == ["Completed"] * (n + 1) + ["Not started"] * (len(principles) - n - 1)
    assert api.get(f"/orgs/own/services/{service_id}/assessments", org="own").status_code == 200
    assert body(api.get(f"/orgs/own/services/{service_id}/assessments", org="own"))["items"] == []  # nothing submitted yet

    check = browser.get(_assessment_url(service_id, "/check-your-answers"))
    shown = " ".join(page(check).text().split())
    assert check.status_code == 200 and "Assurance report" in shown and "valid until 30 June 2027" in shown
    changes = {a.attrs["href"] for a in page(check).find_all("a")}
    assert {_assessment_url(service_id, f"/principles/{q.principle_id}#question-{q.question_id}") for q in framework().questions} <= changes
    submitted = browser.post(_assessment_url(service_id, "/check-your-answers"), {"etag": _draft_etag_of(check)})
    assert submitted.status_code == 303, submitted.body
    assert submitted.headers["Location"] == f"/app/orgs/own/services/{service_id}#latest-score"

    stored = body(api.get(f"/orgs/own/services/{service_id}/assessments", org="own"))["items"]
    assert len(stored) == 1
    answers = {a["question_id"]: a for a in stored[0]["answers"]}
    assert {qid: a["rating"] for qid, a in answers.items()} == {q.question_id: sent[f"{q.question_id}-rating"] for q in framework().questions}
    assert answers["P1-Q2"]["justification"] == "We do not hold this data."
    assert answers["P1-Q1"]["evidence"] == [{"url": "https://council.example/evidence/1", "title": "Assurance report", "valid_until": "2027-06-30"}]
    assert answers["P1-Q3"]["justification"] is None
    # The draft went with the submission; the API scores the same answers the same.
    assert api.get(f"/orgs/own/services/{service_id}/assessment-draft", **_owner_api()).status_code == 404
    same = {"framework_id": FRAMEWORK_ID, "answers": stored[0]["answers"]}
    assert body(api.post(f"/orgs/own/services/{twin}/assessments", same, org="own"))["score"] == stored[0]["score"]

    # The service page says so, once: it clears the message, so a reload says nothing.
    shown = as_(api, "owner").follow(submitted)
    overall = rendering.number(stored[0]["score"]["overall"])
    banner = page(shown).with_class("govuk-notification-banner")
    assert banner and f"The service now scores {overall} out of 100" in banner[0].text()
    assert "Max-Age=0" in cookie_attributes(cookie_named(shown, FLASH_COOKIE))
    reloaded = as_(api, "owner").get(f"/app/orgs/own/services/{service_id}")
    assert not page(reloaded).with_class("govuk-notification-banner")

def test_a_save_made_elsewhere_since_the_page_was_shown_is_not_lost(api, world):
    service_id = fresh_service(api, "Assessed on two devices")
    browser = as_(api, "owner")
    shown = browser.get(_assessment_url(service_id, "/principles/P1"))
    elsewhere = _save_principle(browser, service_id, "P2", _principle_answers("P2"))
    assert elsewhere.status_code == 303
    before = table_items()
    response = browser.post(
        _assessment_url(service_id, "/principles/P1"), {**_principle_answers("P1"), "etag": _draft_etag_of(shown)}
    )
    assert is_html_page(response, 412)
    assert table_items() == before


def _save_principle(browser, service_id: str, principle_id: str, fields: dict):
    """As a person does: open the principle's page (which carries the draft's version), then save."""
    url = _assessment_url(service_id, f"/principles/{principle_id}")
    return browser.post(url, {**fields, "etag": _draft_etag_of(browser.get(url))})


def _draft_etag_of(response) -> str:
    return [i.attrs.get("value", "") for i in page(response).find_all("input") if i.attrs.get("name") == "etag"][0]


def _owner_api() -> dict:
    """The API identity of the pages' owner (the same subject, so the same draft)."""
    return {"roles": WHO["owner"]["roles"], "org": "own", "email": WHO["owner"]["email"], "sub": "user-owner"}

# CSRF ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("csrf", [None, "", "forged", "other-session"])
@pytest.mark.parametrize("form", ["assessment/principles/P1", "assessment/check-your-answers", "new-component", "components/crm", "sign-out"])
def test_a_form_without_this_sessions_csrf_token_is_refused(api, world, csrf, form):
    if csrf == "other-session":
        csrf = session.csrf_token(token_of("admin"))  # right for someone else's session
    url = "/app/sign-out" if form == "sign-out" else SERVICE.format(**world["own"]) + "/" + form
    fields = _principle_answers("P1") if form.startswith("assessment") else [("component_id", "csrf-test"), *COMPONENT_FORM]
    before = table_items()
    response = as_(api, "owner").post(url, fields, csrf=csrf)
    assert is_html_page(response, 403)
    assert cookie_named(response, SESSION_COOKIE) is None
    assert table_items() == before


# Escaping ----------------------------------------------------------------------------------------------


def test_what_people_typed_is_shown_as_text_never_as_markup(api, world):
    service_id = fresh_service(api, 'Pay <b>"fines"</b>')
    hostile = "<script>alert(1)</script>"
    answered = assessment_body(api)
    answered["answers"][0]["evidence"] = [{"url": "https://council.example/report", "title": hostile}]
    answered["answers"][0]["notes"] = "<img src=x onerror=alert(2)> & more"
    answered["answers"][1]["rating"] = "not_applicable"
    answered["answers"][1]["justification"] = "</td><script>alert(3)</script>"
    assert api.post(f"/orgs/own/services/{service_id}/assessments", answered, org="own").status_code == 201
    assert api.put(
        f"/orgs/own/services/{service_id}/components/crm",
        component_body(supplier="<script>alert(4)</script>", product="<i>Casebook</i>"),
        org="own",
    ).status_code == 201

    response = as_(api, "admin").get(f"/app/orgs/own/services/{service_id}")
    assert response.status_code == 200
    text = response.body.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(2)&gt; &amp; more" in text
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in text
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in text
    assert "Pay &lt;b&gt;&#34;fines&#34;&lt;/b&gt;" in text or "Pay &lt;b&gt;&quot;fines&quot;&lt;/b&gt;" in text
    doc = page(response)
    # Only the layout's own scripts: GOV.UK Frontend (from the assets) and inline ones with this
    # response's CSP nonce.
    nonce = response.headers["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    for script in doc.find_all("script"):
        assert script.attrs.get("nonce") == nonce or script.attrs.get("src", "").startswith("/assets/"), script.attrs
    assert not doc.find_all("img") and not doc.find_all("b") and not doc.find_all("i")
    assert [a.attrs["href"] for a in doc.find_all("a") if a.text() == hostile] == ["https://council.example/report"]

    # The component form shows the supplier inside a value attribute, escaped too.
    form = as_(api, "admin").get(f"/app/orgs/own/services/{service_id}/components/crm")
    assert [i.attrs["value"] for i in page(form).find_all("input", name="supplier")] == ["<script>alert(4)</script>"]
    assert "<script>alert(4)" not in form.body.decode()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://council.example/report?page=2", "https://council.example/report?page=2"),
        ("http://council.example/", "http://council.example/"),
        ("  https://council.example/x  ", "https://council.example/x"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:msgbox(1)", None),
        ("/app/orgs/own", None),
        ("report.pdf", None),
        ("//evil.example/x", None),
        ("https:///no-host", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_only_absolute_http_links_are_made_links(url, expected):
    assert rendering.safe_href(url) == expected


# The component forms ----------------------------------------------------------------------------------


def test_a_new_component_is_stored_with_its_lock_in_flags(api, world):
    service_id = fresh_service(api, "Components through the form")
    url = f"/app/orgs/own/services/{service_id}/new-component"
    browser = as_(api, "owner")
    assert browser.get(url).status_code == 200

    response = browser.post(url, [("component_id", "case-management"), *COMPONENT_FORM])
    assert response.status_code == 303, response.body
    assert response.headers["Location"] == f"/app/orgs/own/services/{service_id}#components"

    stored = api.get(f"/orgs/own/services/{service_id}/components/case-management", org="own")
    assert stored.status_code == 200
    component = body(stored)
    assert (component["supplier"], component["product"], component["kind"]) == ("Acme Ltd", "Casebook", "saas")
    assert component["contract"] == {"start": "2025-04-01", "end": "2027-03-31", "auto_renew": True, "annual_cost_gbp": 12000}
    assert component["data"]["export_formats"] == ["csv", "json"]
    assert component["exit_plan"] == {"exists": False, "last_reviewed": None}
    # No API, auto-renewal, no exit plan: flagged as the API would flag the same component.
    codes = {f["code"] for f in component["flags"]}
    assert {"NO_OPEN_API", "AUTO_RENEWAL", "NO_EXIT_PLAN"} <= codes

    shown = browser.follow(response)
    assert "Acme Ltd Casebook" in page(shown).by_id("components").parent.text()
    assert "Component Acme Ltd Casebook saved" in page(shown).with_class("govuk-notification-banner")[0].text()


def test_an_empty_component_form_names_every_missing_answer_and_stores_nothing(api, world):
    url = SERVICE.format(**world["own"]) + "/new-component"
    before = table_items()
    response = as_(api, "owner").post(url, {})
    assert response.status_code == 422
    assert title_of(response).startswith("Error: ")
    links = error_summary_links(response)
    required = [
        "component_id", "supplier", "product", "kind", "hosting", "customisation", "source_code", "has_contract",
        "open_api", "api_documented", "api_extra_charge", "free_bulk_export", "exit_plan_exists",
    ]  # fmt: skip
    assert sorted(links) == sorted(f"#{field}" for field in required)
    assert len(links) == len(set(links))
    assert table_items() == before
    # Each link leads to a field on the page.
    ids = {n.attrs.get("id") for n in page(response).walk()}
    assert {link[1:] for link in links} <= ids


def test_a_contract_needs_its_dates_and_cost(api, world):
    url = SERVICE.format(**world["own"]) + "/new-component"
    form = [(k, v) for k, v in COMPONENT_FORM if not k.startswith(("contract-end", "annual_cost_gbp"))]
    before = table_items()
    response = as_(api, "owner").post(url, [("component_id", "half-a-contract"), *form])
    assert response.status_code == 422
    assert sorted(error_summary_links(response)) == ["#annual_cost_gbp", "#contract-end-day"]
    assert table_items() == before


def test_a_new_component_may_not_take_an_existing_name(api, world):
    url = SERVICE.format(**world["own"]) + "/new-component"
    before = table_items()
    response = as_(api, "owner").post(url, [("component_id", "crm"), *COMPONENT_FORM])
    assert response.status_code == 422
    assert error_summary_links(response) == ["#component_id"]
    assert table_items() == before


def test_a_component_is_changed_through_its_prefilled_form(api, world):
    service_id = fresh_service(api, "Changing a component")
    assert api.put(f"/orgs/own/services/{service_id}/components/crm", component_body(), org="own").status_code == 201
    url = f"/app/orgs/own/services/{service_id}/components/crm"
    browser = as_(api, "owner")
    form = browser.get(url)
    assert form.status_code == 200
    doc = page(form)

    # Prefilled with what is stored; the form's own fields, sent back with one change.
    fields = []
    for node in doc.by_id("component").walk():
        name = node.attrs.get("name")
        if not name or name == "csrf_token":
            continue
        if node.tag == "input" and node.attrs.get("type") in ("radio", "checkbox"):
            if "checked" in node.attrs:
                fields.append((name, node.attrs["value"]))
        elif node.tag == "input":
            fields.append((name, node.attrs.get("value", "")))
        elif node.tag == "textarea":
            fields.append((name, node.text()))
    values = dict(fields)
    assert values["supplier"] == "Acme Ltd" and values["product"] == "Casebook"
    assert values["has_contract"] == "yes" and values["annual_cost_gbp"] == "12000"
    assert [v for k, v in fields if k == "export_formats"] == ["csv", "json"]
    assert values["etag"]

    changed = [(k, "Casebook 2" if k == "product" else v) for k, v in fields]
    response = browser.post(url, changed)
    assert response.status_code == 303, response.body
    stored = body(api.get(f"/orgs/own/services/{service_id}/components/crm", org="own"))
    expected = component_body(product="Casebook 2")
    assert {k: stored[k] for k in expected} == expected

    # The same form again (its etag now out of date), with another change: refused, not stored.
    stale = browser.post(url, [(k, "Casebook 3" if k == "product" else v) for k, v in fields])
    assert stale.status_code in (409, 412) and is_html_page(stale, stale.status_code), stale.status_code
    assert body(api.get(f"/orgs/own/services/{service_id}/components/crm", org="own"))["product"] == "Casebook 2"


# Signing in and out ---------------------------------------------------------------------------------


def _sign_in(api: Api, next_path: str = "/app/orgs/own"):
    response = Browser(api.http, None).get("/app/sign-in?" + urllib.parse.urlencode({"next": next_path}))
    assert response.status_code == 302, response.body
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(response.headers["Location"]).query)
    cookie = cookie_named(response, SIGN_IN_COOKIE)
    return response, {k: v[0] for k, v in query.items()}, cookie


def _callback(api: Api, cookie: str | None, **params):
    headers = {"Cookie": cookie.split(";", 1)[0]} if cookie else {}
    return api.http.request("GET", "/app/callback?" + urllib.parse.urlencode(params), headers=headers, body=b"")


def test_sign_in_sends_the_browser_to_the_identity_provider_with_pkce(api, world):
    response, query, cookie = _sign_in(api)
    discovery = bootstrap.authenticator().discovery()
    assert response.headers["Location"].startswith(discovery["authorization_endpoint"] + "?")
    assert query["response_type"] == "code"
    assert query["client_id"] == IDENTITY.audience
    assert query["redirect_uri"] == BASE_URL + "/app/callback"
    assert query["code_challenge_method"] == "S256"
    assert "openid" in query["scope"].split()
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32 and query["state"] != query["nonce"]
    assert query["code_challenge"]
    assert cookie is not None
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= cookie_attributes(cookie)
    assert response.headers["Cache-Control"] == "no-store"
    # A second attempt has its own state and nonce.
    _, again, _ = _sign_in(api)
    assert (again["state"], again["nonce"]) != (query["state"], query["nonce"])


@pytest.fixture
def token_endpoint(monkeypatch):
    """The provider's token endpoint, faked: answers with the ID token the test sets in
    `issued` and records what it was asked."""
    calls = []
    issued = {}

    def exchange_code(discovery, settings, redirect_uri, code, attempt, deployed):
        calls.append({"redirect_uri": redirect_uri, "code": code, "attempt": attempt, "endpoint": discovery["token_endpoint"]})
        return issued["token"](attempt)

    monkeypatch.setattr(oidc_client, "exchange_code", exchange_code)
    return calls, issued


def test_the_callback_starts_the_session_and_goes_to_the_page_asked_for(api, world, token_endpoint):
    calls, issued = token_endpoint
    issued["token"] = lambda attempt: token_of("leadership", nonce=attempt.nonce)
    _, query, cookie = _sign_in(api, "/app/orgs/own?department=Adults")
    response = _callback(api, cookie, code="the-code", state=query["state"])
    assert response.status_code == 303, response.body
    assert response.headers["Location"] == "/app/orgs/own?department=Adults"
    assert calls[0]["code"] == "the-code" and calls[0]["redirect_uri"] == BASE_URL + "/app/callback"
    assert calls[0]["attempt"].challenge() == query["code_challenge"]  # the verifier of this attempt

    started = cookie_named(response, SESSION_COOKIE)
    assert started is not None and started.startswith("__Host-")
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= cookie_attributes(started)
    assert not any(a.startswith("Domain=") for a in cookie_attributes(started))
    assert "Max-Age=0" in cookie_attributes(cookie_named(response, SIGN_IN_COOKIE))  # the attempt is used up

    # The new session works.
    id_token = started.split(";", 1)[0].split("=", 1)[1]
    assert Browser(api.http, id_token).get("/app/orgs/own").status_code == 200


@pytest.mark.parametrize(
    "problem",
    ["wrong-state", "no-cookie", "no-code", "other-attempt", "garbled-cookie", "other-nonce", "no-nonce", "bad-token"],
)
def test_a_callback_that_does_not_match_the_attempt_asks_to_sign_in_again(api, world, token_endpoint, problem):
    calls, issued = token_endpoint
    issued["token"] = {
        "other-nonce": lambda attempt: token_of("admin", nonce="not-" + attempt.nonce),
        "no-nonce": lambda attempt: token_of("admin"),
        "bad-token": lambda attempt: token_of("admin", nonce=attempt.nonce, aud="another-client"),
    }.get(problem, lambda attempt: token_of("admin", nonce=attempt.nonce))
    _, query, cookie = _sign_in(api)
    params = {"code": "the-code", "state": query["state"]}
    if problem == "wrong-state":
        # Another first character, whatever the random state starts with.
        params["state"] = ("y" if query["state"].startswith("x") else "x") + query["state"][1:]
    if problem == "no-cookie":
        cookie = None
    if problem == "no-code":
        del params["code"]
    if problem == "other-attempt":
        # A well-formed attempt cookie, but not the one this state was made for.
        other = {"state": "another-state", "nonce": "n", "verifier": "v" * 43, "next_path": "/app"}
        cookie = f"{SIGN_IN_COOKIE}=" + base64.urlsafe_b64encode(json.dumps(other).encode()).decode()
    if problem == "garbled-cookie":
        cookie = f"{SIGN_IN_COOKIE}=not-base64-json"
    response = _callback(api, cookie, **params)
    assert is_html_page(response, 400), (problem, response.status_code)
    assert title_of(response).startswith("Sign in again")
    assert cookie_named(response, SESSION_COOKIE) is None
    if problem in ("wrong-state", "no-cookie", "no-code", "other-attempt", "garbled-cookie"):
        assert calls == []  # the code is not even exchanged


def test_the_identity_providers_error_is_a_page_not_a_session(api, world, token_endpoint):
    _, query, cookie = _sign_in(api)
    response = _callback(api, cookie, error="access_denied", state=query["state"])
    assert response.status_code in (400, 403) and response.headers["Content-Type"].startswith("text/html")
    assert cookie_named(response, SESSION_COOKIE) is None


@pytest.mark.parametrize(
    "next_path, expected",
    [
        ("/app/orgs/own/services", "/app/orgs/own/services"),
        ("//evil.example", "/app"),
        ("//evil.example/app", "/app"),
        ("https://evil.example", "/app"),
        ("https://evil.example/app", "/app"),
        ("/\\evil.example", "/app"),
        ("/app\\@evil.example", "/app"),
        ("/orgs/own", "/app"),
        ("", "/app"),
    ],
)
def test_sign_in_only_returns_to_this_sites_pages(api, world, token_endpoint, next_path, expected):
    calls, issued = token_endpoint
    issued["token"] = lambda attempt: token_of("admin", nonce=attempt.nonce)
    _, query, cookie = _sign_in(api, next_path)
    response = _callback(api, cookie, code="c", state=query["state"])
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_sign_in_without_the_client_settings_is_a_misconfiguration_page(api, world, monkeypatch):
    monkeypatch.delenv("OIDC_CLIENT_ID")
    response = Browser(api.http, None).get("/app/sign-in")
    assert is_html_page(response, 500)
    assert cookie_named(response, SIGN_IN_COOKIE) is None


def test_sign_out_ends_the_session(api, world):
    browser = as_(api, "owner")
    response = browser.post("/app/sign-out", {}, csrf=session.csrf_token(browser.token))
    assert response.status_code == 303
    assert response.headers["Location"] == "/app/signed-out"
    cleared = cookie_named(response, SESSION_COOKIE)
    assert cleared is not None and cleared.split(";", 1)[0] == f"{SESSION_COOKIE}="
    assert {"Max-Age=0", "Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= cookie_attributes(cleared)
    signed_out = Browser(api.http, None).get("/app/signed-out")
    assert is_html_page(signed_out, 200)


# Headers of every HTML page ---------------------------------------------------------------------------


def test_every_html_page_has_the_security_headers(api, world):
    own = world["own"]
    service = SERVICE.format(**own)
    responses = {
        "dashboard": as_(api, "admin").get("/app/orgs/own"),
        "services": as_(api, "admin").get("/app/orgs/own/services"),
        "service": as_(api, "admin").get(service),
        "assessment": as_(api, "admin").get(service + "/assessment"),
        "principle": as_(api, "admin").get(service + "/assessment/principles/P1"),
        "principle errors": as_(api, "admin").post(service + "/assessment/principles/P1", {"P1-Q1-rating": "purple"}),
        "check your answers": as_(api, "admin").get(service + "/assessment/check-your-answers"),
        "new component": as_(api, "admin").get(service + "/new-component"),
        "component": as_(api, "admin").get(service + "/components/crm"),
        "forbidden": as_(api, "other_owner").get("/app/orgs/own"),
        "not found": as_(api, "admin").get("/app/orgs/own/services/01ARZ3NDEKTSV4RRFFQ69G5FAV"),
        "csrf refused": as_(api, "admin").post(service + "/assessment/principles/P1", {}, csrf="forged"),
        "signed out": Browser(api.http, None).get("/app/signed-out"),
        "accessibility": Browser(api.http, None).get("/app/accessibility"),
        "cookies": Browser(api.http, None).get("/app/cookies"),
        "sign in again": _callback(api, None, code="c", state="s"),
    }
    for name, response in responses.items():
        assert response.headers.get("Content-Type", "").startswith("text/html"), name
        assert_security_headers(response)
    # Redirects are not cached either.
    assert as_(api, "admin").get("/app").headers["Cache-Control"] == "no-store"
    assert Browser(api.http, None).get("/app/orgs/own").headers["Cache-Control"] == "no-store"


# The accessibility statement and the cookies page ----------------------------------------------------


def test_every_page_links_to_the_accessibility_statement_and_cookies_from_its_footer(api, world):
    service = SERVICE.format(**world["own"])
    for response in (
        as_(api, "admin").get("/app/orgs/own"),
        as_(api, "owner").get(service + "/assessment"),
        as_(api, "other_owner").get("/app/orgs/own"),  # an error page
        Browser(api.http, None).get("/app/signed-out"),
        Browser(api.http, None).get("/app/cookies"),
    ):
        (footer,) = page(response).find_all("footer")
        links = {a.text(): a.attrs["href"] for a in footer.find_all("a")}
        assert links["Accessibility statement"] == "/app/accessibility"
        assert links["Cookies"] == "/app/cookies"


@pytest.mark.parametrize("path", ["/app/accessibility", "/app/cookies"])
def test_the_statement_and_cookies_pages_need_no_sign_in_and_keep_the_signed_in_header(api, world, path):
    signed_out = Browser(api.http, None).get(path)
    assert is_html_page(signed_out, 200)
    assert not page(signed_out).find_all("form", action="/app/sign-out")
    signed_in = as_(api, "owner").get(path)
    assert is_html_page(signed_in, 200)
    assert page(signed_in).find_all("form", action="/app/sign-out")  # the usual header, with its menu
    stale = Browser(api.http, _expired_token()).get(path)
    assert is_html_page(stale, 200)  # never sent to sign in


def test_the_statement_gives_the_configured_contact_or_says_how_to_set_one(api, world, monkeypatch):
    monkeypatch.delenv("ACCESSIBILITY_CONTACT_EMAIL", raising=False)
    unset = page(Browser(api.http, None).get("/app/accessibility"))
    assert "ACCESSIBILITY_CONTACT_EMAIL" in unset.text()
    assert not [a for a in unset.find_all("a") if (a.attrs.get("href") or "").startswith("mailto:")]

    monkeypatch.setenv("ACCESSIBILITY_CONTACT_EMAIL", " digital-access@own.example ")
    shown = page(Browser(api.http, None).get("/app/accessibility"))
    mailto = {a.attrs["href"] for a in shown.find_all("a") if a.attrs["href"].startswith("mailto:")}
    assert mailto == {"mailto:digital-access@own.example"}
    assert "ACCESSIBILITY_CONTACT_EMAIL" not in shown.text()

    monkeypatch.setenv("ACCESSIBILITY_CONTACT_EMAIL", "call 0900 000")
    odd = page(Browser(api.http, None).get("/app/accessibility"))
    assert "not an email address" in odd.text() and "0900" not in odd.text()


def test_the_statement_follows_the_model_and_says_what_is_not_yet_checked(api, world):
    statement = page(Browser(api.http, None).get("/app/accessibility"))
    headings = [h.text() for h in statement.find_all("h2") if not h.has_class("govuk-visually-hidden")]
    assert headings == [
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website's accessibility",
        "What we're doing to improve accessibility",
        "Preparation of this accessibility statement",
    ]
    text = statement.text()
    assert "partially compliant" in text and "axe-core" in text and "320 pixels" in text
    assert "not been audited by hand by an accessibility specialist" in text


def test_the_cookies_page_lists_every_cookie_the_pages_set(api, world):
    listed = page(Browser(api.http, None).get("/app/cookies")).by_id("essential-cookies")
    rows = dict(zip([h.text() for h in listed.find_all("h3")], [dl.text() for dl in listed.find_all("dl")]))
    assert set(rows) == {session.SESSION_COOKIE, session.SIGN_IN_COOKIE, session.FLASH_COOKIE}
    assert f"{session.SIGN_IN_SECONDS // 60} minutes" in rows[session.SIGN_IN_COOKIE]
    assert f"{session.FLASH_SECONDS} seconds" in rows[session.FLASH_COOKIE]


# The dashboard's request budget (last: it loads 1,000 services) ------------------------------------------


MANY_SERVICES = 1_000


def _load_orgs(services_by_org: dict[str, int]) -> None:
    """Organisations with that many assessed services (and a declaration project each), made by
    the real use cases in memory and copied into the table (recorder paused)."""
    memory = InMemoryStore()
    uc = bootstrap.build(store=memory, clock=TickingClock(NOW - timedelta(days=30)))
    questions = framework().questions
    for org_id, services in services_by_org.items():
        seeder = Principal("seeder", OWNER, org_id, frozenset({"platform_admin", "admin"}))
        fields = {"name": f"{org_id} council", "peer_group": "Districts", "declaration_signed_on": date(2019, 3, 1)}
        uc.organisations.put(seeder, org_id, fields)
        for n in range(services):
            created = uc.services.create(seeder, org_id, service_body(name=f"Service {n:04d}", department=f"Dept {n % 6}"))
            answers = [
                {"question_id": q.question_id, "rating": ("green", "amber", "red")[(n + i) % 3]} for i, q in enumerate(questions)
            ]
            uc.assessments.submit(seeder, org_id, created.service_id, FRAMEWORK_ID, [from_plain(Answer, a) for a in answers])
    with RECORDER.paused():
        bulk_load(memory, orgs=services_by_org.__contains__, history=lambda service_id: False)


def _summary_pages(org_id: str) -> int:
    """The pages of a Query of the organisation's summaries, by the rule DynamoDB (1 MB) and moto
    (RESULT_SIZE_LIMIT) follow: a response stops before the item that would take it past the
    limit. Read from moto's own table (never a Scan)."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][config.region()].tables[config.table_name()]
    pk = keys.org_pk(org_id)
    items = sorted(
        (item for item in table.all_items() if item.hash_key.value == pk),
        key=lambda item: item.range_key.value,
    )

    def pages(sizes):
        count, in_page = 1, 0
        for size in sizes:
            if in_page and in_page + size > RESULT_SIZE_LIMIT:
                count, in_page = count + 1, 0
            in_page += size
        return count

    return pages([i.size() for i in items if i.range_key.value.startswith(keys.SUMMARY_PREFIX)])


@pytest.fixture(scope="module")
def many_services(api, world):
    _load_orgs({"pages-one": 1, "pages-many": MANY_SERVICES})


def test_the_dashboard_reads_the_same_whatever_the_number_of_services(api, many_services):
    measured = {}
    for org_id in ("pages-one", "pages-many"):
        response, measured[org_id] = requests_of(api.http, org_id, "/app/orgs/{org_id}")
        rows = page(response).by_id("services").find_all("tbody")[0].find_all("tr")
        assert len(rows) == (1 if org_id == "pages-one" else 100)  # a page of the services table
    # The headline and the trend from the roll-up (two Queries), the first page of services
    # (one), the KPI values (one; the shipped benchmark set costs no request): at any size.
    assert measured["pages-one"] == measured["pages-many"] == ["Query"] * 4
    # The next page of services: a link, and the same requests.
    href = next(a.attrs["href"] for a in page(response).find_all("a") if a.text().strip() == "Next services")
    path = "/app/orgs/{org_id}?" + urllib.parse.urlsplit(href).query
    response, ops = requests_of(api.http, "pages-many", path)
    rows = page(response).by_id("services").find_all("tbody")[0].find_all("tr")
    assert len(rows) == 100 and ops == ["Query"] * 4
    assert any(a.text().strip() == "First services" for a in page(response).find_all("a"))


def test_the_assessment_pages_make_the_same_few_requests_whatever_the_number_of_services(api, many_services):
    """Each page reads the service (its name), its summary (who may), the person's draft and the
    assessment it started from, by key; a save or a submission adds the draft's re-read and one
    transaction. Nothing grows with the organisation."""
    measured = {}
    for org_id in ("pages-one", "pages-many"):
        admin = Browser(api.http, IDENTITY.token(sub=f"admin-{org_id}", roles=("admin",), org=org_id, email="admin@x.example"))
        with RECORDER.paused():  # a reassessment: the loaded services' history is not in the table
            listed = api.get(f"/orgs/{org_id}/services?limit=1", roles=("admin",), org=org_id)
            service_id = body(listed)["items"][0]["service_id"]
            api.post(f"/orgs/{org_id}/services/{service_id}/assessments", assessment_body(api), roles=("admin",), org=org_id)
        url = f"/app/orgs/{org_id}/services/{service_id}/assessment"
        steps = {}
        for step, (method, path) in {
            "task list": ("GET", ""),
            "principle": ("GET", "/principles/P1"),
            "save principle": ("POST", "/principles/P1"),
            "check your answers": ("GET", "/check-your-answers"),
            "submit": ("POST", "/check-your-answers"),
        }.items():
            with RECORDER.paused():
                shown = admin.get(url + path)
                fields = {"etag": _draft_etag_of(shown), "csrf_token": csrf_token_of(shown)} if method == "POST" else {}
                if path.startswith("/principles/"):
                    fields.update(_principle_answers("P1"))
            with RECORDER.measure() as ops:
                response = admin.get(url + path) if method == "GET" else admin.post(url + path, fields, csrf=None)
            assert response.status_code == (200 if method == "GET" else 303), (step, response.status_code)
            steps[step] = list(ops)
        measured[org_id] = steps
    reads = ["GetItem"] * 4  # service, summary, draft, the assessment it started from
    assert measured["pages-one"] == {
        "task list": reads,
        "principle": reads,
        "save principle": reads + ["GetItem", "GetItem", "TransactWriteItems"],
        "check your answers": reads,
        # the draft and the summary again, the roll-up items the score moves, then one
        # transaction: the assessment, the summary's latest, the roll-up, the draft's deletion
        # and the audit record
        "submit": reads + ["GetItem", "GetItem", "BatchGetItem", "TransactWriteItems"],
    }
    assert measured["pages-many"] == measured["pages-one"]


# Found in review: odd input and edge cases -------------------------------------------------------


def test_sign_out_without_a_live_session_still_clears_the_cookie(api, world):
    for token in (None, _expired_token()):
        response = Browser(api.http, token).post("/app/sign-out", {}, csrf=None)
        assert response.status_code == 303 and response.headers["Location"] == "/app/signed-out"
        assert "Max-Age=0" in cookie_named(response, SESSION_COOKIE)


def test_sign_out_with_a_live_session_needs_its_csrf_token(api, world):
    response = as_(api, "owner").post("/app/sign-out", {}, csrf="forged")
    assert is_html_page(response, 403)
    assert cookie_named(response, SESSION_COOKIE) is None


def test_another_apps_malformed_cookie_does_not_hide_the_session(api, world):
    browser = as_(api, "owner")
    cookie = f'consent={{"a":1}}; x=a b; q="unterminated; {SESSION_COOKIE}={browser.token}'
    response = api.http.request("GET", "/app/orgs/own/services", headers={"Cookie": cookie}, body=b"")
    assert is_html_page(response, 200)


def test_the_success_message_is_a_short_lived_host_cookie_holding_a_code(api, world):
    service_id = fresh_service(api, "Flash cookie")
    response = as_(api, "owner").post(f"/app/orgs/own/services/{service_id}/new-component", [("component_id", "crm"), *COMPONENT_FORM])
    flash = cookie_named(response, FLASH_COOKIE)
    assert flash.split(";")[0] == f"{FLASH_COOKIE}=component-saved.{service_id}/crm"
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60"} <= cookie_attributes(flash)
    assert not any(a.startswith("Domain=") for a in cookie_attributes(flash))


def test_neither_a_link_nor_a_crafted_cookie_can_put_words_in_the_success_banner(api, world):
    url = SERVICE.format(**world["own"])
    browser = as_(api, "owner")
    for query in ("?submitted=1", "?registered=1", "?saved=crm", "?saved=" + urllib.parse.quote("Your account is locked")):
        assert not page(browser.get(url + query)).with_class("govuk-notification-banner"), query
    service_id, other = world["own"]["service_id"], world["red"]
    for value in (
        f"component-saved.{service_id}/Your account is locked: call 0900 000",
        f"account-locked.{service_id}",
        f"component-saved.{service_id}/no-such-component",
        f"assessment-submitted.{other}",  # another service's message
    ):
        shown = browser.get_with(url, [f"{FLASH_COOKIE}={value}"])
        assert not page(shown).with_class("govuk-notification-banner"), value
        assert "Your account is locked" not in shown.body.decode()
    real = browser.get_with(url, [f"{FLASH_COOKIE}=component-saved.{service_id}/crm"])
    assert "Component Acme Ltd Casebook saved" in page(real).text()


def test_the_providers_error_is_shown_only_as_its_code(api, world):
    response = Browser(api.http, None).get("/app/callback?" + urllib.parse.urlencode({"error": "Call 0900 000 to unlock"}))
    assert is_html_page(response, 403) and "0900" not in response.body.decode()
    response = Browser(api.http, None).get("/app/callback?error=access_denied")
    assert "access_denied" in page(response).text()


@pytest.mark.parametrize("csrf", ["é", "\udcff", "x" * 5000])
def test_an_odd_csrf_token_is_refused_not_crashed_on(api, world, csrf):
    before = table_items()
    response = as_(api, "owner").post(SERVICE.format(**world["own"]) + "/assessment/principles/P1", {}, csrf=csrf.encode("utf-8", "surrogateescape").decode("latin-1"))
    assert is_html_page(response, 403)
    assert table_items() == before


def test_a_form_with_too_many_fields_is_refused(api, world):
    browser = as_(api, "owner")
    url = SERVICE.format(**world["own"]) + "/assessment/principles/P1"
    response = browser.post(url, [(f"f{i}", "x") for i in range(3000)], csrf=session.csrf_token(browser.token))
    assert is_html_page(response, 413)


def test_an_edit_without_the_version_it_was_made_from_changes_nothing(api, world):
    browser = as_(api, "owner")
    url = SERVICE.format(**world["own"]) + "/components/crm"
    values = [(k, v) for k, v in urllib.parse.parse_qsl(_form_values(browser.get(url))) if k not in ("etag", "csrf_token")]
    before = table_items()
    response = browser.post(url, values + [("product", "Changed")], csrf=session.csrf_token(browser.token))
    assert is_html_page(response, 412)
    assert table_items() == before


def _form_values(response) -> str:
    """The filled-in values of a page's form (text inputs and checked choices), urlencoded."""
    pairs = []
    for field in page(response).find_all("input"):
        kind, name = field.attrs.get("type", "text"), field.attrs.get("name")
        if not name or (kind in ("radio", "checkbox") and "checked" not in field.attrs):
            continue
        pairs.append((name, field.attrs.get("value", "")))
    return urllib.parse.urlencode(pairs)


def test_signed_out_offers_to_end_the_providers_session_too(api, world, monkeypatch):
    assert "sign out of your council account" not in page(Browser(api.http, None).get("/app/signed-out")).text()
    logout = "https://tracker.auth.eu-west-2.amazoncognito.com/logout?client_id=abc&logout_uri=https://t.example/app/signed-out"
    monkeypatch.setenv("OIDC_LOGOUT_URL", logout)
    links = [a.attrs["href"] for a in page(Browser(api.http, None).get("/app/signed-out")).find_all("a")]
    assert logout in links


# Registering a service ------------------------------------------------------------------------------


def test_an_admin_registers_a_service_and_lands_on_it(api, world):
    browser = as_(api, "admin")
    fields = {"name": "Parking permits", "department": "Environment", "owner_email": OWNER, "phase": "beta"}
    response = browser.post("/app/orgs/own/new-service", fields)
    assert response.status_code == 303
    service_id = response.headers["Location"].split("/services/")[1].split("?")[0]
    registered = body(api.get(f"/orgs/own/services/{service_id}", org="own"))
    assert {k: registered[k] for k in fields} == fields
    assert "Parking permits is registered" in page(browser.follow(response)).text()


def test_a_service_owner_registers_only_services_they_own(api, world):
    browser = as_(api, "owner")
    form = page(browser.get("/app/orgs/own/new-service"))
    assert [i.attrs.get("value") for i in form.find_all("input") if i.attrs.get("name") == "owner_email"] == [OWNER]
    before = table_items()
    response = browser.post("/app/orgs/own/new-service", {"name": "Not mine", "department": "Housing", "owner_email": "else@own.example"})
    assert is_html_page(response, 422)
    assert [e.attrs["href"] for e in page(response).with_class("govuk-error-summary")[0].find_all("a")] == ["#owner_email"]
    assert table_items() == before


def test_an_empty_registration_names_each_missing_answer(api, world):
    before = table_items()
    response = as_(api, "admin").post("/app/orgs/own/new-service", {})
    assert is_html_page(response, 422)
    links = [e.attrs["href"] for e in page(response).with_class("govuk-error-summary")[0].find_all("a")]
    assert links == ["#name", "#department", "#owner_email"]
    assert table_items() == before

