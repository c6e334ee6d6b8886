"""`python -m devserver`: the whole app on a laptop, in one process and with no AWS account.

The data is an SQLite file under .local/ (LDD_LOCAL_DIR) through the SQLite adapter of the Store
port; each write is committed durably before it is answered; the demo organisation is seeded
once, and the Chalice app is served with chalice.local. LDD_LOCAL_STORE=moto runs the previous
store instead, moto's DynamoDB in a thread saved whole after every write (devserver.local_store).

Sign-in works as on AWS, with this server as the identity provider: it makes a development
signing key once (.local/dev-signing-key.pem), publishes its discovery document and JWKS at
/.well-known/, and points the app at itself (OIDC_ISSUER = its own URL). `make token` signs
tokens with the same key.

With OIDC_ISSUER (and OIDC_AUDIENCE, ...) set in the shell, the app trusts that provider instead,
so a council can try the tracker with its own Entra ID or Cognito tenant: this server then
publishes no key and no sign-in page of its own, and the pages sign in with that provider."""

import json
import logging
import os
import signal
import sys
import threading
from functools import partial
from pathlib import Path

# No botocore or PynamoDB behind this import (see devserver.identity): the environment is not set up yet.
from devserver import identity
from devserver.identity import DEFAULT_PORT, HOST, PROJECT_DIR

DEFAULT_REGION = "eu-west-2"
DEFAULT_ACCOUNT_ID = "123456789012"
SHUTDOWN_WAIT_SECONDS = 10


def main() -> int:
    try:
        port = int(os.environ.get("PORT") or DEFAULT_PORT)
    except ValueError:
        print(f"PORT must be a number, not {os.environ['PORT']!r}", file=sys.stderr)
        return 2
    local_dir = identity.local_dir()
    # Only the shell chooses another provider (read before the stage's variables are applied):
    # the stage configuration describes a deployment, whose provider may not know this laptop.
    shell_issuer = bool((os.environ.get("OIDC_ISSUER") or "").strip())
    # Until the server is up nothing has been acknowledged (the demo is saved in one atomic
    # write at the end of seeding), so a signal may simply end the process.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_quietly)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    # moto's request log would drown the app's own; its errors still show.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    for chatty in ("botocore", "boto3", "pynamodb"):
        logging.getLogger(chatty).setLevel(logging.WARNING)

    # All of this must happen before botocore clients or PynamoDB models exist: PynamoDB reads
    # its Meta (table name, region) when the model classes are defined, and clients read
    # credentials and AWS_ENDPOINT_URL_DYNAMODB when they are created.
    _fake_aws_environment()
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    config = _chalice_config()
    trusted = None
    if shell_issuer:
        from chalicelib.adapters.oidc import Misconfigured, OidcSettings

        try:
            trusted = OidcSettings.from_env()
        except Misconfigured as e:
            print(f"error: OIDC_ISSUER is set, so the local server would trust that provider, but {e}", file=sys.stderr)
            return 2

    from devserver import local_store

    try:
        kind = local_store.kind()
    except local_store.StoreUnusable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return _serve(config, port, local_dir, kind, trusted)


def _serve(config, port: int, local_dir: Path, kind: str, trusted) -> int:
    """Serve until SIGTERM or SIGINT; `kind`: the local store (devserver.local_store), `trusted`:
    the shell's provider (OidcSettings), or None for this server's own."""
    from chalicelib import bootstrap
    from devserver import local_store
    from devserver.demo import DEMO_USERS, ORG_ID

    local_dir.mkdir(parents=True, exist_ok=True)
    # Integration signing secrets are sealed with a key file kept beside the saved data (a local
    # KMS would not outlive this server, the records holding the sealed secrets do). A developer
    # who sets INTEGRATION_KMS_KEY_ID uses that KMS key instead.
    if not os.environ.get("INTEGRATION_KMS_KEY_ID"):
        os.environ["LDD_LOCAL_SECRET_KEY_FILE"] = str(local_dir / "integration-secrets.key")
    try:
        if kind == "moto":
            from moto.server import ThreadedMotoServer

            moto = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
            moto.start()
            endpoint = "http://%s:%d" % moto.get_host_and_port()
            os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
            # moto's thread is a daemon and its data is in the snapshot: it ends with the
            # process (stopping it first only costs its half-second poll interval).
            local = local_store.open_moto(local_dir, endpoint)
        else:
            local = local_store.open_sqlite(local_dir)
    except local_store.StoreUnusable as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    bootstrap.use(bootstrap.build(store=local.store))
    tables, restored, seeded = local.persistence, local.restored, local.seeded

    app = _load_app()
    if app is None:
        return 1
    from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer

    from devserver.gateway import ProblemGateway
    from devserver.handler import DevRequestHandler

    # What chalice.local.create_local_server does: make the app's current_request thread-local,
    # since the server answers each connection on its own thread.
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    gateway = ProblemGateway(app, config)
    from devserver.assets import AssetsMissing, asset_files
    from devserver.signin import LocalSignIn

    try:
        assets = asset_files()
    except AssetsMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    local_issuer = sign_in = None
    if trusted is None:
        local_issuer = identity.LocalIssuer(identity.DevKey.load_or_create(local_dir))
        sign_in = LocalSignIn(local_issuer, DEMO_USERS)
    handler = partial(
        DevRequestHandler, gateway=gateway, tables=tables, local_issuer=local_issuer, sign_in=sign_in, assets=assets
    )
    try:
        server = LocalDevServer(app, config, HOST, port, handler_cls=handler)
    except OSError as e:
        print(f"error: cannot listen on {HOST}:{port}: {e}", file=sys.stderr)
        return 1
    url = "http://%s:%d" % server.server.server_address[:2]
    # Only now is the port known (PORT=0 picks one): the local issuer and the pages' callback are
    # the server's own URL. The app reads these settings on its first request, which cannot come
    # before serve_forever.
    if local_issuer is not None:
        local_issuer.issuer = url
        identity.trust_local_issuer(url)
    else:
        identity.keep_shell_issuer(url)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serving = threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    serving.start()
    demo = f"demo organisation {ORG_ID} {'seeded' if seeded else 'already present'}"
    if local_issuer is not None:
        _local_banner(url, tables.path, restored, demo, ORG_ID, local_issuer.key, DEMO_USERS)
    else:
        _shell_issuer_banner(url, tables.path, restored, demo, ORG_ID, trusted)
    while not stop.wait(0.5):
        pass

    print("Stopping...", flush=True)
    server.shutdown()
    # Let a write that is already running finish and be saved before the process goes.
    if tables.lock.acquire(timeout=SHUTDOWN_WAIT_SECONDS):
        tables.lock.release()
    server.server.server_close()
    local.close()
    print("Stopped.", flush=True)
    return 0


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)


def _fake_aws_environment() -> None:
    """Fake credentials and a region where none are set: the embedded store accepts any."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", DEFAULT_REGION)
    # moto files data under the account the request names; fixing it here means the saved
    # snapshot is read from the same account whatever the credentials look like.
    os.environ.setdefault("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)
    # A profile or this switch would send PynamoDB somewhere other than the embedded store.
    os.environ.pop("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", None)


def _chalice_config():
    """The project's Chalice config for the stage (CHALICE_STAGE, else `local` if the config
    defines it, else `dev`); its environment variables are applied where the shell has not set
    them, before the app is imported."""
    from chalice.cli.factory import CLIFactory
    from chalice.config import Config

    config_file = PROJECT_DIR / ".chalice" / "config.json"
    stages = {}
    if config_file.exists():
        stages = json.loads(config_file.read_text(encoding="utf-8")).get("stages", {})
    stage = os.environ.get("CHALICE_STAGE") or ("local" if "local" in stages else "dev")
    try:
        config = CLIFactory(str(PROJECT_DIR)).create_config_obj(chalice_stage_name=stage)
    except RuntimeError:
        config = Config.create(chalice_stage=stage, project_dir=str(PROJECT_DIR), app_name="ldd-tracker")
    scoped = config.scope(stage, "api_handler")
    for name, value in (scoped.environment_variables or {}).items():
        os.environ.setdefault(name, str(value))
    return scoped


def _load_app():
    try:
        import app as app_module
    except ModuleNotFoundError as e:
        if e.name != "app":
            raise
        print(f"error: {PROJECT_DIR / 'app.py'} does not exist yet", file=sys.stderr)
        return None
    return app_module.app


def _local_banner(url: str, data_file: Path, restored: int, demo: str, org_id: str, key, demo_users) -> None:
    from devserver.token import command

    port = int(url.rsplit(":", 1)[1])
    local_dir = data_file.parent

    def make_token(user, silent=False) -> str:
        return command(user.role, user.email, user.org_id, port=port, local_dir=local_dir, silent=silent)

    width = max(len(user.role) for user in demo_users)
    users = "\n".join(
        f"  {user.role:<{width}}  {user.email} ({user.what})\n  {'':<{width}}    {make_token(user)}"
        for user in demo_users
    )
    by_role = {}
    for user in demo_users:
        by_role.setdefault(user.role, user)
    leadership, admin = by_role["leadership"], by_role["admin"]
    print(
        f"""
LDD tracker local server: {url}
  pages: {url}/app (choose a demo user to sign in)
  data: {data_file} ({restored} items restored; {demo})
  sign-in: bearer tokens from issuer {url} (audience {identity.AUDIENCE}), signed by the
           development key {key.path} ({key.kid}); only this server trusts it

Demo users; each command (run in {PROJECT_DIR}) prints a token valid for {identity.DEFAULT_HOURS} hours:
{users}

Try:
  curl {url}/health
  curl {url}/frameworks
  curl -H "Authorization: Bearer $({make_token(leadership, silent=True)})" {url}/orgs/{org_id}/scorecard
  TOKEN=$({make_token(admin, silent=True)})
  curl -H "Authorization: Bearer $TOKEN" {url}/orgs/{org_id}/services
  curl -H "Authorization: Bearer $TOKEN" '{url}/orgs/{org_id}/scorecard?format=csv'

Ctrl-C stops the server; your data stays in {local_dir}.
""",
        flush=True,
    )


def _shell_issuer_banner(url: str, data_file: Path, restored: int, demo: str, org_id: str, trusted) -> None:
    """No development tokens here: this server would refuse them."""
    keys = trusted.jwks_url or "its discovery document"
    organisation = trusted.org_claim + (", mapped by OIDC_ORG_MAP" if trusted.org_map else "")
    print(
        f"""
LDD tracker local server: {url}
  pages: {url}/app (signing in at {trusted.issuer} as client {os.environ["OIDC_CLIENT_ID"]};
         the provider must allow the redirect URI {os.environ["APP_BASE_URL"]}/app/callback)
  data: {data_file} ({restored} items restored; {demo})
  sign-in: bearer tokens from issuer {trusted.issuer} (audience {trusted.audience}), as
           OIDC_ISSUER in the shell says; keys from {keys}. Development tokens are refused.
           For the demo data, a token's organisation ({organisation}) must be {org_id}.

Try:
  curl {url}/health
  curl {url}/frameworks/ldd-2018
  TOKEN=<an ID token from {trusted.issuer}>
  curl -H "Authorization: Bearer $TOKEN" {url}/orgs/{org_id}/services

Ctrl-C stops the server; your data stays in {data_file.parent}.
""",
        flush=True,
    )
