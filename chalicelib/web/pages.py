"""The pages under /app: GOV.UK Design System HTML over the same use cases as the API.

Every page resolves the signed-in person from the session cookie (an ID token, checked like a
bearer token), calls a use case, and renders what the API's presenters make of the result, so
rules, rounding and permissions exist once. Forms post back to their own page; a form with
errors is shown again with the GOV.UK error summary and nothing is stored."""

from __future__ import annotations

import functools
import hmac
import logging
import os
import re
import urllib.parse

from chalice import Blueprint, Response
from marshmallow import ValidationError

from chalicelib import bootstrap, observability
from chalicelib.adapters import oidc, oidc_client
from chalicelib.api import presenters
from chalicelib.api.http import MAX_BODY_BYTES, PATH_PATTERNS, check_path, csv_response
from chalicelib.api.problems import flatten, status_of
from chalicelib.api.scorecards import csv_table
from chalicelib.bootstrap import use_cases
from chalicelib.domain.catalogue import RATINGS
from chalicelib.schemas.requests import ComponentIn, ServiceIn
from chalicelib.domain.etags import component_etag
from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, DomainError, Forbidden, Invalid
from chalicelib.domain.model import PHASES
from chalicelib.domain.preconditions import NONE, Preconditions
from chalicelib.domain.scorecards import RISKS, STALE_AFTER_MONTHS
from chalicelib.web import charts, forms, session
from chalicelib.web.rendering import html_response, redirect

bp = Blueprint(__name__)
log = logging.getLogger(__name__)
FORM = ["application/x-www-form-urlencoded"]
MAX_FORM_FIELDS = 2000  # the assessment form has about 150
MAX_NEXT_CHARS = 1000
PAGES: list[tuple[str, str]] = []  # (method, path): the page tests check each one


class NotSignedIn(Exception):
    pass


# --- plumbing --------------------------------------------------------------------------------


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
                    principal = _principal(token)
                except NotSignedIn:
                    if request.method == "POST":
                        # Not a redirect: the browser would carry the form on to the identity
                        # provider, which the page's form-action policy (rightly) blocks.
                        return _html("session_ended.html", 401, title="Your session has ended", again=_actual_path(request))
                    return _go(_sign_in_path(_path_and_query(request)))
                observability.note_principal(principal)
                request.session_token = token  # for the CSRF token the page's forms carry
                if request.method == "POST":
                    request.form = _form(request)
                    if not session.csrf_ok(token, request.form.get(session.CSRF_FIELD)):
                        return _error(403, "This form has expired or did not come from this site. Go back, reload the page and try again.")
                check_path(params)
                return view(principal, request, **params)

            return _guarded(run)

        for method in methods:
            PAGES.append((method, path))
            # Chalice checks the Content-Type of every method a route has: forms are POSTed as
            # urlencoded, and a GET (no body) must not be held to that.
            options = {"content_types": FORM} if method == "POST" else {}
            bp.route(path, methods=[method], name=f"{view.__name__}_{method.lower()}", **options)(handle)
        return handle

    return decorator


def _guarded(run) -> Response:
    """What a page shows when something other than the page went wrong."""
    try:
        return run()
    except oidc.KeysUnavailable:
        return _error(503, "Sign-in is unavailable for a moment. Try again in a few seconds.", {"Retry-After": "5"})
    except oidc.Misconfigured as error:
        log.error("Sign-in is misconfigured: %s", error)
        return _error(500, "Sign-in is misconfigured on this deployment.")
    except DomainError as error:
        return _error(status_of(error), error.detail)
    except FormTooLarge:
        return _error(413, f"The form is larger than {MAX_BODY_BYTES // 1024} KB or has too many fields.")
    except Exception:
        log.exception("Unexpected error on a page")
        return _error(500, "Something went wrong on our side. Nothing you sent was saved unless the page said so.")


class FormTooLarge(Exception):
    pass


def _principal(token: str | None) -> Principal:
    if not token:
        raise NotSignedIn()
    auth = bootstrap.authenticator()
    try:
        claims = auth.verify(token, audience=oidc_client.ClientSettings.from_env().client_id)
        return auth.principal(claims)
    except oidc.Unauthenticated:
        raise NotSignedIn() from None


def _form(request) -> dict:
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
    409: "Someone else changed this first",
    412: "Someone else changed this first",
    413: "The form is too large",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def _error(status: int, detail: str, headers: dict | None = None) -> Response:
    return _html("error.html", status, headers, title=ERROR_TITLES.get(status, "There is a problem"), detail=detail)


def _html(template: str, status: int = 200, headers: dict | None = None, **context) -> Response:
    return html_response(template, status, headers, root=_root(bp.current_request), **context)


def _go(path: str, status: int = 303, cookies: list[str] | None = None) -> Response:
    """A redirect to one of our pages (`path` starts /app), wherever the app is mounted."""
    return redirect(_root(bp.current_request) + path, status, cookies)


def _root(request) -> str:
    """What comes before /app in links: APP_BASE_URL's path, else the API Gateway stage on an
    execute-api address (/api), else nothing (the local server, a custom domain's root)."""
    base = (os.environ.get("APP_BASE_URL") or "").strip()
    if base:
        return urllib.parse.urlsplit(base).path.rstrip("/")
    stage, domain = request.context.get("stage"), request.context.get("domainName") or ""
    return f"/{stage}" if stage and ".execute-api." in domain else ""


def _actual_path(request) -> str:
    path = request.context.get("path") or "/app"
    stage = request.context.get("stage")
    # On API Gateway `path` includes the stage (/api/app/...); links are relative to the stage.
    if stage and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]
    return path


def _path_and_query(request) -> str:
    query = urllib.parse.urlencode(request.query_params or {})
    return _actual_path(request) + (f"?{query}" if query else "")


def _sign_in_path(next_path: str) -> str:
    return "/app/sign-in?" + urllib.parse.urlencode({"next": next_path})


def _base_url(request, settings: oidc_client.ClientSettings) -> str:
    """APP_BASE_URL, else this API Gateway stage's own address."""
    if settings.base_url:
        return settings.base_url
    domain = request.context.get("domainName")
    if not domain:
        raise oidc.Misconfigured("APP_BASE_URL is not set and the request does not say which host it came to")
    return f"https://{domain}{_root(request)}"


def _safe_next(value: str | None) -> str:
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


def _common(principal: Principal, request, org_id: str | None = None) -> dict:
    return {
        "principal": principal,
        "org_id": org_id or principal.org_id,
        "csrf_token": session.csrf_token(request.session_token),
        "csrf_field": session.CSRF_FIELD,
        "leader": access.allows(access.require_leadership_view, principal, org_id or principal.org_id or ""),
    }


# --- signing in and out ----------------------------------------------------------------------


@bp.route("/app/sign-in", methods=["GET"])
def sign_in():
    """Off to the identity provider, with PKCE, a state and a nonce kept in a short cookie."""
    request = bp.current_request

    def run():
        settings = oidc_client.ClientSettings.from_env()
        auth = bootstrap.authenticator()
        attempt = oidc_client.SignInAttempt.start(_safe_next((request.query_params or {}).get("next")))
        callback_url = _base_url(request, settings) + "/app/callback"
        target = oidc_client.authorization_url(auth.discovery(), settings, callback_url, attempt, auth.deployed)
        return redirect(target, 302, [session.sign_in_cookie(attempt)])

    return _guarded(run)


@bp.route("/app/callback", methods=["GET"])
def callback():
    """The provider sends the browser back here with a code: swap it for an ID token, check it
    (signature, issuer, audience, expiry, and the nonce of this attempt), start the session."""
    request = bp.current_request
    params = request.query_params or {}
    attempt = session.sign_in_attempt(request)
    if params.get("error"):
        # The provider's error code only (RFC 6749 section 4.1.2.1), never free text from the URL.
        code = params["error"] if re.fullmatch(r"[a-z_]{1,40}", params["error"]) else "an error"
        return _error(403, f"Sign-in did not complete: the identity provider answered {code}.")
    if attempt is None or not params.get("code") or not params.get("state") or not _same(params["state"], attempt.state):
        return _html("sign_in_again.html", 400, title="Sign in again")

    def run():
        settings = oidc_client.ClientSettings.from_env()
        auth = bootstrap.authenticator()
        redirect_uri = _base_url(request, settings) + "/app/callback"
        try:
            id_token = oidc_client.exchange_code(auth.discovery(), settings, redirect_uri, params["code"], attempt, auth.deployed)
            claims = auth.verify(id_token, audience=settings.client_id)
            if not _same(str(claims.get("nonce") or ""), attempt.nonce):
                raise oidc.Unauthenticated("the ID token's nonce is not this sign-in's")
            auth.principal(claims)
        except oidc.Unauthenticated as error:
            log.warning("Sign-in refused: %s", error)
            return _html("sign_in_again.html", 400, title="Sign in again")
        cookie = session.session_cookie(id_token)
        if len(cookie) > session.MAX_COOKIE_BYTES:
            log.error("The identity provider's ID token (%d bytes) is too large for a session cookie", len(id_token))
            return _error(500, "Sign-in is misconfigured on this deployment: the identity provider's token is too large.")
        return _go(_safe_next(attempt.next_path), cookies=[cookie, session.cleared(session.SIGN_IN_COOKIE)])

    return _guarded(run)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@bp.route("/app/sign-out", methods=["POST"], content_types=FORM)
def sign_out():
    """Ends the session in this browser. With a live session the form's CSRF token is checked;
    without one there is nothing to protect, and the (stale) cookie is cleared all the same."""
    request = bp.current_request

    def run():
        token = session.cookies(request).get(session.SESSION_COOKIE)
        try:
            _principal(token)
        except NotSignedIn:
            token = None
        if token and not session.csrf_ok(token, _form(request).get(session.CSRF_FIELD)):
            return _error(403, "This form has expired or did not come from this site. Go back, reload the page and try again.")
        return _go("/app/signed-out", cookies=[session.cleared(session.SESSION_COOKIE)])

    return _guarded(run)


@bp.route("/app/signed-out", methods=["GET"])
def signed_out():
    return _guarded(lambda: _html("signed_out.html", title="You have signed out", provider_sign_out=_provider_sign_out_url()))


def _provider_sign_out_url() -> str | None:
    """Where to end the identity provider's own session too (on a shared computer, the next
    person would otherwise be signed straight back in): OIDC_LOGOUT_URL (Cognito's, set by the
    stack), else the provider's end_session_endpoint (OpenID Connect RP-initiated logout)."""
    configured = (os.environ.get("OIDC_LOGOUT_URL") or "").strip()
    if configured:
        return configured
    try:
        settings = oidc_client.ClientSettings.from_env()
        endpoint = bootstrap.authenticator().discovery().get("end_session_endpoint")
        back = _base_url(bp.current_request, settings) + "/app/signed-out"
    except (oidc.KeysUnavailable, oidc.Misconfigured):
        return None
    if not isinstance(endpoint, str) or not endpoint.startswith("https://"):
        return None
    query = urllib.parse.urlencode({"client_id": settings.client_id, "post_logout_redirect_uri": back})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


# --- pages -----------------------------------------------------------------------------------


@page("/app")
def home(principal, request):
    """Leaders land on their organisation's dashboard, everyone else on its services."""
    if principal.org_id is None:
        return _error(403, "These pages are for a council's staff. Platform administrators use the API.")
    if access.allows(access.require_leadership_view, principal, principal.org_id):
        return _go(f"/app/orgs/{principal.org_id}")
    return _go(f"/app/orgs/{principal.org_id}/services")


@page("/app/orgs/{org_id}")
def dashboard(principal, request, org_id):
    params = request.query_params or {}
    department = params.get("department") or None
    board = use_cases().dashboard.for_org(principal, org_id, department)
    card = presenters.org_scorecard(board.scorecard, department)
    trend = [presenters.history_point(s) for s in board.trend]
    framework = use_cases().context.current_framework
    return _html(
        "dashboard.html",
        title="Dashboard",
        org=board.org,
        card=card,
        service_names={s["service_id"]: s["name"] for s in card["services"]},
        projects=[presenters.project(p, use_cases().context.clock.today()) for p in board.projects],
        department=department,
        principles={p.principle_id: p for p in framework.principles},
        levels=framework.levels,
        risks=tuple(reversed(RISKS)),
        policy=framework.lock_in,
        trend=trend,
        trend_chart=charts.line_chart(
            [(forms.month_label(p["month"]), p["average_score"]) for p in trend],
            title="Average score by month",
            description=forms.trend_description(trend),
            y_label="Average score",
            y_min=0,
            y_max=100,
            chart_id="trend",
        ),
        benchmark_set=board.benchmark_set,
        benchmark=presenters.benchmark_position(board.benchmark) if board.benchmark else None,
        **_common(principal, request, org_id),
    )


@page("/app/orgs/{org_id}/scorecard.csv")
def dashboard_csv(principal, request, org_id):
    department = (request.query_params or {}).get("department") or None
    card = use_cases().scorecards.for_org(principal, org_id, department)
    response = csv_response(*csv_table(presenters.org_scorecard(card, department)), f"{org_id}-scorecard.csv")
    response.headers["Cache-Control"] = "no-store"  # signed in by cookie: no shared cache may keep it
    return response


@page("/app/orgs/{org_id}/services")
def services(principal, request, org_id):
    params = request.query_params or {}
    cursor = params.get("cursor") or None
    result = use_cases().services.list(principal, org_id, 100, cursor)
    return _html(
        "services.html",
        title="Services",
        services=[presenters.service(s) for s in result.items],
        mine={s.service_id for s in result.items if principal.owns(s.owner_email)},
        may_register=access.allows(access.require_org_member_who_may_edit, principal, org_id),
        next_cursor=result.next_cursor,
        **_common(principal, request, org_id),
    )


@page("/app/orgs/{org_id}/new-service", ("GET", "POST"))
def new_service(principal, request, org_id):
    """Register a service: admins register any; a service owner registers their own."""
    access.require_org_member_who_may_edit(principal, org_id)
    errors: dict = {}
    values = {"owner_email": principal.email or ""} if not access.allows(access.require_admin, principal, org_id) else {}
    if request.method == "POST":
        values = request.form
        try:
            created = use_cases().services.create(principal, org_id, ServiceIn().load(forms.service_body(values)))
            return _go(f"/app/orgs/{org_id}/services/{created.service_id}?registered=1")
        except ValidationError as error:
            errors = flatten(error.messages)
        except Forbidden as refused:  # a service owner naming someone else as the owner
            errors = {"owner_email": [refused.detail]}
    return _html(
        "service_form.html",
        422 if errors else 200,
        title="Register a service",
        values=values,
        phases=PHASES,
        errors=forms.error_list(errors, forms.SERVICE_FIELDS),
        field_errors=forms.field_errors(errors, forms.SERVICE_FIELDS),
        **_common(principal, request, org_id),
    )


@page("/app/orgs/{org_id}/services/{service_id}")
def service(principal, request, org_id, service_id):
    uc = use_cases()
    svc = uc.services.get(principal, org_id, service_id)
    card = presenters.service_scorecard(uc.scorecards.for_service(principal, org_id, service_id))
    components = [presenters.component(c, uc.components.flags(c)) for c in uc.components.list(principal, org_id, service_id)]
    history = uc.assessments.list(principal, org_id, service_id, 50, None)
    assessments = [presenters.assessment(a) for a in history.items]
    latest = assessments[0] if assessments else None
    # The latest score is explained in the words of the framework it answered, which may be an
    # older revision than the one offered now; the lock-in rules are always the current ones.
    current = uc.context.current_framework
    framework = uc.context.catalogue.get(latest["framework_id"], current) if latest else current
    chart_points = [(forms.day_label(a["submitted_at"]), a["score"]["overall"]) for a in reversed(assessments)]
    return _html(
        "service.html",
        title=svc.name,
        service=presenters.service(svc),
        card=card,
        latest=latest,
        components=components,
        assessments=assessments,
        more_assessments=history.next_cursor is not None,
        questions={q.question_id: q for q in framework.questions},
        principles={p.principle_id: p for p in framework.principles},
        rules=current.lock_in.rules,
        options_by_field=forms.COMPONENT_OPTIONS,
        stale_after_months=STALE_AFTER_MONTHS,
        may_edit=_may_edit(principal, org_id, svc.owner_email),
        submitted=(request.query_params or {}).get("submitted") == "1",
        registered=(request.query_params or {}).get("registered") == "1",
        # Only a component of this service: the banner must not say what a crafted link likes.
        saved=next((c["component_id"] for c in components if c["component_id"] == (request.query_params or {}).get("saved")), None),
        score_chart=charts.line_chart(
            chart_points,
            title=f"Score of each assessment of {svc.name}",
            description=forms.score_description(chart_points),
            y_label="Score",
            y_min=0,
            y_max=100,
            chart_id="scores",
        ),
        chart_points=chart_points,
        **_common(principal, request, org_id),
    )


def _may_edit(principal: Principal, org_id: str, owner_email: str) -> bool:
    return access.allows(access.require_service_editor, principal, org_id, owner_email)


@page("/app/orgs/{org_id}/services/{service_id}/assessment", ("GET", "POST"))
def assessment_form(principal, request, org_id, service_id):
    uc = use_cases()
    svc = uc.services.get(principal, org_id, service_id)
    if not _may_edit(principal, org_id, svc.owner_email):
        raise Forbidden("Only the service's owner or an administrator can submit its assessment.")
    framework = uc.context.current_framework
    values, errors, form = {}, {}, None
    if request.method == "POST":
        values = request.form
        form = forms.assessment_body(framework, values)
        answers, errors = forms.read_assessment(framework, form.body)
        if not errors:
            try:
                uc.assessments.submit(principal, org_id, service_id, framework.framework_id, answers)
                return _go(f"/app/orgs/{org_id}/services/{service_id}?submitted=1#latest-score")
            except Invalid as invalid:
                errors = invalid.errors or {"answers": [invalid.detail]}
    return _html(
        "assessment_form.html",
        422 if errors else 200,
        title=f"Assess {svc.name}",
        service=presenters.service(svc),
        framework=framework,
        ratings=RATINGS,
        labels=forms.RATING_LABELS,
        values=values,
        errors=forms.assessment_error_list(framework, errors, form),
        field_errors=forms.assessment_field_errors(framework, errors, form),
        **_common(principal, request, org_id),
    )


@page("/app/orgs/{org_id}/services/{service_id}/new-component", ("GET", "POST"))
def new_component(principal, request, org_id, service_id):
    return _component_page(principal, request, org_id, service_id, None)


@page("/app/orgs/{org_id}/services/{service_id}/components/{component_id}", ("GET", "POST"))
def edit_component(principal, request, org_id, service_id, component_id):
    return _component_page(principal, request, org_id, service_id, component_id)


def _new_component_id_errors(chosen: str) -> dict[str, list[str]]:
    """What is wrong with a new component's name on its face; a name already taken is
    ComponentService.put's Conflict (create_only), without a read of its own."""
    if not chosen:
        return {"component_id": [forms.MISSING[0]]}
    if not PATH_PATTERNS["component_id"].match(chosen):
        return {"component_id": ["use lower-case letters, digits and hyphens only, such as case-management"]}
    return {}


def _component_page(principal, request, org_id, service_id, component_id):
    uc = use_cases()
    svc = uc.services.get(principal, org_id, service_id)
    if not _may_edit(principal, org_id, svc.owner_email):
        raise Forbidden("Only the service's owner or an administrator can change its components.")
    existing = uc.components.get(principal, org_id, service_id, component_id) if component_id else None
    framework = uc.context.current_framework
    errors: dict = {}
    if request.method == "POST":
        values = request.form
        chosen = component_id or (values.get("component_id") or "").strip()
        body, errors = forms.component_body(values)
        if component_id is None:
            errors.update(_new_component_id_errors(chosen))
        try:
            spec = ComponentIn().load(body)
        except ValidationError as error:
            errors.update(flatten(error.messages))
        # An edit replaces only the version the form was made from (a missing etag matches none).
        etag = values.get("etag") if component_id else None
        version = Preconditions.matching(etag or "") if component_id else NONE
        if not errors:
            try:
                uc.components.put(
                    principal, org_id, service_id, chosen, spec, version, create_only=component_id is None
                )
                return _go(f"/app/orgs/{org_id}/services/{service_id}?saved={urllib.parse.quote(chosen)}#components")
            except Conflict as conflict:
                errors = {"component_id": [conflict.detail]}
            except Invalid as invalid:
                errors = invalid.errors or {"component_id": [invalid.detail]}
    else:
        values = forms.component_values(presenters.component(existing, [])) if existing else {}
        etag = component_etag(existing) if existing else None
    return _html(
        "component_form.html",
        422 if errors else 200,
        title=f"{'Change' if existing else 'Add'} a component of {svc.name}",
        service=presenters.service(svc),
        component_id=component_id,
        existing=presenters.component(existing, []) if existing else None,
        etag=etag,
        values=values,
        export_formats=framework.export_formats,
        rules=framework.lock_in.rules,
        policy=framework.lock_in,
        errors=forms.error_list(errors, forms.COMPONENT_FIELDS),
        field_errors=forms.field_errors(errors, forms.COMPONENT_FIELDS),
        options_by_field=forms.COMPONENT_OPTIONS,
        **_common(principal, request, org_id),
    )
