"""The local server's sign-in page: the authorization and token endpoints of the development
identity provider, for the pages' authorization code flow with PKCE.

`/_local/authorize` lists the demo users; choosing one sends the browser back to the app with a
one-time code. `/_local/token` swaps that code for an ID token signed by the development key,
after checking the client, the redirect URI and the PKCE verifier, as a real provider does.
Offered only by `make run` (the app has no such routes); a deployed stage refuses the key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass

from devserver.identity import AUDIENCE, LocalIssuer, claims_for

AUTHORIZE_PATH = "/_local/authorize"
TOKEN_PATH = "/_local/token"
CODE_SECONDS = 60
SESSION_HOURS = 8


@dataclass(frozen=True)
class _Grant:
    user_index: int
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    expires: float


class LocalSignIn:
    def __init__(self, issuer: LocalIssuer, users):
        self._issuer = issuer
        self._users = users
        self._codes: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def handles(self, path: str) -> bool:
        return path.split("?", 1)[0] in (AUTHORIZE_PATH, TOKEN_PATH)

    def choose(self, form: dict) -> tuple[int, str]:
        """A user was chosen: (303, the app's callback with a code) or (400, why not)."""
        problem = self.check_request(form)
        if problem:
            return 400, problem
        try:
            index = int(form.get("user", ""))
            self._users[index]
        except (ValueError, IndexError):
            return 400, "Choose one of the listed users."
        code = secrets.token_urlsafe(32)
        grant = _Grant(index, form["client_id"], form["redirect_uri"], form["code_challenge"], form.get("nonce") or None,
                       time.time() + CODE_SECONDS)
        with self._lock:
            self._codes = {c: g for c, g in self._codes.items() if g.expires > time.time()}
            self._codes[code] = grant
        query = urllib.parse.urlencode({"code": code, "state": form.get("state", "")})
        return 303, f"{form['redirect_uri']}{'&' if '?' in form['redirect_uri'] else '?'}{query}"

    def token(self, form: dict) -> tuple[int, dict]:
        """RFC 6749 section 4.1.3 with RFC 7636: one use per code, same client and redirect URI,
        and SHA-256 of the verifier equal to the challenge."""
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None or grant.expires < time.time():
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (form.get("client_id") != grant.client_id or form.get("redirect_uri") != grant.redirect_uri
                or not hmac.compare_digest(digest, grant.challenge)):
            return 400, {"error": "invalid_grant"}
        user = self._users[grant.user_index]
        claims = claims_for(user.role, user.org_id, user.email, self._issuer.issuer, grant.client_id, SESSION_HOURS)
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return 200, {"id_token": self._issuer.key.sign(claims), "token_type": "Bearer", "expires_in": SESSION_HOURS * 3600}

    def check_request(self, params: dict) -> str | None:
        """Why an authorization request is refused, or None."""
        if params.get("response_type") != "code":
            return "response_type must be code."
        if params.get("client_id") != AUDIENCE:
            return f"Unknown client_id: this provider knows only {AUDIENCE!r}."
        redirect = params.get("redirect_uri") or ""
        if not redirect.startswith(f"{self._issuer.issuer}/app/callback"):
            return "redirect_uri must be this server's /app/callback."
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "PKCE with S256 is required."
        return None

    def users(self):
        return list(enumerate(self._users))
