"""Who is calling, for both edges: the holder of a bearer token (the API) or of the pages'
session (an ID token in a cookie); and the pages' sign-in with the council's identity provider
(the authorization code flow with PKCE, RFC 7636). Failures are the domain's Unauthenticated,
SignInUnavailable and Misconfigured, which both edges map in one table."""

import hmac
import secrets
from collections.abc import Callable

from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Misconfigured, SignInUnavailable, Unauthenticated
from chalicelib.services.ports import IdentityProvider, SignInAttempt, TokenVerifier


class SignInService:
    def __init__(self, tokens: Callable[[], TokenVerifier], provider: Callable[[], IdentityProvider]):
        # Factories: the verifier is built from its settings on first use, and is swapped in tests.
        self._tokens = tokens
        self._provider = provider

    def bearer(self, authorization: str | None) -> Principal:
        return self._tokens().authenticate(authorization)

    def session(self, id_token: str | None) -> Principal:
        """The person whose ID token the session cookie holds (issued to the pages' client)."""
        if not id_token:
            raise Unauthenticated("not signed in")
        tokens = self._tokens()
        return tokens.principal(tokens.verify(id_token, audience=self._provider().client_id))

    def start(self, next_path: str, redirect_uri: str) -> tuple[str, SignInAttempt]:
        """Where to send the browser, and the attempt it must bring back."""
        attempt = SignInAttempt(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64), next_path)
        return self._provider().authorization_url(redirect_uri, attempt), attempt

    def finish(self, code: str, attempt: SignInAttempt, redirect_uri: str) -> str:
        """The ID token the provider gives for `code`, once it passes every check, the nonce of
        this attempt included, and names someone who may use the tracker."""
        provider, tokens = self._provider(), self._tokens()
        id_token = provider.exchange_code(redirect_uri, code, attempt)
        claims = tokens.verify(id_token, audience=provider.client_id)
        if not same(str(claims.get("nonce") or ""), attempt.nonce):
            raise Unauthenticated("the ID token's nonce is not this sign-in's")
        tokens.principal(claims)
        return id_token

    def sign_out_url(self, back_url: str | None) -> str | None:
        try:
            return self._provider().sign_out_url(back_url)
        except (SignInUnavailable, Misconfigured):
            return None  # signing out of the tracker itself still works


def same(a: str, b: str) -> bool:
    """Equal, compared in constant time (values an attacker may be guessing)."""
    return hmac.compare_digest(a.encode(), b.encode())
