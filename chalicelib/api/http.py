"""The JSON edge's plumbing: route registration (which also feeds /openapi.json), sign-in, path
and media-type checks, body parsing with the request schemas, list parameters and conditional
request headers. Errors become problem+json here and in problems.py."""

import functools
import json
import re
from dataclasses import dataclass

from chalice import Blueprint, Response
from marshmallow import Schema, ValidationError

from chalicelib import observability
from chalicelib.bootstrap import use_cases
from chalicelib.api.problems import from_domain_error, problem
from chalicelib.domain import text
from chalicelib.domain.errors import BadRequest, DomainError
from chalicelib.domain.preconditions import Preconditions
from chalicelib.edge.errors import flatten
from chalicelib.edge.http import MAX_BODY_BYTES, BodyTooLarge, check_path

# What a body may be sent as: JSON, and for PATCH also a JSON merge patch (RFC 7396), in UTF-8.
BODY_MEDIA_TYPES = {
    "POST": ("application/json",),
    "PUT": ("application/json",),
    "PATCH": ("application/json", "application/merge-patch+json"),
}
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


def route(
    bp: Blueprint,
    path: str,
    method: str,
    summary: str,
    tag: str,
    chosen_id: str | None = None,
    public: bool = False,
    cache: str | None = None,
    **doc,
):
    """Register a view on `bp`, turning domain and validation errors into problem details.

    Unless `public`, the request must carry a valid bearer token and the view receives the
    signed-in `principal` as its first argument. `chosen_id` names the path parameter this
    request chooses (it is created if absent). `cache`: the Cache-Control of a successful
    response that any cache may keep (public, unchanging data only); otherwise no-store."""

    def decorator(view):
        @functools.wraps(view)
        def handle(**params):
            try:
                args = ()
                if not public:
                    principal = use_cases().sign_in.bearer(bp.current_request.headers.get("authorization"))
                    observability.note_principal(principal)
                    args = (principal,)
                check_path(params, chosen_id)
                if method in BODY_MEDIA_TYPES:
                    check_media_type(bp.current_request, BODY_MEDIA_TYPES[method])
                result = view(*args, **params)
                response = result if isinstance(result, Response) else json_response(result)
                if cache:
                    response.headers.setdefault("Cache-Control", cache)
                return response
            except DomainError as error:
                return from_domain_error(error)
            except ValidationError as error:
                return problem(422, "The request body is not valid.", flatten(error.messages))
            except BodyTooLarge:
                return problem(413, f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.")
            except UnsupportedMediaType as error:
                return problem(415, str(error))

        ROUTES.append(RouteDoc(path=path, method=method, summary=summary, tag=tag, public=public, **doc))
        options = {"content_types": list(BODY_MEDIA_TYPES[method])} if method in BODY_MEDIA_TYPES else {}
        bp.route(path, methods=[method], **options)(handle)
        return handle

    return decorator


def check_media_type(request, accepted: tuple[str, ...]) -> None:
    """A body must say it is one of `accepted`, in UTF-8 (RFC 8259 JSON has no other charset);
    a body with no Content-Type is not taken for JSON. A request with no body needs none."""
    header = request.headers.get("content-type")
    if header is None:
        if request.raw_body:
            raise UnsupportedMediaType(f"Say what the body is: Content-Type: {accepted[0]}.")
        return
    media_type, _, parameters = header.partition(";")
    if media_type.strip().lower() not in accepted:
        raise UnsupportedMediaType(f"Send the body as {' or '.join(accepted)}.")
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise UnsupportedMediaType("Send the body in UTF-8 (charset=utf-8, or no charset).")


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
    broken = list(text.unpaired_surrogates(data))
    if broken:
        # Valid JSON, but not text: it could be neither stored nor shown as UTF-8.
        raise ValidationError({path: ["must be Unicode text (it holds an unpaired UTF-16 surrogate)"] for path in broken})
    return data


class UnsupportedMediaType(Exception):
    """The body is not sent as a media type (or charset) the route takes: 415."""


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def list_params(request, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> tuple[int, str | None]:
    params = request.query_params or {}
    raw_limit = params.get("limit")
    limit = default
    if raw_limit is not None:
        if not re.fullmatch(r"[0-9]{1,4}", raw_limit) or not 1 <= int(raw_limit) <= maximum:
            raise BadRequest(f"limit must be a whole number from 1 to {maximum}.", {"limit": [f"must be 1-{maximum}"]})
        limit = int(raw_limit)
    cursor = params.get("cursor")
    if cursor is not None and not cursor:
        raise BadRequest("cursor must not be empty.", {"cursor": ["must not be empty"]})
    return limit, cursor


def preconditions(request) -> Preconditions:
    """The request's If-Match and If-None-Match (a malformed one is 400)."""
    return Preconditions.from_headers(request.headers.get("if-match"), request.headers.get("if-none-match"))


def page(result, present) -> dict:
    """One page of a listing use case's result, each item presented."""
    return {"items": [present(item) for item in result.items], "next_cursor": result.next_cursor}


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def pagination(default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT, cursor_field: str = "next_cursor") -> tuple[dict, dict]:
    return (
        {"name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}},
        {"name": "cursor", "schema": {"type": "string", "minLength": 1}, "description": f"{cursor_field} from the previous page."},
    )


PAGINATION = pagination()

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
