"""Entity tags: what makes two versions of a record the same version. Every rule is here, for
the API's ETag headers, the pages' edit forms and the store's conditional writes alike.

A tag covers a record's own editable content, so that, for instance, a new assessment does not
change its service's tag; two records with equal content have equal tags (strong tags)."""

import hashlib
import json
from typing import Any

from chalicelib.domain.benchmarks.model import BenchmarkSet, KpiRecord, StoredBenchmarkSet
from chalicelib.domain.benchmarks.shape import benchmark_set_to_dict
from chalicelib.domain.model import AssessmentDraft, Component, DeclarationProject, Integration, Organisation, Service
from chalicelib.domain.plain import to_plain


def content_etag(fields: dict[str, Any]) -> str:
    """A strong ETag over a record's own content: equal content, equal tag."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def record_etag(record: Any) -> str:
    """Over the whole record as plain data: for records stored and replaced whole (the
    reminders' settings and messages)."""
    return content_etag(to_plain(record))


def summary_etag(summary) -> str:
    """What a store compares before replacing a service's summary (domain/summaries.py)."""
    return record_etag(summary)


def org_etag(org: Organisation) -> str:
    return content_etag(
        {"name": org.name, "peer_group": org.peer_group, "signed": org.declaration_signed_on, "rank_services": org.rank_services}
    )


def service_etag(service: Service) -> str:
    """The editable fields only, so assessments and components never change it."""
    return content_etag(service.editable_fields())


def component_etag(component: Component) -> str:
    return content_etag(to_plain(component.spec))


def project_etag(project: DeclarationProject) -> str:
    return content_etag(project.editable_fields())


def integration_etag(integration: Integration) -> str:
    """Its secrets and when it last changed: what a rotation and a deletion must not lose."""
    return content_etag({"secrets": to_plain(integration.secrets), "updated": integration.updated.at})


def benchmark_set_etag(bset: BenchmarkSet) -> str:
    return content_etag(benchmark_set_to_dict(bset))


def stored_benchmark_set_etag(stored: StoredBenchmarkSet) -> str:
    """The stored version (also when the same figures are imported again): the store's check."""
    return content_etag({"set": benchmark_set_to_dict(stored.bset), "updated": to_plain(stored.updated)})


def kpi_etag(record: KpiRecord) -> str:
    """Over the values only: the same values recorded again are the same version."""
    return content_etag({"values": record.values})


def draft_etag(draft: AssessmentDraft) -> str:
    """Its answers and what they were copied from: not when it was saved, so that saving the
    same answers again is the same version."""
    return content_etag({"framework_id": draft.framework_id, "answers": to_plain(draft.answers), "based_on": draft.based_on})
