"""Which HTTP status each domain error is, by its type (never its message): one table for both
edges (problem+json for the API, a GOV.UK error page for the pages)."""

import logging

from chalicelib.domain import errors as domain

log = logging.getLogger(__name__)

STATUS_BY_ERROR = {
    domain.BadRequest: 400,
    domain.Unauthenticated: 401,
    domain.Forbidden: 403,
    domain.NotFound: 404,
    domain.AlreadyExists: 409,
    domain.Conflict: 409,
    domain.StaleWrite: 412,
    domain.PreconditionRequired: 428,
    domain.Invalid: 422,
    domain.Misconfigured: 500,
    domain.Unavailable: 503,
}


def status_of(error: domain.DomainError) -> int:
    return next(code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind))


def log_if_not_the_callers(error: domain.DomainError) -> None:
    """The failures that are the deployment's or the identity provider's, not the caller's: in
    the logs for whoever runs it, whichever edge answered."""
    if isinstance(error, domain.Misconfigured):
        log.error("The deployment is misconfigured: %s", error.detail)
    elif isinstance(error, domain.SignInUnavailable):
        log.warning("The identity provider's keys could not be fetched")


def retry_after(error: domain.DomainError) -> dict:
    """A Retry-After header for errors that pass (the store or the identity provider busy)."""
    seconds = getattr(error, "retry_after_seconds", None)
    return {"Retry-After": str(seconds)} if seconds else {}


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
