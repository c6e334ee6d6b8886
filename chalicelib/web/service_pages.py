"""A council's services: the list, registering one, and a service's own page (its score and how
each answer contributed, its lock-in flags, components and assessment history)."""

from __future__ import annotations

from marshmallow import ValidationError

from chalicelib.bootstrap import use_cases
from chalicelib.domain import access
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.model import PHASES
from chalicelib.domain.scorecards import STALE_AFTER_MONTHS
from chalicelib.edge import presenters
from chalicelib.edge.errors import flatten
from chalicelib.schemas.requests import ServiceIn
from chalicelib.web import charts, forms, session
from chalicelib.web.page import common, go, html, may_edit, page


@page("/app/orgs/{org_id}/services")
def services(principal, request, org_id):
    params = request.query_params or {}
    cursor = params.get("cursor") or None
    result = use_cases().services.list(principal, org_id, 100, cursor)
    return html(
        "services.html",
        title="Services",
        services=[presenters.service(s) for s in result.items],
        mine={s.service_id for s in result.items if principal.owns(s.owner_email)},
        may_register=access.allows(access.require_org_member_who_may_edit, principal, org_id),
        next_cursor=result.next_cursor,
        **common(principal, request, org_id),
    )


@page("/app/orgs/{org_id}/new-service", ("GET", "POST"))
def new_service(principal, request, org_id):
    """Register a service: admins register any; a service owner registers their own."""
    access.require_org_member_who_may_edit(principal, org_id)
    errors: dict = {}
    values = {"owner_email": principal.email or ""} if not access.allows(access.require_admin, principal, org_id) else {}
    if request.method == "POST":
        values = request.form
        try:
            created = use_cases().services.create(principal, org_id, ServiceIn().load(forms.service_body(values)))
            flash = session.flash_cookie("service-registered", created.service_id)
            return go(f"/app/orgs/{org_id}/services/{created.service_id}", cookies=[flash])
        except ValidationError as error:
            errors = flatten(error.messages)
        except Forbidden as refused:  # a service owner naming someone else as the owner
            errors = {"owner_email": [refused.detail]}
    return html(
        "service_form.html",
        422 if errors else 200,
        title="Register a service",
        values=values,
        phases=PHASES,
        errors=forms.error_list(errors, forms.SERVICE_FIELDS),
        field_errors=forms.field_errors(errors, forms.SERVICE_FIELDS),
        **common(principal, request, org_id),
    )


@page("/app/orgs/{org_id}/services/{service_id}")
def service(principal, request, org_id, service_id):
    uc = use_cases()
    svc = uc.services.get(principal, org_id, service_id)
    card = presenters.service_scorecard(uc.scorecards.for_service(principal, org_id, service_id))
    components = [presenters.component(c, uc.components.flags(c)) for c in uc.components.list(principal, org_id, service_id)]
    history = uc.assessments.list(principal, org_id, service_id, 50, None)
    assessments = [presenters.assessment(a) for a in history.items]
    latest = assessments[0] if assessments else None
    # The latest score is explained in the words of the framework it answered, which may be an
    # older revision than the one offered now; the lock-in rules are always the current ones.
    current = uc.context.current_framework
    framework = uc.context.catalogue.get(latest["framework_id"], current) if latest else current
    notice = session.flash_of(request)
    chart_points = [(forms.day_label(a["submitted_at"]), a["score"]["overall"]) for a in reversed(assessments)]
    return html(
        "service.html",
        title=svc.name,
        service=presenters.service(svc),
        card=card,
        latest=latest,
        components=components,
        assessments=assessments,
        more_assessments=history.next_cursor is not None,
        questions={q.question_id: q for q in framework.questions},
        principles={p.principle_id: p for p in framework.principles},
        rules=current.lock_in.rules,
        options_by_field=forms.COMPONENT_OPTIONS,
        stale_after_months=STALE_AFTER_MONTHS,
        may_edit=may_edit(principal, org_id, svc.owner_email),
        submitted=notice == ("assessment-submitted", service_id),
        registered=notice == ("service-registered", service_id),
        # A component of this service, named as stored: the banner says only what the app knows.
        saved=next((c for c in components if notice == ("component-saved", f"{service_id}/{c['component_id']}")), None),
        score_chart=charts.line_chart(
            chart_points,
            title=f"Score of each assessment of {svc.name}",
            description=forms.score_description(chart_points),
            y_label="Score",
            y_min=0,
            y_max=100,
            chart_id="scores",
        ),
        chart_points=chart_points,
        **common(principal, request, org_id),
    )
