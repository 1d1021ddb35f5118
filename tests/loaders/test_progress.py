"""Long loads report progress at a steady interval: records read and the rate, per source."""

from __future__ import annotations

import time

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


def test_a_counted_step_reports_at_the_interval_and_a_subprocess_step_keeps_a_heartbeat() -> None:
    lines: list[str] = []
    report_module.set_progress_sink(lines.append, interval=3600)
    try:
        ticker = report_module.Ticker()
        ticker.update(lambda: "release: 1/40 tables checked")
        assert lines == [], "nothing before the interval has passed"
        report_module.set_progress_sink(lines.append, interval=0.05)
        time.sleep(0.06)
        ticker.update(lambda: "release: 2/40 tables checked")
        assert lines == ["release: 2/40 tables checked"]
        with report_module.heartbeat("docs: dbt docs generate"):
            time.sleep(0.3)
        beats = [line for line in lines if line.startswith("docs: dbt docs generate: still running after")]
        assert len(beats) >= 2
        count = len(lines)
        time.sleep(0.15)
        assert len(lines) == count, "the heartbeat stops with its step"
    finally:
        report_module.set_progress_sink(None, interval=10.0)
