"""Bearer-token validation against any OpenID Connect provider (Cognito, Entra ID, the local one).

Keys come from OIDC discovery (`{issuer}/.well-known/openid-configuration` -> `jwks_uri`, or
`OIDC_JWKS_URL`), cached per container for `OIDC_JWKS_CACHE_SECONDS` (default 300, as PyJWT's
PyJWKClient) and refreshed on an unknown `kid` at most once a minute.
Only asymmetric algorithms are accepted, so `alg: none` and HS* never reach a key.

Errors (the domain's, chalicelib/domain/errors.py, which both edges map):
- `Unauthenticated` -> 401: the caller's credentials are missing or invalid. `str(e)` is a short
  reason that is safe to return and log; it never contains the token.
- `KeysUnavailable` (SignInUnavailable) -> 503: the provider's keys could not be fetched. Not the caller's fault.
- `Misconfigured` -> 500: the deployment itself is wrong (a deployed function with an `http://`
  issuer or JWKS URL, or trusting the local development key). Raised on every request, so a
  wrongly configured function refuses everything instead of accepting forged tokens.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import jwt
from jwt import PyJWK

from chalicelib.domain.access import ROLES, Principal
from chalicelib.domain.errors import Misconfigured, SignInUnavailable, Unauthenticated

DEV_KEY_ID_PREFIX = "ldd-local-dev-"

ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
# The key type (and curve) each algorithm may be used with: a JWK never signs for another family.
_KEY_TYPES: dict[str, tuple[str, frozenset[str] | None]] = {
    **{alg: ("RSA", None) for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")},
    "ES256": ("EC", frozenset({"P-256"})),
    "ES384": ("EC", frozenset({"P-384"})),
    "ES512": ("EC", frozenset({"P-521"})),
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
}

LEEWAY_SECONDS = 60
REFRESH_INTERVAL_SECONDS = 60.0
# How long fetched keys are trusted: a key the provider removes (revokes) stops verifying within
# this time, without waiting for a cold start. Never below REFRESH_INTERVAL_SECONDS, so expiry
# cannot make the provider's keys endpoint busier than unknown kids may.
DEFAULT_JWKS_CACHE_SECONDS = 300.0
# After a failed fetch with no keys at all, wait a little before trying again, so an outage does
# not cost every request a network timeout.
FAILED_FETCH_BACKOFF_SECONDS = 5.0
FETCH_TIMEOUT_SECONDS = 3.0
MAX_DOCUMENT_BYTES = 1_000_000
MAX_TOKEN_CHARS = 16_384

DEFAULT_ORG_CLAIM = "custom:org"
DEFAULT_ROLES_CLAIM = "cognito:groups"
DEFAULT_EMAIL_CLAIM = "email"


# The domain's errors, under the names this module has always raised.
KeysUnavailable = SignInUnavailable


def _frozen_map(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    audience: str
    jwks_url: str | None = None
    org_claim: str = DEFAULT_ORG_CLAIM
    org_map: Mapping[str, str] = field(default_factory=lambda: _frozen_map(None), hash=False)
    roles_claim: str = DEFAULT_ROLES_CLAIM
    email_claim: str = DEFAULT_EMAIL_CLAIM
    email_guaranteed: bool = False  # True when OIDC_EMAIL_CLAIM names a non-default claim
    jwks_cache_seconds: float = DEFAULT_JWKS_CACHE_SECONDS

    def __post_init__(self) -> None:
        object.__setattr__(self, "org_map", _frozen_map(self.org_map))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OidcSettings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str:
            return (env.get(name) or "").strip()

        issuer, audience = get("OIDC_ISSUER"), get("OIDC_AUDIENCE")
        missing = [name for name, value in (("OIDC_ISSUER", issuer), ("OIDC_AUDIENCE", audience)) if not value]
        if missing:
            raise Misconfigured(f"{' and '.join(missing)} must be set")
        email_claim = get("OIDC_EMAIL_CLAIM")
        return cls(
            issuer=issuer,
            audience=audience,
            jwks_url=get("OIDC_JWKS_URL") or None,
            org_claim=get("OIDC_ORG_CLAIM") or DEFAULT_ORG_CLAIM,
            org_map=_parse_org_map(get("OIDC_ORG_MAP")),
            roles_claim=get("OIDC_ROLES_CLAIM") or DEFAULT_ROLES_CLAIM,
            email_claim=email_claim or DEFAULT_EMAIL_CLAIM,
            # Naming a claim other than `email` is the operator saying the provider guarantees it
            # (Entra ID's `preferred_username` or `upn`, say), so email_verified is not consulted.
            email_guaranteed=bool(email_claim) and email_claim != DEFAULT_EMAIL_CLAIM,
            jwks_cache_seconds=_parse_cache_seconds(get("OIDC_JWKS_CACHE_SECONDS")),
        )


def _parse_cache_seconds(text: str) -> float:
    if not text:
        return DEFAULT_JWKS_CACHE_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= REFRESH_INTERVAL_SECONDS):
        raise Misconfigured(f"OIDC_JWKS_CACHE_SECONDS must be a number of seconds, at least {REFRESH_INTERVAL_SECONDS:.0f}")
    return seconds


def _parse_org_map(text: str) -> dict[str, str]:
    """JSON object text, or `value=org,value2=org2`."""
    if not text:
        return {}
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError as e:
            raise Misconfigured("OIDC_ORG_MAP is not valid JSON") from e
        if not isinstance(parsed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in parsed.items()
        ):
            raise Misconfigured("OIDC_ORG_MAP must map non-empty strings to non-empty strings")
        return parsed
    result: dict[str, str] = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        value, sep, org_id = pair.partition("=")
        value, org_id = value.strip(), org_id.strip()
        if not sep or not value or not org_id:
            raise Misconfigured("OIDC_ORG_MAP entries must look like value=org_id")
        result[value] = org_id
    return result


def _fetch_json(url: str) -> dict:
    if not url.lower().startswith(("https://", "http://")):
        raise ValueError("only http(s) URLs are fetched")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked)
        data = response.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError("document too large")
    parsed = json.loads(data)
    if not isinstance(parsed, dict):
        raise ValueError("expected a JSON object")
    return parsed


class Authenticator:
    """Turns an Authorization header into a Principal. One per container: it caches the keys."""

    def __init__(
        self,
        settings: OidcSettings,
        *,
        deployed: bool = False,
        fetch_json: Callable[[str], dict] | None = None,
        now: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.deployed = deployed
        self._fetch = fetch_json or _fetch_json
        # Only drives the key cache; `exp` and `nbf` are checked by PyJWT against the real clock.
        self._now = now
        self._lock = threading.Lock()
        self._jwks_url: str | None = settings.jwks_url
        self._keys: dict[str, dict[str, Any]] | None = None
        self._parsed: dict[tuple[str, str], Any] = {}  # (kid, alg) -> public key object
        self._keys_fetched_at: float | None = None  # when the keys in hand were fetched (expiry)
        self._last_attempt: float | None = None  # the last fetch, failed or not (rate limit)
        self._last_failure: float | None = None
        self._failure: Exception | None = None  # what the last failed initial fetch raised
        self._dev_key_published = False
        self._discovery: dict[str, Any] | None = None

    # -- public --------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> Principal:
        self._refuse_if_misconfigured()  # before the header: a misconfigured stage refuses everyone
        return self.principal(self.verify(_bearer_token(authorization)))

    def verify(self, token: str, audience: str | None = None) -> dict[str, Any]:
        """The claims of a token that passes every check; `audience` overrides OIDC_AUDIENCE
        (the pages' ID tokens are for their own OAuth client)."""
        self._refuse_if_misconfigured()
        if len(token) > MAX_TOKEN_CHARS:
            raise Unauthenticated("malformed token")
        alg, kid = _unverified_alg_and_kid(token)
        try:
            jwk = self._key_for(kid)
        finally:
            self._refuse_if_misconfigured()  # a fetch may just have revealed the development key
        key = self._parsed.get((kid, alg))
        if key is None:
            # Parsing a public key costs more than checking a signature: keep it with the JWKS.
            key = self._parsed[(kid, alg)] = _verification_key(jwk, alg)
        return self._decode(token, key, alg, audience or self.settings.audience)

    def discovery(self) -> dict[str, Any]:
        """The provider's discovery document (its endpoints), fetched once per container."""
        with self._lock:
            if self._discovery is None:
                self._discovery = self._fetch_discovery()
            return self._discovery

    # -- configuration checks ------------------------------------------------------------

    def _refuse_if_misconfigured(self) -> None:
        if not self.deployed:
            return
        if self.settings.issuer.lower().startswith("http://"):
            raise Misconfigured("a deployed function must not trust an http:// OIDC issuer")
        if self.settings.jwks_url and self.settings.jwks_url.lower().startswith("http://"):
            raise Misconfigured("a deployed function must not fetch keys from an http:// OIDC_JWKS_URL")
        if self._dev_key_published:
            raise Misconfigured("a deployed function must not trust the local development key")

    # -- keys ----------------------------------------------------------------------------

    def _key_for(self, kid: str) -> dict[str, Any]:
        with self._lock:
            if self._keys is not None and self._now() - self._keys_fetched_at >= self.settings.jwks_cache_seconds:
                # Expired keys are dropped before they are fetched again, so if the provider
                # cannot be reached now every request fails closed (KeysUnavailable, 503) until
                # it can, with the backoff below. Carrying on with the old keys would keep a key
                # the provider has revoked working for as long as the provider is down, or is
                # kept down by whoever holds that key.
                self._keys = None
            if self._keys is None:
                self._refresh(initial=True)
            assert self._keys is not None
            if kid in self._keys:
                return self._keys[kid]
            # An unknown kid may be a freshly rotated key; refetch, but at most once a minute so
            # made-up kids cannot turn callers into a flood of requests to the provider.
            if self._last_attempt is not None and self._now() - self._last_attempt <= REFRESH_INTERVAL_SECONDS:
                raise Unauthenticated("unknown signing key")
            self._refresh(initial=False)
            if kid in self._keys:
                return self._keys[kid]
            raise Unauthenticated("unknown signing key")

    def _refresh(self, *, initial: bool) -> None:
        now = self._now()
        if initial and self._last_failure is not None and now - self._last_failure < FAILED_FETCH_BACKOFF_SECONDS:
            assert self._failure is not None
            raise type(self._failure)(str(self._failure))
        self._last_attempt = now
        try:
            try:
                document = self._fetch(self._resolve_jwks_url())
                keys = _parse_jwks(document)
            except (Misconfigured, KeysUnavailable):
                raise
            except Exception as e:  # network, HTTP status, JSON: all mean "no keys right now"
                raise KeysUnavailable("identity provider keys unavailable") from e
        except (Misconfigured, KeysUnavailable) as e:
            # After a failed refetch for an unknown kid the keys in hand are kept (until they
            # expire: a failure does not renew them); that kid stays unknown until the next attempt.
            self._last_failure, self._failure = now, e
            raise
        self._keys = keys
        self._parsed = {}
        self._keys_fetched_at = now
        self._last_failure = self._failure = None
        self._dev_key_published = any(kid.startswith(DEV_KEY_ID_PREFIX) for kid in keys)

    def _resolve_jwks_url(self) -> str:
        if self._jwks_url:
            return self._jwks_url
        if self._discovery is None:
            self._discovery = self._fetch_discovery()
        jwks_uri = self._discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise KeysUnavailable("identity provider discovery document has no jwks_uri")
        if self.deployed and jwks_uri.lower().startswith("http://"):
            raise Misconfigured("a deployed function must not fetch keys from an http:// jwks_uri")
        self._jwks_url = jwks_uri
        return jwks_uri

    def _fetch_discovery(self) -> dict[str, Any]:
        discovery_url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            document = self._fetch(discovery_url)
        except Exception as e:
            raise KeysUnavailable("identity provider discovery document unavailable") from e
        # OpenID Connect Discovery 1.0 section 4.3: the document must name the same issuer.
        if document.get("issuer") != self.settings.issuer:
            raise Misconfigured("the discovery document names a different issuer than OIDC_ISSUER")
        return document

    # -- tokens --------------------------------------------------------------------------

    def _decode(self, token: str, key: Any, alg: str, audience: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=audience,
                issuer=self.settings.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("token not yet valid") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("wrong audience") from None
        except jwt.InvalidIssuerError:
            # Names the issuer this server trusts (public, in its configuration), never the one
            # the token claims: that is the caller's text and is not reflected back.
            raise Unauthenticated(f"wrong issuer; this server accepts tokens from {self.settings.issuer}") from None
        except jwt.MissingRequiredClaimError as e:
            raise Unauthenticated(f"token has no {e.claim} claim") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("invalid signature") from None
        except jwt.DecodeError:
            raise Unauthenticated("malformed token") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("invalid token") from None
        if not isinstance(claims, dict):
            raise Unauthenticated("malformed token")
        return claims

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        s = self.settings
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise Unauthenticated("token has no sub claim")
        return Principal(
            subject=subject,
            email=self._email(claims),
            org_id=self._org(claims),
            roles=_roles(claims.get(s.roles_claim)),
        )

    def _org(self, claims: Mapping[str, Any]) -> str | None:
        value = claims.get(self.settings.org_claim)
        if not isinstance(value, str) or not value:
            return None
        if self.settings.org_map:
            return self.settings.org_map.get(value)
        return value

    def _email(self, claims: Mapping[str, Any]) -> str | None:
        value = claims.get(self.settings.email_claim)
        if not isinstance(value, str) or not value:
            return None
        verified = claims.get("email_verified")
        # Cognito sends the attribute as the string "true"; other providers send a boolean.
        if self.settings.email_guaranteed or verified is True or verified == "true":
            return value
        return None


def _bearer_token(authorization: str | None) -> str:
    if not authorization or not isinstance(authorization, str):
        raise Unauthenticated("missing bearer token")
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise Unauthenticated("expected a bearer token")
    return parts[1]


def _unverified_alg_and_kid(token: str) -> tuple[str, str]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise Unauthenticated("malformed token") from None
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
        raise Unauthenticated("token algorithm not allowed")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise Unauthenticated("token has no key id")
    return alg, kid


def _parse_jwks(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise ValueError("JWKS has no keys list")
    return {
        key["kid"]: key
        for key in keys
        if isinstance(key, dict) and isinstance(key.get("kid"), str) and key["kid"]
    }


def _verification_key(jwk: Mapping[str, Any], alg: str) -> Any:
    """The public key of `jwk` for `alg`, refusing a JWK published for another algorithm or use."""
    if jwk.get("alg") not in (None, alg):
        raise Unauthenticated("token algorithm does not match its key")
    if jwk.get("use") not in (None, "sig"):
        raise Unauthenticated("key is not for signatures")
    kty, curves = _KEY_TYPES[alg]
    if jwk.get("kty") != kty or (curves is not None and jwk.get("crv") not in curves):
        raise Unauthenticated("token algorithm does not match its key")
    if any(private in jwk for private in ("d", "p", "q", "k")):
        # A JWKS must hold public keys only; a private or symmetric member is a provider mistake.
        raise Unauthenticated("unusable signing key")
    try:
        return PyJWK(dict(jwk), algorithm=alg).key
    except jwt.PyJWTError:
        raise Unauthenticated("unusable signing key") from None


def _roles(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        names = value.replace(",", " ").split()
    elif isinstance(value, (list, tuple)):
        names = [v for v in value if isinstance(v, str)]
    else:
        names = []
    return frozenset(name for name in names if name in ROLES)


def authenticator_from_env(environ: Mapping[str, str] | None = None) -> Authenticator:
    env = os.environ if environ is None else environ
    return Authenticator(OidcSettings.from_env(env), deployed="AWS_LAMBDA_FUNCTION_NAME" in env)
