"""An analyst opens the built dbt docs site in a real browser, finds a mart, reads its columns.

Drives Debian's chromium (installed by `make chromium`, which `make test` runs) through
Playwright; Playwright never downloads a browser of its own here.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import Project

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: run `make chromium` (make test does it for you)")
    return path


@pytest.fixture(scope="module")
def docs_output(built_project: Project) -> str:
    """`elt docs` run once for the module's tests (dbt docs generate takes a while), with a
    progress line every second (its log: `built_project.docs_log`)."""
    result = built_project.elt("docs", env={"ELT_PROGRESS_SECONDS": "1"})
    built_project.docs_log = result.stderr  # type: ignore[attr-defined]
    return result.stdout


def test_docs_build_reports_progress_while_dbt_runs(built_project: Project, docs_output: str) -> None:
    log = built_project.docs_log  # type: ignore[attr-defined]
    assert re.search(r"docs: dbt docs generate: still running after \d+s", log), log[-2000:]


def test_analyst_finds_a_mart_and_its_column_descriptions(built_project: Project, docs_output: str) -> None:
    output = docs_output
    site = built_project.root / "target" / "static_index.html"
    assert str(site) in output and site.exists()
    assert "GX data docs: file://" in output
    manifest = json.loads((built_project.root / "target" / "manifest.json").read_text())
    mart = next(n for n in manifest["nodes"].values() if n["name"] == "fct_appointments")
    documented = {name: c["description"] for name, c in mart["columns"].items() if c["description"]}
    assert set(documented) == set(mart["columns"]), "every column of the mart is documented"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(site.as_uri())
            # Search the site the way an analyst does, and open the mart from the results.
            page.fill("input[ng-model='search.query']", "fct_appointments")
            page.locator("h4.a", has_text=re.compile(r"^\s*fct_appointments\s")).first.click()
            expect(page.locator("h1").first).to_contain_text("fct_appointments", timeout=15_000)
            assert page.url.endswith("#!/model/model.elt_warehouse.fct_appointments")
            expect(page.get_by_text(first_words(mart["description"], 6)).first).to_be_visible()
            # The column list shows every column; a click on one shows its whole description.
            for name in ("appointment_key", "office_name", "is_completed"):
                cell = page.get_by_text(name, exact=True).first
                expect(cell).to_be_visible()
                cell.click()
                expect(page.locator("p", has_text=first_words(documented[name], 6)).first).to_be_visible()
            page.screenshot(path=str(built_project.root / "docs_fct_appointments.png"))
        finally:
            browser.close()


def test_the_site_names_the_relations_analysts_read(built_project: Project, docs_output: str) -> None:
    """A mart's page names `analytics.<mart>` (`ml.<table>`), the released copy analysts query,
    never the audit build's `audit_marts.<mart>`; dbt's own manifest keeps the audit schema
    (the release's contract check and state comparisons read it)."""
    site = built_project.root / "target" / "static_index.html"
    manifest = json.loads((built_project.root / "target" / "manifest.json").read_text())
    assert manifest["nodes"]["model.elt_warehouse.fct_appointments"]["schema"] == "audit_marts"
    served = json.loads((built_project.root / "target" / "docs_site" / "manifest.json").read_text())
    assert served["nodes"]["model.elt_warehouse.customer_churn_features"]["schema"] == "ml"
    assert re.fullmatch(
        r'"?[^".]+"?\."?analytics"?\."?fct_appointments"?',
        served["nodes"]["model.elt_warehouse.fct_appointments"]["relation_name"],
    )
    assert "docs_site --port 8080" in docs_output

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for model, relation in (
                ("fct_appointments", r"\.analytics\.fct_appointments$"),
                ("customer_churn_features", r"\.ml\.customer_churn_features$"),
            ):
                page.goto(f"{site.as_uri()}#!/model/model.elt_warehouse.{model}")
                expect(page.locator("h1").first).to_contain_text(model, timeout=15_000)
                expect(page.get_by_text(re.compile(relation)).first).to_be_visible()
                assert page.get_by_text(re.compile(r"audit_(marts|ml)\.")).count() == 0, model
        finally:
            browser.close()


def test_the_overview_describes_every_source(built_project: Project, docs_output: str) -> None:
    site = built_project.root / "target" / "static_index.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{site.as_uri()}#!/overview")
            for heading in ("PestRoutes", "Service-request CSV exports", "incident.io incidents"):
                expect(page.locator("h3", has_text=heading).first).to_be_visible(timeout=15_000)
            expect(page.get_by_text("TTD (time to detect)", exact=False).first).to_be_visible()
            body = page.locator("body").inner_text()
            assert "{#" not in body and "To add" not in body, "the maintainers' note stays out of the page"
        finally:
            browser.close()


def first_words(markdown: str, count: int) -> str:
    """The opening words of a description as the page renders them (markdown marks removed)."""
    words = markdown.replace("**", "").replace("`", "").split()
    return " ".join(words[:count])
