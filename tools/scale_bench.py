"""The scale part of `make bench` (python -m tools.scale_bench): the organisation scorecard, its
CSV and the dashboard page at 10, 1,000 and 10,000 services, the cost of a write, and a
partnership of 33 organisations x 300 services read from their roll-ups.

Request counts and bytes read come from the DynamoDB adapter over moto (10 and 1,000 services);
client CPU (process time of the whole call in this process, route to response) from the
in-memory store at every size, so moto's own cost is left out. It only reports: no thresholds."""

import json
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import botocore.client

from tools.workload import app_over_moto, authorization, fresh_table, seed_org, ticking_clock, use_fake_aws_and_local_identity

MOTO_SIZES = (10, 1_000)
FAKE_SIZES = (10, 1_000, 10_000)
PARTNERSHIP = (33, 300)
RUNS = 5


class Spy:
    """Every DynamoDB request made through botocore, with the bytes of what came back."""

    def __init__(self):
        self.calls: list[tuple[str, int]] = []
        self._original = botocore.client.BaseClient._make_api_call

    @contextmanager
    def installed(self):
        original, spy = self._original, self

        def recording(client, operation, params):
            result = original(client, operation, params)
            if client.meta.service_model.service_name == "dynamodb":
                spy.calls.append((operation, len(json.dumps(result, default=str))))
            return result

        botocore.client.BaseClient._make_api_call = recording
        try:
            yield self
        finally:
            botocore.client.BaseClient._make_api_call = original

    @contextmanager
    def window(self):
        start = len(self.calls)
        seen: list[tuple[str, int]] = []
        yield seen
        seen.extend(self.calls[start:])


def _get(http, path: str):
    if path.startswith("/app/"):  # a page: the same token, as the session cookie
        token = authorization(path.removeprefix("/app"))["Authorization"].split()[1]
        headers = {"Cookie": "__Host-ldd-session=" + token}
    else:
        headers = authorization(path)
    response = http.request("GET", path, headers=headers, body=b"")
    assert response.status_code == 200, (path, response.status_code, response.body[:300])
    return response


def measure(http, path: str, spy: Spy | None = None, runs: int = RUNS) -> dict:
    cpu, wall, ops, size = [], [], [], 0
    for _ in range(runs):
        if spy:
            with spy.window() as seen:
                c0, w0 = time.process_time(), time.perf_counter()
                response = _get(http, path)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            ops = seen
        else:
            c0, w0 = time.process_time(), time.perf_counter()
            response = _get(http, path)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        size = len(response.body)
    return {
        "requests": len(ops),
        "ops": ", ".join(op for op, _ in ops),
        "bytes_read": sum(n for _, n in ops),
        "cpu_ms": 1000 * statistics.median(cpu),
        "ms": 1000 * statistics.median(wall),
        "response_bytes": size,
    }


def paths(org: str) -> list[tuple[str, str]]:
    return [
        ("scorecard", f"/orgs/{org}/scorecard"),
        ("csv", f"/orgs/{org}/scorecard?format=csv"),
        ("dashboard", f"/app/orgs/{org}"),
    ]


def main() -> int:
    started = time.perf_counter()
    use_fake_aws_and_local_identity()
    spy = Spy()
    rows = []
    with app_over_moto() as (app, http, seeding), spy.installed():
        from chalicelib import bootstrap
        from tests.bulkload import bulk_load
        from tests.fakes import InMemoryStore

        for size in FAKE_SIZES:
            memory = InMemoryStore()
            org = f"scale-{size}"
            seed_org(bootstrap.build(store=memory, clock=ticking_clock(datetime.now(timezone.utc) - timedelta(days=30))), org, size)
            if size in MOTO_SIZES:
                fresh_table()
                bulk_load(memory)
                bootstrap.use(bootstrap.build(clock=ticking_clock(datetime.now(timezone.utc))))
                for what, path in paths(org):
                    rows.append(("dynamodb", size, what, measure(http, path, spy, runs=3)))
            bootstrap.use(bootstrap.build(store=memory, clock=ticking_clock(datetime.now(timezone.utc))))
            for what, path in paths(org):
                rows.append(("memory", size, what, measure(http, path)))
    print("Organisation scorecard, CSV and dashboard page by size (requests and bytes from DynamoDB over moto; CPU from the in-memory store)")
    print(f"{'store':9} {'services':>8} {'call':10} {'requests':>8} {'bytes read':>11} {'client CPU ms':>13} {'ms':>9} {'response B':>11}  operations")
    for store, size, what, m in rows:
        print(
            f"{store:9} {size:>8} {what:10} {m['requests'] if store == 'dynamodb' else '-':>8} "
            f"{m['bytes_read'] if store == 'dynamodb' else '-':>11} {m['cpu_ms']:>13.1f} {m['ms']:>9.1f} {m['response_bytes']:>11}  {m['ops']}"
        )
    print(f"scale bench took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
