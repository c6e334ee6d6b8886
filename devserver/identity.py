"""The local development identity provider: one RSA key, made once under the local folder, that
only the local server trusts.

`make run` serves this key's JWKS and a discovery document at its own address and points the app
at itself (OIDC_ISSUER = the server's URL), so locally a token goes through exactly the checks a
Cognito or Entra ID token goes through on AWS; with OIDC_ISSUER set in the shell it trusts that
provider instead (keep_shell_issuer). `make token` signs tokens with the same key. The
key id starts with DEV_KEY_ID_PREFIX, which a deployed function and `make package` refuse.

Imports nothing from the AWS side (no botocore, no PynamoDB): `make token` stays fast and
`python -m devserver` may import this before it has set up its environment."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.adapters.oidc import DEV_KEY_ID_PREFIX
from chalicelib.domain.access import PLATFORM_ADMIN, ROLES

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_LOCAL_DIR = PROJECT_DIR / ".local"
KEY_FILE_NAME = "dev-signing-key.pem"
AUDIENCE = "ldd-tracker-local"
HOST = "127.0.0.1"
DEFAULT_PORT = 8000
ALGORITHM = "RS256"
KEY_SIZE = 2048
DEFAULT_HOURS = 8
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"


def local_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where `make run` keeps its data and the key: LDD_LOCAL_DIR (of `environ`, else of the
    process), else `.local` in the project."""
    env = os.environ if environ is None else environ
    return Path(env.get("LDD_LOCAL_DIR") or DEFAULT_LOCAL_DIR).resolve()


def issuer_for(port: int, host: str = HOST) -> str:
    return f"http://{host}:{port}"


@dataclass(frozen=True)
class DevKey:
    private_key: rsa.RSAPrivateKey
    kid: str
    path: Path

    @classmethod
    def load_or_create(cls, directory: Path | None = None) -> DevKey:
        """The key at `<directory>/dev-signing-key.pem`, created (mode 0600) the first time.

        Creation is atomic and first-wins: the key is written to a private temporary file which
        is then hard-linked into place, so a server and a `make token` starting together agree on
        one key and neither ever reads a half-written file."""
        directory = Path(directory) if directory is not None else local_dir()
        path = directory / KEY_FILE_NAME
        if not path.exists():
            _create_key_file(path)
        _make_private(path)
        try:
            private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except ValueError as e:
            raise SystemExit(f"error: {path} is not a PEM private key ({e}); delete it to make a new one") from None
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise SystemExit(f"error: {path} is not an RSA key; delete it to make a new one")
        return cls(private_key=private_key, kid=key_id(private_key.public_key()), path=path)

    def public_jwk(self) -> dict:
        public = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**public, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def jwks(self) -> dict:
        return {"keys": [self.public_jwk()]}

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """DEV_KEY_ID_PREFIX and the first 16 hex digits of the key's RFC 7638 JWK thumbprint."""
    numbers = public_key.public_numbers()
    canonical = json.dumps(
        {"e": _b64uint(numbers.e), "kty": "RSA", "n": _b64uint(numbers.n)}, separators=(",", ":"), sort_keys=True
    )
    return DEV_KEY_ID_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def discovery_document(issuer: str) -> dict:
    return {
        "issuer": issuer,
        "jwks_uri": issuer + JWKS_PATH,
        # The pages' sign-in (devserver/signin.py): a list of the demo users instead of a password.
        "authorization_endpoint": issuer + "/_local/authorize",
        "token_endpoint": issuer + "/_local/token",
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "subject_types_supported": ["public"],
        "response_types_supported": ["code", "id_token"],
    }


def claims_for(
    roles: str | Iterable[str],
    org: str | None,
    email: str,
    issuer: str,
    audience: str = AUDIENCE,
    hours: float = DEFAULT_HOURS,
    now: float | None = None,
) -> dict:
    """The claims of a local token, laid out as Cognito lays out an ID token (and as
    tests/identity.py does): roles in `cognito:groups`, the organisation in `custom:org`."""
    roles = [roles] if isinstance(roles, str) else list(roles)
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise ValueError(f"roles must be among {', '.join(ROLES)}; got {', '.join(roles) or 'none'}")
    if not org and any(role != PLATFORM_ADMIN for role in roles):
        raise ValueError("an organisation role needs an organisation")
    issued_at = int(now if now is not None else time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": "local:" + email,
        "iat": issued_at,
        "exp": issued_at + int(hours * 3600),
        "cognito:groups": roles,
        "email": email,
        "email_verified": True,
    }
    if org:
        claims["custom:org"] = org
    return claims


def issue_token(
    roles: str | Iterable[str],
    org: str | None,
    email: str,
    issuer: str,
    audience: str = AUDIENCE,
    hours: float = DEFAULT_HOURS,
    key: DevKey | None = None,
) -> str:
    """A token signed with the development key (`key`, else the one in the local folder)."""
    key = key or DevKey.load_or_create()
    return key.sign(claims_for(roles, org, email, issuer, audience, hours))


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, temporary = tempfile.mkstemp(prefix=f".{KEY_FILE_NAME}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:
            # A file system without hard links: exclusive create instead (not atomic, but first-wins).
            try:
                with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
                    f.write(pem)
            except FileExistsError:
                pass
    finally:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _make_private(path: Path) -> None:
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:
        pass


def _b64uint(value: int) -> str:
    data = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class LocalIssuer:
    """What the dev server publishes at /.well-known/: the discovery document and the JWKS of the
    development key. `issuer` is set once the server knows its port (after binding)."""

    def __init__(self, key: DevKey, issuer: str | None = None):
        self.key = key
        self.issuer = issuer

    def document(self, path: str) -> dict | None:
        """The JSON document served at `path` (query ignored), or None if `path` is not ours."""
        path = path.split("?", 1)[0]
        if path == DISCOVERY_PATH and self.issuer:
            return discovery_document(self.issuer)
        if path == JWKS_PATH:
            return self.key.jwks()
        return None

    def handles(self, path: str) -> bool:
        return path.split("?", 1)[0] in (DISCOVERY_PATH, JWKS_PATH)


# Settings that would make the app expect another provider's tokens; the dev server clears them,
# since its tokens have the default (Cognito) claim layout.
_OTHER_PROVIDER_SETTINGS = ("OIDC_JWKS_URL", "OIDC_ORG_CLAIM", "OIDC_ORG_MAP", "OIDC_ROLES_CLAIM", "OIDC_EMAIL_CLAIM")
# Inside Lambda the app refuses an http:// issuer and the development key; the local server is
# never inside Lambda, whatever its shell says.
_DEPLOYED_MARKER = "AWS_LAMBDA_FUNCTION_NAME"


def trust_local_issuer(issuer: str, environ: dict | None = None) -> None:
    """Point the app at the local issuer (when the shell names no OIDC_ISSUER of its own): set
    OIDC_ISSUER and OIDC_AUDIENCE, clear the settings of other providers the stage may set, and
    make sure the app does not think it is deployed.

    Must run before the app's first request: the app builds its authenticator from the
    environment then."""
    env = os.environ if environ is None else environ
    env["OIDC_ISSUER"] = issuer
    env["OIDC_AUDIENCE"] = AUDIENCE
    # The pages sign in with this server too, as the client its tokens are for.
    env["OIDC_CLIENT_ID"] = AUDIENCE
    env.pop("OIDC_CLIENT_SECRET", None)
    env["APP_BASE_URL"] = issuer
    for name in (*_OTHER_PROVIDER_SETTINGS, _DEPLOYED_MARKER):
        env.pop(name, None)
    # The app fetches the keys from this server over HTTP; a proxy in the shell must not get them.
    for name in ("NO_PROXY", "no_proxy"):
        present = [entry.strip() for entry in env.get(name, "").split(",") if entry.strip()]
        missing = [host for host in (HOST, "localhost") if host not in present]
        env[name] = ",".join(present + missing)


def keep_shell_issuer(server_url: str, environ: dict | None = None) -> None:
    """`make run` with OIDC_ISSUER set in the shell: the app trusts that provider (a council's
    Entra ID or Cognito tenant) with the OIDC_* settings as given, and the pages sign in with it:
    as OIDC_CLIENT_ID (by default OIDC_AUDIENCE, as the stack's OidcClientId), coming back to
    APP_BASE_URL (by default this server). Nothing of the development key is trusted.

    Like trust_local_issuer, it must run before the app's first request."""
    env = os.environ if environ is None else environ
    for name, default in (("OIDC_CLIENT_ID", env.get("OIDC_AUDIENCE", "")), ("APP_BASE_URL", server_url)):
        if not (env.get(name) or "").strip():
            env[name] = default
    env.pop(_DEPLOYED_MARKER, None)
