"""Forms <-> API bodies (chalicelib/web/forms.py): the form becomes exactly the body the API
accepts, and the API's and the domain's errors come back pointing at the field to fix."""

from datetime import date

import pytest

from chalicelib.edge.errors import flatten
from chalicelib.schemas.requests import ComponentIn
from chalicelib.web import forms

COMPONENT = {
    "supplier": "Acme <Civic>",
    "product": "Cases",
    "kind": "saas",
    "hosting": "supplier_hosted",
    "contract": {"start": "2024-04-01", "end": "2027-03-31", "auto_renew": True, "annual_cost_gbp": 12500.5},
    "interfaces": {"open_api": True, "api_documented": False, "api_extra_charge": True},
    "data": {"export_formats": ["csv", "proprietary"], "free_bulk_export": False, "open_standards": ["OpenAPI 3"]},
    "exit_plan": {"exists": True, "last_reviewed": "2026-01-15"},
    "customisation": "heavy",
    "source_code": "escrow",
}


def test_a_component_survives_the_round_trip_through_its_form():
    values = forms.component_values({**COMPONENT, "component_id": "cases"})
    assert values["contract-end-day"] == "31" and values["annual_cost_gbp"] == "12500.5"
    body, errors = forms.component_body(values)
    assert errors == {}
    assert ComponentIn().load(body) == ComponentIn().load(COMPONENT)


def test_a_component_form_left_empty_asks_for_each_answer():
    body, errors = forms.component_body({})
    errors.update(flatten(ComponentIn().validate(body)))
    fields = forms.field_errors(errors, forms.COMPONENT_FIELDS)
    assert fields["supplier"] == "Enter the supplier's name"
    assert fields["kind"] == "Select what kind of component this is"
    assert fields["has_contract"] == "Select whether there is a contract"
    assert fields["open_api"].startswith("Select whether the council can use an API")
    first = forms.error_list(errors, forms.COMPONENT_FIELDS)[0]
    assert first == {"text": "Enter the supplier's name", "href": "#supplier"}


@pytest.mark.parametrize(
    "day, month, year, expected, valid",
    [("1", "4", "2024", "2024-04-01", True), ("31", "2", "2025", "2025-02-31", False), ("x", "4", "2024", "2024-4-x", False)],
)
def test_dates_go_to_the_api_as_written_and_it_refuses_impossible_ones(day, month, year, expected, valid):
    form = {"has_contract": "yes", "contract-start-day": day, "contract-start-month": month, "contract-start-year": year}
    body, _ = forms.component_body(form)
    assert body["contract"]["start"] == expected
    errors = ComponentIn().validate(body)
    assert ("start" in errors.get("contract", {})) is not valid
    if valid:
        assert date.fromisoformat(expected)


def test_an_empty_date_is_no_date():
    body, _ = forms.component_body({"has_contract": "no", "exit_plan_last_reviewed-day": ""})
    assert body["contract"] is None and body["exit_plan"]["last_reviewed"] is None


def test_a_cost_is_shown_as_written_and_saved_unchanged():
    values = forms.component_values({**COMPONENT, "component_id": "cases", "contract": {**COMPONENT["contract"], "annual_cost_gbp": 1234567.89}})
    assert values["annual_cost_gbp"] == "1234567.89"
    assert forms.component_body(values)[0]["contract"]["annual_cost_gbp"] == 1234567.89


@pytest.mark.parametrize("day", ["²", "1" * 5000, "-1"])
def test_odd_digits_in_a_date_are_refused_by_the_schema_not_crashed_on(day):
    body, _ = forms.component_body({"has_contract": "yes", "contract-start-day": day, "contract-start-month": "1", "contract-start-year": "2024"})
    assert "start" in ComponentIn().validate(body)["contract"]


def test_a_contract_ending_before_it_starts_says_so():
    fields = forms.field_errors({"contract.end": ["the contract cannot end before it starts"]}, forms.COMPONENT_FIELDS)
    assert fields == {"contract-end": "The date the contract ends: the contract cannot end before it starts"}


def test_the_component_options_are_the_models_choices():
    from chalicelib.domain import model

    assert list(forms.COMPONENT_OPTIONS["kind"]) == list(model.COMPONENT_KINDS)
    assert list(forms.COMPONENT_OPTIONS["hosting"]) == list(model.HOSTINGS)
    assert list(forms.COMPONENT_OPTIONS["customisation"]) == list(model.CUSTOMISATIONS)
    assert list(forms.COMPONENT_OPTIONS["source_code"]) == list(model.SOURCE_CODE)


def test_money_accepts_pounds_and_commas():
    body, _ = forms.component_body({"has_contract": "yes", "annual_cost_gbp": "£12,000"})
    assert body["contract"]["annual_cost_gbp"] == 12000


def test_the_date_order_is_checked_with_the_other_problems():
    body, _ = forms.component_body({
        "has_contract": "yes",
        "contract-start-day": "1", "contract-start-month": "4", "contract-start-year": "2026",
        "contract-end-day": "31", "contract-end-month": "3", "contract-end-year": "2025",
    })  # fmt: skip
    spec, errors = forms.read_component(body)
    assert spec is None
    assert errors["contract.end"] == ["the contract cannot end before it starts"]
    assert "contract.auto_renew" in errors and "supplier" in errors


def test_parts_typed_under_an_answer_changed_to_no_are_set_aside():
    typed = {"contract-start-day": "1", "exit_plan_last_reviewed-year": "2026"}
    assert forms.set_aside({**typed, "has_contract": "no", "exit_plan_exists": "no"}) == ("contract", "exit_plan_review")
    assert forms.set_aside({**typed, "has_contract": "yes", "exit_plan_exists": "yes"}) == ()
    assert forms.set_aside({"has_contract": "no", "exit_plan_exists": "no"}) == ()
    body, _ = forms.component_body({**typed, "exit_plan_exists": "no"})
    assert body["exit_plan"] == {"exists": False, "last_reviewed": None}
