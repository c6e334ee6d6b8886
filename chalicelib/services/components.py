"""Recording the technology a service runs on, and the lock-in flags it raises."""

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, Invalid, NotFound
from chalicelib.domain.etags import component_etag
from chalicelib.domain.lockin import component_flags
from chalicelib.domain.model import (
    MAX_COMPONENTS_PER_SERVICE,
    Component,
    ComponentSpec,
    Flag,
    ServiceSummary,
    contract_date_errors,
)
from chalicelib.domain.preconditions import NONE, Preconditions
from chalicelib.domain.summaries import with_component, without_component
from chalicelib.services.context import Context, with_retries


class ComponentService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def flags(self, component: Component) -> list[Flag]:
        framework = self._ctx.current_framework
        return component_flags(
            component.component_id, component.spec, framework.lock_in, framework.open_format_ids(), self._ctx.clock.today()
        )

    def put(
        self,
        principal: Principal,
        org_id: str,
        service_id: str,
        component_id: str,
        spec: ComponentSpec,
        preconditions: Preconditions = NONE,
        create_only: bool = False,
    ) -> tuple[Component, bool]:
        """Create or replace; returns the component and whether this request created it.
        `create_only`: Conflict, rather than a replacement, when the component exists."""
        access.require_org_member_who_may_edit(principal, org_id)
        self._check_spec(spec)

        def attempt():
            summary = self._editable_summary(principal, org_id, service_id)
            existing = summary.components.get(component_id)
            if create_only and existing is not None:
                raise Conflict(f"Service {service_id!r} already has a component {component_id!r}.")
            preconditions.check(component_etag(existing) if existing else None, f"Component {component_id!r}")
            if existing is None and len(summary.components) >= MAX_COMPONENTS_PER_SERVICE:
                raise _too_many()
            stamp = self._ctx.stamp(principal.actor)
            component = Component(
                org_id, service_id, component_id, spec, created=existing.created if existing else stamp, updated=stamp
            )
            action = "component.created" if existing is None else "component.replaced"
            audit = self._ctx.audit(org_id, stamp, action, _target(service_id, component_id))
            change = self._ctx.summary_change(summary, with_component(summary, component))
            self._ctx.store.put_component(component, existing, change, audit)
            return component, existing is None

        return with_retries(attempt, preconditions.conditional, f"Component {component_id!r}")

    def get(self, principal: Principal, org_id: str, service_id: str, component_id: str) -> Component:
        access.require_org_reader(principal, org_id)
        return self._component(self._ctx.summary_or_404(org_id, service_id), component_id)

    def list(self, principal: Principal, org_id: str, service_id: str) -> list[Component]:
        access.require_org_reader(principal, org_id)
        components = self._ctx.store.list_components(org_id, service_id)
        if not components:
            self._ctx.summary_or_404(org_id, service_id)
        return components

    def delete(
        self, principal: Principal, org_id: str, service_id: str, component_id: str, preconditions: Preconditions = NONE
    ) -> None:
        access.require_org_member_who_may_edit(principal, org_id)

        def attempt():
            summary = self._editable_summary(principal, org_id, service_id)
            existing = self._component(summary, component_id)
            preconditions.check(component_etag(existing), f"Component {component_id!r}")
            stamp = self._ctx.stamp(principal.actor)
            audit = self._ctx.audit(org_id, stamp, "component.deleted", _target(service_id, component_id))
            self._ctx.store.delete_component(existing, self._ctx.summary_change(summary, without_component(summary, component_id)), audit)

        with_retries(attempt, preconditions.conditional, f"Component {component_id!r}")

    def _editable_summary(self, principal: Principal, org_id: str, service_id: str) -> ServiceSummary:
        summary = self._ctx.summary_or_404(org_id, service_id)
        access.require_service_editor(principal, org_id, summary.owner_email)
        return summary

    @staticmethod
    def _component(summary: ServiceSummary, component_id: str) -> Component:
        component = summary.components.get(component_id)
        if component is None:
            raise NotFound(f"Component {component_id!r} was not found in service {summary.service_id!r}.")
        return component

    def _check_spec(self, spec: ComponentSpec) -> None:
        framework = self._ctx.current_framework
        errors = {}
        known = framework.export_format_ids()
        for index, format_id in enumerate(spec.data.export_formats):
            if format_id not in known:
                errors[f"data.export_formats.{index}"] = [
                    f"unknown export format {format_id!r}; see the catalogue's export_formats"
                ]
        if spec.contract is not None:
            errors.update(contract_date_errors(spec.contract.start, spec.contract.end))
        if errors:
            raise Invalid("The component is not valid.", errors)


def _target(service_id: str, component_id: str) -> str:
    return f"services/{service_id}/components/{component_id}"


def _too_many() -> Invalid:
    return Invalid(
        f"A service can record at most {MAX_COMPONENTS_PER_SERVICE} components.",
        {"component_id": [f"the service already has {MAX_COMPONENTS_PER_SERVICE} components"]},
    )
