"""Registering, reading and editing an organisation's services."""

from dataclasses import replace

from chalicelib.domain.codec import content_etag
from chalicelib.domain.errors import Invalid, NotFound, PreconditionRequired, StaleWrite
from chalicelib.domain.model import EDITABLE_SERVICE_FIELDS, Actor, Service, ServiceSummary
from chalicelib.services.context import Context
from chalicelib.services.ports import Page

REQUIRED_FIELDS = ("name", "department", "owner_email")


def service_etag(service: Service) -> str:
    """Covers the editable fields only, so assessments and components never change it."""
    return content_etag(service.editable_fields())


class ServiceRegistry:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def create(self, org_id: str, fields: dict, actor: Actor) -> Service:
        stamp = self._ctx.stamp(actor)
        service = Service(
            org_id=org_id,
            service_id=self._ctx.new_id(),
            name=fields["name"],
            department=fields["department"],
            owner_email=fields["owner_email"],
            description=fields.get("description"),
            phase=fields.get("phase"),
            created=stamp,
            updated=stamp,
        )
        summary = ServiceSummary(org_id, service.service_id, service.name, service.department, service.owner_email)
        self._ctx.store.create_service(service, summary)
        return service

    def get(self, org_id: str, service_id: str) -> Service:
        service = self._ctx.store.get_service(org_id, service_id)
        if service is None:
            raise NotFound(f"Service {service_id!r} was not found in organisation {org_id!r}.")
        return service

    def list(self, org_id: str, limit: int, cursor: str | None) -> Page[Service]:
        page = self._ctx.store.list_services(org_id, limit, cursor)
        if not page.items and cursor is None and self._ctx.store.get_org(org_id) is None:
            raise NotFound(f"Organisation {org_id!r} does not exist.")
        return page

    def patch(self, org_id: str, service_id: str, patch: dict, actor: Actor, if_match: str | None) -> Service:
        """Apply a JSON merge patch of the editable fields, only over the version the client read."""
        if if_match is None:
            raise PreconditionRequired("Send If-Match with the ETag you read, so that edits are not lost.")
        current = self.get(org_id, service_id)
        if service_etag(current) != if_match:
            raise StaleWrite(f"Service {service_id!r} has changed since you read it.")
        nulls = [f for f in REQUIRED_FIELDS if f in patch and patch[f] is None]
        if nulls:
            raise Invalid("Required fields cannot be removed.", {f: ["may not be null"] for f in nulls})
        changes = {f: patch[f] for f in EDITABLE_SERVICE_FIELDS if f in patch}
        updated = replace(current, **changes, updated=self._ctx.stamp(actor))
        try:
            self._ctx.store.update_service(updated, expected=current)
        except StaleWrite:
            raise StaleWrite(f"Service {service_id!r} has changed since you read it.") from None
        return updated
