"""The shipped benchmark sets: one JSON data file per set, loaded once per container.

Only illustrative sets built from public figures ship here; a council imports the set it
receives from its benchmarking club (docs/benchmarks.md).
"""

import json
from functools import cache
from pathlib import Path

from chalicelib.domain.benchmarks.model import BenchmarkSet
from chalicelib.domain.benchmarks.shape import benchmark_set_from_dict
from chalicelib.domain.errors import Invalid

_DIRECTORY = Path(__file__).parent


@cache
def load_benchmark_sets() -> dict[str, BenchmarkSet]:
    sets = {}
    for path in sorted(_DIRECTORY.glob("*.json")):
        try:
            bset = benchmark_set_from_dict(json.loads(path.read_text(encoding="utf-8")))
        except Invalid as invalid:
            raise ValueError(f"benchmark set {path.name} is inconsistent: {invalid.errors}") from invalid
        if bset.set_id != path.stem:
            raise ValueError(f"benchmark set {path.name} has set_id {bset.set_id!r}; name the file after it")
        sets[bset.set_id] = bset
    return sets
