"""Request bodies. Unknown fields are refused (marshmallow's default), and so are wrong types."""

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from chalicelib.domain.catalogue import RATINGS
from chalicelib.domain.plain import from_plain
from chalicelib.frameworks import current_framework, load_catalogue
from chalicelib.domain.model import (
    COMPONENT_KINDS,
    CUSTOMISATIONS,
    Answer,
    ComponentSpec,
    EVENT_TYPES,
    HOSTINGS,
    PHASES,
    PROJECT_STATUSES,
    SOURCE_CODE,
    CONTRACT_ENDS_BEFORE_START,
    contract_date_errors,
)
from chalicelib.schemas.fields import (
    COMPONENT_SLUG,
    TEXT_MAX,
    ULID,
    HttpUrl,
    Name,
    StrictBoolean,
    StrictDate,
    StrictNumber,
    Text,
)

MAX_EVIDENCE = 10
MAX_ANSWERS = 200
MAX_FORMATS = 50
NOT_EMPTY_TEXT = validate.Length(min=1, max=TEXT_MAX)


class OrganisationIn(Schema):
    name = Name(required=True)
    peer_group = Name(allow_none=True, load_default=None)
    declaration_signed_on = StrictDate(allow_none=True, load_default=None)
    rank_services = StrictBoolean(
        load_default=False,
        metadata={"description": "Order the organisation scorecard by score, best first. Off unless set."},
    )


class ServiceIn(Schema):
    name = Name(required=True)
    department = Name(required=True)
    owner_email = fields.Email(required=True, validate=validate.Length(max=254))
    description = Text(allow_none=True, load_default=None)
    phase = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(PHASES))


class ServicePatch(Schema):
    """A JSON merge patch: a field set to null is removed (refused for required fields)."""

    name = Name(allow_none=True)
    department = Name(allow_none=True)
    owner_email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    description = Text(allow_none=True)
    phase = fields.String(allow_none=True, validate=validate.OneOf(PHASES))


class ContractIn(Schema):
    start = StrictDate(required=True)
    end = StrictDate(required=True)
    auto_renew = StrictBoolean(required=True)
    annual_cost_gbp = StrictNumber(required=True, validate=validate.Range(min=0, max=1e12))

    @validates_schema
    def _ends_after_start(self, data, **kwargs):
        if contract_date_errors(data["start"], data["end"]):
            raise ValidationError(CONTRACT_ENDS_BEFORE_START, field_name="end")


class InterfacesIn(Schema):
    open_api = StrictBoolean(required=True, metadata={"description": "An API the council may use for the system's significant functions."})
    api_documented = StrictBoolean(required=True, metadata={"description": "That API's documentation is available to the council."})
    api_extra_charge = StrictBoolean(required=True)


class DataIn(Schema):
    export_formats = fields.List(
        # The catalogue decides which ids exist (a 422 names an unknown one); listed here for the document.
        fields.String(
            validate=validate.Length(min=1, max=64),
            metadata={"enum": sorted(f.format_id for f in current_framework().export_formats)},
        ),
        required=True,
        validate=validate.Length(max=MAX_FORMATS),
        metadata={"description": "Format ids from the catalogue's export_formats."},
    )
    free_bulk_export = StrictBoolean(required=True)
    open_standards = fields.List(Name(), load_default=list, validate=validate.Length(max=MAX_FORMATS))


class ExitPlanIn(Schema):
    exists = StrictBoolean(required=True)
    last_reviewed = StrictDate(allow_none=True, load_default=None)


class ComponentIn(Schema):
    supplier = Name(required=True)
    product = Name(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(COMPONENT_KINDS))
    hosting = fields.String(required=True, validate=validate.OneOf(HOSTINGS))
    contract = fields.Nested(ContractIn, allow_none=True, load_default=None)
    interfaces = fields.Nested(InterfacesIn, required=True)
    data = fields.Nested(DataIn, required=True)
    exit_plan = fields.Nested(ExitPlanIn, required=True)
    customisation = fields.String(required=True, validate=validate.OneOf(CUSTOMISATIONS))
    source_code = fields.String(required=True, validate=validate.OneOf(SOURCE_CODE))

    @post_load
    def _spec(self, data, **kwargs) -> ComponentSpec:
        return from_plain(ComponentSpec, data)


class EvidenceIn(Schema):
    url = HttpUrl(required=True)
    title = Name(allow_none=True, load_default=None)
    valid_until = StrictDate(allow_none=True, load_default=None)


class AnswerIn(Schema):
    question_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    rating = fields.String(required=True, validate=validate.OneOf(RATINGS))
    notes = Text(allow_none=True, load_default=None)
    justification = Text(allow_none=True, load_default=None, metadata={"description": "Required when not_applicable."})
    evidence = fields.List(fields.Nested(EvidenceIn), load_default=list, validate=validate.Length(max=MAX_EVIDENCE))

    @post_load
    def _answer(self, data, **kwargs) -> Answer:
        return from_plain(Answer, data)


class AssessmentIn(Schema):
    framework_id = fields.String(
        required=True, validate=validate.Length(min=1, max=64), metadata={"enum": sorted(load_catalogue())}
    )
    answers = fields.List(fields.Nested(AnswerIn), required=True, validate=validate.Length(min=1, max=MAX_ANSWERS))


class AssessmentDraftIn(AssessmentIn):
    """An assessment's body whose answers may still leave questions unanswered."""

    answers = fields.List(fields.Nested(AnswerIn), required=True, validate=validate.Length(max=MAX_ANSWERS))


class IntegrationIn(Schema):
    name = Name(required=True)
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
    )
    service_ids = fields.List(
        fields.String(validate=validate.Regexp(ULID)),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "When given, the integration may send events for these services only."},
    )


class WebhookEnvelope(Schema):
    """A delivery's body: the event type and its data, checked further by the type's schema."""

    type = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"enum": list(EVENT_TYPES)})
    data = fields.Dict(required=True)


class ComponentUpserted(Schema):
    """`component.upserted`: what PUT .../components/{component_id} takes, with where it goes."""

    service_id = fields.String(required=True, validate=validate.Regexp(ULID))
    component_id = fields.String(required=True, validate=validate.Regexp(COMPONENT_SLUG))
    component = fields.Nested(ComponentIn, required=True)


class AssessmentSubmitted(AssessmentIn):
    """`assessment.submitted`: what POST .../assessments takes, with the service it is for."""

    service_id = fields.String(required=True, validate=validate.Regexp(ULID))


class ProjectIn(Schema):
    """The four published fields of a declaration project, and when it is due."""

    title = Name(required=True, metadata={"description": "A specific, time-bound problem."})
    partners = fields.List(Name(), required=True, validate=validate.Length(max=50), metadata={"description": "Organisations that have agreed to take part."})
    mission = Text(required=True, validate=NOT_EMPTY_TEXT, metadata={"description": "What will be delivered within the year."})
    impact = Text(required=True, validate=NOT_EMPTY_TEXT, metadata={"description": "Which users benefit, and how."})
    due = StrictDate(allow_none=True, load_default=None, metadata={"description": "Defaults to a year after declaration_signed_on."})


class ProjectPatch(Schema):
    title = Name(allow_none=True)
    partners = fields.List(Name(), allow_none=True, validate=validate.Length(max=50))
    mission = Text(allow_none=True, validate=NOT_EMPTY_TEXT)
    impact = Text(allow_none=True, validate=NOT_EMPTY_TEXT)
    due = StrictDate(allow_none=True)
    status = fields.String(allow_none=True, validate=validate.OneOf(PROJECT_STATUSES))


class ServiceKpisRecorded(Schema):
    """`service.kpis.recorded`: what PUT .../services/{service_id}/kpis/{period} takes, with where."""

    service_id = fields.String(required=True, validate=validate.Regexp(ULID))
    period = fields.String(required=True, validate=validate.Length(min=4, max=7), metadata={"description": "YYYY, YYYY-Qn or YYYY-MM"})
    values = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)


class OrgKpisRecorded(Schema):
    """`org.kpis.recorded`: what PUT /orgs/{org_id}/kpis/{period} takes, with the period."""

    period = fields.String(required=True, validate=validate.Length(min=4, max=7), metadata={"description": "YYYY, YYYY-Qn or YYYY-MM"})
    values = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
