"""The shipped assessment catalogue: one JSON data file per framework, loaded once per container."""

import json
from functools import cache
from pathlib import Path

from chalicelib.domain.catalogue import Framework, framework_from_dict

_DIRECTORY = Path(__file__).parent


@cache
def load_catalogue() -> dict[str, Framework]:
    frameworks = {}
    for path in sorted(_DIRECTORY.glob("*.json")):
        framework = framework_from_dict(json.loads(path.read_text(encoding="utf-8")))
        frameworks[framework.framework_id] = framework
    current = [f for f in frameworks.values() if f.current]
    if len(current) != 1:
        raise ValueError("exactly one framework must be marked current")
    return frameworks


def current_framework() -> Framework:
    return next(f for f in load_catalogue().values() if f.current)
