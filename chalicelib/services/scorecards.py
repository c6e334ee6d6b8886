"""Scorecards for digital leadership, read from the per-service summaries."""

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import NotFound
from chalicelib.domain.scorecards import OrgScorecard, ServiceScorecard, org_scorecard, service_scorecard
from chalicelib.services.context import Context


class ScorecardService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def for_service(self, principal: Principal, org_id: str, service_id: str) -> ServiceScorecard:
        access.require_org_reader(principal, org_id)
        summary = self._ctx.summary_or_404(org_id, service_id)
        return service_scorecard(summary, self._ctx.current_framework, self._ctx.clock.today())

    def for_org(self, principal: Principal, org_id: str, department: str | None = None) -> OrgScorecard:
        access.require_leadership_view(principal, org_id)
        return self.compute(org_id, department)

    def compute(self, org_id: str, department: str | None = None) -> OrgScorecard:
        """The scorecard as of today, for callers already allowed to see it (and the scheduler)."""
        org = self._ctx.store.get_org(org_id)
        if org is None:
            raise NotFound(f"Organisation {org_id!r} does not exist.")
        summaries = self._ctx.store.list_summaries(org_id)
        projects = self._ctx.store.list_projects(org_id)
        return org_scorecard(
            org_id,
            summaries,
            self._ctx.current_framework,
            self._ctx.clock.today(),
            department,
            org.rank_services,
            projects,
        )
