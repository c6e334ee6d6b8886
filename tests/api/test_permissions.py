"""The permission matrix: every route × role × own or other organisation, against API.md's role
table. Generated from the application's route table, so a new route without an expectation
fails here instead of being forgotten."""

import pytest

from tests.api.conftest import assessment_body, body, component_body, org_body, service_body, table_items

OWNER = "owner@own.example"
INTEGRATION = {"name": "Contracts register", "event_types": ["component.upserted"]}
PROJECT = {"title": "One front door", "partners": ["LOTI"], "mission": "Build it.", "impact": "Residents ask once."}
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/frameworks"),
    ("GET", "/frameworks/{framework_id}"),
}
SIGNED = {("POST", "/webhooks/{integration_id}")}  # a Standard Webhooks signature instead (test_webhooks.py)
# Who may call each route on their own organisation (API.md, "Identity and access").
# platform = platform_admin (no organisation), owner = service_owner of the service,
# other_owner = a service_owner of the same organisation who does not own it.
MEMBERS = {"admin", "leadership", "owner", "other_owner"}
EDITORS = {"admin", "owner"}
LEADERS = {"admin", "leadership"}
ALLOWED = {
    ("GET", "/orgs"): {"platform", *MEMBERS},
    ("PUT", "/orgs/{org_id}"): {"platform", "admin"},
    ("GET", "/orgs/{org_id}"): {"platform", *MEMBERS},
    ("GET", "/orgs/{org_id}/audit"): LEADERS,
    ("GET", "/orgs/{org_id}/scorecard"): LEADERS,
    ("GET", "/orgs/{org_id}/scorecard/history"): LEADERS,
    ("POST", "/orgs/{org_id}/services"): {"admin", "owner", "other_owner"},  # owners register their own
    ("GET", "/orgs/{org_id}/services"): MEMBERS,
    ("GET", "/orgs/{org_id}/services/{service_id}"): MEMBERS,
    ("PATCH", "/orgs/{org_id}/services/{service_id}"): EDITORS,
    ("PUT", "/orgs/{org_id}/services/{service_id}/retirement"): EDITORS,
    ("DELETE", "/orgs/{org_id}/services/{service_id}/retirement"): EDITORS,
    ("GET", "/orgs/{org_id}/services/{service_id}/scorecard"): MEMBERS,
    ("GET", "/orgs/{org_id}/services/{service_id}/components"): MEMBERS,
    ("GET", "/orgs/{org_id}/services/{service_id}/components/{component_id}"): MEMBERS,
    ("PUT", "/orgs/{org_id}/services/{service_id}/components/{component_id}"): EDITORS,
    ("DELETE", "/orgs/{org_id}/services/{service_id}/components/{component_id}"): EDITORS,
    ("GET", "/orgs/{org_id}/services/{service_id}/assessments"): MEMBERS,
    ("POST", "/orgs/{org_id}/services/{service_id}/assessments"): EDITORS,
    ("GET", "/orgs/{org_id}/services/{service_id}/assessments/{assessment_id}"): MEMBERS,
    # the caller's own draft: whoever may submit the service's assessment
    ("GET", "/orgs/{org_id}/services/{service_id}/assessment-draft"): EDITORS,
    ("PUT", "/orgs/{org_id}/services/{service_id}/assessment-draft"): EDITORS,
    ("DELETE", "/orgs/{org_id}/services/{service_id}/assessment-draft"): EDITORS,
    ("POST", "/orgs/{org_id}/integrations"): {"admin"},
    ("GET", "/orgs/{org_id}/integrations"): {"admin"},
    ("DELETE", "/orgs/{org_id}/integrations/{integration_id}"): {"admin"},
    ("POST", "/orgs/{org_id}/integrations/{integration_id}/rotate-secret"): {"admin"},
    ("GET", "/orgs/{org_id}/integrations/{integration_id}/deliveries"): {"admin"},
    ("POST", "/orgs/{org_id}/declaration-projects"): {"admin"},
    ("GET", "/orgs/{org_id}/declaration-projects"): MEMBERS,
    ("GET", "/orgs/{org_id}/declaration-projects/{project_id}"): MEMBERS,
    ("PATCH", "/orgs/{org_id}/declaration-projects/{project_id}"): {"admin"},
    # benchmark sets (no organisation), KPI values and benchmark positions
    ("PUT", "/benchmarks/{set_id}"): {"platform"},
    ("GET", "/benchmarks"): {"platform", *MEMBERS},
    ("GET", "/benchmarks/{set_id}"): {"platform", *MEMBERS},
    ("GET", "/orgs/{org_id}/kpis"): MEMBERS,
    ("PUT", "/orgs/{org_id}/kpis/{period}"): {"admin"},
    ("GET", "/orgs/{org_id}/kpis/{period}"): MEMBERS,
    ("PUT", "/orgs/{org_id}/services/{service_id}/kpis/{period}"): EDITORS,
    ("GET", "/orgs/{org_id}/services/{service_id}/kpis/{period}"): MEMBERS,
    ("GET", "/orgs/{org_id}/benchmark"): LEADERS,
    ("GET", "/orgs/{org_id}/services/{service_id}/benchmark"): LEADERS,
}
# Benchmark routes' bodies and values (an imported set; the shipped set's KPIs).
BENCHMARK_SET = {
    "title": "Permissions set",
    "source": "Tests",
    "published": "2025-06-30",
    "illustrative": True,
    "kpis": [{"kpi_id": "cost_per_user", "title": "Cost per user", "unit": "gbp", "better": "lower", "level": "org"}],
    "peer_groups": {"London boroughs": {"cost_per_user": {"p25": 2500, "median": 3135, "p75": 3800}}},
}
ORG_KPIS = {"values": {"it_spend_per_user": 3000}}
SERVICE_KPIS = {"values": {"user_satisfaction": 80}}
# What a platform admin may still do on an organisation that is not "theirs" (they have none).
PLATFORM_ANYWHERE = {("GET", "/orgs"), ("PUT", "/orgs/{org_id}"), ("GET", "/orgs/{org_id}")}
WHO = {
    "platform": {"roles": ("platform_admin",), "org": None, "email": "platform@tracker.example"},
    "admin": {"roles": ("admin",), "org": "own", "email": "admin@own.example"},
    "leadership": {"roles": ("leadership",), "org": "own", "email": "cdo@own.example"},
    "owner": {"roles": ("service_owner",), "org": "own", "email": OWNER.upper()},  # case-insensitive
    "other_owner": {"roles": ("service_owner",), "org": "own", "email": "someone@own.example"},
}


def routes():
    """The JSON API's routes. The HTML pages under /app have their own table (test_pages.py)."""
    from app import app

    return sorted(
        (method, path) for path, methods in app.routes.items() for method in methods if not path.startswith("/app")
    )


def test_every_route_has_an_expectation():
    assert set(routes()) == PUBLIC | SIGNED | set(ALLOWED)


@pytest.fixture
def world(client):
    """Two organisations, each with a service owned by OWNER, a component and an assessment."""
    ids = {}
    for org in ("own", "other"):
        assert client.put(f"/orgs/{org}", org_body(), org=org).status_code == 201
        service_id = body(client.post(f"/orgs/{org}/services", service_body(owner_email=OWNER), org=org))["service_id"]
        client.put(f"/orgs/{org}/services/{service_id}/components/crm", component_body(), org=org)
        assessment = client.post(f"/orgs/{org}/services/{service_id}/assessments", assessment_body(client), org=org)
        ids[org] = {"org_id": org, "service_id": service_id, "component_id": "crm"}
        ids[org]["assessment_id"] = body(assessment)["assessment_id"]
        ids[org]["framework_id"] = "ldd-2018"
        integration = client.post(f"/orgs/{org}/integrations", INTEGRATION, org=org)
        ids[org]["integration_id"] = body(integration)["integration_id"]
        project = client.post(f"/orgs/{org}/declaration-projects", PROJECT, org=org)
        ids[org]["project_id"] = body(project)["project_id"]
        # benchmarks: a set to read, and KPI values recorded for the period the routes name
        ids[org]["set_id"], ids[org]["period"] = "perm-set", "2025"
        assert client.put(f"/orgs/{org}/kpis/2025", ORG_KPIS, org=org).status_code == 200
        assert client.put(f"/orgs/{org}/services/{service_id}/kpis/2025", SERVICE_KPIS, org=org).status_code == 200
    assert client.put("/benchmarks/perm-set", BENCHMARK_SET, **WHO["platform"]).status_code == 201
    return ids


def _request(client, method, path, who, values):
    url = path.format(**values)
    identity = WHO[who]
    payload, headers = None, {}
    if method == "PUT" and path == "/orgs/{org_id}":
        payload = org_body(name="Renamed")
    elif method == "POST" and path.endswith("/services"):
        payload = service_body(owner_email=identity["email"])
    elif method == "POST" and path.endswith("/integrations"):
        payload = INTEGRATION
    elif method == "POST" and path.endswith("/declaration-projects"):
        payload = PROJECT
    elif path.endswith("/rotate-secret"):
        payload = None
    elif method == "PUT" and path == "/benchmarks/{set_id}":
        payload = BENCHMARK_SET
    elif method == "PUT" and path.endswith("/kpis/{period}"):
        payload = SERVICE_KPIS if "/services/" in path else ORG_KPIS
    elif method == "GET" and path.endswith("/benchmark"):
        url += "?set=perm-set&period=2025"
    elif method == "PATCH":
        headers["If-Match"] = client.get(url, org=values["org_id"]).headers["ETag"]
        payload = {"status": "in_progress"} if "declaration-projects" in path else {"description": "Edited."}
    elif method == "PUT" and path.endswith("/assessment-draft"):
        payload = {"framework_id": "ldd-2018", "answers": []}
    elif method == "PUT":
        payload = component_body(product="Edited")
    elif method == "POST":
        payload = assessment_body(client)
    return client.request(method, url, body=payload, headers=headers, **identity)


@pytest.mark.parametrize("method,path", [r for r in routes() if r not in PUBLIC | SIGNED])
def test_each_role_reaches_exactly_what_the_role_table_allows(client, world, method, path):
    outcomes = []
    for org in ("own", "other"):
        for who in WHO:
            allowed = who in ALLOWED[(method, path)] and (
                org == "own"
                or "{org_id}" not in path
                or (who == "platform" and (method, path) in PLATFORM_ANYWHERE)
            )
            before = table_items()
            status = _request(client, method, path, who, world[org]).status_code
            if allowed:
                ok = status not in (401, 403) and status < 500
            else:
                ok = status == 403 and table_items() == before
            if not ok:
                outcomes.append(f"{who} on {org}: {status} (allowed: {allowed})")
    assert not outcomes, f"{method} {path}: " + "; ".join(outcomes)


@pytest.mark.parametrize("method,path", [r for r in routes() if r not in PUBLIC | SIGNED])
def test_without_a_token_every_protected_route_is_401(client, world, method, path):
    response = client.request(method, path.format(**world["own"]), token=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("method,path", sorted(PUBLIC))
def test_public_routes_need_no_token(client, method, path):
    assert client.request(method, path.format(framework_id="ldd-2018"), token=None).status_code == 200


def test_a_platform_admin_lists_every_organisation_and_a_member_only_their_own(client, world):
    everyone = body(client.get("/orgs", **WHO["platform"]))["items"]
    assert sorted(o["org_id"] for o in everyone) == ["other", "own"]
    mine = body(client.get("/orgs", **WHO["leadership"]))["items"]
    assert [o["org_id"] for o in mine] == ["own"]


def test_an_owner_may_not_register_a_service_for_someone_else(client, world):
    response = client.post("/orgs/own/services", service_body(owner_email="boss@own.example"), **WHO["owner"])
    assert response.status_code == 403


def test_an_unverified_email_owns_nothing(client, world):
    values = world["own"]
    url = "/orgs/{org_id}/services/{service_id}/components/crm".format(**values)
    response = client.put(url, component_body(), **WHO["owner"], email_verified=False)
    assert response.status_code == 403
