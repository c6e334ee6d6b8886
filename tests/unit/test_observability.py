"""chalicelib.observability on its own: request ids, errors, and counting DynamoDB requests."""

import json
from types import SimpleNamespace

import pytest
from chalice import Response
from pynamodb import signals

from chalicelib import observability
from chalicelib.domain.access import Principal


@pytest.fixture
def out(capsys, monkeypatch):
    before = observability.logger.log_level
    observability.logger.setLevel("INFO")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.delenv("LDD_EMF_METRICS", raising=False)
    capsys.readouterr()

    def documents():
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]

    yield documents
    observability.logger.setLevel(before)


def request(context=None, lambda_context=None, method="GET"):
    context = {"resourcePath": "/orgs/{org_id}", "requestId": "apigw-1"} if context is None else context
    return SimpleNamespace(method=method, context=context, lambda_context=lambda_context, uri_params={"org_id": "x"})


def test_the_lambda_request_id_is_used_and_the_api_gateway_one_kept(out):
    observability.instrument(request(lambda_context=SimpleNamespace(aws_request_id="lambda-1")), lambda _: Response("", status_code=204))
    (line,) = out()
    assert (line["request_id"], line["api_request_id"], line["status"]) == ("lambda-1", "apigw-1", 204)


def test_without_any_request_id_one_is_made(out):
    observability.instrument(request(context={}), lambda _: Response("", status_code=200))
    (line,) = out()
    assert len(line["request_id"]) == 36 and line["route"] == "UNKNOWN"


def test_dynamodb_requests_and_the_principal_belong_to_the_request_they_were_made_in(out):
    principal = Principal("sub-1", "person@example.org", "org-1", frozenset({"admin"}))

    def view(_):
        observability.note_principal(principal)
        signals.pre_dynamodb_send.send(object(), operation_name="GetItem", table_name="t", req_uuid="1")
        signals.pre_dynamodb_send.send(object(), operation_name="Query", table_name="t", req_uuid="2")
        return Response("", status_code=200)

    signals.pre_dynamodb_send.send(object(), operation_name="GetItem", table_name="t", req_uuid="0")  # outside: ignored
    observability.note_principal(principal)  # outside: ignored
    observability.instrument(request(), view)
    observability.instrument(request(), lambda _: Response("", status_code=200))
    first, second = out()
    assert first["dynamodb_requests"] == 2 and second["dynamodb_requests"] == 0
    assert first["principal"] == {"subject": "sub-1", "org_id": "org-1", "roles": ["admin"]}
    assert "principal" not in second
    assert "person@example.org" not in json.dumps([first, second])


def test_an_error_escaping_the_app_is_logged_as_a_500_with_metrics_and_still_raised(out, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ldd-tracker-dev")

    def view(_):
        observability.logger.error("inside the request")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        observability.instrument(request(lambda_context=SimpleNamespace(aws_request_id="r-500")), view)
    inner, line, emf = out()
    assert inner["request_id"] == line["request_id"] == "r-500"
    assert (line["level"], line["status"]) == ("ERROR", 500)
    assert emf["ServerErrors"] == [1.0] and emf["ClientErrors"] == [0.0]


def test_a_failure_to_report_never_fails_the_request(out, monkeypatch):
    monkeypatch.setattr(observability, "_report", lambda *a: 1 / 0)
    response = observability.instrument(request(), lambda _: Response("ok", status_code=200))
    assert response.status_code == 200
    (line,) = out()
    assert line["level"] == "ERROR" and "ZeroDivisionError" in json.dumps(line)
