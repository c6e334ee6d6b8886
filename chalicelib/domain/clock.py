"""The injected clock: UTC instants, and today's date as a council in London sees it."""

from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def iso_instant(instant: datetime) -> str:
    """RFC 3339 in UTC, to the microsecond: how instants are written everywhere."""
    return instant.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return self.now().astimezone(LONDON).date()


@dataclass
class FixedClock:
    """A clock tests (and the demo seeding) can set and move."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return self.instant.astimezone(LONDON).date()


def london_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


def add_months(day: date, months: int) -> date:
    """Calendar months: 31 January + 1 month is 28 (or 29) February; 29 February clamps to 28."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate_day))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)
