"""Declaration projects: the four published fields, a due date, a status, and the counts on the
organisation scorecard."""

from datetime import timedelta

from tests.api.conftest import NOW, body, org_body, table_items

PROJECT = {
    "title": "Temporary accommodation: one digital front door by March",
    "partners": ["LOTI", "Testshire Housing Association"],
    "mission": "A single online route for families in temporary accommodation to report repairs.",
    "impact": "Families stop repeating their story to three teams; caseworkers see one record.",
}


def test_a_project_is_due_a_year_after_signing_unless_a_date_is_given(client, org):
    created = client.post(f"/orgs/{org}/declaration-projects", PROJECT)
    assert created.status_code == 201, created.body
    project = body(created)
    assert project["due"] == "2020-03-01"  # signed 2019-03-01
    assert project["status"] == "planned"
    assert created.headers["Location"].endswith(project["project_id"])
    dated = body(client.post(f"/orgs/{org}/declaration-projects", {**PROJECT, "due": "2026-06-30"}))
    assert dated["due"] == "2026-06-30"
    listed = body(client.get(f"/orgs/{org}/declaration-projects", roles=("leadership",)))["items"]
    assert {p["project_id"] for p in listed} == {project["project_id"], dated["project_id"]}


def test_without_a_signing_date_the_due_date_is_required(client):
    assert client.put("/orgs/unsigned", org_body(declaration_signed_on=None)).status_code == 201
    before = table_items()
    refused = client.post("/orgs/unsigned/declaration-projects", PROJECT)
    assert refused.status_code == 422
    assert "due" in body(refused)["errors"]
    assert table_items() == before


def test_status_changes_by_merge_patch_over_the_version_read_and_counts_on_the_scorecard(client, org, clock):
    project = body(client.post(f"/orgs/{org}/declaration-projects", {**PROJECT, "due": "2026-06-30"}))
    second = body(client.post(f"/orgs/{org}/declaration-projects", {**PROJECT, "due": "2026-01-31"}))
    url = f"/orgs/{org}/declaration-projects/{project['project_id']}"
    etag = client.get(url).headers["ETag"]
    assert client.patch(url, {"status": "done"}).status_code == 428
    assert client.patch(url, {"status": "done"}, headers={"If-Match": '"stale"'}).status_code == 412
    assert client.patch(url, {"status": "finished"}, headers={"If-Match": etag}).status_code == 422
    done = client.patch(url, {"status": "done"}, headers={"If-Match": etag})
    assert done.status_code == 200 and body(done)["status"] == "done"
    counts = body(client.get(f"/orgs/{org}/scorecard"))["declaration_projects"]
    # Today is 2026-03-15: the second project (due 2026-01-31, planned) is overdue.
    assert counts == {"total": 2, "done": 1, "overdue": 1}
    assert body(client.get(f"/orgs/{org}/declaration-projects/{second['project_id']}"))["overdue"] is True
    clock.instant = NOW + timedelta(days=200)
    assert body(client.get(f"/orgs/{org}/scorecard"))["declaration_projects"]["overdue"] == 1  # done ones never are


def test_only_admins_write_and_members_read(client, org):
    assert client.post(f"/orgs/{org}/declaration-projects", PROJECT, roles=("leadership",)).status_code == 403
    assert client.post(f"/orgs/{org}/declaration-projects", PROJECT, roles=("service_owner",)).status_code == 403
    project = body(client.post(f"/orgs/{org}/declaration-projects", PROJECT, roles=("admin",)))
    assert client.get(f"/orgs/{org}/declaration-projects/{project['project_id']}", roles=("service_owner",)).status_code == 200
    assert client.get(f"/orgs/{org}/declaration-projects", org="elsewhere", roles=("admin",)).status_code == 403
