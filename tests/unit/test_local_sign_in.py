"""The local identity provider's sign-in (devserver/signin.py): it must hold the app to the same
rules a real provider does (client, redirect URI, PKCE, one use per code)."""

import base64
import hashlib
import urllib.parse

import jwt
import pytest

from devserver.demo import DEMO_USERS
from devserver.identity import AUDIENCE, DevKey, LocalIssuer
from devserver.signin import LocalSignIn

ISSUER = "http://127.0.0.1:8000"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    return LocalIssuer(DevKey.load_or_create(tmp_path_factory.mktemp("key")), ISSUER)


@pytest.fixture
def sign_in(issuer):
    return LocalSignIn(issuer, DEMO_USERS)


def request(**overrides):
    params = {
        "response_type": "code",
        "client_id": AUDIENCE,
        "redirect_uri": f"{ISSUER}/app/callback",
        "state": "the-state",
        "nonce": "the-nonce",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    return {**params, **overrides}


def code_for(sign_in, user=2):
    status, location = sign_in.choose({**request(), "user": str(user)})
    assert status == 303
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert location.startswith(f"{ISSUER}/app/callback?") and query["state"] == "the-state"
    return query["code"]


def exchange(sign_in, code, **overrides):
    form = {"grant_type": "authorization_code", "code": code, "client_id": AUDIENCE,
            "redirect_uri": f"{ISSUER}/app/callback", "code_verifier": VERIFIER}
    return sign_in.token({**form, **overrides})


def test_a_chosen_user_gets_an_id_token_with_the_nonce_signed_by_the_development_key(sign_in, issuer):
    status, body = exchange(sign_in, code_for(sign_in, user=2))
    assert status == 200
    claims = jwt.decode(body["id_token"], issuer.key.private_key.public_key(), algorithms=["RS256"], audience=AUDIENCE)
    user = DEMO_USERS[2]
    assert (claims["email"], claims["custom:org"], claims["cognito:groups"]) == (user.email, user.org_id, [user.role])
    assert claims["nonce"] == "the-nonce" and claims["iss"] == ISSUER


def test_a_code_works_once(sign_in):
    code = code_for(sign_in)
    assert exchange(sign_in, code)[0] == 200
    assert exchange(sign_in, code) == (400, {"error": "invalid_grant"})


@pytest.mark.parametrize(
    "overrides",
    [{"code_verifier": "w" * 64}, {"client_id": "someone-else"}, {"redirect_uri": f"{ISSUER}/app/elsewhere"}, {"grant_type": "password"}],
)
def test_a_wrong_verifier_client_redirect_or_grant_is_refused(sign_in, overrides):
    assert exchange(sign_in, code_for(sign_in), **overrides) == (400, {"error": "invalid_grant"})


@pytest.mark.parametrize(
    "overrides, why",
    [
        ({"code_challenge_method": "plain"}, "PKCE"),
        ({"code_challenge": ""}, "PKCE"),
        ({"client_id": "other"}, "client_id"),
        ({"redirect_uri": "https://evil.example/app/callback"}, "redirect_uri"),
        ({"response_type": "token"}, "response_type"),
    ],
)
def test_a_request_the_provider_would_refuse_gets_no_code(sign_in, overrides, why):
    assert why in sign_in.check_request(request(**overrides))
    assert sign_in.choose({**request(**overrides), "user": "0"})[0] == 400


def test_only_a_listed_user_can_be_chosen(sign_in):
    assert sign_in.choose({**request(), "user": str(len(DEMO_USERS))})[0] == 400
    assert sign_in.choose({**request(), "user": "x"})[0] == 400
