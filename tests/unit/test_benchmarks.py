"""Benchmark sets, KPI values, periods and positions, checked against hand-computed values.

Most position tests use one peer group's quartiles, p25 40, median 50, p75 60, and read them
in both directions:

    higher is better:   below 40 -> 1 | 40 .. <50 -> 2 | 50 .. <60 -> 3 | 60 and above -> 4
    lower is better:    above 60 -> 1 | >50 .. 60 -> 2 | >40 .. 50 -> 3 | 40 and below -> 4

A value on a boundary belongs to the better quarter, so 40 is quartile 2 when higher is better
and quartile 4 when lower is better.
"""

import copy
import csv
import json
import math
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import chalicelib.benchmarks
from chalicelib.benchmarks import load_benchmark_sets
from chalicelib.domain.benchmarks.csv_reader import CSV_COLUMNS, benchmark_set_from_csv
from chalicelib.domain.benchmarks.model import Kpi, KpiPosition, Quartiles
from chalicelib.domain.benchmarks.rules import (
    PERIOD_PATTERN,
    benchmark,
    check_kpi_values,
    parse_period,
    position,
    quartile_of,
    unit_problem,
)
from chalicelib.domain.benchmarks.shape import benchmark_set_from_dict, benchmark_set_to_dict
from chalicelib.domain.errors import Invalid

HIGHER = Kpi("satisfaction", "Satisfaction", "percent", "higher", "org")
LOWER = Kpi("cost", "Cost per contact", "gbp", "lower", "org")
Q = Quartiles(40, 50, 60, n=31)
GROUP = "London boroughs"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


def valid_set(**overrides) -> dict:
    """A consistent set: kpis.0 percent/higher/org, kpis.1 gbp/lower/org, kpis.2 score/higher/service,
    kpis.3 count/higher/org; one peer group with quartiles for the first three."""
    data = {
        "set_id": "socitm-2025",
        "title": "Socitm benchmarks 2025",
        "source": "Socitm benchmarking, members' tables",
        "published": "2025-06-30",
        "illustrative": False,
        "kpis": [
            {"kpi_id": "ict_spend_share", "title": "ICT spend share", "unit": "percent", "better": "lower",
             "level": "org"},
            {"kpi_id": "cost_per_user", "title": "Cost per user", "unit": "gbp", "better": "lower", "level": "org",
             "source": "Socitm", "year": 2025},
            {"kpi_id": "ict_satisfaction", "title": "Satisfaction with ICT", "unit": "score", "better": "higher",
             "level": "service"},
            {"kpi_id": "devices_donated", "title": "Devices donated", "unit": "count", "better": "higher",
             "level": "org"},
        ],
        "peer_groups": {
            GROUP: {
                "ict_spend_share": {"p25": 2.1, "median": 2.4, "p75": 3.0, "n": 26},
                "cost_per_user": {"p25": 2500, "median": 3135, "p75": 3800},
                "ict_satisfaction": {"p25": 4.8, "median": 5.3, "p75": 5.9},
            }
        },
    }
    data.update(overrides)
    return data


def errors_of(data) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        benchmark_set_from_dict(data)
    return caught.value.errors


def quartiles_of(data) -> dict:
    return data["peer_groups"][GROUP]


# --- position: every boundary, both directions ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "higher", "lower"),
    [
        (39.9, 1, 4),  # just below p25
        (40, 2, 4),  # == p25: the better side (2 when higher is better, 4 when lower is)
        (40.1, 2, 3),  # just above p25
        (49.9, 2, 3),  # just below the median
        (50, 3, 3),  # == median: better side is 3 either way
        (50.1, 3, 2),  # just above the median
        (59.9, 3, 2),  # just below p75
        (60, 4, 2),  # == p75: 4 when higher is better, 2 when lower is
        (60.1, 4, 1),  # just above p75
        (0, 1, 4),
        (100, 4, 1),
    ],
)
def test_quartile_in_both_directions(value, higher, lower):
    assert position(HIGHER, value, Q).quartile == higher
    assert position(LOWER, value, Q).quartile == lower


def test_quartile_with_all_boundaries_equal_goes_to_the_better_side():
    flat = Quartiles(50, 50, 50)
    assert [quartile_of("higher", v, flat) for v in (49, 50, 51)] == [1, 4, 4]
    assert [quartile_of("lower", v, flat) for v in (49, 50, 51)] == [4, 4, 1]


def test_quartile_boundaries_are_exact_not_approximate():
    q = Quartiles(0.1, 0.2, 0.3)
    assert quartile_of("higher", 0.3, q) == 4
    assert quartile_of("higher", 0.1 + 0.2, q) == 4  # 0.30000000000000004 is above 0.3
    assert quartile_of("higher", 0.29999999999999993, q) == 3
    assert quartile_of("lower", 0.1, q) == 4
    assert quartile_of("lower", 0.10000000000000002, q) == 3


def test_quartile_needs_all_three_figures():
    with pytest.raises(ValueError):
        quartile_of("higher", 50, Quartiles(None, 50, None))


def test_position_reports_the_peer_figures_and_the_gap():
    assert position(HIGHER, 45, Q) == KpiPosition("satisfaction", 45, 40, 50, 60, 2, -5)
    assert position(LOWER, 45, Q) == KpiPosition("cost", 45, 40, 50, 60, 3, -5)


@pytest.mark.parametrize("kpi", [HIGHER, LOWER])
def test_gap_is_value_minus_median_whichever_direction_is_better(kpi):
    assert position(kpi, 57, Q).gap_to_median == 7
    assert position(kpi, 43, Q).gap_to_median == -7
    at_median = position(kpi, 50, Q)
    assert at_median.gap_to_median == 0 and at_median.gap_to_median is not None


def test_gap_is_computed_on_the_decimals_as_written():
    gap = position(LOWER, 3.76, Quartiles(3.0, 3.5, 4.0)).gap_to_median
    assert gap == 0.26  # float subtraction gives 0.2599999999999998
    assert 3.76 - 3.5 != 0.26
    assert position(LOWER, 0.3, Quartiles(0.1, 0.2, 0.3)).gap_to_median == 0.1


def test_gap_of_whole_numbers_stays_whole():
    gap = position(HIGHER, 57, Q).gap_to_median
    assert gap == 7 and isinstance(gap, int)
    assert isinstance(position(HIGHER, 57.0, Q).gap_to_median, float)


def test_no_value_gives_no_quartile_and_no_gap():
    assert position(HIGHER, None, Q) == KpiPosition("satisfaction", None, 40, 50, 60, None, None)


def test_no_quartiles_gives_nothing_but_the_value():
    assert position(LOWER, 45, None) == KpiPosition("cost", 45, None, None, None, None, None)
    assert position(LOWER, None, None) == KpiPosition("cost", None, None, None, None, None, None)


def test_a_median_alone_gives_the_gap_but_no_quartile():
    median_only = Quartiles(None, 3135, None)
    assert position(LOWER, 3000, median_only) == KpiPosition("cost", 3000, None, 3135, None, None, -135)
    assert position(LOWER, None, median_only) == KpiPosition("cost", None, None, 3135, None, None, None)


def test_a_decimal_value_is_reported_as_a_plain_number():
    result = position(HIGHER, Decimal("55.5"), Q)
    assert result.value == 55.5 and isinstance(result.value, float)
    assert result.quartile == 3 and result.gap_to_median == 5.5


# --- benchmark: positions for one level of a set ----------------------------------------------


def test_benchmark_lists_the_levels_kpis_in_the_sets_order_with_missing_values():
    bset = benchmark_set_from_dict(valid_set())
    result = benchmark(bset, {"cost_per_user": 2500, "devices_donated": 12}, "org")
    assert result.set_id == "socitm-2025" and result.peer_group == GROUP and result.illustrative is False
    assert [p.kpi_id for p in result.kpis] == ["ict_spend_share", "cost_per_user", "devices_donated"]
    spend, cost, devices = result.kpis
    assert (spend.value, spend.quartile, spend.gap_to_median, spend.median) == (None, None, None, 2.4)
    assert (cost.quartile, cost.gap_to_median) == (4, -635)  # lower is better, on p25
    assert devices == KpiPosition("devices_donated", 12, None, None, None, None, None)


def test_benchmark_service_level():
    bset = benchmark_set_from_dict(valid_set())
    (satisfaction,) = benchmark(bset, {"ict_satisfaction": 5.9}, "service").kpis
    assert satisfaction.quartile == 4 and satisfaction.gap_to_median == 0.6


def test_benchmark_peer_group_choice():
    data = valid_set()
    data["peer_groups"]["Unitary authorities"] = {"cost_per_user": {"p25": 2000, "median": 2600, "p75": 3100}}
    bset = benchmark_set_from_dict(data)
    with pytest.raises(Invalid) as caught:
        benchmark(bset, {}, "org")
    assert "peer_group" in caught.value.errors
    with pytest.raises(Invalid) as caught:
        benchmark(bset, {}, "org", peer_group="Shire districts")
    assert "peer_group" in caught.value.errors
    result = benchmark(bset, {"cost_per_user": 2600}, "org", peer_group="Unitary authorities")
    assert result.kpis[1].quartile == 3 and result.kpis[0].median is None


def test_benchmark_of_a_set_without_peer_groups():
    bset = benchmark_set_from_dict(valid_set(peer_groups={}))
    result = benchmark(bset, {"cost_per_user": 1}, "org")
    assert result.peer_group is None
    assert all(p.quartile is None and p.median is None for p in result.kpis)


# --- units ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "inside", "outside"),
    [
        ("percent", [0, 0.0, 55.5, 100], [-0.01, 100.01, 101]),
        ("gbp", [0, 0.01, 3135, 10**9], [-0.01, -1]),
        ("count", [0, 1, 3.0, 10**6], [-1, 2.5, 0.1]),
        ("score", [1, 1.0, 4.5, 7], [0.99, 7.01, 0]),
        ("days", [0, 0.59], [-0.5]),
        ("ratio", [0, 1.5], [-0.1]),
    ],
)
def test_unit_limits_are_inclusive(unit, inside, outside):
    for value in inside:
        assert unit_problem(unit, value) is None, value
    for value in outside:
        assert unit_problem(unit, value) is not None, value


def test_score_follows_the_stated_range():
    assert unit_problem("score", 0, (0, 10)) is None
    assert unit_problem("score", 10, (0, 10)) is None
    assert unit_problem("score", 10.5, (0, 10)) is not None
    assert unit_problem("score", 8) is not None  # default 1 to 7


def test_a_quartile_of_a_count_may_fall_between_whole_numbers():
    assert unit_problem("count", 2.5, whole_counts=False) is None
    assert unit_problem("count", -0.5, whole_counts=False) is not None


# --- KPI values -------------------------------------------------------------------------------

ORG_KPIS = benchmark_set_from_dict(valid_set())


def check(values, level="org", **kwargs):
    check_kpi_values(ORG_KPIS, values, level, **kwargs)


def values_errors(values, level="org", **kwargs) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        check(values, level, **kwargs)
    return caught.value.errors


def test_values_at_the_limits_are_accepted():
    check({"ict_spend_share": 0, "cost_per_user": 0, "devices_donated": 0})
    check({"ict_spend_share": 100, "cost_per_user": 1e6, "devices_donated": 40.0})
    check({"ict_satisfaction": 1}, "service")
    check({"ict_satisfaction": 7}, "service")
    check({"ict_spend_share": Decimal("2.4")})
    check({})


@pytest.mark.parametrize(
    ("kpi_id", "value", "level"),
    [
        ("ict_spend_share", -0.1, "org"),
        ("ict_spend_share", 100.1, "org"),
        ("cost_per_user", -1, "org"),
        ("devices_donated", -1, "org"),
        ("devices_donated", 2.5, "org"),
        ("ict_satisfaction", 0.5, "service"),
        ("ict_satisfaction", 7.5, "service"),
    ],
)
def test_values_beyond_the_unit_are_refused(kpi_id, value, level):
    assert list(values_errors({kpi_id: value}, level)) == [f"values.{kpi_id}"]


@pytest.mark.parametrize("value", ["2.4", True, None, math.nan, math.inf, -math.inf, Decimal("NaN"), [2.4]])
def test_non_numbers_are_refused(value):
    assert values_errors({"ict_spend_share": value}) == {"values.ict_spend_share": ["must be a number"]}


def test_unknown_and_wrong_level_kpis_are_refused_all_at_once():
    errors = values_errors({"nope": 1, "ict_satisfaction": 5, "ict_spend_share": 2.4, "cost_per_user": -3})
    assert set(errors) == {"values.nope", "values.ict_satisfaction", "values.cost_per_user"}
    assert "organisation" not in errors["values.ict_satisfaction"][0]
    assert "service-level" in errors["values.ict_satisfaction"][0]
    assert "org-level" in values_errors({"ict_spend_share": 2}, "service")["values.ict_spend_share"][0]


def test_values_must_be_an_object():
    assert "values" in values_errors([("ict_spend_share", 2)])


def test_score_range_of_the_set_or_given():
    wide = benchmark_set_from_dict(valid_set(score_range=[0, 10]))
    check_kpi_values(wide, {"ict_satisfaction": 10}, "service")
    with pytest.raises(Invalid):
        check_kpi_values(wide.kpis, {"ict_satisfaction": 10}, "service")  # bare KPIs: 1 to 7
    check_kpi_values(wide.kpis, {"ict_satisfaction": 10}, "service", score_range=(0, 10))


def test_an_unknown_level_is_a_programming_error():
    with pytest.raises(ValueError):
        check({}, "department")


# --- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2024", "year", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-Q1", "quarter", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-Q2", "quarter", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024-Q3", "quarter", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-Q4", "quarter", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", "month", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-12", "month", date(2024, 12, 1), date(2024, 12, 31)),
        ("1900", "year", date(1900, 1, 1), date(1900, 12, 31)),
        ("2999-01", "month", date(2999, 1, 1), date(2999, 1, 31)),
    ],
)
def test_valid_periods(text, kind, start, end):
    period = parse_period(text)
    assert (period.kind, period.start, period.end, period.sortable, str(period)) == (kind, start, end, text, text)


@pytest.mark.parametrize(
    "text",
    ["2024-Q5", "2024-Q0", "2024-13", "2024-00", "24", "2024-1", "2024-Q1 ", " 2024", "2024-q1", "2024-Q12",
     "1899", "3000", "2024-", "2024/03", "2024-03-01", "", "\uff12\uff10\uff12\uff14", "2024\n", None, 2024],
)
def test_invalid_periods(text):
    with pytest.raises(Invalid) as caught:
        parse_period(text)
    assert list(caught.value.errors) == ["period"]


def test_period_messages_say_what_is_wrong():
    def message(text):
        with pytest.raises(Invalid) as caught:
            parse_period(text)
        return caught.value.errors["period"][0]

    assert "quarter" in message("2024-Q5")
    assert "month" in message("2024-13")
    assert "year" in message("1899")


def test_periods_of_one_granularity_sort_chronologically():
    months = ["2024-10", "2023-12", "2024-02"]
    assert sorted(months, key=lambda t: parse_period(t).sortable) == ["2023-12", "2024-02", "2024-10"]
    mixed = [parse_period(t) for t in ("2024-Q2", "2024", "2024-03", "2023-Q4")]
    assert [str(p) for p in sorted(mixed, key=lambda p: (p.start, p.end))] == ["2023-Q4", "2024", "2024-03", "2024-Q2"]


@pytest.mark.parametrize(
    "text",
    ["2024", "2024-Q1", "2024-Q4", "2024-01", "2024-12", "2024-Q5", "2024-Q0", "2024-13", "2024-00", "24",
     "2024-1", "2024-Q1 ", " 2024", "2024-q1", "2024-Q12", "2024-", "2024/03", "2024-03-01", ""],
)
def test_the_documented_period_pattern_accepts_what_parse_period_accepts(text):
    """PERIOD_PATTERN is what /openapi.json says of ?period=; the years' range is left to the
    message (a JSON Schema pattern for 1900 to 2999 would say little more)."""
    try:
        parse_period(text)
        accepted = True
    except Invalid:
        accepted = False
    assert bool(re.search(PERIOD_PATTERN, text)) == accepted


# --- set validation ---------------------------------------------------------------------------


def test_a_valid_set_loads():
    bset = benchmark_set_from_dict(valid_set())
    assert bset.published == date(2025, 6, 30) and bset.score_range == (1, 7)
    assert bset.kpi("cost_per_user").year == 2025 and bset.kpi("nope") is None
    assert bset.quartiles(GROUP, "ict_spend_share") == Quartiles(2.1, 2.4, 3.0, 26)
    assert bset.quartiles(GROUP, "devices_donated") is None
    assert [k.kpi_id for k in bset.kpis_at("service")] == ["ict_satisfaction"]


def test_a_set_round_trips_through_its_dict():
    bset = benchmark_set_from_dict(valid_set(notes="Members only."))
    data = benchmark_set_to_dict(bset)
    assert benchmark_set_from_dict(json.loads(json.dumps(data))) == bset


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("unit", "pounds", "kpis.2.unit"),
        ("better", "more", "kpis.2.better"),
        ("level", "department", "kpis.2.level"),
        ("kpi_id", "Bad-Id", "kpis.2.kpi_id"),
        ("title", "", "kpis.2.title"),
        ("year", 1899, "kpis.2.year"),
        ("year", True, "kpis.2.year"),
        ("colour", "red", "kpis.2.colour"),
    ],
)
def test_kpi_problems_name_their_path(field, value, path):
    data = valid_set()
    data["kpis"][2][field] = value
    assert path in errors_of(data)


def test_a_missing_kpi_field_names_its_path():
    data = valid_set()
    del data["kpis"][1]["unit"]
    assert errors_of(data) == {"kpis.1.unit": ["is required"]}


def test_kpi_ids_are_unique():
    data = valid_set()
    data["kpis"][3]["kpi_id"] = "cost_per_user"
    errors = errors_of(data)
    assert list(errors) == ["kpis.3.kpi_id"] and "kpis.1" in errors["kpis.3.kpi_id"][0]


def test_quartiles_only_for_known_kpis():
    data = valid_set()
    quartiles_of(data)["nope"] = {"p25": 1, "median": 2, "p75": 3}
    assert list(errors_of(data)) == [f"peer_groups.{GROUP}.nope"]


@pytest.mark.parametrize("kpi_id", ["ict_spend_share", "ict_satisfaction"])  # lower and higher is better
def test_quartiles_must_be_in_value_order_whichever_direction_is_better(kpi_id):
    data = valid_set()
    quartiles_of(data)[kpi_id] = {"p25": 3.0, "median": 2.4, "p75": 2.1}  # the "best first" mistake
    assert set(errors_of(data)) == {f"peer_groups.{GROUP}.{kpi_id}.p25", f"peer_groups.{GROUP}.{kpi_id}.p75"}


def test_quartiles_may_be_equal():
    data = valid_set()
    quartiles_of(data)["ict_spend_share"] = {"p25": 2.4, "median": 2.4, "p75": 2.4}
    benchmark_set_from_dict(data)


def test_p25_above_median_names_p25():
    data = valid_set()
    quartiles_of(data)["ict_spend_share"]["p25"] = 2.5
    assert list(errors_of(data)) == [f"peer_groups.{GROUP}.ict_spend_share.p25"]


def test_p75_below_median_names_p75():
    data = valid_set()
    quartiles_of(data)["cost_per_user"]["p75"] = 3000
    assert list(errors_of(data)) == [f"peer_groups.{GROUP}.cost_per_user.p75"]


@pytest.mark.parametrize(
    ("kpi_id", "figures", "bad"),
    [
        ("ict_spend_share", {"p25": 90, "median": 99, "p75": 101}, "p75"),
        ("ict_spend_share", {"p25": -1, "median": 2, "p75": 3}, "p25"),
        ("cost_per_user", {"p25": -5, "median": 0, "p75": 5}, "p25"),
        ("ict_satisfaction", {"p25": 0.5, "median": 5, "p75": 6}, "p25"),
        ("ict_satisfaction", {"p25": 5, "median": 6, "p75": 7.5}, "p75"),
    ],
)
def test_quartiles_must_be_within_their_unit(kpi_id, figures, bad):
    data = valid_set()
    quartiles_of(data)[kpi_id] = figures
    assert list(errors_of(data)) == [f"peer_groups.{GROUP}.{kpi_id}.{bad}"]


def test_quartiles_of_a_score_follow_the_sets_range():
    data = valid_set(score_range=[0, 10])
    quartiles_of(data)["ict_satisfaction"] = {"p25": 0.5, "median": 6, "p75": 9.5}
    benchmark_set_from_dict(data)


def test_a_median_of_a_count_may_be_a_half():
    data = valid_set()
    quartiles_of(data)["devices_donated"] = {"p25": 10, "median": 12.5, "p75": 20}
    benchmark_set_from_dict(data)


def test_a_median_alone_is_allowed_but_not_one_sided_spread():
    data = valid_set()
    quartiles_of(data)["devices_donated"] = {"median": 12}
    assert benchmark_set_from_dict(data).quartiles(GROUP, "devices_donated") == Quartiles(None, 12, None)
    quartiles_of(data)["devices_donated"] = {"p25": 10, "median": 12}
    assert list(errors_of(data)) == [f"peer_groups.{GROUP}.devices_donated.p75"]
    quartiles_of(data)["devices_donated"] = {"p25": 10, "p75": 12}
    assert list(errors_of(data)) == [f"peer_groups.{GROUP}.devices_donated.median"]


@pytest.mark.parametrize(
    ("figures", "bad"),
    [
        ({"p25": "2.1", "median": 2.4, "p75": 3}, "p25"),
        ({"p25": 2.1, "median": math.nan, "p75": 3}, "median"),
        ({"p25": 2.1, "median": 2.4, "p75": True}, "p75"),
        ({"p25": 2.1, "median": 2.4, "p75": 3, "n": 0}, "n"),
        ({"p25": 2.1, "median": 2.4, "p75": 3, "n": 2.5}, "n"),
        ({"p25": 2.1, "median": 2.4, "p75": 3, "mean": 2.5}, "mean"),
    ],
)
def test_quartile_figures_are_numbers(figures, bad):
    data = valid_set()
    quartiles_of(data)["ict_spend_share"] = figures
    assert list(errors_of(data)) == [f"peer_groups.{GROUP}.ict_spend_share.{bad}"]


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"set_id": "Socitm 2025"}, "set_id"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"source": None}, "source"),
        ({"published": "2025-02-30"}, "published"),
        ({"published": "20250630"}, "published"),
        ({"published": 2025}, "published"),
        ({"illustrative": "yes"}, "illustrative"),
        ({"score_range": [7, 1]}, "score_range"),
        ({"score_range": [1]}, "score_range"),
        ({"kpis": []}, "kpis"),
        ({"peer_groups": []}, "peer_groups"),
        ({"peer_groups": {" London": {}}}, "peer_groups. London"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_set_problems_name_their_field(overrides, path):
    assert path in errors_of(valid_set(**overrides))


def test_every_problem_is_reported_at_once():
    data = valid_set(illustrative=None)
    data["kpis"][2]["unit"] = "stars"
    quartiles_of(data)["cost_per_user"]["p25"] = 9999
    assert set(errors_of(data)) == {"illustrative", "kpis.2.unit", f"peer_groups.{GROUP}.cost_per_user.p25"}


def test_not_an_object():
    assert errors_of([]) == {"set": ["must be an object"]}


def test_the_caller_data_is_not_changed():
    data = valid_set()
    before = copy.deepcopy(data)
    benchmark_set_from_dict(data)
    assert data == before


# --- the CSV a council imports ----------------------------------------------------------------

HEADER = ",".join(CSV_COLUMNS)
SET = "socitm-2025,Socitm benchmarks 2025,\"Socitm benchmarking, members' tables\",2025-06-30,false"


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD_ROWS = (
    f"{SET},cost_per_user,Cost per user,gbp,lower,org,London boroughs,2500,3135,3800,31",
    f"{SET},cost_per_user,Cost per user,gbp,lower,org,Unitary authorities,2100,2600,3100,",
    f"{SET},ict_satisfaction,Satisfaction with ICT,score,higher,service,London boroughs,4.8,5.3,5.9,",
    f"{SET},devices_donated,Devices donated,count,higher,org,,,,,",
)


def csv_errors(text: str) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        benchmark_set_from_csv(text)
    return caught.value.errors


def test_a_csv_builds_the_set():
    bset = benchmark_set_from_csv(csv_text(*GOOD_ROWS))
    assert (bset.set_id, bset.source, bset.illustrative) == ("socitm-2025", "Socitm benchmarking, members' tables", False)
    assert [k.kpi_id for k in bset.kpis] == ["cost_per_user", "ict_satisfaction", "devices_donated"]
    assert bset.kpi("ict_satisfaction") == Kpi("ict_satisfaction", "Satisfaction with ICT", "score", "higher", "service")
    assert bset.quartiles("London boroughs", "cost_per_user") == Quartiles(2500, 3135, 3800, 31)
    assert bset.quartiles("Unitary authorities", "cost_per_user") == Quartiles(2100, 2600, 3100)
    assert bset.quartiles("London boroughs", "ict_satisfaction") == Quartiles(4.8, 5.3, 5.9)
    assert set(bset.peer_groups) == {"London boroughs", "Unitary authorities"}


def test_a_csv_from_a_spreadsheet_loads():
    text = "\ufeff" + csv_text(*GOOD_ROWS).replace("\n", "\r\n") + "\r\n,,,,,,,,,,,,,,\r\n"
    assert len(benchmark_set_from_csv(text).kpis) == 3


def test_csv_columns_may_come_in_any_order():
    columns = list(reversed(CSV_COLUMNS))
    row = dict(zip(CSV_COLUMNS, next(csv.reader([GOOD_ROWS[0]]))))
    text = ",".join(columns) + "\n" + ",".join(f'"{row[c]}"' for c in columns) + "\n"
    assert benchmark_set_from_csv(text).quartiles("London boroughs", "cost_per_user").median == 3135


@pytest.mark.parametrize(
    ("bad_row", "key"),
    [
        (f"{SET},ict_satisfaction,Satisfaction with ICT,stars,higher,service,London boroughs,4.8,5.3,5.9,", "line 3.unit"),
        (f"{SET},cost_per_user,Cost per user,gbp,lower,org,Shire districts,3000,2900,3100,", "line 3.p25"),
        (f"{SET},cost_per_user,Cost per user,gbp,lower,org,Shire districts,2000,2900,2800,", "line 3.p75"),
        (f"{SET},cost_per_user,Cost per user,gbp,lower,org,Shire districts,\"£2,000\",2900,3100,", "line 3.p25"),
        (f"{SET},cost_per_user,Cost per user,gbp,lower,org,Shire districts,2000,,3100,", "line 3.median"),
        (f"{SET},cost_per_user,Cost per user,gbp,lower,org,Shire districts,-1,2900,3100,", "line 3.p25"),
        (f"{SET},cost_per_user,Cost per user,gbp,lower,org,Shire districts,2000,2900,3100,many", "line 3.n"),
        (f"{SET},cost_per_user,Cost per user,gbp,lower,org,London boroughs,2500,3135,3800,", "line 3.peer_group"),
        (f"{SET},cost_per_user,Cost per head,gbp,lower,org,Shire districts,2000,2900,3100,", "line 3.kpi_title"),
        (f"{SET},cost_per_user,Cost per user,gbp,higher,org,Shire districts,2000,2900,3100,", "line 3.better"),
        (f"{SET},devices_donated,Devices donated,count,higher,org,,1,2,3,", "line 3.peer_group"),
        (f"{SET},,Devices donated,count,higher,org,,,,,", "line 3.kpi_id"),
        (f"{SET},Bad-Id,Devices donated,count,higher,org,,,,,", "line 3.kpi_id"),
        (f"{SET},devices_donated,Devices donated,count,higher,org,,,,", "line 3"),
        (SET.replace("2025-06-30", "2025-07-01") + ",devices_donated,Devices donated,count,higher,org,,,,,",
         "line 3.published"),
        (SET.replace("Socitm benchmarks 2025", "Other title") + ",devices_donated,Devices donated,count,higher,org,,,,,",
         "line 3.title"),
    ],
)
def test_csv_problems_name_the_line_and_column(bad_row, key):
    errors = csv_errors(csv_text(GOOD_ROWS[0], bad_row))
    assert list(errors) == [key], errors


def test_csv_set_columns_are_checked_on_the_first_row():
    errors = csv_errors(csv_text(GOOD_ROWS[0].replace(",false,", ",maybe,").replace("2025-06-30", "30/06/2025")))
    assert set(errors) == {"line 2.illustrative", "line 2.published"}


def test_csv_line_numbers_count_the_header_blank_lines_and_multiline_cells():
    quoted = f'{SET},people_trained,"People trained\nin digital skills",count,higher,org,,,,,'
    text = csv_text(GOOD_ROWS[0], "", quoted, GOOD_ROWS[0].replace("London boroughs,2500", "London boroughs,9999"))
    # header 1, row 2, blank 3, quoted row 4-5, the bad row starts on line 6
    assert csv_errors(text) == {"line 6.peer_group": [
        "a second row for 'London boroughs' and 'cost_per_user' (the first is line 2)"]}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "line 1"),
        (HEADER.replace(",n", "") + "\n", "line 1"),
        (HEADER + ",extra\n", "line 1"),
        (HEADER + "\n", "line 1"),
    ],
)
def test_csv_header_problems(text, key):
    assert key in csv_errors(text)


# --- the shipped illustrative set -------------------------------------------------------------

SHIPPED = load_benchmark_sets()["illustrative-2024"]
ALL_SECTORS = "All UK sectors (NCC 2011)"
SERVICE_KPIS = {"cost_per_transaction", "user_satisfaction", "completion_rate", "digital_take_up"}
INCLUSION_KPIS = {"devices_donated", "people_trained", "sims_or_data_given", "inclusion_hubs"}
CHANNEL_KPIS = ("channel_cost_web", "channel_cost_phone", "channel_cost_face_to_face")


def test_the_shipped_set_is_labelled_illustrative():
    assert SHIPPED.illustrative is True
    assert "illustrative" in SHIPPED.title.lower()
    assert "members" in SHIPPED.source and SHIPPED.notes
    assert list(load_benchmark_sets()) == ["illustrative-2024"]


def test_every_shipped_kpi_cites_its_source_and_year():
    for kpi in SHIPPED.kpis:
        assert kpi.source and kpi.year and kpi.notes, kpi.kpi_id


def test_the_only_figures_shipped_are_ncc_2011s_published_quartiles_for_all_uk_sectors():
    """NCC's survey covered every UK sector, so its peer group is named for that, not for the
    public sector; it published the quartiles, so they are given, and nothing else is."""
    assert list(SHIPPED.peer_groups) == [ALL_SECTORS]
    assert SHIPPED.peer_groups[ALL_SECTORS] == {"it_spend_per_user": Quartiles(2096, 3135, 5152)}
    source = SHIPPED.kpi("it_spend_per_user").source
    assert all(text in source for text in ("NCC", "all UK sectors", "median", "£3,135", "£2,096", "£5,152"))
    assert "public sector" not in " ".join(SHIPPED.peer_groups).lower()


def test_channel_costs_are_averages_cited_with_their_sources_and_years_and_never_given_as_medians():
    """An average is not a median: a figure in the median slot would be read against as one (a
    gap to the median, a half), so the averages are cited on their KPIs instead."""
    figures = {
        "channel_cost_web": ("£0.15", "£0.27"),
        "channel_cost_phone": ("£2.83", "£3.76"),
        "channel_cost_face_to_face": ("£8.62", "£9.34"),
    }
    for kpi_id, (in_2011, in_2008) in figures.items():
        kpi = SHIPPED.kpi(kpi_id)
        assert not any(kpi_id in group for group in SHIPPED.peer_groups.values())
        assert kpi.year == 2011
        assert f"average {in_2011}" in kpi.source and "Channel Value Benchmarking" in kpi.source
        assert "May 2012" in kpi.source
        assert f"average {in_2008}" in kpi.source and "2008" in kpi.source and "secondary source" in kpi.source
        assert "median" not in kpi.source
        assert "not a median" in kpi.notes


def test_the_shipped_kpis():
    by_id = {k.kpi_id: k for k in SHIPPED.kpis}
    assert {k for k, v in by_id.items() if v.level == "service"} == SERVICE_KPIS
    assert (by_id["ict_spend_share"].unit, by_id["ict_spend_share"].better, by_id["ict_spend_share"].year) == (
        "percent", "lower", 2016)
    assert (by_id["training_days_per_user"].unit, by_id["training_days_per_user"].better) == ("days", "higher")
    assert by_id["it_spend_per_user"].year == 2011 and "not Socitm" in by_id["it_spend_per_user"].source
    assert [(by_id[k].unit, by_id[k].better) for k in CHANNEL_KPIS] == [("gbp", "lower")] * 3
    assert [(by_id[k].unit, by_id[k].better) for k in sorted(SERVICE_KPIS)] == [
        ("percent", "higher"), ("gbp", "lower"), ("percent", "higher"), ("percent", "higher")]
    for kpi_id in INCLUSION_KPIS:
        assert (by_id[kpi_id].unit, by_id[kpi_id].better, by_id[kpi_id].level) == ("count", "higher", "org")


def test_a_position_against_the_shipped_set():
    result = benchmark(SHIPPED, {"it_spend_per_user": 3300, "channel_cost_phone": 4.01, "devices_donated": 120}, "org")
    by_id = {p.kpi_id: p for p in result.kpis}
    # lower is better: 3300 is above the median 3135 and at or below p75 5152: quartile 2
    assert (by_id["it_spend_per_user"].quartile, by_id["it_spend_per_user"].gap_to_median) == (2, 165)
    # an average is not a median: no median, so no gap and no quartile
    phone = by_id["channel_cost_phone"]
    assert (phone.value, phone.median, phone.quartile, phone.gap_to_median) == (4.01, None, None, None)
    assert result.illustrative is True and result.peer_group == ALL_SECTORS


def test_the_shipped_file_is_named_after_its_set():
    directory = Path(chalicelib.benchmarks.__file__).parent
    assert sorted(p.stem for p in directory.glob("*.json")) == sorted(load_benchmark_sets())


def test_the_docs_list_every_shipped_kpi_and_figure():
    text = DOCS.read_text(encoding="utf-8")
    for kpi in SHIPPED.kpis:
        assert f"`{kpi.kpi_id}`" in text, kpi.kpi_id
    for figure in ("3,135", "2,096", "5,152", "0.15", "2.83", "8.62", "0.27", "3.76", "9.34", "2.4%", "0.59"):
        assert figure in text
    for column in CSV_COLUMNS:
        assert f"`{column}`" in text, column
