"""What the store keeps about benchmark sets and KPI values (the rules are in benchmarks.py)."""

from dataclasses import dataclass, replace

from chalicelib.domain.benchmarks import BenchmarkSet, Kpi, Number
from chalicelib.domain.model import Stamp

# Benchmark sets belong to no organisation; their audit records are kept under this
# pseudo-organisation, which no org_id can name (a slug starts with a letter or digit).
PLATFORM_ORG = "_platform"


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


__all__ = ["PLATFORM_ORG", "StoredBenchmarkSet", "BenchmarkSetListing", "KpiRecord", "Kpi", "listing_of"]
