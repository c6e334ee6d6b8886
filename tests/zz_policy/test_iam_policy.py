"""The deployed functions' IAM permissions are exactly what the application uses: every DynamoDB
and KMS operation the app made in this test session (tests/dynamo_requests.py keeps them, without
set-up, the dev server's save and restore, or the tests' own requests) is granted by the stage's
policy (.chalice/policy-<stage>.json plus the integration key policy in infra/template.json), and
nothing is granted that the app never used.

The folder's name makes pytest collect it after the other suites, so in a full run it sees all of
them; the tour below drives every kind of request itself, so it passes when run alone too."""

import json

import pytest

from tests.api.conftest import (  # noqa: F401  (fixtures)
    assessment_body,
    body,
    client,
    clock,
    component_body,
    org,
    service_body,
    service_id,
    signed_delivery,
)
from tests.dynamo_requests import RECORDER
from tests.infra.conftest import INFRA_TEMPLATE, ROOT

STAGES = ("dev", "prod")
# IAM has no TransactWriteItems action: each item of a transaction needs the action of its kind.
TRANSACTION_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
OTHER_ACTIONS = {("dynamodb", "TransactGetItems"): "dynamodb:GetItem"}


def iam_actions(operations: set[tuple[str, str]]) -> set[str]:
    actions = set()
    for service, operation in operations:
        if operation == "TransactWriteItems":
            continue  # authorised by its items, recorded as TransactWriteItems.<kind>
        if operation.startswith("TransactWriteItems."):
            actions.add(f"{service}:{TRANSACTION_ITEM_ACTIONS[operation.split('.', 1)[1]]}")
        else:
            actions.add(OTHER_ACTIONS.get((service, operation), f"{service}:{operation}"))
    return actions


def granted(stage: str) -> set[str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    policy = json.loads((ROOT / ".chalice" / config["stages"][stage]["iam_policy_file"]).read_text())
    statements = list(policy["Statement"])
    infra = json.loads(INFRA_TEMPLATE.read_text())
    for resource in infra["Resources"].values():
        if resource.get("Type") == "AWS::IAM::Policy":
            statements += resource["Properties"]["PolicyDocument"]["Statement"]
    actions = set()
    for statement in statements:
        assert statement["Effect"] == "Allow" and "NotAction" not in statement
        listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any("*" in a for a in listed if a.startswith(("dynamodb:", "kms:"))), listed
        actions |= {a for a in listed if a.startswith(("dynamodb:", "kms:"))}
    return actions


def test_a_tour_of_the_api_and_the_schedule(client, org, service_id, clock):  # noqa: F811
    """Every kind of request the app makes, so that the check below holds when run alone."""
    services = f"/orgs/{org}/services"
    assert client.get(f"/orgs/{org}").status_code == 200
    assert client.get("/orgs").status_code == 200
    assert client.get(f"{services}/{service_id}").status_code == 200
    component = f"{services}/{service_id}/components/crm"
    assert client.put(component, component_body()).status_code in (200, 201)
    assert client.post(f"{services}/{service_id}/assessments", assessment_body(client)).status_code == 201
    assert client.get(f"/orgs/{org}/scorecard").status_code == 200
    etag = client.get(component).headers["ETag"]
    assert client.delete(component, headers={"If-Match": etag}).status_code == 204
    created = client.post(f"/orgs/{org}/integrations", {"name": "Feed", "event_types": ["component.upserted"]})
    assert created.status_code == 201, created.body
    integration = body(created)
    event = {"type": "component.upserted", "data": {"service_id": service_id, "component_id": "erp", "component": component_body()}}
    raw, headers = signed_delivery(integration["secret"], event, timestamp=int(clock.instant.timestamp()))
    delivered = client.request("POST", f"/webhooks/{integration['integration_id']}", raw=raw, headers=headers, token=None)
    assert delivered.status_code == 200, delivered.body

    from chalice.test import Client

    from app import app

    with Client(app, project_dir=str(ROOT)) as lambda_client:
        event = lambda_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
        lambda_client.lambda_.invoke("monthly_snapshots", event)


@pytest.mark.parametrize("stage", STAGES)
def test_the_policy_grants_exactly_what_the_app_uses(stage):
    used = iam_actions(RECORDER.app_operations)
    allowed = granted(stage)
    assert used - allowed == set(), f"the app uses what {stage}'s policy does not grant"
    assert allowed - used == set(), f"{stage}'s policy grants what the app never used in the tests"
    assert "dynamodb:Scan" not in used and "dynamodb:BatchWriteItem" not in used
