"""Recording the technology a service runs on, and the lock-in flags it raises."""

from chalicelib.domain.codec import content_etag, spec_to_dict
from chalicelib.domain.errors import Invalid, NotFound, StaleWrite
from chalicelib.domain.lockin import component_flags
from chalicelib.domain.model import MAX_COMPONENTS_PER_SERVICE, Actor, Component, ComponentSpec, Flag
from chalicelib.services.context import Context, with_retries


def component_etag(component: Component) -> str:
    return content_etag(spec_to_dict(component.spec))


class ComponentService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def flags(self, component: Component) -> list[Flag]:
        framework = self._ctx.current_framework
        return component_flags(
            component.component_id, component.spec, framework.lock_in, framework.open_format_ids(), self._ctx.clock.today()
        )

    def put(
        self, org_id: str, service_id: str, component_id: str, spec: ComponentSpec, actor: Actor, if_match: str | None
    ) -> tuple[Component, bool]:
        """Create or replace; returns the component and whether this request created it."""
        self._check_spec(spec)

        def attempt():
            summary = self._ctx.summary_or_404(org_id, service_id)
            existing = summary.components.get(component_id)
            if if_match is not None and (existing is None or component_etag(existing) != if_match):
                raise StaleWrite(f"Component {component_id!r} does not match If-Match.")
            if existing is None and len(summary.components) >= MAX_COMPONENTS_PER_SERVICE:
                raise _too_many()
            stamp = self._ctx.stamp(actor)
            component = Component(
                org_id, service_id, component_id, spec, created=existing.created if existing else stamp, updated=stamp
            )
            self._ctx.store.put_component(component, expected=existing, max_components=MAX_COMPONENTS_PER_SERVICE)
            return component, existing is None

        return with_retries(attempt, if_match is not None, f"Component {component_id!r}")

    def get(self, org_id: str, service_id: str, component_id: str) -> Component:
        component = self._ctx.summary_or_404(org_id, service_id).components.get(component_id)
        if component is None:
            raise NotFound(f"Component {component_id!r} was not found in service {service_id!r}.")
        return component

    def list(self, org_id: str, service_id: str) -> list[Component]:
        components = self._ctx.store.list_components(org_id, service_id)
        if not components:
            self._ctx.summary_or_404(org_id, service_id)
        return components

    def delete(self, org_id: str, service_id: str, component_id: str) -> None:
        def attempt():
            self._ctx.store.delete_component(self.get(org_id, service_id, component_id))

        with_retries(attempt, False, f"Component {component_id!r}")

    def _check_spec(self, spec: ComponentSpec) -> None:
        framework = self._ctx.current_framework
        errors = {}
        known = framework.export_format_ids()
        for index, format_id in enumerate(spec.data.export_formats):
            if format_id not in known:
                errors[f"data.export_formats.{index}"] = [
                    f"unknown export format {format_id!r}; see the catalogue's export_formats"
                ]
        if spec.contract is not None and spec.contract.end < spec.contract.start:
            errors["contract.end"] = ["the contract cannot end before it starts"]
        if errors:
            raise Invalid("The component is not valid.", errors)


def _too_many() -> Invalid:
    return Invalid(
        f"A service can record at most {MAX_COMPONENTS_PER_SERVICE} components.",
        {"component_id": [f"the service already has {MAX_COMPONENTS_PER_SERVICE} components"]},
    )
