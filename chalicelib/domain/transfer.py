"""Moving an organisation's records from one store to another (make export / make import): which
of them may be written over what the target already holds.

A record carries the time it last changed when it can change (`updated.at`; a monthly snapshot's
`taken_at`); the others (assessments, audit records, deliveries, claims) never change once
written. Derived records (a service's summary, an integration's route, a roll-up) follow the
records they are derived from: they are written whenever those may be."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.clock import parse_instant

NEW, SAME, OLDER, NEWER, DIFFERENT = "new", "same", "older", "newer", "different"


@dataclass(frozen=True)
class Verdict:
    outcome: str  # NEW, SAME, OLDER (the target's copy is older: replaced), NEWER, DIFFERENT

    @property
    def write(self) -> bool:
        return self.outcome in (NEW, OLDER)

    @property
    def refused(self) -> bool:
        return self.outcome in (NEWER, DIFFERENT)


def verdict(incoming: dict[str, Any], stored: dict[str, Any] | None, derived: bool) -> Verdict:
    """What to do with a record from the file, given the target's copy of it (plain data)."""
    if stored is None:
        return Verdict(NEW)
    if stored == incoming:
        return Verdict(SAME)
    if derived:
        return Verdict(OLDER)
    incoming_at, stored_at = changed_at(incoming), changed_at(stored)
    if incoming_at is None or stored_at is None:
        return Verdict(DIFFERENT)  # a record that never changes, holding something else there
    return Verdict(OLDER if stored_at < incoming_at else NEWER)


def changed_at(record: dict[str, Any]) -> datetime | None:
    updated = record.get("updated")
    if isinstance(updated, dict) and isinstance(updated.get("at"), str):
        return parse_instant(updated["at"])
    if isinstance(record.get("taken_at"), str):
        return parse_instant(record["taken_at"])
    return None
