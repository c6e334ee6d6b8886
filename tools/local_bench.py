"""The local server's store at council size (part of `make bench`; python -m tools.local_bench
[--store sqlite|moto] [--sizes 1000,20000]): a council loaded through the HTTP API of
`python -m devserver`, as a developer's import would, with each write timed; then, at each size,
write median and p99, read medians, the server's memory and its start-up time over that data.

Items are the ones the load writes (each service: the service, its summary, 6 components and 2
assessments, each write with its audit record: 19 items in 9 writes); the demo organisation's
few hundred come on top. It only reports, no thresholds."""

import argparse
import http.client
import json
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.workload import answers_body, component_body

ORG = "bench-council"
COMPONENTS, ASSESSMENTS = 6, 2
SAMPLE_READS = 200


def items_per_service(components: int = COMPONENTS, assessments: int = ASSESSMENTS) -> int:
    return 3 + 2 * components + 2 * assessments  # service, summary, audit; then each with its audit


@dataclass
class Loader:
    """Writes a council through one kept-alive connection to a running DevServer."""

    server: object  # tests.local_server.DevServer
    org: str = ORG
    items: int = 0
    write_times: list[float] = field(default_factory=list)
    service_ids: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.attach(self.server)
        admin = self.server.token("platform_admin", None, "platform@tracker.example")
        self.request("PUT", f"/orgs/{self.org}", {"name": "Bench Council"}, 201, {"Authorization": f"Bearer {admin}"})
        self.items += 2

    def attach(self, server) -> None:
        """Talk to `server` (another process over the same folder has another issuer: new tokens)."""
        self.server = server
        self.connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
        token = server.token("admin", self.org, f"admin@{self.org}.example")
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, body=None, expected: int = 200, headers: dict | None = None) -> tuple[float, bytes]:
        payload = None if body is None else json.dumps(body)
        started = time.perf_counter()
        self.connection.request(method, path, body=payload, headers={**self.headers, **(headers or {})})
        response = self.connection.getresponse()
        data = response.read()
        took = time.perf_counter() - started
        if response.status != expected:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return took, data

    def write(self, method: str, path: str, body, expected: int, items: int) -> bytes:
        took, data = self.request(method, path, body, expected)
        self.write_times.append(took)
        self.items += items
        return data

    def add_service(self, n: int, components: int = COMPONENTS, assessments: int = ASSESSMENTS) -> None:
        body = {"name": f"Service {n:05d}", "department": f"Department {n % 12}", "owner_email": f"owner{n % 50}@{self.org}.example"}
        service_id = json.loads(self.write("POST", f"/orgs/{self.org}/services", body, 201, 3))["service_id"]
        self.service_ids.append(service_id)
        base = f"/orgs/{self.org}/services/{service_id}"
        for slot in range(components):
            self.write("PUT", f"{base}/components/c{slot}", component_body(n, slot), 201, 2)
        for a in range(assessments):
            self.write("POST", f"{base}/assessments", answers_body(n + a), 201, 2)

    def load_until(self, items: int, start: int = 0, **shape) -> int:
        n = start
        while self.items < items:
            self.add_service(n, **shape)
            n += 1
        return n

    def close(self) -> None:
        self.connection.close()


def rss_mb(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak (Linux /proc), in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[98] if len(times) >= 2 else times[0]


def measure(store: str, sizes: list[int]) -> list[dict]:
    from tests.local_server import DevServer

    results = []
    with tempfile.TemporaryDirectory(prefix=f"ldd-local-bench-{store}-") as folder:
        env = {"LDD_LOCAL_STORE": store}
        started = time.perf_counter()
        server = DevServer(Path(folder), env=env)
        first_start = time.perf_counter() - started
        loader = Loader(server)
        n = 0
        try:
            for size in sizes:
                n = loader.load_until(size, n)
                before = len(loader.write_times)
                sample = max(20, 200 // 9)  # services written at this size, each write timed
                n = loader.load_until(loader.items + sample * items_per_service(), n)
                writes = loader.write_times[before:]
                reads = {"service": [], "components": [], "service scorecard": []}
                for i in range(SAMPLE_READS):
                    base = f"/orgs/{ORG}/services/{loader.service_ids[(i * 7919) % len(loader.service_ids)]}"
                    for name, path in (("service", base), ("components", f"{base}/components"), ("service scorecard", f"{base}/scorecard")):
                        reads[name].append(loader.request("GET", path)[0])
                org_reads = [loader.request("GET", f"/orgs/{ORG}/services?limit=50")[0] for _ in range(20)]
                rss, peak = rss_mb(server.process.pid)
                loader.close()
                # kill -9, not SIGTERM: moto's store may still be saving its whole table, and an
                # acknowledged write survives either way (tests/api/test_devserver.py).
                server.stop(signal.SIGKILL)
                started = time.perf_counter()
                server = DevServer(Path(folder), env=env)
                restart = time.perf_counter() - started
                loader.attach(server)
                results.append({
                    "store": store, "items": loader.items, "services": len(loader.service_ids),
                    "write_median": statistics.median(writes), "write_p99": _p99(writes), "writes": len(writes),
                    "reads": {k: statistics.median(v) for k, v in reads.items()},
                    "services_page": statistics.median(org_reads),
                    "rss": rss, "peak": peak, "first_start": first_start, "restart": restart,
                    "load_seconds": sum(loader.write_times),
                })
                report(results[-1:])  # as it comes: a slow store's larger size may never finish
            if store == "sqlite":
                transfer_figures(Path(folder))
        finally:
            loader.close()
            server.stop(signal.SIGKILL)
    return results


def transfer_figures(folder: Path) -> None:
    """`make export` of the loaded council out of the folder (the server still running) and
    `make import` of it into an empty folder, timed; and the DynamoDB requests the same import
    into a stage's table makes (its writes are not timed on moto, whose transactions copy the
    whole table)."""
    import contextlib
    import io
    import math
    import os

    from chalicelib.services.transfer import BATCH_ITEMS
    from tools import transfer

    file = folder / "export.jsonl"
    timings = {}
    for name, directory, argv in (("export", folder, ["export", ORG, str(file)]), ("import", folder / "into", ["import", str(file)])):
        os.environ["LDD_LOCAL_DIR"] = str(directory)
        started = time.perf_counter()
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):  # bars and summaries
            assert transfer.main(argv) == 0
        timings[name] = time.perf_counter() - started
    lines = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    records = sum(1 for line in lines if "pk" in line)
    partitions = sum(1 for line in lines if "partition_done" in line)
    print(f"make export / make import of {records} records in {partitions} partitions ({file.stat().st_size / 1e6:.1f} MB): "
          f"export {timings['export']:.1f} s, import into an empty folder {timings['import']:.1f} s; into a stage's table: "
          f"1 GetItem + {partitions + 2} Query to plan, {math.ceil(records / BATCH_ITEMS)} TransactWriteItems\n")


def report(results: list[dict]) -> None:
    print("Local server store at council size (through HTTP, one kept-alive connection; items: those the load wrote)")
    header = ["store", "items", "services", "write median ms", "write p99 ms", "GET service ms", "GET components ms",
              "GET service scorecard ms", "GET services page ms", "RSS MB (peak)", "start-up s (empty / with data)"]
    rows = [
        [r["store"], str(r["items"]), str(r["services"]), _ms(r["write_median"]), _ms(r["write_p99"]),
         _ms(r["reads"]["service"]), _ms(r["reads"]["components"]), _ms(r["reads"]["service scorecard"]),
         _ms(r["services_page"]), f"{r['rss']:.0f} ({r['peak']:.0f})", f"{r['first_start']:.1f} / {r['restart']:.1f}"]
        for r in results
    ]
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", action="append", choices=["sqlite", "moto"])
    parser.add_argument("--sizes", default="1000,20000")
    parser.add_argument("--moto-sizes", default="1000", help="moto copies its table per write: smaller sizes")
    args = parser.parse_args(argv)
    from tools.workload import use_fake_aws_and_local_identity

    use_fake_aws_and_local_identity()  # what tests.local_server strips from the server's environment
    results = []
    for store in args.store or ["sqlite", "moto"]:
        sizes = args.moto_sizes if store == "moto" else args.sizes
        results += measure(store, [int(s) for s in sizes.split(",")])
    print("All together:")
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
