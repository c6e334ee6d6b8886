"""Organisations."""

from chalice import Blueprint

from chalicelib.edge import presenters
from chalicelib.api.http import CONDITIONAL_PUT, PAGINATION, json_response, list_params, load_body, page, preconditions, route
from chalicelib.bootstrap import use_cases
from chalicelib.schemas import requests, responses
from chalicelib.domain.etags import org_etag

bp = Blueprint(__name__)
ORG = "/orgs/{org_id}"


@route(
    bp,
    ORG,
    "PUT",
    "Create or replace an organisation",
    "organisations",
    body=requests.OrganisationIn,
    response=responses.OrganisationOut,
    status=201,
    also=(200, 400, 409, 412, 413, 415, 422),
    headers=CONDITIONAL_PUT,
    response_headers=("ETag", "Location"),
    chosen_id="org_id",
)
def put_org(principal, org_id):
    fields = load_body(bp.current_request, requests.OrganisationIn())
    org, created = use_cases().organisations.put(principal, org_id, fields, preconditions(bp.current_request))
    headers = {"ETag": org_etag(org)}
    if created:
        headers["Location"] = f"/orgs/{org_id}"
    return json_response(responses.OrganisationOut().dump(presenters.organisation(org)), 201 if created else 200, headers)


@route(bp, "/orgs", "GET", "List organisations", "organisations", response=responses.OrganisationPage, also=(400,), query=PAGINATION)
def list_orgs(principal):
    limit, cursor = list_params(bp.current_request)
    result = use_cases().organisations.list(principal, limit, cursor)
    return responses.OrganisationPage().dump(page(result, presenters.organisation))


@route(
    bp, ORG, "GET", "Read an organisation", "organisations", response=responses.OrganisationOut, also=(404,),
    response_headers=("ETag",),
)
def get_org(principal, org_id):
    org = use_cases().organisations.get(principal, org_id)
    return json_response(responses.OrganisationOut().dump(presenters.organisation(org)), headers={"ETag": org_etag(org)})
