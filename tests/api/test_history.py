"""The trend: a daily scheduled function keeps each organisation's monthly figures; the history
route reads the months back with one Query."""

from datetime import datetime, timezone

import pytest

from tests.api.conftest import ROOT, assessment_body, body, service_body, table_items


@pytest.fixture
def scheduler(client):
    """Invokes the scheduled function the way Lambda would, through chalice.test."""
    from app import app
    from chalice.test import Client

    with Client(app, project_dir=str(ROOT)) as lambda_client:

        def run():
            event = lambda_client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
            )
            return lambda_client.lambda_.invoke("monthly_snapshots", event).payload

        yield run


def _snapshots():
    return [i for i in table_items() if i["sk"]["S"].startswith("0#SNAP#")]  # in the roll-up's partition


def test_the_scheduled_snapshot_keeps_one_record_a_month_and_the_history_reads_them(client, org, clock, scheduler):
    parking = body(client.post(f"/orgs/{org}/services", service_body(name="Parking")))["service_id"]
    client.post(f"/orgs/{org}/services/{parking}/assessments", assessment_body(client, rating="amber"))
    clock.instant = datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc)
    assert scheduler() == {"organisations": 1}
    bins = body(client.post(f"/orgs/{org}/services", service_body(name="Bins")))["service_id"]
    client.post(f"/orgs/{org}/services/{bins}/assessments", assessment_body(client, rating="green"))
    clock.instant = datetime(2026, 2, 10, 9, 0, tzinfo=timezone.utc)
    scheduler()
    scheduler()  # idempotent: the month's snapshot is replaced, not duplicated
    assert sorted(i["sk"]["S"] for i in _snapshots()) == ["0#SNAP#2026-01", "0#SNAP#2026-02"]

    points = body(client.get(f"/orgs/{org}/scorecard/history?from=2026-01&to=2026-02", roles=("leadership",)))["items"]
    assert [p["month"] for p in points] == ["2026-01", "2026-02"]
    # January: one service, all amber = 50. February: amber 50 and green 100, mean 75.
    assert [p["average_score"] for p in points] == [50.0, 75.0]
    assert [p["services_assessed"] for p in points] == [1, 2]
    assert points[1]["levels"]["Mastering"] == 1
    assert sum(points[1]["by_risk"].values()) == 2
    # Without from/to: the last 12 months up to this month.
    assert [p["month"] for p in body(client.get(f"/orgs/{org}/scorecard/history"))["items"]] == ["2026-01", "2026-02"]


def test_history_is_for_admins_and_leadership_and_checks_its_months(client, org, requests_made):
    with requests_made() as ops:
        assert client.get(f"/orgs/{org}/scorecard/history?from=2025-01&to=2025-12").status_code == 200
    assert ops == ["Query", "GetItem"]  # one Query; the organisation is checked because it found nothing
    assert client.get(f"/orgs/{org}/scorecard/history", roles=("service_owner",)).status_code == 403
    assert client.get(f"/orgs/{org}/scorecard/history?from=2025-13").status_code == 400
    assert client.get(f"/orgs/{org}/scorecard/history?from=2026-02&to=2026-01").status_code == 400
    assert client.get("/orgs/nowhere/scorecard/history").status_code == 404
