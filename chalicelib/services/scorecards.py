"""Scorecards for digital leadership, read from the per-service summaries."""

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.model import DeclarationProject, Organisation, ServiceSummary
from chalicelib.domain.scorecards import OrgScorecard, ServiceScorecard, org_scorecard, service_scorecard
from chalicelib.services.context import Context


class ScorecardService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def for_service(self, principal: Principal, org_id: str, service_id: str) -> ServiceScorecard:
        access.require_org_reader(principal, org_id)
        summary = self._ctx.summary_or_404(org_id, service_id)
        return service_scorecard(summary, self._ctx.current_framework, self._ctx.clock.today())

    def every_service(self, principal: Principal, org_id: str) -> list[ServiceScorecard]:
        """Each service's scorecard, for the services list: any member may read each one, and
        all of them come from the organisation's summaries (one Query per 1 MB page; the
        organisation is read only to tell an empty one from an unknown one)."""
        access.require_org_reader(principal, org_id)
        summaries = self._ctx.store.list_summaries(org_id)
        if not summaries:
            self._ctx.org_or_404(org_id)
        today = self._ctx.clock.today()
        return [service_scorecard(s, self._ctx.current_framework, today) for s in summaries]

    def for_org(self, principal: Principal, org_id: str, department: str | None = None) -> OrgScorecard:
        access.require_leadership_view(principal, org_id)
        return self.compute(org_id, department)

    def compute(self, org_id: str, department: str | None = None) -> OrgScorecard:
        """The scorecard as of today, for callers already allowed to see it (and the scheduler)."""
        return self.compute_for(self._ctx.org_or_404(org_id), department)

    def compute_for(self, org: Organisation, department: str | None = None) -> OrgScorecard:
        """The same, for an organisation already read: its summaries and projects are read."""
        summaries = self._ctx.store.list_summaries(org.org_id)
        projects = self._ctx.store.list_projects(org.org_id)
        return scorecard_of(self._ctx, org, summaries, projects, department)


def scorecard_of(
    ctx: Context,
    org: Organisation,
    summaries: list[ServiceSummary],
    projects: list[DeclarationProject],
    department: str | None = None,
) -> OrgScorecard:
    """The organisation's scorecard as of today, from its summaries and projects."""
    return org_scorecard(
        org.org_id, summaries, ctx.current_framework, ctx.clock.today(), department, org.rank_services, projects
    )
