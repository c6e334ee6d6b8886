"""Benchmark sets, KPI values and benchmark positions through the HTTP API (API.md, "Benchmarks,
KPIs and declaration projects"; docs/benchmarks.md). Every expected quartile is worked out by
hand in a comment next to it."""

import copy

import pytest

from tests.api.conftest import body, table_items

PLATFORM = {"roles": ("platform_admin",), "org": None, "email": "platform@tracker.example"}
ADMIN = {"roles": ("admin",)}
LEADERSHIP = {"roles": ("leadership",), "email": "cdo@testshire.example"}
OWNER = {"roles": ("service_owner",), "email": "owner@testshire.example"}  # owns service_body()'s service
OTHER_OWNER = {"roles": ("service_owner",), "email": "someone@testshire.example"}

# The worked example of docs/benchmarks.md, plus a percent KPI and a second peer group.
SET = {
    "title": "Socitm benchmarks 2025",
    "source": "Socitm benchmarking, members' tables",
    "published": "2025-06-30",
    "illustrative": False,
    "kpis": [
        {"kpi_id": "cost_per_user", "title": "Cost per user", "unit": "gbp", "better": "lower", "level": "org"},
        {"kpi_id": "online_share", "title": "Contacts made online", "unit": "percent", "better": "higher", "level": "org"},
        {"kpi_id": "devices_donated", "title": "Devices donated", "unit": "count", "better": "higher", "level": "org"},
        {"kpi_id": "ict_satisfaction", "title": "Satisfaction with ICT", "unit": "score", "better": "higher", "level": "service"},
    ],
    "peer_groups": {
        "London boroughs": {
            "cost_per_user": {"p25": 2500, "median": 3135, "p75": 3800, "n": 31},
            "online_share": {"p25": 40, "median": 55, "p75": 70},
            "ict_satisfaction": {"p25": 4.8, "median": 5.3, "p75": 5.9},
        },
        "Unitary authorities": {"cost_per_user": {"p25": 2100, "median": 2600, "p75": 3100}},
    },
}


def set_body(**overrides):
    return {**copy.deepcopy(SET), **overrides}


@pytest.fixture
def imported(client, org):
    response = client.put("/benchmarks/socitm-2025", set_body(), **PLATFORM)
    assert response.status_code == 201, response.body
    return "socitm-2025"


def errors(response):
    return body(response)["errors"]


# --- benchmark sets -----------------------------------------------------------------------------


def test_a_platform_admin_imports_a_set_and_replaces_it(client, org):
    created = client.put("/benchmarks/socitm-2025", set_body(), **PLATFORM)
    assert created.status_code == 201, created.body
    assert created.headers["Location"] == "/benchmarks/socitm-2025"
    shown = body(created)
    assert shown["set_id"] == "socitm-2025" and shown["built_in"] is False and shown["score_range"] == [1, 7]
    assert shown["peer_groups"]["London boroughs"]["cost_per_user"] == {"p25": 2500, "median": 3135, "p75": 3800, "n": 31}

    replaced = client.put("/benchmarks/socitm-2025", set_body(title="Socitm benchmarks 2025 (revised)"), **PLATFORM)
    assert replaced.status_code == 200
    read = body(client.get("/benchmarks/socitm-2025", **LEADERSHIP, org="testshire"))
    assert read["title"] == "Socitm benchmarks 2025 (revised)"
    assert read["kpis"][3]["kpi_id"] == "ict_satisfaction"
    # Each write left an audit record, kept under the platform pseudo-organisation.
    audits = [i for i in table_items() if i["pk"]["S"] == "ORG#_platform#AUDIT"]
    assert sorted(i["action"]["S"] for i in audits) == ["benchmark_set.created", "benchmark_set.replaced"]


def test_the_list_has_the_shipped_set_first_then_imported_sets(client, imported):
    items = body(client.get("/benchmarks", **OWNER, org="testshire"))["items"]
    assert [(i["set_id"], i["built_in"], i["illustrative"]) for i in items] == [
        ("illustrative-2024", True, True),
        ("socitm-2025", False, False),
    ]
    assert set(items[1]) == {"set_id", "title", "source", "published", "illustrative", "built_in"}
    assert items[1]["published"] == "2025-06-30"


def test_the_shipped_set_is_readable_and_cannot_be_replaced(client, org):
    shipped = body(client.get("/benchmarks/illustrative-2024"))
    assert shipped["built_in"] is True and shipped["illustrative"] is True
    before = table_items()
    response = client.put("/benchmarks/illustrative-2024", set_body(), **PLATFORM)
    assert response.status_code == 409
    assert table_items() == before


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda b: b["kpis"][0].update(unit="stars"), "kpis.0.unit"),
        (lambda b: b["kpis"][1].update(kpi_id="cost_per_user"), "kpis.1.kpi_id"),  # a duplicate
        (lambda b: b["peer_groups"]["London boroughs"]["cost_per_user"].update(p25=3200), "peer_groups.London boroughs.cost_per_user.p25"),
        (lambda b: b["peer_groups"]["London boroughs"]["online_share"].update(p75=120), "peer_groups.London boroughs.online_share.p75"),
        (lambda b: b.update(published="30/06/2025"), "published"),
        (lambda b: b.update(illustrative="no"), "illustrative"),
        (lambda b: b.update(colour="blue"), "colour"),  # unknown field
        (lambda b: b.pop("title"), "title"),
        (lambda b: b.update(set_id="another-set"), "set_id"),  # differs from the path
        (lambda b: b.update(score_range=[7, 1]), "score_range"),
    ],
)
def test_an_invalid_set_is_422_naming_the_field_and_writes_nothing(client, org, change, field):
    data = set_body()
    change(data)
    before = table_items()
    response = client.put("/benchmarks/socitm-2025", data, **PLATFORM)
    assert response.status_code == 422, response.body
    assert field in errors(response), errors(response)
    assert table_items() == before


def test_a_badly_formed_set_id_is_422_on_put_and_404_on_get(client, org):
    response = client.put("/benchmarks/Socitm_2025", set_body(), **PLATFORM)
    assert response.status_code == 422 and "set_id" in errors(response)
    assert client.get("/benchmarks/Socitm_2025").status_code == 404
    assert client.get("/benchmarks/never-imported").status_code == 404


def test_only_a_platform_admin_imports_sets_and_anyone_signed_in_reads_them(client, org):
    before = table_items()
    for who in (ADMIN, LEADERSHIP, OWNER):
        assert client.put("/benchmarks/socitm-2025", set_body(), org="testshire", **who).status_code == 403
    assert table_items() == before
    assert client.put("/benchmarks/socitm-2025", set_body(), token=None).status_code == 401
    assert client.get("/benchmarks", token=None).status_code == 401
    assert client.get("/benchmarks/illustrative-2024", token=None).status_code == 401
    assert client.get("/benchmarks", org="testshire", **LEADERSHIP).status_code == 200


# --- KPI values ---------------------------------------------------------------------------------


def test_organisation_kpis_are_recorded_read_back_and_replaced(client, imported):
    assert client.get("/orgs/testshire/kpis/2025").status_code == 404
    put = client.put("/orgs/testshire/kpis/2025", {"values": {"cost_per_user": 2900, "online_share": 61.5}})
    assert put.status_code == 200, put.body
    assert body(put) == {"period": "2025", "values": {"cost_per_user": 2900, "online_share": 61.5}, "updated_at": "2026-03-15T12:00:00.000000Z"}
    assert body(client.get("/orgs/testshire/kpis/2025", **LEADERSHIP))["values"] == {"cost_per_user": 2900, "online_share": 61.5}
    # A PUT replaces the period's values as a whole.
    client.put("/orgs/testshire/kpis/2025", {"values": {"devices_donated": 40}})
    assert body(client.get("/orgs/testshire/kpis/2025"))["values"] == {"devices_donated": 40}
    # The shipped set's KPIs are known too.
    assert client.put("/orgs/testshire/kpis/2024-Q1", {"values": {"channel_cost_web": 0.31}}).status_code == 200
    assert client.put("/orgs/testshire/kpis/2025-03", {"values": {"cost_per_user": 3000}}).status_code == 200
    listed = body(client.get("/orgs/testshire/kpis", **OWNER))["items"]
    # In calendar order: 2024-Q1 (from 1 January 2024), 2025 (1 January 2025), 2025-03 (1 March 2025).
    assert [i["period"] for i in listed] == ["2024-Q1", "2025", "2025-03"]
    audits = [i["action"]["S"] for i in table_items() if i["sk"]["S"].startswith("AUDIT#") and i["pk"]["S"] == "ORG#testshire#AUDIT"]
    assert audits.count("org.kpis.recorded") == 4


@pytest.mark.parametrize(
    "values, field",
    [
        ({"online_share": 100.5}, "values.online_share"),  # percent is 0-100
        ({"online_share": -1}, "values.online_share"),
        ({"cost_per_user": -0.01}, "values.cost_per_user"),  # gbp 0 or more
        ({"devices_donated": 2.5}, "values.devices_donated"),  # a count is whole
        ({"devices_donated": "40"}, "values.devices_donated"),  # a number, not a string
        ({"devices_donated": True}, "values.devices_donated"),
        ({"devices_donated": None}, "values.devices_donated"),
        ({"stars": 4}, "values.stars"),  # unknown to every known set
        ({"ict_satisfaction": 5}, "values.ict_satisfaction"),  # a service KPI on the organisation
        ({}, "values"),
    ],
)
def test_invalid_organisation_values_are_422_naming_them_and_write_nothing(client, imported, values, field):
    before = table_items()
    response = client.put("/orgs/testshire/kpis/2025", {"values": values})
    assert response.status_code == 422, response.body
    assert field in errors(response), errors(response)
    assert table_items() == before


@pytest.mark.parametrize("period", ["2025-Q5", "2025-13", "25", "2025-1", "2025-q1"])
def test_a_bad_period_is_422_naming_period(client, imported, period):
    before = table_items()
    response = client.put(f"/orgs/testshire/kpis/{period}", {"values": {"cost_per_user": 1}})
    assert response.status_code == 422 and "period" in errors(response)
    assert client.get(f"/orgs/testshire/kpis/{period}").status_code == 422
    assert table_items() == before


def test_unknown_fields_and_missing_values_are_422(client, imported):
    assert "extra" in errors(client.put("/orgs/testshire/kpis/2025", {"values": {"cost_per_user": 1}, "extra": 1}))
    assert "values" in errors(client.put("/orgs/testshire/kpis/2025", {}))


def test_service_kpis_belong_to_the_service_level(client, imported, service_id):
    path = f"/orgs/testshire/services/{service_id}/kpis/2025-Q1"
    before = table_items()
    wrong_level = client.put(path, {"values": {"cost_per_user": 2900}})  # an organisation KPI
    assert wrong_level.status_code == 422 and "values.cost_per_user" in errors(wrong_level)
    out_of_range = client.put(path, {"values": {"ict_satisfaction": 7.5}})  # score 1-7
    assert out_of_range.status_code == 422 and "values.ict_satisfaction" in errors(out_of_range)
    assert table_items() == before
    assert client.get(path).status_code == 404
    assert client.put(path, {"values": {"ict_satisfaction": 5.9, "user_satisfaction": 80}}, **OWNER).status_code == 200
    assert body(client.get(path, **OTHER_OWNER))["values"] == {"ict_satisfaction": 5.9, "user_satisfaction": 80}
    # The organisation's list is the organisation's own periods only.
    assert body(client.get("/orgs/testshire/kpis"))["items"] == []


def test_who_may_record_kpis(client, imported, service_id):
    service_path = f"/orgs/testshire/services/{service_id}/kpis/2025"
    before = table_items()
    assert client.put(service_path, {"values": {"ict_satisfaction": 5}}, **OTHER_OWNER).status_code == 403
    assert client.put(service_path, {"values": {"ict_satisfaction": 5}}, **LEADERSHIP).status_code == 403
    for who in (OWNER, LEADERSHIP):  # organisation KPIs: admins only
        assert client.put("/orgs/testshire/kpis/2025", {"values": {"cost_per_user": 1}}, **who).status_code == 403
    assert client.put("/orgs/testshire/kpis/2025", {"values": {"cost_per_user": 1}}, org="elsewhere").status_code == 403
    assert client.get("/orgs/testshire/kpis", **PLATFORM).status_code == 403
    assert client.get("/orgs/testshire/kpis", token=None).status_code == 401
    assert table_items() == before
    assert client.put(service_path, {"values": {"ict_satisfaction": 5}}, **ADMIN).status_code == 200


def test_kpis_of_an_unknown_organisation_or_service_are_404(client, imported):
    assert client.put("/orgs/nowhere/kpis/2025", {"values": {"cost_per_user": 1}}).status_code == 404
    assert client.get("/orgs/nowhere/kpis").status_code == 404
    assert client.put("/orgs/testshire/services/01ARZ3NDEKTSV4RRFFQ69G5FAV/kpis/2025", {"values": {"ict_satisfaction": 5}}).status_code == 404


# --- positions ----------------------------------------------------------------------------------


def rows(response):
    assert response.status_code == 200, response.body
    return {k["kpi_id"]: k for k in body(response)["kpis"]}


def test_organisation_position_in_both_directions_with_boundaries(client, imported):
    client.put("/orgs/testshire/kpis/2025", {"values": {"cost_per_user": 2900, "online_share": 55, "devices_donated": 120}})
    response = client.get("/orgs/testshire/benchmark?set=socitm-2025&period=2025", **LEADERSHIP)
    shown = body(response)
    assert {k: shown[k] for k in ("set_id", "peer_group", "period", "illustrative", "note")} == {
        "set_id": "socitm-2025", "peer_group": "London boroughs", "period": "2025", "illustrative": False, "note": None,
    }
    found = rows(response)
    assert list(found) == ["cost_per_user", "online_share", "devices_donated"]  # the set's org KPIs, in order
    # cost_per_user, lower is better, p25 2500 / median 3135 / p75 3800: 2900 is not <= 2500 but
    # is <= 3135, so quartile 3; gap 2900 - 3135 = -235.
    assert found["cost_per_user"] == {"kpi_id": "cost_per_user", "value": 2900, "p25": 2500, "median": 3135, "p75": 3800,
                                      "quartile": 3, "gap_to_median": -235}
    # online_share, higher is better, p25 40 / median 55 / p75 70: 55 is on the median, which
    # belongs to the better side: quartile 3, gap 0.
    assert (found["online_share"]["quartile"], found["online_share"]["gap_to_median"]) == (3, 0)
    # devices_donated has no figures: the value, nothing else.
    assert found["devices_donated"] == {"kpi_id": "devices_donated", "value": 120, "p25": None, "median": None, "p75": None,
                                        "quartile": None, "gap_to_median": None}


@pytest.mark.parametrize(
    "cost, quartile, gap",
    [
        (2500, 4, -635),  # on p25, lower is better: the better side, quartile 4 (2500 - 3135)
        (3135, 3, 0),  # on the median: quartile 3
        (3800, 2, 665),  # on p75: quartile 2, not 1 (3800 - 3135)
        (3800.01, 1, 665.01),  # above p75: quartile 1
        (0, 4, -3135),
    ],
)
def test_lower_is_better_boundaries(client, imported, cost, quartile, gap):
    client.put("/orgs/testshire/kpis/2025-Q2", {"values": {"cost_per_user": cost}})
    found = rows(client.get("/orgs/testshire/benchmark?set=socitm-2025&period=2025-Q2"))["cost_per_user"]
    assert (found["quartile"], found["gap_to_median"]) == (quartile, gap)


@pytest.mark.parametrize(
    "score, quartile, gap",
    [
        (5.9, 4, 0.6),  # on p75, higher is better: quartile 4; 5.9 - 5.3 = 0.6 on the decimals
        (5.3, 3, 0),  # on the median
        (5.0, 2, -0.3),  # 4.8 <= 5.0 < 5.3
        (4.8, 2, -0.5),  # on p25: quartile 2, not 1
        (4.79, 1, -0.51),  # below p25
    ],
)
def test_service_position_higher_is_better(client, imported, service_id, score, quartile, gap):
    client.put(f"/orgs/testshire/services/{service_id}/kpis/2025", {"values": {"ict_satisfaction": score}})
    response = client.get(f"/orgs/testshire/services/{service_id}/benchmark?set=socitm-2025&period=2025", **LEADERSHIP)
    found = rows(response)
    assert list(found) == ["ict_satisfaction"]  # the set's service KPIs only
    assert found["ict_satisfaction"]["value"] == score
    assert (found["ict_satisfaction"]["quartile"], found["ict_satisfaction"]["gap_to_median"]) == (quartile, gap)


def test_no_values_for_the_period_are_nulls_never_zero(client, imported):
    client.put("/orgs/testshire/kpis/2025", {"values": {"cost_per_user": 2900}})
    found = rows(client.get("/orgs/testshire/benchmark?set=socitm-2025&period=2025-Q1"))
    for row in found.values():
        assert (row["value"], row["quartile"], row["gap_to_median"]) == (None, None, None)
    assert found["cost_per_user"]["median"] == 3135


def test_a_peer_group_not_in_a_set_of_several_gives_no_quartiles_and_says_why(client, imported):
    client.put("/orgs/testshire", {"name": "Testshire Council", "peer_group": "Districts", "declaration_signed_on": "2019-03-01"})
    client.put("/orgs/testshire/kpis/2025", {"values": {"cost_per_user": 2900}})
    shown = body(client.get("/orgs/testshire/benchmark?set=socitm-2025&period=2025"))
    assert shown["peer_group"] is None and "Districts" in shown["note"]
    for row in shown["kpis"]:
        assert (row["p25"], row["median"], row["p75"], row["quartile"], row["gap_to_median"]) == (None,) * 5
    assert shown["kpis"][0]["value"] == 2900


def test_the_shipped_set_is_labelled_illustrative_everywhere(client, org):
    client.put("/orgs/testshire/kpis/2025", {"values": {"it_spend_per_user": 3300, "channel_cost_web": 0.31}})
    shown = body(client.get("/orgs/testshire/benchmark?set=illustrative-2024&period=2025"))
    assert shown["illustrative"] is True
    # Its only peer group is used, and the note says it is not the organisation's own.
    assert shown["peer_group"] == "All UK sectors (NCC 2011)" and "London boroughs" in shown["note"]
    kpis = {k["kpi_id"]: k for k in shown["kpis"]}
    # docs/benchmarks.md section 6: NCC's quartiles; lower is better, 3300 is above the median.
    assert kpis["it_spend_per_user"] == {"kpi_id": "it_spend_per_user", "value": 3300, "p25": 2096, "median": 3135,
                                         "p75": 5152, "quartile": 2, "gap_to_median": 165}
    # The channel costs are averages, not medians: no position is made from them.
    assert kpis["channel_cost_web"] == {"kpi_id": "channel_cost_web", "value": 0.31, "p25": None, "median": None,
                                        "p75": None, "quartile": None, "gap_to_median": None}
    listed = body(client.get("/benchmarks"))["items"]
    assert listed[0]["illustrative"] is True and body(client.get("/benchmarks/illustrative-2024"))["illustrative"] is True


@pytest.mark.parametrize(
    "query, status, field",
    [
        ("?period=2025", 400, "set"),
        ("?set=&period=2025", 400, "set"),
        ("?set=Not_A_Set&period=2025", 400, "set"),
        ("?set=socitm-2025", 400, "period"),
        ("?set=socitm-2025&period=2025-Q5", 400, "period"),
        ("?set=never-imported&period=2025", 404, None),
    ],
)
def test_position_query_parameters(client, imported, query, status, field):
    response = client.get(f"/orgs/testshire/benchmark{query}")
    assert response.status_code == status, response.body
    if field:
        assert field in errors(response)


def test_who_may_see_positions(client, imported, service_id):
    for path in ("/orgs/testshire/benchmark?set=socitm-2025&period=2025",
                 f"/orgs/testshire/services/{service_id}/benchmark?set=socitm-2025&period=2025"):
        assert client.get(path, **ADMIN).status_code == 200
        assert client.get(path, **LEADERSHIP).status_code == 200
        assert client.get(path, **OWNER).status_code == 403  # API.md: admins and leadership
        assert client.get(path, **PLATFORM).status_code == 403
        assert client.get(path, org="elsewhere").status_code == 403
        assert client.get(path, token=None).status_code == 401
    unknown = "/orgs/testshire/services/01ARZ3NDEKTSV4RRFFQ69G5FAV/benchmark?set=socitm-2025&period=2025"
    assert client.get(unknown).status_code == 404
