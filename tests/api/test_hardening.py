"""Odd input is refused before anything is written (and never a 500); conditional requests follow
RFC 9110; every response carries the standard headers (issue 11)."""

import json

import pytest

from tests.api.conftest import (
    NOW,
    assessment_body,
    body,
    component_body,
    org_body,
    service_body,
    signed_delivery,
    table_items,
)

LONE = "\udc80"  # valid JSON ("\\udc80"), not Unicode text
COMPONENT = "/orgs/testshire/services/{sid}/components/crm"


def refused(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.body)
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = body(response)
    if field is not None:
        assert field in problem["errors"], problem
    return problem


@pytest.fixture
def integration(client, org):
    created = client.post(f"/orgs/{org}/integrations", {"name": "Contracts register", "event_types": ["component.upserted"]})
    assert created.status_code == 201, created.body
    return body(created)


# -- 1. lone surrogates, in every string a request can carry ---------------------------------------


def _with_evidence(client, **evidence):
    submitted = assessment_body(client)
    submitted["answers"][0]["evidence"] = [{"url": "https://example.org/report", **evidence}]
    return submitted


SURROGATE_CASES = [
    ("organisation name", "PUT", "/orgs/testshire", lambda c, s: org_body(name=f"Test{LONE}"), "name"),
    ("service name", "POST", "/orgs/testshire/services", lambda c, s: service_body(name=f"Bins{LONE}"), "name"),
    ("component supplier", "PUT", COMPONENT, lambda c, s: component_body(supplier=f"Acme{LONE}"), "supplier"),
    ("open standard", "PUT", COMPONENT, lambda c, s: component_body(data={"export_formats": ["csv"], "free_bulk_export": True, "open_standards": [LONE]}), "data.open_standards.0"),
    (
        "assessment notes",
        "POST",
        "/orgs/testshire/services/{sid}/assessments",
        lambda c, s: {**(a := assessment_body(c)), "answers": [{**a["answers"][0], "notes": LONE}, *a["answers"][1:]]},
        "answers.0.notes",
    ),
    ("evidence title", "POST", "/orgs/testshire/services/{sid}/assessments", lambda c, s: _with_evidence(c, title=LONE), "answers.0.evidence.0.title"),
    (
        "declaration project",
        "POST",
        "/orgs/testshire/declaration-projects",
        lambda c, s: {"title": LONE, "partners": [], "mission": "m", "impact": "i", "due": "2026-12-01"},
        "title",
    ),
    ("integration name", "POST", "/orgs/testshire/integrations", lambda c, s: {"name": LONE, "event_types": ["component.upserted"]}, "name"),
    ("a key", "POST", "/orgs/testshire/services", lambda c, s: {**service_body(), LONE: "x"}, "\ufffd"),
]


@pytest.mark.parametrize("what, method, path, make, field", SURROGATE_CASES, ids=[c[0] for c in SURROGATE_CASES])
def test_a_lone_surrogate_is_refused_naming_the_field_and_writes_nothing(client, service_id, what, method, path, make, field):
    before = table_items()
    response = client.request(method, path.format(sid=service_id), make(client, service_id))
    problem = refused(response, 422, field)
    assert "surrogate" in problem["errors"][field][0]
    assert table_items() == before


def test_a_webhook_body_with_a_lone_surrogate_is_refused_and_changes_nothing(client, org, service_id, integration):
    event = {"type": "component.upserted", "data": {"service_id": service_id, "component_id": "crm", "component": component_body(supplier=LONE)}}
    raw, headers = signed_delivery(integration["secret"], event, timestamp=int(NOW.timestamp()))
    before = table_items()
    response = client.request("POST", f"/webhooks/{integration['integration_id']}", raw=raw, headers=headers, token=None)
    refused(response, 422, "data.component.supplier")
    # The deliveries log is the one record a refused delivery leaves.
    added = [i for i in table_items() if i not in before]
    assert [i["sk"]["S"].split("#")[0] for i in added] == ["DELIVERY"]
    assert [i for i in before if i not in table_items()] == []
    listed = body(client.get(f"/orgs/{org}/integrations/{integration['integration_id']}/deliveries"))["items"]
    assert [d["status"] for d in listed] == ["rejected"]


# -- 2. numbers beyond a double --------------------------------------------------------------------


def test_a_400_digit_integer_is_a_422_not_a_500(client, service_id):
    before = table_items()
    contract = {"start": "2025-04-01", "end": "2027-03-31", "auto_renew": False, "annual_cost_gbp": int("9" * 400)}
    response = client.put(COMPONENT.format(sid=service_id), component_body(contract=contract))
    refused(response, 422, "contract.annual_cost_gbp")
    refused(client.put("/orgs/testshire/kpis/2025", {"values": {"ict_spend_share": int("9" * 400)}}), 422)
    assert table_items() == before


# -- 3. names that look blank, names and links that disguise themselves ---------------------------

INVISIBLE = ["\u200b", "\u200c\u200d", "\ufeff", "\u2060 \u200b", "\u3164", "\u00ad"]
DISGUISING = ["\u202e", "\u202a", "\u2066", "\u2069", "\x00", "\x1b", "\x85", "\x9f"]


@pytest.mark.parametrize("name", INVISIBLE, ids=[f"U+{ord(n[0]):04X}" for n in INVISIBLE])
def test_a_name_of_invisible_characters_is_blank(client, org, name):
    before = table_items()
    problem = refused(client.post(f"/orgs/{org}/services", service_body(name=name)), 422, "name")
    assert problem["errors"]["name"] == ["must not be blank"]
    assert table_items() == before


@pytest.mark.parametrize("character", DISGUISING, ids=[f"U+{ord(c):04X}" for c in DISGUISING])
def test_controls_and_bidirectional_overrides_are_refused_in_names(client, org, character):
    before = table_items()
    refused(client.post(f"/orgs/{org}/services", service_body(name=f"Parking{character}permits")), 422, "name")
    assert table_items() == before


def test_a_name_may_still_hold_a_joiner_between_visible_characters(client, org):
    # Zero-width joiners are part of how some scripts and emoji are written.
    created = client.post(f"/orgs/{org}/services", service_body(name="Family \U0001F468\u200d\U0001F469\u200d\U0001F467 hub"))
    assert created.status_code == 201, created.body


BAD_URLS = [
    "https://example.org/\u202egpj.exe",
    "https://exa\u2066mple.org/",
    "https://example.org/a b",
    'https://example.org/"onmouseover',
    "https://example.org/<script>",
    "https://example.org/a>b",
    "https://example.org/\x00",
    "https://example.org\\@evil.example/",
    "https://trusted.gov.uk@evil.example/",
    "https://[::1/",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_evidence_urls_that_could_disguise_their_target_are_refused(client, service_id, url):
    before = table_items()
    response = client.post(f"/orgs/testshire/services/{service_id}/assessments", _with_evidence(client, url=url))
    refused(response, 422, "answers.0.evidence.0.url")
    assert table_items() == before


def test_free_text_keeps_line_breaks_and_tabs_but_not_other_controls(client, service_id):
    path = f"/orgs/testshire/services/{service_id}"
    etag = client.get(path).headers["ETag"]
    refused(client.patch(path, {"description": "one\x07two"}, headers={"If-Match": etag}), 422, "description")
    ok = client.patch(path, {"description": "one\ntwo\tthree\r\n"}, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.body


# -- 4. what the body says it is --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/json; charset=latin-1", "application/json;charset=\"iso-8859-1\"", "application/merge-patch+json"],
)
def test_a_body_must_say_it_is_json_in_utf8(client, org, content_type):
    before = table_items()
    headers = {"Content-Type": content_type} if content_type else {}
    raw = json.dumps(service_body()).encode()
    sent = client.http.request(
        "POST",
        f"/orgs/{org}/services",
        headers={"Authorization": f"Bearer {client.token()}", **headers},
        body=raw,
    )
    refused(sent, 415)
    assert table_items() == before


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON; Charset=\"UTF-8\""])
def test_json_in_utf8_is_accepted_however_it_is_spelled(client, org, content_type):
    created = client.post(f"/orgs/{org}/services", service_body(), headers={"Content-Type": content_type})
    assert created.status_code == 201, created.body


def test_a_merge_patch_is_accepted_on_patch_only(client, service_id):
    path = f"/orgs/testshire/services/{service_id}"
    etag = client.get(path).headers["ETag"]
    patched = client.patch(path, {"phase": "beta"}, headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 200, patched.body


def test_an_action_without_a_body_needs_no_content_type(client, org, integration):
    rotated = client.post(f"/orgs/{org}/integrations/{integration['integration_id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.body


# -- 5. OPTIONS --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/orgs/testshire", "/orgs/testshire/services"])
def test_options_is_a_method_the_api_does_not_define(client, org, path):
    response = client.request("OPTIONS", path)
    refused(response, 405)
    assert "OPTIONS" not in response.headers["Allow"] and "GET" in response.headers["Allow"]


# -- 6. conditional requests --------------------------------------------------------------------------


def test_if_match_star_holds_for_an_existing_record_only(client, service_id):
    path = COMPONENT.format(sid=service_id)
    refused(client.put(path, component_body(), headers={"If-Match": "*"}), 412)
    assert client.put(path, component_body()).status_code == 201
    replaced = client.put(path, component_body(product="Casebook 2"), headers={"If-Match": "*"})
    assert replaced.status_code == 200, replaced.body


def test_if_match_takes_a_list_of_entity_tags(client, service_id):
    path = COMPONENT.format(sid=service_id)
    etag = client.put(path, component_body()).headers["ETag"]
    refused(client.put(path, component_body(product="B"), headers={"If-Match": '"a", "b"'}), 412)
    refused(client.put(path, component_body(product="B"), headers={"If-Match": f'"a", W/{etag}'}), 412)  # weak never matches
    replaced = client.put(path, component_body(product="B"), headers={"If-Match": f'"a", {etag} ,"c"'})
    assert replaced.status_code == 200, replaced.body


def test_if_none_match_star_makes_a_put_create_only(client, service_id):
    path = COMPONENT.format(sid=service_id)
    created = client.put(path, component_body(), headers={"If-None-Match": "*"})
    assert created.status_code == 201, created.body
    before = table_items()
    refused(client.put(path, component_body(product="Other"), headers={"If-None-Match": "*"}), 412)
    assert table_items() == before


def test_a_malformed_entity_tag_is_a_400(client, service_id):
    refused(client.put(COMPONENT.format(sid=service_id), component_body(), headers={"If-Match": "not-quoted"}), 400, "If-Match")


def test_patch_takes_if_match_star(client, service_id):
    path = f"/orgs/testshire/services/{service_id}"
    patched = client.patch(path, {"phase": "live"}, headers={"If-Match": "*"})
    assert patched.status_code == 200 and body(patched)["phase"] == "live"


def test_delete_honours_if_match(client, service_id):
    path = COMPONENT.format(sid=service_id)
    etag = client.put(path, component_body()).headers["ETag"]
    refused(client.delete(path, headers={"If-Match": '"stale"'}), 412)
    assert client.delete(path, headers={"If-Match": etag}).status_code == 204


def test_an_organisation_put_takes_both_conditions(client, org):
    refused(client.put("/orgs/testshire", org_body(), headers={"If-None-Match": "*"}), 412)
    etag = client.get("/orgs/testshire").headers["ETag"]
    assert client.put("/orgs/testshire", org_body(name="Renamed"), headers={"If-Match": etag}).status_code == 200


IMPORTED = {
    "title": "Our set",
    "source": "Our benchmarking club, 2025",
    "published": "2025-06-01",
    "illustrative": False,
    "kpis": [{"kpi_id": "web_cost", "title": "Web cost", "unit": "gbp", "better": "lower", "level": "org"}],
    "peer_groups": {"London boroughs": {"web_cost": {"p25": 0.1, "median": 0.2, "p75": 0.3}}},
}


def test_a_benchmark_set_put_is_conditional_too(client):
    path = "/benchmarks/our-set"
    refused(client.put(path, IMPORTED, headers={"If-Match": "*"}), 412)
    created = client.put(path, IMPORTED, headers={"If-None-Match": "*"})
    assert created.status_code == 201, created.body
    etag = created.headers["ETag"]
    assert client.get(path).headers["ETag"] == etag
    refused(client.put(path, IMPORTED, headers={"If-None-Match": "*"}), 412)
    refused(client.put(path, {**IMPORTED, "title": "New"}, headers={"If-Match": '"stale"'}), 412)
    replaced = client.put(path, {**IMPORTED, "title": "New"}, headers={"If-Match": etag})
    assert replaced.status_code == 200 and replaced.headers["ETag"] != etag


def test_kpi_values_put_is_conditional_too(client, org, service_id):
    for path, kpi in (("/orgs/testshire/kpis/2025", "ict_spend_share"), (f"/orgs/testshire/services/{service_id}/kpis/2025", "digital_take_up")):
        refused(client.put(path, {"values": {kpi: 2}}, headers={"If-Match": "*"}), 412)
        created = client.put(path, {"values": {kpi: 2}}, headers={"If-None-Match": "*"})
        assert created.status_code == 200, created.body
        etag = created.headers["ETag"]
        assert client.get(path).headers["ETag"] == etag
        before = table_items()
        refused(client.put(path, {"values": {kpi: 3}}, headers={"If-None-Match": "*"}), 412)
        refused(client.put(path, {"values": {kpi: 3}}, headers={"If-Match": '"stale"'}), 412)
        assert table_items() == before
        assert client.put(path, {"values": {kpi: 3}}, headers={"If-Match": etag}).status_code == 200
        assert body(client.get(path))["values"] == {kpi: 3}


# -- 11. headers ---------------------------------------------------------------------------------------


def test_every_response_says_nosniff(client, org, service_id):
    for response in (
        client.get("/health"),
        client.get("/frameworks"),
        client.get("/orgs/testshire"),
        client.get("/no/such/path"),
        client.request("DELETE", "/health"),
        client.get("/orgs/testshire/scorecard?format=csv"),
        client.get("/app", token=None),
    ):
        assert response.headers.get("X-Content-Type-Options") == "nosniff", response.status_code


def test_private_data_is_never_cached_and_the_public_catalogue_may_be(client, org, service_id):
    for path in ("/orgs/testshire", f"/orgs/testshire/services/{service_id}", "/orgs/testshire/scorecard", "/orgs/testshire/scorecard?format=csv"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert client.get("/health").headers["Cache-Control"] == "no-store"
    for path in ("/frameworks", "/frameworks/ldd-2018", "/openapi.json"):
        assert client.get(path).headers["Cache-Control"].startswith("public"), path


def test_deployed_responses_carry_strict_transport_security(client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/health").headers
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ldd-tracker-prod-api_handler")
    assert client.get("/health").headers["Strict-Transport-Security"].startswith("max-age=31536000")


# -- stored text that predates the checks ---------------------------------------------------------------


def test_pages_show_text_stored_before_the_checks(client, org, service_id, monkeypatch):
    """Component records (kept as JSON) took lone surrogates before the API refused them."""
    from chalicelib.bootstrap import use_cases
    from chalicelib.domain.access import Principal
    from chalicelib.domain.model import ComponentSpec
    from chalicelib.domain.plain import from_plain
    from tests.api.pages_support import Browser

    admin = Principal("admin-1", "admin@testshire.example", "testshire", frozenset({"admin"}))
    spec = from_plain(ComponentSpec, component_body(supplier=f"Acme{LONE}", product=f"Case{LONE}book"))
    use_cases().components.put(admin, "testshire", service_id, "crm", spec)

    monkeypatch.setenv("OIDC_CLIENT_ID", client.identity.audience)
    monkeypatch.setenv("APP_BASE_URL", "https://tracker.example")
    browser = Browser(client.http, client.token())
    for path in (f"/app/orgs/testshire/services/{service_id}", "/app/orgs/testshire"):
        shown = browser.get(path)
        assert shown.status_code == 200, (path, shown.status_code)
        text = shown.body.decode("utf-8") if isinstance(shown.body, bytes) else shown.body
        assert "Acme\ufffd" in text and LONE not in text, path
        text.encode("utf-8")


def test_a_method_a_page_lacks_is_a_gov_uk_page_with_allow(client):
    response = client.request("DELETE", "/app", token=None)
    assert response.status_code == 405
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Allow"] == "GET"
    assert b"govuk-heading-l" in response.body and b"Page not found" in response.body
