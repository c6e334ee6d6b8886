"""The layers of docs/architecture.md, checked on every import in chalicelib/ (function-level
imports included), so that the picture stays true."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"
AWS_CLIENTS = ("boto3", "botocore", "pynamodb")


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "chalicelib"


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# (rule, applies to a module, forbids an import)
RULES = [
    (
        "the domain imports only the standard library and itself",
        lambda m: layer(m) == "domain",
        lambda name: not (name.split(".")[0] in sys.stdlib_module_names or within(name, "chalicelib.domain")),
    ),
    ("web/ never imports api/", lambda m: layer(m) == "web", lambda name: within(name, "chalicelib.api")),
    ("api/ never imports web/", lambda m: layer(m) == "api", lambda name: within(name, "chalicelib.web")),
    (
        "the edges reach AWS and the identity provider only through services",
        lambda m: layer(m) in ("api", "web", "edge"),
        lambda name: within(name, "chalicelib.adapters", *AWS_CLIENTS),
    ),
    (
        "services import no edge, no adapter and no settings",
        lambda m: layer(m) == "services",
        lambda name: within(name, "chalicelib.api", "chalicelib.web", "chalicelib.edge", "chalicelib.adapters", "chalicelib.config", "chalicelib.bootstrap", "os", *AWS_CLIENTS),
    ),
    (
        "adapters implement the ports and import no use case and no edge",
        lambda m: layer(m) == "adapters",
        lambda name: within(name, "chalicelib.api", "chalicelib.web", "chalicelib.edge", "chalicelib.bootstrap")
        or (within(name, "chalicelib.services") and not within(name, "chalicelib.services.ports")),
    ),
    (
        "the request and response schemas know the domain and the catalogue only",
        lambda m: layer(m) == "schemas",
        lambda name: within(name, "chalicelib.api", "chalicelib.web", "chalicelib.edge", "chalicelib.services", "chalicelib.adapters", *AWS_CLIENTS),
    ),
]


@pytest.mark.parametrize("rule, applies, forbids", RULES, ids=[r[0] for r in RULES])
def test_the_layers_hold(rule, applies, forbids):
    broken = [
        f"{module} imports {name}"
        for module, path in modules().items()
        if applies(module)
        for name in sorted(imports_of(path))
        if forbids(name)
    ]
    assert not broken, f"{rule}:\n" + "\n".join(broken)


def test_the_rules_see_a_forbidden_import(tmp_path):
    """The checker itself can fail: a web module importing the API is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from chalicelib.api.http import route\n", encoding="utf-8")
    (_, applies, forbids) = RULES[1]
    assert applies("chalicelib.web.sample") and any(forbids(n) for n in imports_of(sample))



def test_no_module_is_over_500_lines():
    long = {m: n for m, p in modules().items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert not long, long
