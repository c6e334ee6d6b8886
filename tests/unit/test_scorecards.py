"""Service and organisation scorecards (API.md "Scorecards"), judged against an injected today."""

import dataclasses
from datetime import date
from fractions import Fraction

from chalicelib.domain.model import Answer, Assessment, Evidence, LockIn
from chalicelib.domain.scorecards import is_stale, org_scorecard, service_scorecard, why_stale
from chalicelib.domain.scoring import report_number
from chalicelib.frameworks import load_catalogue
from tests.unit.builders import (
    ORG,
    TODAY,
    at,
    component,
    contract,
    data_export,
    evidence,
    exit_plan,
    interfaces,
    latest,
    score,
    stamp,
    summary,
)

LDD = load_catalogue()["ldd-2018"]
LEVEL_NAMES = ["Beginning", "Emerging", "Learning", "Developing", "Mastering"]


# --- staleness ------------------------------------------------------------------------------


def test_a_service_not_assessed_is_not_stale():
    assert is_stale(None, TODAY) is False


def test_stale_more_than_12_calendar_months_after_submission():
    today = date(2026, 3, 15)
    assert is_stale(latest(submitted_at=at(2025, 3, 15, 9)), today) is False  # exactly 12 months
    assert is_stale(latest(submitted_at=at(2025, 3, 14, 9)), today) is True  # 12 months and a day
    assert is_stale(latest(submitted_at=at(2026, 3, 15, 9)), today) is False


def test_12_months_from_29_february():
    submitted = at(2024, 2, 29)
    assert is_stale(latest(submitted_at=submitted), date(2025, 2, 28)) is False
    assert is_stale(latest(submitted_at=submitted), date(2025, 3, 1)) is True


def test_the_submission_day_is_the_day_in_london():
    today = date(2026, 7, 1)
    # 23:30 UTC on 30 June 2025 is 00:30 on 1 July in London (BST): exactly 12 months
    assert is_stale(latest(submitted_at=at(2025, 6, 30, 23, 30)), today) is False
    # 22:59 UTC is still 30 June in London: 12 months and a day
    assert is_stale(latest(submitted_at=at(2025, 6, 30, 22, 59)), today) is True


def test_the_submission_day_in_winter_is_the_utc_day():
    # GMT: 23:30 UTC on 14 March 2025 is 14 March in London too
    assert is_stale(latest(submitted_at=at(2025, 3, 14, 23, 30)), date(2026, 3, 15)) is True


def test_stale_once_cited_evidence_has_passed_its_valid_until():
    recent = at(2026, 3, 1)
    assert is_stale(latest(submitted_at=recent, evidence_expires_on=TODAY), TODAY) is False  # valid today
    assert is_stale(latest(submitted_at=recent, evidence_expires_on=date(2026, 3, 14)), TODAY) is True
    assert is_stale(latest(submitted_at=recent, evidence_expires_on=date(2027, 1, 1)), TODAY) is False
    assert is_stale(latest(submitted_at=recent, evidence_expires_on=None), TODAY) is False


def test_evidence_valid_in_the_future_does_not_rescue_an_old_assessment():
    old = latest(submitted_at=at(2024, 1, 1), evidence_expires_on=date(2030, 1, 1))
    assert is_stale(old, TODAY) is True


def _assessment(*answers: Answer) -> Assessment:
    return Assessment(ORG, "svc", "01A", "ldd-2018", answers, score(50), LockIn("none", ()), stamp())


def test_evidence_without_valid_until_never_makes_an_assessment_stale():
    undated = _assessment(Answer("P1-Q1", "green", evidence=(evidence(), evidence())))
    assert undated.evidence_expires_on() is None
    assert _assessment(Answer("P1-Q1", "green")).evidence_expires_on() is None


def test_the_earliest_valid_until_cited_decides():
    assessment = _assessment(
        Answer("P1-Q1", "green", evidence=(evidence(valid_until=date(2027, 1, 1)), evidence())),
        Answer("P1-Q2", "amber", evidence=(evidence(valid_until=date(2026, 6, 30)),)),
    )
    assert assessment.evidence_expires_on() == date(2026, 6, 30)


# --- one service's scorecard ----------------------------------------------------------------


def test_service_scorecard_not_assessed():
    card = service_scorecard(summary("svc", name="Bins"), LDD, TODAY)
    assert (card.service_id, card.name, card.status) == ("svc", "Bins", "not_assessed")
    assert (card.assessment_id, card.assessed_at, card.score, card.stale) == (None, None, None, False)
    assert [f.code for f in card.lock_in.flags] == ["NO_COMPONENTS_RECORDED"]


def test_service_scorecard_assessed_reflects_current_components():
    assessed = latest(score(75), submitted_at=at(2024, 1, 1), assessment_id="01B")
    card = service_scorecard(
        summary("svc", components=[component("crm", customisation="heavy")], latest=assessed), LDD, TODAY
    )
    assert card.status == "assessed"
    assert (card.assessment_id, card.assessed_at) == ("01B", at(2024, 1, 1))
    assert card.score.overall == 75
    assert card.stale is True
    assert (card.lock_in.risk, [f.code for f in card.lock_in.flags]) == ("medium", ["HEAVY_CUSTOMISATION"])


# --- the organisation scorecard -------------------------------------------------------------


def _principles(p1, p2, p3, p4, p5):
    return dict(zip(("P1", "P2", "P3", "P4", "P5"), (p1, p2, p3, p4, p5)))


def test_averages_are_means_of_unrounded_scores():
    two_thirds = Fraction(200, 3)  # reported 66.7
    summaries = [
        summary("s1", latest=latest(score(100))),
        summary(
            "s2",
            latest=latest(score(two_thirds, principles=_principles(two_thirds, None, two_thirds, 50, 100))),
        ),
        summary("s3"),  # not assessed
    ]
    card = org_scorecard(ORG, summaries, LDD, TODAY)
    assert (len(card.services), card.services_assessed) == (3, 2)
    # (100 + 66.666...) / 2 = 83.333... -> 83.3; from rounded scores: (100 + 66.7) / 2 = 83.35 -> 83.4
    assert card.average_score == Fraction(250, 3)
    assert report_number(card.average_score) == 83.3
    assert dict(card.principles) == {
        "P1": Fraction(250, 3),
        "P2": 100,  # s2 has no applicable P2 question: the mean is over s1 alone
        "P3": Fraction(250, 3),
        "P4": 75,
        "P5": 100,
    }
    assert [pid for pid, _ in card.principles] == ["P1", "P2", "P3", "P4", "P5"]


def test_a_retired_service_is_left_out_of_every_figure():
    kept = summary("s1", latest=latest(score(50)))
    retired = dataclasses.replace(summary("s2", department="Archive", latest=latest(score(100))), retired=True)
    card = org_scorecard(ORG, [kept, retired], LDD, TODAY)
    assert [c.service_id for c in card.services] == ["s1"]
    assert card.average_score == 50 and sum(card.by_risk.values()) == 1
    assert [d.department for d in card.departments] == ["Highways"]
    assert card == org_scorecard(ORG, [kept], LDD, TODAY)


def test_an_organisation_without_assessments_has_null_averages():
    card = org_scorecard(ORG, [summary("s1")], LDD, TODAY)
    assert card.average_score is None
    assert dict(card.principles) == dict.fromkeys(("P1", "P2", "P3", "P4", "P5"))
    assert card.levels == dict.fromkeys(LEVEL_NAMES, 0)
    assert card.departments[0].average_score is None


def test_levels_count_every_level_including_zeros():
    summaries = [
        summary("s1", latest=latest(score(45, 2, "Emerging"))),
        summary("s2", latest=latest(score(50, 2, "Emerging"))),
        summary("s3", latest=latest(score(95, 5, "Mastering"))),
        summary("s4"),  # not assessed: not counted
    ]
    levels = org_scorecard(ORG, summaries, LDD, TODAY).levels
    assert levels == {"Beginning": 0, "Emerging": 2, "Learning": 0, "Developing": 0, "Mastering": 1}
    assert list(levels) == LEVEL_NAMES


def test_departments_are_sorted_with_their_counts_and_averages():
    summaries = [
        summary("w1", department="Waste", latest=latest(score(100))),
        summary("h1", department="Housing", latest=latest(score(60))),
        summary("w2", department="Waste", latest=latest(score(Fraction(200, 3)))),
        summary("a1", department="Adult Social Care"),
        summary("h2", department="Housing"),
    ]
    lines = org_scorecard(ORG, summaries, LDD, TODAY).departments
    assert [(d.department, d.services, d.services_assessed, d.average_score) for d in lines] == [
        ("Adult Social Care", 1, 0, None),
        ("Housing", 2, 1, 60),
        ("Waste", 2, 2, Fraction(250, 3)),
    ]


def test_by_risk_counts_every_service_assessed_or_not():
    summaries = [
        summary("none", components=[component("a")], latest=latest(score(90))),
        summary("medium1", components=[component("a", interfaces=interfaces(api_extra_charge=True))]),
        summary("medium2"),  # no component recorded
        summary("high", components=[component("a", data=data_export(free_bulk_export=False))], latest=latest()),
        summary(
            "critical",
            components=[
                component("a", exit_plan=exit_plan(exists=False, last_reviewed=None)),
                component("b", interfaces=interfaces(open_api=False)),
            ],
        ),
    ]
    card = org_scorecard(ORG, summaries, LDD, TODAY)
    assert card.by_risk == {"none": 1, "low": 0, "medium": 2, "high": 1, "critical": 1}
    assert {s.service_id: s.lock_in.risk for s in card.services} == {
        "none": "none",
        "medium1": "medium",
        "medium2": "medium",
        "high": "high",
        "critical": "critical",
    }


def test_top_suppliers_are_grouped_case_insensitively_and_shown_as_first_entered():
    summaries = [
        summary(
            "s1",
            components=[
                component("a", supplier="Civica", created_at=at(2025, 1, 2)),
                component("b", supplier="civica", created_at=at(2025, 1, 5)),
                component("c", supplier="Bravo", created_at=at(2025, 2, 1)),
            ],
        ),
        summary("s2", components=[component("a", supplier="CIVICA", created_at=at(2025, 1, 1))]),
        summary("s3", components=[component("a", supplier="bravo", created_at=at(2025, 1, 9))]),
        summary("s4", components=[component("a", supplier="Bravo"), component("b", supplier="Alpha")]),
    ]
    lines = org_scorecard(ORG, summaries, LDD, TODAY).top_suppliers
    assert [(line.supplier, line.services, line.components) for line in lines] == [
        ("bravo", 3, 3),  # "bravo" (9 Jan) was entered before "Bravo" (1 Feb and later)
        ("CIVICA", 2, 3),  # "CIVICA" (1 Jan) before "Civica" (2 Jan)
        ("Alpha", 1, 1),
    ]


def test_expiring_contracts_within_the_next_18_months_soonest_first():
    start = date(2024, 1, 1)
    no_plan = exit_plan(exists=False, last_reviewed=None)
    summaries = [
        summary(
            "s1",
            components=[
                component("ended", contract=contract(start, date(2026, 3, 14))),
                component("today", contract=contract(start, TODAY), supplier="Today Ltd"),
                component("last", contract=contract(start, date(2027, 9, 15)), exit_plan=no_plan),
            ],
        ),
        summary(
            "s2",
            components=[
                component("beyond", contract=contract(start, date(2027, 9, 16))),
                component("none", contract=None),
                component("soon", contract=contract(start, date(2026, 6, 1)), supplier="Soon plc"),
            ],
        ),
    ]
    rows = org_scorecard(ORG, summaries, LDD, TODAY).expiring_contracts
    assert [(r.service_id, r.component_id, r.supplier, r.end, r.exit_plan) for r in rows] == [
        ("s1", "today", "Today Ltd", TODAY, True),
        ("s2", "soon", "Soon plc", date(2026, 6, 1), True),
        ("s1", "last", "Acme Ltd", date(2027, 9, 15), False),
    ]


def test_department_filter_narrows_everything_to_one_department():
    summaries = [
        summary("h1", department="Housing", latest=latest(score(40, 2, "Emerging"))),
        summary("h2", department="Housing", components=[component("a", supplier="Acme")]),
        summary("w1", department="Waste", latest=latest(score(100, 5, "Mastering"))),
        summary("w2", department="Waste", components=[component("a", supplier="Waste Co")]),
    ]
    card = org_scorecard(ORG, summaries, LDD, TODAY, department="Housing")
    assert [s.service_id for s in card.services] == ["h1", "h2"]
    assert (len(card.services), card.services_assessed, card.average_score) == (2, 1, 40)
    assert [d.department for d in card.departments] == ["Housing"]
    assert card.levels["Mastering"] == 0 and card.levels["Emerging"] == 1
    assert sum(card.by_risk.values()) == 2
    assert [s.supplier for s in card.top_suppliers] == ["Acme"]
    assert org_scorecard(ORG, summaries, LDD, TODAY, department="Parks").services == ()


def test_services_are_ordered_by_department_name_and_service_id():
    summaries = [
        summary("03", department="Waste", name="Bins"),
        summary("02", department="Housing", name="Repairs"),
        summary("05", department="Housing", name="Allocations"),
        summary("04", department="Housing", name="Repairs"),
        summary("01", department="Adult Social Care", name="Zebra crossings"),
    ]
    card = org_scorecard(ORG, summaries, LDD, TODAY)
    assert [(s.department, s.name, s.service_id) for s in card.services] == [
        ("Adult Social Care", "Zebra crossings", "01"),
        ("Housing", "Allocations", "05"),
        ("Housing", "Repairs", "02"),
        ("Housing", "Repairs", "04"),
        ("Waste", "Bins", "03"),
    ]


def test_the_org_scorecard_judges_staleness_per_service():
    summaries = [
        summary("fresh", latest=latest(submitted_at=at(2026, 1, 1))),
        summary("old", latest=latest(submitted_at=at(2025, 3, 1))),
        summary("never"),
    ]
    card = org_scorecard(ORG, summaries, LDD, TODAY)
    assert {s.service_id: (s.status, s.stale) for s in card.services} == {
        "fresh": ("assessed", False),
        "old": ("assessed", True),
        "never": ("not_assessed", False),
    }


# --- ranking ----------------------------------------------------------------------------------


def test_services_are_listed_by_department_and_name_unless_the_council_ranks_them():
    summaries = [
        summary("s1", "Parking", "Environment", latest=latest(score(40))),
        summary("s2", "Adult care", "Adults", latest=latest(score(90))),
        summary("s3", "Bins", "Environment"),  # not assessed
        summary("s4", "Blue Badge", "Adults", latest=latest(score(60))),
        summary("s5", "Allotments", "Environment", latest=latest(score(60))),
    ]
    listed = org_scorecard(ORG, summaries, LDD, TODAY)
    assert [c.service_id for c in listed.services] == ["s2", "s4", "s5", "s3", "s1"]
    ranked = org_scorecard(ORG, summaries, LDD, TODAY, rank_services=True)
    # Best first; equal scores keep department-then-name order; services not assessed last.
    assert [c.service_id for c in ranked.services] == ["s2", "s4", "s5", "s1", "s3"]
    assert ranked.average_score == listed.average_score


# --- why an assessment is out of date -----------------------------------------------------------


def _cited(submitted_at, *evidence_by_question):
    answers = tuple(Answer(qid, "green", evidence=(ev,)) for qid, ev in evidence_by_question)
    return Assessment(ORG, "svc", "01HZZZZZZZZZZZZZZZZZZZZZZZ", "ldd-2018", answers, score(50), LockIn("none", ()), stamp(submitted_at))


def test_why_stale_is_empty_for_a_fresh_cited():
    fresh = _cited(at(2026, 3, 1), ("P1-Q1", Evidence("https://example.gov.uk/a", "Survey", TODAY)))
    assert why_stale(fresh, TODAY) == []


def test_why_stale_names_the_date_of_an_assessment_over_12_months_old():
    assert why_stale(_cited(at(2025, 3, 14)), TODAY) == ["It was submitted on 14 March 2025, more than 12 months ago."]


def test_why_stale_names_each_expired_evidence_its_question_and_date():
    stale = _cited(
        at(2026, 3, 1),
        ("P1-Q1", Evidence("https://example.gov.uk/a", "User research report", date(2026, 3, 14))),
        ("P2-Q1", Evidence("https://example.gov.uk/b", None, date(2026, 1, 31))),
        ("P3-Q1", Evidence("https://example.gov.uk/c", "Still valid", date(2026, 4, 1))),
    )
    assert why_stale(stale, TODAY) == [
        "The evidence \u201cUser research report\u201d for question P1-Q1 was valid until 14 March 2026.",
        "The evidence \u201chttps://example.gov.uk/b\u201d for question P2-Q1 was valid until 31 January 2026.",
    ]


def test_the_service_scorecard_explains_its_level_with_the_current_levels():
    card = service_scorecard(summary(latest=latest(score(90, level=4, level_name="Developing", principles={"P1": 100, "P2": 50, "P3": 100, "P4": 100, "P5": 100}))), LDD, TODAY)
    assert card.level_explanation == "Level 5 (Mastering) needs every principle at 70 or more; P2 is 50."
    assert service_scorecard(summary(), LDD, TODAY).level_explanation is None
