"""What changed between two assessments of a service (chalicelib/domain/changes.py)."""

from fractions import Fraction

from chalicelib.domain.changes import CHANGED, DOWN, NEW, SAME, UP, changes
from chalicelib.domain.model import Answer, Assessment, LockIn, PrincipleScore, Score
from tests.unit.builders import ORG, stamp


def assessment(ratings: dict[str, str], overall, principles: dict[str, Fraction | None]) -> Assessment:
    score = Score(
        Fraction(overall), 1, "One", tuple(PrincipleScore(pid, s, 1, 1) for pid, s in principles.items()), ()
    )
    answers = tuple(Answer(qid, rating, justification="n/a" if rating == "not_applicable" else None) for qid, rating in ratings.items())
    return Assessment(ORG, "s1", "01", "test-fw", answers, score, LockIn("none", ()), stamp())


def test_each_rating_and_principle_score_moves_up_or_down_or_stays():
    before = assessment({"q1": "red", "q2": "green", "q3": "amber", "q4": "green"}, 50, {"P1": Fraction(40), "P2": Fraction(60), "P3": None})
    after = assessment(
        {"q1": "amber", "q2": "red", "q3": "amber", "q4": "not_applicable", "q5": "green"},
        Fraction(1001, 20),  # 50.05: reported as 50.1, so up
        {"P1": Fraction(80), "P2": Fraction(60), "P3": Fraction(10)},
    )
    found = changes(before, after)
    assert [(r.question_id, r.before, r.after, r.direction) for r in found.ratings] == [
        ("q1", "red", "amber", UP),
        ("q2", "green", "red", DOWN),
        ("q3", "amber", "amber", SAME),
        ("q4", "green", "not_applicable", CHANGED),
        ("q5", None, "green", NEW),
    ]
    assert [r.question_id for r in found.moved()] == ["q1", "q2", "q4", "q5"]
    assert [(p.principle_id, p.direction) for p in found.principles] == [("P1", UP), ("P2", SAME), ("P3", CHANGED)]
    assert (found.overall.before, found.overall.direction) == (50, UP)


def test_a_difference_too_small_to_report_is_no_change():
    before = assessment({"q1": "green"}, Fraction(5001, 100), {"P1": Fraction(5001, 100)})  # 50.01
    after = assessment({"q1": "green"}, Fraction(5002, 100), {"P1": Fraction(4999, 100)})  # 50.02, 49.99
    found = changes(before, after)
    assert found.overall.direction == SAME and found.principles[0].direction == SAME
    assert found.moved() == ()
