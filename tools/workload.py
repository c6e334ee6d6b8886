"""What `make bench` (tools/bench.py) and `make cost` (infra/cost.py) measure the app with: the
app in this process over moto with a loopback identity provider, an organisation seeded through
the use cases, and an admin's bearer token for each request."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK_ID = "ldd-2018"

# What the app sees: fake credentials, a region, the table name of .chalice/config.json, and no
# endpoint override (moto intercepts botocore in process).
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": "eu-west-2",
    "AWS_REGION": "eu-west-2",
    "TABLE_NAME": "ldd-tracker",
}

_identity = None  # the loopback identity provider, started by use_fake_aws_and_local_identity()


def fake_aws_environment() -> dict[str, str]:
    env = {**os.environ, **FAKE_AWS}
    env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("AWS_ENDPOINT_URL_KMS", None)
    env.pop("AWS_PROFILE", None)
    # Integration secrets are sealed with a KMS key that app_over_moto() creates inside moto.
    env.pop("INTEGRATION_KMS_KEY_ID", None)
    env.pop("LDD_LOCAL_SECRET_KEY_FILE", None)
    return env


def use_fake_aws_and_local_identity() -> None:
    """Exactly the fake environment in this process (no endpoint override, profile or KMS key of
    the developer's), and a loopback OpenID provider, as in the tests, whose tokens the app
    trusts, for the API and for the pages' session alike."""
    global _identity
    env = fake_aws_environment()
    os.environ.clear()
    os.environ.update(env)
    from tests.identity import LocalIdentityProvider

    _identity = LocalIdentityProvider().start()
    os.environ.update(_identity.env())
    os.environ["OIDC_CLIENT_ID"] = _identity.audience


_TOKENS: dict[str, str] = {}


def authorization(path: str) -> dict[str, str]:
    """A bearer token of an admin of the organisation the path names, made once (outside the
    timings); validating it is part of every timed request, as in production."""
    org = path.split("/")[2].split("?")[0] if path.startswith("/orgs/") else "bench-borough"
    if org not in _TOKENS:
        _TOKENS[org] = _identity.token(org=org, roles=("platform_admin", "admin"), email="bench@council.example")
    return {"Authorization": f"Bearer {_TOKENS[org]}"}


@contextmanager
def app_over_moto() -> Iterator[tuple]:
    """The app in this process over moto, on a fresh table, sealing integration secrets with a
    key in moto's KMS. Yields (app, http, seeding): the app, a Chalice test client's HTTP client
    (through the local server's gateway, which answers unknown routes as the contract says), and
    use cases for seeding whose clock runs 30 days behind the app's."""
    # moto before the app: a botocore client made before mock_aws starts is not mocked.
    from moto import mock_aws

    with mock_aws():
        from app import app
        from chalicelib import bootstrap
        from devserver.gateway import chalice_client

        fresh_table()
        create_kms_key()
        now = datetime.now(timezone.utc)
        seeding = bootstrap.build(clock=ticking_clock(now - timedelta(days=30)))
        bootstrap.use(bootstrap.build(clock=ticking_clock(now)))
        try:
            with chalice_client(app, project_dir=str(ROOT)) as client:
                yield app, client.http, seeding
        finally:
            bootstrap.use(None)


def fresh_table() -> None:
    from chalicelib.adapters.dynamodb.models import OrgItem
    from chalicelib.adapters.dynamodb.tables import create_tables

    if OrgItem.exists():
        OrgItem.delete_table()
    create_tables()


def create_kms_key() -> None:
    """Integration secrets are sealed with KMS when INTEGRATION_KMS_KEY_ID is set (as deployed):
    a key in moto's KMS, set before the app seals its first secret."""
    import boto3

    key = boto3.client("kms").create_key(Description="integration secrets (bench)")
    os.environ["INTEGRATION_KMS_KEY_ID"] = key["KeyMetadata"]["KeyId"]
    os.environ.pop("LDD_LOCAL_SECRET_KEY_FILE", None)


# Seeding --------------------------------------------------------------------------------------------


def ticking_clock(start: datetime):
    """A clock one millisecond later at each reading (the page tests' TickingClock), so ids made
    from it (ULIDs) sort in the order they were made even within one real millisecond."""
    from tests.api.pages_support import TickingClock

    return TickingClock(start)


SUPPLIERS = [f"Bench Supplier {chr(ord('A') + n)} Ltd" for n in range(12)]
DEPARTMENTS = ["Adults", "Children", "Environment", "Housing", "Revenues", "Customer Services"]


def component_body(variant: int = 0, slot: int = 0, today: date | None = None) -> dict:
    today = today or date.today()
    start = today - timedelta(days=200 + 30 * (variant % 12))
    return {
        "supplier": SUPPLIERS[(variant + slot * 5) % len(SUPPLIERS)],
        "product": f"Product {variant % 17}-{slot}",
        "kind": ("saas", "cots", "bespoke")[slot % 3],
        "hosting": ("public_cloud", "supplier_hosted", "on_premises")[(variant + slot) % 3],
        "contract": {
            "start": start.isoformat(),
            "end": (start + timedelta(days=365 * (1 + variant % 6))).isoformat(),
            "auto_renew": variant % 4 == 0,
            "annual_cost_gbp": 5_000 + 1_000 * (variant % 40),
        },
        "interfaces": {"open_api": variant % 3 != 0, "api_documented": variant % 5 != 0, "api_extra_charge": variant % 7 == 0},
        "data": {
            "export_formats": ["csv", "json"] if variant % 4 else ["proprietary"],
            "free_bulk_export": variant % 6 != 0,
            "open_standards": [],
        },
        "exit_plan": {"exists": variant % 3 != 1, "last_reviewed": (today - timedelta(days=40 * (variant % 15))).isoformat()},
        "customisation": ("none", "configuration", "heavy")[(variant + slot) % 3],
        "source_code": ("open", "escrow", "closed")[variant % 3],
    }


def answers_body(variant: int = 0) -> dict:
    """Every question of the framework answered, ratings varying with `variant`."""
    from chalicelib.frameworks import load_catalogue

    answers = []
    for position, question in enumerate(load_catalogue()[FRAMEWORK_ID].questions):
        rating = ("green", "amber", "red", "green", "amber")[(position + variant) % 5]
        answer = {"question_id": question.question_id, "rating": rating}
        if rating == "red":
            answer["notes"] = "Raised with the supplier at the quarterly review."
        if rating == "green" and position % 4 == 0:
            answer["evidence"] = [{"url": f"https://bench.example/evidence/{variant}/{position}", "title": "Report"}]
        answers.append(answer)
    return {"framework_id": FRAMEWORK_ID, "answers": answers}


def seed_org(use_cases, org_id: str, services: int, assessments_on_first: int = 1, first_variant: int = 0) -> list[str]:
    """An organisation of `services` services, each with 2 or 3 components and one assessment
    (the first with `assessments_on_first`), through the use cases. Returns the service ids."""
    from chalicelib.domain.access import Principal
    from chalicelib.domain.model import Answer, ComponentSpec
    from chalicelib.domain.plain import from_plain

    seeder = Principal("bench", "bench@council.example", org_id, frozenset({"platform_admin", "admin"}))
    today = use_cases.context.clock.today()
    use_cases.organisations.put(
        seeder, org_id, {"name": f"{org_id} (bench)", "peer_group": "Bench", "declaration_signed_on": date(2019, 3, 1)}
    )
    service_ids = []
    for n in range(services):
        variant = first_variant + n
        fields = {
            "name": f"Service {n:04d}",
            "department": DEPARTMENTS[n % len(DEPARTMENTS)],
            "owner_email": f"owner{n % 20}@council.example",
            "description": "A service made by the bench.",
            "phase": "live",
        }
        service_id = use_cases.services.create(seeder, org_id, fields).service_id
        for slot, component_id in enumerate(["casebook", "payments", "scheduler"][: 2 + n % 2]):
            spec = from_plain(ComponentSpec, component_body(variant, slot, today))
            use_cases.components.put(seeder, org_id, service_id, component_id, spec)
        for k in range(assessments_on_first if n == 0 else 1):
            body = answers_body(variant + k)
            answers = [from_plain(Answer, a) for a in body["answers"]]
            use_cases.assessments.submit(seeder, org_id, service_id, FRAMEWORK_ID, answers)
        service_ids.append(service_id)
    return service_ids
