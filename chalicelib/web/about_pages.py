"""The pages anyone may read without signing in, linked from every page's footer: the
accessibility statement (GOV.UK's model statement, as the Public Sector Bodies Accessibility
Regulations 2018 ask) and the cookies page."""

from __future__ import annotations

import re
from datetime import date

from chalicelib import config
from chalicelib.web import session
from chalicelib.web.page import NotSignedIn, bp, common, guarded, html, signed_in

# When the statement was last reviewed against what the tests check: change it with the statement.
STATEMENT_PREPARED = date(2026, 12, 7)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@bp.route("/app/accessibility", methods=["GET"])
def accessibility():
    def run():
        contact = config.accessibility_contact_email()
        return html(
            "accessibility.html",
            title="Accessibility statement",
            contact=contact if contact and _EMAIL.fullmatch(contact) else None,
            contact_invalid=bool(contact) and not _EMAIL.fullmatch(contact),
            prepared=STATEMENT_PREPARED,
            **_viewer(),
        )

    return guarded(run)


@bp.route("/app/cookies", methods=["GET"])
def cookies():
    def run():
        return html(
            "cookies.html",
            title="Cookies",
            session_cookie=session.SESSION_COOKIE,
            sign_in_cookie=session.SIGN_IN_COOKIE,
            sign_in_minutes=session.SIGN_IN_SECONDS // 60,
            flash_cookie=session.FLASH_COOKIE,
            flash_seconds=session.FLASH_SECONDS,
            **_viewer(),
        )

    return guarded(run)


def _viewer() -> dict:
    """The signed-in person's header (menu, sign out) when there is one; nothing otherwise: these
    pages never send anyone to sign in."""
    request = bp.current_request
    token = session.cookies(request).get(session.SESSION_COOKIE)
    if not token:
        return {}
    try:
        principal = signed_in(token)
    except NotSignedIn:
        return {}
    request.session_token = token
    return common(principal, request)
