"""Lock-in flags: each raised exactly at its condition (API.md "Lock-in flags") and not just
outside it, with severities, messages and references from the shipped catalogue policy."""

import dataclasses
from datetime import date

import pytest

from chalicelib.domain.lockin import (
    FLAG_TITLES,
    component_flags,
    describe_rule,
    explain_risk,
    reference_sources,
    risk_of,
    service_lock_in,
    supplier_concentration,
)
from chalicelib.domain.model import Flag
from chalicelib.domain.scorecards import org_scorecard
from chalicelib.frameworks import load_catalogue
from tests.unit.builders import (
    TODAY,
    at,
    component,
    component_spec,
    contract,
    data_export,
    exit_plan,
    interfaces,
    summary,
)

LDD = load_catalogue()["ldd-2018"]
POLICY = LDD.lock_in
OPEN = LDD.open_format_ids()

# API.md's table of default severities
DEFAULT_SEVERITY = {
    "NO_OPEN_API": "high",
    "API_EXTRA_CHARGE": "medium",
    "NO_FREE_BULK_EXPORT": "high",
    "PROPRIETARY_DATA_ONLY": "high",
    "NO_EXIT_PLAN": "high",
    "EXIT_PLAN_STALE": "medium",
    "LONG_CONTRACT": "medium",
    "AUTO_RENEWAL": "medium",
    "EXPIRY_WITHOUT_EXIT_PLAN": "high",
    "HEAVY_CUSTOMISATION": "medium",
    "CLOSED_BESPOKE": "medium",
    "NO_COMPONENTS_RECORDED": "medium",
    "SUPPLIER_CONCENTRATION": "high",
}


def flags_of(spec, today=TODAY, policy=POLICY):
    return {f.code: f for f in component_flags("crm", spec, policy, OPEN, today)}


def codes(spec, today=TODAY, policy=POLICY):
    return set(flags_of(spec, today, policy))


def assert_well_formed(flag: Flag, component_id: str | None = "crm"):
    rule = POLICY.rules[flag.code]
    assert flag.severity == rule.severity == DEFAULT_SEVERITY[flag.code]
    assert flag.component_id == component_id
    assert flag.message.strip()
    assert "{" not in flag.message  # every template field was filled
    assert flag.reference.strip()
    assert flag.reference == rule.reference


def test_the_policy_ships_a_rule_for_every_code_in_the_api_table():
    assert set(POLICY.rules) == set(DEFAULT_SEVERITY)
    assert {code: rule.severity for code, rule in POLICY.rules.items()} == DEFAULT_SEVERITY


def test_a_clean_component_raises_no_flag():
    assert codes(component_spec()) == set()
    clean_contract = contract(date(2025, 4, 1), date(2029, 3, 31))  # under 4 years, ends beyond 18 months
    assert codes(component_spec(contract=clean_contract)) == set()


# --- interfaces and data --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_api", "api_documented", "raised"),
    [(True, True, False), (False, True, True), (True, False, True), (False, False, True)],
)
def test_no_open_api(open_api, api_documented, raised):
    flags = flags_of(component_spec(interfaces=interfaces(open_api=open_api, api_documented=api_documented)))
    assert ("NO_OPEN_API" in flags) is raised
    if raised:
        assert_well_formed(flags["NO_OPEN_API"])
        assert "Acme Ltd" in flags["NO_OPEN_API"].message


def test_api_extra_charge():
    flags = flags_of(component_spec(interfaces=interfaces(api_extra_charge=True)))
    assert set(flags) == {"API_EXTRA_CHARGE"}
    assert_well_formed(flags["API_EXTRA_CHARGE"])
    assert "API_EXTRA_CHARGE" not in codes(component_spec(interfaces=interfaces(api_extra_charge=False)))


def test_no_free_bulk_export():
    flags = flags_of(component_spec(data=data_export(free_bulk_export=False)))
    assert set(flags) == {"NO_FREE_BULK_EXPORT"}
    assert_well_formed(flags["NO_FREE_BULK_EXPORT"])
    assert "NO_FREE_BULK_EXPORT" not in codes(component_spec(data=data_export(free_bulk_export=True)))


@pytest.mark.parametrize(
    ("formats", "raised"),
    [
        ((), True),  # none at all counts as no open format
        (("proprietary",), True),
        (("xlsx", "pdf", "docx", "proprietary"), True),  # none of these is open
        (("proprietary", "csv"), False),  # one open format is enough
        (("open-referral-uk",), False),
        (("json",), False),
    ],
)
def test_proprietary_data_only(formats, raised):
    flags = flags_of(component_spec(data=data_export(export_formats=formats)))
    assert ("PROPRIETARY_DATA_ONLY" in flags) is raised
    if raised:
        assert set(flags) == {"PROPRIETARY_DATA_ONLY"}
        assert_well_formed(flags["PROPRIETARY_DATA_ONLY"])


def test_open_formats_come_from_the_catalogue():
    assert {"csv", "json", "xml", "ods", "open-referral-uk"} <= OPEN
    assert not {"xlsx", "pdf", "proprietary"} & OPEN


# --- exit plans -----------------------------------------------------------------------------


def test_no_exit_plan_raises_no_exit_plan_and_not_stale():
    flags = flags_of(component_spec(exit_plan=exit_plan(exists=False, last_reviewed=None)))
    assert set(flags) == {"NO_EXIT_PLAN"}
    assert_well_formed(flags["NO_EXIT_PLAN"])


def test_exit_plan_never_reviewed_is_stale():
    flags = flags_of(component_spec(exit_plan=exit_plan(exists=True, last_reviewed=None)))
    assert set(flags) == {"EXIT_PLAN_STALE"}
    assert_well_formed(flags["EXIT_PLAN_STALE"])
    assert "never" in flags["EXIT_PLAN_STALE"].message


@pytest.mark.parametrize(
    ("today", "last_reviewed", "raised"),
    [
        (date(2026, 3, 15), date(2025, 3, 15), False),  # exactly 12 months ago
        (date(2026, 3, 15), date(2025, 3, 14), True),  # 12 months and a day
        (date(2026, 3, 15), date(2026, 3, 15), False),  # reviewed today
        (date(2026, 3, 31), date(2025, 3, 31), False),
        (date(2026, 3, 31), date(2025, 3, 30), True),
        (date(2025, 2, 28), date(2024, 2, 29), False),  # 29 Feb + 12 months = 28 Feb 2025
        (date(2025, 3, 1), date(2024, 2, 29), True),
        (date(2026, 1, 1), date(2024, 12, 31), True),  # across a year end
        (date(2026, 1, 1), date(2025, 1, 1), False),
    ],
)
def test_exit_plan_stale_after_12_calendar_months(today, last_reviewed, raised):
    flags = flags_of(component_spec(exit_plan=exit_plan(exists=True, last_reviewed=last_reviewed)), today=today)
    assert ("EXIT_PLAN_STALE" in flags) is raised
    if raised:
        assert_well_formed(flags["EXIT_PLAN_STALE"])
        assert last_reviewed.isoformat() in flags["EXIT_PLAN_STALE"].message
        assert "12 months" in flags["EXIT_PLAN_STALE"].message


# --- contracts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "raised"),
    [
        (date(2026, 1, 10), date(2030, 1, 10), False),  # exactly start + 4 years
        (date(2026, 1, 10), date(2030, 1, 11), True),  # one day more
        (date(2024, 2, 29), date(2028, 2, 29), False),  # 29 Feb + 4 years is 29 Feb 2028
        (date(2024, 2, 29), date(2028, 3, 1), True),
        (date(2026, 1, 10), date(2026, 1, 10), False),  # a one-day contract
    ],
)
def test_long_contract(start, end, raised):
    flags = flags_of(component_spec(contract=contract(start, end)))
    assert ("LONG_CONTRACT" in flags) is raised
    if raised:
        assert set(flags) == {"LONG_CONTRACT"}
        assert_well_formed(flags["LONG_CONTRACT"])
        assert start.isoformat() in flags["LONG_CONTRACT"].message
        assert end.isoformat() in flags["LONG_CONTRACT"].message


@pytest.mark.parametrize(("end", "raised"), [(date(2025, 2, 28), False), (date(2025, 3, 1), True)])
def test_long_contract_from_29_february_clamps_to_28_february(end, raised):
    one_year = dataclasses.replace(POLICY, long_contract_years=1)
    spec = component_spec(contract=contract(date(2024, 2, 29), end))
    assert ("LONG_CONTRACT" in codes(spec, policy=one_year)) is raised


def test_auto_renewal():
    term = (date(2025, 4, 1), date(2029, 3, 31))
    flags = flags_of(component_spec(contract=contract(*term, auto_renew=True)))
    assert set(flags) == {"AUTO_RENEWAL"}
    assert_well_formed(flags["AUTO_RENEWAL"])
    assert "2029-03-31" in flags["AUTO_RENEWAL"].message
    assert "AUTO_RENEWAL" not in codes(component_spec(contract=contract(*term, auto_renew=False)))


def test_no_contract_raises_no_contract_flag():
    spec = component_spec(contract=None, exit_plan=exit_plan(exists=False, last_reviewed=None))
    assert codes(spec) == {"NO_EXIT_PLAN"}


@pytest.mark.parametrize(
    ("today", "end", "raised"),
    [
        (date(2026, 3, 15), date(2026, 3, 15), True),  # ends today
        (date(2026, 3, 15), date(2027, 9, 15), True),  # today + 18 months
        (date(2026, 3, 15), date(2027, 9, 16), False),  # one day after the window
        (date(2026, 3, 15), date(2026, 3, 14), False),  # already ended
        (date(2025, 8, 31), date(2027, 2, 28), True),  # 31 Aug + 18 months clamps to 28 Feb
        (date(2025, 8, 31), date(2027, 3, 1), False),
    ],
)
def test_expiry_without_exit_plan(today, end, raised):
    spec = component_spec(
        contract=contract(date(2025, 1, 1), end), exit_plan=exit_plan(exists=False, last_reviewed=None)
    )
    flags = flags_of(spec, today=today)
    assert "NO_EXIT_PLAN" in flags
    assert ("EXPIRY_WITHOUT_EXIT_PLAN" in flags) is raised
    if raised:
        flag = flags["EXPIRY_WITHOUT_EXIT_PLAN"]
        assert_well_formed(flag)
        assert end.isoformat() in flag.message
        assert "18 months" in flag.message


def test_expiry_with_an_exit_plan_is_not_flagged():
    spec = component_spec(contract=contract(date(2025, 1, 1), TODAY), exit_plan=exit_plan(exists=True))
    assert codes(spec) == set()


def test_heavy_customisation():
    flags = flags_of(component_spec(customisation="heavy"))
    assert set(flags) == {"HEAVY_CUSTOMISATION"}
    assert_well_formed(flags["HEAVY_CUSTOMISATION"])
    assert codes(component_spec(customisation="configuration")) == set()
    assert codes(component_spec(customisation="none")) == set()


@pytest.mark.parametrize(
    ("kind", "source_code", "raised"),
    [
        ("bespoke", "closed", True),
        ("bespoke", "escrow", True),
        ("bespoke", "open", False),
        ("saas", "closed", False),
        ("cots", "escrow", False),
        ("in_house", "closed", False),
    ],
)
def test_closed_bespoke(kind, source_code, raised):
    flags = flags_of(component_spec(kind=kind, source_code=source_code))
    assert ("CLOSED_BESPOKE" in flags) is raised
    if raised:
        assert set(flags) == {"CLOSED_BESPOKE"}
        assert_well_formed(flags["CLOSED_BESPOKE"])


# --- a service's flags and risk -------------------------------------------------------------


def test_a_service_without_components_is_flagged_at_service_level():
    lock_in = service_lock_in({}, POLICY, OPEN, TODAY)
    assert [f.code for f in lock_in.flags] == ["NO_COMPONENTS_RECORDED"]
    assert_well_formed(lock_in.flags[0], component_id=None)
    assert lock_in.risk == "medium"


def test_a_service_with_a_clean_component_has_no_flag():
    lock_in = service_lock_in({"crm": component_spec()}, POLICY, OPEN, TODAY)
    assert lock_in.flags == ()
    assert lock_in.risk == "none"


def test_service_flags_carry_their_component_ids():
    specs = {"web": component_spec(customisation="heavy"), "crm": component_spec(kind="bespoke")}
    lock_in = service_lock_in(specs, POLICY, OPEN, TODAY)
    assert {(f.component_id, f.code) for f in lock_in.flags} == {
        ("web", "HEAVY_CUSTOMISATION"),
        ("crm", "CLOSED_BESPOKE"),
    }
    assert lock_in.risk == "medium"


def _flags(*severities):
    return [Flag(f"CODE_{i}", severity, None, "message", "reference") for i, severity in enumerate(severities)]


@pytest.mark.parametrize(
    ("severities", "risk"),
    [
        ((), "none"),
        (("low",), "low"),
        (("low", "low"), "low"),
        (("low", "medium"), "medium"),
        (("medium", "low", "medium"), "medium"),
        (("high",), "high"),
        (("medium", "high", "low"), "high"),
        (("high", "high"), "critical"),
        (("high", "medium", "high", "high"), "critical"),
    ],
)
def test_risk_of(severities, risk):
    assert risk_of(_flags(*severities)) == risk


def test_a_service_with_two_high_flags_is_critical():
    spec = component_spec(interfaces=interfaces(open_api=False), data=data_export(free_bulk_export=False))
    lock_in = service_lock_in({"crm": spec}, POLICY, OPEN, TODAY)
    assert {f.code for f in lock_in.flags} == {"NO_OPEN_API", "NO_FREE_BULK_EXPORT"}
    assert lock_in.risk == "critical"


def test_high_flags_on_different_components_add_up_to_critical():
    specs = {
        "a": component_spec(interfaces=interfaces(open_api=False)),
        "b": component_spec(data=data_export(export_formats=("pdf",))),
    }
    assert service_lock_in(specs, POLICY, OPEN, TODAY).risk == "critical"
    assert service_lock_in({"a": specs["a"]}, POLICY, OPEN, TODAY).risk == "high"


# --- supplier concentration (organisation level) --------------------------------------------


def test_shipped_concentration_thresholds():
    assert POLICY.supplier_concentration_share == 0.3
    assert POLICY.supplier_concentration_min_services == 5


def _services(*supplier_sets):
    return {f"svc-{i}": set(suppliers) for i, suppliers in enumerate(supplier_sets)}


def test_concentration_is_raised_above_the_share():
    by_service = _services({"acme"}, {"acme"}, {"other"}, {"third"}, {"fourth"})
    flags = supplier_concentration(by_service, {k: k.title() for k in ("acme", "other", "third", "fourth")}, POLICY)
    assert [(f.code, f.supplier, f.share) for f in flags] == [("SUPPLIER_CONCENTRATION", "Acme", 0.4)]
    assert_well_formed(flags[0], component_id=None)
    assert "Acme" in flags[0].message
    assert "2 of 5" in flags[0].message


def test_concentration_needs_a_share_strictly_greater_than_the_threshold():
    names = {"acme": "Acme", "x": "X"}
    exactly = _services(*([{"acme"}] * 3 + [{"x"}] * 7))  # 3 of 10 = 0.3, not more
    above = _services(*([{"acme"}] * 4 + [{"x"}] * 6))  # 4 of 10 = 0.4
    assert [f.supplier for f in supplier_concentration(exactly, names, POLICY)] == ["X"]
    assert {f.supplier for f in supplier_concentration(above, names, POLICY)} == {"Acme", "X"}


def test_concentration_needs_a_minimum_number_of_services():
    names = {"acme": "Acme"}
    assert supplier_concentration(_services(*([{"acme"}] * 4)), names, POLICY) == []
    flags = supplier_concentration(_services(*([{"acme"}] * 5)), names, POLICY)
    assert [(f.supplier, f.share) for f in flags] == [("Acme", 1.0)]
    assert supplier_concentration({}, {}, POLICY) == []


def test_services_without_components_count_in_the_denominator():
    names = {"acme": "Acme"}
    # 4 services all on Acme: too few services to judge
    assert supplier_concentration(_services(*([{"acme"}] * 4)), names, POLICY) == []
    # one more service with no component: 4 of 5 = 0.8
    flags = supplier_concentration(_services(*([{"acme"}] * 4), set()), names, POLICY)
    assert [(f.supplier, f.share) for f in flags] == [("Acme", 0.8)]
    # 1 of 5 services on Acme, the other 4 without components: 0.2, not flagged
    assert supplier_concentration(_services({"acme"}, set(), set(), set(), set()), names, POLICY) == []


def test_concentration_groups_suppliers_case_insensitively_in_the_org_scorecard():
    summaries = [
        summary("s1", components=[component("a", supplier="ACME Ltd", created_at=at(2025, 1, 2))]),
        summary("s2", components=[component("a", supplier="acme ltd", created_at=at(2025, 1, 3))]),
        summary("s3", components=[component("a", supplier="Acme Ltd ", created_at=at(2025, 1, 1))]),
        summary("s4", components=[component("a", supplier="Other plc")]),
        summary("s5"),
        summary("s6"),
        summary("s7"),
        summary("s8"),
        summary("s9"),
        summary("s10"),
    ]
    # 3 of 10 services share one supplier spelt three ways: 0.3 is not more than the threshold
    assert org_scorecard("org", summaries, LDD, TODAY).flags == ()
    # a fourth (12 Acme components on one service still count once for that service): 4 of 10
    summaries[4] = summary("s5", components=[component(f"c{i}", supplier="ACME LTD") for i in range(12)])
    flags = org_scorecard("org", summaries, LDD, TODAY).flags
    assert [(f.code, f.supplier, f.share) for f in flags] == [("SUPPLIER_CONCENTRATION", "Acme Ltd", 0.4)]
    assert "4 of 10" in flags[0].message


def test_a_supplier_spelt_differently_is_counted_once_per_service():
    summaries = [summary("s1", components=[component("a", supplier="Acme"), component("b", supplier="ACME")])]
    summaries += [summary(f"s{i}") for i in range(2, 6)]
    # two spellings on one service: still 1 of 5 services = 0.2, not flagged
    assert org_scorecard("org", summaries, LDD, TODAY).flags == ()
    summaries[1] = summary("s2", components=[component("a", supplier="acme")])
    flags = org_scorecard("org", summaries, LDD, TODAY).flags
    assert [(f.supplier, f.share) for f in flags] == [("Acme", 0.4)]


# --- the rules in words -----------------------------------------------------------------------


def _flag(severity: str, code: str = "NO_EXIT_PLAN") -> Flag:
    return Flag(code=code, severity=severity, component_id="crm", message="m", reference="r")


def test_explain_risk_names_the_rule_that_made_the_risk():
    assert explain_risk([]) is None
    assert explain_risk([_flag("high"), _flag("high"), _flag("medium")]) == (
        "Critical: two or more High flags on this service (2 are High)."
    )
    assert explain_risk([_flag("high"), _flag("medium")]) == "High: its most severe flag is High."
    assert explain_risk([_flag("medium"), _flag("low")]) == "Medium: its most severe flag is Medium."


def test_every_rule_has_a_title_in_words():
    assert set(FLAG_TITLES) == set(POLICY.rules)
    assert FLAG_TITLES["NO_OPEN_API"] == "No open API"
    assert FLAG_TITLES["CLOSED_BESPOKE"] == "Closed bespoke software"


def test_describe_rule_gives_the_severity_and_thresholds_from_the_policy():
    assert describe_rule(POLICY, "LONG_CONTRACT") == "Medium risk when the contract runs for longer than 4 years."
    assert describe_rule(POLICY, "EXPIRY_WITHOUT_EXIT_PLAN") == (
        "High risk when the contract ends within 18 months and there is no exit plan."
    )
    changed = dataclasses.replace(POLICY, exit_plan_review_months=6)
    assert "in the last 6 months" in describe_rule(changed, "EXIT_PLAN_STALE")
    for code in set(POLICY.rules) - {"NO_COMPONENTS_RECORDED", "SUPPLIER_CONCENTRATION"}:
        assert "{" not in describe_rule(POLICY, code)


def test_reference_sources_split_a_reference_into_named_links():
    assert reference_sources(POLICY.rules["NO_OPEN_API"].reference) == [
        ("LOTI tender wording on data access and APIs", "https://loti.london/resources/tender-wording-data-access-api/"),
        ("Service Standard 11", None),
        ("TCoP 9", None),
    ]
    # a parenthesis that is not a web address stays part of the source's words
    assert reference_sources("G-Cloud call-off terms (usually 2 years)") == [("G-Cloud call-off terms (usually 2 years)", None)]
    for rule in POLICY.rules.values():
        assert all(text and "http" not in text for text, _ in reference_sources(rule.reference))
