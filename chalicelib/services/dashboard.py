"""The organisation dashboard: the scorecard, the trend and the benchmark position together, in
the same requests as the organisation scorecard whatever the number of services (its trend is
read in the same key range as the headline), plus the benchmark position's."""

from dataclasses import dataclass

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.benchmarks.model import BenchmarkSet
from chalicelib.domain.clock import add_months
from chalicelib.domain.model import DeclarationProject, Organisation
from chalicelib.domain.scorecards import MonthlySnapshot, OrgScorecard
from chalicelib.services.benchmarks import BenchmarkService, Position
from chalicelib.services.context import Context
from chalicelib.services.scorecards import PAGE_DEFAULT, ScorecardService

TREND_MONTHS = 24
DEFAULT_BENCHMARK_SET = "illustrative-2024"


@dataclass(frozen=True)
class Dashboard:
    org: Organisation
    scorecard: OrgScorecard
    trend: list[MonthlySnapshot]  # oldest first, at most TREND_MONTHS
    projects: list[DeclarationProject]
    benchmark_set: BenchmarkSet
    benchmark: Position | None  # None: no KPI values recorded yet


class DashboardService:
    def __init__(self, ctx: Context, scorecards: ScorecardService, benchmarks: BenchmarkService):
        self._ctx = ctx
        self._scorecards = scorecards
        self._benchmarks = benchmarks

    def for_org(
        self,
        principal: Principal,
        org_id: str,
        department: str | None = None,
        set_id: str = DEFAULT_BENCHMARK_SET,
        limit: int = PAGE_DEFAULT,
        cursor: str | None = None,
    ) -> Dashboard:
        """Requests: the organisation scorecard's (two Queries of the roll-up, one of a page of
        summaries), one Query for its KPI values and a GetItem for an imported benchmark set."""
        access.require_leadership_view(principal, org_id)
        today = self._ctx.clock.today()
        trend_from = f"{add_months(today, 1 - TREND_MONTHS):%Y-%m}"
        read = self._scorecards.page(org_id, department, limit, cursor, trend_from)
        bset, position = self._benchmarks.latest_org_position(read.org, set_id)
        return Dashboard(read.org, read.card, read.snapshots[-TREND_MONTHS:], read.projects, bset, position)
