"""Dependencies point one way: the CLI (elt) uses the loaders, the sandbox and the release checks;
the loaders use only their shared plumbing; the sandbox and the GX suites stand alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_warehouse

REPO = Path(__file__).resolve().parents[1]
# package -> the project packages it must never import
FORBIDDEN = {
    "loaders": {"elt", "sandbox", "expectations", "tests", "bench"},
    "sandbox": {"elt", "loaders", "expectations", "tests", "bench"},
    "expectations": {"elt", "loaders", "sandbox", "tests", "bench"},
}


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_from_the_layers_above_it(package: str) -> None:
    wrong = {
        str(path.relative_to(REPO)): sorted(_imported_packages(path) & FORBIDDEN[package])
        for path in sorted((REPO / package).rglob("*.py"))
    }
    assert {path: names for path, names in wrong.items() if names} == {}
