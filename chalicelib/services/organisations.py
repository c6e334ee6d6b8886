"""Registering and reading organisations."""

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.etags import org_etag
from chalicelib.domain.preconditions import NONE, Preconditions
from chalicelib.domain.model import Organisation
from chalicelib.services.context import Context, with_retries
from chalicelib.services.ports import Page


class OrganisationService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def put(
        self, principal: Principal, org_id: str, fields: dict, preconditions: Preconditions = NONE
    ) -> tuple[Organisation, bool]:
        """Create (platform admins) or replace (also the organisation's admins); returns the
        organisation and whether this request created it."""
        access.require_org_admin(principal, org_id)

        def attempt():
            existing = self._ctx.store.get_org(org_id)
            if existing is None:
                access.require_platform_admin(principal)
            preconditions.check(org_etag(existing) if existing else None, f"Organisation {org_id!r}")
            stamp = self._ctx.stamp(principal.actor)
            org = Organisation(
                org_id=org_id,
                name=fields["name"],
                peer_group=fields.get("peer_group"),
                declaration_signed_on=fields.get("declaration_signed_on"),
                rank_services=fields.get("rank_services", False),
                created=existing.created if existing else stamp,
                updated=stamp,
            )
            action = "organisation.created" if existing is None else "organisation.updated"
            self._ctx.store.save_org(org, existing, self._ctx.audit(org_id, stamp, action, ""))
            return org, existing is None

        return with_retries(attempt, preconditions.conditional, f"Organisation {org_id!r}")

    def get(self, principal: Principal, org_id: str) -> Organisation:
        access.require_org_metadata(principal, org_id)
        return self._ctx.org_or_404(org_id)

    def list(self, principal: Principal, limit: int, cursor: str | None) -> Page[Organisation]:
        """Platform admins see every organisation; anyone else sees their own."""
        if principal.has(access.PLATFORM_ADMIN):
            return self._ctx.store.list_orgs(limit, cursor)
        own = self._ctx.store.get_org(principal.org_id) if principal.org_id and cursor is None else None
        return Page([own] if own else [], None)
