"""The trend: each organisation's scorecard figures, kept once a month.

A scheduled function takes today's snapshot for every organisation once a day; the month's
snapshot is replaced each day, so the last one taken in a month stands for it."""

import re

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.clock import add_months
from chalicelib.domain.errors import BadRequest
from chalicelib.domain.scorecards import MonthlySnapshot, OrgScorecard, snapshot_of
from chalicelib.services.context import Context
from chalicelib.services.scorecards import ScorecardService

MONTH = re.compile(r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])$")
REGISTRY_PAGE = 100
DEFAULT_MONTHS = 12


class SnapshotService:
    def __init__(self, ctx: Context, scorecards: ScorecardService):
        self._ctx = ctx
        self._scorecards = scorecards

    def take(self, org_id: str) -> MonthlySnapshot:
        return self._keep(self._scorecards.compute(org_id))

    def _keep(self, card: OrgScorecard) -> MonthlySnapshot:
        today = self._ctx.clock.today()
        snapshot = snapshot_of(card, f"{today:%Y-%m}", self._ctx.clock.now())
        self._ctx.store.put_snapshot(snapshot)
        return snapshot

    def take_all(self) -> list[str]:
        """Every organisation in the registry (the index behind GET /orgs), a page at a time."""
        taken, cursor = [], None
        while True:
            page = self._ctx.store.list_orgs(REGISTRY_PAGE, cursor)
            for org in page.items:  # already read: no GetItem per organisation
                self._keep(self._scorecards.compute_for(org))
                taken.append(org.org_id)
            if page.next_cursor is None:
                return taken
            cursor = page.next_cursor

    def history(self, principal: Principal, org_id: str, first: str | None, last: str | None) -> list[MonthlySnapshot]:
        """Months first..last inclusive (default: the last 12 months), oldest first."""
        access.require_leadership_view(principal, org_id)
        today = self._ctx.clock.today()
        last = _month(last, "to") if last is not None else f"{today:%Y-%m}"
        if first is None:
            year, month = (int(part) for part in last.split("-"))
            first = f"{add_months(today.replace(year=year, month=month, day=1), 1 - DEFAULT_MONTHS):%Y-%m}"
        first = _month(first, "from")
        if first > last:
            raise BadRequest("from must not be after to.", {"from": ["must not be after to"]})
        snapshots = self._ctx.store.list_snapshots(org_id, first, last)
        if not snapshots:
            self._ctx.org_or_404(org_id)
        return snapshots


def _month(text: str, name: str) -> str:
    if not MONTH.match(text):
        raise BadRequest(f"{name} must be a month, YYYY-MM.", {name: ["must be YYYY-MM"]})
    return text
