"""`make bench` (python -m tools.bench): DynamoDB requests and in-process latency per route over
moto, the cold start (the import time of `app` against a bare stack: tools/cold_start.py), the
local server's time per request on a kept-alive connection, and the organisation scorecard at 10,
100 and 1,000 services.

It only reports: no thresholds (tests/api/test_request_budgets.py enforces the request budgets).
Latencies are in-process medians over moto's in-memory DynamoDB: they compare routes and sizes
on one machine, they are not what API Gateway and DynamoDB would show."""

import http.client
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tools import cold_start
from tools.workload import (
    FRAMEWORK_ID,
    answers_body,
    app_over_moto,
    authorization,
    component_body,
    fresh_table,
    seed_org,
    ticking_clock,
    use_fake_aws_and_local_identity,
)

REPETITIONS = 30
KEPT_ALIVE_REQUESTS = 100
SCORECARD_SIZES = (10, 100, 1_000)
SECONDS_PER_SCORECARD_ROW = 12.0  # fewer repetitions where one call is slow (1,000 services)


# Measuring --------------------------------------------------------------------------------------


@dataclass
class Row:
    method: str
    path: str  # the route, as app.routes has it
    status: int
    ops: Counter = field(default_factory=Counter)  # per call, as (operation tuple -> calls)
    times: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def requests(self) -> str:
        (most, _), *others = self.ops.most_common()
        shown = _ops_text(list(most))
        if others:
            shown += " (varies: " + "; ".join(f"{_ops_text(list(o))} x{n}" for o, n in others) + ")"
        return shown

    def count(self) -> str:
        counts = sorted({len(o) for o in self.ops})
        return "/".join(str(c) for c in counts)


def _ops_text(ops: list[str]) -> str:
    if not ops:
        return "-"
    runs, last = [], None
    for op in ops:
        if runs and op == last:
            runs[-1][1] += 1
        else:
            runs.append([op, 1])
        last = op
    return ", ".join(op if n == 1 else f"{n} x {op}" for op, n in runs)


def timed(http, row: Row, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    """One call, timed and counted; returns the response. A webhook delivery carries its
    signature headers and no bearer token."""
    if path.startswith("/webhooks/"):
        auth = {}
    elif path.startswith("/app/"):  # a page: the same token, as the session cookie
        auth = {"Cookie": "__Host-ldd-session=" + authorization(path.removeprefix("/app"))["Authorization"].split()[1]}
    else:
        auth = authorization(path)
    headers = {**({"Content-Type": "application/json"} if body else {}), **auth, **(headers or {})}
    # The request-budget tests' recorder: every DynamoDB request, by any botocore client.
    from tests.dynamo_requests import RECORDER

    with RECORDER.measure() as ops:
        started = time.perf_counter()
        response = http.request(method, path, headers=headers, body=body)
        row.times.append(time.perf_counter() - started)
    row.ops[tuple(ops)] += 1
    row.statuses[response.status_code] += 1
    return response


def token_validation(runs: int = 2000) -> list[float]:
    """The cost of checking one bearer token with the provider's keys already cached (no network)."""
    from chalicelib import bootstrap

    header = authorization("/orgs/bench-borough")["Authorization"]
    authenticator = bootstrap.authenticator()
    authenticator.authenticate(header)  # the first call fetches the keys
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        authenticator.authenticate(header)
        times.append(time.perf_counter() - started)
    return times


def kept_alive(requests: int = KEPT_ALIVE_REQUESTS) -> dict[str, list[float]]:
    """`requests` sequential GETs on one kept-alive HTTP/1.1 connection to the local server
    (`python -m devserver` in its own process, with a fresh folder), per path: what a browser or
    an integration reusing its connection waits for each answer, over the loopback interface."""
    from tests.local_server import DevServer

    with tempfile.TemporaryDirectory(prefix="ldd-bench-") as folder:
        server = DevServer(Path(folder))
        try:
            bearer = {"Authorization": f"Bearer {server.token()}"}
            connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
            times: dict[str, list[float]] = {}
            for path, headers in (("/health", {}), ("/orgs/demo-borough/services", bearer)):
                connection.request("GET", path, headers=headers)
                connection.getresponse().read()  # the first: keys fetched, connection opened
                opened = connection.sock
                times[path] = []
                for _ in range(requests):
                    started = time.perf_counter()
                    connection.request("GET", path, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    times[path].append(time.perf_counter() - started)
                    if response.status != 200 or connection.sock is not opened:
                        raise RuntimeError(f"GET {path}: {response.status}, or the connection was not kept alive")
            connection.close()
        finally:
            server.stop(signal.SIGTERM)
    return times


def route_rows(http, seeding) -> list[Row]:
    """Every route, N calls each, against an organisation of 10 services (the measured one with 2
    components and 5 assessments), seeded through the use cases `seeding`."""
    import json

    from chalicelib import bootstrap
    from tests.api.conftest import signed_delivery  # a fresh webhook-id each, signed by standardwebhooks

    org = "bench-borough"
    service_ids = seed_org(seeding, org, 10, assessments_on_first=5)
    service = service_ids[0]
    base = f"/orgs/{org}/services/{service}"
    listed = http.request("GET", f"{base}/assessments?limit=1", headers=authorization(base), body=b"")
    assessment = json.loads(listed.body)["items"][0]["assessment_id"]

    def as_json(value) -> bytes:
        return json.dumps(value).encode()

    def etag(path):
        return http.request("GET", path, headers=authorization(path), body=b"").headers["ETag"]

    def get(path):
        return lambda i: (path, b"", {})

    integrations = f"/orgs/{org}/integrations"
    event_types = ["component.upserted", "assessment.submitted"]
    # The integration that delivers the webhooks (made here, outside the timings); the create row
    # makes 30 throwaway ones, which the rotate and delete rows then use.
    standing = json.loads(
        http.request(
            "POST",
            integrations,
            headers={"Content-Type": "application/json", **authorization(integrations)},
            body=as_json({"name": "Bench contracts register", "event_types": event_types}),
        ).body
    )
    responses: dict[tuple[str, str], list] = {}

    def throwaway(i: int) -> str:
        return json.loads(responses[("POST", "/orgs/{org_id}/integrations")][i].body)["integration_id"]

    def delivery(i: int) -> tuple[str, bytes, dict]:
        # Signed at the app's clock, which the server checks the timestamp against.
        now = int(bootstrap.use_cases().context.clock.now().timestamp())
        event = {
            "type": "component.upserted",
            "data": {"service_id": service, "component_id": f"hook-{i}", "component": component_body(i, 2)},
        }
        raw, headers = signed_delivery(standing["secret"], event, timestamp=now)
        return f"/webhooks/{standing['integration_id']}", raw, headers

    plan: list[tuple[str, str, int, Callable[[int], tuple[str, bytes, dict]]]] = [
        # Reads first, so that they see the organisation as described; then the writes.
        ("GET", "/health", 200, get("/health")),
        ("GET", "/openapi.json", 200, get("/openapi.json")),
        ("GET", "/frameworks", 200, get("/frameworks")),
        ("GET", "/frameworks/{framework_id}", 200, get(f"/frameworks/{FRAMEWORK_ID}")),
        ("GET", "/orgs", 200, get("/orgs")),
        ("GET", "/orgs/{org_id}", 200, get(f"/orgs/{org}")),
        ("GET", "/orgs/{org_id}/services", 200, get(f"/orgs/{org}/services")),
        ("GET", "/orgs/{org_id}/services/{service_id}", 200, get(base)),
        ("GET", "/orgs/{org_id}/services/{service_id}/components", 200, get(f"{base}/components")),
        ("GET", "/orgs/{org_id}/services/{service_id}/components/{component_id}", 200, get(f"{base}/components/casebook")),
        ("GET", "/orgs/{org_id}/services/{service_id}/assessments", 200, get(f"{base}/assessments")),
        ("GET", "/orgs/{org_id}/services/{service_id}/assessments/{assessment_id}", 200, get(f"{base}/assessments/{assessment}")),
        ("GET", "/orgs/{org_id}/services/{service_id}/scorecard", 200, get(f"{base}/scorecard")),
        ("GET", "/orgs/{org_id}/scorecard", 200, get(f"/orgs/{org}/scorecard")),
        ("GET", "/orgs/{org_id}/audit", 200, get(f"/orgs/{org}/audit")),
        ("GET", "/orgs/{org_id}/scorecard?format=csv", 200, get(f"/orgs/{org}/scorecard?format=csv")),
        ("GET", "/orgs/{org_id}/integrations", 200, get(integrations)),
        (
            "PUT",
            "/orgs/{org_id}",
            200,
            lambda i: (f"/orgs/{org}", as_json({"name": f"Bench Borough {i}", "peer_group": "Bench"}), {}),
        ),
        (
            "POST",
            "/orgs/{org_id}/services",
            201,
            lambda i: (
                f"/orgs/{org}/services",
                as_json({"name": f"New service {i}", "department": "Housing", "owner_email": "new@council.example"}),
                {},
            ),
        ),
        (
            "PATCH",
            "/orgs/{org_id}/services/{service_id}",
            200,
            lambda i: (base, as_json({"description": f"Edited {i}"}), {"If-Match": etag(base)}),
        ),
        (
            "PUT",
            "/orgs/{org_id}/services/{service_id}/components/{component_id}",
            201,
            lambda i: (f"{base}/components/bench-{i}", as_json(component_body(i, 1)), {}),
        ),
        (
            "DELETE",
            "/orgs/{org_id}/services/{service_id}/components/{component_id}",
            204,
            lambda i: (f"{base}/components/bench-{i}", b"", {}),
        ),
        (
            "POST",
            "/orgs/{org_id}/services/{service_id}/assessments",
            201,
            lambda i: (f"{base}/assessments", as_json(answers_body(i)), {}),
        ),
        (
            "POST",
            "/orgs/{org_id}/integrations",
            201,
            lambda i: (integrations, as_json({"name": f"Bench integration {i}", "event_types": event_types}), {}),
        ),
        (
            "POST",
            "/orgs/{org_id}/integrations/{integration_id}/rotate-secret",
            200,
            lambda i: (f"{integrations}/{throwaway(i)}/rotate-secret", b"", {}),
        ),
        (
            "DELETE",
            "/orgs/{org_id}/integrations/{integration_id}",
            204,
            lambda i: (f"{integrations}/{throwaway(i)}", b"", {}),
        ),
        # Signed outside the timing, a fresh webhook-id each: 30 processed deliveries.
        ("POST", "/webhooks/{integration_id}", 200, delivery),
        # After the deliveries, so that the page it reads holds them.
        (
            "GET",
            "/orgs/{org_id}/integrations/{integration_id}/deliveries",
            200,
            get(f"{integrations}/{standing['integration_id']}/deliveries"),
        ),
    ]
    rows = []
    for method, route, status, make in plan:
        row = Row(method, route, status)
        made = responses.setdefault((method, route), [])
        for i in range(REPETITIONS):
            path, body, headers = make(i)  # set-up (an ETag read, signing) happens here, outside the timing
            made.append(timed(http, row, method, path, body, headers))
        rows.append(row)
    outcomes = Counter(json.loads(r.body).get("status") for r in responses[("POST", "/webhooks/{integration_id}")])
    if set(outcomes) != {"processed"}:
        print(f"webhook deliveries not all processed: {dict(outcomes)}")
    return rows


def scorecard_rows(http, build) -> list[tuple[int, int, Row]]:
    """The organisation scorecard (JSON and CSV) at each size, each size on a fresh table."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib import bootstrap, config
    from chalicelib.adapters.dynamodb import keys
    from tests.bulkload import bulk_load
    from tests.fakes import InMemoryStore

    rows = []
    for size in SCORECARD_SIZES:
        fresh_table()
        memory = InMemoryStore()
        org = f"bench-{size}"
        service_ids = seed_org(build(store=memory, clock=ticking_clock(datetime.now(timezone.utc) - timedelta(days=30))), org, size)
        bulk_load(memory)
        bootstrap.use(build(clock=ticking_clock(datetime.now(timezone.utc))))
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][config.region()].tables[config.table_name()]
        summary_bytes = sum(
            item.size()
            for item in table.all_items()
            if item.hash_key.value == keys.org_pk(org) and item.range_key.value.startswith(keys.SUMMARY_PREFIX)
        )
        # The JSON, the CSV, and the dashboard page (the same figures rendered as HTML); then a
        # reassessment's task list and first principle, read by key whatever the size.
        assessment = f"/app/orgs/{org}/services/{service_ids[0]}/assessment"
        paths = (f"/orgs/{org}/scorecard", f"/orgs/{org}/scorecard?format=csv", f"/app/orgs/{org}", assessment, assessment + "/principles/P1")
        for path in paths:
            row = Row("GET", path.replace(service_ids[0], "{service_id}").replace(org, "{org_id}"), 200)
            timed(http, row, "GET", path)
            runs = max(3, min(REPETITIONS, int(SECONDS_PER_SCORECARD_ROW / max(row.times[0], 1e-3))))
            for _ in range(runs - 1):
                timed(http, row, "GET", path)
            rows.append((size, summary_bytes, row))
    return rows


# Report ---------------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for r in [headers, ["-" * w for w in widths], *rows]:
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _status(row: Row) -> str:
    if set(row.statuses) == {row.status}:
        return str(row.status)
    return ",".join(f"{s}x{n}" for s, n in sorted(row.statuses.items())) + f" (expected {row.status})"


def main() -> int:
    started = time.perf_counter()
    use_fake_aws_and_local_identity()

    print("LDD tracker bench")
    print(f"date:    {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
    print(f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"python:  {platform.python_version()} ({sys.executable})")
    print()

    for line in cold_start.measure().lines():
        print(line)
    print()

    print(f"Local server (python -m devserver): {KEPT_ALIVE_REQUESTS} sequential requests on one kept-alive HTTP/1.1 connection")
    for path, times in kept_alive().items():
        print(f"  GET {path}: median {_ms(statistics.median(times))} ms per request (max {_ms(max(times))} ms)")
    print()

    with app_over_moto() as (app, http, seeding):
        import moto

        from chalicelib import bootstrap

        validations = token_validation()
        print(
            f"Bearer token validation, keys cached (RS256, {len(validations)} runs): "
            f"median {statistics.median(validations) * 1e6:.0f} µs per request"
        )
        print()
        rows = route_rows(http, seeding)
        print(
            f"Routes: DynamoDB requests per call and in-process latency, {REPETITIONS} calls each, over moto "
            f"{moto.__version__}\n(an organisation of 10 services, the measured one with 2 components and 5 "
            "assessments; the reads run first,\nthen the writes: 30 new services, components bench-0..29 put "
            "then deleted, 30 new assessments,\n30 integrations created, rotated and deleted, 30 signed "
            "component.upserted deliveries (new components hook-0..29),\nthen the deliveries log read)"
        )
        print(
            _table(
                ["method", "route", "status", "requests", "DynamoDB operations per call", "median ms", "first ms"],
                [
                    [r.method, r.path, _status(r), r.count(), r.requests(), _ms(statistics.median(r.times)), _ms(r.times[0])]
                    for r in rows
                ],
                right={3, 5, 6},
            )
        )
        benchmarked = {(r.method, r.path.split("?")[0]) for r in rows}
        missing = sorted(
            (m, p) for p, methods in app.routes.items() for m in methods
            if (m, p) not in benchmarked and not p.startswith("/app")  # pages: the dashboard, below
        )
        if missing:
            print("not benchmarked (new routes?): " + ", ".join(f"{m} {p}" for m, p in missing))
        print()

        scorecards = scorecard_rows(http, bootstrap.build)
        print("Organisation scorecard and dashboard page by size (each service: 2-3 components, one scored assessment)")
        print(
            _table(
                ["services", "summaries KB", "format", "requests", "DynamoDB operations per call", "median ms", "calls"],
                [
                    [
                        str(size),
                        f"{size_bytes / 1000:.0f}",
                        "page" if r.path.startswith("/app") else "csv" if "csv" in r.path else "json",
                        r.count(),
                        r.requests(),
                        _ms(statistics.median(r.times)),
                        str(len(r.times)),
                    ]
                    for size, size_bytes, r in scorecards
                ],
                right={0, 1, 3, 5, 6},
            )
        )
    print()
    print(f"bench took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
