"""A small OpenID provider on 127.0.0.1 for tests: an RSA key, its discovery document and JWKS
served over HTTP, and tokens signed with it. The application reaches it only through the
OIDC_* settings, exactly as it reaches Cognito or Entra ID."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

AUDIENCE = "ldd-tracker-test"


class LocalIdentityProvider:
    def __init__(self, audience: str = AUDIENCE):
        self.audience = audience
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-" + uuid.uuid4().hex[:8]
        self.extra_keys: list[dict] = []  # more JWKs to publish (rotation tests)
        self.jwks_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "LocalIdentityProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def env(self) -> dict[str, str]:
        return {"OIDC_ISSUER": self.issuer, "OIDC_AUDIENCE": self.audience}

    def jwks(self) -> dict:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}, *self.extra_keys]}

    def token(
        self,
        *,
        sub: str = "user-1",
        org: str | None = "testshire",
        roles: tuple[str, ...] = ("admin",),
        email: str | None = "admin@testshire.example",
        email_verified: bool = True,
        expires_in: int = 3600,
        key=None,
        kid: str | None = None,
        algorithm: str = "RS256",
        **claims,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + expires_in,
            "cognito:groups": list(roles),
            "email_verified": email_verified,
        }
        if org is not None:
            payload["custom:org"] = org
        if email is not None:
            payload["email"] = email
        payload.update(claims)
        return jwt.encode(payload, key or self.key, algorithm=algorithm, headers={"kid": kid or self.kid})

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    body = {
                        "issuer": provider.issuer,
                        "jwks_uri": provider.issuer + "/.well-known/jwks.json",
                        # The pages' sign-in (authorization code flow): tests fake the token
                        # exchange, so nothing answers at these two.
                        "authorization_endpoint": provider.issuer + "/authorize",
                        "token_endpoint": provider.issuer + "/token",
                    }
                elif self.path == "/.well-known/jwks.json":
                    provider.jwks_requests += 1
                    body = provider.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
