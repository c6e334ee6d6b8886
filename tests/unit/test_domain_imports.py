"""The domain imports only the standard library and itself (ARCHITECTURE.md, rule 2): read from
the source, so that a module imported nowhere yet is checked too."""

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "chalicelib" / "domain"


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module)
    return names


def test_every_domain_module_imports_only_the_standard_library_and_the_domain():
    modules = sorted(DOMAIN.rglob("*.py"))
    assert len(modules) > 10, "the domain's modules were not found"
    outside = [
        f"{path.relative_to(DOMAIN)}: {name}"
        for path in modules
        for name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("chalicelib.domain")
    ]
    assert not outside, outside
