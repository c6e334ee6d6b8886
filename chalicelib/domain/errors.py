"""Domain errors. The HTTP edge maps each type (never its message) to one status code."""


class DomainError(Exception):
    """Base class; `detail` is safe to show to the caller."""

    title = "Error"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    title = "Not found"


class AlreadyExists(DomainError):
    title = "Already exists"


class Conflict(DomainError):
    """The write lost a race that retrying did not resolve."""

    title = "Conflict"


class Contended(Conflict):
    """A summary or roll-up item changed between the read and the write (another request in the
    same organisation): the use case reads again and retries; a Conflict if it never gets in."""


class StaleWrite(DomainError):
    """An If-Match precondition did not hold."""

    title = "Precondition failed"


class PreconditionRequired(DomainError):
    title = "Precondition required"


class Invalid(DomainError):
    """The request is well-formed but its content breaks a rule; `errors` names the fields."""

    title = "Validation failed"


class Forbidden(DomainError):
    title = "Forbidden"


class Unavailable(DomainError):
    """The store still throttles after retries."""

    title = "Service unavailable"
    retry_after_seconds = 1


class Unauthenticated(DomainError):
    """No credentials, or credentials that do not verify. `detail` is a short, safe reason that
    never contains the token."""

    title = "Unauthorized"


class SignInUnavailable(Unavailable):
    """The identity provider's discovery document or keys could not be fetched: not the caller's
    fault, and not for long."""

    retry_after_seconds = 5


class Misconfigured(DomainError):
    """The deployment itself is set up wrongly (an http:// issuer, the development key, a
    missing setting): every request is refused. `detail` is for the logs, not the caller."""

    title = "Internal server error"


class BadRequest(DomainError):
    """A malformed query parameter or cursor (400)."""

    title = "Bad request"


class Duplicate(DomainError):
    """An integration's delivery (integration_id, webhook-id) was already processed."""

    title = "Duplicate delivery"
