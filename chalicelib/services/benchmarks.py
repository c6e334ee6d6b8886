"""Benchmark sets (platform admins import them), KPI values (councils record them) and where a
council's values stand against its peers (API.md, "Benchmarks, KPIs and declaration projects";
the rules are in chalicelib/domain/benchmarks/, explained in docs/benchmarks.md)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from chalicelib.benchmarks import load_benchmark_sets
from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.benchmarks.model import (
    PLATFORM_ORG,
    BenchmarkResult,
    BenchmarkSet,
    BenchmarkSetListing,
    KpiRecord,
    StoredBenchmarkSet,
)
from chalicelib.domain.benchmarks.rules import benchmark, check_kpi_values, parse_period, position
from chalicelib.domain.benchmarks.shape import SET_ID, benchmark_set_from_dict
from chalicelib.domain.etags import benchmark_set_etag, kpi_etag
from chalicelib.domain.errors import BadRequest, Conflict, Invalid, NotFound
from chalicelib.domain.model import Organisation, Stamp
from chalicelib.domain.preconditions import NONE, Preconditions
from chalicelib.services.context import Context, with_retries


@dataclass(frozen=True)
class SetView:
    bset: BenchmarkSet
    built_in: bool  # shipped with the tracker (chalicelib/benchmarks), not imported
    updated: Stamp | None = None


@dataclass(frozen=True)
class Position:
    result: BenchmarkResult
    period: str
    note: str | None


class BenchmarkService:
    def __init__(self, ctx: Context, shipped: dict[str, BenchmarkSet] | None = None):
        self._ctx = ctx
        self._shipped = load_benchmark_sets() if shipped is None else shipped

    # --- sets ------------------------------------------------------------------------------------

    def put_set(
        self, principal: Principal, set_id: str, data: Mapping, preconditions: Preconditions = NONE
    ) -> tuple[SetView, bool]:
        """Create or replace an imported set; returns it and whether this request created it."""
        access.require_platform_admin(principal)
        if set_id in self._shipped:
            raise Conflict(f"{set_id!r} is a benchmark set shipped with the tracker; it cannot be replaced. "
                           "Import yours under another set_id.")
        if "set_id" in data and data["set_id"] != set_id:
            raise Invalid("The body's set_id differs from the path's.", {"set_id": ["must be the path's set_id, or left out"]})
        bset = benchmark_set_from_dict({**data, "set_id": set_id})

        def attempt():
            existing = self._ctx.store.get_benchmark_set(set_id)
            preconditions.check(benchmark_set_etag(existing.bset) if existing else None, f"Benchmark set {set_id!r}")
            stamp = self._ctx.stamp(principal.actor)
            stored = StoredBenchmarkSet(bset, existing.created if existing else stamp, stamp)
            action = "benchmark_set.created" if existing is None else "benchmark_set.replaced"
            audit = self._ctx.audit(PLATFORM_ORG, stamp, action, f"benchmarks/{set_id}")
            self._ctx.store.save_benchmark_set(stored, existing, audit)
            return SetView(bset, False, stamp), existing is None

        return with_retries(attempt, preconditions.conditional, f"Benchmark set {set_id!r}")

    def list_sets(self, principal: Principal) -> list[SetView]:
        """Any signed-in user: the shipped sets, then the imported ones by set_id."""
        shipped = [SetView(b, True) for b in self._shipped.values()]
        return shipped + [SetView(s.bset, False, s.updated) for s in self._imported()]

    def get_set(self, principal: Principal, set_id: str) -> SetView:
        return self._view(set_id)

    def find_set(self, set_id: str) -> BenchmarkSet:
        return self._view(set_id).bset

    def _view(self, set_id: str) -> SetView:
        """A shipped set without a request; an imported one with a GetItem."""
        if set_id in self._shipped:
            return SetView(self._shipped[set_id], True)
        stored = self._ctx.store.get_benchmark_set(set_id)
        if stored is None:
            raise NotFound(f"Benchmark set {set_id!r} does not exist.")
        return SetView(stored.bset, False, stored.updated)

    def known_sets(self) -> list[BenchmarkSet]:
        """Every set KPI values are checked against: shipped and imported (one Query)."""
        return [*self._shipped.values(), *(s.bset for s in self._imported())]

    def _imported(self) -> list[BenchmarkSetListing]:
        """The stored sets a shipped one does not shadow (one Query)."""
        return [s for s in self._ctx.store.list_benchmark_sets() if s.set_id not in self._shipped]

    # --- KPI values ------------------------------------------------------------------------------

    def put_org_kpis(
        self, principal: Principal, org_id: str, period_text: str, values: Mapping, preconditions: Preconditions = NONE
    ) -> KpiRecord:
        access.require_admin(principal, org_id)
        return self._record(principal, org_id, None, period_text, values, preconditions)

    def put_service_kpis(
        self,
        principal: Principal,
        org_id: str,
        service_id: str,
        period_text: str,
        values: Mapping,
        preconditions: Preconditions = NONE,
    ) -> KpiRecord:
        access.require_org_member_who_may_edit(principal, org_id)
        service = self._ctx.store.get_service(org_id, service_id)
        if service is None:
            raise NotFound(f"Service {service_id!r} was not found in organisation {org_id!r}.")
        access.require_service_editor(principal, org_id, service.owner_email)
        return self._record(principal, org_id, service_id, period_text, values, preconditions)

    def get_kpis(self, principal: Principal, org_id: str, service_id: str | None, period_text: str) -> KpiRecord:
        access.require_org_reader(principal, org_id)
        period = parse_period(period_text)
        record = self._ctx.store.get_kpi_values(org_id, service_id, period.sortable)
        if record is None:
            where = f"service {service_id!r}" if service_id else f"organisation {org_id!r}"
            raise NotFound(f"No KPI values are recorded for {period} on {where}.")
        return record

    def list_org_kpis(self, principal: Principal, org_id: str) -> list[KpiRecord]:
        access.require_org_reader(principal, org_id)
        records = self._ctx.store.list_kpi_values(org_id)
        if not records:
            self._ctx.org_or_404(org_id)
        return sorted(records, key=_span)

    def _record(
        self,
        principal: Principal,
        org_id: str,
        service_id: str | None,
        period_text: str,
        values: Mapping,
        preconditions: Preconditions,
    ) -> KpiRecord:
        period = parse_period(period_text)
        level = "org" if service_id is None else "service"
        check_known_values(self.known_sets(), values, level)
        target = f"kpis/{period}" if service_id is None else f"services/{service_id}/kpis/{period}"

        def attempt():
            # Only a conditional request reads what is recorded (one GetItem more).
            existing = None
            if preconditions.conditional:
                existing = self._ctx.store.get_kpi_values(org_id, service_id, period.sortable)
                preconditions.check(kpi_etag(existing) if existing else None, f"The KPI values for {period}")
            stamp = self._ctx.stamp(principal.actor)
            record = KpiRecord(org_id, service_id, period.sortable, dict(values), stamp)
            audit = self._ctx.audit(org_id, stamp, f"{level}.kpis.recorded", target)
            self._ctx.store.put_kpi_values(record, audit, existing, preconditions.conditional)
            return record

        return with_retries(attempt, preconditions.conditional, f"The KPI values for {period}")

    # --- positions -------------------------------------------------------------------------------

    def position(self, principal: Principal, org_id: str, service_id: str | None, set_text, period_text) -> Position:
        """Admins and leadership. Reads: the organisation (its peer group), the service when one
        is named, the set unless it is shipped, and the period's values: a fixed number."""
        access.require_leadership_view(principal, org_id)
        if not set_text:
            raise BadRequest("Name the benchmark set: ?set=<set_id>.", {"set": ["is required"]})
        if not SET_ID.fullmatch(set_text):
            raise BadRequest(f"{set_text!r} is not a set_id.", {"set": [f"must match {SET_ID.pattern}"]})
        if not period_text:
            raise BadRequest("Name the period: ?period=YYYY, YYYY-Qn or YYYY-MM.", {"period": ["is required"]})
        try:
            period = parse_period(period_text)
        except Invalid as invalid:
            raise BadRequest(invalid.detail, invalid.errors) from None
        org = self._ctx.org_or_404(org_id)
        if service_id is not None:
            self._ctx.summary_or_404(org_id, service_id)
        bset = self.find_set(set_text)
        record = self._ctx.store.get_kpi_values(org_id, service_id, period.sortable)
        return position_of(bset, org, record, "org" if service_id is None else "service", period.sortable)

    def latest_org_position(self, org: Organisation, set_id: str) -> tuple[BenchmarkSet, Position | None]:
        """The organisation's most recent KPI period against a set (one Query, and a GetItem
        unless the set is shipped); None when it has recorded no KPI values."""
        bset = self.find_set(set_id)
        records = self._ctx.store.list_kpi_values(org.org_id)
        if not records:
            return bset, None
        latest = max(records, key=lambda r: _span(r)[::-1])  # the latest end, then the shortest
        return bset, position_of(bset, org, latest, "org", latest.period)


def _span(record: KpiRecord) -> tuple[date, date]:
    """The record's period as (start, end): sorting by it interleaves years, quarters and
    months by the calendar."""
    period = parse_period(record.period)
    return period.start, period.end


def position_of(bset: BenchmarkSet, org: Organisation, record: KpiRecord | None, level: str, period: str) -> Position:
    """A period's values (none recorded: every position empty) against the set, for the
    organisation's peer group."""
    values = record.values if record else {}
    group, note = choose_peer_group(bset, org.peer_group)
    if group is None:
        positions = tuple(position(k, values.get(k.kpi_id), None) for k in bset.kpis_at(level))
        return Position(BenchmarkResult(bset.set_id, None, bset.illustrative, positions), period, note)
    return Position(benchmark(bset, values, level, group), period, note)


def choose_peer_group(bset: BenchmarkSet, org_group: str | None) -> tuple[str | None, str | None]:
    """The set's peer group to compare with, and a note when it is not simply the organisation's."""
    groups = list(bset.peer_groups)
    if org_group is not None and org_group in bset.peer_groups:
        return org_group, None
    if len(groups) == 1:
        theirs = f"the organisation's peer group is {org_group!r}" if org_group else "the organisation has no peer group"
        return groups[0], f"Compared with the set's only peer group, {groups[0]!r} ({theirs})."
    if not groups:
        return None, "This set has no peer group figures: no quartiles."
    if org_group is None:
        return None, ("The organisation has no peer group, and this set has several "
                      f"({', '.join(groups)}): set the organisation's peer_group to compare. No quartiles.")
    return None, (f"The organisation's peer group, {org_group!r}, is not in this set "
                  f"({', '.join(groups)}). No quartiles.")


def check_known_values(sets: list[BenchmarkSet], values, level: str) -> None:
    """Each value against the sets that define its KPI: accepted when one of them accepts it
    (its unit, level and score range); a KPI no known set defines is refused. Invalid names
    "values.<kpi_id>"."""
    if not isinstance(values, Mapping):
        raise Invalid("The values must be an object of kpi_id: number.", {"values": ["must be an object"]})
    if not values:
        raise Invalid("Give at least one KPI value.", {"values": ["must name at least one KPI"]})
    errors: dict[str, list[str]] = {}
    for kpi_id, value in values.items():
        defining = [s for s in sets if s.kpi(kpi_id) is not None]
        if not defining:
            errors[f"values.{kpi_id}"] = [f"unknown KPI {kpi_id!r}: no known benchmark set defines it"]
            continue
        first_problems = None
        for bset in defining:
            try:
                check_kpi_values(bset, {kpi_id: value}, level)
            except Invalid as invalid:
                first_problems = first_problems or invalid.errors
            else:
                first_problems = None
                break
        if first_problems:
            errors.update(first_problems)
    if errors:
        raise Invalid("Some KPI values are not valid.", errors)
