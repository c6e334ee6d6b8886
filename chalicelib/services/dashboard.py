"""The organisation dashboard: the scorecard, the trend and the benchmark position together,
within the organisation scorecard's request budget (API.md: one Query per 1 MB page of
summaries + 2), whatever the number of services."""

from dataclasses import dataclass

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.benchmarks.model import BenchmarkSet
from chalicelib.domain.errors import NotFound
from chalicelib.domain.model import DeclarationProject, Organisation
from chalicelib.domain.scorecards import MonthlySnapshot, OrgScorecard
from chalicelib.services.benchmarks import BenchmarkService, Position
from chalicelib.services.context import Context
from chalicelib.services.scorecards import scorecard_of

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
    def __init__(self, ctx: Context, benchmarks: BenchmarkService):
        self._ctx = ctx
        self._benchmarks = benchmarks

    def for_org(
        self, principal: Principal, org_id: str, department: str | None = None, set_id: str = DEFAULT_BENCHMARK_SET
    ) -> Dashboard:
        """Requests: one Query stream for the organisation, its projects, snapshots and
        summaries; one Query for its KPI values; a GetItem for an imported benchmark set."""
        access.require_leadership_view(principal, org_id)
        overview = self._ctx.store.get_org_overview(org_id)
        if overview is None:
            raise NotFound(f"Organisation {org_id!r} does not exist.")
        card = scorecard_of(self._ctx, overview.org, overview.summaries, overview.projects, department)
        bset, position = self._benchmarks.latest_org_position(overview.org, set_id)
        trend = overview.snapshots[-TREND_MONTHS:]
        return Dashboard(overview.org, card, trend, overview.projects, bset, position)
