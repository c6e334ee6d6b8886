"""The pages' side of OpenID Connect: the authorization code flow with PKCE (RFC 7636).

The API checks bearer tokens (adapters/oidc.py); the pages send the browser to the provider's
authorization endpoint, then swap the code they get back for an ID token at its token endpoint.
That ID token is checked by the same Authenticator as any bearer token."""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.oidc import FETCH_TIMEOUT_SECONDS, MAX_DOCUMENT_BYTES, Authenticator
from chalicelib.domain.errors import Misconfigured, Unauthenticated
from chalicelib.services.ports import SignInAttempt

SCOPES = "openid email profile"


@dataclass(frozen=True)
class ClientSettings:
    client_id: str
    client_secret: str | None  # confidential clients (Entra ID web apps); None for a public client
    logout_url: str | None = None  # OIDC_LOGOUT_URL (Cognito's, set by the stack)

    @classmethod
    def from_env(cls, environ=None) -> ClientSettings:
        env = os.environ if environ is None else environ
        client_id = (env.get("OIDC_CLIENT_ID") or "").strip()
        if not client_id:
            raise Misconfigured("OIDC_CLIENT_ID must be set for the pages' sign-in")
        return cls(
            client_id=client_id,
            client_secret=(env.get("OIDC_CLIENT_SECRET") or "").strip() or None,
            logout_url=(env.get("OIDC_LOGOUT_URL") or "").strip() or None,
        )


class OidcClient:
    """The IdentityProvider port: the pages' client, at the provider the Authenticator trusts
    (its endpoints from the same discovery document)."""

    def __init__(self, authenticator: Authenticator, settings: ClientSettings):
        self._authenticator = authenticator
        self._settings = settings
        self.client_id = settings.client_id

    def authorization_url(self, redirect_uri: str, attempt: SignInAttempt) -> str:
        auth = self._authenticator
        return authorization_url(auth.discovery(), self._settings, redirect_uri, attempt, auth.deployed)

    def exchange_code(self, redirect_uri: str, code: str, attempt: SignInAttempt) -> str:
        auth = self._authenticator
        return exchange_code(auth.discovery(), self._settings, redirect_uri, code, attempt, auth.deployed)

    def sign_out_url(self, back_url: str | None) -> str | None:
        """OIDC_LOGOUT_URL, else the provider's end_session_endpoint (OpenID Connect
        RP-initiated logout), https only."""
        if self._settings.logout_url:
            return self._settings.logout_url
        if back_url is None:
            return None
        endpoint = self._authenticator.discovery().get("end_session_endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith("https://"):
            return None
        query = urllib.parse.urlencode({"client_id": self.client_id, "post_logout_redirect_uri": back_url})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def authorization_url(
    discovery: dict[str, Any], settings: ClientSettings, redirect_uri: str, attempt: SignInAttempt, deployed: bool
) -> str:
    endpoint = _endpoint(discovery, "authorization_endpoint", deployed)
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": settings.client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": attempt.challenge(),
            "code_challenge_method": "S256",
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def exchange_code(
    discovery: dict[str, Any], settings: ClientSettings, redirect_uri: str, code: str, attempt: SignInAttempt, deployed: bool
) -> str:
    """The ID token the provider gives for `code` (not yet checked: the caller verifies it)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": attempt.verifier,
        "client_id": settings.client_id,
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if settings.client_secret:
        # client_secret_basic (RFC 6749 section 2.3.1): both parts form-encoded first.
        pair = f"{urllib.parse.quote(settings.client_id, safe='')}:{urllib.parse.quote(settings.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    request = urllib.request.Request(
        _endpoint(discovery, "token_endpoint", deployed), data=urllib.parse.urlencode(form).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked)
            body = json.loads(response.read(MAX_DOCUMENT_BYTES))
    except urllib.error.HTTPError as e:
        # 400 invalid_grant: a used, expired or forged code, or a verifier that does not match.
        raise Unauthenticated(f"the identity provider refused the sign-in code (HTTP {e.code})") from None
    except (urllib.error.URLError, TimeoutError, ValueError) as e:
        raise Unauthenticated(f"the identity provider's token endpoint did not answer ({e.__class__.__name__})") from None
    id_token = body.get("id_token") if isinstance(body, dict) else None
    if not isinstance(id_token, str) or not id_token:
        raise Unauthenticated("the identity provider returned no ID token")
    return id_token


def _endpoint(discovery: dict[str, Any], name: str, deployed: bool) -> str:
    """An endpoint from the discovery document; https only when deployed (the code, the
    verifier and any client secret travel to the token endpoint)."""
    url = discovery.get(name)
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        raise Misconfigured(f"the identity provider's discovery document has no {name}")
    if deployed and not url.lower().startswith("https://"):
        raise Misconfigured(f"a deployed function must not use an http:// {name}")
    return url
