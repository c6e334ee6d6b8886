"""Records as plain data and back (chalicelib/domain/plain.py): what the store keeps and ETags are
computed over, so its forms must not drift."""

from datetime import date, datetime, timezone
from fractions import Fraction

from chalicelib.domain.model import Actor, Answer, Contribution, Evidence, LatestAssessment, PrincipleScore, Score, Stamp
from chalicelib.domain.plain import from_plain, to_plain
from chalicelib.domain.scorecards import MonthlySnapshot
from tests.unit.builders import component_spec, contract

AT = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)


def test_the_stored_form_of_a_score_keeps_exact_fractions():
    score = Score(
        Fraction(2, 3), 2, "Emerging",
        (PrincipleScore("P1", Fraction(1, 3), 4, 4), PrincipleScore("P2", None, 4, 0)),
        (Contribution("P1-Q1", "amber", 2, Fraction(1), 2), Contribution("P2-Q1", "not_applicable", 1, None, None)),
    )
    latest = LatestAssessment("01J", "ldd-2018", AT, score, date(2027, 1, 31))
    plain = to_plain(latest)
    assert plain == {
        "assessment_id": "01J",
        "framework_id": "ldd-2018",
        "submitted_at": "2026-03-15T12:00:00.000000Z",
        "score": {
            "overall": "2/3",
            "level": 2,
            "level_name": "Emerging",
            "principles": [
                {"principle_id": "P1", "score": "1/3", "answered": 4, "applicable": 4},
                {"principle_id": "P2", "score": None, "answered": 4, "applicable": 0},
            ],
            "contributions": [
                {"question_id": "P1-Q1", "rating": "amber", "weight": 2, "points": "1/1", "max_points": 2},
                {"question_id": "P2-Q1", "rating": "not_applicable", "weight": 1, "points": None, "max_points": None},
            ],
        },
        "evidence_expires_on": "2027-01-31",
        "red_questions": [],
    }
    assert from_plain(LatestAssessment, plain) == latest


def test_records_come_back_equal():
    spec = component_spec(contract=contract(date(2025, 4, 1), date(2027, 3, 31)))
    answer = Answer("P1-Q1", "green", "notes", None, (Evidence("https://example.org/r", None, date(2026, 12, 1)),))
    stamp = Stamp(AT, Actor(subject="user-1", email="a@b.example"))
    snapshot = MonthlySnapshot("o", "2026-03", Fraction(1, 3), (("P1", Fraction(1, 2)), ("P2", None)), {"Beginning": 1}, {"none": 1}, 1, AT)
    for kind, record in ((type(spec), spec), (Answer, answer), (Stamp, stamp), (MonthlySnapshot, snapshot)):
        assert from_plain(kind, to_plain(record)) == record


def test_a_field_the_data_leaves_out_takes_its_default():
    assert from_plain(Actor, {"email": "a@b.example"}) == Actor(email="a@b.example")
