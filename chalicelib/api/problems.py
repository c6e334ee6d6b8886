"""The API's errors as RFC 9457 problem details, with the status chalicelib/edge/errors.py gives
each domain error type."""

import json
from http import HTTPStatus

from chalice import Response

from chalicelib.domain import errors as domain
from chalicelib.edge.errors import log_if_not_the_callers, retry_after, status_of

PROBLEM_JSON = "application/problem+json"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ldd-tracker"'}


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
    log_if_not_the_callers(error)
    if isinstance(error, domain.Unauthenticated):
        return problem(401, f"Sign in with a valid bearer token: {error.detail}.", headers=CHALLENGE)
    if isinstance(error, domain.Misconfigured):
        return problem(500, "This deployment is misconfigured; requests are refused.")
    if isinstance(error, domain.SignInUnavailable):
        return problem(503, "Sign-in is unavailable for a moment; try again.", headers=retry_after(error))
    return problem(status, error.detail, error.errors, retry_after(error))


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
