"""Records as plain data (dicts, lists, strings, numbers, None) and back, by their dataclass
fields and type hints: one mechanism instead of a hand-written pair of functions per record.

Dates are ISO strings, instants RFC 3339 UTC strings (see clock.iso_instant), exact fractions
"numerator/denominator" strings, tuples lists. What the store keeps, what an ETag is computed
over, and the JSON of records that are shown as they are (a component, an answer) all use it."""

import dataclasses
import types
from datetime import date, datetime
from fractions import Fraction
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from chalicelib.domain.clock import iso_instant, parse_instant


def to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return iso_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return value


def from_plain(kind: Any, data: Any) -> Any:
    """`data` (as to_plain made it) as an instance of `kind`, a type hint. A dataclass field that
    the data leaves out takes its default (records written before the field existed)."""
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = get_args(kind)
        if data is None and type(None) in options:
            return None
        chosen = [o for o in options if o is not type(None)]
        return from_plain(chosen[0], data) if len(chosen) == 1 else data  # int | float: as it is
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(**{f.name: from_plain(hints[f.name], data[f.name]) for f in dataclasses.fields(kind) if f.name in data})
    if origin is tuple:
        parts = get_args(kind)
        if len(parts) == 2 and parts[1] is Ellipsis:
            return tuple(from_plain(parts[0], v) for v in data)
        return tuple(from_plain(part, v) for part, v in zip(parts, data, strict=True))
    if origin is list:
        return [from_plain(get_args(kind)[0], v) for v in data]
    if origin is dict:
        value_kind = get_args(kind)[1]
        return {k: from_plain(value_kind, v) for k, v in data.items()}
    if kind is datetime:
        return data if isinstance(data, datetime) else parse_instant(data)
    if kind is date:  # a request schema has made it a date already
        return data if isinstance(data, date) else date.fromisoformat(data)
    if kind is Fraction:
        return Fraction(data)
    if kind is float:
        return float(data)
    if kind is int:
        return int(data)
    return data


@cache
def _hints(kind: type) -> dict[str, Any]:
    return get_type_hints(kind)
