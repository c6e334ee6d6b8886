"""The reminders' records (Notify settings, the day's messages) behave alike in every store."""

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.domain.errors import AlreadyExists, StaleWrite
from chalicelib.domain.reminders import CLAIMED, SENT, Dispatch, NotificationSettings
from tests.contract.test_store_contract import ORG, note, org
from tests.unit.builders import stamp


def settings(**changes) -> NotificationSettings:
    base = NotificationSettings(ORG, "local1:sealed", "tracker", "26785a09-ab16-4eb0-8407-a37497a57506", "f33517ff-2a88-4f6e-b855-c550268ce08a", (30, 7), stamp())
    return replace(base, **changes)


def dispatch(day=date(2026, 3, 15), recipient="owner@testshire.example", **changes) -> Dispatch:
    base = Dispatch(ORG, day, "reminder", recipient, f"ref-{day}-{recipient}", CLAIMED, ("a:1",), 1, stamp())
    return replace(base, **changes)


def test_settings_are_created_once_then_replaced_over_what_was_read(store):
    store.save_org(org(), None, note())
    assert store.get_notification_settings(ORG) is None
    first = settings()
    store.put_notification_settings(first, None, note())
    assert store.get_notification_settings(ORG) == first
    with pytest.raises(AlreadyExists):
        store.put_notification_settings(settings(lead_days=(14,)), None, note())
    second = settings(lead_days=(14,))
    store.put_notification_settings(second, first, note())
    with pytest.raises(StaleWrite):
        store.put_notification_settings(settings(lead_days=(1,)), first, note())
    assert store.get_notification_settings(ORG) == second


def test_a_message_is_claimed_once_and_moves_on_only_from_the_version_read(store):
    claimed = dispatch()
    store.put_dispatch(claimed, None)
    with pytest.raises(AlreadyExists):
        store.put_dispatch(dispatch(), None)
    sent = replace(claimed, status=SENT, notify_id="n-1")
    store.put_dispatch(sent, claimed)
    with pytest.raises(StaleWrite):
        store.put_dispatch(replace(claimed, status="failed"), claimed)
    assert store.list_dispatches(ORG, date(2026, 3, 15), date(2026, 3, 15)) == [sent]


def test_messages_are_listed_by_day_within_the_range_only(store):
    days = [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 14), date(2026, 3, 15), date(2026, 3, 16)]
    for day in days:
        store.put_dispatch(dispatch(day), None)
    store.put_dispatch(dispatch(date(2026, 3, 15), "a@testshire.example"), None)
    store.put_dispatch(replace(dispatch(date(2026, 3, 15)), org_id="elsewhere"), None)
    found = store.list_dispatches(ORG, date(2026, 3, 8), date(2026, 3, 15))
    assert [(d.day, d.recipient) for d in found] == [
        (date(2026, 3, 8), "owner@testshire.example"),
        (date(2026, 3, 14), "owner@testshire.example"),
        (date(2026, 3, 15), "a@testshire.example"),
        (date(2026, 3, 15), "owner@testshire.example"),
    ]
