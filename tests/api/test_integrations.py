"""Integrations (admins only): a signing secret shown once and stored only sealed, listing without
secrets, deletion, rotation with a 24-hour overlap, validation, and the deliveries log."""

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.api.conftest import NOW, body, component_body, service_body, signed_delivery, table_items

CONTRACTS = {"name": "Contracts register", "event_types": ["component.upserted"]}


# helpers ---------------------------------------------------------------------------------------


def create(client, org, payload=CONTRACTS, **kw):
    response = client.post(f"/orgs/{org}/integrations", payload, **kw)
    assert response.status_code == 201, response.body
    return body(response)


def deliver(client, clock, integration_id, secret, event, webhook_id=None):
    """A delivery signed at the server's own time."""
    raw, headers = signed_delivery(secret, event, webhook_id=webhook_id, timestamp=int(clock.instant.timestamp()))
    return client.request("POST", f"/webhooks/{integration_id}", raw=raw, headers=headers, token=None)


def component_event(service_id, component_id="crm", **overrides):
    return {
        "type": "component.upserted",
        "data": {"service_id": service_id, "component_id": component_id, "component": component_body(**overrides)},
    }


def secret_forms(secret: str) -> list[str]:
    """Every text a careless store might hold the secret as: itself, its base64 part, and its key
    bytes as hex (either case), standard and URL-safe base64 (padded or not), and raw."""
    encoded = secret.removeprefix("whsec_")
    key = base64.b64decode(encoded)
    forms = {secret, encoded, key.hex(), key.hex().upper(), key.decode("latin-1")}
    for b64 in (base64.b64encode(key), base64.urlsafe_b64encode(key)):
        forms.add(b64.decode())
        forms.add(b64.decode().rstrip("="))
    return sorted(forms)


def assert_nowhere(secret: str, *texts: str) -> None:
    for text in texts:
        for form in secret_forms(secret):
            assert form not in text, "the secret (or its key bytes) was found in clear"


def dump_items() -> str:
    return json.dumps(table_items(), ensure_ascii=False)


# create ----------------------------------------------------------------------------------------


def test_create_returns_a_whsec_secret_once_with_no_store(client, org):
    response = client.post(
        f"/orgs/{org}/integrations", {"name": "Contracts register", "event_types": ["component.upserted", "assessment.submitted"]}
    )
    assert response.status_code == 201, response.body
    assert response.headers["Cache-Control"] == "no-store"
    created = body(response)
    assert set(created) >= {"integration_id", "name", "event_types", "service_ids", "secret"}
    assert created["name"] == "Contracts register"
    assert created["event_types"] == ["component.upserted", "assessment.submitted"]
    assert created["service_ids"] == []
    assert response.headers["Location"] == f"/orgs/{org}/integrations/{created['integration_id']}"
    secret = created["secret"]
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    assert len(key) >= 24
    # A new secret each time.
    assert create(client, org)["secret"] != secret


def test_list_shows_integrations_without_secrets(client, org, service_id):
    first = create(client, org)
    second = create(client, org, {"name": "Assessments", "event_types": ["assessment.submitted"], "service_ids": [service_id]})
    listed = client.get(f"/orgs/{org}/integrations")
    assert listed.status_code == 200
    items = body(listed)["items"]
    by_id = {i["integration_id"]: i for i in items}
    assert set(by_id) == {first["integration_id"], second["integration_id"]}
    assert by_id[second["integration_id"]]["service_ids"] == [service_id]
    assert by_id[second["integration_id"]]["event_types"] == ["assessment.submitted"]
    assert all("secret" not in i and "secrets" not in i for i in items)
    assert_nowhere(first["secret"], listed.body.decode())
    assert_nowhere(second["secret"], listed.body.decode())


@pytest.mark.parametrize("roles", [("service_owner",), ("leadership",), ("platform_admin",)])
def test_only_admins_manage_integrations(client, org, roles):
    integration = create(client, org)
    base = f"/orgs/{org}/integrations"
    before = table_items()
    assert client.post(base, CONTRACTS, roles=roles).status_code == 403
    assert client.get(base, roles=roles).status_code == 403
    assert client.post(f"{base}/{integration['integration_id']}/rotate-secret", roles=roles).status_code == 403
    assert client.get(f"{base}/{integration['integration_id']}/deliveries", roles=roles).status_code == 403
    assert client.delete(f"{base}/{integration['integration_id']}", roles=roles).status_code == 403
    assert table_items() == before


def test_an_admin_of_another_organisation_is_refused(client, org):
    integration = create(client, org)
    before = table_items()
    assert client.post(f"/orgs/{org}/integrations", CONTRACTS, org="elsewhere").status_code == 403
    assert client.delete(f"/orgs/{org}/integrations/{integration['integration_id']}", org="elsewhere").status_code == 403
    assert table_items() == before


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "X", "event_types": ["component.deleted"]}, "event_types.0"),
        ({"name": "X", "event_types": ["component.upserted", "nonsense"]}, "event_types.1"),
        ({"name": "X", "event_types": []}, "event_types"),
        ({"name": "X"}, "event_types"),
        ({"name": "X", "event_types": ["component.upserted"], "service_ids": ["not a service id"]}, "service_ids.0"),
        ({"name": "X", "event_types": ["component.upserted"], "service_ids": [42]}, "service_ids.0"),
        ({"name": "X", "event_types": ["component.upserted"], "service_ids": "01HZZZZZZZZZZZZZZZZZZZZZZZ"}, "service_ids"),
        ({"event_types": ["component.upserted"]}, "name"),
        ({"name": "X", "event_types": ["component.upserted"], "secret": "whsec_bWluZQ=="}, "secret"),
    ],
)
def test_invalid_integrations_are_422_naming_the_field_and_write_nothing(client, org, payload, field):
    before = table_items()
    response = client.post(f"/orgs/{org}/integrations", payload)
    assert response.status_code == 422, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in body(response)["errors"], body(response)["errors"]
    assert table_items() == before
    assert body(client.get(f"/orgs/{org}/integrations"))["items"] == []


# the secret at rest ----------------------------------------------------------------------------


def test_secrets_are_stored_sealed_and_never_shown_again(client, org, service_id, clock):
    created = create(client, org)
    integration_id = created["integration_id"]
    rotated = client.post(f"/orgs/{org}/integrations/{integration_id}/rotate-secret")
    assert rotated.status_code == 200
    new_secret = body(rotated)["secret"]
    # A processed delivery, so the deliveries log and audit hold records too.
    assert body(deliver(client, clock, integration_id, new_secret, component_event(service_id)))["status"] == "processed"

    stored = dump_items()
    assert f"INTEGRATION#{integration_id}" in stored  # the integration really is in what we read
    shown = "".join(
        r.body.decode()
        for r in (
            client.get(f"/orgs/{org}/integrations"),
            client.get(f"/orgs/{org}/integrations/{integration_id}/deliveries"),
            client.get(f"/orgs/{org}/audit"),
        )
    )
    for secret in (created["secret"], new_secret):
        assert_nowhere(secret, stored, shown)


# delete ----------------------------------------------------------------------------------------


def test_delete_is_204_and_later_deliveries_are_401(client, org, service_id, clock):
    created = create(client, org)
    integration_id, secret = created["integration_id"], created["secret"]
    assert deliver(client, clock, integration_id, secret, component_event(service_id, "a")).status_code == 200

    deleted = client.delete(f"/orgs/{org}/integrations/{integration_id}")
    assert deleted.status_code == 204
    assert body(client.get(f"/orgs/{org}/integrations"))["items"] == []
    before = table_items()
    refused = deliver(client, clock, integration_id, secret, component_event(service_id, "b"))
    assert refused.status_code == 401
    assert table_items() == before
    assert client.get(f"/orgs/{org}/services/{service_id}/components/b").status_code == 404
    # It is gone, not hidden.
    assert client.delete(f"/orgs/{org}/integrations/{integration_id}").status_code == 404
    assert client.post(f"/orgs/{org}/integrations/{integration_id}/rotate-secret").status_code == 404


# rotation --------------------------------------------------------------------------------------


def test_rotate_returns_a_new_secret_with_no_store(client, org):
    created = create(client, org)
    response = client.post(f"/orgs/{org}/integrations/{created['integration_id']}/rotate-secret")
    assert response.status_code == 200, response.body
    assert response.headers["Cache-Control"] == "no-store"
    rotated = body(response)
    assert set(rotated) == {"secret"}
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert len(base64.b64decode(rotated["secret"].removeprefix("whsec_"), validate=True)) >= 24


def test_both_secrets_verify_for_24_hours_then_only_the_new_one(client, org, service_id, clock):
    created = create(client, org)
    integration_id, old = created["integration_id"], created["secret"]
    new = body(client.post(f"/orgs/{org}/integrations/{integration_id}/rotate-secret"))["secret"]
    rotated_at = clock.instant

    for n, moment in enumerate((timedelta(0), timedelta(hours=12), timedelta(hours=24) - timedelta(seconds=1))):
        clock.instant = rotated_at + moment
        assert deliver(client, clock, integration_id, old, component_event(service_id, f"old-{n}")).status_code == 200
        assert deliver(client, clock, integration_id, new, component_event(service_id, f"new-{n}")).status_code == 200

    clock.instant = rotated_at + timedelta(hours=24, seconds=1)
    before = table_items()
    assert deliver(client, clock, integration_id, old, component_event(service_id, "old-late")).status_code == 401
    assert table_items() == before
    assert deliver(client, clock, integration_id, new, component_event(service_id, "new-late")).status_code == 200
    # Much later still, the new secret is the one that works.
    clock.instant = rotated_at + timedelta(days=90)
    assert deliver(client, clock, integration_id, old, component_event(service_id, "old-later")).status_code == 401
    assert deliver(client, clock, integration_id, new, component_event(service_id, "new-later")).status_code == 200


def test_a_second_rotation_retires_the_first_secret_at_once(client, org, service_id, clock):
    created = create(client, org)
    integration_id, first = created["integration_id"], created["secret"]
    rotate = f"/orgs/{org}/integrations/{integration_id}/rotate-secret"
    second = body(client.post(rotate))["secret"]
    clock.instant = NOW + timedelta(hours=1)
    assert deliver(client, clock, integration_id, first, component_event(service_id, "a")).status_code == 200
    third = body(client.post(rotate))["secret"]
    assert len({first, second, third}) == 3

    assert deliver(client, clock, integration_id, first, component_event(service_id, "b")).status_code == 401
    assert deliver(client, clock, integration_id, second, component_event(service_id, "c")).status_code == 200
    assert deliver(client, clock, integration_id, third, component_event(service_id, "d")).status_code == 200
    # The second secret overlaps for 24 hours from the second rotation.
    clock.instant = NOW + timedelta(hours=25) - timedelta(seconds=1)
    assert deliver(client, clock, integration_id, second, component_event(service_id, "e")).status_code == 200
    clock.instant = NOW + timedelta(hours=25, seconds=1)
    assert deliver(client, clock, integration_id, second, component_event(service_id, "f")).status_code == 401
    assert deliver(client, clock, integration_id, third, component_event(service_id, "g")).status_code == 200


def test_rotating_an_unknown_integration_is_404(client, org):
    before = table_items()
    assert client.post(f"/orgs/{org}/integrations/01HZZZZZZZZZZZZZZZZZZZZZZZ/rotate-secret").status_code == 404
    assert table_items() == before


# the deliveries log ----------------------------------------------------------------------------


def test_the_log_lists_verified_deliveries_newest_first_with_what_became_of_them(client, org, service_id, clock):
    other = body(client.post(f"/orgs/{org}/services", service_body(name="Other")))["service_id"]
    created = create(client, org, {"name": "Scoped", "event_types": ["component.upserted"], "service_ids": [service_id]})
    integration_id, secret = created["integration_id"], created["secret"]

    def at(seconds, event, webhook_id, secret=secret):
        clock.instant = NOW + timedelta(seconds=seconds)
        return deliver(client, clock, integration_id, secret, event, webhook_id)

    assert at(1, component_event(service_id), "msg-1").status_code == 200  # processed
    assert at(2, component_event(service_id), "msg-1").status_code == 200  # duplicate
    assert at(3, component_event(other), "msg-2").status_code == 403  # out of scope
    assert at(4, component_event(service_id, kind="nonsense"), "msg-3").status_code == 422  # invalid
    assert at(5, component_event(service_id), "msg-4", secret="whsec_" + base64.b64encode(b"x" * 32).decode()).status_code == 401

    response = client.get(f"/orgs/{org}/integrations/{integration_id}/deliveries")
    assert response.status_code == 200
    log = body(response)["items"]
    assert [(d["webhook_id"], d["status"], d["http_status"]) for d in log] == [
        ("msg-3", "rejected", 422),
        ("msg-2", "rejected", 403),
        ("msg-1", "duplicate", 200),
        ("msg-1", "processed", 200),
    ]
    assert body(response)["next_cursor"] is None
    assert [d["received_at"] for d in log] == [
        "2026-03-15T12:00:04.000000Z",
        "2026-03-15T12:00:03.000000Z",
        "2026-03-15T12:00:02.000000Z",
        "2026-03-15T12:00:01.000000Z",
    ]
    assert log[3]["event_type"] == "component.upserted"
    assert log[0]["reason"] and "data.component.kind" in log[0]["reason"]
    assert log[1]["reason"] and "service" in log[1]["reason"]
    assert log[2]["reason"] is None and log[3]["reason"] is None
    # The unverified delivery (msg-4) was never stored.
    assert "msg-4" not in dump_items()


def test_the_log_pages_newest_first(client, org, service_id, clock):
    created = create(client, org)
    for n in range(5):
        clock.instant = NOW + timedelta(seconds=n)
        deliver(client, clock, created["integration_id"], created["secret"], component_event(service_id, f"c{n}"), f"msg-{n}")
    seen, path = [], f"/orgs/{org}/integrations/{created['integration_id']}/deliveries?limit=2"
    pages = 0
    while path:
        response = client.get(path)
        assert response.status_code == 200
        page = body(response)
        pages += 1
        assert len(page["items"]) <= 2
        seen += [d["webhook_id"] for d in page["items"]]
        path = page["next_cursor"] and f"/orgs/{org}/integrations/{created['integration_id']}/deliveries?limit=2&cursor={page['next_cursor']}"
    assert pages == 3
    assert seen == ["msg-4", "msg-3", "msg-2", "msg-1", "msg-0"]
    assert client.get(f"/orgs/{org}/integrations/{created['integration_id']}/deliveries?limit=0").status_code == 400
    assert client.get(f"/orgs/{org}/integrations/{created['integration_id']}/deliveries?cursor=bogus").status_code == 400


def test_the_log_of_an_unknown_integration_is_404(client, org):
    assert client.get(f"/orgs/{org}/integrations/01HZZZZZZZZZZZZZZZZZZZZZZZ/deliveries").status_code == 404


def test_the_log_keeps_30_days_by_ttl_and_never_lists_older_entries(client, org, service_id, clock):
    created = create(client, org)
    integration_id, secret = created["integration_id"], created["secret"]
    path = f"/orgs/{org}/integrations/{integration_id}/deliveries"
    assert deliver(client, clock, integration_id, secret, component_event(service_id, "a"), "msg-old").status_code == 200
    clock.instant = NOW + timedelta(days=2)
    assert deliver(client, clock, integration_id, secret, component_event(service_id, "b"), "msg-new").status_code == 200

    stored = {i["webhook_id"]["S"]: i for i in table_items() if i["sk"]["S"].startswith("DELIVERY#")}
    assert set(stored) == {"msg-old", "msg-new"}
    expires = datetime.fromtimestamp(int(stored["msg-old"]["expires_at"]["N"]), tz=timezone.utc)
    assert abs(expires - (NOW + timedelta(days=30))) <= timedelta(seconds=1)
    expires = datetime.fromtimestamp(int(stored["msg-new"]["expires_at"]["N"]), tz=timezone.utc)
    assert abs(expires - (NOW + timedelta(days=32))) <= timedelta(seconds=1)

    clock.instant = NOW + timedelta(days=30) - timedelta(minutes=1)
    assert [d["webhook_id"] for d in body(client.get(path))["items"]] == ["msg-new", "msg-old"]
    # Past 30 days the entry is not listed, although DynamoDB's TTL has not removed it yet.
    clock.instant = NOW + timedelta(days=30, minutes=1)
    assert [d["webhook_id"] for d in body(client.get(path))["items"]] == ["msg-new"]
    assert "msg-old" in {i.get("webhook_id", {}).get("S") for i in table_items()}
    clock.instant = NOW + timedelta(days=32, minutes=1)
    assert body(client.get(path))["items"] == []
