"""What a cold start loads (docs/architecture.md, "Cold start and packaging"): importing `app`
loads neither Jinja (the pages load it with their first render), nor cryptography (sealing an
integration's secret loads it), nor python-ulid (the first new id loads it). The time it takes
is a figure of `make bench` (tools/cold_start.py), not a test."""

import json
import subprocess
import sys

from tools.workload import ROOT, fake_aws_environment

LOADED_LATER = ("jinja2", "cryptography", "ulid", "jwt")


def modules_after(code: str) -> set[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=fake_aws_environment(), check=True, capture_output=True, text=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_importing_app_loads_neither_the_page_renderer_nor_cryptography():
    loaded = top_level(modules_after("import app"))
    assert "chalice" in loaded and "marshmallow" in loaded  # the probe sees what app loads
    assert not loaded & set(LOADED_LATER), sorted(loaded & set(LOADED_LATER))


def test_what_is_left_out_still_loads_where_it_is_used():
    loaded = top_level(
        modules_after(
            "import app\n"
            "from chalicelib.web.rendering import environment\n"
            "environment()\n"
            "from chalicelib.bootstrap import _ulid_factory\n"
            "from chalicelib.domain.clock import SystemClock\n"
            "_ulid_factory(SystemClock())()\n"
        )
    )
    assert {"jinja2", "ulid"} <= loaded
