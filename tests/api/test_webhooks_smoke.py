from tests.api.conftest import body, component_body, signed_delivery, table_items


def test_a_signed_component_event_is_applied_once(client, org, service_id, clock):
    from datetime import datetime, timezone

    clock.instant = datetime.now(timezone.utc)  # signatures carry the real time
    created = client.post(f"/orgs/{org}/integrations", {"name": "Contracts", "event_types": ["component.upserted"]})
    assert created.status_code == 201, created.body
    assert created.headers["Cache-Control"] == "no-store"
    integration = body(created)
    event = {"type": "component.upserted", "data": {"service_id": service_id, "component_id": "crm", "component": component_body()}}
    raw, headers = signed_delivery(integration["secret"], event)
    first = client.request("POST", f"/webhooks/{integration['integration_id']}", raw=raw, headers=headers, token=None)
    assert first.status_code == 200, first.body
    assert body(first)["status"] == "processed"
    items = table_items()
    again = client.request("POST", f"/webhooks/{integration['integration_id']}", raw=raw, headers=headers, token=None)
    assert body(again) == {"status": "duplicate"}
    # Only the deliveries log grew.
    added = [i for i in table_items() if i not in items]
    assert [i["sk"]["S"].split("#")[0] for i in added] == ["DELIVERY"]
    assert integration["secret"] not in str(table_items())
