"""Finding things in the pages (issue 13): the services list's filters, sorts, search and pages,
each a bookmarkable query string, and its request budget at 1 and 1,000 services. Reuses the
page tests' app and organisation "own" (tests/api/test_pages.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.api.pages_support import Browser, error_summary_links, leader_of, page, requests_of, set_cookies
from tests.api.test_pages import MANY_SERVICES, _load_orgs, _summary_pages, api, as_, world  # noqa: F401 (fixtures)
from tests.dynamo_requests import RECORDER

LIST = "/app/orgs/own/services"


def listed(response) -> list[str]:
    rows = page(response).by_id("services").find_all("tbody")[0].find_all("tr")
    return [row.find_all("a")[0].attrs["href"].rsplit("/", 1)[-1] for row in rows if row.find_all("a")]


def test_the_list_shows_each_services_score_level_risk_and_last_assessment(api, world):
    response = as_(api, "owner").get(LIST)
    assert response.status_code == 200
    table = page(response).by_id("services")
    headers = [th.text().strip() for th in table.find_all("thead")[0].find_all("th")]
    assert [h.split(":")[0].strip() for h in headers] == ["Service", "Department", "Score", "Level", "Lock-in", "Last assessed"]
    rows = {row.find_all("a")[0].text(): row.text() for row in table.find_all("tbody")[0].find_all("tr")}
    assert "100.0" in rows["Parking permits"] and "You" in rows["Parking permits"]
    assert "Never" in rows["Bulky waste"] and "Not assessed" in rows["Bulky waste"]
    assert listed(response) == [world["red"], world["unassessed"], world["own"]["service_id"]]  # by name


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?sort=score", ["own", "red", "unassessed"]),
        ("?department=Adults", ["red"]),
        ("?search=PARK", ["own"]),
        ("?staleness=never", ["unassessed"]),
        ("?level=none", ["unassessed"]),
        ("?risk=none", ["own"]),
        ("?risk=medium&department=Adults", ["red"]),
        ("?risk=high&department=Adults", []),
    ],
)
def test_each_filter_and_sort_is_a_query_string(api, world, query, expected):
    ids = {"own": world["own"]["service_id"], "red": world["red"], "unassessed": world["unassessed"]}
    response = as_(api, "leadership").get(LIST + query)
    assert response.status_code == 200
    assert listed(response) == [ids[name] for name in expected]


def test_the_sort_links_keep_the_filters(api, world):
    doc = page(as_(api, "leadership").get(LIST + "?department=Environment"))
    links = [a.attrs["href"] for a in doc.by_id("services").find_all("thead")[0].find_all("a")]
    assert LIST + "?department=Environment&sort=score" in links
    chosen = [o.attrs["value"] for o in doc.by_id("department").find_all("option") if "selected" in o.attrs]
    assert chosen == ["Environment"]


def test_a_value_the_list_does_not_offer_is_an_error_summary_and_the_rest_still_applies(api, world):
    response = as_(api, "leadership").get(LIST + "?risk=extreme&department=Adults&page=0")
    assert response.status_code == 400
    assert set(error_summary_links(response)) == {"#risk", "#page"}
    assert listed(response) == [world["red"]]


def test_the_list_pages_through_many_services(api):
    _load_orgs({"find-many": 120})
    browser = leader_of(api.http, "find-many")
    first = browser.get("/app/orgs/find-many/services?sort=score")
    assert len(listed(first)) == 50
    nav = page(first).find_all("nav", **{"aria-label": "Pages of services"})[0]
    hrefs = [a.attrs["href"] for a in nav.find_all("a")]
    assert "/app/orgs/find-many/services?sort=score&page=2" in hrefs
    last = browser.get("/app/orgs/find-many/services?sort=score&page=3")
    assert len(listed(last)) == 20
    assert not set(listed(first)) & set(listed(last))


def test_the_list_reads_the_same_whatever_the_number_of_services(api, world):
    _load_orgs({"find-one": 1, "find-thousand": MANY_SERVICES})
    measured = {}
    for org_id in ("find-one", "find-thousand"):
        _, measured[org_id] = requests_of(api.http, org_id, "/app/orgs/{org_id}/services?sort=risk&department=Dept%201")
    # The summaries only: one Query per 1 MB page of them, nothing per service.
    assert measured["find-one"] == ["Query"]
    summaries = _summary_pages("find-thousand")
    assert summaries >= 2, "the data should need paging"
    assert Counter(measured["find-thousand"]) == {"Query": summaries}


def test_the_dashboards_contents_list_leads_to_each_of_its_sections(api, world):
    doc = page(as_(api, "leadership").get("/app/orgs/own"))
    anchors = [a.attrs["href"] for a in doc.by_id("contents").find_all("a")]
    assert len(anchors) >= 8
    for anchor in anchors:
        assert doc.by_id(anchor[1:]).tag == "h2"


@pytest.mark.parametrize("table", ["lock-in-by-risk", "levels"])
def test_every_risk_and_level_count_leads_to_the_services_it_counts(api, world, table):
    browser = as_(api, "leadership")
    doc = page(browser.get("/app/orgs/own?department=Environment"))
    counted = doc.by_id(table).find_all("tbody")[0].find_all("a")
    assert counted
    for link in counted:
        href = link.attrs["href"]
        assert href.startswith(LIST + "?") and "department=Environment" in href
        count = int(link.text().split()[0])
        assert len(listed(browser.get(href))) == count, href


# History: a past assessment's own page -------------------------------------------------------


def test_a_past_assessment_opens_with_what_changed_since_the_one_before(api, world):
    from tests.api.conftest import assessment_body, body

    service_id = world["red"]
    first = body(api.get(f"/orgs/own/services/{service_id}/assessments", org="own"))["items"][-1]
    second = api.post(f"/orgs/own/services/{service_id}/assessments", assessment_body(api, rating="amber"), org="own")
    assert second.status_code == 201
    second = body(second)
    service_page = page(as_(api, "owner").get(f"/app/orgs/own/services/{service_id}"))
    history = [a.attrs["href"] for a in service_page.by_id("assessments").find_all("a")]
    base = f"/app/orgs/own/services/{service_id}/assessments/"
    assert history == [base + second["assessment_id"], base + first["assessment_id"]]  # newest first

    with RECORDER.measure() as ops:
        response = as_(api, "owner").get(history[0])
    assert response.status_code == 200
    assert sorted(ops) == ["GetItem", "Query"]  # the assessment with its predecessor; the service
    doc = page(response)
    assert "from 0.0 out of 100 to 50.0 out of 100" in " ".join(doc.by_id("changes-summary").text().split())
    principles = doc.by_id("principle-changes").find_all("tbody")[0].find_all("tr")
    assert principles and all("Up" in row.text() for row in principles)
    ratings = doc.by_id("rating-changes").find_all("tbody")[0].find_all("tr")
    assert len(ratings) == len(first["score"]["contributions"])  # red to amber, every one
    assert all("Red" in r.text() and "Amber" in r.text() and "Up" in r.text() for r in ratings)
    assert len(doc.by_id("contributions").find_all("tbody")[0].find_all("tr")) == len(ratings)

    earliest = page(as_(api, "leadership").get(history[1]))
    assert "first assessment" in earliest.by_id("changes-summary").text()


def test_an_assessment_of_another_service_is_not_found(api, world):
    response = as_(api, "admin").get(f"/app/orgs/own/services/{world['red']}/assessments/{world['own']['assessment_id']}")
    assert response.status_code == 404


# Housekeeping: removing a component ---------------------------------------------------------


def test_an_owner_removes_a_component_after_confirming_it(api, world):
    from tests.api.conftest import body, component_body, table_items

    service_id = world["own"]["service_id"]
    assert api.put(f"/orgs/own/services/{service_id}/components/old-crm", component_body(), org="own").status_code == 201
    browser = as_(api, "owner")
    url = f"/app/orgs/own/services/{service_id}/components/old-crm/remove"
    links = [a.attrs["href"] for a in page(browser.get(f"/app/orgs/own/services/{service_id}")).find_all("a")]
    assert url in links
    confirm = browser.get(url)
    assert confirm.status_code == 200
    form = page(confirm).by_id("remove-component")
    etag = [i.attrs["value"] for i in form.find_all("input") if i.attrs.get("name") == "etag"][0]

    # A page made from an older version, or without this session's CSRF token, removes nothing.
    before = table_items()
    assert browser.post(url, {"etag": '"stale"'}).status_code == 412
    assert browser.post(url, {"etag": etag}, csrf="forged").status_code == 403
    assert table_items() == before

    removed = browser.post(url, {"etag": etag})
    assert removed.status_code == 303 and removed.headers["Location"].endswith(f"/services/{service_id}#components")
    assert f"component-removed.{service_id};" in " ".join(set_cookies(removed))
    ids = [c["component_id"] for c in body(api.get(f"/orgs/own/services/{service_id}/components", org="own"))["items"]]
    assert "old-crm" not in ids and "crm" in ids


# Housekeeping: retiring a service ------------------------------------------------------------


def test_an_owner_retires_a_service_out_of_the_scorecards_and_reinstates_it(api, world):
    from tests.api.conftest import body
    from tests.api.test_pages import fresh_service

    service_id = fresh_service(api, "Paper permits")
    browser = as_(api, "owner")
    url = f"/app/orgs/own/services/{service_id}/retirement"
    assert url in [a.attrs["href"] for a in page(browser.get(f"/app/orgs/own/services/{service_id}")).find_all("a")]
    assert browser.get(url).status_code == 200
    assert browser.post(url, {"retired": "maybe"}).status_code == 400
    assert browser.post(url, {"retired": "yes"}).status_code == 303

    card = body(api.get("/orgs/own/scorecard", org="own"))
    assert service_id not in [s["service_id"] for s in card["services"]]
    assert service_id not in api.get("/orgs/own/scorecard?format=csv", org="own").body.decode()
    assert service_id not in listed(as_(api, "leadership").get("/app/orgs/own"))
    assert service_id not in listed(browser.get(LIST))
    assert service_id in listed(browser.get(LIST + "?retired=show"))
    shown = page(browser.get(f"/app/orgs/own/services/{service_id}"))
    assert "retired" in shown.by_id("retired").text()
    actions = [r["action"] for r in body(api.get("/orgs/own/audit", org="own"))["items"]]
    assert actions[0] == "service.retired"

    assert browser.post(url, {"retired": "no"}).status_code == 303
    assert service_id in [s["service_id"] for s in body(api.get("/orgs/own/scorecard", org="own"))["services"]]


def test_the_api_retires_and_reinstates_a_service(api, world):
    from tests.api.conftest import body
    from tests.api.test_pages import fresh_service

    service_id = fresh_service(api, "Old newsletter")
    path = f"/orgs/own/services/{service_id}/retirement"
    retired = api.put(path, org="own")
    assert (retired.status_code, body(retired)) == (200, {"service_id": service_id, "retired": True})
    assert api.put(path, org="own").status_code == 200  # again: no change
    assert service_id not in [s["service_id"] for s in body(api.get("/orgs/own/scorecard", org="own"))["services"]]
    assert api.get(f"/orgs/own/services/{service_id}/scorecard", org="own").status_code == 200  # kept, readable
    assert api.delete(path, org="own").status_code == 204
    assert service_id in [s["service_id"] for s in body(api.get("/orgs/own/scorecard", org="own"))["services"]]
    assert api.put("/orgs/own/services/01ARZ3NDEKTSV4RRFFQ69G5FAV/retirement", org="own").status_code == 404


def test_a_new_components_short_name_defaults_to_its_product_not_yet_taken(api, world):
    from tests.api.test_pages import COMPONENT_FORM, fresh_service

    service_id = fresh_service(api, "Short names")
    url = f"/app/orgs/own/services/{service_id}/new-component"
    browser = as_(api, "owner")
    first = browser.post(url, [("component_id", ""), *COMPONENT_FORM])  # product "Casebook"
    assert f"component-saved.{service_id}/casebook;" in " ".join(set_cookies(first))
    second = browser.post(url, [("component_id", ""), *COMPONENT_FORM])
    assert f"component-saved.{service_id}/casebook-2;" in " ".join(set_cookies(second))


def test_a_new_services_department_is_chosen_from_the_organisations_or_typed_in(api, world):
    from tests.api.conftest import body

    browser = as_(api, "admin")
    form = page(browser.get("/app/orgs/own/new-service"))
    offered = [i.attrs["value"] for i in form.by_id("service").find_all("input") if i.attrs.get("name") == "department"]
    assert offered[:2] == ["Adults", "Environment"] and offered[-1] == "new"
    fields = {"name": "Library loans", "owner_email": "admin@own.example"}
    made = browser.post("/app/orgs/own/new-service", {**fields, "department": "new", "new_department": "Culture"})
    assert made.status_code == 303
    service_id = made.headers["Location"].split("/")[-1].split("?")[0]
    assert body(api.get(f"/orgs/own/services/{service_id}", org="own"))["department"] == "Culture"
    refused = browser.post("/app/orgs/own/new-service", {**fields, "department": "new", "new_department": " "})
    assert refused.status_code == 422 and error_summary_links(refused) == ["#department"]
