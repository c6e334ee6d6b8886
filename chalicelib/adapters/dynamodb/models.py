"""PynamoDB models of the single table. They never leave adapters/.

PynamoDB reads Meta when a class is defined, so the table name and region come from the
environment at import (tests set it first) with defaults; see docs/data-model.md for the keys."""

from pynamodb.attributes import BooleanAttribute, JSONAttribute, ListAttribute, MapAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import config

GSI1 = "gsi1"


class _Meta:
    table_name = config.table_name()
    region = config.region()


class ByGsi1(GlobalSecondaryIndex):
    """Lists in a defined order: organisations by id, an organisation's services by
    department, name and id."""

    class Meta:
        index_name = GSI1
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class _Keyed(Model):
    """Every item: the table's partition and sort keys."""

    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class _Item(_Keyed):
    """A record people edit: who created and last changed it, and when."""

    class Meta(_Meta):
        pass

    created = JSONAttribute()
    updated = JSONAttribute()


class _ListedItem(_Item):
    """An item that also appears, in order, in a list served by the gsi1 index."""

    class Meta(_Meta):
        pass

    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_gsi1 = ByGsi1()


class OrgItem(_ListedItem):
    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    name = UnicodeAttribute()
    peer_group = UnicodeAttribute(null=True)
    declaration_signed_on = UnicodeAttribute(null=True)
    rank_services = BooleanAttribute(default=False)
    etag = UnicodeAttribute()


class ServiceItem(_ListedItem):
    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    service_id = UnicodeAttribute()
    name = UnicodeAttribute()
    department = UnicodeAttribute()
    owner_email = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    phase = UnicodeAttribute(null=True)
    etag = UnicodeAttribute()


class SummaryItem(_Keyed):
    """The per-service read model: identity, the components' lock-in inputs and the latest score.
    Replaced whole, over the etag read (domain/summaries.py); listed in gsi1 by department, name
    and id unless retired (the index is sparse: a retired summary has no gsi1 keys)."""

    class Meta(_Meta):
        pass

    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gsi1 = ByGsi1()
    etag = UnicodeAttribute()

    org_id = UnicodeAttribute()
    service_id = UnicodeAttribute()
    name = UnicodeAttribute()
    department = UnicodeAttribute()
    owner_email = UnicodeAttribute()
    components = MapAttribute(default=dict)  # component_id -> JSON of the component record
    latest_assessment_id = UnicodeAttribute(null=True)
    latest = JSONAttribute(null=True)
    retired = BooleanAttribute(default=False)


class RollupItem(_Keyed):
    """One item of an organisation's roll-up (domain/rollup.py) under ORG#<org_id>#ROLLUP: its
    content as JSON and a version that every write compares and increments."""

    class Meta(_Meta):
        pass

    data = UnicodeAttribute()
    version = NumberAttribute()


class ComponentItem(_Item):
    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    service_id = UnicodeAttribute()
    component_id = UnicodeAttribute()
    spec = JSONAttribute()
    etag = UnicodeAttribute()


class AssessmentItem(_Keyed):
    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    service_id = UnicodeAttribute()
    assessment_id = UnicodeAttribute()
    framework_id = UnicodeAttribute()
    answers = JSONAttribute()
    score = JSONAttribute()
    lock_in = JSONAttribute()
    submitted = JSONAttribute()


class DraftItem(_Keyed):
    """One person's assessment draft of one service (domain.model.AssessmentDraft)."""

    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    service_id = UnicodeAttribute()
    person = UnicodeAttribute()
    framework_id = UnicodeAttribute()
    answers = JSONAttribute()
    based_on = UnicodeAttribute(null=True)
    updated = JSONAttribute()
    etag = UnicodeAttribute()


class AuditItem(_Keyed):
    """One successful write, kept under its organisation, newest found first by its ULID."""

    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    audit_id = UnicodeAttribute()
    at = UnicodeAttribute()
    actor = JSONAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute()


class IntegrationItem(_Item):
    """An organisation's integration: its scope and its sealed signing secrets."""

    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    integration_id = UnicodeAttribute()
    name = UnicodeAttribute()
    event_types = ListAttribute(of=UnicodeAttribute)
    service_ids = ListAttribute(of=UnicodeAttribute, default=list)
    secrets = JSONAttribute()  # [{"sealed": ..., "retires_at": ... | null}]
    etag = UnicodeAttribute()


class IntegrationRouteItem(_Keyed):
    """INTEGRATION#<id> / ROUTE: which organisation a webhook path's integration belongs to."""

    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()


class ClaimItem(_Keyed):
    """INTEGRATION#<id> / CLAIM#<webhook-id>: written with a delivery's effect, once."""

    class Meta(_Meta):
        pass

    claimed_at = UnicodeAttribute()
    expires_at = TTLAttribute()


class DeliveryItem(_Keyed):
    """INTEGRATION#<id> / DELIVERY#<ulid>: a verified delivery and what became of it."""

    class Meta(_Meta):
        pass

    integration_id = UnicodeAttribute()
    delivery_id = UnicodeAttribute()
    webhook_id = UnicodeAttribute()
    received_at = UnicodeAttribute()
    event_type = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    http_status = NumberAttribute()
    reason = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


# --- benchmark sets and KPI values (keys.py, "benchmark sets and KPI values") --------------------


class BenchmarkSetItem(_Item):
    """BENCHMARK#<set_id> / SET: an imported benchmark set, whole (benchmark_set_to_dict)."""

    class Meta(_Meta):
        pass

    set_id = UnicodeAttribute()
    data = JSONAttribute()
    etag = UnicodeAttribute()


class BenchmarkRegistryItem(_Keyed):
    """BENCHMARKS / <set_id>: the set without its peer groups' figures, for listing the sets and
    checking KPI values with one Query."""

    class Meta(_Meta):
        pass

    data = JSONAttribute()
    updated = JSONAttribute()


class KpiItem(_Keyed):
    """ORG#<org> / KPI#ORG#<period> or KPI#SVC#<service_id>#<period>: one period's values, as JSON
    (numbers exactly as sent)."""

    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    service_id = UnicodeAttribute(null=True)
    period = UnicodeAttribute()
    kpi_values = JSONAttribute()
    updated = JSONAttribute()
    # For conditional replacement (If-Match); items written before it existed have none.
    etag = UnicodeAttribute(null=True)


class ProjectItem(_Item):
    """A declaration project, under its organisation."""

    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    project_id = UnicodeAttribute()
    title = UnicodeAttribute()
    partners = ListAttribute(of=UnicodeAttribute, default=list)
    mission = UnicodeAttribute()
    impact = UnicodeAttribute()
    due = UnicodeAttribute()
    status = UnicodeAttribute()
    etag = UnicodeAttribute()


class SnapshotItem(_Keyed):
    """ORG#<org> / SNAPSHOT#<YYYY-MM>: the month's headline figures (exact values as "n/d")."""

    class Meta(_Meta):
        pass

    org_id = UnicodeAttribute()
    month = UnicodeAttribute()
    figures = JSONAttribute()
    taken_at = UnicodeAttribute()
