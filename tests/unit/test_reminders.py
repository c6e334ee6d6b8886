"""The reminder rules (domain/reminders.py) on a set day."""

from dataclasses import replace
from datetime import date, timedelta

from chalicelib.domain.model import ServiceSummary
from chalicelib.domain.reminders import (
    ASSESSMENT_DUE,
    SENT,
    Dispatch,
    by_person,
    needs_message,
    reference_for,
    reminded_recently,
    stage_of,
    stale_on,
)
from chalicelib.frameworks import load_catalogue
from tests.unit.builders import at, latest, stamp


def ldd_framework():
    return next(f for f in load_catalogue().values() if f.current)

TODAY = date(2026, 3, 15)


def summary(submitted_at, owner="Owner@Testshire.example", retired=False) -> ServiceSummary:
    base = ServiceSummary("testshire", "svc-1", "Parking", "Environment", owner, latest=latest(submitted_at=submitted_at))
    return replace(base, retired=retired)


def test_an_assessment_eleven_months_old_is_in_its_30_day_window():
    found = by_person([summary(at(2025, 4, 10))], ldd_framework().lock_in, TODAY, (30,))
    [item] = found["owner@testshire.example"]
    assert item.kind == ASSESSMENT_DUE and item.due_on == date(2026, 4, 11) and item.stage == 30


def test_nothing_before_the_window_and_nothing_for_a_retired_service():
    policy = ldd_framework().lock_in
    assert by_person([summary(at(2025, 12, 1))], policy, TODAY, (30,)) == {}
    assert by_person([summary(at(2025, 4, 10), retired=True)], policy, TODAY, (30,)) == {}


def test_stages_and_staleness_dates():
    assert stale_on(at(2025, 3, 15)) == date(2026, 3, 16)
    assert stage_of(TODAY + timedelta(days=31), TODAY, (30, 7)) is None
    assert stage_of(TODAY + timedelta(days=20), TODAY, (30, 7)) == 30
    assert stage_of(TODAY + timedelta(days=7), TODAY, (30, 7)) == 7
    assert stage_of(TODAY - timedelta(days=3), TODAY, (30, 7)) == 0


def test_an_item_sent_recently_needs_no_second_message():
    [item] = by_person([summary(at(2025, 4, 10))], ldd_framework().lock_in, TODAY, (30,))["owner@testshire.example"]
    sent = Dispatch("testshire", TODAY, "reminder", "owner@testshire.example", "r", SENT, (item.key,), 1, stamp())
    assert not needs_message([item], reminded_recently([sent], "owner@testshire.example"))
    assert needs_message([item], reminded_recently([replace(sent, status="failed")], "owner@testshire.example"))


def test_the_reference_is_stable_and_holds_no_email():
    ref = reference_for("testshire", TODAY, "reminder", "owner@testshire.example")
    assert ref == reference_for("testshire", TODAY, "reminder", "owner@testshire.example")
    assert "owner" not in ref and ref.startswith("ldd-testshire-reminder-2026-03-15-")
