"""Registering and reading organisations."""

from chalicelib.domain.codec import content_etag
from chalicelib.domain.errors import NotFound, StaleWrite
from chalicelib.domain.model import Actor, Organisation
from chalicelib.services.context import Context, with_retries
from chalicelib.services.ports import Page


def org_etag(org: Organisation) -> str:
    return content_etag({"name": org.name, "peer_group": org.peer_group, "signed": org.declaration_signed_on})


class OrganisationService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def put(self, org_id: str, fields: dict, actor: Actor, if_match: str | None = None) -> tuple[Organisation, bool]:
        """Create or replace; returns the organisation and whether this request created it."""

        def attempt():
            existing = self._ctx.store.get_org(org_id)
            if if_match is not None and (existing is None or org_etag(existing) != if_match):
                raise StaleWrite(f"Organisation {org_id!r} does not match If-Match.")
            stamp = self._ctx.stamp(actor)
            org = Organisation(
                org_id=org_id,
                name=fields["name"],
                peer_group=fields.get("peer_group"),
                declaration_signed_on=fields.get("declaration_signed_on"),
                created=existing.created if existing else stamp,
                updated=stamp,
            )
            self._ctx.store.save_org(org, expected=existing)
            return org, existing is None

        return with_retries(attempt, if_match is not None, f"Organisation {org_id!r}")

    def get(self, org_id: str) -> Organisation:
        org = self._ctx.store.get_org(org_id)
        if org is None:
            raise NotFound(f"Organisation {org_id!r} does not exist.")
        return org

    def list(self, limit: int, cursor: str | None) -> Page[Organisation]:
        return self._ctx.store.list_orgs(limit, cursor)
