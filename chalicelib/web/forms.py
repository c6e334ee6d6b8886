"""Between HTML forms and the API's request bodies.

A form is turned into exactly the body the API would accept, checked by the API's own schema
and the domain's own rules, and their errors are turned back into GOV.UK error messages that
point at the field to fix. No rule lives here: only names, labels and wording."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from marshmallow import ValidationError

from chalicelib.edge.errors import flatten
from chalicelib.domain.model import contract_date_errors
from chalicelib.schemas.requests import ComponentIn

MISSING = ("Missing data for required field.", "Field may not be null.")
# A refusal the pages word for people themselves, shown as it is (never "as owner_email").
OWN_SERVICES_ONLY = (
    "Enter your own email address: a service owner can only register services they own. "
    "Ask an administrator to register a service for someone else."
)
AS_WORDED = (OWN_SERVICES_ONLY,)


# --- labels for charts --------------------------------------------------------------------------


def month_label(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%b %Y")


def day_label(instant: str) -> str:
    when = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return f"{when.day} {when:%b %Y}"


def trend_description(trend: list[dict]) -> str:
    scored = [p for p in trend if p["average_score"] is not None]
    if not scored:
        return "No monthly figures have been recorded yet."
    first, last = scored[0], scored[-1]
    if first is last:
        return f"The average score was {last['average_score']} in {month_label(last['month'])}."
    change = "rose" if last["average_score"] > first["average_score"] else "fell" if last["average_score"] < first["average_score"] else "stayed"
    return (
        f"The average score {change} from {first['average_score']} in {month_label(first['month'])} "
        f"to {last['average_score']} in {month_label(last['month'])}."
    )


def score_description(points: list[tuple[str, float | None]]) -> str:
    if not points:
        return "This service has not been assessed yet."
    if len(points) == 1:
        return f"One assessment, on {points[0][0]}, scored {points[0][1]}."
    return f"{len(points)} assessments: the first, on {points[0][0]}, scored {points[0][1]}; the latest, on {points[-1][0]}, scored {points[-1][1]}."


# --- the component form ---------------------------------------------------------------------------

COMPONENT_OPTIONS = {
    "kind": {
        "saas": "Software as a service (SaaS)",
        "cots": "Commercial off-the-shelf product (COTS), licensed",
        "bespoke": "Bespoke, built for the council by a supplier",
        "open_source": "Open source product",
        "in_house": "Built and run by the council",
    },
    "hosting": {
        "public_cloud": "Public cloud, in the council's own account",
        "supplier_hosted": "Hosted by the supplier",
        "on_premises": "On the council's premises",
    },
    "customisation": {
        "none": "None: used as the supplier ships it",
        "configuration": "Configuration only",
        "heavy": "Heavy: custom code or changes the supplier must carry forward",
    },
    "source_code": {
        "open": "Open: published under an open licence",
        "escrow": "Held in escrow for the council",
        "closed": "Closed: the council has no access",
    },
}
YES_NO_FIELDS = {
    "open_api": ("interfaces", "open_api"),
    "api_documented": ("interfaces", "api_documented"),
    "api_extra_charge": ("interfaces", "api_extra_charge"),
    "free_bulk_export": ("data", "free_bulk_export"),
    "exit_plan_exists": ("exit_plan", "exists"),
    "auto_renew": ("contract", "auto_renew"),
}
# API field path -> (form field id, what to ask for, "text" | "choice" | "date"), in page order.
COMPONENT_FIELDS = {
    "component_id": ("component_id", "a short name for the component", "text"),
    "supplier": ("supplier", "the supplier's name", "text"),
    "product": ("product", "the product's name", "text"),
    "kind": ("kind", "what kind of component this is", "choice"),
    "hosting": ("hosting", "where it is hosted", "choice"),
    "has_contract": ("has_contract", "whether there is a contract", "choice"),
    "contract.start": ("contract-start", "the date the contract started", "date"),
    "contract.end": ("contract-end", "the date the contract ends", "date"),
    "contract.auto_renew": ("auto_renew", "whether the contract renews automatically", "choice"),
    "contract.annual_cost_gbp": ("annual_cost_gbp", "the contract's annual cost in pounds", "text"),
    "interfaces.open_api": ("open_api", "whether the council can use an API for the system's main functions", "choice"),
    "interfaces.api_documented": ("api_documented", "whether that API is documented for the council", "choice"),
    "interfaces.api_extra_charge": ("api_extra_charge", "whether the supplier charges extra for the API", "choice"),
    "data.export_formats": ("export_formats", "the formats data can be exported in", "choice"),
    "data.free_bulk_export": ("free_bulk_export", "whether all data can be exported in bulk at no charge", "choice"),
    "data.open_standards": ("open_standards", "the open standards it supports", "text"),
    "exit_plan.exists": ("exit_plan_exists", "whether there is an exit plan", "choice"),
    "exit_plan.last_reviewed": ("exit_plan_last_reviewed", "the date the exit plan was last reviewed", "date"),
    "customisation": ("customisation", "how much it is customised", "choice"),
    "source_code": ("source_code", "whether the council can get the source code", "choice"),
}
SERVICE_FIELDS = {
    "name": ("name", "the service's name", "text"),
    "department": ("department", "the department that runs it", "text"),
    "owner_email": ("owner_email", "the owner's email address", "text"),
    "description": ("description", "a description", "text"),
    "phase": ("phase", "the service's phase", "choice"),
}


def component_body(form: dict) -> tuple[dict, dict[str, list[str]]]:
    """The API's component body from the form, and what only the form can get wrong. A missing
    answer stays None, so that the API's schema names it."""

    def text(name: str) -> str:
        return (form.get(name) or "").strip()

    def yes_no(name: str):
        return {"yes": True, "no": False}.get(text(name))

    body: dict = {name: text(name) or None for name in ("supplier", "product", "kind", "hosting", "customisation", "source_code")}
    body["interfaces"] = {key: yes_no(field) for field, (group, key) in YES_NO_FIELDS.items() if group == "interfaces"}
    body["data"] = {
        "export_formats": [value for name, value in form.get("__all__", []) if name == "export_formats"],
        "free_bulk_export": yes_no("free_bulk_export"),
        "open_standards": [line.strip() for line in text("open_standards").splitlines() if line.strip()],
    }
    # No plan, no review date: one typed before choosing "No" is set aside (see set_aside).
    reviewed = None if text("exit_plan_exists") == "no" else _date(form, "exit_plan_last_reviewed")
    body["exit_plan"] = {"exists": yes_no("exit_plan_exists"), "last_reviewed": reviewed}
    has_contract = text("has_contract")
    errors = {} if has_contract in ("yes", "no") else {"has_contract": [MISSING[0]]}
    body["contract"] = None
    if has_contract == "yes":
        body["contract"] = {
            "start": _date(form, "contract-start"),
            "end": _date(form, "contract-end"),
            "auto_renew": yes_no("auto_renew"),
            "annual_cost_gbp": _money(text("annual_cost_gbp")),
        }
    return body, errors


CONTRACT_PARTS = (
    *(f"contract-{end}-{part}" for end in ("start", "end") for part in ("day", "month", "year")),
    "auto_renew",
    "annual_cost_gbp",
)
REVIEW_PARTS = tuple(f"exit_plan_last_reviewed-{part}" for part in ("day", "month", "year"))


# What the page after saving says of each part set aside.
SET_ASIDE = {
    "contract": "The contract details you entered were not saved, because you answered that there is no contract.",
    "exit_plan_review": "The exit plan review date you entered was not saved, because you answered that there is no exit plan.",
}


def set_aside(form: dict) -> tuple[str, ...]:
    """The revealed parts filled in under an answer that was then changed to "No": "contract"
    (with no contract) and "exit_plan_review" (with no exit plan). They are not saved, and the
    page after saving says so."""
    def typed(names) -> bool:
        return any((form.get(name) or "").strip() for name in names)

    parts = []
    if (form.get("has_contract") or "").strip() == "no" and typed(CONTRACT_PARTS):
        parts.append("contract")
    if (form.get("exit_plan_exists") or "").strip() == "no" and typed(REVIEW_PARTS):
        parts.append("exit_plan_review")
    return tuple(parts)


def read_component(body: dict):
    """The component spec, or every problem at once: when the API schema refuses the form, the
    contract's date order is checked on the dates as given too (the schema checks it only once
    the contract's other answers are valid), so that it shows with the others."""
    try:
        return ComponentIn().load(body), {}
    except ValidationError as error:
        errors = flatten(error.messages)
    contract = body.get("contract") or {}
    for path, messages in contract_date_errors(_iso(contract.get("start")), _iso(contract.get("end"))).items():
        errors.setdefault(path, messages)
    return None, errors


def _iso(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _date(form: dict, field: str):
    parts = [(form.get(f"{field}-{p}") or "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    day, month, year = parts
    if not (re.fullmatch(r"[0-9]{1,2}", day) and re.fullmatch(r"[0-9]{1,2}", month) and re.fullmatch(r"[0-9]{4}", year)):
        return f"{year}-{month}-{day}"[:40]  # the schema refuses it as not a date
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _money(text: str):
    cleaned = text.replace(",", "").replace("£", "").strip()
    if not cleaned:
        return None
    if re.fullmatch(r"[0-9]{1,13}", cleaned):
        return int(cleaned)
    if re.fullmatch(r"[0-9]{0,13}\.[0-9]{1,2}", cleaned):
        return float(cleaned)
    return text[:40]  # the schema refuses it as not a number


def component_values(component: dict) -> dict:
    """Form values from a presented component, to change it."""
    values = {name: component[name] for name in ("supplier", "product", "kind", "hosting", "customisation", "source_code")}
    for field, (group, key) in YES_NO_FIELDS.items():
        source = component.get(group) or {}
        if key in source and source[key] is not None:
            values[field] = "yes" if source[key] else "no"
    values["__all__"] = [("export_formats", f) for f in component["data"]["export_formats"]]
    values["open_standards"] = "\n".join(component["data"].get("open_standards") or [])
    contract = component.get("contract")
    values["has_contract"] = "yes" if contract else "no"
    if contract:
        values.update(_date_values("contract-start", contract["start"]))
        values.update(_date_values("contract-end", contract["end"]))
        values["annual_cost_gbp"] = format(Decimal(str(contract["annual_cost_gbp"])).normalize(), "f")
    if component["exit_plan"].get("last_reviewed"):
        values.update(_date_values("exit_plan_last_reviewed", component["exit_plan"]["last_reviewed"]))
    return values


def _date_values(field: str, iso: str) -> dict:
    year, month, day = iso.split("-")
    return {f"{field}-day": str(int(day)), f"{field}-month": str(int(month)), f"{field}-year": year}


def field_errors(errors: dict[str, list[str]], table: dict) -> dict[str, str]:
    """Error message by form field id, in GOV.UK wording, for a form described by `table`."""
    out: dict[str, str] = {}
    for path, messages in errors.items():
        key = re.sub(r"\.\d+$", "", path)
        field, asked, kind = table.get(key, (key.replace(".", "-"), key, "text"))
        message = messages[0]
        if message in AS_WORDED:
            text = message
        elif message in MISSING:
            text = f"{'Select' if kind == 'choice' else 'Enter'} {asked}"
        elif kind == "date" and "date" in message:  # the schema's "must be a date"
            text = f"Enter {asked} as a real date, for example 31 3 2027"
        else:
            text = f"{asked[:1].upper()}{asked[1:]}: {message}"
        out.setdefault(field, text)
    return out


def error_list(errors: dict[str, list[str]], table: dict) -> list[dict]:
    """The GOV.UK error summary's entries, in the order of the page; a date links to its day."""
    order = [field for field, _, _ in table.values()]
    kinds = {field: kind for field, _, kind in table.values()}
    ranked = sorted(field_errors(errors, table).items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    return [{"text": text, "href": f"#{field}-day" if kinds.get(field) == "date" else f"#{field}"} for field, text in ranked]


NEW_DEPARTMENT = "new"  # the department radio's "a new one": its name is in new_department


def service_body(form: dict) -> dict:
    """The API's service body from the register-a-service form."""
    body = {name: (form.get(name) or "").strip() or None for name in ("name", "department", "owner_email", "description", "phase")}
    if body["department"] == NEW_DEPARTMENT:
        body["department"] = (form.get("new_department") or "").strip() or None
    return {k: v for k, v in body.items() if v is not None or k in ("name", "department", "owner_email")}
