"""The pages' session: the ID token itself, in a Secure, HttpOnly, SameSite=Lax cookie.

Keeping the provider's signed token (rather than a session id) means no session table and no
signing key of our own: every page request verifies it exactly as the API verifies a bearer
token, and the session ends when the token expires. The CSRF token is derived from it, so an
attacker who cannot read the HttpOnly cookie cannot forge a form.

A success message after a form (the flash) is a short cookie too, read by the page the form
redirects to and cleared by the first page shown, so a reload does not say it again. It holds a
code from FLASH_CODES and the identifier of what it is about, never words: the page looks the
names up itself, so nobody can put text in a banner."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import NamedTuple

from chalicelib.services.ports import SignInAttempt

# __Host-: the browser only accepts them Secure, for Path=/ and from this host exactly.
SESSION_COOKIE = "__Host-ldd-session"
SIGN_IN_COOKIE = "__Host-ldd-sign-in"
SIGN_IN_SECONDS = 600
FLASH_COOKIE = "__Host-ldd-flash"
FLASH_SECONDS = 60  # long enough for one redirect on a slow connection
# What a flash can say (the service page has the words for each).
FLASH_CODES = frozenset({"assessment-submitted", "service-registered", "component-saved", "principle-saved", "component-removed"})
_FLASH_ABOUT = re.compile(r"[A-Za-z0-9/-]{1,200}")  # a service id, or service id/component id
CSRF_FIELD = "csrf_token"
_ATTRIBUTES = "Path=/; Secure; HttpOnly; SameSite=Lax"


# A cookie this big would be dropped by browsers (RFC 6265 section 6.1 asks them to keep 4096
# bytes per cookie, name and attributes included): refuse to set one rather than loop on sign-in.
MAX_COOKIE_BYTES = 4000


def cookies(request) -> dict[str, str]:
    """name -> value, the first of each name. By hand, not http.cookies: SimpleCookie stops at
    the first cookie it cannot parse, so another app's odd cookie on the same host would hide
    ours and lock people out."""
    found: dict[str, str] = {}
    for part in (request.headers.get("cookie") or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip()
    return found


def session_cookie(id_token: str) -> str:
    # No Max-Age: a browser session cookie; the token's own expiry ends it sooner.
    return f"{SESSION_COOKIE}={id_token}; {_ATTRIBUTES}"


def cleared(name: str) -> str:
    return f"{name}=; Max-Age=0; {_ATTRIBUTES}"


def csrf_token(id_token: str) -> str:
    digest = hashlib.sha256(b"ldd-tracker csrf\x00" + id_token.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def csrf_ok(id_token: str, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(csrf_token(id_token).encode(), submitted.encode("utf-8", "replace"))


def sign_in_cookie(attempt: SignInAttempt) -> str:
    value = base64.urlsafe_b64encode(json.dumps(vars(attempt)).encode()).decode("ascii")
    return f"{SIGN_IN_COOKIE}={value}; Max-Age={SIGN_IN_SECONDS}; {_ATTRIBUTES}"


def sign_in_attempt(request) -> SignInAttempt | None:
    raw = cookies(request).get(SIGN_IN_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
        attempt = SignInAttempt(**data)
    except (ValueError, TypeError, UnicodeError):
        return None
    fields = (attempt.state, attempt.nonce, attempt.verifier, attempt.next_path)
    return attempt if all(isinstance(f, str) and f for f in fields) else None


class Flash(NamedTuple):
    code: str
    about: str  # the service's id, or "<service id>/<component id>"


def flash_cookie(code: str, about: str) -> str:
    if code not in FLASH_CODES or not _FLASH_ABOUT.fullmatch(about):
        raise ValueError(f"not a flash: {code!r} about {about!r}")
    return f"{FLASH_COOKIE}={code}.{about}; Max-Age={FLASH_SECONDS}; {_ATTRIBUTES}"


def flash_of(request) -> Flash | None:
    code, _, about = (cookies(request).get(FLASH_COOKIE) or "").partition(".")
    return Flash(code, about) if code in FLASH_CODES and _FLASH_ABOUT.fullmatch(about) else None
