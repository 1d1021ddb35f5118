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


def test_analyst_finds_a_mart_and_its_column_descriptions(built_project: Project) -> None:
    output = built_project.elt("docs").stdout
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


def first_words(markdown: str, count: int) -> str:
    """The opening words of a description as the page renders them (markdown marks removed)."""
    words = markdown.replace("**", "").replace("`", "").split()
    return " ".join(words[:count])
