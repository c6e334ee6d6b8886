"""Integrations (admins): create with a secret shown once, list, delete, rotate the secret, and
read the log of verified deliveries."""

from chalice import Blueprint, Response

from chalicelib.edge import presenters
from chalicelib.api.http import PAGINATION, json_response, list_params, load_body, page, route
from chalicelib.bootstrap import use_cases
from chalicelib.schemas import requests, responses

bp = Blueprint(__name__)
INTEGRATIONS = "/orgs/{org_id}/integrations"
INTEGRATION = INTEGRATIONS + "/{integration_id}"
SECRET_HEADERS = {"Cache-Control": "no-store"}


@route(
    bp,
    INTEGRATIONS,
    "POST",
    "Register an integration; its signing secret is in this response only",
    "integrations",
    body=requests.IntegrationIn,
    response=responses.IntegrationCreated,
    status=201,
    also=(400, 404, 413, 415, 422),
    response_headers=("Location", "Cache-Control"),
)
def create_integration(principal, org_id):
    fields = load_body(bp.current_request, requests.IntegrationIn())
    integration, secret = use_cases().integrations.create(principal, org_id, fields)
    shown = responses.IntegrationCreated().dump({**presenters.integration(integration), "secret": secret})
    location = f"/orgs/{org_id}/integrations/{integration.integration_id}"
    return json_response(shown, 201, {**SECRET_HEADERS, "Location": location})


@route(bp, INTEGRATIONS, "GET", "List integrations (never their secrets)", "integrations", response=responses.IntegrationList, also=(404,))
def list_integrations(principal, org_id):
    items = [presenters.integration(i) for i in use_cases().integrations.list(principal, org_id)]
    return responses.IntegrationList().dump({"items": items})


@route(bp, INTEGRATION, "DELETE", "Delete an integration; its deliveries are refused from then on", "integrations", status=204, also=(404, 409))
def delete_integration(principal, org_id, integration_id):
    use_cases().integrations.delete(principal, org_id, integration_id)
    return Response(body="", status_code=204)


@route(
    bp,
    INTEGRATION + "/rotate-secret",
    "POST",
    "A new signing secret; the previous one still verifies for 24 hours",
    "integrations",
    response=responses.SecretOut,
    also=(404, 409),
    response_headers=("Cache-Control",),
)
def rotate_secret(principal, org_id, integration_id):
    secret = use_cases().integrations.rotate_secret(principal, org_id, integration_id)
    return json_response(responses.SecretOut().dump({"secret": secret}), headers=SECRET_HEADERS)


@route(
    bp,
    INTEGRATION + "/deliveries",
    "GET",
    "Verified deliveries of the last 30 days and what became of them, newest first",
    "integrations",
    response=responses.DeliveryPage,
    also=(400, 404),
    query=PAGINATION,
)
def list_deliveries(principal, org_id, integration_id):
    limit, cursor = list_params(bp.current_request)
    result = use_cases().integrations.deliveries(principal, org_id, integration_id, limit, cursor)
    return responses.DeliveryPage().dump(page(result, presenters.delivery))
