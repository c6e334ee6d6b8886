"""HTTP edge helpers: route registration (which also feeds /openapi.json), body parsing with the
request schemas, list parameters, ETags and CSV."""

import csv
import functools
import io
import json
import logging
import re
from dataclasses import dataclass

from chalice import Blueprint, Response
from marshmallow import Schema, ValidationError

from chalicelib import bootstrap, observability
from chalicelib.adapters import oidc
from chalicelib.api.problems import flatten, from_domain_error, problem
from chalicelib.domain.errors import BadRequest, DomainError, Invalid, NotFound
from chalicelib.schemas.fields import COMPONENT_SLUG, SLUG, ULID

MAX_BODY_BYTES = 256 * 1024
JSON_TYPES = ["application/json", "application/merge-patch+json"]
DEFAULT_LIMIT, MAX_LIMIT = 50, 100


@dataclass(frozen=True)
class RouteDoc:
    """What /openapi.json says about one route."""

    path: str
    method: str
    summary: str
    tag: str
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    also: tuple[int, ...] = ()  # other statuses: 2xx reuse `response`, 4xx/5xx are problems
    query: tuple[dict, ...] = ()
    headers: tuple[dict, ...] = ()
    response_headers: tuple[str, ...] = ()  # what its 2xx responses send (Location: on 201 only)
    produces: tuple[str, ...] = ("application/json",)
    public: bool = False  # no bearer token needed


ROUTES: list[RouteDoc] = []
log = logging.getLogger(__name__)


# What a well-formed identifier in a path looks like. Anything else names nothing (404), except
# where the request chooses the identifier (PUT of an organisation or component): then it is 422.
PATH_PATTERNS = {
    "org_id": SLUG,
    "service_id": ULID,
    "assessment_id": ULID,
    "component_id": COMPONENT_SLUG,
    "set_id": SLUG,  # a benchmark set (PUT /benchmarks/{set_id} chooses it)
}


def check_path(params: dict, chosen: str | None = None) -> None:
    for name, value in params.items():
        pattern = PATH_PATTERNS.get(name)
        if pattern is None or pattern.match(value):
            continue
        if name == chosen:
            raise Invalid(f"{name} is not a valid identifier.", {name: [f"must match {pattern.pattern}"]})
        raise NotFound(f"No resource has the {name} {value!r}.")


def route(
    bp: Blueprint, path: str, method: str, summary: str, tag: str, chosen_id: str | None = None, public: bool = False, **doc
):
    """Register a view on `bp`, turning domain and validation errors into problem details.

    Unless `public`, the request must carry a valid bearer token and the view receives the
    signed-in `principal` as its first argument. `chosen_id` names the path parameter this
    request chooses (it is created if absent)."""

    def decorator(view):
        @functools.wraps(view)
        def handle(**params):
            try:
                args = ()
                if not public:
                    principal = bootstrap.authenticator().authenticate(bp.current_request.headers.get("authorization"))
                    observability.note_principal(principal)
                    args = (principal,)
                check_path(params, chosen_id)
                result = view(*args, **params)
                return result if isinstance(result, Response) else json_response(result)
            except oidc.Unauthenticated as error:
                return problem(401, f"Sign in with a valid bearer token: {error}.", headers=_CHALLENGE)
            except oidc.KeysUnavailable:
                log.warning("The identity provider's keys could not be fetched")
                return problem(503, "Sign-in is unavailable for a moment; try again.", headers={"Retry-After": "5"})
            except oidc.Misconfigured as error:
                log.error("Sign-in is misconfigured: %s", error)
                return problem(500, "Sign-in is misconfigured on this deployment; requests are refused.")
            except DomainError as error:
                return from_domain_error(error)
            except ValidationError as error:
                return problem(422, "The request body is not valid.", flatten(error.messages))
            except BodyTooLarge:
                return problem(413, f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")

        ROUTES.append(RouteDoc(path=path, method=method, summary=summary, tag=tag, public=public, **doc))
        options = {"content_types": JSON_TYPES} if method in ("POST", "PUT", "PATCH") else {}
        bp.route(path, methods=[method], **options)(handle)
        return handle

    return decorator


def load_body(request, schema: Schema) -> dict:
    """Parse and validate a JSON object body: 413 too large, 400 malformed, 422 invalid."""
    return schema.load(load_json(request.raw_body or b""))


def load_json(raw: bytes) -> dict:
    """A JSON object from the raw body: BodyTooLarge, BadRequest (malformed) or ValidationError."""
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge()
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest(f"The request body is not valid JSON: {e}.") from None
    except RecursionError:
        raise BadRequest("The request body is nested too deeply.") from None
    if not isinstance(data, dict):
        raise ValidationError({"body": ["must be a JSON object"]})
    return data


_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ldd-tracker"'}


class BodyTooLarge(Exception):
    pass


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def list_params(request) -> tuple[int, str | None]:
    params = request.query_params or {}
    raw_limit = params.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        if not re.fullmatch(r"[0-9]{1,3}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise BadRequest("limit must be a whole number from 1 to 100.", {"limit": ["must be 1-100"]})
        limit = int(raw_limit)
    cursor = params.get("cursor")
    if cursor is not None and not cursor:
        raise BadRequest("cursor must not be empty.", {"cursor": ["must not be empty"]})
    return limit, cursor


def if_match(request) -> str | None:
    """The entity tag in If-Match; an empty header counts as none."""
    value = (request.headers.get("if-match") or "").strip()
    return value or None


def page(result, present) -> dict:
    """One page of a listing use case's result, each item presented."""
    return {"items": [present(item) for item in result.items], "next_cursor": result.next_cursor}


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def csv_response(rows: list[dict], columns: list[str], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
    return Response(
        body=out.getvalue(),
        status_code=200,
        headers={"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_cell(value) -> str:
    """Cells that a spreadsheet would run as a formula get a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


PAGINATION = (
    {"name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
    {"name": "cursor", "schema": {"type": "string", "minLength": 1}, "description": "next_cursor from the previous page."},
)

# Conditional requests (RFC 9110, section 13.1), as /openapi.json declares them: `*` or a
# comma-separated list of entity-tags.
_ENTITY_TAGS = {"type": "string", "pattern": r'^\s*(\*|(W/)?"[\x21\x23-\x7e]*"(\s*,\s*(W/)?"[\x21\x23-\x7e]*")*)\s*$'}
IF_MATCH = {
    "name": "If-Match",
    "required": False,
    "schema": _ENTITY_TAGS,
    "description": "Only if the record's ETag is one of these (`*`: only if it exists); 412 otherwise.",
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "required": False,
    "schema": _ENTITY_TAGS,
    "description": "`*` makes the PUT create-only: 412 if the record exists (or if its ETag is one of these).",
}
CONDITIONAL_PUT = (IF_MATCH, IF_NONE_MATCH)  # a PUT that replaces a record
IF_MATCH_REQUIRED = (  # a PATCH
    {**IF_MATCH, "required": True, "description": "The ETag last read: 428 without it, 412 if the record has changed since."},
)
