"""The public catalogue routes, and what a revised framework changes for assessments."""

from chalicelib import bootstrap
from chalicelib.domain.catalogue import catalogue_of
from chalicelib.domain.standards import STANDARDS
from chalicelib.frameworks import load_catalogue
from tests.api.conftest import assessment_body, body


def test_the_revision_is_listed_beside_ldd_2018_and_only_it_is_current(client):
    items = body(client.get("/frameworks", token=None))["items"]
    assert [(i["framework_id"], i["version"], i["current"]) for i in items] == [
        ("ldd-2018", "1.0.0", False),
        ("ldd-2018-r2", "1.1.0", True),
    ]
    for item in items:  # both can still be read in full
        assert client.get(f"/frameworks/{item['framework_id']}", token=None).status_code == 200


def test_every_reference_names_its_point_and_the_points_title(client):
    for item in body(client.get("/frameworks", token=None))["items"]:
        framework = body(client.get(f"/frameworks/{item['framework_id']}", token=None))
        for question in framework["questions"]:
            assert question["references"], question["question_id"]
            for r in question["references"]:
                assert set(r) == {"standard", "point", "title"}
                assert r["title"] == STANDARDS[r["standard"]][r["point"]]


def test_an_assessment_of_ldd_2018_reads_back_unchanged_after_the_revision_is_added(client, clock, service_id):
    path = f"/orgs/testshire/services/{service_id}"
    # Before the revision shipped, ldd-2018 was the whole catalogue.
    bootstrap.use(bootstrap.build(clock=clock, catalogue=catalogue_of([load_catalogue()["ldd-2018"]])))
    answers = assessment_body(client, "amber", P2_Q1="red", P3_Q3="not_applicable")
    submitted = client.post(f"{path}/assessments", answers)
    assert submitted.status_code == 201, submitted.body
    assessment_id = body(submitted)["assessment_id"]
    before = body(client.get(f"{path}/assessments/{assessment_id}"))
    scorecard_before = body(client.get(f"{path}/scorecard"))

    bootstrap.use(bootstrap.build(clock=clock))  # the shipped catalogue: ldd-2018 and its revision
    after = body(client.get(f"{path}/assessments/{assessment_id}"))
    assert after == before and after["framework_id"] == "ldd-2018"
    assert after["score"] == body(submitted)["score"]
    assert body(client.get(f"{path}/scorecard")) == scorecard_before

    # A client that names ldd-2018 is still served, and scored as before.
    again = client.post(f"{path}/assessments", answers)
    assert again.status_code == 201 and body(again)["score"] == body(submitted)["score"]
