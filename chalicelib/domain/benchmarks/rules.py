"""The benchmark rules: what a number of each unit may be, which KPI values may be recorded,
what a reporting period is, and where a value stands against a peer group's quartiles."""

import calendar
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.benchmarks.model import (
    DEFAULT_SCORE_RANGE,
    KPI_LEVELS,
    BenchmarkResult,
    BenchmarkSet,
    Kpi,
    KpiPosition,
    Number,
    Period,
    Quartiles,
)
from chalicelib.domain.errors import Invalid

YEARS = (1900, 2999)


class Problems:
    """What is wrong so far, by field path: a check reports every problem, not only the first."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)


# --- numbers and units ------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """A finite int, float or Decimal; booleans are not numbers here."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, (float, Decimal)) and math.isfinite(value)


def plain_number(value: int | float | Decimal) -> Number:
    """Decimals (as boto returns them) become int or float; ints and floats stay as they are."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def number_text(value: Any) -> str:
    """A number as a message shows it: a float as Python reads it back, 2.0 as 2.0."""
    return repr(value) if isinstance(value, float) else str(value)


def unit_problem(unit: str, value: Number, score_range: tuple[Number, Number] = DEFAULT_SCORE_RANGE,
                 whole_counts: bool = True) -> str | None:
    """Why `value` is out of range for `unit`, or None. Limits are inclusive.

    `whole_counts` is False for quartiles: the median of a count can fall between two whole
    numbers (the middle of an even number of councils).
    """
    if unit == "percent":
        return None if 0 <= value <= 100 else f"{number_text(value)} is not a percentage from 0 to 100"
    if unit == "score":
        low, high = score_range
        return None if low <= value <= high else (
            f"{number_text(value)} is outside the set's score range, {number_text(low)} to {number_text(high)}")
    if value < 0:
        return f"{number_text(value)} is negative; a {unit} value must be 0 or more"
    if unit == "count" and whole_counts and value != int(value):
        return f"{number_text(value)} is not a whole number; a count must be a whole number, 0 or more"
    return None


# --- KPI values -------------------------------------------------------------------------------


def check_kpi_values(set_or_kpis: BenchmarkSet | Iterable[Kpi], values: Any, level: str,
                     score_range: tuple[Number, Number] | None = None) -> None:
    """Refuse values for unknown KPIs, for KPIs of the other level, that are not numbers (null
    included) or that are out of their unit's range: Invalid naming "values.<kpi_id>".

    Given a set, its score_range applies; given bare KPIs (the union of several sets, say),
    `score_range` or the default 1 to 7 does.
    """
    if level not in KPI_LEVELS:
        raise ValueError(f"unknown KPI level {level!r}")
    if isinstance(set_or_kpis, BenchmarkSet):
        kpis = set_or_kpis.kpis
        score_range = score_range or set_or_kpis.score_range
    else:
        kpis = tuple(set_or_kpis)
        score_range = score_range or DEFAULT_SCORE_RANGE
    if not isinstance(values, Mapping):
        raise Invalid("The values must be an object of kpi_id: number.", {"values": ["must be an object"]})
    by_id = {k.kpi_id: k for k in kpis}
    problems = Problems()
    for kpi_id, value in values.items():
        path = f"values.{kpi_id}"
        kpi = by_id.get(kpi_id)
        if kpi is None:
            problems.add(path, f"unknown KPI {kpi_id!r}")
        elif kpi.level != level:
            where = "an organisation" if kpi.level == "org" else "a service"
            problems.add(path, f"{kpi_id!r} is a {kpi.level}-level KPI; record it on {where}")
        elif not is_number(value):
            problems.add(path, "must be a number")
        else:
            problem = unit_problem(kpi.unit, plain_number(value), score_range)
            if problem:
                problems.add(path, problem)
    if problems.errors:
        raise Invalid("Some KPI values are not valid.", problems.errors)


# --- periods ----------------------------------------------------------------------------------

# Looser than a period, so that a quarter or a month out of range gets its own message.
_PERIOD = re.compile(r"([0-9]{4})(?:-Q([0-9])|-([0-9]{2}))?")
_PERIOD_FORMAT = "must be YYYY, YYYY-Qn (n 1 to 4) or YYYY-MM (01 to 12)"
# The periods parse_period accepts, as /openapi.json documents them (the years' range aside).
PERIOD_PATTERN = r"^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"


def parse_period(text: Any) -> Period:
    """"2024", "2024-Q1" or "2024-03" (years 1900 to 2999) -> Period; anything else, spaces and
    a lower-case q included, is Invalid naming "period"."""
    match = _PERIOD.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise Invalid(f"{text!r} is not a period.", {"period": [_PERIOD_FORMAT]})
    year = int(match[1])
    quarter = int(match[2]) if match[2] else None
    month = int(match[3]) if match[3] else None
    problem = None
    if not YEARS[0] <= year <= YEARS[1]:
        problem = f"the year must be from {YEARS[0]} to {YEARS[1]}"
    elif quarter is not None and not 1 <= quarter <= 4:
        problem = "the quarter must be Q1 to Q4"
    elif month is not None and not 1 <= month <= 12:
        problem = "the month must be 01 to 12"
    if problem:
        raise Invalid(f"{text!r} is not a period.", {"period": [problem]})
    if quarter:
        first, last = 3 * quarter - 2, 3 * quarter
    elif month:
        first = last = month
    else:
        first, last = 1, 12
    start = date(year, first, 1)
    end = date(year, last, calendar.monthrange(year, last)[1])
    return Period(year, quarter, month, start, end)


# --- positions --------------------------------------------------------------------------------


def _exact(value: Number | Decimal) -> Decimal:
    # repr of a float is the shortest decimal that reads back as it: the number as it was written.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _gap(value: Number, median: Number) -> Number:
    difference = _exact(value) - _exact(median)
    if isinstance(value, int) and isinstance(median, int):
        return int(difference)
    return float(difference)


def quartile_of(better: str, value: Number, q: Quartiles) -> int:
    """1-4, 4 the best quarter; a value on a boundary belongs to the better side.

    higher is better:  value >= p75 -> 4;  >= median -> 3;  >= p25 -> 2;  below p25 -> 1
    lower is better:   value <= p25 -> 4;  <= median -> 3;  <= p75 -> 2;  above p75 -> 1

    The quartiles are value percentiles in both cases, so for "lower" the best quarter is the
    one at or below p25. Comparisons are exact on the numbers given (no tolerance): a value
    equal to a boundary as written is on it.
    """
    if not q.complete:
        raise ValueError("a quartile needs p25, median and p75")
    if better == "higher":
        return 4 if value >= q.p75 else 3 if value >= q.median else 2 if value >= q.p25 else 1
    if better == "lower":
        return 4 if value <= q.p25 else 3 if value <= q.median else 2 if value <= q.p75 else 1
    raise ValueError(f"unknown direction {better!r}")


def position(kpi: Kpi, value: Number | None, q: Quartiles | None) -> KpiPosition:
    """Where `value` stands against `q` (API.md, "Benchmarks"):

    - quartile: see quartile_of; None when there is no value, or no complete quartiles (a
      median-only figure says which half a value is in, not which quarter);
    - gap_to_median: value - median, negative below the median whichever direction is better;
      None when there is no value or no median, never zero for "unknown". It is computed on
      the decimals as written (3.76 - 3.5 is 0.26, not 0.2599999999999998) and reported
      unrounded: the HTTP layer may round it for display;
    - p25, median, p75: the peer group's figures, None when it has none.
    """
    if value is not None:
        value = plain_number(value)
    if q is None:
        return KpiPosition(kpi.kpi_id, value, None, None, None, None, None)
    quartile = quartile_of(kpi.better, value, q) if value is not None and q.complete else None
    gap = _gap(value, q.median) if value is not None else None
    return KpiPosition(kpi.kpi_id, value, q.p25, q.median, q.p75, quartile, gap)


def benchmark(bset: BenchmarkSet, values: Mapping[str, Number], level: str,
              peer_group: str | None = None) -> BenchmarkResult:
    """Positions for every KPI of `level` in the set, in the set's order, missing values
    included (as None). Without a peer_group, a set with one peer group uses it and a set with
    none reports no quartiles; a set with several needs one named."""
    if level not in KPI_LEVELS:
        raise ValueError(f"unknown KPI level {level!r}")
    if peer_group is None:
        if len(bset.peer_groups) > 1:
            raise Invalid(f"The benchmark set {bset.set_id!r} has several peer groups; choose one.",
                          {"peer_group": [f"must be one of {', '.join(bset.peer_groups)}"]})
        peer_group = next(iter(bset.peer_groups), None)
    elif peer_group not in bset.peer_groups:
        raise Invalid(f"Unknown peer group {peer_group!r}.",
                      {"peer_group": [f"must be one of {', '.join(bset.peer_groups) or '(none in this set)'}"]})
    positions = tuple(
        position(k, values.get(k.kpi_id), bset.quartiles(peer_group, k.kpi_id) if peer_group else None)
        for k in bset.kpis_at(level)
    )
    return BenchmarkResult(bset.set_id, peer_group, bset.illustrative, positions)
