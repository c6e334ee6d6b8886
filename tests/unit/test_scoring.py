"""Scoring an assessment, checked against hand-computed values.

The synthetic framework used by most tests (weights chosen so the arithmetic is easy):

    principle A: A1 weight 3, A2 weight 1      (max 4 points)
    principle B: B1 weight 2, B2 weight 4      (max 6 points)

    green = 1, amber = 0.5, red = 0; points = weight x value; N/A leaves the question out.

    level 1 "Start"   min 0
    level 2 "Middle"  min 50, gate: at most 1 red answer
    level 3 "Top"     min 80, gates: no red answer; every principle scores at least 75
"""

from fractions import Fraction

import pytest

from chalicelib.domain.errors import Invalid
from chalicelib.domain.model import Answer
from chalicelib.domain.scoring import check_answers, explain_level, report_number, score_assessment
from chalicelib.frameworks import load_catalogue
from tests.unit.builders import JUSTIFICATION, all_rated, answers, framework

QUESTIONS = [("A1", "A", 3), ("A2", "A", 1), ("B1", "B", 2), ("B2", "B", 4)]
LEVELS = [
    {"level": 1, "name": "Start", "min_score": 0},
    {"level": 2, "name": "Middle", "min_score": 50, "gates": [("max_red_answers", 1)]},
    {"level": 3, "name": "Top", "min_score": 80, "gates": [("no_red_answers", None), ("min_principle_score", 75)]},
]
FW = framework(QUESTIONS, LEVELS)


def principle_scores(score):
    return {p.principle_id: p.score for p in score.principles}


def contributions(score):
    return {c.question_id: c for c in score.contributions}


# --- report_number: half-up to one decimal, on exact values ---------------------------------


@pytest.mark.parametrize(
    ("exact", "reported"),
    [
        (Fraction(6245, 100), 62.5),  # 62.45 exactly: half-up gives 62.5
        (Fraction(5625, 100), 56.3),  # float round(56.25, 1) is 56.2 (ties to even)
        (Fraction(15, 100), 0.2),  # float 0.15 is 0.1499999...; round(0.15, 1) is 0.1
        (100 * Fraction(2, 3), 66.7),  # 66.666...
        (100 * Fraction(1, 3), 33.3),  # 33.333...
        (Fraction(6244999, 100000), 62.4),  # 62.44999 is below the half
        (Fraction(100), 100.0),
        (Fraction(0), 0.0),
        (7, 7.0),
    ],
)
def test_report_number_rounds_exact_values_half_up_to_one_decimal(exact, reported):
    assert report_number(exact) == reported


def test_report_number_keeps_none_and_honours_places():
    assert report_number(None) is None
    assert report_number(Fraction(2675, 1000), places=2) == 2.68  # float round(2.675, 2) is 2.67
    assert report_number(Fraction(125, 100), places=0) == 1.0  # 1.25 -> 1


# --- points, principle scores, overall -------------------------------------------------------


def test_points_max_points_principles_and_overall_by_hand():
    score = score_assessment(FW, answers(A1="green", A2="red", B1="amber", B2="green"))
    # A1: 3 x 1 = 3 of 3; A2: 1 x 0 = 0 of 1; B1: 2 x 0.5 = 1 of 2; B2: 4 x 1 = 4 of 4
    c = contributions(score)
    assert (c["A1"].points, c["A1"].max_points, c["A1"].weight, c["A1"].rating) == (3, 3, 3, "green")
    assert (c["A2"].points, c["A2"].max_points) == (0, 1)
    assert (c["B1"].points, c["B1"].max_points) == (1, 2)
    assert (c["B2"].points, c["B2"].max_points) == (4, 4)
    assert len(score.contributions) == 4
    # A = 100 x 3/4 = 75; B = 100 x 5/6 = 83.33...
    assert principle_scores(score) == {"A": 75, "B": Fraction(250, 3)}
    # overall = (75 + 250/3) / 2 = 475/6 = 79.1666... -> 79.2
    assert score.overall == Fraction(475, 6)
    assert report_number(score.overall) == 79.2
    # one red (<= 1) and 79.2 >= 50: Middle; 79.2 < 80: not Top
    assert (score.level, score.level_name) == (2, "Middle")


def test_principle_counts_answered_and_applicable():
    score = score_assessment(FW, answers(A1="not_applicable", A2="green", B1="red", B2="amber"))
    counts = {p.principle_id: (p.answered, p.applicable) for p in score.principles}
    assert counts == {"A": (2, 1), "B": (2, 2)}


def test_all_green_scores_100_and_reaches_the_top_level():
    score = score_assessment(FW, all_rated(FW, "green"))
    assert principle_scores(score) == {"A": 100, "B": 100}
    assert score.overall == 100
    assert (score.level, score.level_name) == (3, "Top")


def test_an_exact_x_x5_overall_is_reported_half_up():
    score = score_assessment(FW, answers(A1="amber", A2="green", B1="amber", B2="amber"))
    # A = 100 x (1.5 + 1) / 4 = 62.5; B = 100 x (1 + 2) / 6 = 50
    assert principle_scores(score) == {"A": Fraction(125, 2), "B": 50}
    # overall = (62.5 + 50) / 2 = 56.25 exactly -> 56.3 (float round() would give 56.2)
    assert score.overall == Fraction(225, 4)
    assert report_number(score.overall) == 56.3


def test_overall_is_the_mean_of_unrounded_principle_scores():
    score = score_assessment(FW, answers(A1="green", A2="green", B1="green", B2="amber"))
    # A = 100; B = 100 x (2 + 2) / 6 = 66.666... (reported 66.7)
    assert principle_scores(score) == {"A": 100, "B": Fraction(200, 3)}
    assert report_number(score.principles[1].score) == 66.7
    # exact mean = (100 + 66.666...) / 2 = 83.333... -> 83.3
    # rounding the principles first would give (100 + 66.7) / 2 = 83.35 -> 83.4
    assert score.overall == Fraction(250, 3)
    assert report_number(score.overall) == 83.3


# --- not applicable ----------------------------------------------------------------------------


def test_not_applicable_leaves_the_question_out_of_its_principle():
    score = score_assessment(FW, answers(A1="not_applicable", A2="red", B1="green", B2="green"))
    c = contributions(score)
    assert (c["A1"].rating, c["A1"].weight, c["A1"].points, c["A1"].max_points) == ("not_applicable", 3, None, None)
    # A = 100 x 0 / 1 = 0 (A1's weight 3 is not in the denominator); B = 100
    assert principle_scores(score) == {"A": 0, "B": 100}
    assert score.overall == 50


def test_a_principle_with_every_answer_not_applicable_is_null_and_left_out_of_the_overall():
    score = score_assessment(FW, answers(A1="not_applicable", A2="not_applicable", B1="green", B2="amber"))
    # A: no applicable question -> None; B = 100 x 4 / 6 = 66.666...
    assert principle_scores(score) == {"A": None, "B": Fraction(200, 3)}
    assert score.principles[0].applicable == 0
    # overall is B alone (66.7), not (0 + 66.7) / 2
    assert score.overall == Fraction(200, 3)
    assert report_number(score.overall) == 66.7


# --- levels and gates ------------------------------------------------------------------------


def test_rounded_overall_exactly_at_min_score_reaches_the_level():
    score = score_assessment(FW, all_rated(FW, "amber"))
    # every principle 50 -> overall exactly 50 = Middle's min_score; no red answer
    assert score.overall == 50
    assert score.level_name == "Middle"


def test_level_compares_the_rounded_overall_with_min_score():
    # A = 62.5, B = 50, overall exactly 56.25, reported 56.3
    ratings = answers(A1="amber", A2="green", B1="amber", B2="amber")
    reached = framework(QUESTIONS, [LEVELS[0], {"level": 2, "name": "Middle", "min_score": 56.3}])
    missed = framework(QUESTIONS, [LEVELS[0], {"level": 2, "name": "Middle", "min_score": 56.4}])
    assert score_assessment(reached, ratings).level_name == "Middle"  # 56.3 <= 56.3
    assert score_assessment(missed, ratings).level_name == "Start"  # 56.3 < 56.4


def test_overall_below_min_score_stays_on_the_level_below():
    score = score_assessment(FW, answers(A1="amber", A2="red", B1="amber", B2="amber"))
    # A = 100 x 1.5 / 4 = 37.5; B = 50; overall 43.75 -> 43.8 < 50
    assert report_number(score.overall) == 43.8
    assert (score.level, score.level_name) == (1, "Start")


def test_max_red_answers_gate():
    # A = 100 x 3 / 4 = 75; B = 100 x 4 / 6 = 66.7; overall 70.8 >= 50 in both cases
    one_red = score_assessment(FW, answers(A1="green", A2="red", B1="green", B2="amber"))
    two_reds = score_assessment(FW, answers(A1="green", A2="red", B1="red", B2="green"))
    assert report_number(one_red.overall) == 70.8
    assert one_red.level_name == "Middle"  # 1 red <= 1
    assert report_number(two_reds.overall) == 70.8
    assert two_reds.level_name == "Start"  # 2 reds > 1


def test_no_red_answers_gate_blocks_an_otherwise_qualifying_score():
    score = score_assessment(FW, answers(A1="green", A2="red", B1="green", B2="green"))
    # A = 75, B = 100, overall 87.5 >= 80 and every principle >= 75, but one red answer
    assert score.overall == Fraction(175, 2)
    assert score.level_name == "Middle"


def test_min_principle_score_gate():
    failing = score_assessment(FW, answers(A1="green", A2="green", B1="green", B2="amber"))
    # A = 100, B = 66.7 < 75: overall 83.3 >= 80 and no red, but the principle gate fails
    assert failing.level_name == "Middle"
    passing = score_assessment(FW, answers(A1="green", A2="green", B1="amber", B2="green"))
    # A = 100, B = 100 x 5 / 6 = 83.3 >= 75; overall 91.7
    assert report_number(passing.overall) == 91.7
    assert passing.level_name == "Top"


def test_min_principle_score_ignores_a_principle_without_applicable_questions():
    score = score_assessment(FW, answers(A1="not_applicable", A2="not_applicable", B1="green", B2="green"))
    # A is None (not 0), so it cannot fail the gate; B = 100
    assert score.overall == 100
    assert score.level_name == "Top"


def test_a_level_is_reached_only_when_every_lower_level_gate_holds():
    levels = [
        {"level": 1, "name": "Start", "min_score": 0},
        {"level": 2, "name": "Middle", "min_score": 50, "gates": [("max_red_answers", 1)]},
        {"level": 3, "name": "Top", "min_score": 70, "gates": [("min_principle_score", 60)]},
    ]
    ratings = answers(A1="green", A2="red", B1="red", B2="green")
    # A = 75, B = 66.7, overall 70.8: Top's own min_score and gate hold, but 2 reds break
    # Middle's gate, so Top is not reached either
    assert score_assessment(framework(QUESTIONS, levels), ratings).level_name == "Start"
    levels[1] = {"level": 2, "name": "Middle", "min_score": 50, "gates": [("max_red_answers", 2)]}
    assert score_assessment(framework(QUESTIONS, levels), ratings).level_name == "Top"


# --- explain_level: what holds a score back, with its numbers --------------------------------


@pytest.mark.parametrize(
    ("ratings", "level", "explained"),
    [
        # every principle 50: Middle (min 50, at most 1 red) is reached; Top needs 80 and 75 each
        ("amber amber amber amber", "Middle", "Level 3 (Top) needs a score of 80 or more; this one is 50 and every principle at 75 or more; A is 50, B is 50."),
        ("green red green green", "Middle", "Level 3 (Top) needs no question rated red; 1 is red (A2)."),
        ("green red red green", "Start", "Level 2 (Middle) needs no more than 1 question rated red; 2 are red (A2, B1)."),
        # A = 100, B = 66.7: a score of 83.3 and no red, held back by B alone
        ("green green green amber", "Middle", "Level 3 (Top) needs every principle at 75 or more; B is 66.7."),
    ],
)
def test_explain_level_names_what_the_next_level_needs_with_its_numbers(ratings, level, explained):
    score = score_assessment(FW, answers(dict(zip(("A1", "A2", "B1", "B2"), ratings.split()))))
    assert score.level_name == level
    assert explain_level(FW, score) == explained


def test_explain_level_has_nothing_to_say_at_the_top_level():
    assert explain_level(FW, score_assessment(FW, all_rated(FW, "green"))) is None


def test_explain_level_with_the_shipped_levels():
    fw = load_catalogue().get("ldd-2018-r2")
    ratings = {q.question_id: "green" for q in fw.questions}
    ratings.update({"P2-Q1": "amber", "P2-Q2": "amber", "P2-Q3": "amber"})
    score = score_assessment(fw, answers(ratings))
    # P2 = 100 x (1.5 + 1.5 + 1.5 + 2) / 11 = 59.1; overall (400 + 59.1) / 5 = 91.8
    assert score.level_name == "Developing"
    assert explain_level(fw, score) == "Level 5 (Mastering) needs every principle at 70 or more; P2 is 59.1."


# --- checking the answers --------------------------------------------------------------------


def _invalid(fw, given) -> Invalid:
    with pytest.raises(Invalid) as caught:
        check_answers(fw, given)
    with pytest.raises(Invalid):
        score_assessment(fw, given)
    return caught.value


def test_complete_answers_pass_the_check():
    check_answers(FW, answers(A1="green", A2="not_applicable", B1="red", B2="amber"))


def test_a_missing_question_is_named():
    error = _invalid(FW, answers(A1="green", A2="green", B1="green"))
    assert set(error.errors) == {"answers"}
    assert any("B2" in message for message in error.errors["answers"])


def test_a_duplicate_question_is_named_by_its_position():
    given = answers(A1="green", A2="green", B1="green", B2="green") + [Answer("A2", "red")]
    error = _invalid(FW, given)
    assert set(error.errors) == {"answers.4.question_id"}
    assert "A2" in error.errors["answers.4.question_id"][0]


def test_an_unknown_question_is_named_by_its_position():
    given = answers(A1="green", A2="green", B1="green", Z9="green", B2="green")
    error = _invalid(FW, given)
    assert set(error.errors) == {"answers.3.question_id"}
    assert "Z9" in error.errors["answers.3.question_id"][0]


def test_an_unknown_question_in_place_of_a_real_one_is_also_missing_that_one():
    error = _invalid(FW, answers(A1="green", A2="green", B1="green", Z9="green"))
    assert set(error.errors) == {"answers.3.question_id", "answers"}
    assert any("B2" in message for message in error.errors["answers"])


@pytest.mark.parametrize("justification", [None, "", "   "])
def test_not_applicable_needs_a_justification(justification):
    given = answers(A1="green", B1="green", B2="green")
    given.insert(1, Answer("A2", "not_applicable", justification=justification))
    error = _invalid(FW, given)
    assert set(error.errors) == {"answers.1.justification"}


def test_an_assessment_with_every_answer_not_applicable_is_refused():
    given = [Answer(q.question_id, "not_applicable", justification=JUSTIFICATION) for q in FW.questions]
    error = _invalid(FW, given)
    assert error.errors == {"answers": [error.errors["answers"][0]]}
    assert "not_applicable" in error.errors["answers"][0]


# --- the shipped catalogue -------------------------------------------------------------------


LDD = load_catalogue()["ldd-2018"]


def test_all_green_on_ldd_2018_scores_100_at_the_top_level():
    score = score_assessment(LDD, all_rated(LDD, "green"))
    assert score.overall == 100
    assert report_number(score.overall) == 100.0
    assert all(p.score == 100 for p in score.principles)
    top = LDD.levels[-1]
    assert (score.level, score.level_name) == (top.level, top.name) == (5, "Mastering")
    assert len(score.contributions) == len(LDD.questions) == 20


def test_all_red_on_ldd_2018_scores_0_at_level_1():
    score = score_assessment(LDD, all_rated(LDD, "red"))
    assert score.overall == 0
    assert all(p.score == 0 for p in score.principles)
    assert (score.level, score.level_name) == (1, "Beginning")
    assert all(c.points == 0 and c.max_points == c.weight for c in score.contributions)


def test_all_amber_on_ldd_2018_scores_50_at_level_2():
    score = score_assessment(LDD, all_rated(LDD, "amber"))
    # 50 >= Emerging's 40 with no red; below Learning's 55
    assert score.overall == 50
    assert (score.level, score.level_name) == (2, "Emerging")
