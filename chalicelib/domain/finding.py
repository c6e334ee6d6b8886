"""Finding a service in the organisation's list: what each filter, sort and search of the
services list means, and how the list is paged. Pure functions over the service scorecards
(built from the per-service summaries), so the page only reads what a query string says."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from chalicelib.domain.scorecards import RISKS, ServiceScorecard

PAGE_SIZE = 50
MAX_SEARCH_CHARS = 200  # a service name's limit: a longer search cannot match anything
NOT_ASSESSED = "none"
SHOW_RETIRED = "show"  # the "retired" parameter's one value  # the level filter's value for services without an assessment
# How each sort orders the services; ties always go by department, name, service_id.
SORTS = {
    "name": "Name (A to Z)",
    "score": "Score (highest first)",
    "risk": "Lock-in risk (highest first)",
    "assessed": "Last assessed (longest ago first)",
}
STALENESS = {
    "stale": "Out of date",
    "current": "Up to date",
    "never": "Never assessed",
}


@dataclass(frozen=True)
class ServiceQuery:
    """What the person asked the list for; None means "any"."""

    search: str = ""
    department: str | None = None
    level: str | None = None  # a level number as text, or NOT_ASSESSED
    risk: str | None = None
    staleness: str | None = None
    sort: str = "name"
    page: int = 1
    show_retired: bool = False  # retired services are out of the figures, and of the list unless asked

    def filtered(self) -> bool:
        return bool(self.search or self.department or self.level or self.risk or self.staleness or self.show_retired)


@dataclass(frozen=True)
class Found:
    items: tuple[ServiceScorecard, ...]  # this page's
    total: int  # every match, across the pages
    page: int
    pages: int


def read_query(params: Mapping[str, str], levels: Iterable[int]) -> tuple[ServiceQuery, dict[str, list[str]]]:
    """The query a query string asks for, and what was wrong with it: a value this list does not
    offer is reported (field -> messages) and left out, so the rest of the query still works."""
    errors: dict[str, list[str]] = {}

    def choice(name: str, allowed: Iterable[str], message: str) -> str | None:
        value = (params.get(name) or "").strip()
        if not value:
            return None
        if value not in set(allowed):
            errors[name] = [message]
            return None
        return value

    level = choice("level", [str(n) for n in levels] + [NOT_ASSESSED], "Choose a level from the list")
    risk = choice("risk", RISKS, "Choose a lock-in risk from the list")
    staleness = choice("staleness", STALENESS, "Choose how recent the assessment is from the list")
    sort = choice("sort", SORTS, "Choose a sort order from the list") or "name"
    search = " ".join((params.get("search") or "").split())
    if len(search) > MAX_SEARCH_CHARS:
        errors["search"] = [f"Search must be {MAX_SEARCH_CHARS} characters or fewer"]
        search = ""
    page = 1
    raw_page = (params.get("page") or "").strip()
    if raw_page:
        if raw_page.isdigit() and int(raw_page) >= 1:
            page = int(raw_page)
        else:
            errors["page"] = ["Page must be a whole number, 1 or more"]
    department = (params.get("department") or "").strip() or None
    show_retired = choice("retired", [SHOW_RETIRED], "Choose whether to show retired services") == SHOW_RETIRED
    return ServiceQuery(search, department, level, risk, staleness, sort, page, show_retired), errors


def matches(card: ServiceScorecard, query: ServiceQuery) -> bool:
    if card.retired and not query.show_retired:
        return False
    if query.search and query.search.casefold() not in card.name.casefold():
        return False
    if query.department is not None and card.department != query.department:
        return False
    if query.level is not None:
        level = str(card.score.level) if card.score else NOT_ASSESSED
        if level != query.level:
            return False
    if query.risk is not None and card.lock_in.risk != query.risk:
        return False
    return query.staleness is None or staleness_of(card) == query.staleness


def staleness_of(card: ServiceScorecard) -> str:
    if card.score is None:
        return "never"
    return "stale" if card.stale else "current"


def _order(sort: str):
    def key(card: ServiceScorecard):
        tie = (card.department, card.name, card.service_id)
        if sort == "score":
            return (card.score is None, -(card.score.overall if card.score else 0), *tie)
        if sort == "risk":
            return (-RISKS.index(card.lock_in.risk), *tie)
        if sort == "assessed":
            # Never assessed first: they are the furthest behind.
            return (card.assessed_at is not None, card.assessed_at.timestamp() if card.assessed_at else 0.0, *tie)
        return (card.name.casefold(), *tie)

    return key


def find_services(cards: Iterable[ServiceScorecard], query: ServiceQuery, page_size: int = PAGE_SIZE) -> Found:
    """The page of services matching the query, in its order. A page past the last shows the
    last (a bookmark outliving some services still lands on a list)."""
    matched = sorted((c for c in cards if matches(c, query)), key=_order(query.sort))
    pages = max(1, -(-len(matched) // page_size))
    page = min(query.page, pages)
    start = (page - 1) * page_size
    return Found(tuple(matched[start : start + page_size]), len(matched), page, pages)


def departments_of(cards: Iterable[ServiceScorecard]) -> list[str]:
    """The organisation's departments, as its services name them (there is no separate list)."""
    return sorted({c.department for c in cards}, key=str.casefold)


def query_string(query: ServiceQuery, **changes) -> dict[str, str]:
    """The query's parameters (with `changes`), leaving out what is the default, so that links
    stay short and each filter is a bookmark."""
    q = replace(query, **changes)
    params = {
        "search": q.search,
        "department": q.department or "",
        "level": q.level or "",
        "risk": q.risk or "",
        "staleness": q.staleness or "",
        "sort": "" if q.sort == "name" else q.sort,
        "page": "" if q.page == 1 else str(q.page),
        "retired": SHOW_RETIRED if q.show_retired else "",
    }
    return {k: v for k, v in params.items() if v}
