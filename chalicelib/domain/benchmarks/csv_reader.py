"""The CSV layout a council imports a benchmark set in (docs/benchmarks.md, section 2), read
into a set: every cell is checked where it stands, and the set's own rules are reported by line
and column."""

import csv
import io
import re
from typing import Any

from chalicelib.domain.benchmarks.model import BenchmarkSet
from chalicelib.domain.benchmarks.rules import Problems
from chalicelib.domain.benchmarks.shape import QUARTILE_FIELDS, benchmark_set_from_dict
from chalicelib.domain.errors import Invalid

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
    problems = Problems()
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
        figures = {name: row[name] for name in QUARTILE_FIELDS}
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
