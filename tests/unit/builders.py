"""Small factories for the pure-domain unit tests.

Every factory returns a valid record with sensible defaults; a test overrides only what it is
about, so the reader sees the one thing that matters.
"""

import dataclasses
import json
from datetime import date, datetime, timezone
from fractions import Fraction
from pathlib import Path

import chalicelib.frameworks
from chalicelib.domain.catalogue import Framework, framework_from_dict
from chalicelib.domain.model import (
    ANONYMOUS,
    Answer,
    Component,
    ComponentSpec,
    Contract,
    DataExport,
    Evidence,
    ExitPlan,
    Interfaces,
    LatestAssessment,
    PrincipleScore,
    Score,
    ServiceSummary,
    Stamp,
)

UTC = timezone.utc
ORG = "testshire"
TODAY = date(2026, 3, 15)
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
JUSTIFICATION = "The service does not do this, by design."

_LDD_FILE = Path(chalicelib.frameworks.__file__).parent / "ldd-2018.json"


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def stamp(instant: datetime = NOW) -> Stamp:
    return Stamp(instant, ANONYMOUS)


# --- synthetic frameworks ------------------------------------------------------------------


def framework(
    questions: list[tuple[str, str, int]],
    levels: list[dict],
    principles: list[str] | None = None,
    framework_id: str = "test-fw",
) -> Framework:
    """A framework from (question_id, principle_id, weight) triples and level dicts
    (`level`, `name`, `min_score`, `gates` as [(gate_id, value)]). The export formats and the
    lock-in policy are borrowed from the shipped ldd-2018 data file."""
    shipped = json.loads(_LDD_FILE.read_text(encoding="utf-8"))
    principle_ids = principles or list(dict.fromkeys(pid for _, pid, _ in questions))
    data = {
        "framework_id": framework_id,
        "title": "Test framework",
        "version": "0.0.1",
        "published": "2026-01-01",
        "sources": [],
        "principles": [{"principle_id": pid, "title": pid, "summary": pid} for pid in principle_ids],
        "questions": [
            {
                "question_id": qid,
                "principle_id": pid,
                "text": f"Question {qid}?",
                "guidance": "",
                "weight": weight,
                "references": [],
            }
            for qid, pid, weight in questions
        ],
        "levels": [
            {
                "level": lv["level"],
                "name": lv["name"],
                "min_score": lv["min_score"],
                "gates": [
                    {"gate_id": gate_id, "description": gate_id, "value": value}
                    for gate_id, value in lv.get("gates", ())
                ],
            }
            for lv in levels
        ],
        "export_formats": shipped["export_formats"],
        "lock_in": shipped["lock_in"],
    }
    return framework_from_dict(data)


def answers(mapping: dict[str, str] | None = None, /, **ratings: str) -> list[Answer]:
    """Answers in the given order; a not_applicable answer gets a justification."""
    ratings = {**(mapping or {}), **ratings}
    return [
        Answer(qid, rating, justification=JUSTIFICATION if rating == "not_applicable" else None)
        for qid, rating in ratings.items()
    ]


def all_rated(fw: Framework, rating: str) -> list[Answer]:
    return answers({q.question_id: rating for q in fw.questions})


# --- components ----------------------------------------------------------------------------


def interfaces(open_api: bool = True, api_documented: bool = True, api_extra_charge: bool = False) -> Interfaces:
    return Interfaces(open_api, api_documented, api_extra_charge)


def data_export(
    export_formats: tuple[str, ...] = ("csv",), free_bulk_export: bool = True, open_standards: tuple[str, ...] = ()
) -> DataExport:
    return DataExport(tuple(export_formats), free_bulk_export, tuple(open_standards))


def exit_plan(exists: bool = True, last_reviewed: date | None = TODAY) -> ExitPlan:
    return ExitPlan(exists, last_reviewed)


def contract(start: date, end: date, auto_renew: bool = False, annual_cost_gbp: float = 10_000.0) -> Contract:
    return Contract(start, end, auto_renew, annual_cost_gbp)


def component_spec(**overrides) -> ComponentSpec:
    """A component that raises no lock-in flag on TODAY (no contract, an exit plan reviewed
    TODAY, a documented free API, free bulk export in CSV, configured only)."""
    base = ComponentSpec(
        supplier="Acme Ltd",
        product="Casebook",
        kind="saas",
        hosting="public_cloud",
        contract=None,
        interfaces=interfaces(),
        data=data_export(),
        exit_plan=exit_plan(),
        customisation="configuration",
        source_code="closed",
    )
    return dataclasses.replace(base, **overrides)


def component(
    component_id: str = "crm", created_at: datetime = NOW, service_id: str = "svc", **spec_overrides
) -> Component:
    return Component(ORG, service_id, component_id, component_spec(**spec_overrides), stamp(created_at), stamp(created_at))


# --- scores, assessments and summaries -----------------------------------------------------


def score(
    overall: Fraction | int,
    level: int = 1,
    level_name: str = "Beginning",
    principles: dict[str, Fraction | int | None] | None = None,
) -> Score:
    """A Score as the scoring code would store it; principles default to every one equal to
    the overall."""
    overall = Fraction(overall)
    if principles is None:
        principles = {pid: overall for pid in ("P1", "P2", "P3", "P4", "P5")}
    return Score(
        overall=overall,
        level=level,
        level_name=level_name,
        principles=tuple(
            PrincipleScore(pid, None if s is None else Fraction(s), 4, 0 if s is None else 4)
            for pid, s in principles.items()
        ),
        contributions=(),
    )


def latest(
    score_: Score | None = None,
    submitted_at: datetime = NOW,
    evidence_expires_on: date | None = None,
    assessment_id: str = "01HZZZZZZZZZZZZZZZZZZZZZZZ",
    framework_id: str = "ldd-2018",
) -> LatestAssessment:
    return LatestAssessment(
        assessment_id=assessment_id,
        framework_id=framework_id,
        submitted_at=submitted_at,
        score=score_ if score_ is not None else score(50),
        evidence_expires_on=evidence_expires_on,
    )


def summary(
    service_id: str = "svc",
    name: str = "Report a pothole",
    department: str = "Highways",
    components: list[Component] = (),
    latest: LatestAssessment | None = None,
    owner_email: str = "owner@testshire.gov.uk",
) -> ServiceSummary:
    """A service summary; the components are re-homed to this service."""
    return ServiceSummary(
        org_id=ORG,
        service_id=service_id,
        name=name,
        department=department,
        owner_email=owner_email,
        components={c.component_id: dataclasses.replace(c, service_id=service_id) for c in components},
        latest=latest,
    )


def evidence(url: str = "https://example.gov.uk/evidence", valid_until: date | None = None) -> Evidence:
    return Evidence(url=url, title=None, valid_until=valid_until)
