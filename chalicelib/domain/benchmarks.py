"""Benchmark sets, KPI values and where a value stands against a peer group's quartiles.

A benchmark set is data. Socitm's quartile tables are members-only, so a council imports the set
it receives (JSON through the API, or the CSV layout in docs/benchmarks.md); the tracker ships
only an illustrative set built from public figures. Standard library only, no I/O.
"""

import calendar
import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import Invalid

UNITS = ("percent", "gbp", "count", "score", "days", "ratio")
BETTER = ("higher", "lower")
KPI_LEVELS = ("org", "service")
DEFAULT_SCORE_RANGE = (1, 7)  # Socitm's user satisfaction question is rated 1 to 7

NAME_LIMIT = 200
TEXT_LIMIT = 4000
YEARS = (1900, 2999)

_SET_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
_KPI_ID = re.compile(r"[a-z][a-z0-9_]{0,62}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SET_FIELDS = ("set_id", "title", "source", "published", "illustrative", "kpis", "peer_groups", "score_range", "notes")
_KPI_FIELDS = ("kpi_id", "title", "unit", "better", "level", "source", "year", "notes")
_QUARTILE_FIELDS = ("p25", "median", "p75", "n")

Number = int | float


@dataclass(frozen=True)
class Kpi:
    kpi_id: str
    title: str
    unit: str  # one of UNITS
    better: str  # "higher" | "lower"
    level: str  # "org" | "service"
    source: str | None = None
    year: int | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Quartiles:
    """One peer group's figures for one KPI: value percentiles, whichever direction is better
    (p25 <= median <= p75 always). p25 and p75 are given together or not at all: a source that
    publishes only a median gives a median, never an invented spread."""

    p25: Number | None
    median: Number
    p75: Number | None
    n: int | None = None

    @property
    def complete(self) -> bool:
        return self.p25 is not None and self.p75 is not None


@dataclass(frozen=True)
class BenchmarkSet:
    set_id: str
    title: str
    source: str
    published: date
    illustrative: bool
    kpis: tuple[Kpi, ...]
    peer_groups: dict[str, dict[str, Quartiles]]
    score_range: tuple[Number, Number] = DEFAULT_SCORE_RANGE
    notes: str | None = None

    def kpi(self, kpi_id: str) -> Kpi | None:
        return next((k for k in self.kpis if k.kpi_id == kpi_id), None)

    def kpis_at(self, level: str) -> tuple[Kpi, ...]:
        return tuple(k for k in self.kpis if k.level == level)

    def quartiles(self, peer_group: str, kpi_id: str) -> Quartiles | None:
        return self.peer_groups.get(peer_group, {}).get(kpi_id)


@dataclass(frozen=True)
class Period:
    """A reporting period: a year, a quarter or a month, covering start..end inclusive.

    `sortable` is the canonical text ("2024", "2024-Q1", "2024-03"): periods of one granularity
    sort chronologically by it, and every period of a year starts with the year, so a prefix
    selects a year. Across granularities within one year the order is year, months, quarters;
    sort by (start, end) to interleave them by the calendar.
    """

    year: int
    quarter: int | None
    month: int | None
    start: date
    end: date

    @property
    def kind(self) -> str:
        return "quarter" if self.quarter else "month" if self.month else "year"

    @property
    def sortable(self) -> str:
        if self.quarter:
            return f"{self.year:04d}-Q{self.quarter}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def __str__(self) -> str:
        return self.sortable


@dataclass(frozen=True)
class KpiPosition:
    kpi_id: str
    value: Number | None
    p25: Number | None
    median: Number | None
    p75: Number | None
    quartile: int | None  # 1-4, 4 the best quarter
    gap_to_median: Number | None  # value - median


@dataclass(frozen=True)
class BenchmarkResult:
    set_id: str
    peer_group: str | None
    illustrative: bool
    kpis: tuple[KpiPosition, ...]


# --- numbers and units ------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """A finite int, float or Decimal; booleans are not numbers here."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, (float, Decimal)) and math.isfinite(value)


def _plain(value: int | float | Decimal) -> Number:
    """Decimals (as boto returns them) become int or float; ints and floats stay as they are."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def unit_problem(unit: str, value: Number, score_range: tuple[Number, Number] = DEFAULT_SCORE_RANGE,
                 whole_counts: bool = True) -> str | None:
    """Why `value` is out of range for `unit`, or None. Limits are inclusive.

    `whole_counts` is False for quartiles: the median of a count can fall between two whole
    numbers (the middle of an even number of councils).
    """
    if unit == "percent":
        return None if 0 <= value <= 100 else f"{_show(value)} is not a percentage from 0 to 100"
    if unit == "score":
        low, high = score_range
        return None if low <= value <= high else (
            f"{_show(value)} is outside the set's score range, {_show(low)} to {_show(high)}")
    if value < 0:
        return f"{_show(value)} is negative; a {unit} value must be 0 or more"
    if unit == "count" and whole_counts and value != int(value):
        return f"{_show(value)} is not a whole number; a count must be a whole number, 0 or more"
    return None


# --- building a set from its data -------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)


def _unknown_fields(data: Mapping, allowed: tuple[str, ...], prefix: str, problems: _Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.add(f"{prefix}{key}", f"unknown field; the fields are {', '.join(allowed)}")


def _text(data: Mapping, key: str, path: str, problems: _Problems, limit: int, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            problems.add(path, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(path, "must be a non-empty string")
        return None
    if len(value) > limit:
        problems.add(path, f"must be at most {limit} characters")
        return None
    return value


def _choice(data: Mapping, key: str, path: str, problems: _Problems, choices: tuple[str, ...]) -> str | None:
    value = data.get(key)
    if value is None:
        problems.add(path, "is required")
        return None
    if value not in choices:
        problems.add(path, f"{value!r} is not one of {', '.join(choices)}")
        return None
    return value


def _published(value: Any, problems: _Problems) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if value is None:
        problems.add("published", "is required")
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems.add("published", f"{value!r} is not a calendar date")
    else:
        problems.add("published", "must be an ISO 8601 date, YYYY-MM-DD")
    return None


def _score_range(value: Any, problems: _Problems) -> tuple[Number, Number] | None:
    if value is None:
        return DEFAULT_SCORE_RANGE
    if (not isinstance(value, (list, tuple)) or len(value) != 2 or not all(is_number(v) for v in value)):
        problems.add("score_range", "must be two numbers, [low, high]")
        return None
    low, high = (_plain(v) for v in value)
    if not low < high:
        problems.add("score_range", f"low ({_show(low)}) must be below high ({_show(high)})")
        return None
    return (low, high)


def _kpi(index: int, data: Any, problems: _Problems) -> Kpi | None:
    prefix = f"kpis.{index}."
    if not isinstance(data, Mapping):
        problems.add(f"kpis.{index}", "must be an object")
        return None
    before = len(problems.errors)
    _unknown_fields(data, _KPI_FIELDS, prefix, problems)
    kpi_id = data.get("kpi_id")
    if kpi_id is None:
        problems.add(prefix + "kpi_id", "is required")
    elif not isinstance(kpi_id, str) or not _KPI_ID.fullmatch(kpi_id):
        problems.add(prefix + "kpi_id", f"must match {_KPI_ID.pattern} (lower case, digits, underscores)")
    title = _text(data, "title", prefix + "title", problems, NAME_LIMIT)
    unit = _choice(data, "unit", prefix + "unit", problems, UNITS)
    better = _choice(data, "better", prefix + "better", problems, BETTER)
    level = _choice(data, "level", prefix + "level", problems, KPI_LEVELS)
    source = _text(data, "source", prefix + "source", problems, TEXT_LIMIT, required=False)
    notes = _text(data, "notes", prefix + "notes", problems, TEXT_LIMIT, required=False)
    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]):
        problems.add(prefix + "year", f"must be a whole year from {YEARS[0]} to {YEARS[1]}")
    if len(problems.errors) > before:
        return None
    return Kpi(kpi_id, title, unit, better, level, source, year, notes)


def _quartiles(path: str, data: Any, kpi: Kpi | None, score_range: tuple[Number, Number] | None,
               problems: _Problems) -> Quartiles | None:
    if not isinstance(data, Mapping):
        problems.add(path, "must be an object with p25, median, p75 and optionally n")
        return None
    before = len(problems.errors)
    _unknown_fields(data, _QUARTILE_FIELDS, path + ".", problems)
    figures: dict[str, Number | None] = {}
    for name in ("p25", "median", "p75"):
        value = data.get(name)
        if value is None:
            if name == "median":
                problems.add(f"{path}.median", "is required")
            figures[name] = None
        elif not is_number(value):
            problems.add(f"{path}.{name}", "must be a number")
            figures[name] = None
        else:
            figures[name] = _plain(value)
            if kpi is not None and score_range is not None:
                problem = unit_problem(kpi.unit, figures[name], score_range, whole_counts=False)
                if problem:
                    problems.add(f"{path}.{name}", problem)
    given = [name for name in ("p25", "p75") if data.get(name) is not None]
    if len(given) == 1:
        missing = "p75" if given == ["p25"] else "p25"
        problems.add(f"{path}.{missing}", "p25 and p75 are given together or not at all")
    p25, median, p75 = figures["p25"], figures["median"], figures["p75"]
    if p25 is not None and median is not None and p25 > median:
        problems.add(f"{path}.p25", f"p25 ({_show(p25)}) is above the median ({_show(median)}); "
                     "quartiles are value percentiles, p25 <= median <= p75, whichever direction is better")
    if p75 is not None and median is not None and p75 < median:
        problems.add(f"{path}.p75", f"p75 ({_show(p75)}) is below the median ({_show(median)}); "
                     "quartiles are value percentiles, p25 <= median <= p75, whichever direction is better")
    n = data.get("n")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        problems.add(f"{path}.n", "must be a whole number, 1 or more")
    if len(problems.errors) > before:
        return None
    return Quartiles(p25, median, p75, n)


def benchmark_set_from_dict(data: Any) -> BenchmarkSet:
    """Build a BenchmarkSet from its data (a shipped file or a PUT body with its set_id added),
    refusing an inconsistent set early: Invalid, with `errors` keyed by field path such as
    "kpis.2.unit" or "peer_groups.London boroughs.ict_spend_share.p25". Every problem is
    reported at once, not only the first."""
    if not isinstance(data, Mapping):
        raise Invalid("A benchmark set must be an object.", {"set": ["must be an object"]})
    problems = _Problems()
    _unknown_fields(data, _SET_FIELDS, "", problems)
    set_id = data.get("set_id")
    if set_id is None:
        problems.add("set_id", "is required")
    elif not isinstance(set_id, str) or not _SET_ID.fullmatch(set_id):
        problems.add("set_id", f"must match {_SET_ID.pattern}")
    title = _text(data, "title", "title", problems, NAME_LIMIT)
    source = _text(data, "source", "source", problems, TEXT_LIMIT)
    notes = _text(data, "notes", "notes", problems, TEXT_LIMIT, required=False)
    published = _published(data.get("published"), problems)
    illustrative = data.get("illustrative")
    if not isinstance(illustrative, bool):
        problems.add("illustrative", "must be true or false")
    score_range = _score_range(data.get("score_range"), problems)

    kpis: list[Kpi] = []
    kpi_data = data.get("kpis")
    if not isinstance(kpi_data, list) or not kpi_data:
        problems.add("kpis", "must be a non-empty list of KPIs")
        kpi_data = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(kpi_data):
        kpi = _kpi(index, item, problems)
        kpi_id = item.get("kpi_id") if isinstance(item, Mapping) else None
        if isinstance(kpi_id, str):
            if kpi_id in first_index:
                problems.add(f"kpis.{index}.kpi_id", f"duplicate kpi_id {kpi_id!r} (also kpis.{first_index[kpi_id]})")
            else:
                first_index[kpi_id] = index
        if kpi is not None:
            kpis.append(kpi)
    by_id = {k.kpi_id: k for k in kpis}

    peer_groups: dict[str, dict[str, Quartiles]] = {}
    groups = data.get("peer_groups", {})
    if not isinstance(groups, Mapping):
        problems.add("peer_groups", "must be an object: {peer group: {kpi_id: quartiles}}")
        groups = {}
    for group, entries in groups.items():
        path = f"peer_groups.{group}"
        if not isinstance(group, str) or not group.strip() or group != group.strip() or len(group) > NAME_LIMIT:
            problems.add(path, f"a peer group's name must be 1 to {NAME_LIMIT} characters, "
                         "not starting or ending with spaces")
            continue
        if not isinstance(entries, Mapping):
            problems.add(path, "must be an object: {kpi_id: quartiles}")
            continue
        peer_groups[group] = {}
        for kpi_id, figures in entries.items():
            if kpi_id not in first_index:
                problems.add(f"{path}.{kpi_id}", f"unknown KPI {kpi_id!r}: quartiles are only for the set's KPIs")
                continue
            q = _quartiles(f"{path}.{kpi_id}", figures, by_id.get(kpi_id), score_range, problems)
            if q is not None:
                peer_groups[group][kpi_id] = q

    if problems.errors:
        raise Invalid(f"The benchmark set {set_id!r} is not valid.", problems.errors)
    return BenchmarkSet(set_id, title, source, published, illustrative, tuple(kpis), peer_groups,
                        score_range, notes)


def benchmark_set_to_dict(bset: BenchmarkSet) -> dict[str, Any]:
    """The JSON shape benchmark_set_from_dict reads (optional fields left out when empty)."""

    def kpi(k: Kpi) -> dict[str, Any]:
        out = {"kpi_id": k.kpi_id, "title": k.title, "unit": k.unit, "better": k.better, "level": k.level}
        out.update({name: getattr(k, name) for name in ("source", "year", "notes") if getattr(k, name) is not None})
        return out

    def quartiles(q: Quartiles) -> dict[str, Any]:
        out = {"p25": q.p25, "median": q.median, "p75": q.p75}
        if q.n is not None:
            out["n"] = q.n
        return out

    data = {
        "set_id": bset.set_id,
        "title": bset.title,
        "source": bset.source,
        "published": bset.published.isoformat(),
        "illustrative": bset.illustrative,
        "score_range": list(bset.score_range),
        "kpis": [kpi(k) for k in bset.kpis],
        "peer_groups": {g: {kid: quartiles(q) for kid, q in entries.items()} for g, entries in bset.peer_groups.items()},
    }
    if bset.notes is not None:
        data["notes"] = bset.notes
    return data


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
    problems = _Problems()
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
            problem = unit_problem(kpi.unit, _plain(value), score_range)
            if problem:
                problems.add(path, problem)
    if problems.errors:
        raise Invalid("Some KPI values are not valid.", problems.errors)


# --- periods ----------------------------------------------------------------------------------

_PERIOD = re.compile(r"([0-9]{4})(?:-Q([0-9])|-([0-9]{2}))?")
_PERIOD_FORMAT = "must be YYYY, YYYY-Qn (n 1 to 4) or YYYY-MM (01 to 12)"


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
        value = _plain(value)
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


# --- the CSV a council imports (docs/benchmarks.md) -------------------------------------------

CSV_COLUMNS = ("set_id", "title", "source", "published", "illustrative", "kpi_id", "kpi_title", "unit", "better",
               "level", "peer_group", "p25", "median", "p75", "n")
_SET_COLUMNS = ("set_id", "title", "source", "published", "illustrative")
_KPI_COLUMNS = ("kpi_title", "unit", "better", "level")
_KPI_FIELD_OF_COLUMN = {"kpi_id": "kpi_id", "kpi_title": "title", "unit": "unit", "better": "better", "level": "level"}
_CSV_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_CSV_WHOLE = re.compile(r"[0-9]+")


def benchmark_set_from_csv(text: str) -> BenchmarkSet:
    """Build a set from the CSV layout of docs/benchmarks.md: a header row, then one row per
    (peer_group, kpi_id); a row with an empty peer_group only declares a KPI. Invalid's
    `errors` are keyed "line <n>.<column>" (or "line <n>" for a whole row), n counting the
    header as line 1 and naming the line where the row starts."""
    problems = _Problems()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows: list[tuple[int, list[str]]] = []
    next_line = 1
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append((next_line, [cell.strip() for cell in row]))
        next_line = reader.line_num + 1
    if not rows:
        raise Invalid("The file is empty.", {"line 1": ["the header row is missing"]})
    header_line, header = rows[0]
    missing = [c for c in CSV_COLUMNS if c not in header]
    for column in missing:
        problems.add(f"line {header_line}", f"missing column {column!r}")
    for index, column in enumerate(header):
        if column not in CSV_COLUMNS:
            problems.add(f"line {header_line}", f"unknown column {column!r}")
        elif column in header[:index]:
            problems.add(f"line {header_line}", f"column {column!r} appears twice")
    if problems.errors:
        raise Invalid("The file's header row is not the benchmark layout.", problems.errors)
    if len(rows) == 1:
        raise Invalid("The file has no rows below its header.", {f"line {header_line}": ["no rows below the header"]})

    where: dict[str, str] = {}  # benchmark_set_from_dict's field path -> "line n.column"
    first_line, first = None, None
    kpis: dict[str, dict[str, Any]] = {}
    kpi_lines: dict[str, tuple[int, dict[str, str]]] = {}
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    group_lines: dict[tuple[str, str], int] = {}
    for line, cells in rows[1:]:
        if len(cells) != len(header):
            problems.add(f"line {line}", f"has {len(cells)} cells; the header has {len(header)}")
            continue
        row = dict(zip(header, cells))
        if first is None:
            first_line, first = line, row
            for column in _SET_COLUMNS:
                where[column] = f"line {line}.{column}"
        else:
            for column in _SET_COLUMNS:
                if row[column] != first[column]:
                    problems.add(f"line {line}.{column}",
                                 f"differs from line {first_line}; every row repeats the set's {column}")
        kpi_id = row["kpi_id"]
        if not kpi_id:
            problems.add(f"line {line}.kpi_id", "is required")
            continue
        if kpi_id not in kpis:
            index = len(kpis)
            kpis[kpi_id] = {"kpi_id": kpi_id, **{_KPI_FIELD_OF_COLUMN[c]: row[c] or None for c in _KPI_COLUMNS}}
            kpi_lines[kpi_id] = (line, row)
            where[f"kpis.{index}"] = f"line {line}.kpi_id"
            for column, field in _KPI_FIELD_OF_COLUMN.items():
                where[f"kpis.{index}.{field}"] = f"line {line}.{column}"
        else:
            defined_at, defined = kpi_lines[kpi_id]
            for column in _KPI_COLUMNS:
                if row[column] != defined[column]:
                    problems.add(f"line {line}.{column}",
                                 f"differs from line {defined_at}, where KPI {kpi_id!r} is first described")
        group = row["peer_group"]
        figures = {name: row[name] for name in _QUARTILE_FIELDS}
        if not group:
            if any(figures.values()):
                problems.add(f"line {line}.peer_group", "is required when p25, median, p75 or n is given")
            continue
        if (group, kpi_id) in group_lines:
            problems.add(f"line {line}.peer_group",
                         f"a second row for {group!r} and {kpi_id!r} (the first is line {group_lines[group, kpi_id]})")
            continue
        group_lines[group, kpi_id] = line
        path = f"peer_groups.{group}.{kpi_id}"
        where[f"peer_groups.{group}"] = f"line {line}.peer_group"
        where[path] = f"line {line}.kpi_id"
        entry: dict[str, Any] = {}
        for name, cell in figures.items():
            where[f"{path}.{name}"] = f"line {line}.{name}"
            if not cell:
                continue
            pattern = _CSV_WHOLE if name == "n" else _CSV_NUMBER
            if not pattern.fullmatch(cell):
                problems.add(f"line {line}.{name}", f"{cell!r} is not a plain number such as 3135 or 0.27 "
                             "(no currency or percent signs, no thousands separators)")
            elif name == "n" or "." not in cell:
                entry[name] = int(cell)
            else:
                entry[name] = float(cell)
        groups.setdefault(group, {})[kpi_id] = entry

    if first is not None:
        illustrative = first["illustrative"].lower()
        if illustrative not in ("true", "false"):
            problems.add(f"line {first_line}.illustrative", "must be true or false")
        data = {
            "set_id": first["set_id"] or None,
            "title": first["title"] or None,
            "source": first["source"] or None,
            "published": first["published"] or None,
            "illustrative": illustrative == "true",
            "kpis": list(kpis.values()),
            "peer_groups": groups,
        }
        try:
            bset = benchmark_set_from_dict(data)
        except Invalid as invalid:
            for path, messages in invalid.errors.items():
                key = where.get(path, path)
                if key not in problems.errors:  # a cell the CSV checks refused is reported once
                    problems.errors[key] = list(messages)
    if problems.errors:
        raise Invalid("The benchmark file is not valid.", problems.errors)
    return bset
