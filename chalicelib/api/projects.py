"""Declaration projects (admins write; the organisation's members read)."""

from chalice import Blueprint

from chalicelib.edge import presenters
from chalicelib.api.http import IF_MATCH_REQUIRED, json_response, load_body, preconditions, route
from chalicelib.bootstrap import use_cases
from chalicelib.schemas import requests, responses
from chalicelib.domain.etags import project_etag

bp = Blueprint(__name__)
PROJECTS = "/orgs/{org_id}/declaration-projects"
PROJECT = PROJECTS + "/{project_id}"


def _one(project, status=200, extra=None):
    shown = responses.ProjectOut().dump(presenters.project(project, use_cases().context.clock.today()))
    return json_response(shown, status, {"ETag": project_etag(project), **(extra or {})})


@route(
    bp,
    PROJECTS,
    "POST",
    "Record a declaration project (title, partners, mission, impact, due date)",
    "declaration projects",
    body=requests.ProjectIn,
    response=responses.ProjectOut,
    status=201,
    also=(400, 404, 413, 415, 422),
    response_headers=("ETag", "Location"),
)
def create_project(principal, org_id):
    project = use_cases().projects.create(principal, org_id, load_body(bp.current_request, requests.ProjectIn()))
    return _one(project, 201, {"Location": f"/orgs/{org_id}/declaration-projects/{project.project_id}"})


@route(bp, PROJECTS, "GET", "The organisation's declaration projects", "declaration projects", response=responses.ProjectList, also=(404,))
def list_projects(principal, org_id):
    today = use_cases().context.clock.today()
    items = [presenters.project(p, today) for p in use_cases().projects.list(principal, org_id)]
    return responses.ProjectList().dump({"items": items})


@route(
    bp, PROJECT, "GET", "One declaration project (with its ETag)", "declaration projects", response=responses.ProjectOut,
    also=(404,), response_headers=("ETag",),
)
def get_project(principal, org_id, project_id):
    return _one(use_cases().projects.get(principal, org_id, project_id))


@route(
    bp,
    PROJECT,
    "PATCH",
    "Update a declaration project, its status included (JSON merge patch; If-Match required)",
    "declaration projects",
    body=requests.ProjectPatch,
    response=responses.ProjectOut,
    also=(400, 404, 412, 413, 415, 422, 428),
    headers=IF_MATCH_REQUIRED,
    response_headers=("ETag",),
)
def patch_project(principal, org_id, project_id):
    request = bp.current_request
    patch = load_body(request, requests.ProjectPatch())
    return _one(use_cases().projects.patch(principal, org_id, project_id, patch, preconditions(request)))
