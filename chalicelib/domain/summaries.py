"""A service summary's next state for each write, and the write itself: the summary as it was
read, as it becomes, and the organisation roll-up items (domain/rollup.py) that change with it.
A store writes all of it in one transaction, and only if the summary and every roll-up item are
still as they were read; otherwise it raises Contended and the use case reads and tries again."""

from dataclasses import dataclass, field, replace

from chalicelib.domain.model import Component, LatestAssessment, Service, ServiceSummary


@dataclass(frozen=True)
class SummaryChange:
    before: ServiceSummary | None  # None: the service is new
    after: ServiceSummary
    rollup: dict[str, dict] = field(default_factory=dict)  # name -> content ({}: delete the item)
    versions: dict[str, int | None] = field(default_factory=dict)  # name -> version read (None: absent)


def new_summary(service: Service) -> ServiceSummary:
    return ServiceSummary(service.org_id, service.service_id, service.name, service.department, service.owner_email)


def with_service(summary: ServiceSummary, service: Service) -> ServiceSummary:
    return replace(summary, name=service.name, department=service.department, owner_email=service.owner_email)


def with_component(summary: ServiceSummary, component: Component) -> ServiceSummary:
    return replace(summary, components={**summary.components, component.component_id: component})


def without_component(summary: ServiceSummary, component_id: str) -> ServiceSummary:
    return replace(summary, components={k: v for k, v in summary.components.items() if k != component_id})


def with_latest(summary: ServiceSummary, latest: LatestAssessment) -> ServiceSummary | None:
    """The summary with `latest` as its latest assessment, or None when it already holds a newer
    one (the assessment is kept in the history only)."""
    if summary.latest is not None and summary.latest.assessment_id >= latest.assessment_id:
        return None
    return replace(summary, latest=latest)


def with_retired(summary: ServiceSummary, retired: bool) -> ServiceSummary:
    return replace(summary, retired=retired)
