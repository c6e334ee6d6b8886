"""Signing in and out of the pages: off to the council's identity provider and back (the
authorization code flow with PKCE, a state and a nonce kept in a short cookie)."""

from __future__ import annotations

import logging
import re

from chalicelib.bootstrap import use_cases
from chalicelib.domain.errors import Misconfigured, Unauthenticated
from chalicelib.services.sign_in import same
from chalicelib.web import session
from chalicelib.web.page import FORM, NotSignedIn, base_url, bp, error, go, guarded, html, read_form, safe_next, signed_in
from chalicelib.web.rendering import redirect

log = logging.getLogger(__name__)


@bp.route("/app/sign-in", methods=["GET"])
def sign_in():
    request = bp.current_request

    def run():
        next_path = safe_next((request.query_params or {}).get("next"))
        target, attempt = use_cases().sign_in.start(next_path, base_url(request) + "/app/callback")
        return redirect(target, 302, [session.sign_in_cookie(attempt)])

    return guarded(run)


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
        return error(403, f"Sign-in did not complete: the identity provider answered {code}.")
    if attempt is None or not params.get("code") or not params.get("state") or not same(params["state"], attempt.state):
        return html("sign_in_again.html", 400, title="Sign in again")

    def run():
        try:
            id_token = use_cases().sign_in.finish(params["code"], attempt, base_url(request) + "/app/callback")
        except Unauthenticated as refused:
            log.warning("Sign-in refused: %s", refused.detail)
            return html("sign_in_again.html", 400, title="Sign in again")
        cookie = session.session_cookie(id_token)
        if len(cookie) > session.MAX_COOKIE_BYTES:
            log.error("The identity provider's ID token (%d bytes) is too large for a session cookie", len(id_token))
            return error(500, "Sign-in is misconfigured on this deployment: the identity provider's token is too large.")
        return go(safe_next(attempt.next_path), cookies=[cookie, session.cleared(session.SIGN_IN_COOKIE)])

    return guarded(run)


@bp.route("/app/sign-out", methods=["POST"], content_types=FORM)
def sign_out():
    """Ends the session in this browser. With a live session the form's CSRF token is checked;
    without one there is nothing to protect, and the (stale) cookie is cleared all the same."""
    request = bp.current_request

    def run():
        token = session.cookies(request).get(session.SESSION_COOKIE)
        try:
            signed_in(token)
        except NotSignedIn:
            token = None
        if token and not session.csrf_ok(token, read_form(request).get(session.CSRF_FIELD)):
            return error(403, "This form has expired or did not come from this site. Go back, reload the page and try again.")
        return go("/app/signed-out", cookies=[session.cleared(session.SESSION_COOKIE)])

    return guarded(run)


@bp.route("/app/signed-out", methods=["GET"])
def signed_out():
    """Offers to end the identity provider's own session too: on a shared computer, the next
    person would otherwise be signed straight back in."""

    def run():
        try:
            back = base_url(bp.current_request) + "/app/signed-out"
        except Misconfigured:
            back = None  # signing out of the tracker itself still works
        return html("signed_out.html", title="You have signed out", provider_sign_out=use_cases().sign_in.sign_out_url(back))

    return guarded(run)
