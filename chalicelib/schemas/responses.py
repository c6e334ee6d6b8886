"""Response bodies: what the API promises to return (and what /openapi.json documents)."""

from marshmallow import Schema, fields

from chalicelib.domain.catalogue import RATINGS, SEVERITIES
from chalicelib.domain.model import COMPONENT_KINDS, CUSTOMISATIONS, HOSTINGS, PHASES, SOURCE_CODE
from chalicelib.domain.scorecards import RISKS

Nullable = {"allow_none": True}


def _enum(values):
    return {"metadata": {"enum": list(values)}}


class Problem(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class Health(Schema):
    status = fields.String()


class FrameworkSummary(Schema):
    framework_id = fields.String()
    title = fields.String()
    version = fields.String()
    current = fields.Boolean()


class FrameworkList(Schema):
    items = fields.List(fields.Nested(FrameworkSummary))


class PrincipleOut(Schema):
    principle_id = fields.String()
    title = fields.String()
    summary = fields.String()


class ReferenceOut(Schema):
    standard = fields.String(**_enum(["service-standard", "tcop", "ldd"]))
    point = fields.Integer()
    title = fields.String()


class QuestionOut(Schema):
    question_id = fields.String()
    principle_id = fields.String()
    text = fields.String()
    guidance = fields.String()
    weight = fields.Integer()
    references = fields.List(fields.Nested(ReferenceOut))


class GateOut(Schema):
    gate_id = fields.String()
    description = fields.String()
    value = fields.Float(**Nullable)


class LevelOut(Schema):
    level = fields.Integer()
    name = fields.String()
    min_score = fields.Float()
    gates = fields.List(fields.Nested(GateOut))


class ExportFormatOut(Schema):
    format_id = fields.String()
    title = fields.String()
    open = fields.Boolean()


class LockInRuleOut(Schema):
    code = fields.String()
    severity = fields.String(**_enum(SEVERITIES))
    reference = fields.String()


class LockInPolicyOut(Schema):
    rules = fields.List(fields.Nested(LockInRuleOut))
    thresholds = fields.Dict(keys=fields.String(), values=fields.Float())


class FrameworkOut(FrameworkSummary):
    published = fields.String()
    sources = fields.List(fields.String())
    principles = fields.List(fields.Nested(PrincipleOut))
    questions = fields.List(fields.Nested(QuestionOut))
    levels = fields.List(fields.Nested(LevelOut))
    export_formats = fields.List(fields.Nested(ExportFormatOut))
    lock_in = fields.Nested(LockInPolicyOut)


class OrganisationOut(Schema):
    org_id = fields.String()
    name = fields.String()
    peer_group = fields.String(**Nullable)
    declaration_signed_on = fields.String(**Nullable, metadata={"format": "date"})
    rank_services = fields.Boolean()
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class OrganisationPage(Schema):
    items = fields.List(fields.Nested(OrganisationOut))
    next_cursor = fields.String(**Nullable)


class ServiceOut(Schema):
    service_id = fields.String()
    org_id = fields.String()
    name = fields.String()
    department = fields.String()
    owner_email = fields.String()
    description = fields.String(**Nullable)
    phase = fields.String(**Nullable, **_enum([*PHASES, None]))
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class ServicePage(Schema):
    items = fields.List(fields.Nested(ServiceOut))
    next_cursor = fields.String(**Nullable)


class FlagOut(Schema):
    code = fields.String()
    severity = fields.String(**_enum(SEVERITIES))
    component_id = fields.String(**Nullable)
    message = fields.String()
    reference = fields.String()


class OrgFlagOut(FlagOut):
    supplier = fields.String()
    share = fields.Float()


class LockInOut(Schema):
    risk = fields.String(**_enum(RISKS))
    flags = fields.List(fields.Nested(FlagOut))


class ContractOut(Schema):
    start = fields.String(metadata={"format": "date"})
    end = fields.String(metadata={"format": "date"})
    auto_renew = fields.Boolean()
    annual_cost_gbp = fields.Float()


class InterfacesOut(Schema):
    open_api = fields.Boolean()
    api_documented = fields.Boolean()
    api_extra_charge = fields.Boolean()


class DataOut(Schema):
    export_formats = fields.List(fields.String())
    free_bulk_export = fields.Boolean()
    open_standards = fields.List(fields.String())


class ExitPlanOut(Schema):
    exists = fields.Boolean()
    last_reviewed = fields.String(**Nullable, metadata={"format": "date"})


class ComponentOut(Schema):
    component_id = fields.String()
    service_id = fields.String()
    supplier = fields.String()
    product = fields.String()
    kind = fields.String(**_enum(COMPONENT_KINDS))
    hosting = fields.String(**_enum(HOSTINGS))
    contract = fields.Nested(ContractOut, **Nullable)
    interfaces = fields.Nested(InterfacesOut)
    data = fields.Nested(DataOut)
    exit_plan = fields.Nested(ExitPlanOut)
    customisation = fields.String(**_enum(CUSTOMISATIONS))
    source_code = fields.String(**_enum(SOURCE_CODE))
    etag = fields.String()
    created_at = fields.String(metadata={"format": "date-time"})
    created_by = fields.String(**Nullable)
    updated_at = fields.String(metadata={"format": "date-time"})
    updated_by = fields.String(**Nullable, metadata={"description": "Who last recorded it (email, subject or integration)."})
    flags = fields.List(fields.Nested(FlagOut))


class ComponentList(Schema):
    items = fields.List(fields.Nested(ComponentOut))


class LevelRef(Schema):
    level = fields.Integer()
    name = fields.String()


class PrincipleScoreOut(Schema):
    principle_id = fields.String()
    score = fields.Float(**Nullable)
    answered = fields.Integer()
    applicable = fields.Integer()


class ContributionOut(Schema):
    question_id = fields.String()
    rating = fields.String(**_enum(RATINGS))
    weight = fields.Integer()
    points = fields.Float(**Nullable)
    max_points = fields.Float(**Nullable)


class ScoreOut(Schema):
    overall = fields.Float()
    level = fields.Nested(LevelRef)
    principles = fields.List(fields.Nested(PrincipleScoreOut))
    contributions = fields.List(fields.Nested(ContributionOut))


class EvidenceOut(Schema):
    url = fields.String()
    title = fields.String(**Nullable)
    valid_until = fields.String(**Nullable, metadata={"format": "date"})


class AnswerOut(Schema):
    question_id = fields.String()
    rating = fields.String(**_enum(RATINGS))
    notes = fields.String(**Nullable)
    justification = fields.String(**Nullable)
    evidence = fields.List(fields.Nested(EvidenceOut))


class AssessmentOut(Schema):
    assessment_id = fields.String()
    service_id = fields.String()
    framework_id = fields.String()
    submitted_at = fields.String(metadata={"format": "date-time"})
    submitted_by = fields.String(**Nullable, metadata={"description": "Who submitted it: email, else subject, or integration."})
    score = fields.Nested(ScoreOut)
    lock_in = fields.Nested(LockInOut)
    answers = fields.List(fields.Nested(AnswerOut))


class AssessmentPage(Schema):
    items = fields.List(fields.Nested(AssessmentOut))
    next_cursor = fields.String(**Nullable)


class ServiceScorecardOut(Schema):
    service_id = fields.String()
    name = fields.String()
    status = fields.String(**_enum(["assessed", "not_assessed"]))
    assessment_id = fields.String(**Nullable)
    assessed_at = fields.String(**Nullable, metadata={"format": "date-time"})
    stale = fields.Boolean()
    score = fields.Nested(ScoreOut, **Nullable)
    lock_in = fields.Nested(LockInOut)


class PrincipleAverage(Schema):
    principle_id = fields.String()
    average = fields.Float(**Nullable)


class DepartmentOut(Schema):
    department = fields.String()
    services = fields.Integer()
    services_assessed = fields.Integer()
    average_score = fields.Float(**Nullable)


class SupplierOut(Schema):
    supplier = fields.String()
    services = fields.Integer()
    components = fields.Integer()


class ExpiringContractOut(Schema):
    service_id = fields.String()
    component_id = fields.String()
    supplier = fields.String()
    end = fields.String(metadata={"format": "date"})
    exit_plan = fields.Boolean()


class ByRisk(Schema):
    none = fields.Integer()
    low = fields.Integer()
    medium = fields.Integer()
    high = fields.Integer()
    critical = fields.Integer()


class OrgLockInOut(Schema):
    by_risk = fields.Nested(ByRisk)
    flags = fields.List(fields.Nested(OrgFlagOut))
    top_suppliers = fields.List(fields.Nested(SupplierOut))
    expiring_contracts = fields.List(fields.Nested(ExpiringContractOut))


class ScorecardRow(Schema):
    service_id = fields.String()
    name = fields.String()
    department = fields.String()
    owner_email = fields.String()
    status = fields.String(**_enum(["assessed", "not_assessed"]))
    score = fields.Float(**Nullable)
    level = fields.Nested(LevelRef, **Nullable)
    principles = fields.Dict(
        keys=fields.String(),
        values=fields.Float(**Nullable),
        metadata={"description": "Each principle's score in the latest assessment (null: not assessed or not applicable)."},
    )
    lock_in_risk = fields.String(**_enum(RISKS))
    flag_count = fields.Integer(metadata={"description": "How many lock-in flags the service's components raise."})
    top_flag = fields.String(**Nullable, metadata={"description": "The code of the most severe flag, the first raised of those."})
    assessed_at = fields.String(**Nullable, metadata={"format": "date-time"})
    stale = fields.Boolean()


class ProjectCounts(Schema):
    total = fields.Integer()
    done = fields.Integer()
    overdue = fields.Integer(metadata={"description": "Not done, and the due date has passed."})


class HistoryPoint(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    average_score = fields.Float(**Nullable)
    principles = fields.List(fields.Nested(PrincipleAverage))
    levels = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_risk = fields.Nested(ByRisk)
    services_assessed = fields.Integer()


class History(Schema):
    items = fields.List(fields.Nested(HistoryPoint))


class OrgScorecardOut(Schema):
    org_id = fields.String()
    department = fields.String(**Nullable, metadata={"description": "The ?department= filter, if any."})
    services_total = fields.Integer()
    services_assessed = fields.Integer()
    average_score = fields.Float(**Nullable)
    principles = fields.List(fields.Nested(PrincipleAverage))
    levels = fields.Dict(keys=fields.String(), values=fields.Integer())
    departments = fields.List(fields.Nested(DepartmentOut))
    lock_in = fields.Nested(OrgLockInOut)
    declaration_projects = fields.Nested(ProjectCounts)
    services = fields.List(fields.Nested(ScorecardRow))


class ActorOut(Schema):
    subject = fields.String(**Nullable)
    email = fields.String(**Nullable)
    integration_id = fields.String(**Nullable)
    delivery_id = fields.String(**Nullable, metadata={"description": "The webhook-id of the integration's delivery."})


class AuditRecordOut(Schema):
    audit_id = fields.String()
    at = fields.String(metadata={"format": "date-time"})
    actor = fields.Nested(ActorOut)
    action = fields.String()
    target = fields.String(metadata={"description": "The record's path below /orgs/{org_id}/ ('' for the organisation)."})


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditRecordOut))
    next_cursor = fields.String(**Nullable)


class IntegrationOut(Schema):
    integration_id = fields.String()
    name = fields.String()
    event_types = fields.List(fields.String())
    service_ids = fields.List(fields.String())
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class IntegrationCreated(IntegrationOut):
    secret = fields.String(metadata={"description": "whsec_...: shown in this response only."})


class IntegrationList(Schema):
    items = fields.List(fields.Nested(IntegrationOut))


class SecretOut(Schema):
    secret = fields.String(metadata={"description": "The new whsec_... secret; the previous one verifies for 24 hours."})


class DeliveryOut(Schema):
    delivery_id = fields.String()
    webhook_id = fields.String()
    received_at = fields.String(metadata={"format": "date-time"})
    event_type = fields.String(**Nullable)
    status = fields.String(**_enum(["processed", "duplicate", "rejected"]))
    http_status = fields.Integer()
    reason = fields.String(**Nullable)


class DeliveryPage(Schema):
    items = fields.List(fields.Nested(DeliveryOut))
    next_cursor = fields.String(**Nullable)


class WebhookResult(Schema):
    status = fields.String(**_enum(["processed", "duplicate"]))
    result = fields.Dict(metadata={"description": "The component or assessment, as the HTTP API returns it."})


class ProjectOut(Schema):
    project_id = fields.String()
    title = fields.String()
    partners = fields.List(fields.String())
    mission = fields.String()
    impact = fields.String()
    due = fields.String(metadata={"format": "date"})
    status = fields.String(metadata={"enum": ["planned", "in_progress", "done"]})
    overdue = fields.Boolean()
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class ProjectList(Schema):
    items = fields.List(fields.Nested(ProjectOut))
