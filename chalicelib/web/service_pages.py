"""A council's services: the list, registering one, and a service's own page (its score and how
each answer contributed, its lock-in flags, components and assessment history)."""

from __future__ import annotations

import urllib.parse

from marshmallow import ValidationError

from chalicelib.bootstrap import use_cases
from chalicelib.domain import access, changes, finding
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.model import PHASES
from chalicelib.domain.scorecards import RISKS, why_stale
from chalicelib.edge import presenters
from chalicelib.edge.errors import flatten
from chalicelib.schemas.requests import ServiceIn
from chalicelib.web import charts, forms, session
from chalicelib.web.page import common, error, go, html, may_edit, page, root


@page("/app/orgs/{org_id}/services")
def services(principal, request, org_id):
    """The services with their scores, filtered, sorted, searched and paged by the query string
    (each a bookmark), in memory over the organisation's summaries (docs/data-model.md)."""
    uc = use_cases()
    levels = uc.context.current_framework.levels
    query, errors = finding.read_query(request.query_params or {}, [lv.level for lv in levels])
    cards = uc.scorecards.every_service(principal, org_id)
    found = finding.find_services(cards, query)
    path = f"{root(request)}/app/orgs/{org_id}/services"

    def link(**changes) -> str:
        params = finding.query_string(query, **changes)
        return path + ("?" + urllib.parse.urlencode(params) if params else "")

    return html(
        "services.html",
        400 if errors else 200,
        title="Services",
        query=query,
        found=found,
        rows=[presenters.scorecard_row(c, []) for c in found.items],
        mine={c.service_id for c in found.items if principal.owns(c.owner_email)},
        retired={c.service_id for c in found.items if c.retired},
        selects=_selects(query, finding.departments_of(cards), levels),
        sorts=finding.SORTS,
        pager=_pager(found, link),
        link=link,
        errors=[{"text": messages[0], "href": f"#{field}"} for field, messages in errors.items()],
        may_register=access.allows(access.require_org_member_who_may_edit, principal, org_id),
        **common(principal, request, org_id),
    )


def _selects(query: finding.ServiceQuery, departments: list[str], levels) -> dict[str, list[dict]]:
    """The find form's select items, the query's own choice selected."""

    def items(pairs, chosen, any_text=None):
        first = [{"value": "", "text": any_text, "selected": not chosen}] if any_text else []
        return first + [{"value": value, "text": text, "selected": chosen == value} for value, text in pairs]

    return {
        "department": items([(d, d) for d in departments], query.department, "Any department"),
        "level": items(
            [(str(lv.level), f"Level {lv.level}: {lv.name}") for lv in levels] + [(finding.NOT_ASSESSED, "Not assessed")],
            query.level,
            "Any level",
        ),
        "risk": items([(r, r.capitalize()) for r in RISKS], query.risk, "Any risk"),
        "staleness": items(finding.STALENESS.items(), query.staleness, "Any"),
        "sort": items(finding.SORTS.items(), query.sort),
    }


def _pager(found: finding.Found, link) -> dict | None:
    """GOV.UK pagination: the first, last and neighbouring pages, with ellipses between."""
    if found.pages == 1:
        return None
    shown = sorted({1, found.pages, found.page - 1, found.page, found.page + 1} & set(range(1, found.pages + 1)))
    items: list[dict] = []
    previous = 0
    for n in shown:
        if n > previous + 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": link(page=n), "current": n == found.page})
        previous = n
    pager = {"landmarkLabel": "Pages of services", "items": items}
    if found.page > 1:
        pager["previous"] = {"href": link(page=found.page - 1)}
    if found.page < found.pages:
        pager["next"] = {"href": link(page=found.page + 1)}
    return pager


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
        except Forbidden:  # a service owner naming someone else as the owner
            errors = {"owner_email": [forms.OWN_SERVICES_ONLY]}
    # Chosen from the organisation's own (as its services name them), so the dashboard's
    # departments are not split by spelling; a new one is typed in.
    departments = finding.departments_of(use_cases().scorecards.every_service(principal, org_id))
    return html(
        "service_form.html",
        422 if errors else 200,
        title="Register a service",
        departments=departments,
        new_department=forms.NEW_DEPARTMENT,
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
    scorecard = uc.scorecards.for_service(principal, org_id, service_id)
    card = presenters.service_scorecard(scorecard)
    components = [presenters.component(c, uc.components.flags(c)) for c in uc.components.list(principal, org_id, service_id)]
    history = uc.assessments.list(principal, org_id, service_id, 50, None)
    assessments = [presenters.assessment(a) for a in history.items]
    latest = assessments[0] if assessments else None
    # The latest score is explained in the words of the framework it answered, which may be an
    # older revision than the one offered now; the export formats are the current ones.
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
        options_by_field=forms.COMPONENT_OPTIONS,
        # The summary's latest is the newest assessment, the first of the history.
        stale_reasons=why_stale(history.items[0], uc.context.clock.today()) if scorecard.stale and history.items else [],
        format_titles={f.format_id: f.title for f in current.export_formats},
        may_edit=may_edit(principal, org_id, svc.owner_email),
        submitted=notice == ("assessment-submitted", service_id),
        registered=notice == ("service-registered", service_id),
        # A component of this service, named as stored: the banner says only what the app knows.
        saved=next((c for c in components if notice == ("component-saved", f"{service_id}/{c['component_id']}")), None),
        removed=notice == ("component-removed", service_id),
        retired=scorecard.retired,
        # Only the fixed sentences of forms.SET_ASIDE, whatever else a link names.
        set_aside=[forms.SET_ASIDE[p] for p in ((request.query_params or {}).get("set_aside") or "").split(",") if p in forms.SET_ASIDE],
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


@page("/app/orgs/{org_id}/services/{service_id}/assessments/{assessment_id}")
def past_assessment(principal, request, org_id, service_id, assessment_id):
    """One assessment as it was submitted, and what changed since the one before it."""
    uc = use_cases()
    this, previous = uc.assessments.with_previous(principal, org_id, service_id, assessment_id)
    svc = uc.services.get(principal, org_id, service_id)
    framework = uc.context.catalogue.get(this.framework_id, uc.context.current_framework)
    return html(
        "assessment.html",
        title=f"Assessment of {svc.name}",
        service=presenters.service(svc),
        assessment=presenters.assessment(this),
        previous=presenters.assessment(previous) if previous else None,
        changed=presenters.changes(changes.changes(previous, this)) if previous else None,
        questions={q.question_id: q for q in framework.questions},
        principles={p.principle_id: p for p in framework.principles},
        **common(principal, request, org_id),
    )


@page("/app/orgs/{org_id}/services/{service_id}/retirement", ("GET", "POST"))
def retirement(principal, request, org_id, service_id):
    """Ask before retiring a service (or reinstating a retired one); the POST says which, so a
    repeated or stale form changes nothing it did not mean to."""
    uc = use_cases()
    svc = uc.services.get(principal, org_id, service_id)
    if not may_edit(principal, org_id, svc.owner_email):
        raise Forbidden("Only the service's owner or an administrator can retire it.")
    if request.method == "POST":
        wanted = request.form.get("retired")
        if wanted not in ("yes", "no"):
            return error(400, "Go back to the service and choose Retire or Reinstate again.")
        uc.services.retire(principal, org_id, service_id, wanted == "yes")
        return go(f"/app/orgs/{org_id}/services/{service_id}")
    retired = uc.scorecards.for_service(principal, org_id, service_id).retired
    return html(
        "retirement.html",
        title=f"{'Reinstate' if retired else 'Retire'} {svc.name}",
        service=presenters.service(svc),
        retired=retired,
        **common(principal, request, org_id),
    )
