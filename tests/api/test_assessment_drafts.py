"""The caller's own assessment draft (GET/PUT/DELETE .../assessment-draft): partial answers each
held to an answer's rules, conditional writes, one draft per person, gone once submitted."""

from tests.api.conftest import assessment_body, body, table_items

DRAFT = "/orgs/testshire/services/{service_id}/assessment-draft"
OWNER = {"roles": ("service_owner",), "email": "owner@testshire.example", "sub": "owner-1"}


def half(client) -> dict:
    full = assessment_body(client, rating="amber")
    return {**full, "answers": full["answers"][:3]}


def test_a_draft_holds_some_answers_is_read_back_and_replaced_only_over_its_etag(client, service_id):
    url = DRAFT.format(service_id=service_id)
    assert client.get(url).status_code == 404
    created = client.put(url, half(client), headers={"If-None-Match": "*"})
    assert created.status_code == 201 and created.headers["Location"] == url
    read = client.get(url)
    assert read.headers["ETag"] == created.headers["ETag"]
    assert [a["question_id"] for a in body(read)["answers"]] == ["P1-Q1", "P1-Q2", "P1-Q3"]
    assert client.put(url, half(client), headers={"If-None-Match": "*"}).status_code == 412
    replaced = client.put(url, {**half(client), "answers": []}, headers={"If-Match": created.headers["ETag"]})
    assert replaced.status_code == 200 and body(replaced)["answers"] == []
    assert client.put(url, half(client), headers={"If-Match": created.headers["ETag"]}).status_code == 412
    assert client.delete(url, headers={"If-Match": created.headers["ETag"]}).status_code == 412
    assert client.delete(url, headers={"If-Match": replaced.headers["ETag"]}).status_code == 204
    assert client.get(url).status_code == 404


def test_each_answer_is_checked_and_a_bad_draft_writes_nothing(client, service_id):
    url = DRAFT.format(service_id=service_id)
    answers = half(client)["answers"]
    before = table_items()
    for bad in (
        [answers[0], answers[0]],
        [{"question_id": "P9-Q9", "rating": "green"}],
        [{"question_id": "P1-Q1", "rating": "not_applicable"}],
        [{"question_id": "P1-Q1"}],
        [{"question_id": "P1-Q1", "rating": "green", "evidence": [{"url": "http://insecure.example", "valid_until": "soon"}]}],
    ):
        response = client.put(url, {"framework_id": "ldd-2018", "answers": bad})
        assert response.status_code == 422, bad
        assert response.headers["Content-Type"] == "application/problem+json"
    assert table_items() == before


def test_a_draft_is_its_persons_own_and_is_audited(client, service_id):
    url = DRAFT.format(service_id=service_id)
    assert client.put(url, half(client), **OWNER).status_code == 201
    assert client.get(url).status_code == 404  # the admin has none of their own
    assert client.get(url, **OWNER).status_code == 200
    actions = [r["action"] for r in body(client.get("/orgs/testshire/audit"))["items"]]
    assert actions[0] == "assessment_draft.saved"


def test_submitting_through_the_api_leaves_the_draft_and_the_pages_submit_deletes_it(client, service_id):
    """POST .../assessments is unchanged: it submits the body it is sent. Submitting the draft
    itself (the pages' check-your-answers) deletes it in the same transaction."""
    from chalicelib.bootstrap import use_cases

    url = DRAFT.format(service_id=service_id)
    full = assessment_body(client)
    assert client.put(url, full).status_code == 201
    assert client.post(f"/orgs/testshire/services/{service_id}/assessments", full).status_code == 201
    assert client.get(url).status_code == 200
    admin = use_cases().sign_in.bearer(f"Bearer {client.token()}")
    assessment = use_cases().drafts.submit(admin, "testshire", service_id)
    assert client.get(url).status_code == 404
    listed = body(client.get(f"/orgs/testshire/services/{service_id}/assessments"))["items"]
    assert listed[0]["assessment_id"] == assessment.assessment_id
