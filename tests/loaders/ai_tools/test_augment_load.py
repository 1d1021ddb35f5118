"""`elt load ai_tools` for Augment, in process against the Augment Analytics API simulator: one
`user-activity` call per day (the endpoint sums over its range) paged with its cursor to the last
page, 10 requests a minute (burst 20) kept without a refusal, yesterday only once it is ready
(02:00 UTC), re-read days converging, a retired endpoint failing in one line, the token nowhere
in logs or warehouse."""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from loaders.ai_tools import augment as augment_loader
from loaders.ai_tools.tools import section
from sandbox.augment.spec import api_token
from sandbox.server import start_sandbox_server
from tests.loaders.ai_tools.inprocess import FakeClock, InProcess

SEED = 31
SCALE = 0.2
FAST = 100_000


@pytest.fixture
def servers() -> Any:
    started = []

    def start(**options: Any) -> Any:
        server = start_sandbox_server(port=0, seed=SEED, scale=SCALE, simulators=["augment"], augment=options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def reported(simulator: Any, days: list[date]) -> dict[tuple[str, str], int]:
    """{(day, email): messages} as the API answers today."""
    found: dict[tuple[str, str], int] = defaultdict(int)
    for day in days:
        for usage in simulator.world.reported("augment", day, simulator.today, simulator.hour):
            found[(str(day), usage.identity)] += usage.requests
    return dict(found)


def landed(run: InProcess) -> dict[tuple[str, str], int]:
    rows = run.latest_reads(
        "augment_user_days",
        "cast(r._report_day as varchar), r.record->>'user_email', "
        "cast(r.record->'metrics'->>'total_messages' as bigint)",
    )
    return {(day, email): messages for day, email, messages in rows}


def test_one_call_per_day_paged_to_the_last_page(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers(per_minute=FAST, burst=FAST)
    simulator = server.augment
    run = InProcess.start(tmp_path, server, monkeypatch, "augment", augment={"page_size": 2})

    report = run.load("augment")

    assert report.ok, report.failures
    days = [simulator.today - timedelta(days=i) for i in range(35, 0, -1)]
    expected = reported(simulator, days)
    assert landed(run) == expected
    # Each day asked alone (start_date = end_date: a longer range would sum the days), its users
    # paged two at a time to the last page; a day without activity is one call too.
    calls = [e["params"] for e in simulator.request_log("user-activity")]
    assert all(p["start_date"] == p["end_date"] for p in calls)
    per_day = defaultdict(int)
    for day, _ in expected:
        per_day[day] += 1
    for day in days:
        asked = [p for p in calls if p["start_date"] == str(day)]
        assert len(asked) == max(1, math.ceil(per_day[str(day)] / 2)), day
        assert sum("cursor" in p for p in asked) == len(asked) - 1
    (org,) = simulator.request_log("daily-usage")
    assert (org["params"]["start_date"], org["params"]["end_date"]) == (str(days[0]), str(days[-1]))
    org_days = run.latest_reads("augment_org_days", "cast(r._report_day as varchar)")
    assert {d for (d,) in org_days} == {d for d, _ in expected}


def test_ten_a_minute_with_a_burst_of_twenty_without_a_refusal(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    server = servers(per_minute=10, burst=20, clock=clock)  # Augment's own limits
    monkeypatch.setattr(augment_loader, "CLOCK", clock)
    monkeypatch.setattr(augment_loader, "SLEEP", clock.sleep)
    run = InProcess.start(tmp_path, server, monkeypatch, "augment", augment={"page_size": 3})

    report = run.load("augment")

    assert report.ok, report.failures
    calls = len(server.augment.request_log())
    assert calls > 40
    assert server.augment.state()["refused"] == 0
    # A client never refused by a bucket of 20 refilled at 10 a minute needs 6 s a call beyond 20.
    assert clock.slept >= 6 * (calls - 20)


def test_yesterday_is_read_only_once_it_is_ready() -> None:
    config = section("augment")
    today = date(2026, 11, 1)
    before = datetime(2026, 11, 1, 1, 30, tzinfo=UTC)
    after = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    assert augment_loader.newest_day(config, today, before) == date(2026, 10, 30)
    assert augment_loader.newest_day(config, today, after) == date(2026, 10, 31)


def test_a_day_read_before_it_was_ready_converges_on_the_next_load(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers(per_minute=FAST, burst=FAST, hour=1)  # 01:00 UTC: yesterday not ready yet
    simulator = server.augment
    run = InProcess.start(tmp_path, server, monkeypatch, "augment")
    assert run.load("augment").ok
    yesterday = str(simulator.today - timedelta(days=1))
    assert not [k for k in landed(run) if k[0] == yesterday], "an unready day answers no rows"

    simulator.tick(1)
    simulator.admin("POST", "hour", {}, {"hour": 12})
    report = run.load("augment")

    assert report.ok, report.failures
    days = [simulator.today - timedelta(days=i) for i in range(36, 0, -1)]
    assert landed(run) == reported(simulator, days)
    assert {k for k in landed(run) if k[0] == yesterday}, "the day re-read once ready"


def test_a_retired_endpoint_fails_augment_in_one_line(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers(per_minute=FAST, burst=FAST, retired="user-activity")
    run = InProcess.start(tmp_path, server, monkeypatch, "augment")

    report = run.load("augment")

    assert report.failures == {
        "augment": "augment: GET /augment/analytics/v0/user-activity answered HTTP 404: the endpoint "
        "was retired or renamed: update the loader"
    }
    days_read = run.query(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw_ai_tools' and table_name = 'augment_user_days'"
    )
    assert days_read == [(0,)]


def test_the_token_is_in_no_log_and_no_table(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server = servers(per_minute=FAST, burst=FAST)
    server.augment.add_fault("http429", 1, endpoint="user-activity")
    run = InProcess.start(tmp_path, server, monkeypatch, "augment")
    caplog.set_level(logging.DEBUG)

    report = run.load("augment")

    assert report.ok and report.retries == 1
    token = api_token(SEED)
    assert token not in caplog.text and token not in report.render()
    assert run.text_holding(token) == []


def test_unconfigured_augment_is_skipped_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    both = start_sandbox_server(
        port=0, seed=SEED, scale=SCALE, simulators=["augment", "windsurf"], windsurf={"per_minute": FAST}
    )
    try:
        run = InProcess.start(tmp_path, both, monkeypatch, "windsurf")  # Augment runs, unconfigured

        report = run.load()

        assert report.ok, report.failures
        lines = [line for line in report.render().splitlines() if "augment" in line]
        assert len(lines) == 1 and "not configured" in lines[0] and "skipped" in lines[0]
        assert both.augment.request_log() == []
    finally:
        both.stop()
