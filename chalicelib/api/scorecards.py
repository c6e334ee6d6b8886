"""Scorecards for digital leadership: one service, or the whole organisation (JSON or CSV)."""

from chalice import Blueprint

from chalicelib.edge import presenters
from chalicelib.api.http import list_params, pagination, route
from chalicelib.edge.http import csv_response, scorecard_csv
from chalicelib.bootstrap import use_cases
from chalicelib.domain.errors import BadRequest
from chalicelib.schemas import responses
from chalicelib.services.scorecards import PAGE_DEFAULT, PAGE_MAX

bp = Blueprint(__name__)


@route(
    bp,
    "/orgs/{org_id}/services/{service_id}/scorecard",
    "GET",
    "A service's latest score, staleness and current lock-in",
    "scorecards",
    response=responses.ServiceScorecardOut,
    also=(404,),
)
def service_scorecard(principal, org_id, service_id):
    card = use_cases().scorecards.for_service(principal, org_id, service_id)
    return responses.ServiceScorecardOut().dump(presenters.service_scorecard(card))


@route(
    bp,
    "/orgs/{org_id}/scorecard",
    "GET",
    "The organisation's scorecard, its services a page at a time (?format=csv or Accept: text/csv for one row per service)",
    "scorecards",
    response=responses.OrgScorecardOut,
    also=(400, 404),
    query=(
        {"name": "department", "schema": {"type": "string"}, "description": "Narrow to one department."},
        {
            "name": "format",
            "schema": {"type": "string", "enum": ["json", "csv"]},
            "description": "csv, or Accept: text/csv without ?format=: a text/csv 200, one row per service "
            "(every service, whatever the limit) with the columns of `services` (the level by its name).",
        },
        *pagination(PAGE_DEFAULT, PAGE_MAX, "services_next_cursor"),
    ),
    produces=("application/json", "text/csv"),
)
def org_scorecard(principal, org_id):
    request = bp.current_request
    params = request.query_params or {}
    wanted = params.get("format")
    if wanted not in (None, "json", "csv"):
        raise BadRequest("format must be json or csv.", {"format": ["must be json or csv"]})
    as_csv = wanted == "csv" or (wanted is None and "text/csv" in (request.headers.get("accept") or ""))
    department = params.get("department")
    if as_csv:
        card = use_cases().scorecards.with_every_service(principal, org_id, department)
        return csv_response(*scorecard_csv(presenters.org_scorecard(card, department)), f"{org_id}-scorecard.csv")
    limit, cursor = list_params(request, PAGE_DEFAULT, PAGE_MAX)
    card = use_cases().scorecards.for_org(principal, org_id, department, limit, cursor)
    return responses.OrgScorecardOut().dump(presenters.org_scorecard(card, department))


@route(
    bp,
    "/orgs/{org_id}/scorecard/history",
    "GET",
    "The organisation's monthly scorecard figures, oldest first (default: the last 12 months)",
    "scorecards",
    response=responses.History,
    also=(400, 404),
    query=(
        {"name": "from", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}},
        {"name": "to", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}},
    ),
)
def scorecard_history(principal, org_id):
    params = bp.current_request.query_params or {}
    points = use_cases().snapshots.history(principal, org_id, params.get("from"), params.get("to"))
    return responses.History().dump({"items": [presenters.history_point(p) for p in points]})
