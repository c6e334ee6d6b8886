"""Scoring an assessment: exact arithmetic, then half-up rounding of what is reported.

See docs/scoring.md. Fractions keep 62.45 from becoming 62.4 through binary floating point.
"""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from chalicelib.domain.catalogue import RATING_VALUES, Framework, Level
from chalicelib.domain.errors import Invalid
from chalicelib.domain.model import Answer, Contribution, PrincipleScore, Score


def report_number(value: Fraction | int | None, places: int = 1) -> float | None:
    """Round half-up to `places` decimals for reporting (None stays None)."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(value)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def answer_errors(framework: Framework, answers: list[Answer]) -> dict[str, list[str]]:
    """What is wrong with the answers one by one: an unknown question, a question answered
    twice, not applicable without a justification (a draft is held to these too)."""
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, answer in enumerate(answers):
        path = f"answers.{index}.question_id"
        if framework.question(answer.question_id) is None:
            errors.setdefault(path, []).append(f"unknown question {answer.question_id!r} in {framework.framework_id}")
        elif answer.question_id in seen:
            errors.setdefault(path, []).append(f"question {answer.question_id!r} is answered more than once")
        seen.add(answer.question_id)
        if answer.rating == "not_applicable" and not (answer.justification or "").strip():
            errors.setdefault(f"answers.{index}.justification", []).append(
                "a justification is required when the rating is not_applicable"
            )
    return errors


def check_answers(framework: Framework, answers: list[Answer]) -> None:
    """Every question answered exactly once, no unknown question, a justification for N/A."""
    errors = answer_errors(framework, answers)
    seen = {a.question_id for a in answers}
    missing = [q.question_id for q in framework.questions if q.question_id not in seen]
    if missing:
        errors["answers"] = [f"question {qid!r} is not answered" for qid in missing]
    if errors:
        raise Invalid("The answers do not match the framework's questions.", errors)
    if all(a.rating == "not_applicable" for a in answers):
        raise Invalid(
            "An assessment must rate at least one question; every answer is not_applicable.",
            {"answers": ["every answer is not_applicable"]},
        )


def score_assessment(framework: Framework, answers: list[Answer]) -> Score:
    check_answers(framework, answers)
    by_question = {a.question_id: a for a in answers}
    contributions = []
    for question in framework.questions:
        rating = by_question[question.question_id].rating
        if rating == "not_applicable":
            contributions.append(Contribution(question.question_id, rating, question.weight, None, None))
        else:
            points = question.weight * Fraction(RATING_VALUES[rating])
            contributions.append(Contribution(question.question_id, rating, question.weight, points, question.weight))

    principle_of = {q.question_id: q.principle_id for q in framework.questions}
    principles = []
    for principle in framework.principles:
        mine = [c for c in contributions if principle_of[c.question_id] == principle.principle_id]
        applicable = [c for c in mine if c.max_points is not None]
        score = None
        if applicable:
            score = 100 * sum(c.points for c in applicable) / sum(c.max_points for c in applicable)
        principles.append(PrincipleScore(principle.principle_id, score, len(mine), len(applicable)))

    scored = [p.score for p in principles if p.score is not None]
    overall = sum(scored, Fraction(0)) / len(scored)
    level = level_for(framework, overall, answers, principles)
    return Score(overall, level.level, level.name, tuple(principles), tuple(contributions))


def level_for(framework: Framework, overall: Fraction, answers: list[Answer], principles: list[PrincipleScore]) -> Level:
    """The highest level whose min_score the rounded overall reaches and whose gates, and every
    lower level's gates, hold for this assessment's own answers."""
    reported = report_number(overall)
    reds = sum(1 for a in answers if a.rating == "red")
    achieved = framework.levels[0]
    for level in framework.levels:
        if reported < level.min_score or not all(_gate_holds(g, reds, principles) for g in level.gates):
            break
        achieved = level
    return achieved


def _gate_holds(gate, reds: int, principles: list[PrincipleScore]) -> bool:
    if gate.gate_id == "no_red_answers":
        return reds == 0
    if gate.gate_id == "max_red_answers":
        return reds <= gate.value
    if gate.gate_id == "min_principle_score":
        return all(report_number(p.score) >= gate.value for p in principles if p.score is not None)
    raise ValueError(f"unknown gate {gate.gate_id}")


def explain_level(framework: Framework, score: Score, reds: tuple[str, ...] | None = None) -> str | None:
    """What keeps `score` from the next level, with its numbers: the next level's min_score, or
    each of its gates that fails. None at the highest level. The climb in level_for stops at the
    first level that fails, so the next level up is the one that says what holds it back."""
    higher = [lv for lv in framework.levels if lv.level > score.level]
    if not higher:
        return None
    target = higher[0]
    reported = report_number(score.overall)
    if reds is None:
        reds = tuple(c.question_id for c in score.contributions if c.rating == "red")
    reasons = []
    if reported < target.min_score:
        reasons.append(f"a score of {_figure(target.min_score)} or more; this one is {_figure(reported)}")
    for gate in target.gates:
        if gate.gate_id == "no_red_answers" and reds:
            reasons.append(f"no question rated red; {_count(reds)} ({', '.join(reds)})")
        elif gate.gate_id == "max_red_answers" and len(reds) > gate.value:
            reasons.append(f"no more than {_plural(int(gate.value), 'question')} rated red; {_count(reds)} ({', '.join(reds)})")
        elif gate.gate_id == "min_principle_score":
            low = [
                f"{p.principle_id} is {_figure(report_number(p.score))}"
                for p in score.principles
                if p.score is not None and report_number(p.score) < gate.value
            ]
            if low:
                reasons.append(f"every principle at {_figure(gate.value)} or more; {', '.join(low)}")
    if not reasons:  # scored under other levels than these: nothing here to explain
        return None
    return f"Level {target.level} ({target.name}) needs " + " and ".join(reasons) + "."


def _figure(value: float) -> str:
    """50.0 as 50, 62.5 as 62.5: a reported number in words."""
    return format(value, "g")


def _count(reds: list[str]) -> str:
    return "1 is red" if len(reds) == 1 else f"{len(reds)} are red"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
