"""Operations: one structured JSON log line per request (no token, secret, signature or email in
any output) and CloudWatch EMF metrics whose DynamoDBRequests matches what botocore was asked."""

import json

import pytest

from chalicelib import observability
from tests.api.conftest import body, component_body, org_body, service_body, signed_delivery


@pytest.fixture
def logs(capsys, monkeypatch):
    """Every JSON document printed while the test runs (log lines and EMF documents), at INFO."""
    app_loggers = observability._app_loggers
    before = (observability.logger.log_level, app_loggers.level)
    observability.logger.setLevel("INFO")
    app_loggers.setLevel("INFO")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.delenv("LDD_EMF_METRICS", raising=False)
    capsys.readouterr()

    class Captured:
        def take(self):
            out = capsys.readouterr()
            self.text = out.out + out.err
            return [json.loads(line) for line in out.out.splitlines() if line.startswith("{")]

        def access(self):
            return [d for d in self.take() if d.get("message") == observability.ACCESS_MESSAGE]

    yield Captured()
    observability.logger.setLevel(before[0])
    app_loggers.setLevel(before[1])


def emf_documents(documents):
    """The EMF documents, with each metric's values (a list in Powertools' output) made one number."""
    found = []
    for d in documents:
        if "_aws" in d:
            names = {m["Name"] for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
            found.append({k: (v[0] if k in names and isinstance(v, list) and len(v) == 1 else v) for k, v in d.items()})
    return found


def test_one_json_line_per_request_names_the_route_and_the_principal_not_the_token(client, org, logs, identity):
    token = client.token(email="someone.personal@testshire.example")
    logs.take()
    response = client.get(f"/orgs/{org}", token=token)
    assert response.status_code == 200
    (line,) = logs.access()
    text = logs.text
    assert line["route"] == "/orgs/{org_id}"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["service"] == "ldd-tracker"
    assert line["level"] == "INFO"
    assert isinstance(line["latency_ms"], (int, float)) and line["latency_ms"] >= 0
    assert isinstance(line["dynamodb_requests"], int) and line["dynamodb_requests"] >= 1
    assert line["request_id"]
    assert line["principal"]["org_id"] == "testshire"
    assert set(line["principal"]["roles"]) == {"platform_admin", "admin"}
    assert line["principal"]["subject"]
    assert token not in text
    assert token.split(".")[2] not in text  # not even the signature part
    assert "someone.personal@testshire.example" not in text
    assert "Bearer" not in text


def test_request_ids_differ_and_unauthenticated_requests_are_logged_without_a_principal(client, org, logs):
    client.get(f"/orgs/{org}")
    client.get(f"/orgs/{org}", token=None)
    first, second = logs.access()
    assert first["request_id"] != second["request_id"]
    assert second["status"] == 401 and "principal" not in second
    assert second["level"] == "INFO"


def test_secrets_and_signatures_never_reach_the_logs(client, org, service_id, logs, clock):
    created = client.post(f"/orgs/{org}/integrations", {"name": "Feed", "event_types": ["component.upserted"]})
    integration = body(created)
    secret = integration["secret"]
    event = {"type": "component.upserted", "data": {"service_id": service_id, "component_id": "crm", "component": component_body()}}
    raw, headers = signed_delivery(secret, event, timestamp=int(clock.instant.timestamp()))
    tampered = raw.replace(b"Acme", b"Evil")
    rejected = client.request("POST", f"/webhooks/{integration['integration_id']}", raw=tampered, headers=headers, token=None)
    accepted = client.request("POST", f"/webhooks/{integration['integration_id']}", raw=raw, headers=headers, token=None)
    assert (rejected.status_code, accepted.status_code) == (401, 200)

    documents = logs.take()
    text = logs.text
    for needle in (secret, secret.removeprefix("whsec_"), headers["webhook-signature"].split(",", 1)[1], "Evil"):
        assert needle not in text
    warning = next(d for d in documents if d.get("message") == "webhook signature rejected")
    assert warning["level"] == "WARNING"
    assert warning["integration_id"] == integration["integration_id"]
    assert warning["reason"]
    access = [d for d in documents if d.get("message") == observability.ACCESS_MESSAGE]
    create_line, rejected_line, accepted_line = access
    assert warning["request_id"] == rejected_line["request_id"]
    assert rejected_line["integration_id"] == integration["integration_id"] and "principal" not in rejected_line
    assert accepted_line["principal"]["integration_id"] == integration["integration_id"]
    assert accepted_line["principal"]["subject"] == f"integration:{integration['integration_id']}"


def test_no_emf_metrics_outside_lambda_unless_asked(client, org, logs):
    client.get(f"/orgs/{org}")
    assert emf_documents(logs.take()) == []


def test_emf_metrics_per_request_count_the_dynamodb_requests_botocore_saw(client, org, logs, monkeypatch, requests_made):
    monkeypatch.setenv("LDD_EMF_METRICS", "1")
    logs.take()
    with requests_made() as ops:
        response = client.post(f"/orgs/{org}/services", service_body())
    assert response.status_code == 201
    documents = logs.take()
    (emf,) = emf_documents(documents)
    (line,) = [d for d in documents if d.get("message") == observability.ACCESS_MESSAGE]
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "LddTracker"
    assert directive["Dimensions"] == [["Route", "Method"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "Latency": "Milliseconds",
        "DynamoDBRequests": "Count",
        "ClientErrors": "Count",
        "ServerErrors": "Count",
    }
    assert emf["Route"] == "/orgs/{org_id}/services" and emf["Method"] == "POST"
    assert len(ops) >= 1
    assert emf["DynamoDBRequests"] == len(ops) == line["dynamodb_requests"]
    assert (emf["ClientErrors"], emf["ServerErrors"]) == (0, 0)
    assert emf["request_id"] == line["request_id"]


def test_emf_counts_client_errors_and_rejected_webhook_signatures(client, org, logs, monkeypatch, clock):
    monkeypatch.setenv("LDD_EMF_METRICS", "1")
    client.put(f"/orgs/{org}", org_body(name=""))
    raw, headers = signed_delivery("whsec_" + "A" * 32, {"type": "component.upserted", "data": {}}, timestamp=int(clock.instant.timestamp()))
    client.request("POST", "/webhooks/01HZZZZZZZZZZZZZZZZZZZZZZZ", raw=raw, headers=headers, token=None)
    invalid, webhook = emf_documents(logs.take())
    assert invalid["ClientErrors"] == 1 and invalid["Route"] == "/orgs/{org_id}"
    assert webhook["Route"] == "/webhooks/{integration_id}"
    assert webhook["ClientErrors"] == 1
    assert webhook.get("WebhookSignatureRejected") == 1


def test_powertools_metrics_disabled_wins(client, org, logs, monkeypatch):
    monkeypatch.setenv("LDD_EMF_METRICS", "1")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    client.get(f"/orgs/{org}")
    documents = logs.take()
    assert emf_documents(documents) == []
    assert len([d for d in documents if d.get("message") == observability.ACCESS_MESSAGE]) == 1
