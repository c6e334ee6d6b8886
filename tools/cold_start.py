"""The cold-start figure of `make bench` (python -m tools.cold_start runs it alone): the import
time of `app` against a bare stack, a one-route Chalice app with a PynamoDB model and a
marshmallow schema, in the same virtualenv.

Each run is a fresh interpreter; the two are run in interleaved pairs (the order alternating),
so that a busy neighbour on a shared machine slows both alike, and the figure is the ratio of
the medians. It only reports: no threshold (issue 15 asks for within 1.2x)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tools.workload import ROOT, fake_aws_environment

PAIRS = 15

# What every app of this stack imports anyway: the baseline the app's own cost is held against.
BARE_APP = '''\
from chalice import Chalice
from marshmallow import Schema, fields
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

app = Chalice(app_name="bare")


class Item(Model):
    class Meta:
        table_name = "bare"
        region = "eu-west-2"

    pk = UnicodeAttribute(hash_key=True)


class ItemOut(Schema):
    pk = fields.String()


@app.route("/")
def index():
    return ItemOut().dump({"pk": "bare"})
'''

TIMED_IMPORT = (
    "import time; t, c = time.perf_counter(), time.process_time(); import {module}; "
    "print(time.perf_counter() - t, time.process_time() - c)"
)


@dataclass
class Runs:
    wall: list[float] = field(default_factory=list)  # seconds, as a caller waits
    cpu: list[float] = field(default_factory=list)  # seconds of the process's CPU: steadier on a busy machine

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)


@dataclass
class ColdStart:
    app: Runs
    bare: Runs

    @property
    def ratio(self) -> float:
        """Of the wall-clock medians."""
        return statistics.median(self.app.wall) / statistics.median(self.bare.wall)

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.app.cpu) / statistics.median(self.bare.cpu)

    def lines(self) -> list[str]:
        def described(runs: Runs) -> str:
            return (
                f"median {statistics.median(runs.wall) * 1000:.0f} ms (min {min(runs.wall) * 1000:.0f}, "
                f"max {max(runs.wall) * 1000:.0f}), CPU {statistics.median(runs.cpu) * 1000:.0f} ms"
            )

        return [
            f"Cold start: import time in a fresh interpreter, {len(self.app.wall)} interleaved pairs, same venv",
            f"  import app:       {described(self.app)}",
            f"  bare stack:       {described(self.bare)}  (one-route Chalice + a PynamoDB model + a marshmallow schema)",
            f"  ratio app / bare: {self.ratio:.2f}x wall-clock, {self.cpu_ratio:.2f}x CPU (target: within 1.2x)",
        ]


def _import_seconds(module: str, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    result = subprocess.run(
        [sys.executable, "-c", TIMED_IMPORT.format(module=module)],
        cwd=cwd, env=env, check=True, capture_output=True, text=True,
    )
    wall, cpu = result.stdout.split()
    return float(wall), float(cpu)


def measure(pairs: int = PAIRS) -> ColdStart:
    env = fake_aws_environment()
    env.pop("PYTHONPATH", None)
    with tempfile.TemporaryDirectory(prefix="bare-stack-") as folder:
        bare_dir = Path(folder)
        (bare_dir / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
        runs = {"app": (ROOT, Runs()), "bare_app": (bare_dir, Runs())}
        for module, (cwd, _) in runs.items():
            _import_seconds(module, cwd, env)  # warm: bytecode compiled, files in the page cache
        for i in range(pairs):
            order = ("app", "bare_app") if i % 2 == 0 else ("bare_app", "app")
            for module in order:
                cwd, times = runs[module]
                times.add(*_import_seconds(module, cwd, env))
    return ColdStart(app=runs["app"][1], bare=runs["bare_app"][1])


def main() -> int:
    for line in measure().lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
