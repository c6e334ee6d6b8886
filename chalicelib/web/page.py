"""How a page is served: the signed-in person from the session cookie (an ID token, checked like
a bearer token), the CSRF check on every form, the GOV.UK error page for every failure (the one
errors table, chalicelib/edge/errors.py, gives the status), and links that work wherever the app
is mounted. The page families (sign_in, dashboard, service_pages, edit_pages) register on `bp`."""

from __future__ import annotations

import functools
import logging
import urllib.parse

from chalice import Blueprint, Response

from chalicelib import config, observability
from chalicelib.bootstrap import use_cases
from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import DomainError, Misconfigured, Unauthenticated
from chalicelib.edge.errors import log_if_not_the_callers, retry_after, status_of
from chalicelib.edge.http import MAX_BODY_BYTES, check_path
from chalicelib.web import session
from chalicelib.web.rendering import html_response, is_page, redirect

bp = Blueprint(__name__)
log = logging.getLogger(__name__)
FORM = ["application/x-www-form-urlencoded"]
MAX_FORM_FIELDS = 2000  # the assessment form has about 150
MAX_NEXT_CHARS = 1000
PAGES: list[tuple[str, str]] = []  # (method, path): the page tests check each one


class NotSignedIn(Exception):
    pass


class FormTooLarge(Exception):
    pass


def page(path: str, methods: tuple[str, ...] = ("GET",)):
    """Register a page that needs a signed-in person: the view receives the principal, the
    request and the path parameters. A POST must carry the session's CSRF token."""

    def decorator(view):
        @functools.wraps(view)
        def handle(**params):
            request = bp.current_request

            def run():
                token = session.cookies(request).get(session.SESSION_COOKIE)
                try:
                    principal = signed_in(token)
                except NotSignedIn:
                    if request.method == "POST":
                        # Not a redirect: the browser would carry the form on to the identity
                        # provider, which the page's form-action policy (rightly) blocks.
                        return html("session_ended.html", 401, title="Your session has ended", again=actual_path(request))
                    return go(sign_in_path(path_and_query(request)))
                observability.note_principal(principal)
                request.session_token = token  # for the CSRF token the page's forms carry
                if request.method == "POST":
                    request.form = read_form(request)
                    if not session.csrf_ok(token, request.form.get(session.CSRF_FIELD)):
                        return error(403, "This form has expired or did not come from this site. Go back, reload the page and try again.")
                check_path(params)
                return view(principal, request, **params)

            return spend_flash(request, guarded(run))

        for method in methods:
            PAGES.append((method, path))
            # Chalice checks the Content-Type of every method a route has: forms are POSTed as
            # urlencoded, and a GET (no body) must not be held to that.
            options = {"content_types": FORM} if method == "POST" else {}
            bp.route(path, methods=[method], name=f"{view.__name__}_{method.lower()}", **options)(handle)
        return handle

    return decorator


def spend_flash(request, response: Response) -> Response:
    """The first page shown after a success message clears it, so a reload does not say it again
    (a redirect, such as off to sign in, leaves it for the page after)."""
    if session.FLASH_COOKIE in session.cookies(request) and is_page(response):
        earlier = response.headers.get("Set-Cookie") or []
        earlier = [earlier] if isinstance(earlier, str) else list(earlier)
        response.headers["Set-Cookie"] = [*earlier, session.cleared(session.FLASH_COOKIE)]
    return response


def guarded(run) -> Response:
    """What a page shows when something other than the page went wrong."""
    try:
        return run()
    except Misconfigured as problem:
        log_if_not_the_callers(problem)
        return error(500, "Sign-in is misconfigured on this deployment.")
    except DomainError as problem:
        log_if_not_the_callers(problem)
        return error(status_of(problem), _shown_detail(problem), retry_after(problem))
    except FormTooLarge:
        return error(413, f"The form is larger than {MAX_BODY_BYTES // 1024} KB or has too many fields.")
    except Exception:
        log.exception("Unexpected error on a page")
        return error(500, "Something went wrong on our side. Nothing you sent was saved unless the page said so.")


def _shown_detail(problem: DomainError) -> str:
    if status_of(problem) == 503:
        return "The service is busy or sign-in is unavailable for a moment. Try again in a few seconds."
    return problem.detail


def signed_in(token: str | None) -> Principal:
    try:
        return use_cases().sign_in.session(token)
    except Unauthenticated:
        raise NotSignedIn() from None


def read_form(request) -> dict:
    """The urlencoded form: the first value of each name, and every (name, value) pair under
    "__all__" for fields with several values (checkboxes)."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise FormTooLarge()
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:  # more fields than any of our forms has
        raise FormTooLarge() from None
    form: dict = {}
    for name, value in pairs:
        form.setdefault(name, value)
    form["__all__"] = pairs
    return form


ERROR_TITLES = {
    403: "You cannot see this page",
    404: "Page not found",
    405: "Page not found",
    409: "Someone else changed this first",
    412: "Someone else changed this first",
    413: "The form is too large",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def error(status: int, detail: str, headers: dict | None = None) -> Response:
    return html("error.html", status, headers, title=ERROR_TITLES.get(status, "There is a problem"), detail=detail)


def chalice_error_page(status: int, allow: str | None) -> Response:
    """A GOV.UK page for what Chalice answers itself under /app (a method the page lacks)."""
    detail = {405: "This page cannot do that. Go back and try again."}.get(status, "Something went wrong on our side.")
    return error(status, detail, {"Allow": allow} if allow else None)


def html(template: str, status: int = 200, headers: dict | None = None, **context) -> Response:
    return html_response(template, status, headers, root=root(bp.current_request), **context)


def go(path: str, status: int = 303, cookies: list[str] | None = None) -> Response:
    """A redirect to one of our pages (`path` starts /app), wherever the app is mounted."""
    return redirect(root(bp.current_request) + path, status, cookies)


def root(request) -> str:
    """What comes before /app in links: APP_BASE_URL's path, else the API Gateway stage on an
    execute-api address (/api), else nothing (the local server, a custom domain's root)."""
    base = config.app_base_url()
    if base:
        return urllib.parse.urlsplit(base).path.rstrip("/")
    stage, domain = request.context.get("stage"), request.context.get("domainName") or ""
    return f"/{stage}" if stage and ".execute-api." in domain else ""


def base_url(request) -> str:
    """APP_BASE_URL, else this API Gateway stage's own address."""
    base = config.app_base_url()
    if base:
        return base
    domain = request.context.get("domainName")
    if not domain:
        raise Misconfigured("APP_BASE_URL is not set and the request does not say which host it came to")
    return f"https://{domain}{root(request)}"


def actual_path(request) -> str:
    path = request.context.get("path") or "/app"
    stage = request.context.get("stage")
    # On API Gateway `path` includes the stage (/api/app/...); links are relative to the stage.
    if stage and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]
    return path


def path_and_query(request) -> str:
    query = urllib.parse.urlencode(request.query_params or {})
    return actual_path(request) + (f"?{query}" if query else "")


def sign_in_path(next_path: str) -> str:
    return "/app/sign-in?" + urllib.parse.urlencode({"next": next_path})


def safe_next(value: str | None) -> str:
    """Only a path of our own pages: never another site (an open redirect)."""
    if (
        value
        and value.startswith("/app")
        and len(value) <= MAX_NEXT_CHARS
        and "\\" not in value
        and value.isprintable()
        and " " not in value
    ):
        return value
    return "/app"


def common(principal: Principal, request, org_id: str | None = None) -> dict:
    return {
        "principal": principal,
        "org_id": org_id or principal.org_id,
        "csrf_token": session.csrf_token(request.session_token),
        "csrf_field": session.CSRF_FIELD,
        "leader": access.allows(access.require_leadership_view, principal, org_id or principal.org_id or ""),
    }


def may_edit(principal: Principal, org_id: str, owner_email: str) -> bool:
    return access.allows(access.require_service_editor, principal, org_id, owner_email)
