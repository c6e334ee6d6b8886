"""Registering, reading and editing an organisation's services."""

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import NotFound
from chalicelib.domain.etags import service_etag
from chalicelib.domain.model import EDITABLE_SERVICE_FIELDS, AuditRecord, Service
from chalicelib.domain.preconditions import Preconditions
from chalicelib.domain.summaries import new_summary, with_retired, with_service
from chalicelib.services.context import Context, on_contention, require_if_match
from chalicelib.services.ports import Page

REQUIRED_FIELDS = ("name", "department", "owner_email")


class ServiceRegistry:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def create(self, principal: Principal, org_id: str, fields: dict) -> Service:
        access.require_service_creator(principal, org_id, fields["owner_email"])
        stamp = self._ctx.stamp(principal.actor)
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
        audit = self._ctx.audit(org_id, stamp, "service.created", f"services/{service.service_id}")
        on_contention(lambda: self._ctx.store.create_service(service, self._ctx.summary_change(None, new_summary(service)), audit))
        return service

    def get(self, principal: Principal, org_id: str, service_id: str) -> Service:
        access.require_org_reader(principal, org_id)
        return self._get(org_id, service_id)

    def list(self, principal: Principal, org_id: str, limit: int, cursor: str | None) -> Page[Service]:
        access.require_org_reader(principal, org_id)
        page = self._ctx.store.list_services(org_id, limit, cursor)
        if not page.items and cursor is None:
            self._ctx.org_or_404(org_id)
        return page

    def patch(
        self, principal: Principal, org_id: str, service_id: str, patch: dict, preconditions: Preconditions
    ) -> Service:
        """Apply a JSON merge patch of the editable fields, only over the version the client read."""
        access.require_org_member_who_may_edit(principal, org_id)
        require_if_match(preconditions)
        current = self._get(org_id, service_id)
        access.require_service_editor(principal, org_id, current.owner_email)
        return self._ctx.merge_patch(
            current,
            patch,
            preconditions,
            service_etag(current),
            (EDITABLE_SERVICE_FIELDS, REQUIRED_FIELDS),
            principal.actor,
            (org_id, "service.updated", f"services/{service_id}"),
            lambda updated, expected, audit: on_contention(lambda: self._save(updated, expected, audit)),
            f"Service {service_id!r}",
        )

    def retire(self, principal: Principal, org_id: str, service_id: str, retired: bool = True) -> None:
        """Retire a service (or reinstate it): admins and the service's owner. Its records and
        history stay; the organisation's figures leave it out from now on (the summary says so)."""
        access.require_org_member_who_may_edit(principal, org_id)

        def attempt():
            summary = self._ctx.summary_or_404(org_id, service_id)
            access.require_service_editor(principal, org_id, summary.owner_email)
            if summary.retired == retired:
                return  # already so: nothing to change or audit (a repeated request is harmless)
            stamp = self._ctx.stamp(principal.actor)
            action = "service.retired" if retired else "service.reinstated"
            change = self._ctx.summary_change(summary, with_retired(summary, retired))
            self._ctx.store.set_retired(change, self._ctx.audit(org_id, stamp, action, f"services/{service_id}"))

        on_contention(attempt)

    def _save(self, service: Service, expected: Service, audit: AuditRecord) -> None:
        """The service and its summary's copy of its name, department and owner."""
        summary = self._ctx.summary_or_404(service.org_id, service.service_id)
        self._ctx.store.update_service(service, expected, self._ctx.summary_change(summary, with_service(summary, service)), audit)

    def _get(self, org_id: str, service_id: str) -> Service:
        service = self._ctx.store.get_service(org_id, service_id)
        if service is None:
            raise NotFound(f"Service {service_id!r} was not found in organisation {org_id!r}.")
        return service
