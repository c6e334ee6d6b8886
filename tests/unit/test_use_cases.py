"""The use cases on the in-memory store: orchestration, preconditions and races."""

from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib import bootstrap
from chalicelib.domain.clock import FixedClock
from chalicelib.domain.errors import Conflict, Invalid, NotFound, PreconditionRequired, StaleWrite
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.model import Answer
from chalicelib.domain.preconditions import NONE, Preconditions
from chalicelib.domain.etags import service_etag
from tests.fakes import InMemoryStore
from tests.unit.builders import all_rated, component_spec, contract, exit_plan

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
ADMIN = Principal("admin-1", "admin@t.example", "testshire", frozenset({"platform_admin", "admin"}))


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def store():
    return InMemoryStore()


@pytest.fixture
def app(store, clock):
    return bootstrap.build(store=store, clock=clock)


@pytest.fixture
def service(app):
    app.organisations.put(ADMIN, "testshire", {"name": "Testshire"})
    return app.services.create(
        ADMIN,
        "testshire",
        {"name": "Parking", "department": "Environment", "owner_email": "o@t.example"},
    )


def all_green(app):
    return [Answer(q.question_id, "green") for q in app.context.current_framework.questions]


def test_organisation_put_creates_then_replaces_keeping_its_creation_stamp(app, clock):
    _, created = app.organisations.put(ADMIN, "testshire", {"name": "Testshire"})
    clock.instant = NOW + timedelta(days=1)
    org, created_again = app.organisations.put(ADMIN, "testshire", {"name": "Testshire Council"})
    assert (created, created_again) == (True, False)
    assert org.created.at == NOW and org.updated.at == NOW + timedelta(days=1)


def test_organisation_put_with_a_stale_if_match_changes_nothing(app):
    app.organisations.put(ADMIN, "testshire", {"name": "Testshire"})
    with pytest.raises(StaleWrite):
        app.organisations.put(ADMIN, "testshire", {"name": "Lost"}, Preconditions.matching('"old"'))
    assert app.organisations.get(ADMIN, "testshire").name == "Testshire"


def test_a_service_in_an_unknown_organisation_is_not_found_by_its_own_members(app, store):
    nowhere_admin = Principal("admin-2", "a@b.example", "nowhere", frozenset({"admin"}))
    fields = {"name": "X", "department": "Y", "owner_email": "a@b.example"}
    with pytest.raises(NotFound):
        app.services.create(nowhere_admin, "nowhere", fields)
    with pytest.raises(Forbidden):  # anyone else learns nothing about it
        app.services.create(ADMIN, "nowhere", fields)
    assert store.services == {}


def test_every_write_leaves_an_audit_record_naming_who_did_what(app, service, store):
    app.components.put(ADMIN, "testshire", service.service_id, "crm", component_spec())
    app.assessments.submit(ADMIN, "testshire", service.service_id, "ldd-2018", all_green(app))
    app.components.delete(ADMIN, "testshire", service.service_id, "crm")
    trail = app.audit.list(ADMIN, "testshire", 10, None).items
    assert [r.action for r in trail] == [
        "component.deleted",
        "assessment.submitted",
        "component.created",
        "service.created",
        "organisation.created",
    ]
    assert {r.actor.email for r in trail} == {"admin@t.example"}
    assert trail[0].target == f"services/{service.service_id}/components/crm"


def test_patch_needs_the_etag_read_and_keeps_the_summary_in_step(app, service, store):
    with pytest.raises(PreconditionRequired):
        app.services.patch(ADMIN, "testshire", service.service_id, {"name": "New"}, NONE)
    with pytest.raises(StaleWrite):
        app.services.patch(ADMIN, "testshire", service.service_id, {"name": "New"}, Preconditions.matching('"other"'))
    with pytest.raises(Invalid) as invalid:
        app.services.patch(ADMIN, "testshire", service.service_id, {"name": None}, Preconditions.matching(service_etag(service)))
    assert invalid.value.errors == {"name": ["may not be null"]}
    updated = app.services.patch(
        ADMIN,
        "testshire",
        service.service_id,
        {"department": "Highways", "description": None},
        Preconditions.matching(service_etag(service)),
    )
    assert updated.department == "Highways"
    assert store.get_summary("testshire", service.service_id).department == "Highways"


def test_submitting_scores_and_snapshots_the_lock_in_at_that_moment(app, service):
    app.components.put(ADMIN, "testshire", service.service_id, "crm", component_spec(customisation="heavy"))
    assessment = app.assessments.submit(ADMIN, "testshire", service.service_id, "ldd-2018", all_green(app))
    assert assessment.score.overall == 100
    assert [f.code for f in assessment.lock_in.flags] == ["HEAVY_CUSTOMISATION"]
    card = app.scorecards.for_service(ADMIN, "testshire", service.service_id)
    assert card.assessment_id == assessment.assessment_id


def test_submitting_to_an_unknown_framework_or_service_writes_nothing(app, service, store):
    with pytest.raises(Invalid) as invalid:
        app.assessments.submit(ADMIN, "testshire", service.service_id, "ldd-2099", all_green(app))
    assert "framework_id" in invalid.value.errors
    with pytest.raises(NotFound):
        app.assessments.submit(ADMIN, "testshire", "missing", "ldd-2018", all_green(app))
    assert store.assessments == {}


def test_an_older_submission_that_lands_late_stays_in_history_but_not_in_the_summary(store, clock):
    # Ids sort by creation; hand out the newer assessment id first, as when two submissions race.
    # (Every write also takes an id for its audit record: the "A" ids.)
    ids = iter(["A0", "S1", "A1", "02", "A2", "01", "A3"])
    app = bootstrap.build(store=store, clock=clock, new_id=lambda: next(ids))
    app.organisations.put(ADMIN, "testshire", {"name": "Testshire"})
    app.services.create(ADMIN, "testshire", {"name": "P", "department": "E", "owner_email": "o@t.example"})
    app.assessments.submit(ADMIN, "testshire", "S1", "ldd-2018", all_green(app))
    app.assessments.submit(ADMIN, "testshire", "S1", "ldd-2018", all_green(app))
    assert store.get_summary("testshire", "S1").latest.assessment_id == "02"
    assert [a.assessment_id for a in app.assessments.list(ADMIN, "testshire", "S1", 10, None).items] == ["02", "01"]


# --- a revised framework ------------------------------------------------------------------------


def test_the_organisation_scorecard_counts_assessments_of_both_revisions_together(app):
    app.organisations.put(ADMIN, "testshire", {"name": "Testshire"})
    old, new = (
        app.services.create(ADMIN, "testshire", {"name": name, "department": "E", "owner_email": "o@t.example"})
        for name in ("Old", "New")
    )
    catalogue = app.context.catalogue
    app.assessments.submit(ADMIN, "testshire", old.service_id, "ldd-2018", all_rated(catalogue["ldd-2018"], "green"))
    app.assessments.submit(ADMIN, "testshire", new.service_id, "ldd-2018-r2", all_rated(catalogue["ldd-2018-r2"], "amber"))
    card = app.scorecards.for_org(ADMIN, "testshire")
    assert card.average_score == 75
    assert dict(card.principles) == {p.principle_id: 75 for p in catalogue["ldd-2018-r2"].principles}
    assert card.levels == {"Beginning": 0, "Emerging": 1, "Learning": 0, "Developing": 0, "Mastering": 1}


def test_component_if_match_must_name_the_current_version(app, service):
    crm, created = app.components.put(ADMIN, "testshire", service.service_id, "crm", component_spec())
    assert created
    with pytest.raises(StaleWrite):
        app.components.put(ADMIN, "testshire", service.service_id, "new", component_spec(), Preconditions.matching('"x"'))
    with pytest.raises(StaleWrite):
        app.components.put(ADMIN, "testshire", service.service_id, "crm", component_spec(), Preconditions.matching('"x"'))


def test_component_checks_formats_and_contract_dates_against_the_catalogue(app, service, store):
    bad = component_spec(
        data=component_spec().data.__class__(("csv", "floppy-disk"), True, ()),
        contract=contract(date(2026, 1, 1), date(2025, 1, 1)),
    )
    with pytest.raises(Invalid) as invalid:
        app.components.put(ADMIN, "testshire", service.service_id, "crm", bad)
    assert set(invalid.value.errors) == {"data.export_formats.1", "contract.end"}
    assert store.components == {}


def test_the_fifty_first_component_is_refused(app, service):
    for n in range(50):
        app.components.put(ADMIN, "testshire", service.service_id, f"c{n}", component_spec())
    with pytest.raises(Invalid) as invalid:
        app.components.put(ADMIN, "testshire", service.service_id, "c50", component_spec())
    assert "component_id" in invalid.value.errors
    # Replacing one of the fifty is still allowed.
    app.components.put(ADMIN, "testshire", service.service_id, "c0", component_spec(supplier="New"))


class _AlwaysLosesTheRace(InMemoryStore):
    def put_component(self, component, expected, max_components, audit):
        raise StaleWrite("It changed since it was read.")


def test_a_write_that_keeps_losing_races_is_a_conflict_not_a_silent_overwrite(clock):
    app = bootstrap.build(store=_AlwaysLosesTheRace(), clock=clock)
    app.organisations.put(ADMIN, "testshire", {"name": "Testshire"})
    svc = app.services.create(ADMIN, "testshire", {"name": "P", "department": "E", "owner_email": "o@t.example"})
    with pytest.raises(Conflict):
        app.components.put(ADMIN, "testshire", svc.service_id, "crm", component_spec())
    with pytest.raises(StaleWrite):
        app.components.put(ADMIN, "testshire", svc.service_id, "crm", component_spec(), Preconditions.matching('"any"'))


def test_date_dependent_flags_are_judged_on_the_day_they_are_read(app, service, clock):
    expiring = component_spec(contract=contract(date(2025, 1, 1), date(2028, 1, 31)), exit_plan=exit_plan(False, None))
    app.components.put(ADMIN, "testshire", service.service_id, "crm", expiring)
    codes = lambda: [f.code for f in app.scorecards.for_service(ADMIN, "testshire", service.service_id).lock_in.flags]  # noqa: E731
    assert "EXPIRY_WITHOUT_EXIT_PLAN" not in codes()
    clock.instant = datetime(2026, 8, 1, 12, 0, tzinfo=timezone.utc)
    assert "EXPIRY_WITHOUT_EXIT_PLAN" in codes()


def test_the_summary_keeps_a_lean_score_and_the_service_scorecard_reads_the_contributions(app, store, service):
    """The summary lists and rolls up: its score leaves out the per-question contributions (the
    red questions kept for the level's explanation); the service scorecard reads them from the
    assessment."""
    framework = app.context.current_framework
    answers = [Answer(q.question_id, "red" if n == 0 else "green", justification="x") for n, q in enumerate(framework.questions)]
    submitted = app.assessments.submit(ADMIN, "testshire", service.service_id, framework.framework_id, answers)
    latest = store.get_summary("testshire", service.service_id).latest
    assert latest.score.contributions == ()
    assert latest.red_questions == (framework.questions[0].question_id,)
    assert latest.score.overall == submitted.score.overall
    card = app.scorecards.for_service(ADMIN, "testshire", service.service_id)
    assert card.score == submitted.score and len(card.score.contributions) == len(framework.questions)
    assert framework.questions[0].question_id in (card.level_explanation or "")
