"""Plain-dict forms of domain records, for storage and for loading validated request bodies.

Dates are ISO strings, instants RFC 3339 UTC strings, exact scores "numerator/denominator"."""

import hashlib
import json
from datetime import date, datetime, timezone
from fractions import Fraction
from typing import Any

from chalicelib.domain.model import (
    Actor,
    Answer,
    ComponentSpec,
    Contract,
    Contribution,
    DataExport,
    Evidence,
    ExitPlan,
    Flag,
    Interfaces,
    LatestAssessment,
    LockIn,
    PrincipleScore,
    Score,
    Stamp,
)
from chalicelib.domain.scorecards import MonthlySnapshot


def content_etag(fields: dict[str, Any]) -> str:
    """A strong ETag over a record's own content: equal content, equal tag."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def iso_instant(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _fraction(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _unfraction(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


def actor_to_dict(actor: Actor) -> dict:
    return {
        "subject": actor.subject,
        "email": actor.email,
        "integration_id": actor.integration_id,
        "delivery_id": actor.delivery_id,
    }


def actor_from_dict(data: dict) -> Actor:
    return Actor(data.get("subject"), data.get("email"), data.get("integration_id"), data.get("delivery_id"))


def stamp_to_dict(stamp: Stamp) -> dict:
    return {"at": iso_instant(stamp.at), "by": actor_to_dict(stamp.by)}


def stamp_from_dict(data: dict) -> Stamp:
    return Stamp(parse_instant(data["at"]), actor_from_dict(data["by"]))


def spec_to_dict(spec: ComponentSpec) -> dict:
    contract = spec.contract
    return {
        "supplier": spec.supplier,
        "product": spec.product,
        "kind": spec.kind,
        "hosting": spec.hosting,
        "contract": None
        if contract is None
        else {
            "start": contract.start.isoformat(),
            "end": contract.end.isoformat(),
            "auto_renew": contract.auto_renew,
            "annual_cost_gbp": contract.annual_cost_gbp,
        },
        "interfaces": {
            "open_api": spec.interfaces.open_api,
            "api_documented": spec.interfaces.api_documented,
            "api_extra_charge": spec.interfaces.api_extra_charge,
        },
        "data": {
            "export_formats": list(spec.data.export_formats),
            "free_bulk_export": spec.data.free_bulk_export,
            "open_standards": list(spec.data.open_standards),
        },
        "exit_plan": {"exists": spec.exit_plan.exists, "last_reviewed": _iso(spec.exit_plan.last_reviewed)},
        "customisation": spec.customisation,
        "source_code": spec.source_code,
    }


def spec_from_dict(data: dict) -> ComponentSpec:
    """Accepts dates as ISO strings or date objects (marshmallow loads them as dates)."""
    as_date = lambda v: v if isinstance(v, date) or v is None else date.fromisoformat(v)  # noqa: E731
    contract = data.get("contract")
    return ComponentSpec(
        supplier=data["supplier"],
        product=data["product"],
        kind=data["kind"],
        hosting=data["hosting"],
        contract=None
        if contract is None
        else Contract(
            start=as_date(contract["start"]),
            end=as_date(contract["end"]),
            auto_renew=contract["auto_renew"],
            annual_cost_gbp=float(contract["annual_cost_gbp"]),
        ),
        interfaces=Interfaces(**data["interfaces"]),
        data=DataExport(
            export_formats=tuple(data["data"]["export_formats"]),
            free_bulk_export=data["data"]["free_bulk_export"],
            open_standards=tuple(data["data"].get("open_standards", ())),
        ),
        exit_plan=ExitPlan(exists=data["exit_plan"]["exists"], last_reviewed=as_date(data["exit_plan"].get("last_reviewed"))),
        customisation=data["customisation"],
        source_code=data["source_code"],
    )


def answer_to_dict(answer: Answer) -> dict:
    return {
        "question_id": answer.question_id,
        "rating": answer.rating,
        "notes": answer.notes,
        "justification": answer.justification,
        "evidence": [{"url": e.url, "title": e.title, "valid_until": _iso(e.valid_until)} for e in answer.evidence],
    }


def answer_from_dict(data: dict) -> Answer:
    as_date = lambda v: v if isinstance(v, date) or v is None else date.fromisoformat(v)  # noqa: E731
    return Answer(
        question_id=data["question_id"],
        rating=data["rating"],
        notes=data.get("notes"),
        justification=data.get("justification"),
        evidence=tuple(
            Evidence(url=e["url"], title=e.get("title"), valid_until=as_date(e.get("valid_until")))
            for e in data.get("evidence") or ()
        ),
    )


def score_to_dict(score: Score) -> dict:
    return {
        "overall": _fraction(score.overall),
        "level": score.level,
        "level_name": score.level_name,
        "principles": [
            {"principle_id": p.principle_id, "score": _fraction(p.score), "answered": p.answered, "applicable": p.applicable}
            for p in score.principles
        ],
        "contributions": [
            {
                "question_id": c.question_id,
                "rating": c.rating,
                "weight": c.weight,
                "points": _fraction(c.points),
                "max_points": c.max_points,
            }
            for c in score.contributions
        ],
    }


def score_from_dict(data: dict) -> Score:
    return Score(
        overall=Fraction(data["overall"]),
        level=data["level"],
        level_name=data["level_name"],
        principles=tuple(
            PrincipleScore(p["principle_id"], _unfraction(p["score"]), p["answered"], p["applicable"])
            for p in data["principles"]
        ),
        contributions=tuple(
            Contribution(c["question_id"], c["rating"], c["weight"], _unfraction(c["points"]), c["max_points"])
            for c in data["contributions"]
        ),
    )


def flag_to_dict(flag: Flag) -> dict:
    return {
        "code": flag.code,
        "severity": flag.severity,
        "component_id": flag.component_id,
        "message": flag.message,
        "reference": flag.reference,
        "supplier": flag.supplier,
        "share": flag.share,
    }


def lock_in_to_dict(lock_in: LockIn) -> dict:
    return {"risk": lock_in.risk, "flags": [flag_to_dict(f) for f in lock_in.flags]}


def lock_in_from_dict(data: dict) -> LockIn:
    return LockIn(data["risk"], tuple(Flag(**f) for f in data["flags"]))


def snapshot_figures_to_dict(snapshot: MonthlySnapshot) -> dict:
    return {
        "average_score": _fraction(snapshot.average_score),
        "principles": [[pid, _fraction(value)] for pid, value in snapshot.principles],
        "levels": snapshot.levels,
        "by_risk": snapshot.by_risk,
        "services_assessed": snapshot.services_assessed,
    }


def snapshot_from_dict(org_id: str, month: str, figures: dict, taken_at: datetime) -> MonthlySnapshot:
    return MonthlySnapshot(
        org_id=org_id,
        month=month,
        average_score=_unfraction(figures["average_score"]),
        principles=tuple((pid, _unfraction(value)) for pid, value in figures["principles"]),
        levels=figures["levels"],
        by_risk=figures["by_risk"],
        services_assessed=figures["services_assessed"],
        taken_at=taken_at,
    )


def latest_to_dict(latest: LatestAssessment) -> dict:
    return {
        "assessment_id": latest.assessment_id,
        "framework_id": latest.framework_id,
        "submitted_at": iso_instant(latest.submitted_at),
        "score": score_to_dict(latest.score),
        "evidence_expires_on": _iso(latest.evidence_expires_on),
    }


def latest_from_dict(data: dict) -> LatestAssessment:
    return LatestAssessment(
        assessment_id=data["assessment_id"],
        framework_id=data["framework_id"],
        submitted_at=parse_instant(data["submitted_at"]),
        score=score_from_dict(data["score"]),
        evidence_expires_on=_date(data["evidence_expires_on"]),
    )
