"""One suite, two stores: the in-memory fake and the PynamoDB adapter over moto must behave
alike, so that use-case tests on the fake say something true about production."""

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.domain.errors import AlreadyExists, BadRequest, NotFound, StaleWrite
from chalicelib.domain.model import Assessment, LockIn, Organisation, Service, ServiceSummary
from tests.fakes import InMemoryStore
from tests.unit.builders import ANONYMOUS, at, component, latest, score, stamp

ORG = "testshire"


@pytest.fixture(params=["memory", "dynamodb"])
def store(request):
    if request.param == "memory":
        return InMemoryStore()
    request.getfixturevalue("table")
    from chalicelib.adapters.dynamodb.store import DynamoStore

    return DynamoStore()


def org(org_id=ORG, name="Testshire Council") -> Organisation:
    return Organisation(org_id, name, "London boroughs", date(2019, 3, 1), stamp(), stamp())


def service(service_id, name="Parking", department="Environment", org_id=ORG) -> Service:
    return Service(org_id, service_id, name, department, "owner@testshire.example", None, "live", stamp(), stamp())


def add_service(store, svc: Service) -> Service:
    store.create_service(svc, ServiceSummary(svc.org_id, svc.service_id, svc.name, svc.department, svc.owner_email))
    return svc


def assessment(service_id, assessment_id, org_id=ORG) -> Assessment:
    return Assessment(org_id, service_id, assessment_id, "ldd-2018", (), score(50), LockIn("none", ()), stamp())


def all_pages(fetch, limit):
    seen, cursor = [], None
    while True:
        page = fetch(limit, cursor)
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_organisation_created_once_and_replaced_only_over_what_was_read(store):
    first = org()
    store.save_org(first, expected=None)
    assert store.get_org(ORG) == first
    with pytest.raises(AlreadyExists):
        store.save_org(org(name="Again"), expected=None)
    renamed = org(name="Renamed")
    store.save_org(renamed, expected=first)
    assert store.get_org(ORG).name == "Renamed"
    with pytest.raises(StaleWrite):
        store.save_org(org(name="Lost update"), expected=first)
    assert store.get_org("nobody") is None


def test_organisations_list_in_id_order_across_pages(store):
    for org_id in ["cc-council", "aa-council", "bb-council", "dd-council", "ee-council"]:
        store.save_org(org(org_id), expected=None)
    first = store.list_orgs(2, None)
    assert [o.org_id for o in first.items] == ["aa-council", "bb-council"]
    assert first.next_cursor is not None
    assert [o.org_id for o in all_pages(store.list_orgs, 2)] == [
        "aa-council",
        "bb-council",
        "cc-council",
        "dd-council",
        "ee-council",
    ]
    assert store.list_orgs(5, None).next_cursor is None


def test_a_service_needs_its_organisation(store):
    with pytest.raises(NotFound):
        add_service(store, service("s1"))
    assert store.get_service(ORG, "s1") is None
    assert store.get_summary(ORG, "s1") is None


def test_services_list_by_department_then_name_then_id(store):
    store.save_org(org(), expected=None)
    store.save_org(org("other-council"), expected=None)
    add_service(store, service("s5", "Parking", "Environment"))
    add_service(store, service("s1", "A B", "Adults"))
    add_service(store, service("s2", "A", "Adults"))
    add_service(store, service("s4", "A", "Adults"))
    add_service(store, service("s3", "Zoo", "Adults"))
    add_service(store, service("x1", "Elsewhere", "Adults", org_id="other-council"))
    listed = all_pages(lambda limit, cursor: store.list_services(ORG, limit, cursor), 2)
    assert [s.service_id for s in listed] == ["s2", "s4", "s1", "s3", "s5"]


def test_service_update_is_conditional_and_reaches_the_summary(store):
    store.save_org(org(), expected=None)
    original = add_service(store, service("s1"))
    renamed = replace(original, name="Parking permits", department="Highways")
    store.update_service(renamed, expected=original)
    assert store.get_service(ORG, "s1") == renamed
    summary = store.get_summary(ORG, "s1")
    assert (summary.name, summary.department) == ("Parking permits", "Highways")
    with pytest.raises(StaleWrite):
        store.update_service(replace(original, name="Lost"), expected=original)
    assert [s.name for s in store.list_services(ORG, 10, None).items] == ["Parking permits"]


def test_components_are_created_replaced_and_deleted_with_their_summary_copy(store):
    store.save_org(org(), expected=None)
    add_service(store, service("s1"))
    crm = component("crm", service_id="s1")
    store.put_component(crm, expected=None, max_components=50)
    with pytest.raises(AlreadyExists):
        store.put_component(crm, expected=None, max_components=50)
    changed = replace(crm, spec=replace(crm.spec, supplier="Other Ltd"))
    store.put_component(changed, expected=crm, max_components=50)
    with pytest.raises(StaleWrite):
        store.put_component(crm, expected=crm, max_components=50)
    assert store.list_components(ORG, "s1") == [changed]
    assert store.get_summary(ORG, "s1").components == {"crm": changed}
    with pytest.raises(StaleWrite):
        store.delete_component(crm)
    store.delete_component(changed)
    assert store.list_components(ORG, "s1") == []
    assert store.get_summary(ORG, "s1").components == {}


def test_component_count_is_capped_by_the_store_too(store):
    store.save_org(org(), expected=None)
    add_service(store, service("s1"))
    store.put_component(component("a", service_id="s1"), expected=None, max_components=2)
    store.put_component(component("b", service_id="s1"), expected=None, max_components=2)
    with pytest.raises(StaleWrite):
        store.put_component(component("c", service_id="s1"), expected=None, max_components=2)
    assert sorted(store.get_summary(ORG, "s1").components) == ["a", "b"]
    assert [c.component_id for c in store.list_components(ORG, "s1")] == ["a", "b"]


def test_a_component_needs_its_service(store):
    with pytest.raises(StaleWrite):
        store.put_component(component("crm", service_id="missing"), expected=None, max_components=50)
    assert store.list_components(ORG, "missing") == []


def test_newest_assessment_becomes_latest_and_an_older_one_never_replaces_it(store):
    store.save_org(org(), expected=None)
    add_service(store, service("s1"))
    assert store.add_assessment(assessment("s1", "02"), latest(assessment_id="02")) is True
    assert store.add_assessment(assessment("s1", "01"), latest(assessment_id="01")) is False
    assert store.get_summary(ORG, "s1").latest.assessment_id == "02"
    assert store.add_assessment(assessment("s1", "03"), latest(assessment_id="03", submitted_at=at(2026, 4, 1))) is True
    summary = store.get_summary(ORG, "s1")
    assert summary.latest.assessment_id == "03"
    assert summary.latest.submitted_at == at(2026, 4, 1)
    assert [a.assessment_id for a in all_pages(lambda n, c: store.list_assessments(ORG, "s1", n, c), 2)] == [
        "03",
        "02",
        "01",
    ]
    assert store.get_assessment(ORG, "s1", "01") == assessment("s1", "01")
    assert store.get_assessment(ORG, "s1", "09") is None


def test_an_assessment_needs_its_service(store):
    with pytest.raises(NotFound):
        store.add_assessment(assessment("missing", "01"), latest(assessment_id="01"))
    assert store.get_assessment(ORG, "missing", "01") is None


def test_summaries_of_one_organisation_only(store):
    store.save_org(org(), expected=None)
    store.save_org(org("other-council"), expected=None)
    add_service(store, service("s1"))
    add_service(store, service("s2"))
    add_service(store, service("x1", org_id="other-council"))
    assert sorted(s.service_id for s in store.list_summaries(ORG)) == ["s1", "s2"]


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzFd", "W10"])
def test_a_cursor_the_list_did_not_issue_is_a_bad_request(store, cursor):
    store.save_org(org(), expected=None)
    with pytest.raises(BadRequest):
        store.list_services(ORG, 10, cursor)
    with pytest.raises(BadRequest):
        store.list_assessments(ORG, "s1", 10, cursor)


def test_stamps_survive_a_round_trip(store):
    store.save_org(org(), expected=None)
    svc = add_service(store, service("s1"))
    assert store.get_service(ORG, "s1").created == svc.created
    assert store.get_service(ORG, "s1").created.by == ANONYMOUS
