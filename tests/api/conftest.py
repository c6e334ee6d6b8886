"""API tests: chalice.test.Client end to end over moto, with a set clock."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from chalicelib import bootstrap, config
from chalicelib.domain.clock import FixedClock
from devserver.gateway import chalice_client
from tests.dynamo_requests import RECORDER

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def client(table, clock, identity):
    from app import app

    bootstrap.use(bootstrap.build(clock=clock))
    with chalice_client(app, project_dir=str(ROOT)) as test_client:
        yield Api(test_client.http, identity)
    bootstrap.use(None)


# Unless a test says otherwise, requests come from someone who may do everything in testshire:
# a platform admin who is also the organisation's admin.
DEFAULT_ROLES = ("platform_admin", "admin")


class Api:
    """Thin helpers over chalice's test HTTP client: JSON bodies in, parsed bodies out, and a
    bearer token for `roles` in organisation `org` (by default the organisation the path names)
    unless `token=` says otherwise (None: no Authorization header)."""

    def __init__(self, http, identity):
        self.http = http
        self.identity = identity

    def token(self, roles=DEFAULT_ROLES, org="testshire", email="admin@testshire.example", **claims):
        return self.identity.token(roles=tuple(roles), org=org, email=email, **claims)

    def request(self, method, path, body=None, headers=None, raw=None, token="default", **identity):
        if token == "default":
            if "org" not in identity and path.startswith("/orgs/"):
                identity["org"] = path.split("/")[2].split("?")[0]
            token = self.token(**identity)
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        sent = {**(JSON if (body is not None or raw is not None) else {}), **auth, **(headers or {})}
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        return self.http.request(method, path, headers=sent, body=payload)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def body(response):
    return json.loads(response.body) if response.body else None


def table_items() -> list[dict]:
    """Every item in the table, read from moto's backend (a Scan is never allowed, even here)."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][config.region()].tables[config.table_name()]
    return sorted((item.to_json()["Attributes"] for item in table.all_items()), key=lambda i: json.dumps(i, sort_keys=True))


@pytest.fixture
def requests_made():
    """Use as `with requests_made() as ops:`; `ops` lists the DynamoDB operations made inside."""
    return RECORDER.measure


# A valid payload of each kind, for tests to copy and break.


def org_body(**overrides):
    return {"name": "Testshire Council", "peer_group": "London boroughs", "declaration_signed_on": "2019-03-01", **overrides}


def service_body(**overrides):
    return {"name": "Parking permits", "department": "Environment", "owner_email": "owner@testshire.example", **overrides}


def component_body(**overrides):
    return {
        "supplier": "Acme Ltd",
        "product": "Casebook",
        "kind": "saas",
        "hosting": "public_cloud",
        "contract": {"start": "2025-04-01", "end": "2027-03-31", "auto_renew": False, "annual_cost_gbp": 12000},
        "interfaces": {"open_api": True, "api_documented": True, "api_extra_charge": False},
        "data": {"export_formats": ["csv", "json"], "free_bulk_export": True, "open_standards": []},
        "exit_plan": {"exists": True, "last_reviewed": "2026-01-10"},
        "customisation": "configuration",
        "source_code": "closed",
        **overrides,
    }


def assessment_body(client, rating="green", framework_id="ldd-2018", **per_question):
    framework = body(client.get(f"/frameworks/{framework_id}"))
    answers = []
    for q in framework["questions"]:
        r = per_question.get(q["question_id"].replace("-", "_"), rating)
        answer = {"question_id": q["question_id"], "rating": r}
        if r == "not_applicable":
            answer["justification"] = "Not part of this service."
        answers.append(answer)
    return {"framework_id": framework_id, "answers": answers}


@pytest.fixture
def org(client):
    response = client.put("/orgs/testshire", org_body())
    assert response.status_code == 201
    return "testshire"


@pytest.fixture
def service_id(client, org):
    response = client.post(f"/orgs/{org}/services", service_body())
    assert response.status_code == 201
    return body(response)["service_id"]


def signed_delivery(secret: str, event: dict, webhook_id: str | None = None, timestamp: int | None = None):
    """What a real Standard Webhooks sender posts: the JSON body and its three headers, signed
    by the independent `standardwebhooks` library."""
    import time
    import uuid
    from datetime import datetime, timezone

    from standardwebhooks.webhooks import Webhook

    raw = json.dumps(event)
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = Webhook(secret).sign(webhook_id, datetime.fromtimestamp(timestamp, tz=timezone.utc), raw)
    headers = {
        "Content-Type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }
    return raw.encode(), headers
