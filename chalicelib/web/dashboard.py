"""Leadership's pages: where each person lands, the organisation dashboard and its CSV."""

from __future__ import annotations

import urllib.parse

from chalicelib.bootstrap import use_cases
from chalicelib.domain import access, finding
from chalicelib.domain.scorecards import RISKS
from chalicelib.edge import presenters
from chalicelib.edge.http import csv_response, scorecard_csv
from chalicelib.web import charts, forms
from chalicelib.web.page import common, error, go, html, page, root

# The dashboard's sections, in order, for its contents list: (heading id, heading text).
SECTIONS = (
    ("headline-figures", "Headline figures"),
    ("trend", "Trend"),
    ("by-principle", "Average by principle"),
    ("by-level", "Services by level"),
    ("departments-heading", "Departments"),
    ("vendor-lock-in", "Vendor lock-in"),
    ("declaration-projects-heading", "Declaration projects"),
    ("benchmark-position", "Benchmark position"),
    ("services-heading", "Services"),
)


@page("/app")
def home(principal, request):
    """Leaders land on their organisation's dashboard, everyone else on its services."""
    if principal.org_id is None:
        return error(403, "These pages are for a council's staff. Platform administrators use the API.")
    if access.allows(access.require_leadership_view, principal, principal.org_id):
        return go(f"/app/orgs/{principal.org_id}")
    return go(f"/app/orgs/{principal.org_id}/services")


@page("/app/orgs/{org_id}")
def dashboard(principal, request, org_id):
    params = request.query_params or {}
    department = params.get("department") or None
    cursor = params.get("cursor") or None
    board = use_cases().dashboard.for_org(principal, org_id, department, cursor=cursor)
    card = presenters.org_scorecard(board.scorecard, department)
    trend = [presenters.history_point(s) for s in board.trend]
    framework = use_cases().context.current_framework
    narrowed = finding.ServiceQuery(department=department)

    def find(**changes) -> str:
        """The services list filtered to what a count counts (within this dashboard's department)."""
        query = urllib.parse.urlencode(finding.query_string(narrowed, **changes))
        return f"{root(request)}/app/orgs/{org_id}/services?{query}"

    def page_url(services_cursor: str | None) -> str:
        """This dashboard with another page of its services table."""
        query = urllib.parse.urlencode({k: v for k, v in (("department", department), ("cursor", services_cursor)) if v})
        return f"{root(request)}/app/orgs/{org_id}" + (f"?{query}" if query else "")

    return html(
        "dashboard.html",
        sections=SECTIONS,
        find=find,
        page_url=page_url,
        cursor=cursor,
        not_assessed=finding.NOT_ASSESSED,
        title="Dashboard",
        org=board.org,
        card=card,
        service_names={s["service_id"]: s["name"] for s in card["services"]},
        level_explanations={s.service_id: s.level_explanation for s in board.scorecard.services},
        projects=[presenters.project(p, use_cases().context.clock.today()) for p in board.projects],
        department=department,
        principles={p.principle_id: p for p in framework.principles},
        levels=framework.levels,
        risks=tuple(reversed(RISKS)),
        policy=framework.lock_in,
        trend=trend,
        trend_chart=charts.line_chart(
            [(forms.month_label(p["month"]), p["average_score"]) for p in trend],
            title="Average score by month",
            description=forms.trend_description(trend),
            y_label="Average score",
            y_min=0,
            y_max=100,
            chart_id="trend",
        ),
        benchmark_set=board.benchmark_set,
        benchmark=presenters.benchmark_position(board.benchmark) if board.benchmark else None,
        **common(principal, request, org_id),
    )


@page("/app/orgs/{org_id}/scorecard.csv")
def dashboard_csv(principal, request, org_id):
    department = (request.query_params or {}).get("department") or None
    card = use_cases().scorecards.with_every_service(principal, org_id, department)
    response = csv_response(*scorecard_csv(presenters.org_scorecard(card, department)), f"{org_id}-scorecard.csv")
    response.headers["Cache-Control"] = "no-store"  # signed in by cookie: no shared cache may keep it
    return response
