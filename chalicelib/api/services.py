"""An organisation's services."""

from chalice import Blueprint, Response

from chalicelib.edge import presenters
from chalicelib.api.http import IF_MATCH_REQUIRED, PAGINATION, json_response, list_params, load_body, page, preconditions, route
from chalicelib.bootstrap import use_cases
from chalicelib.schemas import requests, responses
from chalicelib.domain.etags import service_etag

bp = Blueprint(__name__)
SERVICES = "/orgs/{org_id}/services"
SERVICE = SERVICES + "/{service_id}"


def _one(service, status=200, extra=None):
    headers = {"ETag": service_etag(service), **(extra or {})}
    return json_response(responses.ServiceOut().dump(presenters.service(service)), status, headers)


@route(
    bp,
    SERVICES,
    "POST",
    "Register a service",
    "services",
    body=requests.ServiceIn,
    response=responses.ServiceOut,
    status=201,
    also=(400, 404, 413, 415, 422),
    response_headers=("ETag", "Location"),
)
def create_service(principal, org_id):
    fields = load_body(bp.current_request, requests.ServiceIn())
    service = use_cases().services.create(principal, org_id, fields)
    return _one(service, 201, {"Location": f"/orgs/{org_id}/services/{service.service_id}"})


@route(
    bp,
    SERVICES,
    "GET",
    "List services, by department, name and id",
    "services",
    response=responses.ServicePage,
    also=(400, 404),
    query=PAGINATION,
)
def list_services(principal, org_id):
    limit, cursor = list_params(bp.current_request)
    result = use_cases().services.list(principal, org_id, limit, cursor)
    return responses.ServicePage().dump(page(result, presenters.service))


@route(
    bp, SERVICE, "GET", "Read a service (with its ETag)", "services", response=responses.ServiceOut, also=(404,),
    response_headers=("ETag",),
)
def get_service(principal, org_id, service_id):
    return _one(use_cases().services.get(principal, org_id, service_id))


@route(
    bp,
    SERVICE,
    "PATCH",
    "Edit a service (JSON merge patch; If-Match required)",
    "services",
    body=requests.ServicePatch,
    response=responses.ServiceOut,
    also=(400, 404, 412, 413, 415, 422, 428),
    headers=IF_MATCH_REQUIRED,
    response_headers=("ETag",),
)
def patch_service(principal, org_id, service_id):
    request = bp.current_request
    patch = load_body(request, requests.ServicePatch())
    service = use_cases().services.patch(principal, org_id, service_id, patch, preconditions(request))
    return _one(service)


# Retirement is a sub-resource rather than a `retired` field in the PATCH: the service's ETag
# covers its editable fields only, and retiring changes the summary (what the scorecards read),
# not those fields. PUT is idempotent: retiring a retired service changes nothing.
@route(
    bp,
    SERVICE + "/retirement",
    "PUT",
    "Retire a service: kept with its history, left out of the organisation's scorecards (no body)",
    "services",
    response=responses.RetirementOut,
    also=(404, 413, 415),
)
def retire_service(principal, org_id, service_id):
    use_cases().services.retire(principal, org_id, service_id, True)
    return responses.RetirementOut().dump({"service_id": service_id, "retired": True})


@route(bp, SERVICE + "/retirement", "DELETE", "Reinstate a retired service", "services", status=204, also=(404,))
def reinstate_service(principal, org_id, service_id):
    use_cases().services.retire(principal, org_id, service_id, False)
    return Response(body="", status_code=204)
