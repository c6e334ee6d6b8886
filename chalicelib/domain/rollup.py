"""The organisation's roll-up: the scorecard's headline figures kept as sums, updated on every
write by (the service's contribution after) - (its contribution before).

A roll-up is a set of small items, each a plain dict under a name that is also its sort key in
the roll-up's own partition (names sort so that one key range reads what a headline needs):

- `0#SNAP#<YYYY-MM>`: the month's snapshot of the headline (the trend), kept here so that the
  dashboard reads its trend in the same key range as the headline. Not derived: history.
- `1#ORG`: the organisation record (plain data), copied by every save of the organisation;
  `1#PROJECT#<id>`: each declaration project, copied by every save of it.
- `2#TOTALS`: services, assessed, the sum of overall scores and of each principle's scores (exact
  fractions as "n/d"), counts by level, and the services by lock-in risk *before* any dated change.
- `3#DEPT#<h>`: departments (services, assessed, sum of overall scores), sharded by name.
- `4#SUPP#<h>`: suppliers by case-folded name (services, components, and per spelling the oldest
  component record of each spelling shard, for "shown as first entered"), sharded by name.
- `5#RISK#<YYYY-MM>`: dated changes of services' lock-in risk, by day ({risk: +n/-n}): risk rules
  that depend on today (an exit plan going stale, a contract entering the expiry window, ending)
  change a service's risk on days known when its components are written.
- `6#CONTRACT#<YYYY-MM>#<h>`: component contracts ending in that month, sharded by service.
- `7#SPELL#<h>`: for each supplier and spelling, the oldest component record of each service in
  shard h: what `4#SUPP` keeps the minimum of, so a removal finds the next oldest.

Every list grows with the organisation, so each is sharded; no item holds more than a shard's
share of departments, suppliers, contracts or services (docs/data-model.md gives the sizes)."""

import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from chalicelib.domain.catalogue import Framework
from chalicelib.domain.clock import add_months, iso_instant, parse_instant
from chalicelib.domain.lockin import service_lock_in
from chalicelib.domain.model import ServiceSummary

SNAPSHOT = "0#SNAP#"
ORG = "1#ORG"
PROJECT = "1#PROJECT#"
TOTALS = "2#TOTALS"
DEPT = "3#DEPT#"
SUPP = "4#SUPP#"
RISK = "5#RISK#"
CONTRACT = "6#CONTRACT#"
SPELL = "7#SPELL#"

# In the totals from the organisation's creation, or from the roll-up's rebuild (make
# repair-rollup): an organisation made before roll-ups existed has none until it is rebuilt,
# and its figures are computed from its summaries until then.
BUILT = "built"
NEW_TOTALS = {BUILT: 1}

DEPT_SHARDS = 8
SUPP_SHARDS = 16
SPELL_SHARDS = 32
CONTRACT_SHARDS = 16


def is_rollup_name(name: str) -> bool:
    """Every roll-up item's name is a digit, "#", then the rest."""
    return len(name) > 1 and name[0].isdigit() and name[1] == "#"


def shard(text: str, shards: int) -> int:
    """A stable shard number (crc32: the same in every process, unlike hash())."""
    # surrogatepass: names stored before text was checked may hold lone surrogates.
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % shards


def supplier_key(name: str) -> str:
    return name.strip().casefold()


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


@dataclass(frozen=True)
class Contribution:
    """What one service adds to its organisation's roll-up (nothing when retired or absent)."""

    service_id: str = ""
    department: str | None = None
    overall: Fraction | None = None  # None: not assessed
    principles: tuple[tuple[str, Fraction], ...] = ()
    level_name: str | None = None
    # supplier key -> (components, {spelling: oldest (instant, component_id)})
    suppliers: dict = field(default_factory=dict)
    base_risk: str | None = None
    risk_changes: tuple[tuple[date, str, str], ...] = ()  # (day, risk before, risk from that day)
    contracts: tuple[tuple[str, date, str, bool], ...] = ()  # (component_id, end, supplier, exit plan)

    def names(self) -> set[str]:
        if self.department is None:
            return set()
        names = {TOTALS, f"{DEPT}{shard(self.department, DEPT_SHARDS)}"}
        for key in self.suppliers:
            names.add(f"{SUPP}{shard(key, SUPP_SHARDS)}")
        if self.suppliers:
            names.add(spell_name(self.service_id))
        names.update(f"{RISK}{month_of(day)}" for day, _, _ in self.risk_changes)
        names.update(contract_name(end, self.service_id) for _, end, _, _ in self.contracts)
        return names


def spell_name(service_id: str) -> str:
    return f"{SPELL}{shard(service_id, SPELL_SHARDS)}"


def contract_name(end: date, service_id: str) -> str:
    return f"{CONTRACT}{month_of(end)}#{shard(service_id, CONTRACT_SHARDS):02d}"


NOTHING = Contribution()


def contribution(summary: ServiceSummary | None, framework: Framework) -> Contribution:
    if summary is None or summary.retired:
        return NOTHING
    latest = summary.latest
    suppliers: dict[str, tuple[int, dict[str, tuple[str, str]]]] = {}
    for cid in sorted(summary.components):
        component = summary.components[cid]
        key = supplier_key(component.spec.supplier)
        count, spellings = suppliers.get(key, (0, {}))
        entry = (iso_instant(component.created.at), cid)
        spelling = component.spec.supplier.strip()
        if spelling not in spellings or _entry_order(entry, summary.service_id) < _entry_order(spellings[spelling], summary.service_id):
            spellings[spelling] = entry
        suppliers[key] = (count + 1, spellings)
    base, changes = risk_timeline(summary, framework)
    return Contribution(
        service_id=summary.service_id,
        department=summary.department,
        overall=latest.score.overall if latest else None,
        principles=tuple((p.principle_id, p.score) for p in latest.score.principles if p.score is not None) if latest else (),
        level_name=latest.score.level_name if latest else None,
        suppliers=suppliers,
        base_risk=base,
        risk_changes=changes,
        contracts=tuple(
            (cid, c.spec.contract.end, c.spec.supplier, c.spec.exit_plan.exists)
            for cid, c in sorted(summary.components.items())
            if c.spec.contract is not None
        ),
    )


def _entry_order(entry, service_id: str) -> tuple:
    """Entries compare as the reference does: the record's instant, then service, then component."""
    instant, cid = entry
    return (parse_instant(instant), service_id, cid)


def risk_timeline(summary: ServiceSummary, framework: Framework) -> tuple[str, tuple[tuple[date, str, str], ...]]:
    """The service's lock-in risk as a function of the day it is read: its risk before the first
    day any dated rule switches, and each later day it changes. The days are found from each
    rule's own condition (lockin.component_flags), so they are exactly where it switches."""
    policy, open_formats = framework.lock_in, framework.open_format_ids()
    specs = summary.component_specs()
    days: set[date] = set()
    for spec in specs.values():
        if spec.exit_plan.exists and spec.exit_plan.last_reviewed is not None:
            reviewed = spec.exit_plan.last_reviewed
            days.add(_first_day(add_months(reviewed, policy.exit_plan_review_months), lambda t: reviewed < add_months(t, -policy.exit_plan_review_months)))
        if not spec.exit_plan.exists and spec.contract is not None:
            end = spec.contract.end
            days.add(_first_day(add_months(end, -policy.expiry_window_months), lambda t: end <= add_months(t, policy.expiry_window_months)))
            days.add(end + timedelta(days=1))
    ordered = sorted(days)
    probe = ordered[0] - timedelta(days=1) if ordered else date(2000, 1, 1)
    risk = service_lock_in(specs, policy, open_formats, probe).risk
    base, changes = risk, []
    for day in ordered:
        now = service_lock_in(specs, policy, open_formats, day).risk
        if now != risk:
            changes.append((day, risk, now))
            risk = now
    return base, tuple(changes)


def _first_day(near: date, holds) -> date:
    """The first day a monotone condition (false, then true for ever) holds, searched near `near`."""
    day = near - timedelta(days=4)
    while holds(day):
        day -= timedelta(days=4)
    while not holds(day):
        day += timedelta(days=1)
    return day


# Applying a change --------------------------------------------------------------------------------


def changed_names(before: Contribution, after: Contribution) -> set[str]:
    return before.names() | after.names()


def apply(items: dict[str, dict], before: Contribution, after: Contribution) -> dict[str, dict]:
    """The roll-up items `changed_names(before, after)` names, as they are after replacing the
    service's `before` with its `after` (an item missing from `items` counts as empty). An item
    that ends up empty is returned as {} (the store deletes it)."""
    names = changed_names(before, after)
    out = {name: _copy(items.get(name) or {}) for name in names}
    _add(out, before, -1)
    _add(out, after, +1)
    touched = {(k, s) for c in (before, after) for k, (_, spellings) in c.suppliers.items() for s in spellings}
    for service_id in {before.service_id, after.service_id} - {""}:
        spell = out.get(spell_name(service_id))
        if spell is None:
            continue
        h = str(shard(service_id, SPELL_SHARDS))
        for key, spelling in touched:
            entries = spell.get("entries", {}).get(key, {}).get(spelling, {})
            oldest = min(
                ((inst, sid, cid) for sid, (inst, cid) in entries.items()), key=lambda e: _entry_order((e[0], e[2]), e[1]), default=None
            )
            supp = out[f"{SUPP}{shard(key, SUPP_SHARDS)}"].setdefault("suppliers", {})
            line = supp.get(key)
            if line is None:
                continue
            mins = line.setdefault("spellings", {}).setdefault(spelling, {})
            if oldest is None:
                mins.pop(h, None)
            else:
                mins[h] = list(oldest)
    return {name: _normalised(data) for name, data in out.items()}


def _add(out: dict[str, dict], c: Contribution, sign: int) -> None:
    if c.department is None:
        return
    totals = out[TOTALS]
    _count(totals, "services", sign)
    dept_line = out[f"{DEPT}{shard(c.department, DEPT_SHARDS)}"].setdefault("departments", {}).setdefault(c.department, [0, 0, "0"])
    dept_line[0] += sign
    if c.overall is not None:
        _count(totals, "assessed", sign)
        totals["overall"] = str(Fraction(totals.get("overall", "0")) + sign * c.overall)
        principles = totals.setdefault("principles", {})
        for pid, score in c.principles:
            total, n = principles.get(pid, ["0", 0])
            principles[pid] = [str(Fraction(total) + sign * score), n + sign]
        _count(totals.setdefault("levels", {}), c.level_name, sign)
        dept_line[1] += sign
        dept_line[2] = str(Fraction(dept_line[2]) + sign * c.overall)
    _count(totals.setdefault("risk_base", {}), c.base_risk, sign)
    for day, was, now in c.risk_changes:
        deltas = out[f"{RISK}{month_of(day)}"].setdefault("days", {}).setdefault(day.isoformat(), {})
        _count(deltas, was, -sign)
        _count(deltas, now, sign)
    for key, (components, spellings) in c.suppliers.items():
        line = out[f"{SUPP}{shard(key, SUPP_SHARDS)}"].setdefault("suppliers", {}).setdefault(key, {})
        _count(line, "services", sign)
        _count(line, "components", sign * components)
        spell = out[spell_name(c.service_id)].setdefault("entries", {}).setdefault(key, {})
        for spelling, entry in spellings.items():
            mine = spell.setdefault(spelling, {})
            if sign > 0:
                mine[c.service_id] = list(entry)
            else:
                mine.pop(c.service_id, None)
    for cid, end, supplier, exit_plan in c.contracts:
        bucket = out[contract_name(end, c.service_id)].setdefault("contracts", {})
        if sign > 0:
            bucket[f"{c.service_id}/{cid}"] = [end.isoformat(), supplier, exit_plan]
        else:
            bucket.pop(f"{c.service_id}/{cid}", None)


def _count(counts: dict, key, delta: int) -> None:
    counts[key] = counts.get(key, 0) + delta


def _copy(data):
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


def _normalised(data):
    """Zero counts, zero sums and empty maps left out, so that equal roll-ups are equal items."""
    if isinstance(data, dict):
        kept = {}
        for k, v in data.items():
            v = _normalised(v)
            if v in (0, {}, "0") or (isinstance(v, list) and len(v) == 2 and v[1] == 0 and Fraction(v[0]) == 0):
                continue
            if isinstance(v, list) and len(v) == 3 and v[0] == 0 and v[1] == 0:
                continue  # a department with no services
            kept[k] = v
        return kept
    return data


def rebuild(summaries: list[ServiceSummary], framework: Framework) -> dict[str, dict]:
    """The roll-up's service items recomputed from every summary (the repair command)."""
    items: dict[str, dict] = {TOTALS: dict(NEW_TOTALS)}
    for summary in summaries:
        c = contribution(summary, framework)
        items.update(apply(items, NOTHING, c))
    return {name: data for name, data in items.items() if data or name == TOTALS}


def read_ranges(today: date, framework: Framework, trend_from: str | None = None) -> tuple[tuple[str, str], tuple[str, str]]:
    """The two key ranges a headline reads: everything but the contracts and the spellings (and
    the snapshots from month `trend_from`, when given), and the contracts ending from this month
    to the last month of the expiry window."""
    horizon = add_months(today, framework.lock_in.expiry_window_months)
    first = SNAPSHOT + trend_from if trend_from is not None else ORG
    return (first, RISK + "~"), (f"{CONTRACT}{month_of(today)}#", f"{CONTRACT}{month_of(horizon)}#~")


def snapshot_range(first_month: str, last_month: str) -> tuple[str, str]:
    return SNAPSHOT + first_month, SNAPSHOT + last_month
