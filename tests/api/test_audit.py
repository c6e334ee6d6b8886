"""The audit trail: every successful write, who made it and when; nothing for a failed one."""

from datetime import timedelta

from tests.api.conftest import NOW, assessment_body, body, component_body, org_body, service_body

OWNER = "owner@testshire.example"


def test_a_series_of_writes_is_listed_newest_first_with_who_and_what(client, clock):
    assert client.put("/orgs/testshire", org_body(), roles=("platform_admin",), org=None, sub="platform-1").status_code == 201
    clock.instant = NOW + timedelta(minutes=1)
    created = client.post("/orgs/testshire/services", service_body(owner_email=OWNER), sub="admin-1")
    service_id = body(created)["service_id"]
    base = f"/orgs/testshire/services/{service_id}"
    clock.instant = NOW + timedelta(minutes=2)
    owner = {"roles": ("service_owner",), "email": OWNER, "sub": "owner-1"}
    assert client.put(f"{base}/components/crm", component_body(), **owner).status_code == 201
    clock.instant = NOW + timedelta(minutes=3)
    submitted = client.post(f"{base}/assessments", assessment_body(client), **owner)
    assessment_id = body(submitted)["assessment_id"]
    # A refused write and an invalid one leave nothing in the trail.
    assert client.post(f"{base}/assessments", assessment_body(client), roles=("leadership",)).status_code == 403
    assert client.put(f"{base}/components/bad", {"supplier": "x"}, **owner).status_code == 422

    trail = body(client.get("/orgs/testshire/audit", roles=("leadership",)))["items"]
    assert [(r["action"], r["target"], r["actor"]["subject"]) for r in trail] == [
        ("assessment.submitted", f"services/{service_id}/assessments/{assessment_id}", "owner-1"),
        ("component.created", f"services/{service_id}/components/crm", "owner-1"),
        ("service.created", f"services/{service_id}", "admin-1"),
        ("organisation.created", "", "platform-1"),
    ]
    assert trail[0]["actor"]["email"] == OWNER
    assert trail[0]["at"] == "2026-03-15T12:03:00.000000Z"

    # Assessments and components show who made them.
    assert body(submitted)["submitted_by"] == OWNER
    component = body(client.get(f"{base}/components/crm"))
    assert component["created_by"] == component["updated_by"] == OWNER


def test_the_audit_trail_pages(client, org, service_id):
    for n in range(3):
        client.put(f"/orgs/{org}/services/{service_id}/components/c{n}", component_body())
    seen, path = [], f"/orgs/{org}/audit?limit=2"
    while path:
        page = body(client.get(path))
        assert len(page["items"]) <= 2
        seen += [r["audit_id"] for r in page["items"]]
        path = page["next_cursor"] and f"/orgs/{org}/audit?limit=2&cursor={page['next_cursor']}"
    assert len(seen) == len(set(seen)) == 5  # organisation, service, three components
    assert seen == sorted(seen, reverse=True)
