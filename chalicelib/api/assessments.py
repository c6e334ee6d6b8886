"""Self-assessments: submitted once, never changed."""

from chalice import Blueprint

from chalicelib.edge import presenters
from chalicelib.api.http import json_response, list_params, load_body, PAGINATION, page, route
from chalicelib.bootstrap import use_cases
from chalicelib.schemas import requests, responses

bp = Blueprint(__name__)
ASSESSMENTS = "/orgs/{org_id}/services/{service_id}/assessments"


@route(
    bp,
    ASSESSMENTS,
    "POST",
    "Submit a self-assessment; it is scored and kept in the history",
    "assessments",
    body=requests.AssessmentIn,
    response=responses.AssessmentOut,
    status=201,
    also=(400, 404, 409, 413, 415, 422),
    response_headers=("Location",),
)
def submit_assessment(principal, org_id, service_id):
    body = load_body(bp.current_request, requests.AssessmentIn())
    assessment = use_cases().assessments.submit(principal, org_id, service_id, body["framework_id"], body["answers"])
    location = f"{ASSESSMENTS}/{assessment.assessment_id}".format(org_id=org_id, service_id=service_id)
    return json_response(responses.AssessmentOut().dump(presenters.assessment(assessment)), 201, {"Location": location})


@route(
    bp, ASSESSMENTS, "GET", "A service's assessments, newest first", "assessments", response=responses.AssessmentPage, also=(400, 404), query=PAGINATION
)
def list_assessments(principal, org_id, service_id):
    limit, cursor = list_params(bp.current_request)
    result = use_cases().assessments.list(principal, org_id, service_id, limit, cursor)
    return responses.AssessmentPage().dump(page(result, presenters.assessment))


@route(
    bp,
    ASSESSMENTS + "/{assessment_id}",
    "GET",
    "Read one assessment",
    "assessments",
    response=responses.AssessmentOut,
    also=(404,),
)
def get_assessment(principal, org_id, service_id, assessment_id):
    return responses.AssessmentOut().dump(presenters.assessment(use_cases().assessments.get(principal, org_id, service_id, assessment_id)))
