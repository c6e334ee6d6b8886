"""A benchmark set as data (a shipped file, a PUT body, a CSV import): its fields, identifiers
and limits; benchmark_set_from_dict reads and checks it, naming every problem by field path, and
benchmark_set_to_dict writes it back. The ETags of sets and KPI values are over this data."""

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from chalicelib.domain.benchmarks.model import (
    BETTER,
    DEFAULT_SCORE_RANGE,
    KPI_LEVELS,
    UNITS,
    BenchmarkSet,
    Kpi,
    Number,
    Quartiles,
)
from chalicelib.domain.benchmarks.rules import YEARS, Problems, is_number, number_text, plain_number, unit_problem
from chalicelib.domain.errors import Invalid

NAME_LIMIT = 200
TEXT_LIMIT = 4000

SET_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
KPI_ID = re.compile(r"[a-z][a-z0-9_]{0,62}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SET_FIELDS = ("set_id", "title", "source", "published", "illustrative", "kpis", "peer_groups", "score_range", "notes")
KPI_FIELDS = ("kpi_id", "title", "unit", "better", "level", "source", "year", "notes")
QUARTILE_FIELDS = ("p25", "median", "p75", "n")


def _unknown_fields(data: Mapping, allowed: tuple[str, ...], prefix: str, problems: Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.add(f"{prefix}{key}", f"unknown field; the fields are {', '.join(allowed)}")


def _text(data: Mapping, key: str, path: str, problems: Problems, limit: int, required: bool = True) -> str | None:
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


def _choice(data: Mapping, key: str, path: str, problems: Problems, choices: tuple[str, ...]) -> str | None:
    value = data.get(key)
    if value is None:
        problems.add(path, "is required")
        return None
    if value not in choices:
        problems.add(path, f"{value!r} is not one of {', '.join(choices)}")
        return None
    return value


def _published(value: Any, problems: Problems) -> date | None:
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


def _score_range(value: Any, problems: Problems) -> tuple[Number, Number] | None:
    if value is None:
        return DEFAULT_SCORE_RANGE
    if (not isinstance(value, (list, tuple)) or len(value) != 2 or not all(is_number(v) for v in value)):
        problems.add("score_range", "must be two numbers, [low, high]")
        return None
    low, high = (plain_number(v) for v in value)
    if not low < high:
        problems.add("score_range", f"low ({number_text(low)}) must be below high ({number_text(high)})")
        return None
    return (low, high)


def _kpi(index: int, data: Any, problems: Problems) -> Kpi | None:
    prefix = f"kpis.{index}."
    if not isinstance(data, Mapping):
        problems.add(f"kpis.{index}", "must be an object")
        return None
    before = len(problems.errors)
    _unknown_fields(data, KPI_FIELDS, prefix, problems)
    kpi_id = data.get("kpi_id")
    if kpi_id is None:
        problems.add(prefix + "kpi_id", "is required")
    elif not isinstance(kpi_id, str) or not KPI_ID.fullmatch(kpi_id):
        problems.add(prefix + "kpi_id", f"must match {KPI_ID.pattern} (lower case, digits, underscores)")
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
               problems: Problems) -> Quartiles | None:
    if not isinstance(data, Mapping):
        problems.add(path, "must be an object with p25, median, p75 and optionally n")
        return None
    before = len(problems.errors)
    _unknown_fields(data, QUARTILE_FIELDS, path + ".", problems)
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
            figures[name] = plain_number(value)
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
        problems.add(f"{path}.p25", f"p25 ({number_text(p25)}) is above the median ({number_text(median)}); "
                     "quartiles are value percentiles, p25 <= median <= p75, whichever direction is better")
    if p75 is not None and median is not None and p75 < median:
        problems.add(f"{path}.p75", f"p75 ({number_text(p75)}) is below the median ({number_text(median)}); "
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
    problems = Problems()
    _unknown_fields(data, SET_FIELDS, "", problems)
    set_id = data.get("set_id")
    if set_id is None:
        problems.add("set_id", "is required")
    elif not isinstance(set_id, str) or not SET_ID.fullmatch(set_id):
        problems.add("set_id", f"must match {SET_ID.pattern}")
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
