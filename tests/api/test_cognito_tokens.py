"""Real ID tokens issued by moto's Cognito (user pool, app client, groups, admin_initiate_auth),
validated by the application configured only through the OIDC_* settings.

moto signs every pool's tokens with one fixed RSA key (kid "dummy") that it ships as
`cognitoidp/resources/jwks-public.json`; it is served here on 127.0.0.1 and named by
OIDC_JWKS_URL, because discovery would need https://cognito-idp.<region>.amazonaws.com itself."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto.utilities.utils import load_resource

from chalicelib import bootstrap
from chalicelib.adapters.oidc import Unauthenticated, authenticator_from_env
from chalicelib.domain.access import Principal
from tests.api.conftest import body

REGION = "eu-west-2"
PASSWORD = "Correct-Horse-9-Battery"


@pytest.fixture(scope="module")
def jwks_url():
    document = json.dumps(load_resource("cognitoidp/resources/jwks-public.json")).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/jwks.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d/jwks.json" % server.server_address[1]
    server.shutdown()
    server.server_close()


class Pool:
    """A user pool with one app client, as infra/ would create it."""

    def __init__(self, name: str):
        self.idp = boto3.client("cognito-idp", region_name=REGION)
        self.pool_id = self.idp.create_user_pool(
            PoolName=name,
            Schema=[{"Name": "org", "AttributeDataType": "String", "Mutable": True}],
        )["UserPool"]["Id"]
        self.client_id = self.new_client("ldd-tracker-web")

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    def new_client(self, name: str) -> str:
        return self.idp.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName=name,
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            # moto puts standard attributes in the ID token only when the client may read them.
            ReadAttributes=["email", "email_verified", "custom:org"],
        )["UserPoolClient"]["ClientId"]

    def add_user(self, username: str, *, org: str, groups: tuple[str, ...], email_verified: str = "true") -> None:
        self.idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": f"{username}@{org}.example"},
                {"Name": "email_verified", "Value": email_verified},
                {"Name": "custom:org", "Value": org},
            ],
            MessageAction="SUPPRESS",
        )
        self.idp.admin_set_user_password(UserPoolId=self.pool_id, Username=username, Password=PASSWORD, Permanent=True)
        for group in groups:
            try:
                self.idp.create_group(UserPoolId=self.pool_id, GroupName=group)
            except self.idp.exceptions.GroupExistsException:
                pass
            self.idp.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username, GroupName=group)

    def tokens(self, username: str, client_id: str | None = None) -> dict:
        return self.idp.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=client_id or self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]

    def id_token(self, username: str, client_id: str | None = None) -> str:
        return self.tokens(username, client_id)["IdToken"]

    def sub(self, username: str) -> str:
        attributes = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=username)["UserAttributes"]
        return next(a["Value"] for a in attributes if a["Name"] == "sub")

    def env(self, jwks_url: str) -> dict[str, str]:
        return {"OIDC_ISSUER": self.issuer, "OIDC_AUDIENCE": self.client_id, "OIDC_JWKS_URL": jwks_url}


@pytest.fixture
def pool(aws):
    p = Pool("testshire-staff")
    p.add_user("alice", org="testshire", groups=("admin",))
    return p


def test_a_cognito_id_token_gives_its_principal(pool, jwks_url):
    auth = authenticator_from_env(pool.env(jwks_url))
    principal = auth.authenticate("Bearer " + pool.id_token("alice"))
    assert principal == Principal(
        subject=pool.sub("alice"),
        email="alice@testshire.example",
        org_id="testshire",
        roles=frozenset({"admin"}),
    )


def test_cognito_groups_that_are_not_roles_are_dropped(pool, jwks_url):
    pool.add_user("bob", org="testshire", groups=("leadership", "testshire-everyone"))
    principal = authenticator_from_env(pool.env(jwks_url)).authenticate("Bearer " + pool.id_token("bob"))
    assert principal.roles == frozenset({"leadership"})


def test_an_unverified_cognito_email_is_not_trusted(pool, jwks_url):
    pool.add_user("carol", org="testshire", groups=("service_owner",), email_verified="false")
    principal = authenticator_from_env(pool.env(jwks_url)).authenticate("Bearer " + pool.id_token("carol"))
    assert principal.email is None and principal.roles == frozenset({"service_owner"})


def test_a_token_for_another_app_client_is_refused(pool, jwks_url):
    other_client = pool.new_client("some-other-app")
    token = pool.id_token("alice", client_id=other_client)
    with pytest.raises(Unauthenticated, match="wrong audience"):
        authenticator_from_env(pool.env(jwks_url)).authenticate("Bearer " + token)


def test_a_token_from_another_pool_is_refused(pool, jwks_url):
    # moto signs every pool's tokens with the same key, so only iss and aud tell them apart.
    other = Pool("otherford-staff")
    other.add_user("mallory", org="testshire", groups=("admin",))
    auth = authenticator_from_env(pool.env(jwks_url))
    with pytest.raises(Unauthenticated, match="wrong issuer"):
        auth.authenticate("Bearer " + other.id_token("mallory"))
    # Even configured with the other pool's client id, the issuer still does not match.
    env = {**pool.env(jwks_url), "OIDC_AUDIENCE": other.client_id}
    with pytest.raises(Unauthenticated, match="wrong issuer"):
        authenticator_from_env(env).authenticate("Bearer " + other.id_token("mallory"))


def test_a_cognito_access_token_is_refused(pool, jwks_url):
    # Access tokens carry client_id instead of aud: this API takes ID tokens only.
    access_token = pool.tokens("alice")["AccessToken"]
    with pytest.raises(Unauthenticated, match="no aud claim"):
        authenticator_from_env(pool.env(jwks_url)).authenticate("Bearer " + access_token)


@pytest.fixture
def app_trusts_cognito(pool, jwks_url, monkeypatch):
    """The application's own authenticator, rebuilt from OIDC_* settings naming the Cognito pool."""
    for name, value in pool.env(jwks_url).items():
        monkeypatch.setenv(name, value)
    bootstrap.use_authenticator(None)
    yield pool
    # Runs before monkeypatch restores the environment; the next use rebuilds from that.
    bootstrap.use_authenticator(None)


def test_a_cognito_id_token_reaches_the_app(client, org, app_trusts_cognito):
    pool = app_trusts_cognito
    response = client.get("/orgs/testshire", token=pool.id_token("alice"))
    assert response.status_code == 200, response.body
    assert body(response)["org_id"] == "testshire"

    pool.add_user("eve", org="otherford", groups=("admin",))
    assert client.get("/orgs/testshire", token=pool.id_token("eve")).status_code == 403

    other_client_token = pool.id_token("alice", client_id=pool.new_client("some-other-app"))
    assert client.get("/orgs/testshire", token=other_client_token).status_code == 401
    # The local test provider's tokens are no longer trusted either.
    assert client.get("/orgs/testshire").status_code == 401
