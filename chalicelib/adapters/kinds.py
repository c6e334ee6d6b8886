"""Which record each sort key holds (adapters/dynamodb/keys.py), for code that reads a partition
whole and must decode every item in it: moving an organisation between stores."""

from chalicelib.adapters.dynamodb import keys
from chalicelib.domain.benchmarks.model import KpiRecord
from chalicelib.domain.rollup import is_rollup_name
from chalicelib.domain.model import (
    Assessment,
    AssessmentDraft,
    AuditRecord,
    Component,
    DeclarationProject,
    Delivery,
    Integration,
    Organisation,
    Service,
    ServiceSummary,
)
from chalicelib.domain.reminders import Dispatch, NotificationSettings
from chalicelib.domain.scorecards import MonthlySnapshot

# Exact sort keys, then prefixes. A route and a claim are not records: plain dicts as stored.
_EXACT = {keys.ORG_SK: Organisation, keys.SERVICE_SK: Service, keys.ROUTE_SK: dict, keys.NOTIFY_SETTINGS_SK: NotificationSettings}
_PREFIXED = (
    (keys.SUMMARY_PREFIX, ServiceSummary),
    (keys.COMPONENT_PREFIX, Component),
    (keys.ASSESSMENT_PREFIX, Assessment),
    (keys.DRAFT_PREFIX, AssessmentDraft),
    (keys.AUDIT_PREFIX, AuditRecord),
    (keys.INTEGRATION_PREFIX, Integration),
    (keys.PROJECT_PREFIX, DeclarationProject),
    (keys.SNAPSHOT_PREFIX, MonthlySnapshot),
    (keys.KPI_ORG_PREFIX, KpiRecord),
    (keys.KPI_SERVICE_PREFIX, KpiRecord),
    (keys.CLAIM_PREFIX, dict),
    (keys.DELIVERY_PREFIX, Delivery),
    (keys.DISPATCH_PREFIX, Dispatch),
)


class RollupContent(dict):
    """A roll-up item (domain/rollup.py): plain data, derived from the summaries and the
    organisation's records, with a version instead of an etag."""


# Records their stores keep whole, as plain data with an etag over all of it (notifications.py).
WHOLE_RECORDS = (NotificationSettings, Dispatch)


def kind_of(sk: str) -> type:
    """The record type an item with this sort key holds (dict for a route or a claim)."""
    if sk in _EXACT:
        return _EXACT[sk]
    if is_rollup_name(sk):
        return RollupContent
    for prefix, kind in _PREFIXED:
        if sk.startswith(prefix):
            return kind
    raise ValueError(f"no record is kept under the sort key {sk!r}")
