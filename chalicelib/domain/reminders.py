"""Reminders to service owners: what each owner should be reminded of today, and the record of
each message sent. Pure functions of the service summaries, the lock-in policy and today's date.

An item (an assessment going out of date, evidence expiring, a contract ending without an exit
plan) is in its reminder window from `lead_days` before it falls due. Its *stage* is the smallest
lead time it has reached (0 once it is due or past), and each stage is reminded once a week at
most: the message of a day lists every item of the person, and is sent when one of them reached
a stage not reminded in the last REMIND_AGAIN_DAYS days."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain.catalogue import LockInPolicy
from chalicelib.domain.clock import add_months, london_date
from chalicelib.domain.model import ServiceSummary, Stamp
from chalicelib.domain.scorecards import STALE_AFTER_MONTHS

DEFAULT_LEAD_DAYS = (30,)
REMIND_AGAIN_DAYS = 7
# A claim older than this was left by a run that stopped between claiming and recording: a
# run still going has long finished (a Lambda function runs for 15 minutes at most).
ABANDONED_AFTER = timedelta(minutes=15)

ASSESSMENT_DUE = "assessment_due"
EVIDENCE_EXPIRING = "evidence_expiring"
CONTRACT_ENDING = "contract_ending"

CLAIMED, SENT, FAILED = "claimed", "sent", "failed"
# Messages sent are kept long enough to answer "did they hear about it?", then expire (TTL).
DISPATCH_KEEP_DAYS = 90


class NotifyFailed(Exception):
    """GOV.UK Notify refused or could not take a message. The message is safe to log: it holds
    Notify's status code and error text, never the API key."""


@dataclass(frozen=True)
class ReminderItem:
    kind: str
    service_id: str
    service_name: str
    due_on: date
    stage: int  # the smallest lead time (in days) reached; 0 once due
    subject: str  # the assessment, or the component, it is about

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.service_id}:{self.subject}:{self.due_on.isoformat()}:{self.stage}"

    def text(self, today: date) -> str:
        when = _when(self.due_on, today)
        if self.kind == ASSESSMENT_DUE:
            return f"{self.service_name}: the self-assessment goes out of date {when}; reassess it."
        if self.kind == EVIDENCE_EXPIRING:
            return f"{self.service_name}: evidence cited in the self-assessment expires {when}; update it."
        return (
            f"{self.service_name}: the contract for {self.subject} ends {when} and there is no exit plan; "
            "record one."
        )


@dataclass(frozen=True)
class Dispatch:
    """One message to one person on one day: claimed before it is sent, then sent or failed.
    `reference` is the same for every attempt of the day, and is given to Notify, so a message
    whose claim was left behind by a crash can be found there before it is sent again."""

    org_id: str
    day: date
    kind: str  # "reminder"
    recipient: str  # the email, case-folded
    reference: str
    status: str  # claimed | sent | failed
    item_keys: tuple[str, ...]
    attempts: int
    claimed: Stamp
    notify_id: str | None = None
    error: str | None = None


def stale_on(submitted_at: datetime) -> date:
    """The first day an assessment is out of date by its age (scorecards.is_stale)."""
    return add_months(london_date(submitted_at), STALE_AFTER_MONTHS) + timedelta(days=1)


def stage_of(due_on: date, today: date, lead_days: tuple[int, ...]) -> int | None:
    """The smallest lead time reached by `today` (0 once due or past); None before the window."""
    left = (due_on - today).days
    if left <= 0:
        return 0
    reached = [lead for lead in lead_days if left <= lead]
    return min(reached) if reached else None


def items_of(summary: ServiceSummary, policy: LockInPolicy, today: date, lead_days: tuple[int, ...]) -> list[ReminderItem]:
    """What the service's owner should hear about today. Retired services have none."""
    if summary.retired:
        return []
    found = []

    def add(kind: str, due_on: date, subject: str, stage: int | None) -> None:
        if stage is not None:
            found.append(ReminderItem(kind, summary.service_id, summary.name, due_on, stage, subject))

    latest = summary.latest
    if latest is not None:
        due = stale_on(latest.submitted_at)
        add(ASSESSMENT_DUE, due, latest.assessment_id, stage_of(due, today, lead_days))
        if latest.evidence_expires_on is not None:
            due = latest.evidence_expires_on + timedelta(days=1)  # stale the day after valid_until
            add(EVIDENCE_EXPIRING, due, latest.assessment_id, stage_of(due, today, lead_days))
    horizon = add_months(today, policy.expiry_window_months)
    for component_id in sorted(summary.components):
        spec = summary.components[component_id].spec
        if spec.contract is None or spec.exit_plan.exists or not today <= spec.contract.end <= horizon:
            continue  # the rule of EXPIRY_WITHOUT_EXIT_PLAN (lockin.component_flags)
        # Within the procurement window: reminded when it is entered, then at the lead times.
        stage = stage_of(spec.contract.end, today, lead_days)
        add(CONTRACT_ENDING, spec.contract.end, component_id, stage if stage is not None else policy.expiry_window_months * 31)
    return found


def by_person(
    summaries: list[ServiceSummary], policy: LockInPolicy, today: date, lead_days: tuple[int, ...]
) -> dict[str, list[ReminderItem]]:
    """Each owner's items (by case-folded email), soonest first."""
    people: dict[str, list[ReminderItem]] = {}
    for summary in summaries:
        items = items_of(summary, policy, today, lead_days)
        if items:
            people.setdefault(summary.owner_email.casefold(), []).extend(items)
    return {p: sorted(items, key=lambda i: (i.due_on, i.service_name, i.key)) for p, items in sorted(people.items())}


def reminded_recently(history: list[Dispatch], recipient: str) -> set[str]:
    """The item keys sent to `recipient` in `history` (the last REMIND_AGAIN_DAYS days)."""
    return {key for d in history if d.recipient == recipient and d.status == SENT for key in d.item_keys}


def needs_message(items: list[ReminderItem], reminded: set[str]) -> bool:
    return any(item.key not in reminded for item in items)


def reference_for(org_id: str, day: date, kind: str, recipient: str) -> str:
    """Notify's `reference` for the day's message: stable across attempts, and no email in it."""
    person = hashlib.sha256(recipient.encode("utf-8")).hexdigest()[:16]
    return f"ldd-{org_id}-{kind}-{day.isoformat()}-{person}"


def personalisation(org_name: str, items: list[ReminderItem], today: date, link: str | None) -> dict:
    """For the reminder template: ((items)) is a list, which Notify shows as bullets."""
    return {
        "organisation": org_name,
        "count": str(len(items)),
        "items": [item.text(today) for item in items],
        "link": link or "",
    }


def _when(due_on: date, today: date) -> str:
    days = (due_on - today).days
    label = f"{due_on.day} {due_on:%B %Y}"
    if days < 0:
        return f"on {label} ({-days} days ago)"
    if days == 0:
        return f"today, {label}"
    return f"on {label}, in {days} days"


@dataclass(frozen=True)
class NotificationSettings:
    """An organisation's GOV.UK Notify set-up. The API key is sealed (secretbox) and never
    shown; its key name and Notify service id (the parts before the secret) may be."""

    org_id: str
    api_key: str | None  # sealed
    key_name: str | None
    notify_service_id: str | None
    reminder_template_id: str | None
    lead_days: tuple[int, ...]
    updated: Stamp
