"""Scorecards for one service and for a whole organisation, computed from service summaries.

Pure functions of the summaries, the catalogue and today's date: staleness, expiry and
date-dependent lock-in flags are judged at read time."""

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from chalicelib.domain.catalogue import Framework
from chalicelib.domain.clock import add_months, london_date
from chalicelib.domain.lockin import explain_risk, service_lock_in, supplier_concentration
from chalicelib.domain.model import Assessment, DeclarationProject, Flag, LatestAssessment, LockIn, Score, ServiceSummary
from chalicelib.domain.scoring import explain_level

RISKS = ("none", "low", "medium", "high", "critical")
TOP_SUPPLIERS = 10
STALE_AFTER_MONTHS = 12


@dataclass(frozen=True)
class ServiceScorecard:
    service_id: str
    name: str
    department: str
    owner_email: str
    assessment_id: str | None
    assessed_at: datetime | None
    stale: bool
    score: Score | None
    lock_in: LockIn
    retired: bool = False
    level_explanation: str | None = None  # what holds the level back (scoring.explain_level)

    @property
    def status(self) -> str:
        return "assessed" if self.score else "not_assessed"

    @property
    def risk_explanation(self) -> str | None:
        return explain_risk(self.lock_in.flags)


@dataclass(frozen=True)
class DepartmentLine:
    department: str
    services: int
    services_assessed: int
    average_score: Fraction | None


@dataclass(frozen=True)
class SupplierLine:
    supplier: str
    services: int
    components: int


@dataclass(frozen=True)
class ExpiringContract:
    service_id: str
    component_id: str
    supplier: str
    end: date
    exit_plan: bool


@dataclass(frozen=True)
class OrgScorecard:
    org_id: str
    services: tuple[ServiceScorecard, ...]
    average_score: Fraction | None
    principles: tuple[tuple[str, Fraction | None], ...]
    levels: dict[str, int]
    departments: tuple[DepartmentLine, ...]
    by_risk: dict[str, int]
    flags: tuple[Flag, ...]
    top_suppliers: tuple[SupplierLine, ...]
    expiring_contracts: tuple[ExpiringContract, ...]
    projects: dict[str, int]  # declaration projects: total, done, overdue
    services_total: int = 0  # every figure counts all services, `services` may be one page
    services_assessed: int = 0
    services_next_cursor: str | None = None


def is_stale(latest: LatestAssessment | None, today: date) -> bool:
    """Submitted more than 12 months ago, or citing evidence whose valid_until has passed."""
    if latest is None:
        return False
    if london_date(latest.submitted_at) < add_months(today, -STALE_AFTER_MONTHS):
        return True
    return latest.evidence_expires_on is not None and latest.evidence_expires_on < today


def why_stale(assessment: Assessment, today: date) -> list[str]:
    """What makes the assessment out of date, by the rules of is_stale: its date when it is over
    the age limit, and each piece of evidence past its valid_until (title or URL, question, the
    date it expired). Empty when it is not stale."""
    reasons = []
    submitted = london_date(assessment.submitted.at)
    if submitted < add_months(today, -STALE_AFTER_MONTHS):
        reasons.append(f"It was submitted on {_day(submitted)}, more than {STALE_AFTER_MONTHS} months ago.")
    for answer in assessment.answers:
        for evidence in answer.evidence:
            if evidence.valid_until is not None and evidence.valid_until < today:
                reasons.append(
                    f"The evidence \u201c{evidence.title or evidence.url}\u201d for question {answer.question_id} "
                    f"was valid until {_day(evidence.valid_until)}."
                )
    return reasons


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def service_scorecard(summary: ServiceSummary, framework: Framework, today: date) -> ServiceScorecard:
    latest = summary.latest
    return ServiceScorecard(
        service_id=summary.service_id,
        name=summary.name,
        department=summary.department,
        owner_email=summary.owner_email,
        assessment_id=latest.assessment_id if latest else None,
        assessed_at=latest.submitted_at if latest else None,
        stale=is_stale(latest, today),
        score=latest.score if latest else None,
        lock_in=service_lock_in(summary.component_specs(), framework.lock_in, framework.open_format_ids(), today),
        retired=summary.retired,
        # By the current framework's levels: a revision keeps its levels (docs/scoring.md, 13).
        level_explanation=explain_level(framework, latest.score, latest.reds()) if latest else None,
    )


def _mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def org_scorecard(
    org_id: str,
    summaries: list[ServiceSummary],
    framework: Framework,
    today: date,
    department: str | None = None,
    rank_services: bool = False,
    projects: list[DeclarationProject] = (),
) -> OrgScorecard:
    """Services are listed by department, name and id; with `rank_services`, by score, best
    first (services not assessed last), then the same. Retired services are left out of
    every figure."""
    summaries = [s for s in summaries if not s.retired]
    if department is not None:
        summaries = [s for s in summaries if s.department == department]
    summaries = sorted(summaries, key=lambda s: (s.department, s.name, s.service_id))
    cards = tuple(service_scorecard(s, framework, today) for s in summaries)
    if rank_services:
        cards = tuple(sorted(cards, key=lambda c: (c.score is None, -(c.score.overall if c.score else 0))))
    assessed = [c for c in cards if c.score]

    principles = tuple(
        (
            p.principle_id,
            _mean(
                [
                    ps.score
                    for c in assessed
                    for ps in c.score.principles
                    if ps.principle_id == p.principle_id and ps.score is not None
                ]
            ),
        )
        for p in framework.principles
    )
    levels = {lv.name: 0 for lv in framework.levels}
    for card in assessed:
        levels[card.score.level_name] = levels.get(card.score.level_name, 0) + 1

    departments = []
    for name in sorted({c.department for c in cards}):
        mine = [c for c in cards if c.department == name]
        scored = [c.score.overall for c in mine if c.score]
        departments.append(DepartmentLine(name, len(mine), len(scored), _mean(scored)))

    by_risk = {risk: 0 for risk in RISKS}
    for card in cards:
        by_risk[card.lock_in.risk] += 1

    return OrgScorecard(
        org_id=org_id,
        services=cards,
        average_score=_mean([c.score.overall for c in assessed]),
        principles=principles,
        levels=levels,
        departments=tuple(departments),
        by_risk=by_risk,
        flags=tuple(_concentration(summaries, framework)),
        top_suppliers=tuple(_top_suppliers(summaries)),
        expiring_contracts=tuple(_expiring(summaries, framework, today)),
        projects={
            "total": len(projects),
            "done": sum(1 for p in projects if p.status == "done"),
            "overdue": sum(1 for p in projects if p.overdue(today)),
        },
        services_total=len(cards),
        services_assessed=len(assessed),
    )


def _supplier_key(name: str) -> str:
    return name.strip().casefold()


def _display_names(summaries: list[ServiceSummary]) -> dict[str, str]:
    """Suppliers are grouped case-insensitively and shown as first entered (oldest component
    record first; ties by service and component id so the choice is stable)."""
    names: dict[str, str] = {}
    entries = [
        (c.created.at, s.service_id, cid, c.spec.supplier) for s in summaries for cid, c in s.components.items()
    ]
    for *_, supplier in sorted(entries):
        names.setdefault(_supplier_key(supplier), supplier.strip())
    return names


def _concentration(summaries: list[ServiceSummary], framework: Framework) -> list[Flag]:
    suppliers_by_service = {
        s.service_id: {_supplier_key(c.spec.supplier) for c in s.components.values()} for s in summaries
    }
    return supplier_concentration(suppliers_by_service, _display_names(summaries), framework.lock_in)


def _top_suppliers(summaries: list[ServiceSummary]) -> list[SupplierLine]:
    names = _display_names(summaries)
    services: dict[str, set[str]] = {}
    components: dict[str, int] = {}
    for summary in summaries:
        for component in summary.components.values():
            key = _supplier_key(component.spec.supplier)
            services.setdefault(key, set()).add(summary.service_id)
            components[key] = components.get(key, 0) + 1
    lines = [SupplierLine(names[k], len(services[k]), components[k]) for k in services]
    lines.sort(key=lambda line: (-line.services, -line.components, line.supplier.casefold()))
    return lines[:TOP_SUPPLIERS]


def _expiring(summaries: list[ServiceSummary], framework: Framework, today: date) -> list[ExpiringContract]:
    horizon = add_months(today, framework.lock_in.expiry_window_months)
    rows = [
        ExpiringContract(s.service_id, cid, c.spec.supplier, c.spec.contract.end, c.spec.exit_plan.exists)
        for s in summaries
        for cid, c in s.components.items()
        if c.spec.contract is not None and today <= c.spec.contract.end <= horizon
    ]
    rows.sort(key=lambda r: (r.end, r.service_id, r.component_id))
    return rows


@dataclass(frozen=True)
class MonthlySnapshot:
    """An organisation's headline figures for one month, kept for the trend."""

    org_id: str
    month: str  # YYYY-MM
    average_score: Fraction | None
    principles: tuple[tuple[str, Fraction | None], ...]
    levels: dict[str, int]
    by_risk: dict[str, int]
    services_assessed: int
    taken_at: datetime


def snapshot_of(card: OrgScorecard, month: str, taken_at: datetime) -> MonthlySnapshot:
    return MonthlySnapshot(
        org_id=card.org_id,
        month=month,
        average_score=card.average_score,
        principles=card.principles,
        levels=dict(card.levels),
        by_risk=dict(card.by_risk),
        services_assessed=card.services_assessed,
        taken_at=taken_at,
    )
