"""What changed from one assessment of a service to the next: each rating and each principle
score, up or down, so a past assessment's page can say what moved and why its score did."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from chalicelib.domain.catalogue import RATING_VALUES
from chalicelib.domain.model import Assessment
from chalicelib.domain.scoring import report_number

UP, DOWN, SAME = "up", "down", "same"
# Not applicable has no value, so moving to or from it is a change with no direction; a
# question the earlier assessment did not ask (another framework revision) is new.
CHANGED, NEW = "changed", "new"


@dataclass(frozen=True)
class RatingChange:
    question_id: str
    before: str | None  # None: the earlier assessment did not ask it
    after: str
    direction: str  # UP, DOWN, SAME, CHANGED or NEW


@dataclass(frozen=True)
class ScoreChange:
    principle_id: str | None  # None: the overall score
    before: Fraction | None
    after: Fraction | None
    direction: str  # UP, DOWN, SAME, or CHANGED (to or from not applicable)


@dataclass(frozen=True)
class Changes:
    overall: ScoreChange
    principles: tuple[ScoreChange, ...]
    ratings: tuple[RatingChange, ...]  # in the later assessment's order

    def moved(self) -> tuple[RatingChange, ...]:
        return tuple(r for r in self.ratings if r.direction != SAME)


def _direction(before, after) -> str:
    if before == after:
        return SAME
    if before is None or after is None:
        return CHANGED
    return UP if before < after else DOWN


def _score(principle_id: str | None, before: Fraction | None, after: Fraction | None) -> ScoreChange:
    # Compared as reported: a difference too small to show is no change to the reader.
    return ScoreChange(principle_id, before, after, _direction(report_number(before), report_number(after)))


def _rating(question_id: str, before: str | None, after: str) -> RatingChange:
    if before is None:
        return RatingChange(question_id, None, after, NEW)
    if before == after:
        return RatingChange(question_id, before, after, SAME)
    return RatingChange(question_id, before, after, _direction(RATING_VALUES.get(before), RATING_VALUES.get(after)))


def changes(previous: Assessment, current: Assessment) -> Changes:
    """How `current` differs from `previous`, the assessment of the same service before it."""
    earlier_ratings = {a.question_id: a.rating for a in previous.answers}
    earlier_scores = {p.principle_id: p.score for p in previous.score.principles}
    return Changes(
        overall=_score(None, previous.score.overall, current.score.overall),
        principles=tuple(
            _score(p.principle_id, earlier_scores.get(p.principle_id), p.score) for p in current.score.principles
        ),
        ratings=tuple(_rating(a.question_id, earlier_ratings.get(a.question_id), a.rating) for a in current.answers),
    )
