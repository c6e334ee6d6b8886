"""The benchmark records: KPIs, a peer group's quartiles, benchmark sets, reporting periods and
positions, and what the store keeps about imported sets and recorded KPI values."""

from dataclasses import dataclass, replace
from datetime import date

from chalicelib.domain.model import Stamp

UNITS = ("percent", "gbp", "count", "score", "days", "ratio")
BETTER = ("higher", "lower")
KPI_LEVELS = ("org", "service")
DEFAULT_SCORE_RANGE = (1, 7)  # Socitm's user satisfaction question is rated 1 to 7

# Benchmark sets belong to no organisation; their audit records are kept under this
# pseudo-organisation, which no org_id can name (a slug starts with a letter or digit).
PLATFORM_ORG = "_platform"

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


# --- what the store keeps ---------------------------------------------------------------------


@dataclass(frozen=True)
class StoredBenchmarkSet:
    """A benchmark set a platform admin imported (PUT /benchmarks/{set_id})."""

    bset: BenchmarkSet
    created: Stamp
    updated: Stamp

    @property
    def set_id(self) -> str:
        return self.bset.set_id


@dataclass(frozen=True)
class BenchmarkSetListing:
    """A stored set as the registry lists it: everything but the peer groups' figures, which is
    what listing the sets and checking KPI values need."""

    bset: BenchmarkSet  # peer_groups is always empty here
    updated: Stamp

    @property
    def set_id(self) -> str:
        return self.bset.set_id


def listing_of(stored: StoredBenchmarkSet) -> BenchmarkSetListing:
    return BenchmarkSetListing(replace(stored.bset, peer_groups={}), stored.updated)


@dataclass(frozen=True)
class KpiRecord:
    """The values recorded for one period, for the organisation (service_id None) or a service.
    A PUT replaces the period's values as a whole."""

    org_id: str
    service_id: str | None
    period: str  # Period.sortable: "2024", "2024-Q1" or "2024-03"
    values: dict[str, Number]
    updated: Stamp
