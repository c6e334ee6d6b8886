"""The caller's own assessment draft of a service: saved as they go, submitted as an assessment."""

from chalice import Blueprint, Response

from chalicelib.edge import presenters
from chalicelib.api.http import CONDITIONAL_PUT, IF_MATCH, json_response, load_body, preconditions, route
from chalicelib.bootstrap import use_cases
from chalicelib.domain.etags import draft_etag
from chalicelib.schemas import requests, responses

bp = Blueprint(__name__)
DRAFT = "/orgs/{org_id}/services/{service_id}/assessment-draft"


def _sent(draft, status: int = 200, headers: dict | None = None) -> Response:
    body = responses.AssessmentDraftOut().dump(presenters.assessment_draft(draft))
    return json_response(body, status, {"ETag": draft_etag(draft), **(headers or {})})


@route(
    bp,
    DRAFT,
    "PUT",
    "Save your assessment draft (answers so far; If-Match or If-None-Match optional)",
    "assessments",
    body=requests.AssessmentDraftIn,
    response=responses.AssessmentDraftOut,
    status=201,
    also=(200, 400, 404, 409, 412, 413, 415, 422),
    headers=CONDITIONAL_PUT,
    response_headers=("ETag", "Location"),
)
def put_draft(principal, org_id, service_id):
    request = bp.current_request
    body = load_body(request, requests.AssessmentDraftIn())
    draft, created = use_cases().drafts.put(
        principal, org_id, service_id, body["framework_id"], body["answers"], preconditions(request)
    )
    return _sent(draft, 201 if created else 200, {"Location": DRAFT.format(org_id=org_id, service_id=service_id)} if created else None)


@route(
    bp, DRAFT, "GET", "Read your assessment draft (with its ETag)", "assessments", response=responses.AssessmentDraftOut,
    also=(404,), response_headers=("ETag",),
)
def get_draft(principal, org_id, service_id):
    return _sent(use_cases().drafts.get(principal, org_id, service_id))


@route(
    bp, DRAFT, "DELETE", "Throw your assessment draft away (If-Match optional)", "assessments", status=204,
    also=(400, 404, 409, 412), headers=(IF_MATCH,),
)
def delete_draft(principal, org_id, service_id):
    use_cases().drafts.delete(principal, org_id, service_id, preconditions(bp.current_request))
    return Response(body="", status_code=204)
