"""Request and response bodies of the benchmark routes.

A benchmark set's body has one shape, chalicelib/domain/benchmarks/shape.py: benchmark_set_from_dict
validates it, and BenchmarkSetIn, KpiIn and QuartilesIn only document it in /openapi.json, their
enums and patterns taken from the domain. The domain is the validator because the same checks
read a shipped set's file and a CSV import (the domain imports only the standard library, and the
CSV reader turns its field paths into "line n.column"), and because its field paths and messages
are what clients and tests rely on: "peer_groups.London boroughs.cost_per_user.p25", and rules
across fields (p25 <= median <= p75, p25 and p75 together, a figure within its unit and the set's
score_range, unique kpi_ids) that marshmallow would report in its own words ("Unknown field.",
a dictionary's entries under "value"). KPI values are checked against the known sets' KPIs by
the use case."""

from marshmallow import Schema, fields

from chalicelib.domain.benchmarks.model import BETTER, KPI_LEVELS, UNITS
from chalicelib.domain.benchmarks.shape import KPI_ID
from chalicelib.schemas.responses import Nullable, ResponseBody

NUMBER = {"metadata": {"type": "number"}}
NULLABLE_NUMBER = {**Nullable, **NUMBER}  # apispec adds "null"


class KpiIn(Schema):
    kpi_id = fields.String(required=True, metadata={"pattern": f"^{KPI_ID.pattern}$"})
    title = fields.String(required=True)
    unit = fields.String(required=True, metadata={"enum": list(UNITS)})
    better = fields.String(required=True, metadata={"enum": list(BETTER)})
    level = fields.String(required=True, metadata={"enum": list(KPI_LEVELS)})
    source = fields.String()
    year = fields.Integer()
    notes = fields.String()


class QuartilesIn(Schema):
    p25 = fields.Raw(**NUMBER)
    median = fields.Raw(required=True, **NUMBER)
    p75 = fields.Raw(**NUMBER)
    n = fields.Integer()


class BenchmarkSetIn(Schema):
    title = fields.String(required=True)
    source = fields.String(required=True)
    published = fields.Date(required=True)
    illustrative = fields.Boolean(required=True)
    kpis = fields.List(fields.Nested(KpiIn), required=True)
    peer_groups = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Nested(QuartilesIn)),
        metadata={"description": "{peer group: {kpi_id: {p25, median, p75, n?}}}"},
    )
    score_range = fields.List(fields.Raw(**NUMBER), metadata={"description": "[low, high], default [1, 7]"})
    notes = fields.String()


class KpiValuesIn(Schema):
    values = fields.Dict(
        keys=fields.String(), values=fields.Raw(**NULLABLE_NUMBER), required=True,
        metadata={"description": "kpi_id: number, checked against the known benchmark sets' KPIs"},
    )


class BenchmarkSetSummaryOut(ResponseBody):
    set_id = fields.String()
    title = fields.String()
    source = fields.String()
    published = fields.String(metadata={"format": "date"})
    illustrative = fields.Boolean()
    built_in = fields.Boolean()


class BenchmarkSetList(ResponseBody):
    items = fields.List(fields.Nested(BenchmarkSetSummaryOut))


class KpiOut(KpiIn, ResponseBody):
    optional = ("source", "year", "notes")  # sent when the set gives them


class QuartilesOut(ResponseBody):
    optional = ("n",)  # sent when the set gives it

    p25 = fields.Raw(**NULLABLE_NUMBER)
    median = fields.Raw(**NUMBER)
    p75 = fields.Raw(**NULLABLE_NUMBER)
    n = fields.Integer()


class BenchmarkSetOut(BenchmarkSetSummaryOut):
    optional = ("notes",)  # sent when the set has notes

    score_range = fields.List(fields.Raw(**NUMBER))
    notes = fields.String()
    kpis = fields.List(fields.Nested(KpiOut))
    peer_groups = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Nested(QuartilesOut)))


class KpiValuesOut(ResponseBody):
    period = fields.String()
    values = fields.Dict(keys=fields.String(), values=fields.Raw(**NUMBER))
    updated_at = fields.String(metadata={"format": "date-time"})


class KpiValuesList(ResponseBody):
    items = fields.List(fields.Nested(KpiValuesOut))


class KpiPositionOut(ResponseBody):
    kpi_id = fields.String()
    value = fields.Raw(**NULLABLE_NUMBER)
    p25 = fields.Raw(**NULLABLE_NUMBER)
    median = fields.Raw(**NULLABLE_NUMBER)
    p75 = fields.Raw(**NULLABLE_NUMBER)
    quartile = fields.Integer(allow_none=True, metadata={"minimum": 1, "maximum": 4, "description": "4 is the best quarter"})
    gap_to_median = fields.Raw(**NULLABLE_NUMBER)


class BenchmarkPositionOut(ResponseBody):
    set_id = fields.String()
    peer_group = fields.String(**Nullable)
    period = fields.String()
    illustrative = fields.Boolean()
    note = fields.String(**Nullable)
    kpis = fields.List(fields.Nested(KpiPositionOut))
