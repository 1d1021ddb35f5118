"""`elt load ai_tools` for Windsurf, in process against the Windsurf Analytics API simulator: the
team page once (range-wide, never daily), one Cascade call per active user (no paging), the key
only in bodies, `group_name` never combined with `emails`, provisional days restated and
converging, a retired endpoint failing in one line, the key nowhere in logs or warehouse."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import start_sandbox_server
from sandbox.windsurf.spec import service_key
from tests.loaders.ai_tools.inprocess import InProcess

SEED = 29
SCALE = 0.2
FAST = 100_000


@pytest.fixture
def server() -> Any:
    running = start_sandbox_server(
        port=0, seed=SEED, scale=SCALE, simulators=["windsurf"], windsurf={"per_minute": FAST}
    )
    yield running
    running.stop()


def reported(
    simulator: Any, days: list[Any], emails: set[str] | None = None
) -> dict[tuple[str, str, str], int]:
    """{(day, email, model): messages} as the API answers today."""
    found: dict[tuple[str, str, str], int] = defaultdict(int)
    for day in days:
        for usage in simulator.world.reported("windsurf", day, simulator.today):
            if emails is None or usage.identity in emails:
                found[(str(day), usage.identity, usage.model)] += usage.requests
    return dict(found)


def final(simulator: Any, days: list[Any]) -> dict[tuple[str, str, str], int]:
    found: dict[tuple[str, str, str], int] = defaultdict(int)
    for day in days:
        for usage in simulator.world.final("windsurf", day):
            found[(str(day), usage.identity, usage.model)] += usage.requests
    return dict(found)


def landed(run: InProcess) -> dict[tuple[str, str, str], int]:
    rows = run.latest_reads(
        "windsurf_cascade_runs",
        "cast(r._report_day as varchar), r.record->>'_queried_email', r.record->>'model', "
        "cast(r.record->>'messagesSent' as bigint)",
    )
    found: dict[tuple[str, str, str], int] = defaultdict(int)
    for day, email, model, messages in rows:
        found[(day, email, model)] += messages
    return dict(found)


def window(simulator: Any, days: int = 35) -> list[Any]:
    return [simulator.today - timedelta(days=i) for i in range(days, 0, -1)]


def test_the_team_page_once_then_one_call_per_active_user(
    tmp_path: Path, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator = server.windsurf
    run = InProcess.start(tmp_path, server, monkeypatch, "windsurf", windsurf={"group_name": "platform"})

    report = run.load("windsurf")

    assert report.ok, report.failures
    days = window(simulator)
    group = {e for e, g in simulator.groups.items() if g == "platform"}
    expected = reported(simulator, days, group)
    assert landed(run) == expected
    active = {email for _, email, _ in expected}
    # No paging: one team page, then one CascadeAnalytics call per user active in the window,
    # each naming that user alone and never the group (emails + group_name is a 400).
    bodies = simulator.bodies
    pages = [b for b in bodies if b["endpoint"] == "UserPageAnalytics"]
    cascades = [b for b in bodies if b["endpoint"] == "CascadeAnalytics"]
    assert len(pages) == 1 and pages[0]["group_name"] == "platform"
    assert sorted(e for b in cascades for e in b["emails"]) == sorted(active)
    assert all(len(b["emails"]) == 1 and "group_name" not in b for b in cascades)
    assert {b["start_timestamp"] for b in bodies} == {f"{days[0]}T00:00:00Z"}
    assert {b["end_timestamp"] for b in bodies} == {f"{days[-1]}T23:59:59Z"}
    # The team page is range-wide: it lands once, under the window's last day, with its range,
    # and activeDays counts the active days of the whole window.
    users = run.latest_reads(
        "windsurf_users",
        "cast(r._report_day as varchar), r.record->>'email', cast(r.record->>'activeDays' as int), "
        "r.record->>'_range_start', r.record->>'_range_end', r.record->>'apiKey'",
    )
    assert {row[1] for row in users} == group
    for day, email, active_days, start, end, api_key in users:
        assert (day, start, end) == (str(days[-1]), str(days[0]), str(days[-1]))
        assert active_days == len({d for d, e, _ in expected if e == email})
        assert api_key is None, "the user's hashed API key never lands"
    assert simulator.state()["refused"] == 0


def test_provisional_days_are_restated_and_converge(
    tmp_path: Path, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator = server.windsurf
    run = InProcess.start(tmp_path, server, monkeypatch, "windsurf")
    assert run.load("windsurf").ok
    yesterday = str(simulator.today - timedelta(days=1))
    provisional = {k: v for k, v in landed(run).items() if k[0] == yesterday}
    settled = {k: v for k, v in final(simulator, [simulator.today - timedelta(days=1)]).items()}
    assert provisional and provisional != settled, "yesterday is provisional on day 0"

    simulator.tick(1)
    report = run.load("windsurf")

    assert report.ok, report.failures
    days = window(simulator, 36)
    # Every day older than yesterday is final and equals the world's final usage: the restated
    # day replaced its provisional read (values changed, a ghost row vanished).
    converged = {k: v for k, v in landed(run).items() if k[0] < str(simulator.today - timedelta(days=1))}
    assert converged == final(simulator, days[:-1])
    assert {k: v for k, v in converged.items() if k[0] == yesterday} == settled
    assert landed(run) == reported(simulator, days)


def test_a_retired_endpoint_fails_windsurf_in_one_line(
    tmp_path: Path, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.windsurf.retire("UserPageAnalytics", 404)
    run = InProcess.start(tmp_path, server, monkeypatch, "windsurf")

    report = run.load("windsurf")

    assert report.failures == {
        "windsurf": "windsurf: POST /windsurf/api/v1/UserPageAnalytics answered HTTP 404: the endpoint "
        "was retired or renamed: update the loader"
    }
    # Nothing landed, no day counts as read: never a day of zeros.
    tables = run.query("select table_name from information_schema.tables where table_schema = 'raw_ai_tools'")
    assert not {"report_days", "windsurf_users", "windsurf_cascade_runs"} & {t for (t,) in tables}


def test_the_service_key_is_in_no_log_and_no_table(
    tmp_path: Path, server: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server.windsurf.add_fault("http500", 1, endpoint="CascadeAnalytics")
    run = InProcess.start(tmp_path, server, monkeypatch, "windsurf")
    caplog.set_level(logging.DEBUG)

    report = run.load("windsurf")

    assert report.ok and report.retries == 1
    key = service_key(SEED)
    assert key not in caplog.text and key not in report.render()
    assert all(key not in str(entry) for entry in server.windsurf.request_log())
    assert run.text_holding(key) == []


def test_unconfigured_windsurf_is_skipped_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    both = start_sandbox_server(
        port=0, seed=SEED, scale=SCALE, simulators=["windsurf", "cursor"], cursor={"per_minute": FAST}
    )
    try:
        run = InProcess.start(tmp_path, both, monkeypatch, "cursor")  # Windsurf runs, unconfigured

        report = run.load()

        assert report.ok, report.failures
        lines = [line for line in report.render().splitlines() if "windsurf" in line]
        assert len(lines) == 1 and "not configured" in lines[0] and "skipped" in lines[0]
        assert both.windsurf.request_log() == []
    finally:
        both.stop()
