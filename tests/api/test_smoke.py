from tests.api.conftest import assessment_body, body, component_body, table_items


def test_a_service_is_registered_described_assessed_and_scored(client, org, service_id, requests_made):
    base = f"/orgs/{org}/services/{service_id}"
    assert client.put(f"{base}/components/casebook", component_body()).status_code == 201
    with requests_made() as ops:
        submitted = client.post(f"{base}/assessments", assessment_body(client))
    assert submitted.status_code == 201, submitted.body
    assert len(ops) <= 3
    card = body(client.get(f"{base}/scorecard"))
    assert card["status"] == "assessed"
    assert card["score"]["overall"] == 100.0
    assert card["lock_in"]["risk"] == "none"
    # organisation, service, summary, component, assessment, and an audit record for each of the
    # 4 writes; beside them, the organisation's roll-up (its own partition)
    items = table_items()
    assert len([i for i in items if not i["pk"]["S"].endswith("#ROLLUP")]) == 9
    assert {"1#ORG", "2#TOTALS"} <= {i["sk"]["S"] for i in items if i["pk"]["S"].endswith("#ROLLUP")}
