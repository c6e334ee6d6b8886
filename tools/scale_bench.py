"""The scale part of `make bench` (python -m tools.scale_bench): the organisation scorecard, its
CSV and the dashboard page at 10, 1,000 and 10,000 services, the cost of a write, and a
partnership of 33 organisations x 300 services read from their roll-ups.

Request counts and bytes read come from the DynamoDB adapter over moto; client CPU (process time
of the whole call in this process, route to response) from the in-memory store, so moto's own
cost is left out. It only reports: no thresholds. docs/scale-before.txt has the figures before
the roll-up; this prints them after."""

import json
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import botocore.client

from tools.workload import app_over_moto, authorization, fresh_table, seed_org, ticking_clock, use_fake_aws_and_local_identity

MOTO_SIZES = (10, 1_000, 10_000)
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


def timed(call, spy: Spy | None, runs: int) -> dict:
    """`call(n)` made `runs` times: the requests of the last run, medians of CPU and wall time."""
    cpu, wall, ops = [], [], []
    for n in range(runs):
        with spy.window() if spy else _nothing() as seen:
            c0, w0 = time.process_time(), time.perf_counter()
            response = call(n)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        ops = seen
    return {
        "requests": len(ops),
        "ops": ", ".join(op for op, _ in ops),
        "bytes_read": sum(n for _, n in ops),
        "cpu_ms": 1000 * statistics.median(cpu),
        "ms": 1000 * statistics.median(wall),
        "response_bytes": len(response.body),
    }


@contextmanager
def _nothing():
    yield []


def measure(http, path: str, spy: Spy | None = None, runs: int = RUNS) -> dict:
    return timed(lambda n: _get(http, path), spy, runs)


def paths(org: str, service_id: str) -> list[tuple[str, str]]:
    return [
        ("scorecard", f"/orgs/{org}/scorecard"),
        ("dept page", f"/orgs/{org}/scorecard?department=Adults"),
        ("csv", f"/orgs/{org}/scorecard?format=csv"),
        ("dashboard", f"/app/orgs/{org}"),
        ("service", f"/orgs/{org}/services/{service_id}/scorecard"),
    ]


def measure_write(http, org: str, service_id: str, spy: Spy | None, runs: int = RUNS) -> dict:
    """A component replaced (its supplier alternating, so the roll-up moves each time)."""
    from tools.workload import component_body

    path = f"/orgs/{org}/services/{service_id}/components/casebook"
    headers = {**authorization(path), "Content-Type": "application/json"}

    def put(n: int):
        body = {**component_body(n, 0, datetime.now(timezone.utc).date()), "supplier": f"Bench supplier {n % 2}"}
        response = http.request("PUT", path, headers=headers, body=json.dumps(body).encode())
        assert response.status_code in (200, 201), response.body[:300]
        return response

    return timed(put, spy, runs)


def partnership(store, org_ids: list[str]) -> dict:
    """A cross-organisation aggregate from each member's roll-up alone (what a group's view of
    issue 18 reads): services, assessed, suppliers by how many members use them."""
    from chalicelib.domain import rollup
    from chalicelib.domain.rollup_read import headline
    from chalicelib.frameworks import load_catalogue

    framework = next(f for f in load_catalogue().values() if f.current)
    today = datetime.now(timezone.utc).date()
    services = assessed = 0
    members_by_supplier: dict[str, int] = {}
    for org_id in org_ids:
        items = store.read_rollup(org_id, list(rollup.read_ranges(today, framework)))
        card = headline(org_id, items, framework, today)
        services, assessed = services + card.services_total, assessed + card.services_assessed
        for name, item in items.items():
            if name.startswith(rollup.SUPP):
                for key in item.get("suppliers", {}):
                    members_by_supplier[key] = members_by_supplier.get(key, 0) + 1
    return {"services": services, "assessed": assessed, "shared_suppliers": sum(1 for n in members_by_supplier.values() if n > 1)}


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
            ids = seed_org(bootstrap.build(store=memory, clock=ticking_clock(datetime.now(timezone.utc) - timedelta(days=30))), org, size)
            if size in MOTO_SIZES:
                fresh_table()
                bulk_load(memory, history=lambda service_id: service_id == ids[0])
                bootstrap.use(bootstrap.build(clock=ticking_clock(datetime.now(timezone.utc))))
                for what, path in paths(org, ids[0]):
                    rows.append(("dynamodb", size, what, measure(http, path, spy, runs=3)))
                rows.append(("dynamodb", size, "write", measure_write(http, org, ids[0], spy, runs=3)))
            bootstrap.use(bootstrap.build(store=memory, clock=ticking_clock(datetime.now(timezone.utc))))
            for what, path in paths(org, ids[0]):
                rows.append(("memory", size, what, measure(http, path)))
            rows.append(("memory", size, "write", measure_write(http, org, ids[0], None)))

        members, per_member = PARTNERSHIP
        memory = InMemoryStore()
        uc = bootstrap.build(store=memory, clock=ticking_clock(datetime.now(timezone.utc) - timedelta(days=30)))
        org_ids = [f"member-{n:02d}" for n in range(members)]
        for n, org_id in enumerate(org_ids):
            seed_org(uc, org_id, per_member, first_variant=n)
        fresh_table()
        bulk_load(memory, history=lambda service_id: False)
        from chalicelib.adapters.dynamodb.store import DynamoStore

        with spy.window() as seen:
            c0 = time.process_time()
            figures = partnership(DynamoStore(), org_ids)
            dynamo_cpu = time.process_time() - c0
        c0 = time.process_time()
        assert partnership(memory, org_ids) == figures
        memory_cpu = time.process_time() - c0
    print("Organisation scorecard (first page), a department's, the CSV, the dashboard page, a service scorecard and a")
    print("component write, by size (requests and bytes from DynamoDB over moto; client CPU from the in-memory store)")
    print(f"{'store':9} {'services':>8} {'call':10} {'requests':>8} {'bytes read':>11} {'client CPU ms':>13} {'ms':>9} {'response B':>11}  operations")
    for store, size, what, m in rows:
        print(
            f"{store:9} {size:>8} {what:10} {m['requests'] if store == 'dynamodb' else '-':>8} "
            f"{m['bytes_read'] if store == 'dynamodb' else '-':>11} {m['cpu_ms']:>13.1f} {m['ms']:>9.1f} {m['response_bytes']:>11}  {m['ops']}"
        )
    print(
        f"partnership of {members} x {per_member} services from the roll-ups alone: {len(seen)} requests "
        f"({', '.join(sorted(set(op for op, _ in seen)))}), {sum(n for _, n in seen)} bytes read, "
        f"client CPU {1000 * dynamo_cpu:.0f} ms over moto, {1000 * memory_cpu:.0f} ms in memory; {figures}"
    )
    print(f"scale bench took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
