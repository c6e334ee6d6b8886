"""Response bodies: what the API promises to return (and what /openapi.json documents).

Every response schema derives from ResponseBody, and /openapi.json lists all its fields as
`required` (one rule, in chalicelib/api/openapi.py) except those its `optional` names: the API
sends every field every time (null where `allow_none`), a few only sometimes. A generated client
then types a field as present rather than "or unset". Required is the default, rather than
`required=True` on each of some 300 dump-only fields (marshmallow ignores it when dumping), so
that an unmarked field is claimed present and the API tests, which validate real responses
against the document, fail when it is not."""

from typing import ClassVar

from marshmallow import INCLUDE, Schema, fields

from chalicelib.domain.catalogue import RATINGS, SEVERITIES
from chalicelib.domain.model import COMPONENT_KINDS, CUSTOMISATIONS, HOSTINGS, PHASES, SOURCE_CODE
from chalicelib.domain.scorecards import RISKS

Nullable = {"allow_none": True}


def _enum(values):
    return {"metadata": {"enum": list(values)}}


class ResponseBody(Schema):
    """A response body: every field is sent, except those named in `optional`."""

    optional: ClassVar[tuple[str, ...]] = ()


class Problem(ResponseBody):
    """RFC 9457 problem details. Extension members are allowed (section 3.2), so clients must
    accept fields beyond these."""

    class Meta:
        unknown = INCLUDE  # documented as additionalProperties: true

    optional = ("errors",)  # validation failures only

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class Health(ResponseBody):
    status = fields.String()


class FrameworkSummary(ResponseBody):
    framework_id = fields.String()
    title = fields.String()
    version = fields.String()
    current = fields.Boolean()


class FrameworkList(ResponseBody):
    items = fields.List(fields.Nested(FrameworkSummary))


class PrincipleOut(ResponseBody):
    principle_id = fields.String()
    title = fields.String()
    summary = fields.String()


class ReferenceOut(ResponseBody):
    standard = fields.String(**_enum(["service-standard", "tcop", "ldd"]))
    point = fields.Integer()
    title = fields.String()


class QuestionOut(ResponseBody):
    question_id = fields.String()
    principle_id = fields.String()
    text = fields.String()
    guidance = fields.String()
    weight = fields.Integer()
    references = fields.List(fields.Nested(ReferenceOut))


class GateOut(ResponseBody):
    gate_id = fields.String()
    description = fields.String()
    value = fields.Float(**Nullable)


class LevelOut(ResponseBody):
    level = fields.Integer()
    name = fields.String()
    min_score = fields.Float()
    gates = fields.List(fields.Nested(GateOut))


class ExportFormatOut(ResponseBody):
    format_id = fields.String()
    title = fields.String()
    open = fields.Boolean()


class LockInRuleOut(ResponseBody):
    code = fields.String()
    severity = fields.String(**_enum(SEVERITIES))
    reference = fields.String()


class LockInPolicyOut(ResponseBody):
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


class OrganisationOut(ResponseBody):
    org_id = fields.String()
    name = fields.String()
    peer_group = fields.String(**Nullable)
    declaration_signed_on = fields.String(**Nullable, metadata={"format": "date"})
    rank_services = fields.Boolean()
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class OrganisationPage(ResponseBody):
    items = fields.List(fields.Nested(OrganisationOut))
    next_cursor = fields.String(**Nullable)


class ServiceOut(ResponseBody):
    service_id = fields.String()
    org_id = fields.String()
    name = fields.String()
    department = fields.String()
    owner_email = fields.String()
    description = fields.String(**Nullable)
    phase = fields.String(**Nullable, **_enum([*PHASES, None]))
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class RetirementOut(ResponseBody):
    service_id = fields.String()
    retired = fields.Boolean()


class ServicePage(ResponseBody):
    items = fields.List(fields.Nested(ServiceOut))
    next_cursor = fields.String(**Nullable)


class FlagOut(ResponseBody):
    code = fields.String()
    severity = fields.String(**_enum(SEVERITIES))
    component_id = fields.String(**Nullable)
    message = fields.String()
    reference = fields.String()


class OrgFlagOut(FlagOut):
    supplier = fields.String()
    share = fields.Float()


class LockInOut(ResponseBody):
    risk = fields.String(**_enum(RISKS))
    flags = fields.List(fields.Nested(FlagOut))


class ContractOut(ResponseBody):
    start = fields.String(metadata={"format": "date"})
    end = fields.String(metadata={"format": "date"})
    auto_renew = fields.Boolean()
    annual_cost_gbp = fields.Float()


class InterfacesOut(ResponseBody):
    open_api = fields.Boolean()
    api_documented = fields.Boolean()
    api_extra_charge = fields.Boolean()


class DataOut(ResponseBody):
    export_formats = fields.List(fields.String())
    free_bulk_export = fields.Boolean()
    open_standards = fields.List(fields.String())


class ExitPlanOut(ResponseBody):
    exists = fields.Boolean()
    last_reviewed = fields.String(**Nullable, metadata={"format": "date"})


class ComponentOut(ResponseBody):
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


class ComponentList(ResponseBody):
    items = fields.List(fields.Nested(ComponentOut))


class LevelRef(ResponseBody):
    level = fields.Integer()
    name = fields.String()


class PrincipleScoreOut(ResponseBody):
    principle_id = fields.String()
    score = fields.Float(**Nullable)
    answered = fields.Integer()
    applicable = fields.Integer()


class ContributionOut(ResponseBody):
    question_id = fields.String()
    rating = fields.String(**_enum(RATINGS))
    weight = fields.Integer()
    points = fields.Float(**Nullable)
    max_points = fields.Float(**Nullable)


class ScoreOut(ResponseBody):
    overall = fields.Float()
    level = fields.Nested(LevelRef)
    principles = fields.List(fields.Nested(PrincipleScoreOut))
    contributions = fields.List(fields.Nested(ContributionOut))


class EvidenceOut(ResponseBody):
    url = fields.String()
    title = fields.String(**Nullable)
    valid_until = fields.String(**Nullable, metadata={"format": "date"})


class AnswerOut(ResponseBody):
    question_id = fields.String()
    rating = fields.String(**_enum(RATINGS))
    notes = fields.String(**Nullable)
    justification = fields.String(**Nullable)
    evidence = fields.List(fields.Nested(EvidenceOut))


class AssessmentOut(ResponseBody):
    assessment_id = fields.String()
    service_id = fields.String()
    framework_id = fields.String()
    submitted_at = fields.String(metadata={"format": "date-time"})
    submitted_by = fields.String(**Nullable, metadata={"description": "Who submitted it: email, else subject, or integration."})
    score = fields.Nested(ScoreOut)
    lock_in = fields.Nested(LockInOut)
    answers = fields.List(fields.Nested(AnswerOut))


class AssessmentDraftOut(ResponseBody):
    service_id = fields.String()
    framework_id = fields.String()
    based_on = fields.String(**Nullable, metadata={"description": "The assessment its answers were first copied from."})
    updated_at = fields.String(metadata={"format": "date-time"})
    answers = fields.List(fields.Nested(AnswerOut), metadata={"description": "The questions answered so far."})


class AssessmentPage(ResponseBody):
    items = fields.List(fields.Nested(AssessmentOut))
    next_cursor = fields.String(**Nullable)


class ScorecardExplanationOut(ResponseBody):
    """Added to the service scorecard beyond API.md (additive: no field changed or removed):
    the level's and the risk's reasons in words, from the domain (docs/scoring.md, section 14)."""

    level = fields.String(**Nullable, metadata={"description": "What keeps the score from the next level, with its numbers; null at the top level or when not assessed."})
    lock_in_risk = fields.String(**Nullable, metadata={"description": "The rule that made the lock-in risk; null when there are no flags."})


class ServiceScorecardOut(ResponseBody):
    service_id = fields.String()
    name = fields.String()
    status = fields.String(**_enum(["assessed", "not_assessed"]))
    assessment_id = fields.String(**Nullable)
    assessed_at = fields.String(**Nullable, metadata={"format": "date-time"})
    stale = fields.Boolean()
    score = fields.Nested(ScoreOut, **Nullable)
    lock_in = fields.Nested(LockInOut)
    explanation = fields.Nested(ScorecardExplanationOut)


class PrincipleAverage(ResponseBody):
    principle_id = fields.String()
    average = fields.Float(**Nullable)


class DepartmentOut(ResponseBody):
    department = fields.String()
    services = fields.Integer()
    services_assessed = fields.Integer()
    average_score = fields.Float(**Nullable)


class SupplierOut(ResponseBody):
    supplier = fields.String()
    services = fields.Integer()
    components = fields.Integer()


class ExpiringContractOut(ResponseBody):
    service_id = fields.String()
    component_id = fields.String()
    supplier = fields.String()
    end = fields.String(metadata={"format": "date"})
    exit_plan = fields.Boolean()


class ByRisk(ResponseBody):
    none = fields.Integer()
    low = fields.Integer()
    medium = fields.Integer()
    high = fields.Integer()
    critical = fields.Integer()


class OrgLockInOut(ResponseBody):
    by_risk = fields.Nested(ByRisk)
    flags = fields.List(fields.Nested(OrgFlagOut))
    top_suppliers = fields.List(fields.Nested(SupplierOut))
    expiring_contracts = fields.List(fields.Nested(ExpiringContractOut))


class ScorecardRow(ResponseBody):
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


class ProjectCounts(ResponseBody):
    total = fields.Integer()
    done = fields.Integer()
    overdue = fields.Integer(metadata={"description": "Not done, and the due date has passed."})


class HistoryPoint(ResponseBody):
    month = fields.String(metadata={"description": "YYYY-MM"})
    average_score = fields.Float(**Nullable)
    principles = fields.List(fields.Nested(PrincipleAverage))
    levels = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_risk = fields.Nested(ByRisk)
    services_assessed = fields.Integer()


class History(ResponseBody):
    items = fields.List(fields.Nested(HistoryPoint))


class OrgScorecardOut(ResponseBody):
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
    services = fields.List(
        fields.Nested(ScorecardRow),
        metadata={"description": "One page of the services (?limit=, default 100, at most 1,000); every other figure counts them all."},
    )
    services_next_cursor = fields.String(
        **Nullable, metadata={"description": "?cursor= for the next page of `services`; null on the last page."}
    )


class ActorOut(ResponseBody):
    subject = fields.String(**Nullable)
    email = fields.String(**Nullable)
    integration_id = fields.String(**Nullable)
    delivery_id = fields.String(**Nullable, metadata={"description": "The webhook-id of the integration's delivery."})


class AuditRecordOut(ResponseBody):
    audit_id = fields.String()
    at = fields.String(metadata={"format": "date-time"})
    actor = fields.Nested(ActorOut)
    action = fields.String()
    target = fields.String(metadata={"description": "The record's path below /orgs/{org_id}/ ('' for the organisation)."})


class AuditPage(ResponseBody):
    items = fields.List(fields.Nested(AuditRecordOut))
    next_cursor = fields.String(**Nullable)


class IntegrationOut(ResponseBody):
    integration_id = fields.String()
    name = fields.String()
    event_types = fields.List(fields.String())
    service_ids = fields.List(fields.String())
    created_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})


class IntegrationCreated(IntegrationOut):
    secret = fields.String(metadata={"description": "whsec_...: shown in this response only."})


class IntegrationList(ResponseBody):
    items = fields.List(fields.Nested(IntegrationOut))


class SecretOut(ResponseBody):
    secret = fields.String(metadata={"description": "The new whsec_... secret; the previous one verifies for 24 hours."})


class DeliveryOut(ResponseBody):
    delivery_id = fields.String()
    webhook_id = fields.String()
    received_at = fields.String(metadata={"format": "date-time"})
    event_type = fields.String(**Nullable)
    status = fields.String(**_enum(["processed", "duplicate", "rejected"]))
    http_status = fields.Integer()
    reason = fields.String(**Nullable)


class DeliveryPage(ResponseBody):
    items = fields.List(fields.Nested(DeliveryOut))
    next_cursor = fields.String(**Nullable)


class WebhookResult(ResponseBody):
    optional = ("result",)  # a duplicate has none

    status = fields.String(**_enum(["processed", "duplicate"]))
    result = fields.Dict(metadata={"description": "The component or assessment, as the HTTP API returns it."})


class ProjectOut(ResponseBody):
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


class ProjectList(ResponseBody):
    items = fields.List(fields.Nested(ProjectOut))
