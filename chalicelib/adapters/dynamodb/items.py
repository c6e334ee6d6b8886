"""Records <-> items of the single table, declared once per record: where it is kept (its keys),
what else its item carries (index keys, an etag for conditional writes), and the attributes
that hold it, which are its fields as plain data (chalicelib/domain/plain.py) under the same
names unless `renamed` says otherwise."""

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from chalicelib.adapters.dynamodb import keys
from chalicelib.adapters.dynamodb.models import (
    AssessmentItem,
    AuditItem,
    BenchmarkRegistryItem,
    BenchmarkSetItem,
    ClaimItem,
    ComponentItem,
    DeliveryItem,
    DraftItem,
    IntegrationItem,
    KpiItem,
    OrgItem,
    ProjectItem,
    ServiceItem,
    SnapshotItem,
    SummaryItem,
)
from chalicelib.domain import etags
from chalicelib.domain.benchmarks.model import BenchmarkSetListing, KpiRecord, StoredBenchmarkSet, listing_of
from chalicelib.domain.benchmarks.shape import benchmark_set_from_dict, benchmark_set_to_dict
from chalicelib.domain.clock import iso_instant
from chalicelib.domain.model import (
    CLAIM_DAYS,
    Assessment,
    AssessmentDraft,
    AuditRecord,
    Component,
    DeclarationProject,
    Delivery,
    Integration,
    LatestAssessment,
    Organisation,
    Service,
    ServiceSummary,
    Stamp,
)
from chalicelib.domain.plain import from_plain, to_plain
from chalicelib.domain.scorecards import MonthlySnapshot

R = TypeVar("R")


@dataclass(frozen=True)
class Mapping(Generic[R]):
    model: type
    record: type[R]
    keys: Callable[[R], dict[str, str]]
    extra: Callable[[R], dict[str, Any]] = lambda record: {}
    renamed: dict[str, str] = field(default_factory=dict)  # record field -> item attribute
    grouped: dict[str, tuple[str, ...]] = field(default_factory=dict)  # item attribute -> record fields

    def item(self, record: R, **more: Any):
        plain = to_plain(record)
        for attribute, names in self.grouped.items():
            plain[attribute] = {name: plain.pop(name) for name in names}
        attributes = {self.renamed.get(name, name): value for name, value in plain.items()}
        return self.model(**self.keys(record), **attributes, **self.extra(record), **more)

    def record_of(self, item) -> R:
        data = {}
        for f in dataclasses.fields(self.record):
            if not any(f.name in names for names in self.grouped.values()):
                data[f.name] = getattr(item, self.renamed.get(f.name, f.name))
        for attribute, names in self.grouped.items():
            data.update(getattr(item, attribute))
        return from_plain(self.record, data)


ORGANISATION = Mapping(
    OrgItem,
    Organisation,
    keys=lambda o: {"pk": keys.org_pk(o.org_id), "sk": keys.ORG_SK, "gsi1pk": keys.ORGS_INDEX_PK, "gsi1sk": o.org_id},
    extra=lambda o: {"etag": etags.org_etag(o)},
)
SERVICE = Mapping(
    ServiceItem,
    Service,
    keys=lambda s: {
        "pk": keys.service_pk(s.org_id, s.service_id),
        "sk": keys.SERVICE_SK,
        "gsi1pk": keys.services_index_pk(s.org_id),
        "gsi1sk": keys.services_index_sk(s.department, s.name, s.service_id),
    },
    extra=lambda s: {"etag": etags.service_etag(s)},
)
COMPONENT = Mapping(
    ComponentItem,
    Component,
    keys=lambda c: {"pk": keys.service_pk(c.org_id, c.service_id), "sk": keys.component_sk(c.component_id)},
    extra=lambda c: {"etag": etags.component_etag(c)},
)
ASSESSMENT = Mapping(
    AssessmentItem,
    Assessment,
    keys=lambda a: {"pk": keys.service_pk(a.org_id, a.service_id), "sk": keys.assessment_sk(a.assessment_id)},
)
DRAFT = Mapping(
    DraftItem,
    AssessmentDraft,
    keys=lambda d: {"pk": keys.service_pk(d.org_id, d.service_id), "sk": keys.draft_sk(d.person)},
    extra=lambda d: {"etag": etags.draft_etag(d)},
)
AUDIT = Mapping(AuditItem, AuditRecord, keys=lambda r: {"pk": keys.audit_pk(r.org_id), "sk": keys.audit_sk(r.audit_id)})
INTEGRATION = Mapping(
    IntegrationItem,
    Integration,
    keys=lambda i: {"pk": keys.org_pk(i.org_id), "sk": keys.integration_sk(i.integration_id)},
    extra=lambda i: {"etag": etags.integration_etag(i)},
)
# Deliveries are written with their expiry (`expires_at=`), which is not part of the record.
DELIVERY = Mapping(
    DeliveryItem,
    Delivery,
    keys=lambda d: {"pk": keys.integration_pk(d.integration_id), "sk": keys.delivery_sk(d.delivery_id)},
)
PROJECT = Mapping(
    ProjectItem,
    DeclarationProject,
    keys=lambda p: {"pk": keys.org_pk(p.org_id), "sk": keys.project_sk(p.project_id)},
    extra=lambda p: {"etag": etags.project_etag(p)},
)
KPI_VALUES = Mapping(
    KpiItem,
    KpiRecord,
    keys=lambda r: {"pk": keys.org_pk(r.org_id), "sk": keys.kpi_sk(r.service_id, r.period)},
    extra=lambda r: {"etag": etags.kpi_etag(r)},
    renamed={"values": "kpi_values"},
)
SNAPSHOT = Mapping(
    SnapshotItem,
    MonthlySnapshot,
    keys=lambda s: {"pk": keys.org_pk(s.org_id), "sk": keys.snapshot_sk(s.month)},
    grouped={"figures": ("average_score", "principles", "levels", "by_risk", "services_assessed")},
)


# --- the items that are not one record each -----------------------------------------------------


def summary_item(summary: ServiceSummary) -> SummaryItem:
    listed = not summary.retired
    return SummaryItem(
        pk=keys.org_pk(summary.org_id),
        sk=keys.summary_sk(summary.service_id),
        gsi1pk=keys.summaries_index_pk(summary.org_id) if listed else None,
        gsi1sk=keys.services_index_sk(summary.department, summary.name, summary.service_id) if listed else None,
        etag=etags.summary_etag(summary),
        org_id=summary.org_id,
        service_id=summary.service_id,
        name=summary.name,
        department=summary.department,
        owner_email=summary.owner_email,
        components={cid: component_json(c) for cid, c in summary.components.items()},
        latest_assessment_id=summary.latest.assessment_id if summary.latest else None,
        latest=to_plain(summary.latest) if summary.latest else None,
        retired=summary.retired,
    )


def summary_of(item: SummaryItem) -> ServiceSummary:
    """The components are kept as a map of JSON texts."""
    raw_components = item.components.as_dict() if item.components else {}
    return ServiceSummary(
        org_id=item.org_id,
        service_id=item.service_id,
        name=item.name,
        department=item.department,
        owner_email=item.owner_email,
        components={cid: _component_from_json(item.org_id, item.service_id, cid, text) for cid, text in raw_components.items()},
        latest=from_plain(LatestAssessment, item.latest) if item.latest else None,
        retired=bool(item.retired),
    )


def component_json(component: Component) -> str:
    plain = to_plain(component)
    return json.dumps({"spec": plain["spec"], "created": plain["created"], "updated": plain["updated"]}, separators=(",", ":"))


def _component_from_json(org_id: str, service_id: str, component_id: str, text: str) -> Component:
    return from_plain(Component, {**json.loads(text), "org_id": org_id, "service_id": service_id, "component_id": component_id})


def claim_item(audit: AuditRecord) -> ClaimItem:
    """Claims outlive any sender's retry window (Standard Webhooks senders retry for days)."""
    return ClaimItem(
        pk=keys.integration_pk(audit.actor.integration_id),
        sk=keys.claim_sk(audit.actor.delivery_id),
        claimed_at=iso_instant(audit.at),
        expires_at=audit.at + timedelta(days=CLAIM_DAYS),
    )


def benchmark_set_item(stored: StoredBenchmarkSet) -> BenchmarkSetItem:
    return BenchmarkSetItem(
        pk=keys.benchmark_pk(stored.set_id),
        sk=keys.BENCHMARK_SET_SK,
        set_id=stored.set_id,
        data=benchmark_set_to_dict(stored.bset),
        etag=etags.stored_benchmark_set_etag(stored),
        created=to_plain(stored.created),
        updated=to_plain(stored.updated),
    )


def benchmark_registry_item(stored: StoredBenchmarkSet) -> BenchmarkRegistryItem:
    listing = listing_of(stored)
    return BenchmarkRegistryItem(
        pk=keys.BENCHMARKS_PK, sk=listing.set_id, data=benchmark_set_to_dict(listing.bset), updated=to_plain(listing.updated)
    )


def benchmark_set_of(item: BenchmarkSetItem) -> StoredBenchmarkSet:
    return StoredBenchmarkSet(
        benchmark_set_from_dict(item.data), from_plain(Stamp, item.created), from_plain(Stamp, item.updated)
    )


def benchmark_listing_of(item: BenchmarkRegistryItem) -> BenchmarkSetListing:
    return BenchmarkSetListing(benchmark_set_from_dict(item.data), from_plain(Stamp, item.updated))
