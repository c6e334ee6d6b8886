"""Reading the audit trail: who changed what, and when."""

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.model import AuditRecord
from chalicelib.services.context import Context
from chalicelib.services.ports import Page


class AuditService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def list(self, principal: Principal, org_id: str, limit: int, cursor: str | None) -> Page[AuditRecord]:
        access.require_leadership_view(principal, org_id)
        page = self._ctx.store.list_audit(org_id, limit, cursor)
        if not page.items and cursor is None:
            self._ctx.org_or_404(org_id)
        return page
