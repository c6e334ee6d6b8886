"""The tracker's records. Everything an organisation owns carries its org_id; every write carries
who made it and when."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from fractions import Fraction

PHASES = ("discovery", "alpha", "beta", "live", "retiring")
COMPONENT_KINDS = ("saas", "cots", "bespoke", "open_source", "in_house")
HOSTINGS = ("public_cloud", "supplier_hosted", "on_premises")
CUSTOMISATIONS = ("none", "configuration", "heavy")
SOURCE_CODE = ("open", "escrow", "closed")
MAX_COMPONENTS_PER_SERVICE = 50


@dataclass(frozen=True)
class Actor:
    """Who made a write: a person (subject, email), or an integration through one delivery
    (integration_id, delivery_id: the sender's webhook-id, claimed once with the write)."""

    subject: str | None = None
    email: str | None = None
    integration_id: str | None = None
    delivery_id: str | None = None

    @property
    def label(self) -> str | None:
        if self.integration_id:
            return f"integration:{self.integration_id}"
        return self.email or self.subject


ANONYMOUS = Actor()


@dataclass(frozen=True)
class Stamp:
    at: datetime
    by: Actor


@dataclass(frozen=True)
class AuditRecord:
    """One successful write: who, what, on which record, when. Written in the write's transaction."""

    org_id: str
    audit_id: str
    at: datetime
    actor: Actor
    action: str  # e.g. "service.updated"
    target: str  # the record's path below the organisation, e.g. "services/01J.../components/crm"


DELIVERY_LOG_DAYS = 30
CLAIM_DAYS = 30  # longer than any Standard Webhooks sender keeps retrying
EVENT_TYPES = ("component.upserted", "assessment.submitted", "service.kpis.recorded", "org.kpis.recorded")


@dataclass(frozen=True)
class SealedSecret:
    """A webhook signing secret, encrypted; `retires_at` is set on the previous one after a rotation."""

    sealed: str
    retires_at: datetime | None = None


@dataclass(frozen=True)
class Integration:
    org_id: str
    integration_id: str
    name: str
    event_types: tuple[str, ...]
    service_ids: tuple[str, ...]
    secrets: tuple[SealedSecret, ...]
    created: Stamp
    updated: Stamp

    def secrets_valid_at(self, instant: datetime) -> list[SealedSecret]:
        return [s for s in self.secrets if s.retires_at is None or instant < s.retires_at]


@dataclass(frozen=True)
class Delivery:
    """A delivery whose signature verified: what became of it. Kept 30 days."""

    integration_id: str
    delivery_id: str  # a ULID of when it was received
    webhook_id: str
    received_at: datetime
    event_type: str | None
    status: str  # processed | duplicate | rejected
    http_status: int
    reason: str | None


PROJECT_STATUSES = ("planned", "in_progress", "done")


@dataclass(frozen=True)
class DeclarationProject:
    """The project a signatory commits to within a year of signing, in the four published fields."""

    org_id: str
    project_id: str
    title: str
    partners: tuple[str, ...]
    mission: str
    impact: str
    due: date
    status: str
    created: Stamp
    updated: Stamp

    def editable_fields(self) -> dict:
        return {
            "title": self.title,
            "partners": list(self.partners),
            "mission": self.mission,
            "impact": self.impact,
            "due": self.due.isoformat(),
            "status": self.status,
        }

    def overdue(self, today: date) -> bool:
        return self.status != "done" and self.due < today


@dataclass(frozen=True)
class Organisation:
    org_id: str
    name: str
    peer_group: str | None
    declaration_signed_on: date | None
    created: Stamp
    updated: Stamp
    # Order the organisation's scorecard by score, best first (a league table). Off by default:
    # ranking services against each other is the council's choice, not the tool's.
    rank_services: bool = False


@dataclass(frozen=True)
class Service:
    org_id: str
    service_id: str
    name: str
    department: str
    owner_email: str
    description: str | None
    phase: str | None
    created: Stamp
    updated: Stamp

    def editable_fields(self) -> dict:
        return {
            "name": self.name,
            "department": self.department,
            "owner_email": self.owner_email,
            "description": self.description,
            "phase": self.phase,
        }


EDITABLE_SERVICE_FIELDS = ("name", "department", "owner_email", "description", "phase")


@dataclass(frozen=True)
class Contract:
    start: date
    end: date
    auto_renew: bool
    annual_cost_gbp: float


CONTRACT_ENDS_BEFORE_START = "the contract cannot end before it starts"


def contract_date_errors(start: date | None, end: date | None) -> dict[str, list[str]]:
    """A contract cannot end before it starts: on the dates as given, so that a form shows this
    with its other problems rather than after they are fixed."""
    if start is not None and end is not None and end < start:
        return {"contract.end": [CONTRACT_ENDS_BEFORE_START]}
    return {}


@dataclass(frozen=True)
class Interfaces:
    open_api: bool
    api_documented: bool
    api_extra_charge: bool


@dataclass(frozen=True)
class DataExport:
    export_formats: tuple[str, ...]
    free_bulk_export: bool
    open_standards: tuple[str, ...]


@dataclass(frozen=True)
class ExitPlan:
    exists: bool
    last_reviewed: date | None


@dataclass(frozen=True)
class ComponentSpec:
    """The technology a service runs on, as the client describes it (the PUT body)."""

    supplier: str
    product: str
    kind: str
    hosting: str
    contract: Contract | None
    interfaces: Interfaces
    data: DataExport
    exit_plan: ExitPlan
    customisation: str
    source_code: str


@dataclass(frozen=True)
class Component:
    org_id: str
    service_id: str
    component_id: str
    spec: ComponentSpec
    created: Stamp
    updated: Stamp


@dataclass(frozen=True)
class Evidence:
    url: str
    title: str | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class Answer:
    question_id: str
    rating: str
    notes: str | None = None
    justification: str | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class PrincipleScore:
    principle_id: str
    score: Fraction | None
    answered: int
    applicable: int


@dataclass(frozen=True)
class Contribution:
    question_id: str
    rating: str
    weight: int
    points: Fraction | None
    max_points: int | None


@dataclass(frozen=True)
class Score:
    """Exact values; only what is reported is rounded (domain.scoring.report_number)."""

    overall: Fraction
    level: int
    level_name: str
    principles: tuple[PrincipleScore, ...]
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    component_id: str | None
    message: str
    reference: str
    supplier: str | None = None
    share: float | None = None


@dataclass(frozen=True)
class LockIn:
    risk: str
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class Assessment:
    org_id: str
    service_id: str
    assessment_id: str
    framework_id: str
    answers: tuple[Answer, ...]
    score: Score
    lock_in: LockIn
    submitted: Stamp

    def evidence_expires_on(self) -> date | None:
        """The earliest valid_until any evidence cites: the day after it, the assessment is stale."""
        dates = [e.valid_until for a in self.answers for e in a.evidence if e.valid_until]
        return min(dates) if dates else None


@dataclass(frozen=True)
class LatestAssessment:
    """What a service's summary keeps of its latest assessment, enough to judge it when read and
    to list it: its score without the per-question contributions (a third of a summary's bytes,
    which only the service scorecard shows: it reads them from the assessment), and the questions
    rated red (what the level's explanation names)."""

    assessment_id: str
    framework_id: str
    submitted_at: datetime
    score: Score
    evidence_expires_on: date | None
    red_questions: tuple[str, ...] = ()

    @staticmethod
    def of(assessment: "Assessment") -> "LatestAssessment":
        score = assessment.score
        return LatestAssessment(
            assessment_id=assessment.assessment_id,
            framework_id=assessment.framework_id,
            submitted_at=assessment.submitted.at,
            score=replace(score, contributions=()),
            evidence_expires_on=assessment.evidence_expires_on(),
            red_questions=tuple(c.question_id for c in score.contributions if c.rating == "red"),
        )

    def reds(self) -> tuple[str, ...]:
        """The questions rated red (a summary kept before it was lean has them in its score)."""
        return self.red_questions or tuple(c.question_id for c in self.score.contributions if c.rating == "red")


@dataclass(frozen=True)
class ServiceSummary:
    """The per-service read model behind both scorecards, kept current on every write."""

    org_id: str
    service_id: str
    name: str
    department: str
    owner_email: str
    components: dict[str, Component] = field(default_factory=dict)
    latest: LatestAssessment | None = None
    # Retired: kept with its history and readable, but out of the organisation's figures.
    retired: bool = False

    def component_specs(self) -> dict[str, ComponentSpec]:
        return {cid: c.spec for cid, c in self.components.items()}


@dataclass(frozen=True)
class AssessmentDraft:
    """One person's assessment of a service in the making: the answers given so far (any subset
    of the questions), kept until it is submitted or thrown away. `person` is the signed-in
    subject, so a draft is resumed from any device but never seen by another person.
    `based_on`: the assessment its answers were first copied from (a reassessment), if any."""

    org_id: str
    service_id: str
    person: str
    framework_id: str
    answers: tuple[Answer, ...]
    based_on: str | None
    updated: Stamp
