"""The release report an operator opens renders whole with the network off: one HTML file, no
script, no stylesheet or font from a CDN (GX's data docs index loads all three from the
internet, and is blank without it)."""

from __future__ import annotations

import re

from playwright.sync_api import expect, sync_playwright

from tests.conftest import Project
from tests.docs.test_docs_site import CHROMIUM_FLAGS, chromium


def test_the_release_report_reads_offline(built_project: Project) -> None:
    release_output = built_project.release_output  # type: ignore[attr-defined]
    report = built_project.root / "gx_project" / "gx" / "uncommitted" / "release_reports" / "index.html"
    assert f"release report: {report.as_uri()}" in release_output
    html = report.read_text()
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html), "nothing is fetched"
    assert not re.search(r"@import|url\(", html)
    release_id = built_project.scalar(
        "select release_id from quality.release_history where status = 'published' "
        "order by released_at desc limit 1"
    )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(offline=True, java_script_enabled=False)
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri())
            expect(page.locator("h1")).to_contain_text(f"Release {release_id}")
            expect(page.locator("h1 .status")).to_have_text("published")
            row = page.locator("tr[data-table='marts.fct_tickets']")
            expect(row.locator("td").nth(0)).to_have_text("marts.fct_tickets")
            expect(row.locator("td.result")).to_have_text("pass")
            expect(page.locator("tr[data-table='ml.customer_churn_features'] td.result")).to_have_text("pass")
            # Styled (the stylesheet is inline): a passing result is green, not the default black.
            color = row.locator("td.result").evaluate("cell => getComputedStyle(cell).color")
            assert color == "rgb(29, 122, 70)", color
            assert all(url.startswith("file:") for url in requests), requests
        finally:
            browser.close()


def test_the_release_reports_its_progress_in_the_log(built_project: Project) -> None:
    """A cron log is not silent while the checks run: tables checked out of the total, with the
    expectations evaluated so far, at the progress interval (1 s here), as JSON log lines."""
    log = built_project.release_log  # type: ignore[attr-defined]
    lines = re.findall(r"release: (\d+)/(\d+) tables checked, [\d,]+ expectations evaluated", log)
    assert lines, log[-2000:]
    done, total = (int(n) for n in lines[-1])
    assert 0 < done < total
    assert '"logger": "elt.progress"' in log or "elt.progress" in log
