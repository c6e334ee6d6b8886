"""Token validation against the local OpenID provider on 127.0.0.1: what is accepted, every way a
token is refused, key caching and rotation, claim mapping, and the deployed-configuration guard."""

import base64
import hashlib
import hmac
import json
import socket
import time
import urllib.request

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from chalicelib.adapters.oidc import (
    DEV_KEY_ID_PREFIX,
    Authenticator,
    KeysUnavailable,
    Misconfigured,
    OidcSettings,
    Unauthenticated,
    authenticator_from_env,
)
from chalicelib.domain.access import Principal
from tests.identity import LocalIdentityProvider


@pytest.fixture(scope="module")
def provider():
    p = LocalIdentityProvider().start()
    yield p
    p.stop()


@pytest.fixture(autouse=True)
def _unpublish_extra_keys(provider):
    yield
    provider.extra_keys.clear()


class Clock:
    """Drives the key cache only; token times are checked against the real clock."""

    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def settings_for(p, **overrides) -> OidcSettings:
    return OidcSettings(issuer=p.issuer, audience=p.audience, **overrides)


def auth_for(p, **kw) -> Authenticator:
    settings_kw = {k: kw.pop(k) for k in list(kw) if k in OidcSettings.__dataclass_fields__}
    return Authenticator(settings_for(p, **settings_kw), **kw)


def bearer(token: str) -> str:
    return "Bearer " + token


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj: dict) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def claims_for(p, **claims) -> dict:
    now = int(time.time())
    return {"iss": p.issuer, "aud": p.audience, "sub": "user-1", "iat": now, "exp": now + 3600, **claims}


def signed(p, payload: dict, key=None, kid=None, algorithm="RS256") -> str:
    return jwt.encode(payload, key or p.key, algorithm=algorithm, headers={"kid": kid or p.kid})


def refused(auth: Authenticator, header: str | None) -> str:
    with pytest.raises(Unauthenticated) as e:
        auth.authenticate(header)
    return str(e.value)


# -- accepted -------------------------------------------------------------------------------


def test_a_valid_token_gives_its_principal(provider):
    principal = auth_for(provider).authenticate(bearer(provider.token(roles=("admin", "leadership"))))
    assert principal == Principal(
        subject="user-1",
        email="admin@testshire.example",
        org_id="testshire",
        roles=frozenset({"admin", "leadership"}),
    )


def test_the_bearer_scheme_is_case_insensitive(provider):
    assert auth_for(provider).authenticate("bearer " + provider.token()).subject == "user-1"


def test_a_token_expired_within_the_leeway_is_still_accepted(provider):
    assert auth_for(provider).authenticate(bearer(provider.token(expires_in=-30))).subject == "user-1"


def test_a_token_without_org_or_roles_is_a_principal_with_none(provider):
    principal = auth_for(provider).authenticate(bearer(provider.token(org=None, roles=())))
    assert principal.org_id is None and principal.roles == frozenset()


# -- refused: 401 -----------------------------------------------------------------------------


def test_missing_header(provider):
    assert refused(auth_for(provider), None) == "missing bearer token"
    assert refused(auth_for(provider), "") == "missing bearer token"


@pytest.mark.parametrize("scheme", ["Basic", "Token", ""])
def test_not_bearer(provider, scheme):
    assert refused(auth_for(provider), f"{scheme} {provider.token()}".strip()) == "expected a bearer token"


def test_bearer_with_extra_parts(provider):
    assert refused(auth_for(provider), f"Bearer {provider.token()} more") == "expected a bearer token"


@pytest.mark.parametrize("token", ["garbage", "abc.def", "a.b.c", "...", "eyJhbGciOiJSUzI1NiJ9.e30"])
def test_malformed_token(provider, token):
    assert refused(auth_for(provider), bearer(token)) == "malformed token"


def test_a_malformed_payload_is_refused_before_it_is_parsed(provider):
    # The signature is checked first, so an unsigned payload is never even parsed.
    header = segment({"alg": "RS256", "kid": provider.kid})
    assert refused(auth_for(provider), bearer(f"{header}.not-json.c2ln")) == "invalid signature"


def test_a_signed_payload_that_is_not_a_claims_object(provider):
    header = segment({"alg": "RS256", "kid": provider.kid, "typ": "JWT"})
    signing_input = f"{header}.{b64url(b'[1, 2]')}"
    signature = b64url(RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), provider.key))
    assert refused(auth_for(provider), bearer(f"{signing_input}.{signature}")) == "malformed token"


def test_expired_beyond_the_leeway(provider):
    assert refused(auth_for(provider), bearer(provider.token(expires_in=-120))) == "token expired"


def test_not_yet_valid_beyond_the_leeway(provider):
    token = provider.token(nbf=int(time.time()) + 300)
    assert refused(auth_for(provider), bearer(token)) == "token not yet valid"


def test_not_before_within_the_leeway_is_accepted(provider):
    token = provider.token(nbf=int(time.time()) + 30)
    assert auth_for(provider).authenticate(bearer(token)).subject == "user-1"


def test_wrongly_signed_with_another_key_under_the_same_kid(provider):
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert refused(auth_for(provider), bearer(provider.token(key=impostor))) == "invalid signature"


def test_tampered_payload(provider):
    header, _, signature = provider.token().split(".")
    forged = segment(claims_for(provider, **{"cognito:groups": ["platform_admin"]}))
    assert refused(auth_for(provider), bearer(f"{header}.{forged}.{signature}")) == "invalid signature"


def test_wrong_issuer(provider):
    reason = refused(auth_for(provider), bearer(provider.token(iss="https://evil.example/<b>")))
    assert reason == f"wrong issuer; this server accepts tokens from {provider.issuer}"
    assert "evil" not in reason  # the token's own claim is not reflected


def test_wrong_audience(provider):
    assert refused(auth_for(provider), bearer(provider.token(aud="another-client"))) == "wrong audience"


def test_alg_none(provider):
    token = f"{segment({'alg': 'none', 'kid': provider.kid, 'typ': 'JWT'})}.{segment(claims_for(provider))}."
    auth = auth_for(provider)
    assert refused(auth, bearer(token)) == "token algorithm not allowed"
    assert refused(auth, bearer(token.replace("none", "None"))) in {"token algorithm not allowed", "malformed token"}


def test_hs256_signed_with_the_public_key_as_secret(provider):
    """The classic confusion attack: a verifier that let the token pick HS256 would use the PEM
    of the RSA public key as the HMAC secret. PyJWT refuses to build this, so build it by hand."""
    pem = provider.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{segment({'alg': 'HS256', 'kid': provider.kid, 'typ': 'JWT'})}.{segment(claims_for(provider))}"
    signature = b64url(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    assert refused(auth_for(provider), bearer(f"{signing_input}.{signature}")) == "token algorithm not allowed"


def test_hs256_with_any_secret(provider):
    token = jwt.encode(claims_for(provider), "s" * 32, algorithm="HS256", headers={"kid": provider.kid})
    assert refused(auth_for(provider), bearer(token)) == "token algorithm not allowed"


def test_missing_sub(provider):
    payload = claims_for(provider)
    del payload["sub"]
    assert refused(auth_for(provider), bearer(signed(provider, payload))) == "token has no sub claim"


def test_missing_exp(provider):
    payload = claims_for(provider)
    del payload["exp"]
    assert refused(auth_for(provider), bearer(signed(provider, payload))) == "token has no exp claim"


def test_missing_kid(provider):
    token = jwt.encode(claims_for(provider), provider.key, algorithm="RS256")
    assert refused(auth_for(provider), bearer(token)) == "token has no key id"


def test_an_algorithm_other_than_the_keys_own(provider):
    # The published JWK says RS256; the same RSA key signing PS256 is still refused.
    token = provider.token(algorithm="PS256")
    assert refused(auth_for(provider), bearer(token)) == "token algorithm does not match its key"


def test_an_ec_algorithm_naming_an_rsa_key(provider):
    ec_key = ec.generate_private_key(ec.SECP256R1())
    token = provider.token(key=ec_key, algorithm="ES256")
    assert refused(auth_for(provider), bearer(token)) == "token algorithm does not match its key"


def test_reasons_never_contain_the_token(provider):
    token = provider.token(expires_in=-120)
    with pytest.raises(Unauthenticated) as e:
        auth_for(provider).authenticate(bearer(token))
    assert token not in str(e.value) and token not in repr(e.value)
    assert e.value.__cause__ is None and e.value.__suppress_context__


# -- keys: discovery, caching, refresh, rotation ------------------------------------------------


def test_keys_are_fetched_once_and_cached(provider):
    auth = auth_for(provider)
    before = provider.jwks_requests
    for _ in range(3):
        auth.authenticate(bearer(provider.token()))
    assert provider.jwks_requests == before + 1


def test_an_unknown_kid_refetches_at_most_once_a_minute(provider):
    clock = Clock()
    auth = auth_for(provider, now=clock)
    auth.authenticate(bearer(provider.token()))
    start = provider.jwks_requests

    clock.advance(100)
    assert refused(auth, bearer(provider.token(kid="unknown-1"))) == "unknown signing key"
    assert provider.jwks_requests == start + 1

    clock.advance(30)
    assert refused(auth, bearer(provider.token(kid="unknown-2"))) == "unknown signing key"
    assert provider.jwks_requests == start + 1

    clock.advance(31)  # 61 s after the refetch
    assert refused(auth, bearer(provider.token(kid="unknown-3"))) == "unknown signing key"
    assert provider.jwks_requests == start + 2


def test_an_unknown_kid_right_after_the_first_fetch_does_not_refetch(provider):
    clock = Clock()
    auth = auth_for(provider, now=clock)
    before = provider.jwks_requests
    assert refused(auth, bearer(provider.token(kid="unknown"))) == "unknown signing key"
    assert provider.jwks_requests == before + 1


def published_key(provider, kid: str):
    """A new RSA key published in the provider's JWKS under `kid` (until the test ends)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    provider.extra_keys.append({**public, "kid": kid, "alg": "RS256", "use": "sig"})
    return key


def test_a_rotated_key_published_later_is_accepted_after_the_refetch(provider):
    clock = Clock()
    auth = auth_for(provider, now=clock)
    auth.authenticate(bearer(provider.token()))

    new_key = published_key(provider, "rotated-key")
    token = provider.token(key=new_key, kid="rotated-key", sub="user-2")

    clock.advance(10)
    assert refused(auth, bearer(token)) == "unknown signing key"  # too soon to ask again
    clock.advance(61)
    assert auth.authenticate(bearer(token)).subject == "user-2"
    assert auth.authenticate(bearer(provider.token())).subject == "user-1"  # the old key still works


def test_keys_expire_so_a_key_the_provider_removed_stops_verifying(provider):
    clock = Clock()
    auth = auth_for(provider, now=clock)
    key = published_key(provider, "revoked-key")
    token = provider.token(key=key, kid="revoked-key", sub="user-2")
    assert auth.authenticate(bearer(token)).subject == "user-2"
    start = provider.jwks_requests

    provider.extra_keys.clear()  # the provider revokes it
    clock.advance(299)
    assert auth.authenticate(bearer(token)).subject == "user-2"  # still within the cache time
    assert provider.jwks_requests == start

    clock.advance(1)  # 300 s, the default, after the fetch
    assert refused(auth, bearer(token)) == "unknown signing key"
    assert auth.authenticate(bearer(provider.token())).subject == "user-1"  # the key still published
    assert provider.jwks_requests == start + 1  # the unknown kid right after does not refetch again


def test_the_key_cache_time_is_a_setting(provider):
    clock = Clock()
    auth = auth_for(provider, now=clock, jwks_cache_seconds=120)
    auth.authenticate(bearer(provider.token()))
    start = provider.jwks_requests
    clock.advance(119)
    auth.authenticate(bearer(provider.token()))
    assert provider.jwks_requests == start
    clock.advance(1)
    auth.authenticate(bearer(provider.token()))
    assert provider.jwks_requests == start + 1


class SwitchableFetch:
    """The provider's keys, or a connection error while `up` is false."""

    def __init__(self, provider):
        self.provider = provider
        self.up = True
        self.calls = 0

    def __call__(self, url: str) -> dict:
        self.calls += 1
        if not self.up:
            raise OSError("connection refused")
        return self.provider.jwks()


def keys_fetched_from_a_switchable_endpoint(provider):
    """An authenticator that has fetched its keys once (at the clock's start) from an endpoint
    the test can take down; with a token it accepts."""
    clock, fetch = Clock(), SwitchableFetch(provider)
    auth = auth_for(provider, jwks_url="https://keys.example/jwks.json", fetch_json=fetch, now=clock)
    token = bearer(provider.token())
    auth.authenticate(token)
    return clock, fetch, auth, token


def test_expired_keys_with_the_provider_unreachable_fail_closed_then_recover(provider):
    clock, fetch, auth, token = keys_fetched_from_a_switchable_endpoint(provider)

    fetch.up = False
    clock.advance(300)
    with pytest.raises(KeysUnavailable):  # not the old keys: they may hold a revoked one
        auth.authenticate(token)
    clock.advance(1)
    with pytest.raises(KeysUnavailable):  # backing off: no second attempt yet
        auth.authenticate(token)
    assert fetch.calls == 2

    fetch.up = True
    clock.advance(5)
    assert auth.authenticate(token).subject == "user-1"
    assert fetch.calls == 3


def test_a_failed_refetch_for_an_unknown_kid_does_not_renew_the_keys(provider):
    clock, fetch, auth, token = keys_fetched_from_a_switchable_endpoint(provider)

    fetch.up = False
    clock.advance(250)
    with pytest.raises(KeysUnavailable):
        auth.authenticate(bearer(provider.token(kid="unknown")))
    assert auth.authenticate(token).subject == "user-1"  # the keys in hand, still within their time
    clock.advance(50)  # 300 s after they were fetched, 50 s after the failed refetch
    with pytest.raises(KeysUnavailable):
        auth.authenticate(token)


def test_es256_keys_are_supported(provider):
    key = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    provider.extra_keys.append({**public, "kid": "ec-key", "use": "sig"})
    token = provider.token(key=key, kid="ec-key", algorithm="ES256")
    assert auth_for(provider).authenticate(bearer(token)).subject == "user-1"


class RecordingFetch:
    def __init__(self):
        self.urls: list[str] = []

    def __call__(self, url: str) -> dict:
        self.urls.append(url)
        with urllib.request.urlopen(url, timeout=3) as response:
            return json.loads(response.read())


def test_discovery_finds_the_jwks_when_no_jwks_url_is_set(provider):
    fetch = RecordingFetch()
    auth_for(provider, fetch_json=fetch).authenticate(bearer(provider.token()))
    assert fetch.urls == [
        provider.issuer + "/.well-known/openid-configuration",
        provider.issuer + "/.well-known/jwks.json",
    ]


def test_discovery_is_skipped_when_a_jwks_url_is_set(provider):
    fetch = RecordingFetch()
    jwks_url = provider.issuer + "/.well-known/jwks.json"
    auth_for(provider, jwks_url=jwks_url, fetch_json=fetch).authenticate(bearer(provider.token()))
    assert fetch.urls == [jwks_url]


def test_a_discovery_document_for_another_issuer_is_misconfiguration(provider):
    def fetch(url):
        if url.endswith("/openid-configuration"):
            return {"issuer": "https://elsewhere.example", "jwks_uri": provider.issuer + "/.well-known/jwks.json"}
        return provider.jwks()

    with pytest.raises(Misconfigured):
        auth_for(provider, fetch_json=fetch).authenticate(bearer(provider.token()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_jwks_endpoint_down_is_keys_unavailable(provider):
    down = f"http://127.0.0.1:{free_port()}"
    auth = auth_for(provider, jwks_url=down + "/jwks.json")
    with pytest.raises(KeysUnavailable):
        auth.authenticate(bearer(provider.token()))


def test_a_jwks_endpoint_returning_an_error_is_keys_unavailable(provider):
    auth = auth_for(provider, jwks_url=provider.issuer + "/no-such-path")
    with pytest.raises(KeysUnavailable):
        auth.authenticate(bearer(provider.token()))


def test_the_discovery_endpoint_down_is_keys_unavailable():
    auth = Authenticator(OidcSettings(issuer=f"http://127.0.0.1:{free_port()}", audience="x"))
    with pytest.raises(KeysUnavailable):
        auth.authenticate("Bearer " + LocalIdentityProvider().token())


def test_after_a_failed_fetch_it_backs_off_then_recovers(provider):
    clock = Clock()
    calls = []
    healthy = {"up": False}

    def fetch(url):
        calls.append(url)
        if not healthy["up"]:
            raise OSError("connection refused")
        return provider.jwks()

    auth = auth_for(provider, jwks_url="https://keys.example/jwks.json", fetch_json=fetch, now=clock)
    with pytest.raises(KeysUnavailable):
        auth.authenticate(bearer(provider.token()))
    healthy["up"] = True
    clock.advance(1)
    with pytest.raises(KeysUnavailable):
        auth.authenticate(bearer(provider.token()))
    assert len(calls) == 1
    clock.advance(10)
    assert auth.authenticate(bearer(provider.token())).subject == "user-1"
    assert len(calls) == 2


# -- claims -> principal ----------------------------------------------------------------------


ENTRA_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def test_org_map_maps_entra_tenant_ids(provider):
    auth = auth_for(provider, org_claim="tid", org_map={ENTRA_TENANT: "testshire"}, roles_claim="roles")
    token = signed(provider, claims_for(provider, tid=ENTRA_TENANT, roles=["admin"]))
    principal = auth.authenticate(bearer(token))
    assert principal.org_id == "testshire" and principal.roles == frozenset({"admin"})


def test_an_unmapped_tenant_has_no_org(provider):
    auth = auth_for(provider, org_claim="tid", org_map={ENTRA_TENANT: "testshire"})
    token = signed(provider, claims_for(provider, tid="00000000-0000-0000-0000-000000000000"))
    assert auth.authenticate(bearer(token)).org_id is None


def test_with_an_org_map_the_raw_claim_is_not_an_org(provider):
    # A map means the claim is an opaque id: a value that happens to be an org slug is not trusted.
    auth = auth_for(provider, org_map={ENTRA_TENANT: "testshire"})
    assert auth.authenticate(bearer(provider.token(org="testshire"))).org_id is None


def test_roles_from_the_entra_roles_claim(provider):
    auth = auth_for(provider, roles_claim="roles")
    token = signed(provider, claims_for(provider, roles=["leadership", "service_owner"], **{"cognito:groups": ["admin"]}))
    assert auth.authenticate(bearer(token)).roles == frozenset({"leadership", "service_owner"})


@pytest.mark.parametrize("value", ["admin leadership", "admin,leadership", "admin, leadership"])
def test_roles_from_a_separated_string(provider, value):
    token = provider.token(**{"cognito:groups": value})
    assert auth_for(provider).authenticate(bearer(token)).roles == frozenset({"admin", "leadership"})


def test_unknown_roles_are_dropped(provider):
    token = provider.token(roles=("admin", "superuser", "Admin", "eu-west-2_pool_Google"))
    assert auth_for(provider).authenticate(bearer(token)).roles == frozenset({"admin"})


def test_roles_of_the_wrong_type_give_none(provider):
    token = provider.token(**{"cognito:groups": {"admin": True}})
    assert auth_for(provider).authenticate(bearer(token)).roles == frozenset()


@pytest.mark.parametrize("verified", [True, "true"])
def test_a_verified_email_is_kept(provider, verified):
    token = provider.token(email_verified=verified)
    assert auth_for(provider).authenticate(bearer(token)).email == "admin@testshire.example"


@pytest.mark.parametrize("verified", [False, "false", "True", 1, None])
def test_an_unverified_email_is_dropped(provider, verified):
    token = provider.token(email_verified=verified)
    assert auth_for(provider).authenticate(bearer(token)).email is None


def test_an_email_without_email_verified_is_dropped(provider):
    token = signed(provider, claims_for(provider, email="someone@testshire.example"))
    assert auth_for(provider).authenticate(bearer(token)).email is None


def test_a_guaranteed_email_claim_needs_no_email_verified(provider):
    auth = auth_for(provider, email_claim="preferred_username", email_guaranteed=True)
    token = signed(provider, claims_for(provider, preferred_username="Owner@Testshire.example"))
    assert auth.authenticate(bearer(token)).email == "Owner@Testshire.example"


# -- deployed guard ---------------------------------------------------------------------------


def test_deployed_with_an_http_issuer_refuses_every_request(provider):
    auth = auth_for(provider, deployed=True)
    for header in (bearer(provider.token()), None, "garbage"):
        with pytest.raises(Misconfigured):
            auth.authenticate(header)


def test_deployed_with_an_http_jwks_url_refuses_every_request(provider):
    settings = OidcSettings(issuer="https://login.example", audience="x", jwks_url=provider.issuer + "/.well-known/jwks.json")
    with pytest.raises(Misconfigured):
        Authenticator(settings, deployed=True).authenticate(None)


class FakeHttpsProvider:
    """An https issuer whose documents are served by an injected fetch_json."""

    issuer = "https://login.example/tenant"
    audience = "ldd-tracker"

    def __init__(self, kid: str):
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def fetch(self, url: str) -> dict:
        if url == self.issuer + "/.well-known/openid-configuration":
            return {"issuer": self.issuer, "jwks_uri": self.issuer + "/keys"}
        if url == self.issuer + "/keys":
            public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
            return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}
        raise OSError("not found")

    def authenticator(self, deployed: bool) -> Authenticator:
        return Authenticator(OidcSettings(self.issuer, self.audience), deployed=deployed, fetch_json=self.fetch)

    def token(self) -> str:
        return "Bearer " + signed(self, claims_for(self))


def test_deployed_with_the_development_key_published_refuses_every_request():
    idp = FakeHttpsProvider(kid=DEV_KEY_ID_PREFIX + "abc123")
    auth = idp.authenticator(deployed=True)
    with pytest.raises(Misconfigured):
        auth.authenticate(idp.token())
    for header in (idp.token(), None, "Bearer garbage"):
        with pytest.raises(Misconfigured):
            auth.authenticate(header)


def test_locally_the_development_key_is_trusted():
    idp = FakeHttpsProvider(kid=DEV_KEY_ID_PREFIX + "abc123")
    assert idp.authenticator(deployed=False).authenticate(idp.token()).subject == "user-1"


def test_deployed_with_an_https_issuer_and_real_keys_accepts_tokens():
    idp = FakeHttpsProvider(kid="prod-key-1")
    assert idp.authenticator(deployed=True).authenticate(idp.token()).subject == "user-1"


def test_authenticator_from_env_is_deployed_inside_lambda(provider):
    env = {**provider.env(), "AWS_LAMBDA_FUNCTION_NAME": "ldd-tracker-prod"}
    with pytest.raises(Misconfigured):
        authenticator_from_env(env).authenticate(bearer(provider.token()))
    assert authenticator_from_env(provider.env()).authenticate(bearer(provider.token())).subject == "user-1"


# -- settings from the environment ------------------------------------------------------------


def test_from_env_defaults():
    s = OidcSettings.from_env({"OIDC_ISSUER": "https://issuer.example", "OIDC_AUDIENCE": "client"})
    assert s == OidcSettings(issuer="https://issuer.example", audience="client")
    assert (s.jwks_url, s.org_claim, dict(s.org_map), s.roles_claim, s.email_claim, s.email_guaranteed) == (
        None,
        "custom:org",
        {},
        "cognito:groups",
        "email",
        False,
    )
    assert s.jwks_cache_seconds == 300


def test_from_env_reads_every_setting():
    s = OidcSettings.from_env(
        {
            "OIDC_ISSUER": "https://login.microsoftonline.com/t/v2.0",
            "OIDC_AUDIENCE": "api://ldd",
            "OIDC_JWKS_URL": "https://login.microsoftonline.com/t/discovery/v2.0/keys",
            "OIDC_ORG_CLAIM": "tid",
            "OIDC_ORG_MAP": json.dumps({"t1": "testshire", "t2": "otherford"}),
            "OIDC_ROLES_CLAIM": "roles",
            "OIDC_EMAIL_CLAIM": "preferred_username",
            "OIDC_JWKS_CACHE_SECONDS": "600",
        }
    )
    assert s.jwks_cache_seconds == 600
    assert s.jwks_url == "https://login.microsoftonline.com/t/discovery/v2.0/keys"
    assert (s.org_claim, dict(s.org_map), s.roles_claim) == ("tid", {"t1": "testshire", "t2": "otherford"}, "roles")
    assert (s.email_claim, s.email_guaranteed) == ("preferred_username", True)


def test_from_env_org_map_as_pairs():
    s = OidcSettings.from_env({"OIDC_ISSUER": "https://i", "OIDC_AUDIENCE": "a", "OIDC_ORG_MAP": "t1=testshire, t2=otherford,"})
    assert dict(s.org_map) == {"t1": "testshire", "t2": "otherford"}


def test_from_env_naming_the_default_email_claim_is_not_a_guarantee():
    s = OidcSettings.from_env({"OIDC_ISSUER": "https://i", "OIDC_AUDIENCE": "a", "OIDC_EMAIL_CLAIM": "email"})
    assert s.email_guaranteed is False


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"OIDC_ISSUER": "https://i"},
        {"OIDC_AUDIENCE": "a"},
        {"OIDC_ISSUER": "  ", "OIDC_AUDIENCE": "a"},
        {"OIDC_ISSUER": "https://i", "OIDC_AUDIENCE": "a", "OIDC_ORG_MAP": "{not json"},
        {"OIDC_ISSUER": "https://i", "OIDC_AUDIENCE": "a", "OIDC_ORG_MAP": '{"t1": 3}'},
        {"OIDC_ISSUER": "https://i", "OIDC_AUDIENCE": "a", "OIDC_ORG_MAP": "t1"},
        {"OIDC_ISSUER": "https://i", "OIDC_AUDIENCE": "a", "OIDC_ORG_MAP": "t1="},
        *(
            {"OIDC_ISSUER": "https://i", "OIDC_AUDIENCE": "a", "OIDC_JWKS_CACHE_SECONDS": seconds}
            for seconds in ("five", "0", "59", "-300", "inf", "nan")
        ),
    ],
)
def test_from_env_refuses_incomplete_or_malformed_settings(env):
    with pytest.raises(Misconfigured):
        OidcSettings.from_env(env)


def test_settings_freeze_the_org_map():
    source = {"t1": "testshire"}
    s = OidcSettings(issuer="https://i", audience="a", org_map=source)
    source["t2"] = "otherford"
    assert dict(s.org_map) == {"t1": "testshire"}
    with pytest.raises(TypeError):
        s.org_map["t3"] = "x"  # type: ignore[index]
    assert hash(s) == hash(OidcSettings(issuer="https://i", audience="a", org_map={"t1": "testshire"}))
