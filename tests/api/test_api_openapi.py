"""/openapi.json: an OpenAPI 3.1 document of every route the app serves, whose schemas describe
what the API really sends and accepts.

openapi_spec_validator is not installed in the project's venv, so the document's structure is
checked here; every JSON body of two tours of the API is validated against the documented schema
with jsonschema (Draft 2020-12, the dialect of OpenAPI 3.1), and its headers are checked against
those documented."""

import json
import re

import pytest
from jsonschema import Draft202012Validator

from tests.api.conftest import assessment_body, body, component_body, org_body, service_body, signed_delivery
from tests.api.test_benchmarks import set_body

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def spec(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200, response.body
    return body(response)


def app_routes() -> dict[str, set[str]]:
    """The JSON API's routes: the HTML pages under /app are not part of the document."""
    from app import app

    return {path: set(entries) for path, entries in app.routes.items() if not path.startswith("/app")}


def walk(node, where="#"):
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{where}/{i}")


def resolve(spec, ref: str):
    assert ref.startswith("#/"), ref
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
        node = node[part]
    return node


def validator(spec, schema) -> Draft202012Validator:
    """A validator for `schema` whose "#/components/..." refs resolve against the document."""
    rooted = {**schema, "components": spec.get("components", {})}
    return Draft202012Validator(rooted, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors_of(spec, schema, instance) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
        for e in validator(spec, schema).iter_errors(instance)
    ]


# -- the document ------------------------------------------------------------------------------


def test_it_is_an_openapi_3_1_document(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] and spec["info"]["version"]
    assert isinstance(spec["paths"], dict) and spec["paths"]
    assert isinstance(spec["components"]["schemas"], dict)


def test_every_route_and_method_is_documented_and_nothing_else(spec):
    served = {(path, method.lower()) for path, methods in app_routes().items() for method in methods}
    documented = {
        (path, method) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS
    }
    assert served - documented == set(), "routes the document leaves out"
    assert documented - served == set(), "operations the app does not serve"
    # and the contract's routes are among them
    for path, method in [
        ("/health", "get"),
        ("/openapi.json", "get"),
        ("/frameworks", "get"),
        ("/frameworks/{framework_id}", "get"),
        ("/orgs", "get"),
        ("/orgs/{org_id}", "put"),
        ("/orgs/{org_id}", "get"),
        ("/orgs/{org_id}/services", "post"),
        ("/orgs/{org_id}/services", "get"),
        ("/orgs/{org_id}/services/{service_id}", "get"),
        ("/orgs/{org_id}/services/{service_id}", "patch"),
        ("/orgs/{org_id}/services/{service_id}/components", "get"),
        ("/orgs/{org_id}/services/{service_id}/components/{component_id}", "put"),
        ("/orgs/{org_id}/services/{service_id}/components/{component_id}", "get"),
        ("/orgs/{org_id}/services/{service_id}/components/{component_id}", "delete"),
        ("/orgs/{org_id}/services/{service_id}/assessments", "post"),
        ("/orgs/{org_id}/services/{service_id}/assessments", "get"),
        ("/orgs/{org_id}/services/{service_id}/assessments/{assessment_id}", "get"),
        ("/orgs/{org_id}/services/{service_id}/scorecard", "get"),
        ("/orgs/{org_id}/scorecard", "get"),
    ]:
        assert (path, method) in documented, (path, method)


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_each_operation_is_complete(spec):
    operation_ids = []
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        operation_ids.append(operation.get("operationId"))
        responses = operation.get("responses")
        assert isinstance(responses, dict) and responses, f"{where} has no responses"
        assert any(code.startswith("2") for code in responses), f"{where} has no success response"
        for code, response in responses.items():
            assert re.fullmatch(r"[1-5]\d\d|[1-5]XX|default", code), f"{where}: {code}"
            assert isinstance(response.get("description"), str), f"{where} {code} has no description"
            if code[0] in "45":
                assert PROBLEM_JSON in response.get("content", {}), f"{where} {code} is not a problem"
                schema = response["content"][PROBLEM_JSON]["schema"]
                assert schema.get("$ref") == "#/components/schemas/Problem", f"{where} {code}: {schema}"
        # path parameters: exactly the template's, each required
        declared = {p["name"] for p in operation.get("parameters", []) + spec["paths"][path].get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), where
        for parameter in operation.get("parameters", []):
            assert parameter["in"] in ("path", "query", "header", "cookie"), where
            assert "schema" in parameter or "content" in parameter, where
            if parameter["in"] == "path":
                assert parameter.get("required") is True, where
    assert None not in operation_ids
    assert len(operation_ids) == len(set(operation_ids)), "operationIds are not unique"


def test_request_bodies_reference_schemas_that_exist(spec):
    schemas = spec["components"]["schemas"]
    bodies = {}
    for path, method, operation in operations(spec):
        # Rotating a secret is an action and a retirement is there or not: neither has a body.
        if method in ("post", "put", "patch") and not path.endswith(("/rotate-secret", "/retirement")):
            request_body = operation.get("requestBody")
            assert request_body, f"{method.upper()} {path} documents no request body"
            content = request_body["content"]
            assert "application/json" in content, f"{method.upper()} {path}"
            if method == "patch":  # named, not listed: see chalicelib/api/openapi.py
                assert "application/merge-patch+json" in request_body["description"], path
            for media in content.values():
                ref = media["schema"].get("$ref", "")
                assert ref.startswith("#/components/schemas/"), f"{method.upper()} {path}: {media['schema']}"
                assert ref.rsplit("/", 1)[1] in schemas, f"{method.upper()} {path}: {ref} is missing"
            bodies[(method, path)] = content["application/json"]["schema"]["$ref"]
    assert ("put", "/orgs/{org_id}") in bodies and ("post", "/webhooks/{integration_id}") in bodies


def test_every_ref_resolves_and_every_schema_is_valid_json_schema(spec):
    refs = [(where, node["$ref"]) for where, node in walk(spec) if isinstance(node.get("$ref"), str)]
    assert refs
    for where, ref in refs:
        resolve(spec, ref)
    for name, schema in spec["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)


def test_a_nullable_enum_is_the_enum_or_null(spec):
    """Not one schema whose values include null: generators (openapi-python-client) then make
    several classes of the one enum."""
    assert [where for where, node in walk(spec) if None in (node.get("enum") or ())] == []
    phase = {"anyOf": [{"type": "string", "enum": ["discovery", "alpha", "beta", "live", "retiring"]}, {"type": "null"}]}
    schemas = spec["components"]["schemas"]
    assert schemas["ServiceOut"]["properties"]["phase"] == phase
    assert schemas["ServicePatch"]["properties"]["phase"] == phase
    assert schemas["ServiceIn"]["properties"]["phase"] == {**phase, "default": None}


def test_the_contracts_response_headers_are_declared(spec):
    """Those the tours cannot see too: a 503 (Retry-After) and every bearer route's 401."""
    for path, method, operation in operations(spec):
        for code, response in operation["responses"].items():
            headers = response.get("headers", {})
            where = f"{method.upper()} {path} {code}"
            if code == "201":
                assert "Location" in headers, where
            if code == "401" and operation.get("security"):
                assert "WWW-Authenticate" in headers, where
            if code == "503":
                assert "Retry-After" in headers, where
    assert "ETag" in spec["paths"]["/orgs/{org_id}/services/{service_id}"]["get"]["responses"]["200"]["headers"]


def test_the_documented_statuses_include_the_contracts(spec):
    def codes(path, method):
        return set(spec["paths"][path][method]["responses"])

    service = "/orgs/{org_id}/services/{service_id}"
    assert {"200", "201"} <= codes("/orgs/{org_id}", "put")
    assert {"201", "404", "422"} <= codes("/orgs/{org_id}/services", "post")
    assert {"200", "412", "428", "422", "404"} <= codes(service, "patch")
    assert {"200", "201", "412", "422"} <= codes(service + "/components/{component_id}", "put")
    assert "204" in codes(service + "/components/{component_id}", "delete")
    assert {"201", "422", "404"} <= codes(service + "/assessments", "post")
    for path in ("/orgs", "/orgs/{org_id}/services", service + "/assessments"):
        assert "400" in codes(path, "get"), path
    # conditional requests: optional on a PUT that replaces a record, If-Match required on a PATCH
    def header_parameters(path, method):
        return {p["name"]: p for p in spec["paths"][path][method]["parameters"] if p["in"] == "header"}

    for path in (
        "/orgs/{org_id}",
        service + "/components/{component_id}",
        "/benchmarks/{set_id}",
        "/orgs/{org_id}/kpis/{period}",
        service + "/kpis/{period}",
    ):
        headers = header_parameters(path, "put")
        assert headers["If-Match"]["required"] is False and headers["If-None-Match"]["required"] is False, path
        assert "412" in codes(path, "put"), path
    for path in (service, "/orgs/{org_id}/declaration-projects/{project_id}"):
        assert header_parameters(path, "patch")["If-Match"]["required"] is True, path
        assert {"412", "428"} <= codes(path, "patch"), path
    entity_tags = re.compile(header_parameters("/orgs/{org_id}", "put")["If-Match"]["schema"]["pattern"])
    for value in ("*", '"a1b2"', 'W/"x", "y"', ' "v1" '):
        assert entity_tags.match(value), value
    for value in ("", "a1b2", '"a" "b"', "*, \"a\""):
        assert not entity_tags.match(value), value

    scorecard = spec["paths"]["/orgs/{org_id}/scorecard"]["get"]
    content = scorecard["responses"]["200"]["content"]
    # JSON first: a generator that reads one media type of a response (openapi-python-client) types that one.
    assert list(content) == ["application/json", "text/csv"]
    assert content["text/csv"]["schema"] == {"type": "string"}
    assert "400" in scorecard["responses"]


# -- what the API sends matches what the document says ----------------------------------------


def template_of(spec, path: str) -> str:
    path = path.split("?", 1)[0]
    matches = [
        template
        for template in spec["paths"]
        if re.fullmatch(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(template)), path)
    ]
    literal = [t for t in matches if t == path]
    assert len(literal or matches) == 1, (path, matches)
    return (literal or matches)[0]


def documented_response(spec, method: str, path: str, status: int) -> dict:
    template = template_of(spec, path)
    responses = spec["paths"][template][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {template} does not document {status}"
    return responses[str(status)]


def response_schema(spec, method: str, path: str, status: int, media: str):
    content = documented_response(spec, method, path, status).get("content", {})
    assert media in content, f"{method} {template_of(spec, path)} {status} does not document {media}"
    return content[media]["schema"]


# Headers whose every appearance the document declares (Cache-Control is also on every problem).
DECLARED_HEADERS = {"etag", "location", "www-authenticate", "retry-after"}


def header_mismatches(spec, method: str, path: str, response) -> list[str]:
    """A header the document says this response has but it lacks, or the other way round."""
    declared = documented_response(spec, method, path, response.status_code).get("headers", {})
    required = {name.lower() for name, header in declared.items() if header.get("required")}
    sent = {name.lower() for name in response.headers}
    where = f"{method} {path} {response.status_code}"
    return [f"{where}: no {name} header" for name in sorted(required - sent)] + [
        f"{where}: {name} is not documented" for name in sorted((sent & DECLARED_HEADERS) - {n.lower() for n in declared})
    ]


class Tour:
    """Calls the API as a client would, keeping every response to hold against the document."""

    def __init__(self, client, org):
        self.client, self.org, self.calls = client, org, []

    def __call__(self, method, path, payload=None, expect=None, **kw):
        response = self.client.request(method, path, body=payload, org=self.org, **kw)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code, response.body)
        self.calls.append((method, path, response))
        return response

    def mismatches(self, spec) -> list[str]:
        """Each response whose status or media type the document leaves out, whose body does
        not match the documented schema, or whose headers are not those documented."""
        failures = []
        for method, path, response in self.calls:
            if response.status_code == 204:
                assert not response.body
                continue
            media = "application/json" if response.status_code < 400 else PROBLEM_JSON
            try:
                schema = response_schema(spec, method, path, response.status_code, media)
            except AssertionError as error:
                failures.append(f"{method} {path}: {error}")
                continue
            failures += header_mismatches(spec, method, path, response)
            for problem in errors_of(spec, schema, body(response)):
                failures.append(f"{method} {path} {response.status_code}: {problem}")
        return failures


def test_every_json_body_of_a_tour_matches_its_documented_schema(client, spec, clock):
    org = "tour"
    call = Tour(client, org)

    call("GET", "/health", expect=200)
    call("GET", "/frameworks", expect=200)
    call("GET", "/frameworks/ldd-2018", expect=200)
    call("PUT", f"/orgs/{org}", org_body(), expect=201)
    call("PUT", f"/orgs/{org}", org_body(peer_group=None, declaration_signed_on=None), expect=200)
    call("GET", "/orgs", expect=200)
    call("GET", "/orgs?limit=1", expect=200)
    call("GET", f"/orgs/{org}", expect=200)
    created = call("POST", f"/orgs/{org}/services", service_body(description="Permits", phase="live"), expect=201)
    service_id = body(created)["service_id"]
    other = body(call("POST", f"/orgs/{org}/services", service_body(name="Bins"), expect=201))["service_id"]
    base = f"/orgs/{org}/services/{service_id}"
    call("GET", f"/orgs/{org}/services", expect=200)
    call("GET", f"/orgs/{org}/services?limit=1", expect=200)
    call("GET", f"/orgs/{org}/services/{other}/scorecard", expect=200)  # not assessed: nulls
    call("GET", f"/orgs/{org}/scorecard", expect=200)  # nothing assessed yet
    patched = call("PATCH", base, {"description": None}, headers={"If-Match": created.headers["ETag"]}, expect=200)
    assert patched
    call("GET", base, expect=200)
    call("PUT", f"{base}/components/casebook", component_body(), expect=201)
    call(
        "PUT",
        f"{base}/components/legacy",
        component_body(
            supplier="ACME LTD",
            contract=None,
            interfaces={"open_api": False, "api_documented": False, "api_extra_charge": True},
            exit_plan={"exists": False, "last_reviewed": None},
        ),
        expect=201,
    )
    call("PUT", f"{base}/components/casebook", component_body(product="Casebook 2"), expect=200)
    call("GET", f"{base}/components", expect=200)
    call("GET", f"{base}/components/legacy", expect=200)
    document = assessment_body(client, P1_Q2="amber", P2_Q1="red", P4_Q4="not_applicable")
    document["answers"][0]["notes"] = "Reviewed with the service team."
    document["answers"][0]["evidence"] = [
        {"url": "https://evidence.example/report", "title": "Report", "valid_until": "2027-01-31"},
        {"url": "http://evidence.example/undated"},
    ]
    assessment = call("POST", f"{base}/assessments", document, expect=201)
    call("GET", f"{base}/assessments", expect=200)
    call("GET", f"{base}/assessments?limit=1", expect=200)
    call("GET", f"{base}/assessments/{body(assessment)['assessment_id']}", expect=200)
    call("GET", f"{base}/scorecard", expect=200)
    # enough services behind one supplier for an organisation-level flag, with supplier and share
    for i in range(4):
        extra = body(call("POST", f"/orgs/{org}/services", service_body(name=f"Extra {i}", department="Digital"), expect=201))
        if i < 1:
            call("PUT", f"/orgs/{org}/services/{extra['service_id']}/components/crm", component_body(), expect=201)
    scorecard = call("GET", f"/orgs/{org}/scorecard", expect=200)
    assert body(scorecard)["lock_in"]["flags"], "the tour meant to include an organisation-level flag"
    call("GET", f"/orgs/{org}/scorecard?department=Environment", expect=200)
    call("DELETE", f"{base}/components/legacy", expect=204)
    # errors, which must be documented problems too
    call("GET", "/orgs/nowhere", expect=404)
    call("POST", f"/orgs/{org}/services", service_body(extra=1), expect=422)
    call("PATCH", base, {"name": "x"}, expect=428)
    call("PATCH", base, {"name": "x"}, headers={"If-Match": '"stale"'}, expect=412)
    call("GET", f"/orgs/{org}/services?limit=0", expect=400)
    call("PUT", f"{base}/components/new", component_body(), headers={"If-Match": '"x"'}, expect=412)
    call("GET", f"/orgs/{org}/scorecard?format=xml", expect=400)

    failures = call.mismatches(spec)
    assert not failures, "\n".join(failures)


def test_the_other_resources_bodies_match_their_documented_schemas_too(client, spec, clock):
    """Benchmarks, KPIs, integrations, webhooks, declaration projects, the audit and the history."""
    from chalicelib.bootstrap import use_cases

    org = "tour"
    call = Tour(client, org)
    call("PUT", f"/orgs/{org}", org_body(), expect=201)
    service_id = body(call("POST", f"/orgs/{org}/services", service_body(), expect=201))["service_id"]
    service = f"/orgs/{org}/services/{service_id}"

    kpis = set_body()["kpis"]
    kpis[0] = {**kpis[0], "source": "Members' tables", "year": 2025, "notes": "Median of 31."}
    call("PUT", "/benchmarks/tour-set", set_body(kpis=kpis, notes="Worked example."), expect=201)
    call("PUT", "/benchmarks/tour-set", set_body(), expect=200)  # no notes, no optional KPI fields
    call("GET", "/benchmarks", expect=200)
    call("GET", "/benchmarks/tour-set", expect=200)
    call("GET", "/benchmarks/illustrative-2024", expect=200)
    call("PUT", f"/orgs/{org}/kpis/2025", {"values": {"cost_per_user": 2900, "online_share": 61.5}}, expect=200)
    call("GET", f"/orgs/{org}/kpis", expect=200)
    call("GET", f"/orgs/{org}/kpis/2025", expect=200)
    call("PUT", f"{service}/kpis/2025", {"values": {"ict_satisfaction": 5.1}}, expect=200)
    call("GET", f"{service}/kpis/2025", expect=200)
    call("GET", f"/orgs/{org}/benchmark?set=tour-set&period=2025", expect=200)
    call("GET", f"{service}/benchmark?set=tour-set&period=2025", expect=200)
    call("GET", f"/orgs/{org}/benchmark?set=illustrative-2024&period=2025", expect=200)

    integration = body(call("POST", f"/orgs/{org}/integrations", {"name": "Feed", "event_types": ["component.upserted"]}, expect=201))
    integrations = f"/orgs/{org}/integrations/{integration['integration_id']}"
    call("GET", f"/orgs/{org}/integrations", expect=200)
    secret = body(call("POST", f"{integrations}/rotate-secret", expect=200))["secret"]
    event = {"type": "component.upserted", "data": {"service_id": service_id, "component_id": "crm", "component": component_body()}}
    raw, headers = signed_delivery(secret, event, webhook_id="msg-tour", timestamp=int(clock.instant.timestamp()))
    webhook = f"/webhooks/{integration['integration_id']}"
    assert body(call("POST", webhook, raw=raw, headers=headers, token=None, expect=200))["status"] == "processed"
    assert body(call("POST", webhook, raw=raw, headers=headers, token=None, expect=200))["status"] == "duplicate"
    call("POST", webhook, raw=raw, headers={**headers, "webhook-signature": "v1,AAAA"}, token=None, expect=401)
    call("GET", f"{integrations}/deliveries", expect=200)

    project = {"title": "One front door", "partners": ["LOTI"], "mission": "A single route.", "impact": "Fewer calls."}
    created = call("POST", f"/orgs/{org}/declaration-projects", project, expect=201)
    project_url = f"/orgs/{org}/declaration-projects/{body(created)['project_id']}"
    call("GET", f"/orgs/{org}/declaration-projects", expect=200)
    call("GET", project_url, expect=200)
    call("PATCH", project_url, {"status": "in_progress"}, headers={"If-Match": created.headers["ETag"]}, expect=200)

    draft = {"framework_id": "ldd-2018", "answers": [{"question_id": "P1-Q1", "rating": "green", "evidence": [
        {"url": "https://example.org/research", "title": "Research", "valid_until": "2027-03-31"}]}]}
    saved = call("PUT", f"{service}/assessment-draft", draft, headers={"If-None-Match": "*"}, expect=201)
    call("PUT", f"{service}/assessment-draft", {**draft, "answers": []}, headers={"If-Match": saved.headers["ETag"]}, expect=200)
    call("PUT", f"{service}/assessment-draft", draft, headers={"If-Match": saved.headers["ETag"]}, expect=412)
    call("GET", f"{service}/assessment-draft", expect=200)
    call("DELETE", f"{service}/assessment-draft", expect=204)
    call("GET", f"{service}/assessment-draft", expect=404)

    call("GET", f"/orgs/{org}/audit", expect=200)
    use_cases().snapshots.take_all()  # what the daily scheduled function does
    call("GET", f"/orgs/{org}/scorecard/history", expect=200)
    call("DELETE", integrations, expect=204)
    call("GET", f"/orgs/{org}", token=None, expect=401)
    call("PUT", "/benchmarks/illustrative-2024", set_body(), expect=409)

    failures = call.mismatches(spec)
    assert not failures, "\n".join(failures)


def test_a_response_without_a_field_it_always_has_does_not_match(client, spec):
    """The document lists as required what every response has, so the tours catch a field the
    API stopped sending; a field sent only sometimes (a problem's errors) stays optional, and a
    problem may carry extension members (RFC 9457, section 3.2)."""
    client.put("/orgs/tour", org_body())
    created = client.post("/orgs/tour/services", service_body())
    schema = response_schema(spec, "POST", "/orgs/tour/services", 201, "application/json")
    service = body(created)
    assert service["phase"] is None and not errors_of(spec, schema, service)
    for name in service:
        trimmed = {k: v for k, v in service.items() if k != name}
        assert errors_of(spec, schema, trimmed), f"a service without {name} still matches"

    problem = body(client.get("/orgs/tour/services?limit=0"))
    schema = response_schema(spec, "GET", "/orgs/tour/services", 400, PROBLEM_JSON)
    assert not errors_of(spec, schema, {k: v for k, v in problem.items() if k != "errors"})
    assert not errors_of(spec, schema, {**problem, "instance": "/orgs/tour/services", "trace_id": "x"})
    for name in ("type", "title", "status", "detail"):
        assert errors_of(spec, schema, {k: v for k, v in problem.items() if k != name}), name


def test_the_bodies_the_api_accepts_match_the_documented_request_schemas(client, spec):
    def request_schema(method, template, media="application/json"):
        return spec["paths"][template][method]["requestBody"]["content"][media]["schema"]

    service = "/orgs/{org_id}/services/{service_id}"
    samples = [
        ("put", "/orgs/{org_id}", org_body()),
        ("put", "/orgs/{org_id}", {"name": "Minimal"}),
        ("post", "/orgs/{org_id}/services", service_body(description="d", phase="alpha")),
        ("patch", service, {"description": None, "phase": "live"}),
        ("put", service + "/components/{component_id}", component_body()),
        ("put", service + "/components/{component_id}", component_body(contract=None)),
        (
            "put",
            service + "/components/{component_id}",
            component_body(data={"export_formats": ["open-referral-uk", "xlsx"], "free_bulk_export": True, "open_standards": ["BS7666"]}),
        ),
        ("post", service + "/assessments", assessment_body(client, P1_Q1="not_applicable", P1_Q2="amber")),
        ("put", service + "/assessment-draft", {"framework_id": "ldd-2018", "answers": []}),
    ]
    failures = []
    for method, template, sample in samples:
        for problem in errors_of(spec, request_schema(method, template), sample):
            failures.append(f"{method.upper()} {template}: {problem}")
    assert not failures, "\n".join(failures)
    # and what the API refuses, the document refuses too (unknown fields, wrong types)
    assert errors_of(spec, request_schema("post", "/orgs/{org_id}/services"), service_body(extra=1))
    assert errors_of(spec, request_schema("put", service + "/components/{component_id}"), component_body(kind="cloud"))
    assert errors_of(
        spec,
        request_schema("put", service + "/components/{component_id}"),
        json.loads(json.dumps(component_body(interfaces={"open_api": "true", "api_documented": True, "api_extra_charge": False}))),
    )


def test_a_benchmark_sets_documented_body_is_the_shape_the_domain_reads(spec):
    """BenchmarkSetIn, KpiIn and QuartilesIn document benchmark_set_from_dict's input: the same
    fields, and the domain's units, directions, levels and kpi_id pattern. (The set_id comes
    from the path; a body may repeat it, which the document leaves out.)"""
    from chalicelib.domain.benchmarks.model import BETTER, KPI_LEVELS, UNITS
    from chalicelib.domain.benchmarks.shape import KPI_FIELDS, KPI_ID, QUARTILE_FIELDS, SET_FIELDS

    schemas = spec["components"]["schemas"]
    assert set(schemas["BenchmarkSetIn"]["properties"]) == set(SET_FIELDS) - {"set_id"}
    assert set(schemas["QuartilesIn"]["properties"]) == set(QUARTILE_FIELDS)
    kpi = schemas["KpiIn"]["properties"]
    assert set(kpi) == set(KPI_FIELDS)
    assert (kpi["unit"]["enum"], kpi["better"]["enum"], kpi["level"]["enum"]) == (list(UNITS), list(BETTER), list(KPI_LEVELS))
    assert kpi["kpi_id"]["pattern"] == f"^{KPI_ID.pattern}$"
