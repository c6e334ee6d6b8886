"""The services list's filters, sorts, search and pages (chalicelib/domain/finding.py)."""

from fractions import Fraction

import pytest

from chalicelib.domain.finding import ServiceQuery, departments_of, find_services, query_string, read_query
from chalicelib.domain.model import LockIn, Score
from chalicelib.domain.scorecards import ServiceScorecard
from tests.unit.builders import at

LEVELS = (1, 2, 3)


def card(name, department="Adults", score=None, level=1, risk="none", assessed=None, stale=False, sid=None, retired=False):
    return ServiceScorecard(
        service_id=sid or name,
        name=name,
        department=department,
        owner_email="o@x.example",
        assessment_id="a" if score is not None else None,
        assessed_at=assessed,
        stale=stale,
        score=Score(Fraction(score), level, f"L{level}", (), ()) if score is not None else None,
        lock_in=LockIn(risk, ()),
        retired=retired,
    )


CARDS = [
    card("Parking permits", "Environment", 80, 3, "low", at(2026, 1, 1)),
    card("blue badges", "Adults", 40, 1, "critical", at(2024, 1, 1), stale=True),
    card("Bulky waste", "Environment", risk="medium"),
    card("Adult social care", "Adults", 60, 2, "high", at(2025, 6, 1)),
]


def names(found):
    return [c.name for c in found.items]


def test_the_default_is_every_service_by_name_ignoring_case():
    assert names(find_services(CARDS, ServiceQuery())) == ["Adult social care", "blue badges", "Bulky waste", "Parking permits"]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("score", ["Parking permits", "Adult social care", "blue badges", "Bulky waste"]),  # not assessed last
        ("risk", ["blue badges", "Adult social care", "Bulky waste", "Parking permits"]),
        ("assessed", ["Bulky waste", "blue badges", "Adult social care", "Parking permits"]),  # never first
    ],
)
def test_each_sort(sort, expected):
    assert names(find_services(CARDS, ServiceQuery(sort=sort))) == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        (ServiceQuery(search="BADGE"), ["blue badges"]),
        (ServiceQuery(department="Environment"), ["Bulky waste", "Parking permits"]),
        (ServiceQuery(level="2"), ["Adult social care"]),
        (ServiceQuery(level="none"), ["Bulky waste"]),
        (ServiceQuery(risk="critical"), ["blue badges"]),
        (ServiceQuery(staleness="stale"), ["blue badges"]),
        (ServiceQuery(staleness="current"), ["Adult social care", "Parking permits"]),
        (ServiceQuery(staleness="never"), ["Bulky waste"]),
        (ServiceQuery(department="Adults", risk="high"), ["Adult social care"]),
        (ServiceQuery(department="Nowhere"), []),
    ],
)
def test_each_filter_and_their_combination(query, expected):
    assert names(find_services(CARDS, query)) == expected


def test_pages_split_the_matches_and_a_page_past_the_last_shows_the_last():
    many = [card(f"Service {n:02d}") for n in range(7)]
    first = find_services(many, ServiceQuery(), page_size=3)
    assert (names(first), first.total, first.page, first.pages) == (["Service 00", "Service 01", "Service 02"], 7, 1, 3)
    beyond = find_services(many, ServiceQuery(page=9), page_size=3)
    assert (names(beyond), beyond.page) == (["Service 06"], 3)
    assert find_services([], ServiceQuery()).pages == 1


def test_a_query_string_is_read_and_its_bad_values_reported_and_left_out():
    query, errors = read_query(
        {"search": " blue   badges ", "department": "Adults", "level": "9", "risk": "high", "sort": "odd", "page": "x"}, LEVELS
    )
    assert query == ServiceQuery(search="blue badges", department="Adults", risk="high")
    assert set(errors) == {"level", "sort", "page"}
    assert read_query({}, LEVELS) == (ServiceQuery(), {})
    assert read_query({"search": "x" * 201}, LEVELS)[1].keys() == {"search"}


def test_links_carry_only_what_differs_from_the_default():
    query = ServiceQuery(department="Adults", sort="score", page=2)
    assert query_string(query) == {"department": "Adults", "sort": "score", "page": "2"}
    assert query_string(query, page=1, sort="name") == {"department": "Adults"}


def test_departments_come_from_the_services():
    assert departments_of(CARDS) == ["Adults", "Environment"]


def test_retired_services_are_listed_only_when_asked_for():
    cards = [*CARDS, card("Old parking", "Environment", retired=True)]
    assert "Old parking" not in names(find_services(cards, ServiceQuery()))
    assert "Old parking" in names(find_services(cards, ServiceQuery(show_retired=True)))
    assert read_query({"retired": "show"}, LEVELS) == (ServiceQuery(show_retired=True), {})
    assert read_query({"retired": "yes"}, LEVELS)[1].keys() == {"retired"}
    assert query_string(ServiceQuery(show_retired=True)) == {"retired": "show"}
