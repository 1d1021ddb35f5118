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


def test_every_source_has_its_switch_in_dbt_and_every_check_names_its_source() -> None:
    """ELT_SOURCES switches a source off in dbt (dbt_project.yml `+enabled`, one anchor per
    source), in `elt load` (loaders/registry.py) and in `elt release` (each suite's `source`):
    the three name the same sources."""
    import yaml

    from expectations.suites import SUITES
    from loaders.registry import SOURCES

    text = (REPO / "dbt_project.yml").read_text()
    assert yaml.safe_load(text)["vars"]["elt_source_names"] == list(SOURCES)
    for name in SOURCES:
        assert f"&{name}_enabled " in text, f"dbt_project.yml has no switch for {name}"
    assert {spec.source for spec in SUITES} == set(SOURCES)
