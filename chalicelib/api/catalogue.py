"""Health, the API description and the public assessment catalogue."""

from chalice import Blueprint

from chalicelib.edge import presenters
from chalicelib.api.http import json_response, route
from chalicelib.bootstrap import use_cases
from chalicelib.schemas import responses

bp = Blueprint(__name__)
# The document and the catalogue are the same for everyone and change only with a deployment.
PUBLIC_CACHE = "public, max-age=300"


@route(bp, "/health", "GET", "Liveness check", "meta", response=responses.Health, public=True)
def health():
    return {"status": "ok"}


@route(bp, "/openapi.json", "GET", "This API's OpenAPI 3.1 description", "meta", public=True, cache=PUBLIC_CACHE)
def openapi():
    from chalicelib.api.openapi import document  # built on first request, not at import

    return json_response(document())


@route(bp, "/frameworks", "GET", "List the assessment frameworks", "catalogue", response=responses.FrameworkList, public=True, cache=PUBLIC_CACHE)
def list_frameworks():
    items = [presenters.framework_summary(f) for f in use_cases().catalogue.list_frameworks()]
    return responses.FrameworkList().dump({"items": items})


@route(
    bp,
    "/frameworks/{framework_id}",
    "GET",
    "One framework: principles, questions, levels, export formats, lock-in rules",
    "catalogue",
    response=responses.FrameworkOut,
    also=(404,),
    public=True,
    cache=PUBLIC_CACHE,
)
def get_framework(framework_id):
    return responses.FrameworkOut().dump(presenters.framework(use_cases().catalogue.get_framework(framework_id)))
