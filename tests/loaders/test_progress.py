"""Long loads report progress at a steady interval: records read and the rate, per source."""

from __future__ import annotations

import pytest

from loaders.common import report as report_module
from loaders.common.report import LoadReport

pytestmark = pytest.mark.no_warehouse


def test_progress_lines_come_at_the_interval_with_records_and_rate() -> None:
    lines: list[str] = []
    report_module.set_progress_sink(lines.append, interval=3600)
    try:
        report = LoadReport("pestroutes")
        report.result("north", "customers")
        report.progress(500)
        assert lines == [], "nothing before the interval has passed"
        report_module.set_progress_sink(lines.append, interval=0)
        report.progress(250)
        report.progress(250)
    finally:
        report_module.set_progress_sink(None, interval=10.0)
    assert len(lines) == 2
    assert lines[-1].startswith("pestroutes: 1,000 records read in ")
    assert "/s) from 1 scope(s)" in lines[-1]
