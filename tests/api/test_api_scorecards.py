"""Scorecards through HTTP: a service's (status, staleness, current lock-in judged when read) and
the organisation's (averages over unrounded scores, levels, departments, lock-in summary, CSV)."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from tests.api.conftest import NOW, assessment_body, body, component_body, org_body, service_body

PRINCIPLE_COLUMNS = [f"principles.P{i}" for i in range(1, 6)]
CSV_HEADER = [
    "service_id", "name", "department", "owner_email", "status", "score", "level", *PRINCIPLE_COLUMNS,
    "lock_in_risk", "flag_count", "top_flag", "assessed_at", "stale",
]
LEVEL_NAMES = ["Beginning", "Emerging", "Learning", "Developing", "Mastering"]
RISKS = ["none", "low", "medium", "high", "critical"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def new_service(client, org, name="Parking permits", department="Environment"):
    response = client.post(f"/orgs/{org}/services", service_body(name=name, department=department))
    assert response.status_code == 201, response.body
    return body(response)["service_id"]


def put_component(client, org, service_id, component_id, **changes):
    response = client.put(f"/orgs/{org}/services/{service_id}/components/{component_id}", component_body(**changes))
    assert response.status_code in (200, 201), response.body
    return body(response)


def submit(client, org, service_id, document=None, **ratings):
    response = client.post(f"/orgs/{org}/services/{service_id}/assessments", document or assessment_body(client, **ratings))
    assert response.status_code == 201, response.body
    return body(response)


def card(client, org, service_id):
    response = client.get(f"/orgs/{org}/services/{service_id}/scorecard")
    assert response.status_code == 200, response.body
    return body(response)


def org_card(client, org, query=""):
    response = client.get(f"/orgs/{org}/scorecard{query}")
    assert response.status_code == 200, response.body
    return body(response)


def codes(lock_in) -> set[str]:
    return {f["code"] for f in lock_in["flags"]}


# -- one service -----------------------------------------------------------------------------------


def test_a_service_not_assessed(client, org, service_id):
    scorecard = card(client, org, service_id)
    assert scorecard["service_id"] == service_id
    assert scorecard["name"] == "Parking permits"
    assert scorecard["status"] == "not_assessed"
    assert scorecard["assessment_id"] is None
    assert scorecard["assessed_at"] is None
    assert scorecard["score"] is None
    assert scorecard["stale"] is False
    assert scorecard["lock_in"]["risk"] == "medium"
    (flag,) = scorecard["lock_in"]["flags"]
    assert flag["code"] == "NO_COMPONENTS_RECORDED"
    assert flag["severity"] == "medium"
    assert flag["component_id"] is None
    assert flag["message"] and flag["reference"]


def test_an_assessed_service(client, org, service_id):
    assessment = submit(client, org, service_id)
    scorecard = card(client, org, service_id)
    assert scorecard["status"] == "assessed"
    assert scorecard["assessment_id"] == assessment["assessment_id"]
    assert at(scorecard["assessed_at"]) == NOW
    assert scorecard["score"] == assessment["score"]
    assert scorecard["stale"] is False


@pytest.mark.parametrize(
    "submitted, still_fresh, stale",
    [
        # 12 calendar months after 15 March 2026 is 15 March 2027: stale only from the 16th
        ("2026-03-15T12:00:00Z", "2027-03-15T12:00:00Z", "2027-03-16T12:00:00Z"),
        # 29 February clamps to 28 February
        ("2028-02-29T12:00:00Z", "2029-02-28T12:00:00Z", "2029-03-01T12:00:00Z"),
        # dates are London's: 23:30Z on 30 June is 1 July in BST, and so is 23:30Z a year later
        ("2026-06-30T23:30:00Z", "2027-07-01T22:30:00Z", "2027-07-01T23:30:00Z"),
    ],
)
def test_stale_more_than_12_months_after_submission(client, clock, org, service_id, submitted, still_fresh, stale):
    clock.instant = at(submitted)
    submit(client, org, service_id)
    clock.instant = at(still_fresh)
    assert card(client, org, service_id)["stale"] is False
    assert org_card(client, org)["services"][0]["stale"] is False
    clock.instant = at(stale)
    assert card(client, org, service_id)["stale"] is True
    assert org_card(client, org)["services"][0]["stale"] is True


def _with_evidence(client, *valid_untils):
    document = assessment_body(client)
    document["answers"][0]["evidence"] = [
        {"url": f"https://evidence.example/{i}", "title": "Report", **({"valid_until": d} if d else {})}
        for i, d in enumerate(valid_untils)
    ]
    document["answers"][5]["evidence"] = [{"url": "https://evidence.example/undated"}]
    return document


def test_stale_once_cited_evidence_has_expired(client, clock, org, service_id):
    submit(client, org, service_id, _with_evidence(client, "2026-12-31", "2026-06-30", None))
    clock.instant = at("2026-06-30T22:00:00Z")  # still 30 June in London (23:00 BST)
    assert card(client, org, service_id)["stale"] is False
    clock.instant = at("2026-06-30T23:30:00Z")  # 1 July in London
    assert card(client, org, service_id)["stale"] is True

    # the latest assessment is what counts: a new one with current evidence is fresh
    submit(client, org, service_id, _with_evidence(client, "2027-06-30"))
    assert card(client, org, service_id)["stale"] is False


def test_evidence_without_valid_until_never_makes_it_stale(client, clock, org, service_id):
    submit(client, org, service_id, _with_evidence(client, None, None))
    clock.instant = at("2027-03-15T12:00:00Z")
    assert card(client, org, service_id)["stale"] is False


def test_lock_in_reflects_the_current_components(client, clock, org, service_id):
    assessment = submit(client, org, service_id)
    assert codes(card(client, org, service_id)["lock_in"]) == {"NO_COMPONENTS_RECORDED"}

    closed = {"open_api": False, "api_documented": False, "api_extra_charge": False}
    put_component(client, org, service_id, "casebook", interfaces=closed)
    scorecard = card(client, org, service_id)
    assert scorecard["assessment_id"] == assessment["assessment_id"]  # no new assessment
    assert scorecard["lock_in"]["risk"] == "high"
    assert [(f["code"], f["component_id"]) for f in scorecard["lock_in"]["flags"]] == [("NO_OPEN_API", "casebook")]

    put_component(
        client, org, service_id, "payments", data={"export_formats": ["csv"], "free_bulk_export": False, "open_standards": []}
    )
    scorecard = card(client, org, service_id)
    assert scorecard["lock_in"]["risk"] == "critical"  # two high flags
    assert codes(scorecard["lock_in"]) == {"NO_OPEN_API", "NO_FREE_BULK_EXPORT"}

    put_component(client, org, service_id, "casebook", customisation="heavy")
    put_component(client, org, service_id, "payments")
    scorecard = card(client, org, service_id)
    assert scorecard["lock_in"]["risk"] == "medium"
    assert [(f["code"], f["component_id"]) for f in scorecard["lock_in"]["flags"]] == [("HEAVY_CUSTOMISATION", "casebook")]

    for component_id in ("casebook", "payments"):
        assert client.delete(f"/orgs/{org}/services/{service_id}/components/{component_id}").status_code == 204
    assert codes(card(client, org, service_id)["lock_in"]) == {"NO_COMPONENTS_RECORDED"}
    # the assessment keeps the lock-in of its own moment
    stored = body(client.get(f"/orgs/{org}/services/{service_id}/assessments/{assessment['assessment_id']}"))
    assert codes(stored["lock_in"]) == {"NO_COMPONENTS_RECORDED"}


def test_date_dependent_flags_are_judged_when_read(client, clock, org, service_id):
    no_exit = {"exists": False, "last_reviewed": None}
    contract = {"start": "2025-07-01", "end": "2028-06-30", "auto_renew": False, "annual_cost_gbp": 5000}
    put_component(client, org, service_id, "casebook", exit_plan=no_exit, contract=contract)
    component_path = f"/orgs/{org}/services/{service_id}/components/casebook"

    def seen_on(day: str) -> list[set[str]]:
        clock.instant = at(f"{day}T12:00:00Z")
        return [
            codes(card(client, org, service_id)["lock_in"]),
            codes(body(client.get(component_path))),
            codes(body(client.get(f"/orgs/{org}/services/{service_id}/components"))["items"][0]),
        ]

    # 30 June 2028 is within 18 months from 30 December 2026 (inclusive), not from the 29th
    assert seen_on("2026-03-15") == [{"NO_EXIT_PLAN"}] * 3
    assert seen_on("2026-12-29") == [{"NO_EXIT_PLAN"}] * 3
    assert seen_on("2026-12-30") == [{"NO_EXIT_PLAN", "EXPIRY_WITHOUT_EXIT_PLAN"}] * 3
    assert card(client, org, service_id)["lock_in"]["risk"] == "critical"
    assert org_card(client, org)["lock_in"]["by_risk"]["critical"] == 1
    assert seen_on("2028-06-30") == [{"NO_EXIT_PLAN", "EXPIRY_WITHOUT_EXIT_PLAN"}] * 3
    assert seen_on("2028-07-01") == [{"NO_EXIT_PLAN"}] * 3
    assert card(client, org, service_id)["lock_in"]["risk"] == "high"


def test_an_exit_plan_goes_stale_as_time_passes(client, clock, org, service_id):
    put_component(client, org, service_id, "casebook", exit_plan={"exists": True, "last_reviewed": "2026-01-10"}, contract=None)
    clock.instant = at("2027-01-10T12:00:00Z")
    assert codes(card(client, org, service_id)["lock_in"]) == set()
    clock.instant = at("2027-01-11T12:00:00Z")
    assert codes(card(client, org, service_id)["lock_in"]) == {"EXIT_PLAN_STALE"}


# -- the organisation ------------------------------------------------------------------------------


@pytest.fixture
def council(client, clock, org):
    """Four services in two departments.

    Environment / Air quality: P3-Q1 (w3) amber, the rest green.
        P3 = (1.5 + 2 + 2 + 1) / 8 = 81.25; overall = (4 * 100 + 81.25) / 5 = 96.25 -> reported 96.3
    Environment / Bins: P1-Q4 (w1) amber, the rest green.
        P1 = (3 + 2 + 2 + 0.5) / 8 = 93.75; overall = (4 * 100 + 93.75) / 5 = 98.75 -> reported 98.8
    Adult Social Care / Care finder: every answer red except P4, all not_applicable.
        P1 = P2 = P3 = P5 = 0, P4 = null; overall 0.0
    Adult Social Care / Day centres: not assessed.
    """
    clock.instant = NOW - timedelta(days=10)
    ids = {
        "air": new_service(client, org, "Air quality", "Environment"),
        "bins": new_service(client, org, "Bins", "Environment"),
        "care": new_service(client, org, "Care finder", "Adult Social Care"),
        "day": new_service(client, org, "Day centres", "Adult Social Care"),
    }
    # Acme Ltd first (air), then ACME LTD (bins): grouped, shown as "Acme Ltd"
    put_component(client, org, ids["air"], "casebook")  # no flag; contract ends 2027-03-31
    clock.instant = NOW - timedelta(days=9)
    put_component(
        client,
        org,
        ids["bins"],
        "routes",
        supplier="ACME LTD",
        contract={"start": "2025-01-01", "end": "2029-01-01", "auto_renew": False, "annual_cost_gbp": 1},
        exit_plan={"exists": False, "last_reviewed": None},
    )  # NO_EXIT_PLAN: high
    put_component(
        client,
        org,
        ids["care"],
        "portal",
        supplier="Civica",
        contract={"start": "2024-10-01", "end": "2026-09-30", "auto_renew": False, "annual_cost_gbp": 1},
        interfaces={"open_api": False, "api_documented": True, "api_extra_charge": False},
        data={"export_formats": ["csv"], "free_bulk_export": False, "open_standards": []},
    )  # NO_OPEN_API + NO_FREE_BULK_EXPORT: critical
    clock.instant = NOW
    submit(client, org, ids["air"], P3_Q1="amber")
    submit(client, org, ids["bins"], P1_Q4="amber")
    not_applicable = {f"P4_Q{i}": "not_applicable" for i in range(1, 5)}
    submit(client, org, ids["care"], rating="red", **not_applicable)
    return ids


def test_the_organisation_scorecard(client, org, council):
    scorecard = org_card(client, org)
    assert scorecard["org_id"] == org
    assert scorecard["services_total"] == 4
    assert scorecard["services_assessed"] == 3
    # (96.25 + 98.75 + 0) / 3 = 65.0
    assert scorecard["average_score"] == 65.0
    # P1 (100 + 93.75 + 0) / 3 = 64.583 -> 64.6; P2, P5 200 / 3 -> 66.7;
    # P3 (81.25 + 100 + 0) / 3 = 60.416 -> 60.4; P4: Care finder's null is left out -> 100.0
    assert scorecard["principles"] == [
        {"principle_id": "P1", "average": 64.6},
        {"principle_id": "P2", "average": 66.7},
        {"principle_id": "P3", "average": 60.4},
        {"principle_id": "P4", "average": 100.0},
        {"principle_id": "P5", "average": 66.7},
    ]
    assert scorecard["levels"] == {"Beginning": 1, "Emerging": 0, "Learning": 0, "Developing": 0, "Mastering": 2}
    assert scorecard["departments"] == [
        {"department": "Adult Social Care", "services": 2, "services_assessed": 1, "average_score": 0.0},
        {"department": "Environment", "services": 2, "services_assessed": 2, "average_score": 97.5},
    ]
    lock_in = scorecard["lock_in"]
    assert lock_in["by_risk"] == {"none": 1, "low": 0, "medium": 1, "high": 1, "critical": 1}
    assert lock_in["flags"] == []  # fewer than 5 services
    assert lock_in["top_suppliers"] == [
        {"supplier": "Acme Ltd", "services": 2, "components": 2},
        {"supplier": "Civica", "services": 1, "components": 1},
    ]
    assert lock_in["expiring_contracts"] == [
        {"service_id": council["care"], "component_id": "portal", "supplier": "Civica", "end": "2026-09-30", "exit_plan": True},
        {"service_id": council["air"], "component_id": "casebook", "supplier": "Acme Ltd", "end": "2027-03-31", "exit_plan": True},
    ]

    rows = scorecard["services"]
    assert [r["service_id"] for r in rows] == [council[k] for k in ("care", "day", "air", "bins")]
    by_name = {r["name"]: r for r in rows}
    assert by_name["Air quality"]["score"] == 96.3
    assert by_name["Bins"]["score"] == 98.8
    assert by_name["Care finder"]["score"] == 0.0
    assert by_name["Day centres"]["score"] is None
    assert by_name["Air quality"]["level"] == {"level": 5, "name": "Mastering"}
    assert by_name["Care finder"]["level"] == {"level": 1, "name": "Beginning"}
    assert by_name["Day centres"]["level"] is None
    assert {r["name"]: r["lock_in_risk"] for r in rows} == {
        "Care finder": "critical",
        "Day centres": "medium",
        "Air quality": "none",
        "Bins": "high",
    }
    assert {r["name"]: r["status"] for r in rows} == {
        "Care finder": "assessed",
        "Day centres": "not_assessed",
        "Air quality": "assessed",
        "Bins": "assessed",
    }
    assert by_name["Day centres"]["assessed_at"] is None
    assert at(by_name["Bins"]["assessed_at"]) == NOW
    assert all(r["stale"] is False for r in rows)
    assert {r["department"] for r in rows} == {"Adult Social Care", "Environment"}
    for row in rows:
        assert set(row) >= {c.split(".")[0] for c in CSV_HEADER}


def test_averages_are_over_unrounded_scores_and_department_narrows_everything(client, org, council):
    scorecard = org_card(client, org, "?department=Environment")
    assert scorecard["services_total"] == 2
    assert scorecard["services_assessed"] == 2
    # unrounded: (96.25 + 98.75) / 2 = 97.5; the reported 96.3 and 98.8 would give 97.55 -> 97.6
    assert scorecard["average_score"] == 97.5
    # P1 (100 + 93.75) / 2 = 96.875 -> 96.9; P3 (81.25 + 100) / 2 = 90.625 -> 90.6 (not 90.7 from 81.3)
    assert scorecard["principles"] == [
        {"principle_id": "P1", "average": 96.9},
        {"principle_id": "P2", "average": 100.0},
        {"principle_id": "P3", "average": 90.6},
        {"principle_id": "P4", "average": 100.0},
        {"principle_id": "P5", "average": 100.0},
    ]
    assert scorecard["levels"] == {"Beginning": 0, "Emerging": 0, "Learning": 0, "Developing": 0, "Mastering": 2}
    assert scorecard["departments"] == [
        {"department": "Environment", "services": 2, "services_assessed": 2, "average_score": 97.5}
    ]
    assert scorecard["lock_in"]["by_risk"] == {"none": 1, "low": 0, "medium": 0, "high": 1, "critical": 0}
    assert scorecard["lock_in"]["top_suppliers"] == [{"supplier": "Acme Ltd", "services": 2, "components": 2}]
    assert [e["component_id"] for e in scorecard["lock_in"]["expiring_contracts"]] == ["casebook"]
    assert [r["service_id"] for r in scorecard["services"]] == [council["air"], council["bins"]]

    care = org_card(client, org, "?department=Adult%20Social%20Care")
    assert [r["name"] for r in care["services"]] == ["Care finder", "Day centres"]
    assert care["average_score"] == 0.0
    assert care["levels"]["Beginning"] == 1 and care["levels"]["Mastering"] == 0
    assert care["lock_in"]["by_risk"] == {"none": 0, "low": 0, "medium": 1, "high": 0, "critical": 1}
    assert [p["average"] for p in care["principles"]] == [0.0, 0.0, 0.0, None, 0.0]

    nobody = org_card(client, org, "?department=Libraries")
    assert nobody["services_total"] == 0 and nobody["services_assessed"] == 0
    assert nobody["average_score"] is None
    assert all(p["average"] is None for p in nobody["principles"])
    assert nobody["levels"] == dict.fromkeys(LEVEL_NAMES, 0)
    assert nobody["departments"] == []
    assert nobody["lock_in"]["by_risk"] == dict.fromkeys(RISKS, 0)
    assert nobody["lock_in"]["top_suppliers"] == [] and nobody["lock_in"]["expiring_contracts"] == []
    assert nobody["services"] == []


def test_an_organisation_without_services(client, org):
    scorecard = org_card(client, org)
    assert scorecard["services_total"] == 0
    assert scorecard["services_assessed"] == 0
    assert scorecard["average_score"] is None
    assert [p["principle_id"] for p in scorecard["principles"]] == ["P1", "P2", "P3", "P4", "P5"]
    assert scorecard["levels"] == dict.fromkeys(LEVEL_NAMES, 0)
    assert scorecard["lock_in"]["by_risk"] == dict.fromkeys(RISKS, 0)
    assert scorecard["services"] == [] and scorecard["departments"] == []


def test_supplier_concentration(client, clock, org):
    """More than 30% of the services, once there are at least 5, spelled in any case."""
    services = [new_service(client, org, f"Service {i}", "Digital") for i in range(4)]
    clock.instant = NOW + timedelta(minutes=1)
    put_component(client, org, services[3], "crm", supplier="acme ltd")  # entered first
    clock.instant = NOW + timedelta(minutes=2)
    put_component(client, org, services[0], "crm", supplier="ACME Ltd")
    put_component(client, org, services[0], "crm-2", supplier=" Acme LTD ")
    put_component(client, org, services[1], "finance", supplier="Civica")
    # 2 of 4 services (50%), but fewer than 5 services
    assert org_card(client, org)["lock_in"]["flags"] == []

    services.append(new_service(client, org, "Service 4", "Digital"))  # 2 of 5: 40% > 30%
    lock_in = org_card(client, org)["lock_in"]
    (flag,) = lock_in["flags"]
    assert flag["code"] == "SUPPLIER_CONCENTRATION"
    assert flag["severity"] == "high"
    assert flag["component_id"] is None
    assert flag["supplier"] == "acme ltd"
    assert flag["share"] in (pytest.approx(0.4), pytest.approx(40))
    assert flag["message"] and flag["reference"]
    assert lock_in["top_suppliers"][0] == {"supplier": "acme ltd", "services": 2, "components": 3}
    assert lock_in["top_suppliers"][1] == {"supplier": "Civica", "services": 1, "components": 1}
    # reported on the organisation, not folded into each service's risk
    risks = {r["service_id"]: r["lock_in_risk"] for r in org_card(client, org)["services"]}
    assert risks[services[0]] == "none" and risks[services[3]] == "none"

    services += [new_service(client, org, f"Service {i}", "Digital") for i in range(5, 10)]
    # 2 of 10 acme (20%); Civica on 3 of 10 is exactly 30%: not more than the share
    put_component(client, org, services[5], "finance", supplier="CIVICA")
    put_component(client, org, services[6], "finance", supplier="civica")
    assert org_card(client, org)["lock_in"]["flags"] == []
    put_component(client, org, services[7], "finance", supplier="Civica")  # 4 of 10: 40%
    (flag,) = org_card(client, org)["lock_in"]["flags"]
    assert (flag["code"], flag["supplier"]) == ("SUPPLIER_CONCENTRATION", "Civica")
    assert flag["share"] in (pytest.approx(0.4), pytest.approx(40))


def test_expiring_contracts_soonest_first_within_18_months(client, clock, org):
    # today 15 March 2026; 18 months on is 15 September 2027, both ends inclusive
    first = new_service(client, org, "Alpha", "Digital")
    clock.instant = NOW + timedelta(seconds=1)
    second = new_service(client, org, "Alpha", "Digital")  # same department and name: ordered by id
    no_exit = {"exists": False, "last_reviewed": None}

    def contract(end):
        return {"start": "2024-01-01", "end": end, "auto_renew": False, "annual_cost_gbp": 1}

    put_component(client, org, second, "horizon", contract=contract("2027-09-15"))
    put_component(client, org, second, "beyond", contract=contract("2027-09-16"))
    put_component(client, org, first, "today", contract=contract("2026-03-15"), exit_plan=no_exit)
    put_component(client, org, first, "ended", contract=contract("2026-03-14"))
    put_component(client, org, first, "none", contract=None)
    put_component(client, org, second, "autumn", supplier="Civica", contract=contract("2026-10-01"), exit_plan=no_exit)

    scorecard = org_card(client, org)
    assert [r["service_id"] for r in scorecard["services"]] == [first, second]
    expiring = scorecard["lock_in"]["expiring_contracts"]
    assert [(e["service_id"], e["component_id"], e["end"], e["exit_plan"]) for e in expiring] == [
        (first, "today", "2026-03-15", False),
        (second, "autumn", "2026-10-01", False),
        (second, "horizon", "2027-09-15", True),
    ]
    assert expiring[1]["supplier"] == "Civica"

    clock.instant = at("2026-03-16T12:00:00Z")  # judged when read
    assert [e["component_id"] for e in org_card(client, org)["lock_in"]["expiring_contracts"]] == [
        "autumn",
        "horizon",
        "beyond",
    ]


# -- CSV -------------------------------------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://evil.example","click")', "+1", "-x", "@x"]


@pytest.fixture
def csv_council(client, clock, org):
    ids = {}
    for i, name in enumerate([*DANGEROUS, "Café ☕ finder"]):
        clock.instant = NOW + timedelta(seconds=i)
        ids[name] = new_service(client, org, name, "Digital")
    ids["ops"] = new_service(client, org, "Rota", "-Ops")
    clock.instant = NOW + timedelta(minutes=1)
    submit(client, org, ids["+1"])
    submit(client, org, ids["Café ☕ finder"], P3_Q1="amber")
    return ids


def _rows(response):
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].split(";")[0].strip() == "text/csv"
    raw = response.body if isinstance(response.body, bytes) else response.body.encode()
    assert raw.startswith("\ufeff".encode()), "a UTF-8 byte order mark, for Excel"
    text = raw.decode("utf-8")[1:]
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.mark.parametrize("how", ["query", "accept"])
def test_the_organisation_scorecard_as_csv(client, org, csv_council, how):
    if how == "query":
        response = client.get(f"/orgs/{org}/scorecard?format=csv")
    else:
        response = client.get(f"/orgs/{org}/scorecard", headers={"Accept": "text/csv"})
    header, rows = _rows(response)
    assert header == CSV_HEADER
    services = org_card(client, org)["services"]
    assert len(rows) == len(services) == 6
    for row, service in zip(rows, services):
        cells = dict(zip(CSV_HEADER, row))
        assert cells["service_id"] == service["service_id"]
        name = service["name"]
        assert cells["name"] == ("'" + name if name[0] in "=+-@" else name)
        department = service["department"]
        assert cells["department"] == ("'" + department if department[0] in "=+-@" else department)
        assert cells["status"] == service["status"]
        assert cells["lock_in_risk"] == service["lock_in_risk"]
        assert cells["owner_email"] == service["owner_email"]
        assert int(cells["flag_count"]) == service["flag_count"] == 1
        assert cells["top_flag"] == service["top_flag"] == "NO_COMPONENTS_RECORDED"
        assert cells["stale"].lower() == str(service["stale"]).lower()
        if service["score"] is not None:
            assert float(cells["score"]) == service["score"]
            assert cells["level"] == service["level"]["name"]
            assert at(cells["assessed_at"]) == at(service["assessed_at"])
    by_id = {row[0]: dict(zip(CSV_HEADER, row)) for row in rows}
    assert by_id[csv_council["=HYPERLINK(\"http://evil.example\",\"click\")"]]["name"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert by_id[csv_council["+1"]]["name"] == "'+1"
    assert by_id[csv_council["-x"]]["name"] == "'-x"
    assert by_id[csv_council["@x"]]["name"] == "'@x"
    assert by_id[csv_council["Café ☕ finder"]]["name"] == "Café ☕ finder"
    assert by_id[csv_council["ops"]]["department"] == "'-Ops"
    assert by_id[csv_council["+1"]]["level"] == "Mastering"
    assert float(by_id[csv_council["+1"]]["score"]) == 100.0
    # P3-Q1 amber: overall 96.25 -> 96.3
    assert float(by_id[csv_council["Café ☕ finder"]]["score"]) == 96.3
    cafe = by_id[csv_council["Café ☕ finder"]]
    assert [cafe[c] for c in PRINCIPLE_COLUMNS] == ["100.0", "100.0", "81.3", "100.0", "100.0"]
    assert [by_id[csv_council["@x"]][c] for c in PRINCIPLE_COLUMNS] == [""] * 5


def test_the_csv_narrows_by_department_too(client, org, csv_council):
    header, rows = _rows(client.get(f"/orgs/{org}/scorecard?format=csv&department=-Ops"))
    assert header == CSV_HEADER
    assert [row[0] for row in rows] == [csv_council["ops"]]


def test_an_empty_csv_still_has_its_header(client, org):
    header, rows = _rows(client.get(f"/orgs/{org}/scorecard?format=csv"))
    assert header == CSV_HEADER and rows == []


def test_rank_services_is_the_organisations_choice_and_orders_json_and_csv(client, org):
    low = body(client.post(f"/orgs/{org}/services", service_body(name="A low scorer", department="Adults")))["service_id"]
    high = body(client.post(f"/orgs/{org}/services", service_body(name="Z high scorer", department="Zoo")))["service_id"]
    client.post(f"/orgs/{org}/services/{low}/assessments", assessment_body(client, rating="red", P1_Q1="green"))
    client.post(f"/orgs/{org}/services/{high}/assessments", assessment_body(client, rating="green"))
    assert body(client.get(f"/orgs/{org}"))["rank_services"] is False
    assert [s["service_id"] for s in body(client.get(f"/orgs/{org}/scorecard"))["services"]] == [low, high]
    updated = client.put(f"/orgs/{org}", org_body(rank_services=True), roles=("admin",))
    assert updated.status_code == 200 and body(updated)["rank_services"] is True
    assert [s["service_id"] for s in body(client.get(f"/orgs/{org}/scorecard"))["services"]] == [high, low]
    csv_rows = client.get(f"/orgs/{org}/scorecard?format=csv").body.decode().lstrip("\ufeff").splitlines()[1:]
    assert [row.split(",")[0] for row in csv_rows] == [high, low]


def _pages(client, path: str, limit: int) -> list[list[str]]:
    """Every page of the scorecard's services, following services_next_cursor."""
    pages, cursor = [], None
    while True:
        separator = "&" if "?" in path else "?"
        page = body(client.get(f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")))
        pages.append([s["service_id"] for s in page["services"]])
        cursor = page["services_next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("ranked", [False, True], ids=["by-department", "ranked"])
def test_the_services_come_a_page_at_a_time_in_order_and_every_figure_counts_them_all(client, org, ranked):
    if ranked:
        assert client.put(f"/orgs/{org}", org_body(rank_services=True), roles=("admin",)).status_code == 200
    made = [new_service(client, org, name=f"Service {n}", department=("Adults", "Highways")[n % 2]) for n in range(5)]
    for n, service_id in enumerate(made[:3]):
        submit(client, org, service_id, rating=("green", "amber", "red")[n])
    whole = body(client.get(f"/orgs/{org}/scorecard?limit=1000"))
    assert whole["services_next_cursor"] is None and len(whole["services"]) == 5
    pages = _pages(client, f"/orgs/{org}/scorecard", 2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum(pages, []) == [s["service_id"] for s in whole["services"]]
    first = body(client.get(f"/orgs/{org}/scorecard?limit=2"))
    assert (first["services_total"], first["services_assessed"]) == (5, 3)
    assert {k: v for k, v in first.items() if k not in ("services", "services_next_cursor")} == {
        k: v for k, v in whole.items() if k not in ("services", "services_next_cursor")
    }
    # A department's pages hold its services only; the CSV holds every service whatever the limit.
    adults = _pages(client, f"/orgs/{org}/scorecard?department=Adults", 2)
    assert sorted(sum(adults, [])) == sorted(made[0::2])
    csv_rows = client.get(f"/orgs/{org}/scorecard?format=csv&limit=1").body.decode().lstrip("\ufeff").splitlines()[1:]
    assert len(csv_rows) == 5


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=ten", "cursor=", "cursor=not-a-cursor", "department=Adults&cursor=p-1"])
def test_a_bad_page_of_the_scorecard_is_a_400(client, org, query):
    new_service(client, org)
    response = client.get(f"/orgs/{org}/scorecard?{query}")
    assert response.status_code == 400, (query, response.body)
    assert response.headers["Content-Type"].startswith("application/problem+json")
