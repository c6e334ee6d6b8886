"""One suite, every store: the in-memory fake, the PynamoDB adapter over moto and the SQLite
adapter must behave alike, so that use-case tests on the fake say something true about
production and about the local server (the `store` fixture is in conftest.py)."""

import itertools
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import pytest

from chalicelib.domain.errors import AlreadyExists, BadRequest, Contended, Duplicate, NotFound, StaleWrite
from chalicelib.domain.summaries import with_component
from chalicelib.domain.benchmarks.model import KpiRecord
from chalicelib.domain.model import (
    Actor,
    Answer,
    Assessment,
    AssessmentDraft,
    Evidence,
    AuditRecord,
    DeclarationProject,
    Delivery,
    Integration,
    LockIn,
    Organisation,
    SealedSecret,
    Service,
)
from chalicelib.domain.scorecards import MonthlySnapshot
from tests import writes
from tests.unit.builders import ANONYMOUS, at, component, latest, score, stamp

ORG = "testshire"
_audit_ids = itertools.count(1)


def note(org_id=ORG, action="test.write", target=""):
    """An audit record for a write; ids only need to be unique and increasing."""
    return AuditRecord(org_id, f"{next(_audit_ids):026d}", at(2026, 3, 15), ANONYMOUS, action, target)


def org(org_id=ORG, name="Testshire Council") -> Organisation:
    return Organisation(org_id, name, "London boroughs", date(2019, 3, 1), stamp(), stamp())


def service(service_id, name="Parking", department="Environment", org_id=ORG) -> Service:
    return Service(org_id, service_id, name, department, "owner@testshire.example", None, "live", stamp(), stamp())


def add_service(store, svc: Service) -> Service:
    writes.create_service(store, svc, audit=note())
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
    store.save_org(first, expected=None, audit=note())
    assert store.get_org(ORG) == first
    with pytest.raises(AlreadyExists):
        store.save_org(org(name="Again"), expected=None, audit=note())
    renamed = org(name="Renamed")
    store.save_org(renamed, expected=first, audit=note())
    assert store.get_org(ORG).name == "Renamed"
    with pytest.raises(StaleWrite):
        store.save_org(org(name="Lost update"), expected=first, audit=note())
    assert store.get_org("nobody") is None


def test_organisations_list_in_id_order_across_pages(store):
    for org_id in ["cc-council", "aa-council", "bb-council", "dd-council", "ee-council"]:
        store.save_org(org(org_id), expected=None, audit=note())
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
    store.save_org(org(), expected=None, audit=note())
    store.save_org(org("other-council"), expected=None, audit=note())
    add_service(store, service("s5", "Parking", "Environment"))
    add_service(store, service("s1", "A B", "Adults"))
    add_service(store, service("s2", "A", "Adults"))
    add_service(store, service("s4", "A", "Adults"))
    add_service(store, service("s3", "Zoo", "Adults"))
    add_service(store, service("x1", "Elsewhere", "Adults", org_id="other-council"))
    listed = all_pages(lambda limit, cursor: store.list_services(ORG, limit, cursor), 2)
    assert [s.service_id for s in listed] == ["s2", "s4", "s1", "s3", "s5"]


def test_service_update_is_conditional_and_reaches_the_summary(store):
    store.save_org(org(), expected=None, audit=note())
    original = add_service(store, service("s1"))
    renamed = replace(original, name="Parking permits", department="Highways")
    writes.update_service(store, renamed, expected=original, audit=note())
    assert store.get_service(ORG, "s1") == renamed
    summary = store.get_summary(ORG, "s1")
    assert (summary.name, summary.department) == ("Parking permits", "Highways")
    with pytest.raises(StaleWrite):
        writes.update_service(store, replace(original, name="Lost"), expected=original, audit=note())
    assert [s.name for s in store.list_services(ORG, 10, None).items] == ["Parking permits"]


def test_components_are_created_replaced_and_deleted_with_their_summary_copy(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    crm = component("crm", service_id="s1")
    writes.put_component(store, crm, expected=None, audit=note())
    with pytest.raises(AlreadyExists):
        writes.put_component(store, crm, expected=None, audit=note())
    changed = replace(crm, spec=replace(crm.spec, supplier="Other Ltd"))
    writes.put_component(store, changed, expected=crm, audit=note())
    with pytest.raises(StaleWrite):
        writes.put_component(store, crm, expected=crm, audit=note())
    assert store.list_components(ORG, "s1") == [changed]
    assert store.get_summary(ORG, "s1").components == {"crm": changed}
    with pytest.raises(StaleWrite):
        writes.delete_component(store, crm, audit=note())
    writes.delete_component(store, changed, audit=note())
    assert store.list_components(ORG, "s1") == []
    assert store.get_summary(ORG, "s1").components == {}


def test_a_summary_write_over_a_changed_summary_or_roll_up_is_contended_and_writes_nothing(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    before = store.get_summary(ORG, "s1")
    stale = writes.context(store).summary_change(before, with_component(before, component("a", service_id="s1")))
    writes.put_component(store, component("b", service_id="s1"), expected=None, audit=note())
    with pytest.raises(Contended):
        store.put_component(component("a", service_id="s1"), None, stale, audit=note(action="lost"))
    # Only the roll-up moved on (another service's component of the same supplier): still refused.
    current = store.get_summary(ORG, "s1")
    stale = writes.context(store).summary_change(current, with_component(current, component("a", service_id="s1")))
    add_service(store, service("s2"))
    writes.put_component(store, component("c", service_id="s2"), expected=None, audit=note())
    with pytest.raises(Contended):
        store.put_component(component("a", service_id="s1"), None, stale, audit=note(action="lost"))
    assert sorted(store.get_summary(ORG, "s1").components) == ["b"]
    assert [c.component_id for c in store.list_components(ORG, "s1")] == ["b"]
    assert "lost" not in {r.action for r in store.list_audit(ORG, 50, None).items}


def test_newest_assessment_becomes_latest_and_an_older_one_never_replaces_it(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    assert writes.add_assessment(store, assessment("s1", "02"), latest(assessment_id="02"), audit=note()) is True
    assert writes.add_assessment(store, assessment("s1", "01"), latest(assessment_id="01"), audit=note()) is False
    assert store.get_summary(ORG, "s1").latest.assessment_id == "02"
    assert writes.add_assessment(store, assessment("s1", "03"), latest(assessment_id="03", submitted_at=at(2026, 4, 1)), audit=note()) is True
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


def test_a_service_is_retired_and_reinstated_on_its_summary(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    assert store.get_summary(ORG, "s1").retired is False
    writes.set_retired(store, ORG, "s1", True, audit=note())
    assert store.get_summary(ORG, "s1").retired is True
    assert [s.retired for s in store.list_summaries(ORG)] == [True]
    writes.set_retired(store, ORG, "s1", False, audit=note())
    assert store.get_summary(ORG, "s1").retired is False
    with pytest.raises(NotFound):
        writes.set_retired(store, ORG, "missing", True, audit=note(action="orphan"))


def test_an_assessment_is_read_with_the_one_before_it(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    add_service(store, service("s2"))
    for service_id, assessment_id in [("s1", "01"), ("s1", "03"), ("s2", "02"), ("s1", "05")]:
        writes.add_assessment(store, assessment(service_id, assessment_id), latest(assessment_id=assessment_id), audit=note())
    assert store.get_assessment_and_previous(ORG, "s1", "05") == (assessment("s1", "05"), assessment("s1", "03"))
    assert store.get_assessment_and_previous(ORG, "s1", "03") == (assessment("s1", "03"), assessment("s1", "01"))
    assert store.get_assessment_and_previous(ORG, "s1", "01") == (assessment("s1", "01"), None)
    assert store.get_assessment_and_previous(ORG, "s1", "04") == (None, None)  # not one of s1's
    assert store.get_assessment_and_previous(ORG, "s2", "02") == (assessment("s2", "02"), None)


def test_an_assessment_needs_its_service(store):
    with pytest.raises(NotFound):
        writes.add_assessment(store, assessment("missing", "01"), latest(assessment_id="01"), audit=note())
    assert store.get_assessment(ORG, "missing", "01") is None


def draft(service_id="s1", person="subject-1", rating="green", org_id=ORG) -> AssessmentDraft:
    answer = Answer("1.1", rating, notes="n", evidence=(Evidence("https://example.org/e", "E", date(2027, 1, 31)),))
    return AssessmentDraft(org_id, service_id, person, "ldd-2018", (answer,), "01", stamp())


def test_a_draft_is_kept_per_person_created_once_replaced_and_deleted_over_what_was_read(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    first = draft()
    store.put_draft(first, expected=None, audit=note())
    assert store.get_draft(ORG, "s1", "subject-1") == first
    assert store.get_draft(ORG, "s1", "subject-2") is None
    with pytest.raises(AlreadyExists):
        store.put_draft(first, expected=None, audit=note())
    second = draft(rating="amber")
    store.put_draft(second, expected=first, audit=note())
    with pytest.raises(StaleWrite):
        store.put_draft(draft(rating="red"), expected=first, audit=note())
    with pytest.raises(StaleWrite):
        store.delete_draft(first, audit=note())
    store.delete_draft(second, audit=note())
    assert store.get_draft(ORG, "s1", "subject-1") is None
    with pytest.raises(StaleWrite):
        store.delete_draft(second, audit=note())


def test_a_draft_needs_its_service(store):
    with pytest.raises(NotFound):
        store.put_draft(draft(service_id="missing"), expected=None, audit=note())
    assert store.get_draft(ORG, "missing", "subject-1") is None


def test_submitting_deletes_the_draft_it_came_from_and_no_other(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    mine, theirs = draft(), draft(person="subject-2")
    store.put_draft(mine, expected=None, audit=note())
    store.put_draft(theirs, expected=None, audit=note())
    writes.add_assessment(store, assessment("s1", "02"), latest(assessment_id="02"), audit=note(), draft=mine)
    assert store.get_draft(ORG, "s1", "subject-1") is None
    assert store.get_draft(ORG, "s1", "subject-2") == theirs
    # An older assessment (not the latest) still consumes its draft.
    writes.add_assessment(store, assessment("s1", "01"), latest(assessment_id="01"), audit=note(), draft=theirs)
    assert store.get_draft(ORG, "s1", "subject-2") is None


def test_summaries_of_one_organisation_only(store):
    store.save_org(org(), expected=None, audit=note())
    store.save_org(org("other-council"), expected=None, audit=note())
    add_service(store, service("s1"))
    add_service(store, service("s2"))
    add_service(store, service("x1", org_id="other-council"))
    assert sorted(s.service_id for s in store.list_summaries(ORG)) == ["s1", "s2"]


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzFd", "W10"])
def test_a_cursor_the_list_did_not_issue_is_a_bad_request(store, cursor):
    store.save_org(org(), expected=None, audit=note())
    with pytest.raises(BadRequest):
        store.list_services(ORG, 10, cursor)
    with pytest.raises(BadRequest):
        store.list_assessments(ORG, "s1", 10, cursor)


def test_stamps_survive_a_round_trip(store):
    store.save_org(org(), expected=None, audit=note())
    svc = add_service(store, service("s1"))
    assert store.get_service(ORG, "s1").created == svc.created
    assert store.get_service(ORG, "s1").created.by == ANONYMOUS


def test_writes_and_their_audit_records_land_together_or_not_at_all(store):
    store.save_org(org(), expected=None, audit=note(action="organisation.created"))
    with pytest.raises(AlreadyExists):
        store.save_org(org(), expected=None, audit=note(action="organisation.created again"))
    svc = add_service(store, service("s1"))
    with pytest.raises(StaleWrite):
        writes.update_service(store, replace(svc, name="Lost"), expected=replace(svc, name="Other"), audit=note(action="lost"))
    with pytest.raises(NotFound):
        writes.add_assessment(store, assessment("missing", "01"), latest(assessment_id="01"), audit=note(action="orphan"))
    actions = [r.action for r in store.list_audit(ORG, 10, None).items]
    assert actions == ["test.write", "organisation.created"]  # newest first; nothing from the failures


def test_the_audit_trail_pages_newest_first_and_stays_in_its_organisation(store):
    store.save_org(org(), expected=None, audit=note(target="first"))
    store.save_org(org("other-council"), expected=None, audit=note("other-council", target="elsewhere"))
    first = org()
    for n in range(4):
        renamed = org(name=f"Name {n}")
        store.save_org(renamed, expected=first, audit=note(target=f"rename {n}"))
        first = renamed
    targets = [r.target for r in all_pages(lambda limit, cursor: store.list_audit(ORG, limit, cursor), 2)]
    assert targets == ["rename 3", "rename 2", "rename 1", "rename 0", "first"]
    assert [r.target for r in store.list_audit("other-council", 10, None).items] == ["elsewhere"]


# --- benchmark sets and KPI values ---------------------------------------------------------------


def benchmark_set(set_id="socitm-2025", title="Socitm 2025", median=3135):
    from chalicelib.domain.benchmarks.model import StoredBenchmarkSet
    from chalicelib.domain.benchmarks.shape import benchmark_set_from_dict

    bset = benchmark_set_from_dict({
        "set_id": set_id, "title": title, "source": "Tests", "published": "2025-06-30", "illustrative": False,
        "score_range": [0, 10],
        "kpis": [{"kpi_id": "cost_per_user", "title": "Cost", "unit": "gbp", "better": "lower", "level": "org", "year": 2025}],
        "peer_groups": {"London boroughs": {"cost_per_user": {"p25": 2500.5, "median": median, "p75": 3800, "n": 31}}},
    })
    return StoredBenchmarkSet(bset, stamp(), stamp())


def test_benchmark_sets_are_created_once_replaced_over_what_was_read_and_listed_without_figures(store):
    first = benchmark_set()
    store.save_benchmark_set(first, None, audit=note("_platform", "benchmark_set.created"))
    assert store.get_benchmark_set("socitm-2025") == first
    with pytest.raises(AlreadyExists):
        store.save_benchmark_set(benchmark_set(title="Again"), None, audit=note("_platform"))
    revised = benchmark_set(title="Revised", median=3000)
    store.save_benchmark_set(revised, first, audit=note("_platform", "benchmark_set.replaced"))
    assert store.get_benchmark_set("socitm-2025") == revised
    with pytest.raises(StaleWrite):
        store.save_benchmark_set(benchmark_set(title="Lost"), first, audit=note("_platform"))
    store.save_benchmark_set(benchmark_set("aaa-set"), None, audit=note("_platform"))
    listed = store.list_benchmark_sets()
    assert [s.set_id for s in listed] == ["aaa-set", "socitm-2025"]
    assert listed[1].bset.title == "Revised" and listed[1].bset.peer_groups == {}
    assert listed[1].bset.kpis == revised.bset.kpis and listed[1].bset.score_range == (0, 10)
    assert store.get_benchmark_set("never") is None
    actions = [r.action for r in store.list_audit("_platform", 10, None).items]
    assert actions == ["test.write", "benchmark_set.replaced", "benchmark_set.created"]


def test_kpi_values_are_replaced_per_period_and_kept_apart_by_level(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    with pytest.raises(NotFound):
        store.put_kpi_values(KpiRecord("nowhere", None, "2025", {"x": 1}, stamp()), audit=note("nowhere"))
    with pytest.raises(NotFound):
        store.put_kpi_values(KpiRecord(ORG, "missing", "2025", {"x": 1}, stamp()), audit=note())
    org_2025 = KpiRecord(ORG, None, "2025", {"cost_per_user": 2900, "share": 61.5, "web": 0.31}, stamp())
    store.put_kpi_values(org_2025, audit=note())
    store.put_kpi_values(KpiRecord(ORG, None, "2024-Q1", {"cost_per_user": 3000}, stamp()), audit=note())
    store.put_kpi_values(KpiRecord(ORG, "s1", "2025", {"satisfaction": 5.9}, stamp()), audit=note())
    assert store.get_kpi_values(ORG, None, "2025") == org_2025  # floats exactly as written
    assert store.get_kpi_values(ORG, "s1", "2025").values == {"satisfaction": 5.9}
    assert store.get_kpi_values(ORG, None, "2026") is None
    replaced = KpiRecord(ORG, None, "2025", {"devices": 40}, stamp())
    store.put_kpi_values(replaced, audit=note())
    assert store.get_kpi_values(ORG, None, "2025").values == {"devices": 40}
    assert [r.period for r in store.list_kpi_values(ORG)] == ["2024-Q1", "2025"]
    assert [r.period for r in store.list_kpi_values(ORG, "s1")] == ["2025"]
    assert store.list_kpi_values("other-council") == []


def test_kpi_values_can_be_written_only_over_what_was_read(store):
    store.save_org(org(), expected=None, audit=note())
    first = KpiRecord(ORG, None, "2025", {"devices": 40}, stamp())
    store.put_kpi_values(first, audit=note(), expected=None, conditional=True)
    with pytest.raises(AlreadyExists):
        store.put_kpi_values(KpiRecord(ORG, None, "2025", {"devices": 41}, stamp()), audit=note(), expected=None, conditional=True)
    second = KpiRecord(ORG, None, "2025", {"devices": 42}, stamp())
    store.put_kpi_values(second, audit=note(), expected=first, conditional=True)
    with pytest.raises(StaleWrite):
        store.put_kpi_values(KpiRecord(ORG, None, "2025", {"devices": 43}, stamp()), audit=note(), expected=first, conditional=True)
    assert store.get_kpi_values(ORG, None, "2025").values == {"devices": 42}


# --- the organisation dashboard ------------------------------------------------------------------


def project(project_id, org_id=ORG) -> DeclarationProject:
    fields = ("Shared permits", ("Otherbury",), "A mission.", "An impact.", date(2026, 9, 30), "planned")
    return DeclarationProject(org_id, project_id, *fields, stamp(), stamp())


def snapshot(month, org_id=ORG) -> MonthlySnapshot:
    principles = (("p1", Fraction(1, 3)), ("p2", None))
    return MonthlySnapshot(org_id, month, Fraction(7, 3), principles, {"2": 1}, {"high": 1}, 1, at(2026, 3, 15))


def integration(integration_id, org_id=ORG) -> Integration:
    secrets = (SealedSecret("sealed"),)
    return Integration(org_id, integration_id, "CRM", ("component.upserted",), (), secrets, stamp(), stamp())


def dashboard_org(store, services=("s2", "s1")) -> None:
    """An organisation with projects, snapshots out of month order and summaries, one with a
    component and a latest assessment."""
    store.save_org(org(), expected=None, audit=note())
    for project_id in ["p2", "p1"]:
        store.save_project(project(project_id), None, audit=note())
    for month in ["2026-02", "2025-12", "2026-01"]:
        store.put_snapshot(snapshot(month))
    for service_id in services:
        add_service(store, service(service_id))
    writes.put_component(store, component("crm", service_id="s1"), expected=None, audit=note())
    writes.add_assessment(store, assessment("s1", "01"), latest(assessment_id="01"), audit=note())


def by_delivery(integration_id, webhook_id, org_id=ORG) -> AuditRecord:
    """The audit record of a write an integration's delivery makes: the store claims the delivery."""
    actor = Actor(integration_id=integration_id, delivery_id=webhook_id)
    return AuditRecord(org_id, f"{next(_audit_ids):026d}", at(2026, 3, 15), actor, "component.upserted", "")


def delivery(delivery_id, integration_id="i1") -> Delivery:
    return Delivery(integration_id, delivery_id, f"msg_{delivery_id}", at(2026, 3, 15), "component.upserted", "processed", 200, None)


def test_integrations_are_created_found_by_id_replaced_over_what_was_read_and_deleted(store):
    with pytest.raises(NotFound):
        store.create_integration(integration("i1"), audit=note())
    store.save_org(org(), expected=None, audit=note())
    first = integration("i1")
    store.create_integration(first, audit=note())
    store.create_integration(integration("i0"), audit=note())
    assert store.get_integration(ORG, "i1") == first
    assert store.find_integration("i1") == first
    assert store.find_integration("nope") is None
    assert [i.integration_id for i in store.list_integrations(ORG)] == ["i0", "i1"]
    rotated = replace(first, secrets=(SealedSecret("new"), SealedSecret("sealed")))
    store.replace_integration(rotated, expected=first, audit=note())
    assert store.find_integration("i1") == rotated
    with pytest.raises(StaleWrite):
        store.replace_integration(replace(first, name="Lost"), expected=first, audit=note())
    with pytest.raises(StaleWrite):
        store.delete_integration(first, audit=note())
    store.delete_integration(rotated, audit=note())
    assert store.get_integration(ORG, "i1") is None and store.find_integration("i1") is None


def test_a_delivery_is_applied_once_and_a_replay_changes_nothing(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    crm = component("crm", service_id="s1")
    writes.put_component(store, crm, expected=None, audit=by_delivery("i1", "msg_1"))
    changed = replace(crm, spec=replace(crm.spec, supplier="Other Ltd"))
    with pytest.raises(Duplicate):
        writes.put_component(store, changed, expected=crm, audit=by_delivery("i1", "msg_1"))
    # A replay whose own condition would fail too is still answered as the duplicate it is.
    with pytest.raises(Duplicate):
        writes.put_component(store, crm, expected=None, audit=by_delivery("i1", "msg_1"))
    assert store.list_components(ORG, "s1") == [crm]
    # The same webhook-id from another integration is another delivery.
    writes.put_component(store, changed, expected=crm, audit=by_delivery("i2", "msg_1"))
    assert store.list_components(ORG, "s1") == [changed]
    assert len(store.list_audit(ORG, 10, None).items) == 4  # the organisation, service, two applied


def test_a_delivery_whose_write_failed_claims_nothing(store):
    store.save_org(org(), expected=None, audit=note())
    add_service(store, service("s1"))
    crm = component("crm", service_id="s1")
    writes.put_component(store, crm, None, audit=note())
    with pytest.raises(AlreadyExists):
        writes.put_component(store, crm, None, audit=by_delivery("i1", "msg_1"))
    changed = replace(crm, spec=replace(crm.spec, supplier="Other Ltd"))
    writes.put_component(store, changed, crm, audit=by_delivery("i1", "msg_1"))
    assert store.list_components(ORG, "s1") == [changed]


def test_the_deliveries_log_pages_newest_first_after_the_given_id(store):
    # Kept until well after any run of this test: the SQLite store drops expired rows by the
    # wall clock, as DynamoDB's TTL does (moto never does).
    keep_until = datetime.now(timezone.utc) + timedelta(days=30)
    for n in range(1, 6):
        store.add_delivery(delivery(f"0{n}"), keep_until=keep_until)
    store.add_delivery(delivery("03", integration_id="other"), keep_until=keep_until)
    # "015" sorts between "01" and "02" (the log's Query starts at a ULID made for an instant).
    listed = all_pages(lambda limit, cursor: store.list_deliveries("i1", "015", limit, cursor), 2)
    assert [d.delivery_id for d in listed] == ["05", "04", "03", "02"]
    assert listed[0] == delivery("05")
    assert store.list_deliveries("i1", "06", 10, None).items == []
    with pytest.raises(BadRequest):
        store.list_deliveries("i1", "01", 10, "%%%")


def test_declaration_projects_need_their_organisation_and_change_only_over_what_was_read(store):
    with pytest.raises(NotFound):
        store.save_project(project("p1"), None, audit=note())
    store.save_org(org(), expected=None, audit=note())
    first = project("p1")
    store.save_project(first, None, audit=note())
    with pytest.raises(AlreadyExists):
        store.save_project(first, None, audit=note())
    done = replace(first, status="done")
    store.save_project(done, first, audit=note())
    with pytest.raises(StaleWrite):
        store.save_project(replace(first, title="Lost"), first, audit=note())
    assert store.get_project(ORG, "p1") == done and store.get_project(ORG, "p9") is None


def test_snapshots_are_replaced_per_month_and_listed_oldest_first_within_the_range(store):
    for month in ["2026-03", "2026-01", "2025-12", "2026-02"]:
        store.put_snapshot(snapshot(month))
    store.put_snapshot(replace(snapshot("2026-02"), services_assessed=9))
    store.put_snapshot(snapshot("2026-02", org_id="other-council"))
    listed = store.list_snapshots(ORG, "2026-01", "2026-02")
    assert [(s.month, s.services_assessed) for s in listed] == [("2026-01", 1), ("2026-02", 9)]
