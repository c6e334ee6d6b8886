"""The public catalogue routes: GET /frameworks and GET /frameworks/{framework_id}."""

from chalicelib.domain.standards import STANDARDS
from tests.api.conftest import body


def test_every_reference_names_its_point_and_the_points_title(client):
    for item in body(client.get("/frameworks", token=None))["items"]:
        framework = body(client.get(f"/frameworks/{item['framework_id']}", token=None))
        for question in framework["questions"]:
            assert question["references"], question["question_id"]
            for r in question["references"]:
                assert set(r) == {"standard", "point", "title"}
                assert r["title"] == STANDARDS[r["standard"]][r["point"]]
