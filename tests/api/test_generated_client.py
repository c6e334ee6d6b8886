"""A Python client generated from /openapi.json with openapi-python-client, as an integrator
would make one: the generator must report no warning about the document, and every module it
writes must import. The client is written to a temporary folder and imported by a process of
its own, so nothing of it stays in this one."""

import json
import subprocess
import sys

from tests.api.conftest import body

PACKAGE = "ldd_client"
# No post hooks: the default ones run ruff over the client, which adds nothing to this check.
CONFIG = {"post_hooks": []}
IMPORT_EVERY_MODULE = f"""
import importlib, pkgutil

package = importlib.import_module("{PACKAGE}")
names = [m.name for m in pkgutil.walk_packages(package.__path__, "{PACKAGE}.")]
failures = []
for name in names:
    try:
        importlib.import_module(name)
    except Exception as error:
        failures.append(f"{{name}}: {{error!r}}")
print(len(names))
print("\\n".join(failures))
"""


def test_openapi_python_client_generates_a_client_whose_every_module_imports(client, tmp_path):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    (tmp_path / "openapi.json").write_text(json.dumps(body(response)))
    (tmp_path / "config.json").write_text(json.dumps(CONFIG))

    generated = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", "openapi.json", "--config", "config.json"),
            *("--meta", "none", "--output-path", PACKAGE, "--fail-on-warning"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = generated.stdout + generated.stderr
    assert generated.returncode == 0 and "Warning" not in report, report

    imported = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert imported.returncode == 0, imported.stderr
    count, *failures = imported.stdout.strip().split("\n")
    assert [f for f in failures if f] == [], "\n".join(failures)
    assert int(count) > 150  # the models and one module per operation, not an empty package
