"""The local server as a developer runs it: `python -m devserver` in its own process, over real
HTTP (stdlib clients only), with its data and development key in a temporary folder
(LDD_LOCAL_DIR). Tokens are signed with that key, for that server's issuer, as `make token` does."""

import json
import os
import signal
import subprocess
import socket
import sys
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from chalicelib.adapters.oidc import DEV_KEY_ID_PREFIX
from chalicelib.edge.http import MAX_BODY_BYTES
from devserver import identity
from devserver.demo import DEMO_USERS, SERVICES
from devserver.handler import RUN_SNAPSHOTS_PATH
from tests.local_server import COMMAND, ROOT, DevServer, server_environment


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ldd-local")


@pytest.fixture(scope="module")
def server(data_dir):
    running = DevServer(data_dir)
    yield running
    running.stop(signal.SIGKILL)


def demo_services(server: DevServer) -> list[dict]:
    page = server.json("/orgs/demo-borough/services?limit=100")
    assert page["next_cursor"] is None
    return page["items"]


def test_the_demo_organisation_is_seeded_with_twelve_services(server):
    organisation = server.json("/orgs/demo-borough")
    assert organisation["name"] == "Demo Borough (demo data)"
    assert len(demo_services(server)) == 12
    scorecard = server.json("/orgs/demo-borough/scorecard")
    assert scorecard["services_total"] == 12
    assert [f["code"] for f in scorecard["lock_in"]["flags"]] == ["SUPPLIER_CONCENTRATION"]


def test_an_unknown_path_is_a_404_problem(server):
    status, headers, payload = server.request("GET", "/no/such/thing?x=1")
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(payload) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No route matches /no/such/thing",
    }


@pytest.mark.parametrize("method", ["FOO", "PROPFIND", "TRACE", "DELETE"])
def test_a_method_the_path_lacks_is_a_405_with_allow_never_a_501(server, method):
    status, headers, payload = server.request(method, "/health")
    assert status == 405
    assert "GET" in headers["Allow"]
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(payload)["status"] == 405


def test_an_unknown_method_on_an_unknown_path_is_a_404(server):
    status, _, _ = server.request("FOO", "/no/such/thing")
    assert status == 404


def test_head_answers_without_a_body(server):
    status, headers, payload = server.request("HEAD", "/health")
    assert status == 200
    assert payload == b""
    assert int(headers["Content-Length"]) == len(b'{"status":"ok"}')


@pytest.mark.parametrize("store, data_file", [("sqlite", "tracker.sqlite3"), ("moto", "dynamodb.json")])
def test_an_acknowledged_write_survives_kill_9_and_sigterm_exits_0(tmp_path, store, data_file):
    # Its own server and folder: the module's server stays up for the other tests.
    data_dir = tmp_path
    env = {"LDD_LOCAL_STORE": store}
    server = DevServer(data_dir, env=env)
    try:
        platform_admin = server.token("platform_admin", None, "platform@tracker.example")
        status, _, payload = server.request("PUT", "/orgs/survivor", {"name": "Survivor Council"}, token=platform_admin)
        assert status == 201, payload
    finally:
        assert server.stop(signal.SIGKILL) == -signal.SIGKILL

    restarted = DevServer(data_dir, env=env)
    try:
        # Another port is another issuer: the restarted server needs its own tokens (same key).
        platform_admin = restarted.token("platform_admin", None, "platform@tracker.example")
        assert restarted.json("/orgs/survivor", token=platform_admin)["name"] == "Survivor Council"
        assert len(demo_services(restarted)) == 12  # restored, not seeded a second time
        assert "already present" in "".join(restarted.output)
    finally:
        exit_code = restarted.stop(signal.SIGTERM)
    assert exit_code == 0, "".join(restarted.output)
    # Stopped cleanly, one file holds everything (SQLite's write-ahead log is folded back in).
    assert sorted(p.name for p in data_dir.iterdir()) == ["dev-signing-key.pem", data_file]


def test_an_unknown_local_store_stops_the_server_at_start(tmp_path):
    env = server_environment(tmp_path, {"LDD_LOCAL_STORE": "postgres"})
    done = subprocess.run(COMMAND, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout
    assert "LDD_LOCAL_STORE must be one of sqlite, moto, not 'postgres'" in done.stderr


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not a database at all\n" * 100),
        lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 3]),
    ],
    ids=["overwritten", "torn"],
)
def test_a_damaged_data_file_stops_the_server_at_start_with_what_to_do(tmp_path, damage):
    server = DevServer(tmp_path)
    server.stop(signal.SIGTERM)
    damage(tmp_path / "tracker.sqlite3")
    done = subprocess.run(COMMAND, cwd=ROOT, env=server_environment(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout
    expected = f"{tmp_path / 'tracker.sqlite3'} cannot be read as the local store"
    assert expected in done.stderr and "Move it aside to start with an empty store" in done.stderr, done.stderr


# Sign-in ------------------------------------------------------------------------------------------


def test_the_discovery_document_and_jwks_are_served_for_the_development_key(server, data_dir):
    status, headers, payload = server.request("GET", "/.well-known/openid-configuration")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    discovery = json.loads(payload)
    assert discovery["issuer"] == server.url
    assert discovery["jwks_uri"] == server.url + "/.well-known/jwks.json"
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]

    status, _, payload = server.request("GET", "/.well-known/jwks.json")
    assert status == 200
    [jwk] = json.loads(payload)["keys"]
    key = identity.DevKey.load_or_create(data_dir)
    assert jwk["kid"] == key.kid and jwk["kid"].startswith(DEV_KEY_ID_PREFIX)
    assert {"kty": "RSA", "alg": "RS256", "use": "sig"}.items() <= jwk.items()
    assert "d" not in jwk  # the public half only
    assert (data_dir / "dev-signing-key.pem").stat().st_mode & 0o777 == 0o600
    assert f"development key {key.path} ({key.kid})" in "".join(server.output)

    status, headers, _ = server.request("POST", "/.well-known/jwks.json", {})
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_a_request_without_a_token_is_a_401_with_a_bearer_challenge(server):
    status, headers, payload = server.request("GET", "/orgs/demo-borough")
    assert status == 401, payload
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert headers["Content-Type"] == "application/problem+json"


def test_a_token_for_another_issuer_or_signed_by_another_key_is_a_401(server, tmp_path):
    admin = ("admin", "demo-borough", "admin@demo-borough.example")
    right_key, other_key = identity.DevKey.load_or_create(server.data_dir), identity.DevKey.load_or_create(tmp_path)
    wrong_issuer = identity.issue_token(*admin, issuer="http://127.0.0.1:1", key=right_key)
    wrong_key = identity.issue_token(*admin, issuer=server.url, key=other_key)
    for token in (wrong_issuer, wrong_key):
        status, _, payload = server.request("GET", "/orgs/demo-borough", token=token)
        assert status == 401, payload


@pytest.mark.parametrize("user", DEMO_USERS, ids=lambda u: f"{u.role}:{u.email}")
def test_every_demo_user_is_let_in_and_the_banner_shows_the_command(server, user):
    token = server.token(user.role, user.org_id, user.email)
    assert server.json("/orgs/demo-borough", token=token)["org_id"] == "demo-borough"
    expected = f"make token PORT={server.port} LDD_LOCAL_DIR={server.data_dir.resolve()} ROLE={user.role}"
    assert expected in "".join(server.output)


def test_the_demo_users_match_the_seeded_data(server):
    roles = {user.role for user in DEMO_USERS}
    assert roles == set(identity.ROLES)
    owners = {service.owner_email for service in SERVICES}
    for user in DEMO_USERS:
        if user.role == "service_owner":
            assert user.email in owners
    # A service owner may read their own services; leadership may not register one.
    owner = next(user for user in DEMO_USERS if user.role == "service_owner")
    token = server.token(owner.role, owner.org_id, owner.email)
    services = server.json("/orgs/demo-borough/services?limit=100", token=token)["items"]
    assert any(s["owner_email"] == owner.email for s in services)
    leadership = next(user for user in DEMO_USERS if user.role == "leadership")
    body = {"name": "Street lighting", "department": "Environment", "owner_email": leadership.email}
    token = server.token(leadership.role, leadership.org_id, leadership.email)
    status, _, payload = server.request("POST", "/orgs/demo-borough/services", body, token=token)
    assert status == 403, payload


# Another provider, named in the shell ----------------------------------------------------------


@pytest.fixture(scope="module")
def provider(identity):
    """The tests' own OpenID provider on 127.0.0.1 (tests/identity.py), standing in for a
    council's Entra ID or Cognito tenant."""
    return identity


@pytest.fixture(scope="module")
def external(tmp_path_factory, provider):
    """A server started with the provider's OIDC_ISSUER and OIDC_AUDIENCE in its environment."""
    running = DevServer(tmp_path_factory.mktemp("ldd-external"), env=provider.env())
    yield running
    running.stop(signal.SIGKILL)


def test_with_oidc_issuer_in_the_shell_that_provider_is_trusted_and_the_development_key_is_not(external, provider, tmp_path):
    admin = provider.token(org="demo-borough", roles=("admin",), email="admin@demo-borough.example")
    assert external.json("/orgs/demo-borough", token=admin)["org_id"] == "demo-borough"

    # A development key signing for the provider's issuer and audience, or as `make token` would.
    key = identity.DevKey.load_or_create(tmp_path)
    for issuer, audience in ((provider.issuer, provider.audience), (external.url, identity.AUDIENCE)):
        token = key.sign(identity.claims_for("admin", "demo-borough", "admin@demo-borough.example", issuer, audience))
        status, _, payload = external.request("GET", "/orgs/demo-borough", token=token)
        assert status == 401, payload


def test_with_another_provider_the_banner_names_it_and_prints_no_development_tokens(external, provider):
    output = "".join(external.output)
    assert f"bearer tokens from issuer {provider.issuer} (audience {provider.audience})" in output
    assert "make token" not in output and "development key" not in output
    assert "dev-signing-key.pem" not in [p.name for p in external.data_dir.iterdir()]  # no development key made
    assert (external.data_dir / "tracker.sqlite3").exists()


def test_with_another_provider_the_server_is_no_identity_provider_and_the_pages_use_that_one(external, provider):
    for path in ("/.well-known/openid-configuration", "/.well-known/jwks.json", "/_local/authorize", "/_local/token"):
        assert external.request("GET", path)[0] == 404, path
    status, headers, _ = external.request("GET", "/app/sign-in")
    assert status == 302
    location = urlsplit(headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == provider.issuer + "/authorize"  # its discovery's
    query = parse_qs(location.query)
    assert query["client_id"] == [provider.audience]  # OIDC_CLIENT_ID defaults to OIDC_AUDIENCE
    assert query["redirect_uri"] == [external.url + "/app/callback"]


def test_an_issuer_in_the_shell_without_an_audience_stops_the_server_at_start(tmp_path):
    env = server_environment(tmp_path, {"OIDC_ISSUER": "https://login.example/tenant/v2.0"})
    done = subprocess.run(COMMAND, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout
    assert "OIDC_ISSUER is set" in done.stderr and "OIDC_AUDIENCE must be set" in done.stderr


def make_token(server: DevServer, **settings: str) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k not in ("ROLE", "ORG", "EMAIL", "HOURS")}
    env = {**inherited, "PORT": str(server.port), "LDD_LOCAL_DIR": str(server.data_dir), **settings}
    return subprocess.run(
        [sys.executable, "-m", "devserver.token"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )


def test_a_token_from_devserver_token_is_accepted(server):
    done = make_token(server, ROLE="leadership")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert done.stdout == token + "\n"  # only the token, so $(make -s token ...) works
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == server.url and claims["aud"] == identity.AUDIENCE
    assert claims["cognito:groups"] == ["leadership"] and claims["custom:org"] == "demo-borough"
    assert claims["email"] == "cdo@demo-borough.example" and claims["sub"] == "local:cdo@demo-borough.example"
    assert claims["email_verified"] is True and claims["exp"] - claims["iat"] == 8 * 3600
    assert server.json("/orgs/demo-borough/scorecard", token=token)["services_total"] == 12

    platform = make_token(server, ROLE="platform_admin")
    claims = jwt.decode(platform.stdout.strip(), options={"verify_signature": False})
    assert "custom:org" not in claims and claims["email"] == "platform@tracker.example"
    several = make_token(server, ROLE="admin,service_owner", ORG="testshire")
    claims = jwt.decode(several.stdout.strip(), options={"verify_signature": False})
    assert claims["cognito:groups"] == ["admin", "service_owner"] and claims["email"] == "admin@testshire.example"


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"ROLE": ""}, "ROLE is required"),
        ({"ROLE": "boss"}, "unknown role 'boss'"),
        ({"ROLE": "admin,owner"}, "unknown role 'owner'"),
        ({"ROLE": "admin", "ORG": "none"}, "needs one"),
        ({"ROLE": "admin", "EMAIL": "nobody"}, "not an email address"),
        ({"ROLE": "admin", "PORT": "eighty"}, "must be numbers"),
    ],
)
def test_devserver_token_explains_a_wrong_setting_and_exits_2(server, settings, message):
    done = make_token(server, **settings)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr and "platform_admin, admin, leadership, service_owner" in done.stderr


def test_the_development_key_is_made_once_and_kept_private(tmp_path):
    first = identity.DevKey.load_or_create(tmp_path)
    again = identity.DevKey.load_or_create(tmp_path)
    assert first.kid == again.kid and first.kid.startswith(DEV_KEY_ID_PREFIX)
    assert first.path == tmp_path / "dev-signing-key.pem"
    assert first.path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["dev-signing-key.pem"]  # no temporary left


def test_make_snapshot_takes_this_months_snapshot_through_the_running_server(server):
    result = subprocess.run(
        [sys.executable, "-m", "devserver.snapshot"],
        cwd=ROOT,
        env={**os.environ, "PORT": str(server.port), "LDD_LOCAL_DIR": str(server.data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "demo-borough" in result.stdout
    history = server.json("/orgs/demo-borough/scorecard/history?from=2024-01")["items"]
    assert len(history) >= 24  # the demo's months, computed when it was seeded
    assert history[-1]["services_assessed"] == 10
    assert server.request("GET", "/_local/run-snapshots")[0] == 405


def platform_admin(server: DevServer) -> str:
    return server.token("platform_admin", None, "platform@tracker.example")


def test_run_snapshots_needs_a_platform_admins_token_checked_by_the_app(server, tmp_path):
    status, headers, payload = server.request("POST", RUN_SNAPSHOTS_PATH)
    assert status == 401, payload
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert headers["Content-Type"] == "application/problem+json"
    another_key = identity.issue_token("platform_admin", None, "platform@tracker.example", issuer=server.url,
                                       key=identity.DevKey.load_or_create(tmp_path))
    assert server.request("POST", RUN_SNAPSHOTS_PATH, token=another_key)[0] == 401
    assert server.request("POST", RUN_SNAPSHOTS_PATH, token=server.token("admin"))[0] == 403

    same_origin = {"Origin": server.url, "Sec-Fetch-Site": "same-origin"}
    status, _, payload = server.request("POST", RUN_SNAPSHOTS_PATH, {}, token=platform_admin(server), headers=same_origin)
    assert status == 200, payload
    assert "demo-borough" in json.loads(payload)["organisations"]


@pytest.mark.parametrize(
    "headers, body, expected",
    [
        ({"Origin": "http://evil.example"}, None, 403),
        ({"Origin": "null"}, None, 403),
        ({"Sec-Fetch-Site": "cross-site"}, None, 403),
        ({"Sec-Fetch-Site": "same-site"}, None, 403),  # another port of 127.0.0.1 is the same site
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"organisations=all", 415),
        ({"Content-Type": "text/plain"}, b"{}", 415),
        ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x--", 415),
    ],
)
def test_run_snapshots_refuses_what_another_site_can_make_a_browser_send(server, headers, body, expected):
    status, response_headers, payload = server.request("POST", RUN_SNAPSHOTS_PATH, body, token=platform_admin(server), headers=headers)
    assert status == expected, payload
    assert response_headers["Content-Type"] == "application/problem+json"


def exchange(server: DevServer, data: bytes) -> bytes:
    """Send raw bytes on a new connection; what comes back until the server closes it (a server
    that kept it open would time the test out)."""
    with socket.create_connection((server.host, server.port), timeout=10) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def request_head(server: DevServer, *headers: str) -> bytes:
    lines = ["POST /orgs/demo-borough/services HTTP/1.1", f"Host: {server.host}:{server.port}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def assert_refused_as_too_large(response: bytes) -> None:
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    assert status_line.startswith("HTTP/1.1 413 "), response[:200]
    assert headers["Content-Type"] == "application/problem+json" and headers["Connection"] == "close"
    assert json.loads(body) == {
        "type": "about:blank",
        "title": HTTPStatus(413).phrase,
        "status": 413,
        "detail": f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.",
    }


@pytest.mark.parametrize("expect", [(), ("Expect: 100-continue",)], ids=["plain", "expect-100-continue"])
def test_a_body_over_the_limit_is_refused_from_its_content_length_without_being_sent(server, expect):
    head = request_head(server, "Content-Type: application/json", f"Content-Length: {MAX_BODY_BYTES + 1}", *expect)
    assert_refused_as_too_large(exchange(server, head))  # answered, and closed, with no byte of the body sent


def test_a_chunked_body_over_the_limit_is_refused_at_the_chunk_that_goes_over(server):
    head = request_head(server, "Content-Type: application/json", "Transfer-Encoding: chunked")
    first = MAX_BODY_BYTES - 10
    data = head + f"{first:x}\r\n".encode() + b" " * first + b"\r\n" + b"b\r\n"  # 11 more: over by one
    assert_refused_as_too_large(exchange(server, data))


def test_a_body_of_exactly_the_limit_reaches_the_app(server):
    status, _, payload = server.request("POST", "/orgs/demo-borough/services", b" " * MAX_BODY_BYTES, token=server.token(),
                                        headers={"Content-Type": "application/json"})
    assert status == 400, payload  # the app's own answer: not JSON


def test_the_local_server_takes_a_council_of_a_thousand_services(tmp_path):
    """What issue 14 could not do over moto: 1,000 services registered through the API, each
    write a transaction of its own, and the council whole after a restart. No timing here;
    `make bench` (tools/local_bench.py) measures it."""
    from tools.local_bench import ORG, Loader

    server = DevServer(tmp_path)
    try:
        loader = Loader(server)
        for n in range(1_000):
            loader.add_service(n, components=0, assessments=0)
        assert len(loader.write_times) == 1_000
    finally:
        server.stop(signal.SIGKILL)
    restarted = DevServer(tmp_path)
    try:
        admin = restarted.token("admin", ORG, f"admin@{ORG}.example")
        assert restarted.json(f"/orgs/{ORG}/scorecard", token=admin)["services_total"] == 1_000
    finally:
        restarted.stop(signal.SIGTERM)
