"""The technology a service runs on."""

from chalice import Blueprint, Response

from chalicelib.edge import presenters
from chalicelib.api.http import CONDITIONAL_PUT, IF_MATCH, json_response, load_body, preconditions, route
from chalicelib.bootstrap import use_cases
from chalicelib.schemas import requests, responses
from chalicelib.domain.etags import component_etag

bp = Blueprint(__name__)
COMPONENTS = "/orgs/{org_id}/services/{service_id}/components"
COMPONENT = COMPONENTS + "/{component_id}"


def _shown(component):
    return responses.ComponentOut().dump(presenters.component(component, use_cases().components.flags(component)))


@route(
    bp,
    COMPONENT,
    "PUT",
    "Record or replace a component (If-Match optional) and see its lock-in flags",
    "components",
    body=requests.ComponentIn,
    response=responses.ComponentOut,
    status=201,
    also=(200, 400, 404, 409, 412, 413, 415, 422),
    headers=CONDITIONAL_PUT,
    response_headers=("ETag", "Location"),
    chosen_id="component_id",
)
def put_component(principal, org_id, service_id, component_id):
    request = bp.current_request
    spec = load_body(request, requests.ComponentIn())
    component, created = use_cases().components.put(principal, org_id, service_id, component_id, spec, preconditions(request))
    headers = {"ETag": component_etag(component)}
    if created:
        headers["Location"] = f"/orgs/{org_id}/services/{service_id}/components/{component_id}"
    return json_response(_shown(component), 201 if created else 200, headers)


@route(bp, COMPONENTS, "GET", "List a service's components", "components", response=responses.ComponentList, also=(404,))
def list_components(principal, org_id, service_id):
    return {"items": [_shown(c) for c in use_cases().components.list(principal, org_id, service_id)]}


@route(
    bp, COMPONENT, "GET", "Read one component (with its ETag)", "components", response=responses.ComponentOut, also=(404,),
    response_headers=("ETag",),
)
def get_component(principal, org_id, service_id, component_id):
    component = use_cases().components.get(principal, org_id, service_id, component_id)
    return json_response(_shown(component), headers={"ETag": component_etag(component)})


@route(
    bp, COMPONENT, "DELETE", "Remove a component (If-Match optional)", "components", status=204, also=(400, 404, 409, 412),
    headers=(IF_MATCH,),
)
def delete_component(principal, org_id, service_id, component_id):
    use_cases().components.delete(principal, org_id, service_id, component_id, preconditions(bp.current_request))
    return Response(body="", status_code=204)
