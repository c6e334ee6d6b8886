"""The shipped assessment catalogue: one JSON data file per framework, loaded once per container.

A shipped file never changes, so none says whether it is current: a revision names the framework
it `supersedes`, and the newest is current (domain.catalogue.catalogue_of). ldd-2018.json still
carries `"current": true` from before there were revisions; it is not read.
"""

import json
from functools import cache
from pathlib import Path

from chalicelib.domain.catalogue import Framework, catalogue_of, framework_from_dict

_DIRECTORY = Path(__file__).parent


@cache
def load_catalogue() -> dict[str, Framework]:
    return catalogue_of(
        framework_from_dict(json.loads(path.read_text(encoding="utf-8"))) for path in sorted(_DIRECTORY.glob("*.json"))
    )


def current_framework() -> Framework:
    return next(f for f in load_catalogue().values() if f.current)
