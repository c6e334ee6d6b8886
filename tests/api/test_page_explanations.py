"""The pages explain their figures and speak in words: the component form's conditional reveals
and its errors in one round, rules and flags from the catalogue with their placeholders filled,
references as links, and the reasons behind a level, a risk and "Out of date".

The app, the people and organisation "own" are test_pages.py's (one table for this module)."""

from __future__ import annotations

import re

from tests.api.conftest import assessment_body, body, component_body, table_items
from tests.api.pages_support import FLASH_COOKIE, cookie_named, error_summary_links, page
from tests.api.test_pages import COMPONENT_FORM, api, as_, fresh_service, is_html_page, world  # noqa: F401

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _component_form(api, service_id: str):
    return as_(api, "owner").get(f"/app/orgs/own/services/{service_id}/new-component")


def _text(response) -> str:
    return page(response).find_all("main")[0].text()


# The component form ---------------------------------------------------------------------------


def test_contract_details_and_the_review_date_are_revealed_only_under_yes(api, world):
    doc = page(_component_form(api, world["own"]["service_id"]))
    contract = doc.by_id("conditional-has_contract")
    assert contract.has_class("govuk-radios__conditional") and contract.has_class("govuk-radios__conditional--hidden")
    assert {"contract-start-day", "contract-end-day", "auto_renew", "annual_cost_gbp"} <= {n.attrs.get("id") for n in contract.walk()}
    assert doc.by_id("has_contract").attrs["data-aria-controls"] == "conditional-has_contract"
    review = doc.by_id("conditional-exit_plan_exists")
    assert "exit_plan_last_reviewed-day" in {n.attrs.get("id") for n in review.walk()}
    # Fields are hidden only by the reveal, never from assistive technology alone.
    assert not [n for n in doc.walk() if "aria-hidden" in n.attrs and n.tag in ("input", "fieldset", "div") and n.find_all("input")]


def test_a_form_shown_again_keeps_the_reveal_open_under_yes(api, world):
    form = [("has_contract", "yes"), ("exit_plan_exists", "yes")]
    response = as_(api, "owner").post(f"/app/orgs/own/services/{world['own']['service_id']}/new-component", form)
    doc = page(response)
    assert not doc.by_id("conditional-has_contract").has_class("govuk-radios__conditional--hidden")
    assert not doc.by_id("conditional-exit_plan_exists").has_class("govuk-radios__conditional--hidden")


def test_every_error_comes_in_one_round_with_the_date_order(api, world):
    url = f"/app/orgs/own/services/{world['own']['service_id']}/new-component"
    form = [
        ("has_contract", "yes"),
        ("contract-start-day", "1"), ("contract-start-month", "4"), ("contract-start-year", "2026"),
        ("contract-end-day", "31"), ("contract-end-month", "3"), ("contract-end-year", "2025"),
    ]  # fmt: skip
    before = table_items()
    response = as_(api, "owner").post(url, form)
    assert response.status_code == 422
    links = error_summary_links(response)
    assert "#contract-end-day" in links and "#supplier" in links and "#auto_renew" in links
    assert "the contract cannot end before it starts" in _text(response)
    assert table_items() == before


def test_contract_details_typed_before_answering_no_are_not_saved_and_the_page_says_so(api, world):
    service_id = fresh_service(api, "Set aside")
    browser = as_(api, "owner")
    form = [(k, "no" if k in ("has_contract",) else v) for k, v in COMPONENT_FORM]
    form += [("exit_plan_last_reviewed-day", "1"), ("exit_plan_last_reviewed-month", "1"), ("exit_plan_last_reviewed-year", "2026")]
    response = browser.post(f"/app/orgs/own/services/{service_id}/new-component", [("component_id", "aside"), *form])
    assert response.status_code == 303, response.body
    assert "set_aside=contract%2Cexit_plan_review" in response.headers["Location"]
    stored = body(api.get(f"/orgs/own/services/{service_id}/components/aside", org="own"))
    assert stored["contract"] is None and stored["exit_plan"] == {"exists": False, "last_reviewed": None}
    flash = cookie_named(response, FLASH_COOKIE).split(";")[0]
    shown = browser.get_with(response.headers["Location"].split("#")[0], [flash])
    banner = page(shown).with_class("govuk-notification-banner")[0].text()
    assert "The contract details you entered were not saved, because you answered that there is no contract." in banner
    assert "The exit plan review date you entered was not saved" in banner


def test_the_form_describes_each_rule_in_words_with_its_thresholds_and_linked_sources(api, world):
    response = _component_form(api, world["own"]["service_id"])
    text = _text(response)
    assert not PLACEHOLDER.findall(text)
    assert "Medium risk when the contract runs for longer than 4 years." in text
    assert "High risk when the contract ends within 18 months and there is no exit plan." in text
    assert "Medium risk when the supplier charges extra for API access." in text
    links = {a.text(): a.attrs for a in page(response).find_all("a") if a.has_class("govuk-link")}
    loti = links["LOTI tender wording on data access and APIs"]
    assert loti["href"] == "https://loti.london/resources/tender-wording-data-access-api/"
    assert "target" not in loti  # the same tab
    assert "(https://" not in text


# Explanations on the service page, the dashboard and the API --------------------------------------


def test_the_service_page_says_what_holds_the_level_back(api, world):
    service_id = fresh_service(api, "Held back by one principle")
    amber = {"P2_Q1": "amber", "P2_Q2": "amber", "P2_Q3": "amber"}
    assert api.post(f"/orgs/own/services/{service_id}/assessments", assessment_body(api, **amber), org="own").status_code == 201
    response = as_(api, "owner").get(f"/app/orgs/own/services/{service_id}")
    assert "Level 4: Developing" in _text(response)
    assert page(response).by_id("level-explanation").text() == "Level 5 (Mastering) needs every principle at 70 or more; P2 is 59.1."
    card = body(api.get(f"/orgs/own/services/{service_id}/scorecard", org="own"))
    assert card["explanation"]["level"] == "Level 5 (Mastering) needs every principle at 70 or more; P2 is 59.1."
    dashboard = page(as_(api, "leadership").get("/app/orgs/own")).by_id("services").text()
    assert "P2 is 59.1" in dashboard


def test_the_risk_names_its_rule_and_each_flag_its_title(api, world):
    service_id = fresh_service(api, "Critical by two highs")
    no_api = component_body(
        interfaces={"open_api": False, "api_documented": False, "api_extra_charge": False},
        exit_plan={"exists": False, "last_reviewed": None},
    )
    assert api.put(f"/orgs/own/services/{service_id}/components/crm", no_api, org="own").status_code == 201
    response = as_(api, "owner").get(f"/app/orgs/own/services/{service_id}")
    assert page(response).by_id("risk-explanation").text().startswith("Critical: two or more High flags on this service")
    text = _text(response)
    assert "No open API" in text and "No exit plan" in text and "No open api" not in text
    assert "CSV (comma-separated values), JSON" in text  # export formats by their catalogue titles
    assert not PLACEHOLDER.findall(text)
    card = body(api.get(f"/orgs/own/services/{service_id}/scorecard", org="own"))
    assert card["explanation"]["lock_in_risk"] == "Critical: two or more High flags on this service (3 are High)."  # no API, no exit plan, ending without one


def test_out_of_date_names_the_expired_evidence_and_its_date(api, world):
    service_id = fresh_service(api, "Expired evidence")
    submitted = assessment_body(api)
    submitted["answers"][0]["evidence"] = [{"url": "https://example.gov.uk/survey", "title": "Resident survey", "valid_until": "2026-03-01"}]
    assert api.post(f"/orgs/own/services/{service_id}/assessments", submitted, org="own").status_code == 201
    response = as_(api, "owner").get(f"/app/orgs/own/services/{service_id}")
    reasons = page(response).by_id("stale-explanation").text()
    assert "The evidence \u201cResident survey\u201d for question P1-Q1 was valid until 1 March 2026." in reasons


def test_the_dashboard_shows_no_template_text(api, world):
    assert not PLACEHOLDER.findall(_text(as_(api, "leadership").get("/app/orgs/own")))


def test_a_service_owner_registering_for_someone_else_reads_words_not_field_names(api, world):
    response = as_(api, "owner").post("/app/orgs/own/new-service", {"name": "Not mine", "department": "Housing", "owner_email": "else@own.example"})
    assert is_html_page(response, 422)
    text = _text(response)
    assert "owner_email" not in text
    assert "Enter your own email address: a service owner can only register services they own." in text
