"""Scorecards for digital leadership. The organisation's headline figures come from its roll-up
(domain/rollup.py, kept on every write) in two Queries, and its services table a page at a time
from the summaries' index, so a scorecard costs the same at 10 services and at 10,000. A
department's scorecard, or one ranking services by score, is computed from the summaries it
covers (that department's, or all of them) and paged by position."""

import re
from dataclasses import dataclass, replace

from chalicelib.domain import access, rollup, rollup_read
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import BadRequest
from chalicelib.domain.model import DeclarationProject, Organisation, ServiceSummary
from chalicelib.domain.scorecards import MonthlySnapshot, OrgScorecard, ServiceScorecard, org_scorecard, service_scorecard
from chalicelib.services.context import Context

PAGE_DEFAULT = 100
PAGE_MAX = 1000
_POSITION = re.compile(r"^p([0-9]{1,9})$")


class ScorecardService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def for_service(self, principal: Principal, org_id: str, service_id: str) -> ServiceScorecard:
        """The summary, and the latest assessment for its per-question contributions (the summary
        keeps its score without them): two GetItems."""
        access.require_org_reader(principal, org_id)
        summary = self._ctx.summary_or_404(org_id, service_id)
        card = service_scorecard(summary, self._ctx.current_framework, self._ctx.clock.today())
        if summary.latest is None:
            return card
        assessment = self._ctx.store.get_assessment(org_id, service_id, summary.latest.assessment_id)
        return replace(card, score=assessment.score) if assessment else card

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

    def for_org(
        self, principal: Principal, org_id: str, department: str | None = None, limit: int = PAGE_DEFAULT, cursor: str | None = None
    ) -> OrgScorecard:
        """The headline and one page of the services table (`limit` of them, from `cursor`)."""
        access.require_leadership_view(principal, org_id)
        return self.page(org_id, department, limit, cursor).card

    def with_every_service(self, principal: Principal, org_id: str, department: str | None = None) -> OrgScorecard:
        """The scorecard with all its services (the CSV): every summary it covers is read."""
        access.require_leadership_view(principal, org_id)
        return self.compute_for(self._ctx.org_or_404(org_id), department)

    def page(
        self, org_id: str, department: str | None, limit: int, cursor: str | None, trend_from: str | None = None
    ) -> "ScorecardPage":
        """The scorecard with one page of services, with what was read with it: the organisation,
        its projects and (from month `trend_from`, when given) its snapshots."""
        if not 1 <= limit <= PAGE_MAX:
            raise BadRequest(f"limit must be 1 to {PAGE_MAX}.", {"limit": [f"must be between 1 and {PAGE_MAX}"]})
        framework, today = self._ctx.current_framework, self._ctx.clock.today()
        items = self._ctx.store.read_rollup(org_id, list(rollup.read_ranges(today, framework, trend_from)))
        org = rollup_read.org_of(items) or self._ctx.org_or_404(org_id)
        snapshots = rollup_read.snapshots_of(items)
        if rollup_read.is_built(items) and department is None and not org.rank_services:
            page = self._ctx.store.list_summary_page(org_id, None, limit, cursor)
            cards = tuple(service_scorecard(s, framework, today) for s in page.items)
            card = replace(rollup_read.headline(org_id, items, framework, today), services=cards, services_next_cursor=page.next_cursor)
            return ScorecardPage(card, org, rollup_read.projects_of(items), snapshots)
        projects = self._ctx.store.list_projects(org_id)
        card = scorecard_of(self._ctx, org, self._summaries(org_id, department), projects, department)
        return ScorecardPage(_by_position(card, limit, cursor), org, projects, snapshots)

    def compute(self, org_id: str) -> OrgScorecard:
        """The headline as of today (services=()), for callers already allowed to see it (the
        monthly snapshots)."""
        framework, today = self._ctx.current_framework, self._ctx.clock.today()
        items = self._ctx.store.read_rollup(org_id, list(rollup.read_ranges(today, framework)))
        if rollup_read.is_built(items):
            return rollup_read.headline(org_id, items, framework, today)
        return self.compute_for(self._ctx.org_or_404(org_id))

    def compute_for(self, org: Organisation, department: str | None = None) -> OrgScorecard:
        """The scorecard with every service, computed from the summaries it covers."""
        projects = self._ctx.store.list_projects(org.org_id)
        return scorecard_of(self._ctx, org, self._summaries(org.org_id, department), projects, department)

    def _summaries(self, org_id: str, department: str | None) -> list[ServiceSummary]:
        if department is None:
            return self._ctx.store.list_summaries(org_id)
        summaries, cursor = [], None
        while True:
            page = self._ctx.store.list_summary_page(org_id, department, PAGE_MAX, cursor)
            summaries.extend(page.items)
            if page.next_cursor is None:
                return summaries
            cursor = page.next_cursor


@dataclass(frozen=True)
class ScorecardPage:
    card: OrgScorecard
    org: Organisation
    projects: list[DeclarationProject]
    snapshots: list[MonthlySnapshot]  # oldest first


def _by_position(card: OrgScorecard, limit: int, cursor: str | None) -> OrgScorecard:
    """One page of a scorecard computed whole: the cursor is the position of the page's first service."""
    start = 0
    if cursor is not None:
        match = _POSITION.match(cursor)
        if match is None:
            raise BadRequest("The cursor is not valid.", {"cursor": ["not a cursor this list issued"]})
        start = int(match.group(1))
    end = start + limit
    more = end < len(card.services)
    return replace(card, services=card.services[start:end], services_next_cursor=f"p{end}" if more else None)


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
