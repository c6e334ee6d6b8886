"""The OpenAPI 3.1 document, generated from the route table and the marshmallow schemas.

Integrators generate clients from it: tests/api/test_generated_client.py checks that
openapi-python-client makes one without a warning and that every module of it imports."""

import re
from functools import cache
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_cls

from chalicelib.api.http import ROUTES, RouteDoc
from chalicelib.edge.http import PATH_PATTERNS
from chalicelib.api.problems import PROBLEM_JSON
from chalicelib.schemas import requests, responses

PATH_PARAMETERS = {name: {"type": "string", "pattern": pattern.pattern} for name, pattern in PATH_PATTERNS.items()}
_STORE_FREE_TAGS = {"meta", "catalogue"}
# The response headers the document declares, each where the API always sends it.
RESPONSE_HEADERS = {
    "ETag": {"description": "The record's entity-tag, for If-Match.", "schema": {"type": "string"}},
    "Location": {"description": "The path of the record created.", "schema": {"type": "string", "format": "uri-reference"}},
    "Cache-Control": {"description": "no-store: the body carries a secret.", "schema": {"type": "string"}},
    "WWW-Authenticate": {"description": "The bearer challenge (RFC 6750).", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer", "minimum": 0}},
}


def _describe(status: int) -> str:
    return HTTPStatus(status).phrase


def _operation(doc: RouteDoc) -> dict:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS.get(name, {"type": "string"})}
        for name in re.findall(r"{(\w+)}", doc.path)
    ]
    parameters += [{"in": "query", "required": False, **q} for q in doc.query]
    parameters += [{"in": "header", "schema": {"type": "string", "minLength": 1}, **h} for h in doc.headers]
    operation = {
        "summary": doc.summary,
        "tags": [doc.tag],
        "operationId": f"{doc.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', doc.path.lower()).strip('_')}",
        "parameters": parameters,
        "responses": {},
    }
    if doc.body is not None:  # a Schema, or the name of one registered in document()
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": doc.body}}}
    if doc.method == "PATCH":
        # The body is listed under application/json alone: openapi-python-client (0.29) writes a
        # client module that does not import for a required body under two media types, however
        # their schemas are named, and could not tell them apart by type anyway.
        operation["requestBody"]["description"] = (
            "A JSON merge patch (RFC 7396): a field set to null is removed. "
            "Sent as application/json or application/merge-patch+json."
        )
    if not doc.public:
        operation["security"] = [{"bearer": []}]
    extra = () if doc.tag in _STORE_FREE_TAGS else (503,)
    if not doc.public:
        extra = (401, 403, *extra)
    for status in (doc.status, *doc.also, *extra):
        if status == 204:
            operation["responses"]["204"] = {"description": "No Content"}
        elif status < 400:
            content = {
                media: {"schema": {"type": "string"} if media == "text/csv" else doc.response or {"type": "object"}}
                for media in doc.produces
            }
            sent = [name for name in doc.response_headers if name != "Location" or status == 201]
            operation["responses"][str(status)] = {"description": _describe(status), "content": content, **_headers(sent)}
        else:
            sent = {401: [] if doc.public else ["WWW-Authenticate"], 503: ["Retry-After"]}.get(status, [])
            operation["responses"][str(status)] = {
                "description": _describe(status),
                "content": {PROBLEM_JSON: {"schema": "Problem"}},
                **_headers(sent),
            }
    return operation


def _headers(names: list[str]) -> dict:
    """A response's `headers`, none when it declares none."""
    return {"headers": {name: {**RESPONSE_HEADERS[name], "required": True} for name in names}} if names else {}


class _Converter(OpenAPIConverter):
    """apispec's marshmallow converter, with this document's rules."""

    def schema2jsonschema(self, schema):
        """A response schema requires every field but its `optional` ones (schemas/responses.py)."""
        jsonschema = super().schema2jsonschema(schema)
        schema_cls = resolve_schema_cls(schema)
        if issubclass(schema_cls, responses.ResponseBody):
            unknown = set(schema_cls.optional) - set(jsonschema["properties"])
            if unknown:
                raise ValueError(f"{schema_cls.__name__}.optional names no field: {sorted(unknown)}")
            jsonschema["required"] = [name for name in jsonschema["properties"] if name not in schema_cls.optional]
        return jsonschema

    def field2property(self, field):
        """A nullable enum as anyOf [the enum, null]. apispec writes it as one schema, `type:
        [string, null]` with null among the values, which openapi-python-client unfolds into
        three copies of the enum."""
        prop = super().field2property(field)
        if None not in prop.get("enum", ()):
            return prop
        (kind,) = (t for t in prop.pop("type") if t != "null")  # apispec writes [kind, "null"]
        values = [value for value in prop.pop("enum") if value is not None]
        return {**prop, "anyOf": [{"type": kind, "enum": values}, {"type": "null"}]}


class _Plugin(MarshmallowPlugin):
    Converter = _Converter


@cache
def document() -> dict:
    spec = APISpec(
        title="Local Digital Declaration compliance tracker",
        version="1.0.0",
        openapi_version="3.1.0",
        plugins=[_Plugin()],
        info={
            "description": "Services, components, self-assessments, scores, lock-in flags and scorecards "
            "for a council that has signed the Local Digital Declaration."
        },
    )
    spec.components.schema("Problem", schema=responses.Problem)
    _webhook_events(spec)
    spec.components.security_scheme(
        "bearer",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An OpenID Connect ID or access token from the council's identity provider.",
        },
    )
    paths: dict[str, dict] = {}
    for doc in ROUTES:
        paths.setdefault(doc.path, {})[doc.method.lower()] = _operation(doc)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _webhook_events(spec: APISpec) -> None:
    """The events a webhook delivery may carry: {"type", "data"} with the type's own schema."""
    spec.components.schema("ComponentUpserted", schema=requests.ComponentUpserted)
    spec.components.schema("AssessmentSubmitted", schema=requests.AssessmentSubmitted)
    spec.components.schema("ServiceKpisRecorded", schema=requests.ServiceKpisRecorded)
    spec.components.schema("OrgKpisRecorded", schema=requests.OrgKpisRecorded)
    events = {
        "component.upserted": "ComponentUpserted",
        "assessment.submitted": "AssessmentSubmitted",
        "service.kpis.recorded": "ServiceKpisRecorded",
        "org.kpis.recorded": "OrgKpisRecorded",
    }
    variants = [
        {
            "type": "object",
            "required": ["type", "data"],
            "additionalProperties": False,
            "properties": {"type": {"const": name}, "data": {"$ref": f"#/components/schemas/{schema}"}},
        }
        for name, schema in events.items()
    ]
    spec.components.schema("WebhookEvent", {"oneOf": variants})
