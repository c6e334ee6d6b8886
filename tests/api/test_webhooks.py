"""Webhook deliveries, `POST /webhooks/{integration_id}`: signed per Standard Webhooks (signed here
by the independent `standardwebhooks` package), applied exactly once, kept to the integration's
scope, and writing nothing but the deliveries log when they fail after verification."""

import base64
import json
import os
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from pynamodb.connection import Connection
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from chalicelib import bootstrap, config
from chalicelib.adapters.dynamodb.store import DynamoStore
from tests.api.conftest import NOW, assessment_body, body, component_body, service_body, signed_delivery, table_items

ALL_SUPPORTED = ["component.upserted", "assessment.submitted"]
UNKNOWN_INTEGRATION = "01HZZZZZZZZZZZZZZZZZZZZZZZ"


# helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def integration(client, org):
    """An integration that may send both supported event types, for any service."""
    return create_integration(client, org, ALL_SUPPORTED)


def create_integration(client, org, event_types, service_ids=None):
    payload = {"name": "Supplier feed", "event_types": event_types}
    if service_ids is not None:
        payload["service_ids"] = service_ids
    response = client.post(f"/orgs/{org}/integrations", payload)
    assert response.status_code == 201, response.body
    return body(response)


def now(clock) -> int:
    return int(clock.instant.timestamp())


def signed(integration, clock, event, webhook_id=None, timestamp=None, secret=None):
    return signed_delivery(
        secret or integration["secret"], event, webhook_id=webhook_id, timestamp=now(clock) if timestamp is None else timestamp
    )


def post(client, integration_id, raw, headers):
    return client.request("POST", f"/webhooks/{integration_id}", raw=raw, headers=headers, token=None)


def deliver(client, integration, clock, event, webhook_id=None, **kw):
    raw, headers = signed(integration, clock, event, webhook_id, **kw)
    return post(client, integration["integration_id"], raw, headers)


def component_event(service_id, component_id="crm", component=None):
    component = component_body() if component is None else component
    return {"type": "component.upserted", "data": {"service_id": service_id, "component_id": component_id, "component": component}}


def assessment_event(client, service_id, **overrides):
    return {"type": "assessment.submitted", "data": {"service_id": service_id, **assessment_body(client), **overrides}}


def sks(items, prefix):
    return [i["sk"]["S"] for i in items if i["sk"]["S"].startswith(prefix)]


def new_items(before):
    return [i for i in table_items() if i not in before]


def assert_only_the_log_grew(before, entries=1):
    """The one record a failed verified delivery may leave: its deliveries log entry."""
    after = table_items()
    assert [i for i in before if i not in after] == []
    added = [i for i in after if i not in before]
    assert [i["sk"]["S"].split("#")[0] + "#" for i in added] == ["DELIVERY#"] * entries, added
    assert sks(after, "CLAIM#") == sks(before, "CLAIM#")


def log(client, org, integration):
    response = client.get(f"/orgs/{org}/integrations/{integration['integration_id']}/deliveries")
    assert response.status_code == 200
    return body(response)["items"]


# processed -------------------------------------------------------------------------------------


def test_a_component_event_is_applied_as_the_integration(client, org, service_id, integration, clock):
    response = deliver(client, integration, clock, component_event(service_id), "msg-component-1")
    assert response.status_code == 200, response.body
    answer = body(response)
    assert answer["status"] == "processed"
    result = answer["result"]
    assert result["component_id"] == "crm" and result["service_id"] == service_id
    assert result["supplier"] == "Acme Ltd"
    label = f"integration:{integration['integration_id']}"
    assert result["updated_by"] == label

    stored = client.get(f"/orgs/{org}/services/{service_id}/components/crm")
    assert stored.status_code == 200
    component = body(stored)
    assert component["product"] == "Casebook"
    assert component["created_by"] == component["updated_by"] == label

    trail = body(client.get(f"/orgs/{org}/audit"))["items"]
    assert trail[0]["action"] == "component.created"
    assert trail[0]["target"] == f"services/{service_id}/components/crm"
    assert trail[0]["actor"]["integration_id"] == integration["integration_id"]
    assert trail[0]["actor"]["delivery_id"] == "msg-component-1"

    # A later event (another webhook-id) replaces it.
    replaced = deliver(client, integration, clock, component_event(service_id, component=component_body(product="Casebook 2")))
    assert body(replaced)["status"] == "processed"
    assert body(client.get(f"/orgs/{org}/services/{service_id}/components/crm"))["product"] == "Casebook 2"
    assert body(client.get(f"/orgs/{org}/audit"))["items"][0]["action"] == "component.replaced"


def test_an_assessment_event_is_scored_and_submitted_by_the_integration(client, org, service_id, integration, clock):
    event = assessment_event(client, service_id)
    response = deliver(client, integration, clock, event, "msg-assessment-1")
    assert response.status_code == 200, response.body
    answer = body(response)
    assert answer["status"] == "processed"
    result = answer["result"]
    assert result["service_id"] == service_id and result["framework_id"] == "ldd-2018"
    assert isinstance(result["score"]["overall"], (int, float))
    assert result["score"]["level"]["level"] is not None
    assert result["submitted_by"] == f"integration:{integration['integration_id']}"

    listed = body(client.get(f"/orgs/{org}/services/{service_id}/assessments"))["items"]
    assert [a["assessment_id"] for a in listed] == [result["assessment_id"]]
    assert listed[0]["submitted_by"] == f"integration:{integration['integration_id']}"
    card = body(client.get(f"/orgs/{org}/services/{service_id}/scorecard"))
    assert card["assessment_id"] == result["assessment_id"]

    trail = body(client.get(f"/orgs/{org}/audit"))["items"]
    assert trail[0]["action"] == "assessment.submitted"
    assert trail[0]["actor"]["integration_id"] == integration["integration_id"]
    assert trail[0]["actor"]["delivery_id"] == "msg-assessment-1"


# 401: not authentic, nothing written -----------------------------------------------------------


def _tampered(raw, headers, integration):
    index = raw.index(b"Acme")
    return integration["integration_id"], raw[:index] + b"B" + raw[index + 1 :], headers


def _without(name):
    def mutate(raw, headers, integration):
        return integration["integration_id"], raw, {k: v for k, v in headers.items() if k != name}

    return mutate


def _signature(make):
    def mutate(raw, headers, integration):
        return integration["integration_id"], raw, {**headers, "webhook-signature": make(headers["webhook-signature"])}

    return mutate


def _unknown_integration(raw, headers, integration):
    return UNKNOWN_INTEGRATION, raw, headers


def _timestamp(value):
    def mutate(raw, headers, integration):
        return integration["integration_id"], raw, {**headers, "webhook-timestamp": value}

    return mutate


UNAUTHENTIC = {
    "tampered body (one byte)": _tampered,
    "missing webhook-id": _without("webhook-id"),
    "missing webhook-timestamp": _without("webhook-timestamp"),
    "missing webhook-signature": _without("webhook-signature"),
    "signature without version": _signature(lambda s: s.split(",", 1)[1]),
    "signature of another version": _signature(lambda s: "v2," + s.split(",", 1)[1]),
    "signature not base64": _signature(lambda s: "v1,@@not*base64@@"),
    "signature empty after v1": _signature(lambda s: "v1,"),
    "signature of garbage": _signature(lambda s: "garbage"),
    "signature truncated": _signature(lambda s: s[:-6] + "=="),
    "timestamp not a number": _timestamp("yesterday"),
    "timestamp changed after signing": _timestamp(str(int(NOW.timestamp()) + 1)),
    "unknown integration": _unknown_integration,
}


@pytest.mark.parametrize("mutate", UNAUTHENTIC.values(), ids=UNAUTHENTIC.keys())
def test_an_unauthentic_delivery_is_401_and_writes_nothing(client, org, service_id, integration, clock, mutate):
    raw, headers = signed(integration, clock, component_event(service_id))
    integration_id, raw, headers = mutate(raw, headers, integration)
    before = table_items()
    response = post(client, integration_id, raw, headers)
    assert response.status_code == 401, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert body(response)["status"] == 401
    assert table_items() == before
    assert log(client, org, integration) == []
    # The untouched delivery is accepted: only the change made it fail.
    assert body(post(client, integration["integration_id"], *signed(integration, clock, component_event(service_id))))["status"] == "processed"


def test_a_delivery_signed_with_another_secret_is_401(client, org, service_id, integration, clock):
    other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    before = table_items()
    assert deliver(client, integration, clock, component_event(service_id), secret=other).status_code == 401
    assert table_items() == before
    # Another integration's secret does not sign for this one either.
    second = create_integration(client, org, ALL_SUPPORTED)
    before = table_items()
    assert deliver(client, integration, clock, component_event(service_id), secret=second["secret"]).status_code == 401
    assert table_items() == before
    assert log(client, org, integration) == []


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86400], ids=["stale", "future", "an hour old", "a day ahead"])
def test_a_timestamp_outside_the_default_tolerance_is_401(client, org, service_id, integration, clock, offset):
    before = table_items()
    response = deliver(client, integration, clock, component_event(service_id), timestamp=now(clock) + offset)
    assert response.status_code == 401
    assert table_items() == before


@pytest.mark.parametrize("offset", [-299, 299])
def test_a_timestamp_within_the_default_tolerance_is_accepted(client, service_id, integration, clock, offset):
    response = deliver(client, integration, clock, component_event(service_id), timestamp=now(clock) + offset)
    assert body(response)["status"] == "processed"


def test_the_tolerance_is_configurable(client, service_id, integration, clock, monkeypatch):
    monkeypatch.setenv("WEBHOOK_TOLERANCE_SECONDS", "60")
    before = table_items()
    assert deliver(client, integration, clock, component_event(service_id, "a"), timestamp=now(clock) - 120).status_code == 401
    assert deliver(client, integration, clock, component_event(service_id, "b"), timestamp=now(clock) + 120).status_code == 401
    assert table_items() == before
    accepted = deliver(client, integration, clock, component_event(service_id, "c"), timestamp=now(clock) - 30)
    assert body(accepted)["status"] == "processed"


def test_the_server_checks_the_timestamp_against_its_own_clock(client, service_id, integration, clock):
    """Signed now, received 301 seconds later: refused, however valid the signature."""
    raw, headers = signed(integration, clock, component_event(service_id))
    clock.instant = NOW + timedelta(seconds=301)
    before = table_items()
    assert post(client, integration["integration_id"], raw, headers).status_code == 401
    assert table_items() == before


# 403 and 422: verified but refused; only the log grows, and no claim is made -------------------


def test_an_event_type_outside_the_integration_is_403(client, org, service_id, clock):
    only_components = create_integration(client, org, ["component.upserted"])
    before = table_items()
    refused = deliver(client, only_components, clock, assessment_event(client, service_id), "msg-1")
    assert refused.status_code == 403, refused.body
    assert_only_the_log_grew(before)
    assert body(client.get(f"/orgs/{org}/services/{service_id}/assessments"))["items"] == []
    # The same webhook-id, now with an event in scope, is processed: the refusal claimed nothing.
    assert body(deliver(client, only_components, clock, component_event(service_id), "msg-1"))["status"] == "processed"
    entries = sorted((d["status"], d["http_status"], d["webhook_id"]) for d in log(client, org, only_components))
    assert entries == [("processed", 200, "msg-1"), ("rejected", 403, "msg-1")]


def test_a_service_outside_the_integration_is_403(client, org, service_id, clock):
    other = body(client.post(f"/orgs/{org}/services", service_body(name="Other")))["service_id"]
    scoped = create_integration(client, org, ALL_SUPPORTED, [service_id])
    for n, event in enumerate((component_event(other), assessment_event(client, other))):
        before = table_items()
        refused = deliver(client, scoped, clock, event, f"msg-{n}")
        assert refused.status_code == 403, refused.body
        assert_only_the_log_grew(before)
    assert client.get(f"/orgs/{org}/services/{other}/components/crm").status_code == 404
    assert body(client.get(f"/orgs/{org}/services/{other}/assessments"))["items"] == []
    # Its own service is fine, with the same webhook-ids.
    assert body(deliver(client, scoped, clock, component_event(service_id), "msg-0"))["status"] == "processed"
    assert body(deliver(client, scoped, clock, assessment_event(client, service_id), "msg-1"))["status"] == "processed"


def _component(**overrides):
    return lambda client, sid: component_event(sid, component=component_body(**overrides))


def _component_without(field):
    def event(client, sid):
        c = component_body()
        del c[field]
        return component_event(sid, component=c)

    return event


def _assessment(mutate):
    def event(client, sid):
        e = assessment_event(client, sid)
        mutate(e["data"])
        return e

    return event


def _rename_first_question(data):
    data["answers"][0]["question_id"] = "no-such-question"


def _rate_first(data):
    data["answers"][0]["rating"] = "purple"


INVALID = {
    # (event builder, the field the 422 must name, a valid event of the same kind)
    "component: bad kind": (_component(kind="nonsense"), "data.component.kind", "component"),
    "component: missing supplier": (_component_without("supplier"), "data.component.supplier", "component"),
    "component: unknown field": (_component(colour="blue"), "data.component.colour", "component"),
    "component: contract ends before it starts": (
        _component(contract={"start": "2026-04-01", "end": "2025-03-31", "auto_renew": False, "annual_cost_gbp": 1}),
        "data.component.contract.end",
        "component",
    ),
    "component: unknown export format": (
        _component(data={"export_formats": ["nonsense"], "free_bulk_export": True, "open_standards": []}),
        "data.component.data.export_formats.0",
        "component",
    ),
    "component: malformed service_id": (lambda c, sid: component_event("not-a-service"), "data.service_id", "component"),
    "component: bad component_id": (lambda c, sid: component_event(sid, "Not A Slug!"), "data.component_id", "component"),
    "assessment: unknown question id": (_assessment(_rename_first_question), "data.answers.0.question_id", "assessment"),
    "assessment: bad rating": (_assessment(_rate_first), "data.answers.0.rating", "assessment"),
    "assessment: unknown framework": (_assessment(lambda d: d.update(framework_id="ldd-1999")), "data.framework_id", "assessment"),
    "assessment: no answers": (_assessment(lambda d: d.pop("answers")), "data.answers", "assessment"),
    "missing data": (lambda c, sid: {"type": "component.upserted"}, "data", "component"),
    "data not an object": (lambda c, sid: {"type": "component.upserted", "data": ["x"]}, "data", "component"),
    "unknown event type": (lambda c, sid: {"type": "component.deleted", "data": {"service_id": sid}}, "type", "component"),
    "missing event type": (lambda c, sid: {"data": component_event(sid)["data"]}, "type", "component"),
}


@pytest.mark.parametrize("case", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_event_is_422_naming_the_field_and_writes_only_the_log(client, org, service_id, integration, clock, case):
    build, field, kind = case
    before = table_items()
    response = deliver(client, integration, clock, build(client, service_id), "msg-invalid")
    assert response.status_code == 422, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    errors = body(response)["errors"]
    assert field in errors, errors
    if field != "type":
        assert all(path == "data" or path.startswith("data.") for path in errors), errors
    assert_only_the_log_grew(before)
    [entry] = log(client, org, integration)
    assert (entry["webhook_id"], entry["status"], entry["http_status"]) == ("msg-invalid", "rejected", 422)
    assert entry["reason"]

    # Corrected and sent again with the same webhook-id: processed, as nothing was claimed.
    valid = component_event(service_id) if kind == "component" else assessment_event(client, service_id)
    again = deliver(client, integration, clock, valid, "msg-invalid")
    assert body(again)["status"] == "processed", again.body


def test_kpi_events_record_values_once_and_are_checked_like_the_http_api(client, org, service_id, clock):
    kpis = create_integration(client, org, ["service.kpis.recorded", "org.kpis.recorded"])
    service_event = {
        "type": "service.kpis.recorded",
        "data": {"service_id": service_id, "period": "2026-02", "values": {"user_satisfaction": 87.5}},
    }
    first = deliver(client, kpis, clock, service_event, "msg-kpi")
    assert body(first)["status"] == "processed", first.body
    assert body(first)["result"]["values"] == {"user_satisfaction": 87.5}
    assert body(deliver(client, kpis, clock, service_event, "msg-kpi")) == {"status": "duplicate"}
    recorded = body(client.get(f"/orgs/{org}/services/{service_id}/kpis/2026-02"))
    assert recorded["values"] == {"user_satisfaction": 87.5}
    org_event = {"type": "org.kpis.recorded", "data": {"period": "2026", "values": {"devices_donated": 120}}}
    assert body(deliver(client, kpis, clock, org_event, "msg-org-kpi"))["status"] == "processed"
    # A percentage over 100 is refused as the HTTP API refuses it, and claims nothing.
    before = table_items()
    bad = {**service_event, "data": {**service_event["data"], "values": {"user_satisfaction": 120}}}
    refused = deliver(client, kpis, clock, bad, "msg-bad-kpi")
    assert refused.status_code == 422, refused.body
    assert_only_the_log_grew(before)


def test_a_kpi_event_out_of_scope_is_403(client, org, service_id, integration, clock):
    event = {"type": "org.kpis.recorded", "data": {"period": "2026-02", "values": {"uptime": 99.9}}}
    before = table_items()
    assert deliver(client, integration, clock, event).status_code == 403
    assert_only_the_log_grew(before)


def test_an_event_for_an_unknown_service_writes_only_the_log(client, org, service_id, integration, clock):
    before = table_items()
    response = deliver(client, integration, clock, component_event("01HZZZZZZZZZZZZZZZZZZZZZZY"), "msg-x")
    assert response.status_code == 404, response.body
    assert_only_the_log_grew(before)


# exactly once ----------------------------------------------------------------------------------


def test_a_repeated_component_delivery_is_a_duplicate_with_no_second_effect(client, org, service_id, integration, clock):
    raw, headers = signed(integration, clock, component_event(service_id), "msg-repeat")
    assert body(post(client, integration["integration_id"], raw, headers))["status"] == "processed"
    before = table_items()
    clock.instant = NOW + timedelta(seconds=30)  # a sender's retry, a little later, same signature
    again = post(client, integration["integration_id"], raw, headers)
    assert again.status_code == 200
    assert body(again) == {"status": "duplicate"}
    assert_only_the_log_grew(before)
    items = table_items()
    assert sks(items, "COMPONENT#") == ["COMPONENT#crm"]
    assert sks(items, "CLAIM#") == ["CLAIM#msg-repeat"]
    assert [r["action"] for r in body(client.get(f"/orgs/{org}/audit"))["items"]].count("component.created") == 1
    assert [d["status"] for d in log(client, org, integration)] == ["duplicate", "processed"]


def test_a_repeated_assessment_delivery_is_a_duplicate_with_no_second_assessment(client, org, service_id, integration, clock):
    raw, headers = signed(integration, clock, assessment_event(client, service_id), "msg-assess")
    first = body(post(client, integration["integration_id"], raw, headers))
    assert first["status"] == "processed"
    for n in range(2):
        clock.instant = NOW + timedelta(seconds=n + 1)
        before = table_items()
        assert body(post(client, integration["integration_id"], raw, headers)) == {"status": "duplicate"}
        assert_only_the_log_grew(before)
    listed = body(client.get(f"/orgs/{org}/services/{service_id}/assessments"))["items"]
    assert [a["assessment_id"] for a in listed] == [first["result"]["assessment_id"]]
    assert len(sks(table_items(), "ASSESSMENT#")) == 1
    assert sks(table_items(), "CLAIM#") == ["CLAIM#msg-assess"]


def test_the_same_webhook_id_from_two_integrations_is_two_deliveries(client, org, service_id, integration, clock):
    second = create_integration(client, org, ALL_SUPPORTED)
    assert body(deliver(client, integration, clock, component_event(service_id, "a"), "msg-shared"))["status"] == "processed"
    assert body(deliver(client, second, clock, component_event(service_id, "b"), "msg-shared"))["status"] == "processed"


# duplicates arriving together, over real HTTP --------------------------------------------------


@pytest.fixture
def served(client, monkeypatch):
    """The app on a real threaded HTTP server (as devserver serves it), in this process: the
    server threads share moto's mocked DynamoDB and the use cases with the test.

    moto applies a transaction without DynamoDB's isolation (it snapshots the whole table and
    restores it on failure, undoing whatever another thread wrote meanwhile), so each DynamoDB
    request is made atomic here, as the real service is; the app's requests still interleave."""
    from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer
    from moto.dynamodb.responses import DynamoHandler

    from app import app
    from devserver.gateway import ProblemGateway

    dynamodb = threading.Lock()
    call_action = DynamoHandler.call_action

    def atomic(self):
        with dynamodb:
            return call_action(self)

    monkeypatch.setattr(DynamoHandler, "call_action", atomic)

    class CountingGateway(ProblemGateway):
        """Notes how many requests the app was handling at once, at most."""

        in_flight = peak = 0
        lock = threading.Lock()
        # While set, a request waits (boundedly) for a second one to be inside too, so that a
        # burst really overlaps however the threads happen to be scheduled on a busy machine.
        together = threading.Condition(lock)
        hold_until_two = False

        def handle_request(self, *args, **kwargs):
            with self.together:
                CountingGateway.in_flight += 1
                CountingGateway.peak = max(CountingGateway.peak, CountingGateway.in_flight)
                self.together.notify_all()
                if CountingGateway.hold_until_two:
                    self.together.wait_for(lambda: CountingGateway.peak >= 2, timeout=30)
            try:
                return super().handle_request(*args, **kwargs)
            finally:
                with self.lock:
                    CountingGateway.in_flight -= 1

    gateway = CountingGateway(app, client.http._config)

    class Handler(ChaliceRequestHandler):
        def __init__(self, request, client_address, server, app_object, config):
            self.local_gateway = gateway
            BaseHTTPRequestHandler.__init__(self, request, client_address, server)

        def log_message(self, *args):
            pass

    original_class, original_bases = app.__class__, CustomLocalChalice.__bases__
    if not isinstance(app, CustomLocalChalice):
        # What chalice.local.create_local_server does: a thread-local current_request.
        CustomLocalChalice.__bases__ = (LocalChalice, original_class)
        app.__class__ = CustomLocalChalice
    server = LocalDevServer(app, client.http._config, "127.0.0.1", 0, handler_cls=Handler)
    thread = threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Served("http://%s:%d" % server.server.server_address[:2], gateway)
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(5)
        app.__class__ = original_class
        CustomLocalChalice.__bases__ = original_bases


class Served:
    def __init__(self, url, gateway):
        self.url = url
        self._gateway = gateway

    @property
    def peak_concurrency(self) -> int:
        return type(self._gateway).peak

    def hold_until_two(self) -> None:
        type(self._gateway).hold_until_two = True


def fire_together(url, raw, headers, count):
    barrier = threading.Barrier(count)
    results = [None] * count

    def send(n):
        request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                results[n] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            results[n] = (error.code, error.read().decode())

    threads = [threading.Thread(target=send, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_duplicates_arriving_together_are_applied_once(client, org, service_id, integration, clock, served):
    raw, headers = signed(integration, clock, assessment_event(client, service_id), "msg-burst")
    # The server is really there: a wrong signature over HTTP is refused.
    assert fire_together(f"{served.url}/webhooks/{integration['integration_id']}", raw + b" ", headers, 1)[0][0] == 401

    served.hold_until_two()
    results = fire_together(f"{served.url}/webhooks/{integration['integration_id']}", raw, headers, 8)
    assert [status for status, _ in results] == [200] * 8, results
    assert served.peak_concurrency > 1  # they really were handled at the same time
    statuses = sorted(answer["status"] for _, answer in results)
    assert statuses == ["duplicate"] * 7 + ["processed"]
    assessments = body(client.get(f"/orgs/{org}/services/{service_id}/assessments"))["items"]
    [processed] = [answer for _, answer in results if answer["status"] == "processed"]
    assert [a["assessment_id"] for a in assessments] == [processed["result"]["assessment_id"]]
    items = table_items()
    assert len(sks(items, "ASSESSMENT#")) == 1
    assert sks(items, "CLAIM#") == ["CLAIM#msg-burst"]
    assert sorted(d["status"] for d in log(client, org, integration)) == ["duplicate"] * 7 + ["processed"]


def test_component_duplicates_arriving_together_are_applied_once(client, org, service_id, integration, clock, served):
    raw, headers = signed(integration, clock, component_event(service_id), "msg-burst")
    served.hold_until_two()
    results = fire_together(f"{served.url}/webhooks/{integration['integration_id']}", raw, headers, 8)
    assert [status for status, _ in results] == [200] * 8, results
    assert served.peak_concurrency > 1
    assert sorted(answer["status"] for _, answer in results) == ["duplicate"] * 7 + ["processed"]
    items = table_items()
    assert sks(items, "COMPONENT#") == ["COMPONENT#crm"]
    assert sks(items, "CLAIM#") == ["CLAIM#msg-burst"]
    assert [r["action"] for r in body(client.get(f"/orgs/{org}/audit"))["items"]].count("component.created") == 1


# DynamoDB cancelling the transaction -----------------------------------------------------------


def _cancelled(reasons):
    """What PynamoDB raises when DynamoDB cancels a TransactWriteItems."""
    codes = ", ".join(r.code if r else "None" for r in reasons)
    error = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": f"Transaction cancelled [{codes}]"}},
        "TransactWriteItems",
        cancellation_reasons=reasons,
    )
    return TransactWriteError("Failed to write transaction items", error)


def _sk(operation):
    return (operation.get("Item") or operation.get("Key"))["sk"]["S"]


def claim_already_taken(operations):
    return [CancellationReason("ConditionalCheckFailed") if _sk(op).startswith("CLAIM#") else None for op in operations]


def transaction_conflict(operations):
    return [CancellationReason("TransactionConflict") if n == 0 else None for n in range(len(operations))]


class ScriptedConnection(Connection):
    """DynamoDB's answers to the next TransactWriteItems calls: a function of the operations
    (condition checks, deletes, puts, updates, in PynamoDB's order) giving the cancellation
    reasons, or None to let moto answer."""

    def __init__(self, *script):
        super().__init__(region=config.region())
        self.script = list(script)
        self.transactions = []

    def transact_write_items(self, condition_check_items, delete_items, put_items, update_items, *args, **kwargs):
        operations = [*condition_check_items, *delete_items, *put_items, *update_items]
        self.transactions.append([_sk(op) for op in operations])
        answer = self.script.pop(0) if self.script else None
        if answer is not None:
            raise _cancelled(answer(operations))
        return super().transact_write_items(condition_check_items, delete_items, put_items, update_items, *args, **kwargs)


def scripted(clock, *script):
    connection = ScriptedConnection(*script)
    bootstrap.use(bootstrap.build(store=DynamoStore(connection=connection), clock=clock))
    return connection


def test_a_claim_taken_meanwhile_is_a_duplicate_with_no_effect(client, org, service_id, integration, clock):
    connection = scripted(clock, claim_already_taken)
    before = table_items()
    response = deliver(client, integration, clock, component_event(service_id), "msg-raced")
    assert response.status_code == 200, response.body
    assert body(response) == {"status": "duplicate"}
    assert len(connection.transactions) == 1 and "CLAIM#msg-raced" in connection.transactions[0]
    assert_only_the_log_grew(before)
    assert client.get(f"/orgs/{org}/services/{service_id}/components/crm").status_code == 404
    assert [d["status"] for d in log(client, org, integration)] == ["duplicate"]


def test_a_transaction_conflict_is_retried_and_the_component_written_once(client, org, service_id, integration, clock):
    connection = scripted(clock, transaction_conflict)
    response = deliver(client, integration, clock, component_event(service_id), "msg-conflict")
    assert response.status_code == 200, response.body
    assert body(response)["status"] == "processed"
    assert len(connection.transactions) == 2
    # The same writes again (with a fresh audit record): the component, its audit, the claim, the
    # summary, and the roll-up items it changes.
    kinds = [sorted(sk.split("#")[0] for sk in t) for t in connection.transactions]
    assert kinds[0] == kinds[1]
    assert [k for k in kinds[0] if not k.isdigit()] == ["AUDIT", "CLAIM", "COMPONENT", "SUMMARY"]
    assert "2" in kinds[0]  # the roll-up's totals
    items = table_items()
    assert sks(items, "COMPONENT#") == ["COMPONENT#crm"]
    assert sks(items, "CLAIM#") == ["CLAIM#msg-conflict"]
    assert [r["action"] for r in body(client.get(f"/orgs/{org}/audit"))["items"]].count("component.created") == 1
    assert [d["status"] for d in log(client, org, integration)] == ["processed"]


def test_an_assessment_conflict_then_the_claim_found_is_a_duplicate(client, org, service_id, integration, clock):
    connection = scripted(clock, transaction_conflict, claim_already_taken)
    before = table_items()
    response = deliver(client, integration, clock, assessment_event(client, service_id), "msg-conflict")
    assert response.status_code == 200, response.body
    assert body(response) == {"status": "duplicate"}
    assert len(connection.transactions) == 2
    assert all("CLAIM#msg-conflict" in t for t in connection.transactions)
    assert_only_the_log_grew(before)
    assert body(client.get(f"/orgs/{org}/services/{service_id}/assessments"))["items"] == []


def test_an_assessment_conflict_then_success_is_processed_once_and_becomes_the_latest(client, org, service_id, integration, clock):
    connection = scripted(clock, transaction_conflict)
    response = deliver(client, integration, clock, assessment_event(client, service_id), "msg-conflict")
    assert response.status_code == 200, response.body
    assert body(response)["status"] == "processed"
    assessment_id = body(response)["result"]["assessment_id"]
    assert len(connection.transactions) == 2
    assert [a["assessment_id"] for a in body(client.get(f"/orgs/{org}/services/{service_id}/assessments"))["items"]] == [assessment_id]
    assert sks(table_items(), "CLAIM#") == ["CLAIM#msg-conflict"]
    # The only assessment of the service is its latest: the scorecard shows it.
    assert body(client.get(f"/orgs/{org}/services/{service_id}/scorecard"))["assessment_id"] == assessment_id


# request budget --------------------------------------------------------------------------------


def test_a_processed_delivery_makes_at_most_three_requests_more_than_its_use_case(
    client, org, service_id, integration, clock, requests_made
):
    raw, headers = signed(integration, clock, component_event(service_id))
    with requests_made() as ops:
        response = post(client, integration["integration_id"], raw, headers)
    assert body(response)["status"] == "processed"
    # The route to the integration and the integration; the service summary, the roll-up items
    # the component moves and the one transaction (the use case); the deliveries log entry.
    assert ops == ["GetItem", "GetItem", "GetItem", "BatchGetItem", "TransactWriteItems", "PutItem"]
    assert len(ops) <= 3 + 3

    # The same for replacing an existing component.
    raw, headers = signed(integration, clock, component_event(service_id, component=component_body(product="New")))
    with requests_made() as ops:
        assert body(post(client, integration["integration_id"], raw, headers))["status"] == "processed"
    assert len(ops) <= 6 and "Scan" not in ops


def test_an_unauthentic_delivery_only_reads(client, org, service_id, integration, clock, requests_made):
    raw, headers = signed(integration, clock, component_event(service_id))
    with requests_made() as ops:
        assert post(client, integration["integration_id"], raw + b" ", headers).status_code == 401
    assert ops == ["GetItem", "GetItem"]
    with requests_made() as ops:
        assert post(client, UNKNOWN_INTEGRATION, raw, headers).status_code == 401
    assert ops == ["GetItem"]
    with requests_made() as ops:
        assert post(client, integration["integration_id"], raw, {**headers, "webhook-timestamp": str(now(clock) - 3600)}).status_code == 401
    assert set(ops) <= {"GetItem", "Query"}
