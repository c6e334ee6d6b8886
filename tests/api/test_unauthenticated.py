"""Every way a token can be wrong gets the same answer over HTTP: 401, a Bearer challenge and a
problem document, and nothing written. (tests/unit/test_oidc.py checks each reason in detail.)"""

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.api.conftest import org_body, table_items


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_made(identity, header: dict, secret: bytes | None) -> str:
    now = int(time.time())
    claims = {"iss": identity.issuer, "aud": identity.audience, "sub": "x", "exp": now + 600, "cognito:groups": ["platform_admin"]}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest() if secret else b""
    return f"{signing_input}.{_b64(signature)}"


def _cases(identity):
    public_pem = identity.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "missing": None,
        "not bearer": "Basic dXNlcjpwYXNz",
        "malformed": "Bearer not.a.jwt",
        "expired": "Bearer " + identity.token(expires_in=-600),
        "not yet valid": "Bearer " + identity.token(nbf=int(time.time()) + 600),
        "wrongly signed": "Bearer " + identity.token(key=stranger),
        "wrong issuer": "Bearer " + identity.token(iss="https://elsewhere.example"),
        "wrong audience": "Bearer " + identity.token(aud="another-app"),
        "alg none": "Bearer " + _hand_made(identity, {"alg": "none", "kid": identity.kid}, None),
        "HS256 with the public key": "Bearer "
        + _hand_made(identity, {"alg": "HS256", "kid": identity.kid, "typ": "JWT"}, public_pem),
    }



def test_the_wrong_issuer_answer_names_the_trusted_issuer_not_the_tokens(client, identity):
    claimed = "https://login.evil.example/<script>alert(1)</script>"
    response = client.get("/orgs/testshire", token=identity.token(iss=claimed))
    assert response.status_code == 401
    detail = json.loads(response.body)["detail"]
    assert detail == f"Sign in with a valid bearer token: wrong issuer; this server accepts tokens from {identity.issuer}."
    assert "evil" not in response.body.decode()


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "not bearer",
        "malformed",
        "expired",
        "not yet valid",
        "wrongly signed",
        "wrong issuer",
        "wrong audience",
        "alg none",
        "HS256 with the public key",
    ],
)
def test_a_bad_token_is_401_with_a_challenge_and_writes_nothing(client, identity, case):
    authorization = _cases(identity)[case]
    headers = {"Authorization": authorization} if authorization else {}
    before = table_items()
    response = client.put("/orgs/testshire", org_body(), token=None, headers=headers)
    assert response.status_code == 401, response.body
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    problem = json.loads(response.body)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert problem["status"] == 401 and problem["detail"]
    if authorization:
        assert authorization.split()[-1] not in response.body.decode()  # the token is never echoed
    assert table_items() == before
