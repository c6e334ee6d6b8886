"""Lock-in flags raised from component records. Severities, messages, references and thresholds
are catalogue data (LockInPolicy); the conditions are here. Flags that depend on today's date
are evaluated when read, so callers pass `today`."""

import re
from collections.abc import Iterable
from datetime import date

from chalicelib.domain.catalogue import LockInPolicy
from chalicelib.domain.clock import add_months, add_years
from chalicelib.domain.model import ComponentSpec, Flag, LockIn

_SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3}


def component_flags(
    component_id: str, spec: ComponentSpec, policy: LockInPolicy, open_formats: frozenset[str], today: date
) -> list[Flag]:
    codes = []
    if not (spec.interfaces.open_api and spec.interfaces.api_documented):
        codes.append("NO_OPEN_API")
    if spec.interfaces.api_extra_charge:
        codes.append("API_EXTRA_CHARGE")
    if not spec.data.free_bulk_export:
        codes.append("NO_FREE_BULK_EXPORT")
    if not any(f in open_formats for f in spec.data.export_formats):
        codes.append("PROPRIETARY_DATA_ONLY")
    if not spec.exit_plan.exists:
        codes.append("NO_EXIT_PLAN")
    elif spec.exit_plan.last_reviewed is None or spec.exit_plan.last_reviewed < add_months(
        today, -policy.exit_plan_review_months
    ):
        codes.append("EXIT_PLAN_STALE")
    contract = spec.contract
    if contract is not None:
        if contract.end > add_years(contract.start, policy.long_contract_years):
            codes.append("LONG_CONTRACT")
        if contract.auto_renew:
            codes.append("AUTO_RENEWAL")
        if not spec.exit_plan.exists and today <= contract.end <= add_months(today, policy.expiry_window_months):
            codes.append("EXPIRY_WITHOUT_EXIT_PLAN")
    if spec.customisation == "heavy":
        codes.append("HEAVY_CUSTOMISATION")
    if spec.kind == "bespoke" and spec.source_code != "open":
        codes.append("CLOSED_BESPOKE")
    fields = {
        "supplier": spec.supplier,
        "product": spec.product,
        "component_id": component_id,
        "contract_start": contract.start.isoformat() if contract else "",
        "contract_end": contract.end.isoformat() if contract else "",
        "last_reviewed": spec.exit_plan.last_reviewed.isoformat() if spec.exit_plan.last_reviewed else "never",
        "months": policy.exit_plan_review_months,
        "years": policy.long_contract_years,
    }
    fields_for = {"EXPIRY_WITHOUT_EXIT_PLAN": {**fields, "months": policy.expiry_window_months}}
    return [_flag(policy, code, component_id, fields_for.get(code, fields)) for code in codes]


def service_lock_in(
    components: dict[str, ComponentSpec], policy: LockInPolicy, open_formats: frozenset[str], today: date
) -> LockIn:
    flags: list[Flag] = []
    for component_id in sorted(components):
        flags.extend(component_flags(component_id, components[component_id], policy, open_formats, today))
    if not components:
        flags.append(_flag(policy, "NO_COMPONENTS_RECORDED", None, {}))
    return LockIn(risk_of(flags), tuple(flags))


def risk_of(flags: Iterable[Flag]) -> str:
    """none without flags, otherwise the highest severity; critical with two or more high flags."""
    flags = list(flags)
    if not flags:
        return "none"
    if sum(1 for f in flags if f.severity == "high") >= 2:
        return "critical"
    return max((f.severity for f in flags), key=_SEVERITY_RANK.__getitem__)


def top_flag(flags: Iterable[Flag]) -> Flag | None:
    """The flag to name first: the most severe, the first of those in the order raised."""
    return max(flags, key=lambda f: _SEVERITY_RANK[f.severity], default=None)


def supplier_concentration(
    suppliers_by_service: dict[str, set[str]], display_names: dict[str, str], policy: LockInPolicy
) -> list[Flag]:
    """Organisation-level flags: a supplier (case-insensitive key) behind more than the set share
    of the organisation's services, once it has at least the set number of services.

    `suppliers_by_service` maps each service to its suppliers' case-folded keys; services without
    components count in the denominator."""
    counts: dict[str, int] = {}
    for suppliers in suppliers_by_service.values():
        for key in suppliers:
            counts[key] = counts.get(key, 0) + 1
    return concentration_flags(counts, len(suppliers_by_service), display_names, policy)


def concentration_flags(counts: dict[str, int], total: int, display_names: dict[str, str], policy: LockInPolicy) -> list[Flag]:
    """The same from each supplier's number of services and the organisation's (a roll-up's)."""
    if total == 0 or total < policy.supplier_concentration_min_services:
        return []
    flags = []
    for key, services in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if services <= 0:
            continue
        share = services / total
        if share > policy.supplier_concentration_share:
            fields = {
                "supplier": display_names[key],
                "share_percent": f"{100 * share:.0f}",
                "services": f"{services} of {total}",
            }
            flags.append(
                _flag(policy, "SUPPLIER_CONCENTRATION", None, fields, supplier=display_names[key], share=round(share, 4))
            )
    return flags


def _flag(policy: LockInPolicy, code: str, component_id: str | None, fields: dict, **extra) -> Flag:
    rule = policy.rules[code]
    return Flag(
        code=code,
        severity=rule.severity,
        component_id=component_id,
        message=rule.message.format_map(_Fields(fields)),
        reference=rule.reference,
        **extra,
    )


class _Fields(dict):
    """Message fields; a field a template names but this flag lacks renders empty, not as an error."""

    def __missing__(self, key: str) -> str:
        return ""


# Each rule's name in words, for lists and tags; the catalogue holds the rule's message.
FLAG_TITLES = {
    "NO_OPEN_API": "No open API",
    "API_EXTRA_CHARGE": "Extra charge for API access",
    "NO_FREE_BULK_EXPORT": "No free bulk export",
    "PROPRIETARY_DATA_ONLY": "Proprietary data formats only",
    "NO_EXIT_PLAN": "No exit plan",
    "EXIT_PLAN_STALE": "Exit plan not reviewed",
    "LONG_CONTRACT": "Long contract",
    "AUTO_RENEWAL": "Automatic renewal",
    "EXPIRY_WITHOUT_EXIT_PLAN": "Contract ending without an exit plan",
    "HEAVY_CUSTOMISATION": "Heavy customisation",
    "CLOSED_BESPOKE": "Closed bespoke software",
    "NO_COMPONENTS_RECORDED": "No components recorded",
    "SUPPLIER_CONCENTRATION": "Supplier concentration",
}

# When each component rule is raised, in general words; the braces are the policy's thresholds.
_WHEN = {
    "NO_OPEN_API": "the council has no documented API for the product's significant functions",
    "API_EXTRA_CHARGE": "the supplier charges extra for API access",
    "NO_FREE_BULK_EXPORT": "the council cannot export all its data in bulk free of charge",
    "PROPRIETARY_DATA_ONLY": "none of the formats the data can be exported in is open",
    "NO_EXIT_PLAN": "there is no exit plan",
    "EXIT_PLAN_STALE": "the exit plan has not been reviewed in the last {months} months",
    "LONG_CONTRACT": "the contract runs for longer than {years} years",
    "AUTO_RENEWAL": "the contract renews automatically",
    "EXPIRY_WITHOUT_EXIT_PLAN": "the contract ends within {expiry_months} months and there is no exit plan",
    "HEAVY_CUSTOMISATION": "the product is heavily customised",
    "CLOSED_BESPOKE": "bespoke software's source code is not open to the council",
}


COMPONENT_RULES = tuple(_WHEN)  # the rules a component's own answers raise


def describe_rule(policy: LockInPolicy, code: str) -> str:
    """A component rule in general words, with its severity and thresholds from the catalogue,
    for a form to say what it looks for before any flag is raised."""
    when = _WHEN[code].format(
        months=policy.exit_plan_review_months,
        years=policy.long_contract_years,
        expiry_months=policy.expiry_window_months,
    )
    return f"{policy.rules[code].severity.capitalize()} risk when {when}."


def explain_risk(flags: Iterable[Flag]) -> str | None:
    """Which rule of risk_of made the service's risk, in words (None without flags)."""
    flags = list(flags)
    risk = risk_of(flags)
    if risk == "none":
        return None
    if risk == "critical":
        highs = sum(1 for f in flags if f.severity == "high")
        return f"Critical: two or more High flags on this service ({highs} are High)."
    return f"{risk.capitalize()}: its most severe flag is {risk.capitalize()}."


def reference_sources(reference: str) -> list[tuple[str, str | None]]:
    """A rule's reference as its sources, each (what it is, its web address or None): the
    catalogue writes them "Title (https://...)" and separates them with "; "."""
    sources = []
    for part in reference.split("; "):
        cited = re.fullmatch(r"(.+?) \((https?://[^\s()]+)\)", part.strip())
        sources.append((cited.group(1), cited.group(2)) if cited else (part.strip(), None))
    return sources
