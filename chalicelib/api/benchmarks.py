"""Benchmark sets (platform admins import; anyone signed in reads), KPI values (admins record the
organisation's, admins and a service's owner its service's; members read) and benchmark
positions (admins and leadership)."""

from chalice import Blueprint

from chalicelib.edge import presenters
from chalicelib.api.http import CONDITIONAL_PUT, json_response, load_body, load_json, preconditions, route
from chalicelib.bootstrap import use_cases
from chalicelib.domain.benchmarks.rules import PERIOD_PATTERN
from chalicelib.domain.benchmarks.shape import SET_ID
from chalicelib.domain.etags import benchmark_set_etag, kpi_etag
from chalicelib.schemas import benchmarks as schemas
from chalicelib.services.benchmarks import BenchmarkService

bp = Blueprint(__name__)
SETS = "/benchmarks"
SET = SETS + "/{set_id}"
ORG_KPIS = "/orgs/{org_id}/kpis"
ORG_KPI = ORG_KPIS + "/{period}"
SERVICE_KPI = "/orgs/{org_id}/services/{service_id}/kpis/{period}"
ORG_POSITION = "/orgs/{org_id}/benchmark"
SERVICE_POSITION = "/orgs/{org_id}/services/{service_id}/benchmark"
POSITION_QUERY = (
    {"name": "set", "required": True, "schema": {"type": "string", "pattern": f"^{SET_ID.pattern}$"},
     "description": "The benchmark set's set_id (GET /benchmarks)."},
    {"name": "period", "required": True, "schema": {"type": "string", "pattern": PERIOD_PATTERN},
     "description": "YYYY, YYYY-Qn or YYYY-MM."},
)


def _service() -> BenchmarkService:
    return use_cases().benchmarks


# --- benchmark sets -----------------------------------------------------------------------------


@route(
    bp,
    SET,
    "PUT",
    "Import or replace a benchmark set (platform admin); shipped sets cannot be replaced",
    "benchmarks",
    chosen_id="set_id",
    body=schemas.BenchmarkSetIn,
    response=schemas.BenchmarkSetOut,
    status=201,
    also=(200, 400, 409, 412, 413, 415, 422),
    headers=CONDITIONAL_PUT,
    response_headers=("ETag", "Location"),
)
def put_benchmark_set(principal, set_id):
    request = bp.current_request
    view, created = _service().put_set(principal, set_id, load_json(request.raw_body or b""), preconditions(request))
    headers = {"ETag": benchmark_set_etag(view.bset), **({"Location": f"/benchmarks/{set_id}"} if created else {})}
    return json_response(_set_shown(view), 201 if created else 200, headers)


def _set_shown(view) -> dict:
    return schemas.BenchmarkSetOut().dump(presenters.benchmark_set(view))


def _kpis_shown(record):
    return json_response(schemas.KpiValuesOut().dump(presenters.kpi_values(record)), headers={"ETag": kpi_etag(record)})


@route(bp, SETS, "GET", "The benchmark sets: shipped (built_in) and imported", "benchmarks", response=schemas.BenchmarkSetList)
def list_benchmark_sets(principal):
    items = [presenters.benchmark_set_summary(v) for v in _service().list_sets(principal)]
    return schemas.BenchmarkSetList().dump({"items": items})


@route(bp, SET, "GET", "One benchmark set, its KPIs and peer groups' figures", "benchmarks", response=schemas.BenchmarkSetOut, also=(404,), response_headers=("ETag",))
def get_benchmark_set(principal, set_id):
    view = _service().get_set(principal, set_id)
    return json_response(_set_shown(view), headers={"ETag": benchmark_set_etag(view.bset)})


# --- KPI values ---------------------------------------------------------------------------------


@route(bp, ORG_KPIS, "GET", "The organisation's recorded KPI periods and values", "benchmarks", response=schemas.KpiValuesList, also=(404,))
def list_org_kpis(principal, org_id):
    records = _service().list_org_kpis(principal, org_id)
    return schemas.KpiValuesList().dump({"items": [presenters.kpi_values(r) for r in records]})


@route(
    bp, ORG_KPI, "PUT", "Record the organisation's KPI values for a period (replaces them; admins)", "benchmarks",
    body=schemas.KpiValuesIn, response=schemas.KpiValuesOut, also=(400, 404, 412, 413, 415, 422), headers=CONDITIONAL_PUT,
    response_headers=("ETag",),
)
def put_org_kpis(principal, org_id, period):
    request = bp.current_request
    values = load_body(request, schemas.KpiValuesIn())["values"]
    return _kpis_shown(_service().put_org_kpis(principal, org_id, period, values, preconditions(request)))


@route(bp, ORG_KPI, "GET", "The organisation's KPI values for a period", "benchmarks", response=schemas.KpiValuesOut, also=(404, 422), response_headers=("ETag",))
def get_org_kpis(principal, org_id, period):
    return _kpis_shown(_service().get_kpis(principal, org_id, None, period))


@route(
    bp, SERVICE_KPI, "PUT", "Record a service's KPI values for a period (replaces them; admins and its owner)",
    "benchmarks", body=schemas.KpiValuesIn, response=schemas.KpiValuesOut, also=(400, 404, 412, 413, 415, 422),
    headers=CONDITIONAL_PUT,
    response_headers=("ETag",),
)
def put_service_kpis(principal, org_id, service_id, period):
    request = bp.current_request
    values = load_body(request, schemas.KpiValuesIn())["values"]
    return _kpis_shown(_service().put_service_kpis(principal, org_id, service_id, period, values, preconditions(request)))


@route(bp, SERVICE_KPI, "GET", "A service's KPI values for a period", "benchmarks", response=schemas.KpiValuesOut, also=(404, 422), response_headers=("ETag",))
def get_service_kpis(principal, org_id, service_id, period):
    return _kpis_shown(_service().get_kpis(principal, org_id, service_id, period))


# --- positions ----------------------------------------------------------------------------------


def _query(name: str):
    return (bp.current_request.query_params or {}).get(name)


@route(
    bp, ORG_POSITION, "GET", "Where the organisation's KPI values stand against its peers (admins, leadership)",
    "benchmarks", response=schemas.BenchmarkPositionOut, also=(400, 404), query=POSITION_QUERY,
)
def org_position(principal, org_id):
    found = _service().position(principal, org_id, None, _query("set"), _query("period"))
    return schemas.BenchmarkPositionOut().dump(presenters.benchmark_position(found))


@route(
    bp, SERVICE_POSITION, "GET", "Where a service's KPI values stand against its peers (admins, leadership)",
    "benchmarks", response=schemas.BenchmarkPositionOut, also=(400, 404), query=POSITION_QUERY,
)
def service_position(principal, org_id, service_id):
    found = _service().position(principal, org_id, service_id, _query("set"), _query("period"))
    return schemas.BenchmarkPositionOut().dump(presenters.benchmark_position(found))
