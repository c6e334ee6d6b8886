"""The organisation scorecard's headline read from its roll-up (domain/rollup.py), as of the day
it is read: the same figures domain/scorecards.org_scorecard computes from every summary."""

from datetime import date
from fractions import Fraction

from chalicelib.domain.catalogue import Framework
from chalicelib.domain.clock import add_months, parse_instant
from chalicelib.domain.lockin import concentration_flags
from chalicelib.domain.model import DeclarationProject, Organisation
from chalicelib.domain.plain import from_plain, to_plain
from chalicelib.domain.rollup import BUILT, CONTRACT, DEPT, ORG, PROJECT, RISK, SNAPSHOT, SUPP, TOTALS
from chalicelib.domain.scorecards import (
    RISKS,
    TOP_SUPPLIERS,
    DepartmentLine,
    ExpiringContract,
    MonthlySnapshot,
    OrgScorecard,
    SupplierLine,
)


def org_item(org: Organisation) -> dict:
    return {"org": to_plain(org)}


def org_of(items: dict[str, dict]) -> Organisation | None:
    data = items.get(ORG)
    return from_plain(Organisation, data["org"]) if data else None


def is_built(items: dict[str, dict]) -> bool:
    """Whether the roll-up holds every service (rollup.BUILT)."""
    return bool(items.get(TOTALS, {}).get(BUILT))


def project_item(project: DeclarationProject) -> dict:
    return {"project": to_plain(project)}


def projects_of(items: dict[str, dict]) -> list[DeclarationProject]:
    """By project_id, as Store.list_projects."""
    return [from_plain(DeclarationProject, data["project"]) for name, data in sorted(items.items()) if name.startswith(PROJECT)]


def snapshot_item(snapshot: MonthlySnapshot) -> dict:
    """The snapshot itself as plain data (its `taken_at` is what an import compares)."""
    return to_plain(snapshot)


def snapshots_of(items: dict[str, dict]) -> list[MonthlySnapshot]:
    """Oldest first."""
    return [from_plain(MonthlySnapshot, data) for name, data in sorted(items.items()) if name.startswith(SNAPSHOT)]


def headline(org_id: str, items: dict[str, dict], framework: Framework, today: date) -> OrgScorecard:
    """The scorecard without its services table (services=()), from the roll-up items read by
    rollup.read_ranges(today)."""
    totals = items.get(TOTALS, {})
    assessed = totals.get("assessed", 0)
    principle_sums = totals.get("principles", {})
    principles = []
    for p in framework.principles:
        total, n = principle_sums.get(p.principle_id, ["0", 0])
        principles.append((p.principle_id, Fraction(total) / n if n else None))
    levels = {lv.name: 0 for lv in framework.levels}
    for name, n in totals.get("levels", {}).items():
        levels[name] = levels.get(name, 0) + n

    departments = []
    for name, item in items.items():
        if name.startswith(DEPT):
            for department, (services, scored, total) in item.get("departments", {}).items():
                departments.append(DepartmentLine(department, services, scored, Fraction(total) / scored if scored else None))
    departments.sort(key=lambda d: d.department)

    by_risk = {risk: 0 for risk in RISKS}
    for risk, n in totals.get("risk_base", {}).items():
        by_risk[risk] += n
    for name, item in items.items():
        if name.startswith(RISK) and name[len(RISK):] <= f"{today:%Y-%m}":
            for day, deltas in item.get("days", {}).items():
                if date.fromisoformat(day) <= today:
                    for risk, n in deltas.items():
                        by_risk[risk] += n

    suppliers = {}
    for name, item in items.items():
        if name.startswith(SUPP):
            suppliers.update(item.get("suppliers", {}))
    names = {key: _shown_as(line) for key, line in suppliers.items()}
    services_total = totals.get("services", 0)
    flags = concentration_flags(
        {key: line.get("services", 0) for key, line in suppliers.items()}, services_total, names, framework.lock_in
    )
    lines = [SupplierLine(names[k], line.get("services", 0), line.get("components", 0)) for k, line in suppliers.items()]
    lines.sort(key=lambda line: (-line.services, -line.components, line.supplier.casefold()))

    horizon = add_months(today, framework.lock_in.expiry_window_months)
    expiring = []
    for name, item in items.items():
        if name.startswith(CONTRACT):
            for ref, (end, supplier, exit_plan) in item.get("contracts", {}).items():
                end = date.fromisoformat(end)
                if today <= end <= horizon:
                    service_id, component_id = ref.split("/", 1)
                    expiring.append(ExpiringContract(service_id, component_id, supplier, end, exit_plan))
    expiring.sort(key=lambda r: (r.end, r.service_id, r.component_id))

    projects = projects_of(items)
    return OrgScorecard(
        org_id=org_id,
        services=(),
        average_score=Fraction(totals.get("overall", "0")) / assessed if assessed else None,
        principles=tuple(principles),
        levels=levels,
        departments=tuple(departments),
        by_risk=by_risk,
        flags=tuple(flags),
        top_suppliers=tuple(lines[:TOP_SUPPLIERS]),
        expiring_contracts=tuple(expiring),
        projects={
            "total": len(projects),
            "done": sum(1 for p in projects if p.status == "done"),
            "overdue": sum(1 for p in projects if p.overdue(today)),
        },
        services_total=services_total,
        services_assessed=assessed,
    )


def _shown_as(line: dict) -> str:
    """The spelling of the supplier's oldest component record (each shard keeps its oldest)."""
    best = None
    for spelling, mins in line.get("spellings", {}).items():
        for instant, service_id, component_id in mins.values():
            order = (parse_instant(instant), service_id, component_id)
            if best is None or order < best[0]:
                best = (order, spelling)
    return best[1] if best else ""
