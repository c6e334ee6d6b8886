"""The one place errors become HTTP: RFC 9457 problem details, by exception type."""

import json
from http import HTTPStatus

from chalice import Response

from chalicelib import config
from chalicelib.domain import errors as domain

PROBLEM_JSON = "application/problem+json"

STATUS_BY_ERROR = {
    domain.BadRequest: 400,
    domain.Forbidden: 403,
    domain.NotFound: 404,
    domain.AlreadyExists: 409,
    domain.Conflict: 409,
    domain.StaleWrite: 412,
    domain.PreconditionRequired: 428,
    domain.Invalid: 422,
    domain.Unavailable: 503,
}


def problem(status: int, detail: str, errors: dict | None = None, headers: dict | None = None) -> Response:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(
        body=json.dumps(body),
        status_code=status,
        headers={"Content-Type": PROBLEM_JSON, "Cache-Control": "no-store", **(headers or {})},
    )


def from_domain_error(error: domain.DomainError) -> Response:
    status = status_of(error)
    headers = {"Retry-After": "1"} if status == 503 else None
    return problem(status, error.detail, error.errors, headers)


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as field paths: {"contract": {"end": [...]}} -> "contract.end"."""
    if isinstance(messages, list):
        return {prefix or "body": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        path = str(key) if key != "_schema" else ""
        path = f"{prefix}.{path}" if prefix and path else (path or prefix)
        for field, texts in flatten(value, path).items():
            flat.setdefault(field, []).extend(texts)
    return flat


def status_of(error: domain.DomainError) -> int:
    return next(code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind))


def rewrite_chalice_error(response: Response) -> Response:
    """Chalice's own 4xx/5xx responses ({"Code", "Message"}) as problem details."""
    content_type = response.headers.get("Content-Type") or ""
    if response.status_code < 400 or content_type == PROBLEM_JSON or content_type.startswith("text/html"):
        return response  # already a problem, or a page (chalicelib/web) with its own error text
    body = response.body if isinstance(response.body, dict) else {}
    status = response.status_code
    detail = {
        405: "This path does not allow that method.",
        415: "Send the body as application/json.",
        500: "An internal error occurred.",
    }.get(status, body.get("Message") or HTTPStatus(status).phrase)
    keep = {k: v for k, v in response.headers.items() if k.lower() == "allow"}
    return problem(status, detail, headers=keep)


def with_standard_headers(response: Response) -> Response:
    """Headers every response carries: no content sniffing; not stored by any cache unless the
    route said otherwise (what a signed-in caller reads is one council's private data); and,
    deployed (always HTTPS), HTTP Strict Transport Security."""
    present = {name.lower() for name in response.headers}
    if "x-content-type-options" not in present:
        response.headers["X-Content-Type-Options"] = "nosniff"
    if "cache-control" not in present:
        response.headers["Cache-Control"] = "no-store"
    if config.deployed() and "strict-transport-security" not in present:
        response.headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains"
    return response


HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600
