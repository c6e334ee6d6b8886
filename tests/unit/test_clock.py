"""Calendar arithmetic and today's date in Europe/London."""

from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain.clock import FixedClock, SystemClock, add_months, add_years, london_date

UTC = timezone.utc


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # 29 February clamps to 28 February
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),  # across a year end
        (date(2025, 8, 31), 18, date(2027, 2, 28)),
        (date(2026, 3, 15), 0, date(2026, 3, 15)),
        (date(2026, 3, 15), -1, date(2026, 2, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),  # back across a year end
        (date(2026, 3, 15), -12, date(2025, 3, 15)),
        (date(2026, 3, 15), -13, date(2025, 2, 15)),
        (date(2025, 2, 28), -12, date(2024, 2, 28)),
        (date(2028, 2, 29), -48, date(2024, 2, 29)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2026, 1, 10), 4, date(2030, 1, 10)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2024, 2, 29), -1, date(2023, 2, 28)),
        (date(2026, 12, 31), -2, date(2024, 12, 31)),
    ],
)
def test_add_years(day, years, expected):
    assert add_years(day, years) == expected


@pytest.mark.parametrize(
    ("instant", "today"),
    [
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2026, 7, 1)),  # 00:30 BST on 1 July
        (datetime(2026, 6, 30, 22, 59, 59, tzinfo=UTC), date(2026, 6, 30)),  # 23:59:59 BST
        (datetime(2026, 6, 30, 23, 0, tzinfo=UTC), date(2026, 7, 1)),  # midnight BST
        (datetime(2026, 1, 31, 23, 30, tzinfo=UTC), date(2026, 1, 31)),  # GMT: London is UTC
        (datetime(2026, 2, 1, 0, 0, tzinfo=UTC), date(2026, 2, 1)),
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 28)),  # the night BST begins
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), date(2026, 3, 30)),  # the first BST night
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # last BST night
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # GMT again
    ],
)
def test_fixed_clock_today_is_the_date_in_london(instant, today):
    clock = FixedClock(instant)
    assert clock.now() == instant
    assert clock.today() == today
    assert london_date(instant) == today


def test_an_instant_in_another_offset_is_converted_to_london():
    new_york = timezone(timedelta(hours=-4))
    instant = datetime(2026, 6, 30, 19, 30, tzinfo=new_york)  # 23:30 UTC, 00:30 BST
    assert FixedClock(instant).today() == date(2026, 7, 1)


def test_the_fixed_clock_can_be_moved():
    clock = FixedClock(datetime(2026, 6, 30, 12, 0, tzinfo=UTC))
    clock.instant += timedelta(hours=11)
    assert clock.today() == date(2026, 7, 1)


def test_system_clock_now_is_aware_utc_and_today_is_its_london_date():
    clock = SystemClock()
    now = clock.now()
    assert now.utcoffset() == timedelta(0)
    assert clock.today() in {london_date(now), london_date(clock.now())}
