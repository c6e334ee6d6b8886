"""Key builders: everything an organisation owns sits under ORG#<org_id>."""

from chalicelib.domain import rollup

# Sorts below every character a name may contain (names refuse control characters), so
# "A" sorts before "A B" exactly as the tuple (department, name, service_id) does.
SEPARATOR = "\x01"

ORG_SK = "ORG"
ORGS_INDEX_PK = "ORGS"
SERVICE_SK = "SERVICE"
SUMMARY_PREFIX = "SUMMARY#"
COMPONENT_PREFIX = "COMPONENT#"
ASSESSMENT_PREFIX = "ASSESSMENT#"
DRAFT_PREFIX = "DRAFT#"
AUDIT_PREFIX = "AUDIT#"
INTEGRATION_PREFIX = "INTEGRATION#"
PROJECT_PREFIX = "PROJECT#"
SNAPSHOT_PREFIX = "SNAPSHOT#"
ROUTE_SK = "ROUTE"
CLAIM_PREFIX = "CLAIM#"
DELIVERY_PREFIX = "DELIVERY#"
# Reminders (domain/reminders.py): sorted before ORG, so the dashboard's one Query never reads them.
NOTIFY_SETTINGS_SK = "NOTIFY#SETTINGS"
DISPATCH_PREFIX = "NOTIFY#DISPATCH#"


def org_pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def service_pk(org_id: str, service_id: str) -> str:
    return f"ORG#{org_id}#SVC#{service_id}"


def services_index_pk(org_id: str) -> str:
    return f"ORG#{org_id}#SERVICES"


def summaries_index_pk(org_id: str) -> str:
    """The services that are not retired, by department, name and id (their summaries)."""
    return f"ORG#{org_id}#SUMMARIES"


def audit_pk(org_id: str) -> str:
    """The organisation's audit trail, in its own partition: it grows with every write, and
    reads of the organisation's other items never page through it."""
    return f"ORG#{org_id}#AUDIT"


def rollup_pk(org_id: str) -> str:
    """The organisation's roll-up (domain/rollup.py): its items' names are their sort keys."""
    return f"ORG#{org_id}#ROLLUP"


def services_index_sk(department: str, name: str, service_id: str) -> str:
    return SEPARATOR.join((department, name, service_id))


def summary_sk(service_id: str) -> str:
    return SUMMARY_PREFIX + service_id


def component_sk(component_id: str) -> str:
    return COMPONENT_PREFIX + component_id


def assessment_sk(assessment_id: str) -> str:
    return ASSESSMENT_PREFIX + assessment_id


def draft_sk(person: str) -> str:
    """A person's draft under the service's partition: their subject, which never changes."""
    return DRAFT_PREFIX + person


def audit_sk(audit_id: str) -> str:
    return AUDIT_PREFIX + audit_id


def integration_sk(integration_id: str) -> str:
    return INTEGRATION_PREFIX + integration_id


def integration_pk(integration_id: str) -> str:
    """Where a delivery finds its integration, and where its claims and deliveries log live:
    the webhook path names only the integration."""
    return INTEGRATION_PREFIX + integration_id


def claim_sk(webhook_id: str) -> str:
    return CLAIM_PREFIX + webhook_id


def delivery_sk(delivery_id: str) -> str:
    return DELIVERY_PREFIX + delivery_id


def project_sk(project_id: str) -> str:
    return PROJECT_PREFIX + project_id


# --- benchmark sets and KPI values ---------------------------------------------------------------
# A set is not owned by an organisation: BENCHMARK#<set_id> / SET holds it whole, and a registry
# item BENCHMARKS / <set_id> (written in the same transaction) lists it, with its KPIs but not its
# figures, for one strongly consistent Query. KPI values sit under their organisation.
BENCHMARK_SET_SK = "SET"
BENCHMARKS_PK = "BENCHMARKS"
KPI_ORG_PREFIX = "KPI#ORG#"
KPI_SERVICE_PREFIX = "KPI#SVC#"


def benchmark_pk(set_id: str) -> str:
    return f"BENCHMARK#{set_id}"


def kpi_prefix(service_id: str | None) -> str:
    """The sort-key prefix of every period's values for the organisation (None) or a service."""
    return KPI_ORG_PREFIX if service_id is None else f"{KPI_SERVICE_PREFIX}{service_id}#"


def kpi_sk(service_id: str | None, period: str) -> str:
    return kpi_prefix(service_id) + period


def snapshot_sk(month: str) -> str:
    return SNAPSHOT_PREFIX + month


# --- an organisation whole (make export / make import) -------------------------------------------


def owned_partitions(org_id: str, service_ids: list[str], integration_ids: list[str]) -> list[str]:
    """Every partition an organisation's records sit in: its own, its services' and its
    integrations' (routes, claims, deliveries log). Benchmark sets belong to no organisation."""
    return [
        org_pk(org_id),
        rollup_pk(org_id),
        audit_pk(org_id),
        *(service_pk(org_id, service_id) for service_id in sorted(service_ids)),
        *(integration_pk(integration_id) for integration_id in sorted(integration_ids)),
    ]


def is_derived(sk: str) -> bool:
    """Items kept from other records (a service's summary, an integration's route, the roll-up)."""
    return sk.startswith(SUMMARY_PREFIX) or sk == ROUTE_SK or (rollup.is_rollup_name(sk) and not sk.startswith(rollup.SNAPSHOT))


def dispatch_sk(day: str, kind: str, recipient: str) -> str:
    """One message a day per person and kind: the day first, so a range of days is one Query."""
    return f"{DISPATCH_PREFIX}{day}#{kind}#{recipient}"
