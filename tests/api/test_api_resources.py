"""Happy paths and conventions of the resources: organisations, services, components and
assessments, through HTTP as API.md describes them."""

from datetime import datetime, timedelta

import pytest

from tests.api.conftest import NOW, assessment_body, body, component_body, org_body, service_body, table_items

PROBLEM_JSON = "application/problem+json"


def instant(text: str) -> datetime:
    """An RFC 3339 UTC timestamp."""
    assert text.endswith("Z") or text.endswith("+00:00"), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_json(response, status):
    """Status and a JSON body (the Content-Type is checked once, in its own test below)."""
    assert response.status_code == status, (response.status_code, response.body)
    return body(response)


def assert_problem(response, status):
    assert response.status_code == status, (response.status_code, response.body)
    assert response.headers["Content-Type"].split(";")[0] == PROBLEM_JSON
    problem = body(response)
    assert problem["status"] == status and problem["title"] and problem["detail"] and problem["type"]
    return problem


def location_path(response) -> str:
    """The path of the Location header (absolute URLs allowed)."""
    location = response.headers["Location"]
    assert location
    return "/" + location.split("://", 1)[1].split("/", 1)[1] if "://" in location else location


def collect(client, path, limit):
    """Every item of a paginated list, following next_cursor; also the page sizes seen."""
    items, sizes, cursor = [], [], None
    for _ in range(50):
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = assert_json(client.get(path + query), 200)
        assert set(page) >= {"items", "next_cursor"}
        assert len(page["items"]) <= limit
        items += page["items"]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return items, sizes
        assert isinstance(cursor, str) and cursor
    raise AssertionError("next_cursor never became null")


# -- organisations -------------------------------------------------------------------------------


def test_put_org_creates_with_location_then_replaces(client, clock):
    created = client.put("/orgs/camden", org_body(name="Camden Council"))
    org = assert_json(created, 201)
    assert location_path(created) == "/orgs/camden"
    assert org["org_id"] == "camden"
    assert org["name"] == "Camden Council"
    assert org["peer_group"] == "London boroughs"
    assert org["declaration_signed_on"] == "2019-03-01"

    clock.instant = NOW + timedelta(hours=1)
    replaced = client.put("/orgs/camden", {"name": "London Borough of Camden"})
    again = assert_json(replaced, 200)
    assert again["org_id"] == "camden"
    assert again["name"] == "London Borough of Camden"
    # PUT replaces: the optional fields left out are gone.
    assert again["peer_group"] is None
    assert again["declaration_signed_on"] is None

    read = assert_json(client.get("/orgs/camden"), 200)
    assert read["name"] == "London Borough of Camden"
    assert read["peer_group"] is None


def test_get_orgs_lists_them_and_paginates(client):
    for slug, name in [("hackney", "Hackney"), ("camden", "Camden"), ("leeds", "Leeds City Council")]:
        assert client.put(f"/orgs/{slug}", org_body(name=name)).status_code == 201
    everything = assert_json(client.get("/orgs"), 200)
    assert everything["next_cursor"] is None
    assert {o["org_id"] for o in everything["items"]} == {"hackney", "camden", "leeds"}
    by_id = {o["org_id"]: o for o in everything["items"]}
    assert by_id["leeds"]["name"] == "Leeds City Council"

    items, sizes = collect(client, "/orgs", 2)
    assert sorted(o["org_id"] for o in items) == ["camden", "hackney", "leeds"]
    assert len(items) == 3 and sizes[0] == 2


def test_get_one_org(client, org):
    read = assert_json(client.get(f"/orgs/{org}"), 200)
    assert read["org_id"] == org
    assert read["name"] == "Testshire Council"
    assert read["declaration_signed_on"] == "2019-03-01"


# -- services ------------------------------------------------------------------------------------


def test_post_service_is_201_with_location_and_etag(client, org):
    created = client.post(f"/orgs/{org}/services", service_body(description="Residents' permits", phase="beta"))
    service = assert_json(created, 201)
    assert isinstance(service["service_id"], str) and service["service_id"]
    assert location_path(created) == f"/orgs/{org}/services/{service['service_id']}"
    assert created.headers.get("ETag")
    assert service["name"] == "Parking permits"
    assert service["department"] == "Environment"
    assert service["owner_email"] == "owner@testshire.example"
    assert service["description"] == "Residents' permits"
    assert service["phase"] == "beta"

    read = client.get(location_path(created))
    assert assert_json(read, 200) == service
    assert read.headers["ETag"] == created.headers["ETag"]


def test_optional_service_fields_default_to_null(client, org):
    service = assert_json(client.post(f"/orgs/{org}/services", service_body()), 201)
    assert service["description"] is None
    assert service["phase"] is None


def test_service_ids_sort_by_creation_time(client, org, clock):
    ids = []
    for i in range(4):
        clock.instant = NOW + timedelta(seconds=i)
        ids.append(body(client.post(f"/orgs/{org}/services", service_body(name="Same name")))["service_id"])
    assert ids == sorted(ids)
    assert len(set(ids)) == 4


def test_service_etag_covers_only_its_editable_fields(client, org, service_id, clock):
    base = f"/orgs/{org}/services/{service_id}"
    etag = client.get(base).headers["ETag"]
    assert etag

    clock.instant = NOW + timedelta(minutes=1)
    assert client.post(f"{base}/assessments", assessment_body(client)).status_code == 201
    assert client.get(base).headers["ETag"] == etag
    assert client.put(f"{base}/components/casebook", component_body()).status_code == 201
    assert client.get(base).headers["ETag"] == etag
    assert client.put(f"{base}/components/casebook", component_body(product="Other")).status_code == 200
    assert client.delete(f"{base}/components/casebook").status_code == 204
    assert client.get(base).headers["ETag"] == etag

    patched = client.patch(base, {"phase": "live"}, headers={"If-Match": etag})
    assert_json(patched, 200)
    new_etag = patched.headers["ETag"]
    assert new_etag and new_etag != etag
    assert client.get(base).headers["ETag"] == new_etag

    # it is a function of those fields: editing them back, later, gives the first ETag again
    clock.instant = NOW + timedelta(hours=1)
    reverted = client.patch(base, {"phase": None}, headers={"If-Match": new_etag})
    assert reverted.status_code == 200, reverted.body
    assert reverted.headers["ETag"] == etag
    assert client.get(base).headers["ETag"] == etag


def test_patch_is_a_json_merge_patch(client, org, clock):
    created = client.post(
        f"/orgs/{org}/services", service_body(description="Apply for a residents' permit", phase="beta")
    )
    service = body(created)
    base = f"/orgs/{org}/services/{service['service_id']}"

    # null removes an optional field; fields not named stay as they were
    clock.instant = NOW + timedelta(minutes=1)
    removed = client.patch(base, {"description": None}, headers={"If-Match": created.headers["ETag"]})
    after = assert_json(removed, 200)
    assert after["description"] is None
    assert after["phase"] == "beta"
    assert after["name"] == service["name"]
    assert after["department"] == service["department"]
    assert after["owner_email"] == service["owner_email"]
    assert after["service_id"] == service["service_id"]

    # application/merge-patch+json is accepted too
    merge = {"Content-Type": "application/merge-patch+json", "If-Match": removed.headers["ETag"]}
    renamed = client.patch(base, {"name": "Resident parking", "department": "Highways", "phase": "live"}, headers=merge)
    after = assert_json(renamed, 200)
    assert (after["name"], after["department"], after["phase"]) == ("Resident parking", "Highways", "live")
    assert after["description"] is None

    read = assert_json(client.get(base), 200)
    assert read == after
    # the summaries behind the scorecards follow the edit
    assert body(client.get(f"{base}/scorecard"))["name"] == "Resident parking"
    row = body(client.get(f"/orgs/{org}/scorecard"))["services"][0]
    assert (row["name"], row["department"]) == ("Resident parking", "Highways")

    # a required field cannot be removed, and the refusal changes nothing
    before = table_items()
    problem = assert_problem(client.patch(base, {"name": None}, headers={"If-Match": renamed.headers["ETag"]}), 422)
    assert "name" in problem["errors"]
    assert table_items() == before


def test_services_are_listed_by_department_name_and_id_across_pages(client, org, clock):
    entries = [
        ("Waste", "Bins"),
        ("Environment", "Parking permits"),
        ("Environment", "Air quality"),
        ("Adult Social Care", "Care finder"),
        ("Environment", "Parking permits"),
        ("Waste", "Bulky items"),
        ("Adult Social Care", "Blue badges"),
    ]
    created = []
    for i, (department, name) in enumerate(entries):
        clock.instant = NOW + timedelta(seconds=i)
        service = body(client.post(f"/orgs/{org}/services", service_body(name=name, department=department)))
        created.append((department, name, service["service_id"]))
    expected = [service_id for *_, service_id in sorted(created)]

    items, sizes = collect(client, f"/orgs/{org}/services", 2)
    assert [s["service_id"] for s in items] == expected
    assert sizes == [2, 2, 2, 1]

    items, sizes = collect(client, f"/orgs/{org}/services", 7)
    assert [s["service_id"] for s in items] == expected and sizes == [7]

    default = assert_json(client.get(f"/orgs/{org}/services"), 200)
    assert [s["service_id"] for s in default["items"]] == expected
    assert default["next_cursor"] is None

    first = assert_json(client.get(f"/orgs/{org}/services?limit=1"), 200)
    assert [s["service_id"] for s in first["items"]] == expected[:1]
    assert first["next_cursor"]


def test_service_lists_do_not_mix_organisations(client, org):
    assert client.put("/orgs/other", org_body(name="Other")).status_code == 201
    mine = body(client.post(f"/orgs/{org}/services", service_body()))["service_id"]
    theirs = body(client.post("/orgs/other/services", service_body(), org="other"))["service_id"]
    assert [s["service_id"] for s in body(client.get(f"/orgs/{org}/services"))["items"]] == [mine]
    assert [s["service_id"] for s in body(client.get("/orgs/other/services", org="other"))["items"]] == [theirs]
    assert client.get(f"/orgs/other/services/{mine}", org="other").status_code == 404


# -- components ----------------------------------------------------------------------------------


def test_components_put_get_list_delete(client, org, service_id):
    base = f"/orgs/{org}/services/{service_id}/components"
    created = client.put(f"{base}/casebook", component_body())
    component = assert_json(created, 201)
    etag = created.headers["ETag"]
    assert etag
    sent = component_body()
    for key, value in sent.items():
        assert component[key] == value, key
    assert component["component_id"] == "casebook"
    assert component["flags"] == []

    # conditional replace with the ETag from the PUT response
    replaced = client.put(f"{base}/casebook", component_body(product="Casebook Pro"), headers={"If-Match": etag})
    assert assert_json(replaced, 200)["product"] == "Casebook Pro"
    assert replaced.headers["ETag"] != etag
    # unconditional replace
    again = client.put(f"{base}/casebook", component_body(product="Casebook Pro 2"))
    assert assert_json(again, 200)["product"] == "Casebook Pro 2"

    other = client.put(f"{base}/payments", component_body(supplier="PayCo", contract=None))
    assert assert_json(other, 201)["contract"] is None

    listed = assert_json(client.get(base), 200)
    assert sorted(c["component_id"] for c in listed["items"]) == ["casebook", "payments"]
    assert len(listed["items"]) <= 50
    assert all("flags" in c for c in listed["items"])

    one = client.get(f"{base}/casebook")
    read = assert_json(one, 200)
    assert read["product"] == "Casebook Pro 2"
    assert read == body(again)

    deleted = client.delete(f"{base}/casebook")
    assert deleted.status_code == 204
    assert not deleted.body
    assert_problem(client.get(f"{base}/casebook"), 404)
    assert_problem(client.delete(f"{base}/casebook"), 404)
    assert [c["component_id"] for c in body(client.get(base))["items"]] == ["payments"]
    # it can be recorded again afterwards
    assert client.put(f"{base}/casebook", component_body()).status_code == 201


def test_an_empty_component_list_of_a_known_service(client, org, service_id):
    assert assert_json(client.get(f"/orgs/{org}/services/{service_id}/components"), 200)["items"] == []


def _codes(response):
    return {f["code"] for f in body(response)["flags"]}


def test_the_component_response_carries_its_own_flags(client, org, service_id):
    path = f"/orgs/{org}/services/{service_id}/components/legacy"
    locked_in = component_body(
        supplier="Northgate",
        product="Revenues",
        kind="bespoke",
        contract={"start": "2020-01-01", "end": "2026-06-30", "auto_renew": True, "annual_cost_gbp": 250000},
        interfaces={"open_api": False, "api_documented": False, "api_extra_charge": True},
        data={"export_formats": ["pdf", "proprietary"], "free_bulk_export": False, "open_standards": []},
        exit_plan={"exists": False, "last_reviewed": None},
        customisation="heavy",
        source_code="closed",
    )
    response = client.put(path, locked_in)
    component = assert_json(response, 201)
    severities = {f["code"]: f["severity"] for f in component["flags"]}
    assert severities == {
        "NO_OPEN_API": "high",
        "API_EXTRA_CHARGE": "medium",
        "NO_FREE_BULK_EXPORT": "high",
        "PROPRIETARY_DATA_ONLY": "high",
        "NO_EXIT_PLAN": "high",
        "LONG_CONTRACT": "medium",
        "AUTO_RENEWAL": "medium",
        "EXPIRY_WITHOUT_EXIT_PLAN": "high",
        "HEAVY_CUSTOMISATION": "medium",
        "CLOSED_BESPOKE": "medium",
    }
    for flag in component["flags"]:
        assert set(flag) >= {"code", "severity", "component_id", "message", "reference"}
        assert flag["component_id"] == "legacy"
        assert flag["message"] and flag["reference"]
    assert _codes(client.get(path)) == set(severities)

    def flags_of(**changes):
        result = client.put(path, component_body(**changes))
        assert result.status_code == 200, result.body
        return _codes(result)

    assert flags_of() == set()
    assert flags_of(interfaces={"open_api": True, "api_documented": False, "api_extra_charge": False}) == {"NO_OPEN_API"}
    assert flags_of(data={"export_formats": [], "free_bulk_export": True, "open_standards": []}) == {"PROPRIETARY_DATA_ONLY"}
    assert flags_of(data={"export_formats": ["xlsx", "open-referral-uk"], "free_bulk_export": True, "open_standards": []}) == set()
    assert flags_of(exit_plan={"exists": True, "last_reviewed": None}) == {"EXIT_PLAN_STALE"}
    # "more than 12 months ago": 15 March 2025 is exactly 12 months before today (15 March 2026)
    assert flags_of(exit_plan={"exists": True, "last_reviewed": "2025-03-15"}) == set()
    assert flags_of(exit_plan={"exists": True, "last_reviewed": "2025-03-14"}) == {"EXIT_PLAN_STALE"}
    # "later than start + 4 years"
    four_years = {"start": "2022-04-01", "end": "2026-04-01", "auto_renew": False, "annual_cost_gbp": 0}
    assert flags_of(contract=four_years) == set()
    assert flags_of(contract={**four_years, "end": "2026-04-02"}) == {"LONG_CONTRACT"}
    # 29 February 2024 + 4 years is 29 February 2028
    leap = {"start": "2024-02-29", "end": "2028-02-29", "auto_renew": False, "annual_cost_gbp": 0}
    assert flags_of(contract=leap) == set()
    assert flags_of(contract={**leap, "end": "2028-03-01"}) == {"LONG_CONTRACT"}
    assert flags_of(kind="bespoke", source_code="open") == set()
    assert flags_of(kind="bespoke", source_code="escrow") == {"CLOSED_BESPOKE"}
    assert flags_of(contract=None, exit_plan={"exists": False, "last_reviewed": None}) == {"NO_EXIT_PLAN"}


# -- assessments ---------------------------------------------------------------------------------


def _mixed_answers(client):
    """P1: 3 green, 2 amber, 2 red, 1 n/a; P2 green; P3: 3 amber, rest green; P4 all n/a; P5 green."""
    return assessment_body(
        client,
        P1_Q2="amber",
        P1_Q3="red",
        P1_Q4="not_applicable",
        P3_Q1="amber",
        P4_Q1="not_applicable",
        P4_Q2="not_applicable",
        P4_Q3="not_applicable",
        P4_Q4="not_applicable",
    )


def test_submitting_an_assessment_scores_it(client, org, service_id):
    base = f"/orgs/{org}/services/{service_id}"
    response = client.post(f"{base}/assessments", _mixed_answers(client))
    assessment = assert_json(response, 201)
    assert location_path(response) == f"{base}/assessments/{assessment['assessment_id']}"
    assert assessment["service_id"] == service_id
    assert assessment["framework_id"] == "ldd-2018"
    assert assessment["submitted_by"] == "admin@testshire.example"
    assert instant(assessment["submitted_at"]) == NOW

    score = assessment["score"]
    # By hand (weights from the ldd-2018 catalogue):
    #   P1: Q1 w3 green 3 + Q2 w2 amber 1 + Q3 w2 red 0 (Q4 n/a) = 4 / 7 -> 57.142857 -> 57.1
    #   P2: all green -> 100; P5: all green -> 100
    #   P3: Q1 w3 amber 1.5 + 2 + 2 + 1 = 6.5 / 8 = 81.25 -> 81.3 (half-up, not half-even)
    #   P4: every question n/a -> null
    #   overall = (57.142857 + 100 + 81.25 + 100) / 4 = 84.598214 -> 84.6
    #   level: 84.6 >= 70 but one red answer fails Developing's gate; Learning (55, <= 2 reds) holds
    assert score["overall"] == 84.6
    assert score["level"] == {"level": 3, "name": "Learning"}
    principles = {p["principle_id"]: p for p in score["principles"]}
    assert [p["principle_id"] for p in score["principles"]] == ["P1", "P2", "P3", "P4", "P5"]
    assert principles["P1"] == {"principle_id": "P1", "score": 57.1, "answered": 4, "applicable": 3}
    assert principles["P2"] == {"principle_id": "P2", "score": 100.0, "answered": 4, "applicable": 4}
    assert principles["P3"] == {"principle_id": "P3", "score": 81.3, "answered": 4, "applicable": 4}
    assert principles["P4"] == {"principle_id": "P4", "score": None, "answered": 4, "applicable": 0}
    assert principles["P5"]["score"] == 100.0

    contributions = {c["question_id"]: c for c in score["contributions"]}
    assert len(contributions) == 20
    assert contributions["P1-Q1"] == {"question_id": "P1-Q1", "rating": "green", "weight": 3, "points": 3, "max_points": 3}
    assert contributions["P1-Q2"] == {"question_id": "P1-Q2", "rating": "amber", "weight": 2, "points": 1, "max_points": 2}
    assert contributions["P1-Q3"] == {"question_id": "P1-Q3", "rating": "red", "weight": 2, "points": 0, "max_points": 2}
    assert contributions["P1-Q4"] == {
        "question_id": "P1-Q4",
        "rating": "not_applicable",
        "weight": 1,
        "points": None,
        "max_points": None,
    }
    assert contributions["P3-Q1"]["points"] == 1.5 and contributions["P3-Q1"]["max_points"] == 3

    # no component recorded at that moment
    assert assessment["lock_in"]["risk"] == "medium"
    assert [f["code"] for f in assessment["lock_in"]["flags"]] == ["NO_COMPONENTS_RECORDED"]

    read = client.get(location_path(response))
    assert assert_json(read, 200) == assessment


def test_all_green_scores_100_at_the_top_level(client, org, service_id):
    assessment = body(client.post(f"/orgs/{org}/services/{service_id}/assessments", assessment_body(client)))
    assert assessment["score"]["overall"] == 100.0
    assert assessment["score"]["level"] == {"level": 5, "name": "Mastering"}
    assert all(p["score"] == 100.0 for p in assessment["score"]["principles"])


def test_an_assessment_keeps_the_lock_in_of_its_moment(client, org, service_id, clock):
    base = f"/orgs/{org}/services/{service_id}"
    no_exit = component_body(exit_plan={"exists": False, "last_reviewed": None})  # contract ends 2027-03-31
    assert client.put(f"{base}/components/casebook", no_exit).status_code == 201
    submitted = body(client.post(f"{base}/assessments", assessment_body(client)))
    # NO_EXIT_PLAN and EXPIRY_WITHOUT_EXIT_PLAN: two high flags
    assert submitted["lock_in"]["risk"] == "critical"
    assert {f["code"] for f in submitted["lock_in"]["flags"]} == {"NO_EXIT_PLAN", "EXPIRY_WITHOUT_EXIT_PLAN"}
    assert all(f["component_id"] == "casebook" for f in submitted["lock_in"]["flags"])

    clock.instant = NOW + timedelta(days=1)
    assert client.put(f"{base}/components/casebook", component_body()).status_code == 200
    kept = body(client.get(f"{base}/assessments/{submitted['assessment_id']}"))
    assert kept["lock_in"] == submitted["lock_in"]
    assert body(client.get(f"{base}/scorecard"))["lock_in"] == {"risk": "none", "flags": []}


def test_assessments_are_kept_and_listed_newest_first(client, org, service_id, clock):
    base = f"/orgs/{org}/services/{service_id}"
    ratings = ["red", "amber", "green"]
    submitted = []
    for day, rating in enumerate(ratings):
        clock.instant = NOW + timedelta(days=day)
        response = client.post(f"{base}/assessments", assessment_body(client, rating=rating))
        submitted.append(assert_json(response, 201))
    ids = [a["assessment_id"] for a in submitted]
    assert ids == sorted(ids) and len(set(ids)) == 3  # ids sort by creation time

    items, sizes = collect(client, f"{base}/assessments", 2)
    assert [a["assessment_id"] for a in items] == ids[::-1]
    assert sizes == [2, 1]
    assert [a["score"]["overall"] for a in items] == [100.0, 50.0, 0.0]

    listed = assert_json(client.get(f"{base}/assessments"), 200)
    assert [a["assessment_id"] for a in listed["items"]] == ids[::-1]
    assert listed["next_cursor"] is None

    for a in submitted:
        assert body(client.get(f"{base}/assessments/{a['assessment_id']}")) == a

    card = body(client.get(f"{base}/scorecard"))
    assert card["assessment_id"] == ids[-1]
    assert card["score"]["overall"] == 100.0
    assert instant(card["assessed_at"]) == NOW + timedelta(days=2)


def test_an_empty_assessment_history(client, org, service_id):
    listed = assert_json(client.get(f"/orgs/{org}/services/{service_id}/assessments"), 200)
    assert listed == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_assessments_are_immutable(client, org, service_id, method):
    base = f"/orgs/{org}/services/{service_id}/assessments"
    assessment = body(client.post(base, assessment_body(client)))
    path = f"{base}/{assessment['assessment_id']}"
    before = table_items()
    payload = assessment_body(client, rating="red") if method != "DELETE" else None
    response = client.request(method, path, body=payload)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    assert method not in response.headers["Allow"]
    assert table_items() == before
    assert body(client.get(path)) == assessment


def test_every_json_response_says_application_json(client, org, service_id):
    """API.md: JSON in and out (application/json), for lists and reads as for writes."""
    base = f"/orgs/{org}/services/{service_id}"
    assert client.put(f"{base}/components/casebook", component_body()).status_code == 201
    assessment_id = body(client.post(f"{base}/assessments", assessment_body(client)))["assessment_id"]
    paths = [
        "/health",
        "/frameworks",
        "/frameworks/ldd-2018",
        "/orgs",
        f"/orgs/{org}",
        f"/orgs/{org}/services",
        base,
        f"{base}/components",
        f"{base}/components/casebook",
        f"{base}/assessments",
        f"{base}/assessments/{assessment_id}",
        f"{base}/scorecard",
        f"/orgs/{org}/scorecard",
        "/openapi.json",
    ]
    wrong = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.body)
        content_type = response.headers.get("Content-Type", "")
        if content_type.split(";")[0].strip() != "application/json":
            wrong[path] = content_type or "(none)"
    assert not wrong, f"GET responses without Content-Type: application/json: {wrong}"
