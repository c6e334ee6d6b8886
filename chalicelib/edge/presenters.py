"""Domain records as the JSON the API promises (schemas/responses.py, schemas/benchmarks.py),
numbers rounded for reporting only here."""

from chalicelib.domain.benchmarks.shape import benchmark_set_to_dict
from chalicelib.domain.changes import Changes, ScoreChange
from chalicelib.domain.catalogue import Framework
from chalicelib.domain.clock import iso_instant
from chalicelib.domain.plain import to_plain
from chalicelib.domain.model import (
    Assessment,
    AssessmentDraft,
    AuditRecord,
    Component,
    DeclarationProject,
    Delivery,
    Flag,
    Integration,
    LockIn,
    Organisation,
    Score,
    Service,
)
from chalicelib.domain.lockin import top_flag
from chalicelib.domain.scorecards import OrgScorecard, ServiceScorecard
from chalicelib.domain.scoring import report_number
from chalicelib.services.benchmarks import SetView
from chalicelib.domain.etags import component_etag


def framework_summary(framework: Framework) -> dict:
    return {
        "framework_id": framework.framework_id,
        "title": framework.title,
        "version": framework.version,
        "current": framework.current,
    }


def framework(framework: Framework) -> dict:
    policy = framework.lock_in
    return {
        **framework_summary(framework),
        "published": framework.published,
        "sources": list(framework.sources),
        "principles": [vars(p) for p in framework.principles],
        "questions": [
            {**vars(q), "references": [vars(r) for r in q.references]} for q in framework.questions
        ],
        "levels": [
            {"level": lv.level, "name": lv.name, "min_score": lv.min_score, "gates": [vars(g) for g in lv.gates]}
            for lv in framework.levels
        ],
        "export_formats": [vars(f) for f in framework.export_formats],
        "lock_in": {
            "rules": [
                {"code": r.code, "severity": r.severity, "reference": r.reference} for r in policy.rules.values()
            ],
            "thresholds": {
                "exit_plan_review_months": policy.exit_plan_review_months,
                "long_contract_years": policy.long_contract_years,
                "expiry_window_months": policy.expiry_window_months,
                "supplier_concentration_share": policy.supplier_concentration_share,
                "supplier_concentration_min_services": policy.supplier_concentration_min_services,
            },
        },
    }


def organisation(org: Organisation) -> dict:
    return {
        "org_id": org.org_id,
        "name": org.name,
        "peer_group": org.peer_group,
        "declaration_signed_on": org.declaration_signed_on.isoformat() if org.declaration_signed_on else None,
        "rank_services": org.rank_services,
        "created_at": iso_instant(org.created.at),
        "updated_at": iso_instant(org.updated.at),
    }


def service(svc: Service) -> dict:
    return {
        "service_id": svc.service_id,
        "org_id": svc.org_id,
        **svc.editable_fields(),
        "created_at": iso_instant(svc.created.at),
        "updated_at": iso_instant(svc.updated.at),
    }


def flag(f: Flag) -> dict:
    shown = {
        "code": f.code,
        "severity": f.severity,
        "component_id": f.component_id,
        "message": f.message,
        "reference": f.reference,
    }
    if f.supplier is not None:
        shown.update(supplier=f.supplier, share=f.share)
    return shown


def lock_in(value: LockIn) -> dict:
    return {"risk": value.risk, "flags": [flag(f) for f in value.flags]}


def component(c: Component, flags: list[Flag]) -> dict:
    return {
        "component_id": c.component_id,
        "service_id": c.service_id,
        **to_plain(c.spec),
        "etag": component_etag(c),
        "created_at": iso_instant(c.created.at),
        "created_by": c.created.by.label,
        "updated_at": iso_instant(c.updated.at),
        "updated_by": c.updated.by.label,
        "flags": [flag(f) for f in flags],
    }


def score(s: Score) -> dict:
    return {
        "overall": report_number(s.overall),
        "level": {"level": s.level, "name": s.level_name},
        "principles": [
            {
                "principle_id": p.principle_id,
                "score": report_number(p.score),
                "answered": p.answered,
                "applicable": p.applicable,
            }
            for p in s.principles
        ],
        "contributions": [
            {
                "question_id": c.question_id,
                "rating": c.rating,
                "weight": c.weight,
                "points": report_number(c.points),
                "max_points": c.max_points,
            }
            for c in s.contributions
        ],
    }


def assessment(a: Assessment) -> dict:
    return {
        "assessment_id": a.assessment_id,
        "service_id": a.service_id,
        "framework_id": a.framework_id,
        "submitted_at": iso_instant(a.submitted.at),
        "submitted_by": a.submitted.by.label,
        "score": score(a.score),
        "lock_in": lock_in(a.lock_in),
        "answers": to_plain(a.answers),
    }


def changes(c: Changes) -> dict:
    """What changed since the assessment before, its scores rounded as reported."""

    def moved(s: ScoreChange) -> dict:
        return {
            "principle_id": s.principle_id,
            "before": report_number(s.before),
            "after": report_number(s.after),
            "direction": s.direction,
        }

    return {
        "overall": moved(c.overall),
        "principles": [moved(p) for p in c.principles],
        "ratings": [
            {"question_id": r.question_id, "before": r.before, "after": r.after, "direction": r.direction}
            for r in c.moved()
        ],
    }


def assessment_draft(d: AssessmentDraft) -> dict:
    return {
        "service_id": d.service_id,
        "framework_id": d.framework_id,
        "based_on": d.based_on,
        "updated_at": iso_instant(d.updated.at),
        "answers": to_plain(d.answers),
    }


def service_scorecard(card: ServiceScorecard) -> dict:
    return {
        "service_id": card.service_id,
        "name": card.name,
        "status": card.status,
        "assessment_id": card.assessment_id,
        "assessed_at": iso_instant(card.assessed_at) if card.assessed_at else None,
        "stale": card.stale,
        "score": score(card.score) if card.score else None,
        "lock_in": lock_in(card.lock_in),
        "explanation": {"level": card.level_explanation, "lock_in_risk": card.risk_explanation},
    }


def scorecard_row(card: ServiceScorecard, principle_ids: list[str]) -> dict:
    """One service's line of the organisation scorecard; `principles` has every principle of the
    organisation's scorecard, in order, so that each row (and CSV line) has the same columns."""
    scores = {p.principle_id: p.score for p in card.score.principles} if card.score else {}
    first = top_flag(card.lock_in.flags)
    return {
        "service_id": card.service_id,
        "name": card.name,
        "department": card.department,
        "owner_email": card.owner_email,
        "status": card.status,
        "score": report_number(card.score.overall) if card.score else None,
        "level": {"level": card.score.level, "name": card.score.level_name} if card.score else None,
        "principles": {pid: report_number(scores.get(pid)) for pid in principle_ids},
        "lock_in_risk": card.lock_in.risk,
        "flag_count": len(card.lock_in.flags),
        "top_flag": first.code if first else None,
        "assessed_at": iso_instant(card.assessed_at) if card.assessed_at else None,
        "stale": card.stale,
    }


def org_scorecard(card: OrgScorecard, department: str | None) -> dict:
    return {
        "org_id": card.org_id,
        "department": department,
        "services_total": card.services_total,
        "services_assessed": card.services_assessed,
        "average_score": report_number(card.average_score),
        "principles": [{"principle_id": pid, "average": report_number(avg)} for pid, avg in card.principles],
        "levels": card.levels,
        "departments": [
            {
                "department": d.department,
                "services": d.services,
                "services_assessed": d.services_assessed,
                "average_score": report_number(d.average_score),
            }
            for d in card.departments
        ],
        "lock_in": {
            "by_risk": card.by_risk,
            "flags": [flag(f) for f in card.flags],
            "top_suppliers": [vars(s) for s in card.top_suppliers],
            "expiring_contracts": [
                {
                    "service_id": e.service_id,
                    "component_id": e.component_id,
                    "supplier": e.supplier,
                    "end": e.end.isoformat(),
                    "exit_plan": e.exit_plan,
                }
                for e in card.expiring_contracts
            ],
        },
        "declaration_projects": card.projects,
        "services": [scorecard_row(s, [pid for pid, _ in card.principles]) for s in card.services],
        "services_next_cursor": card.services_next_cursor,
    }


def audit_record(r: AuditRecord) -> dict:
    return {
        "audit_id": r.audit_id,
        "at": iso_instant(r.at),
        "actor": to_plain(r.actor),
        "action": r.action,
        "target": r.target,
    }


def integration(i: Integration) -> dict:
    return {
        "integration_id": i.integration_id,
        "name": i.name,
        "event_types": list(i.event_types),
        "service_ids": list(i.service_ids),
        "created_at": iso_instant(i.created.at),
        "updated_at": iso_instant(i.updated.at),
    }


def delivery(d: Delivery) -> dict:
    return {
        "delivery_id": d.delivery_id,
        "webhook_id": d.webhook_id,
        "received_at": iso_instant(d.received_at),
        "event_type": d.event_type,
        "status": d.status,
        "http_status": d.http_status,
        "reason": d.reason,
    }


def project(p: DeclarationProject, today) -> dict:
    return {
        "project_id": p.project_id,
        **p.editable_fields(),
        "overdue": p.overdue(today),
        "created_at": iso_instant(p.created.at),
        "updated_at": iso_instant(p.updated.at),
    }


def history_point(snapshot) -> dict:
    return {
        "month": snapshot.month,
        "average_score": report_number(snapshot.average_score),
        "principles": [{"principle_id": pid, "average": report_number(v)} for pid, v in snapshot.principles],
        "levels": snapshot.levels,
        "by_risk": snapshot.by_risk,
        "services_assessed": snapshot.services_assessed,
    }


def benchmark_position(found) -> dict:
    result = found.result
    return {
        "set_id": result.set_id,
        "peer_group": result.peer_group,
        "period": found.period,
        "illustrative": result.illustrative,
        "note": found.note,
        "kpis": [
            {"kpi_id": p.kpi_id, "value": p.value, "p25": p.p25, "median": p.median, "p75": p.p75,
             "quartile": p.quartile, "gap_to_median": p.gap_to_median}
            for p in result.kpis
        ],
    }


def benchmark_set_summary(view: SetView) -> dict:
    b = view.bset
    return {"set_id": b.set_id, "title": b.title, "source": b.source, "published": b.published.isoformat(),
            "illustrative": b.illustrative, "built_in": view.built_in}


def benchmark_set(view: SetView) -> dict:
    return {**benchmark_set_to_dict(view.bset), "built_in": view.built_in}


def kpi_values(record) -> dict:
    return {"period": record.period, "values": dict(record.values), "updated_at": iso_instant(record.updated.at)}
