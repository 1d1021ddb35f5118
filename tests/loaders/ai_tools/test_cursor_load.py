"""`elt load ai_tools` for Cursor, in process against the Cursor Admin API simulator: 30-day chunks
of epoch-ms bodies, event pages to the last one, the 20-a-minute limit kept without a refusal,
re-read days replacing (never doubling) what landed, a retired endpoint failing in one line on
every run, an unconfigured Cursor skipped in one line, the key nowhere in logs or warehouse."""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from loaders.ai_tools import cursor as cursor_loader
from sandbox.cursor.server import DAY_MS, LEGACY_BEFORE, epoch_ms
from sandbox.cursor.spec import api_key
from sandbox.server import start_sandbox_server
from tests.loaders.ai_tools.inprocess import FakeClock, InProcess

SEED = 23
SCALE = 0.2
FAST = 100_000  # requests a minute where a test is not about the limit


@pytest.fixture
def servers() -> Any:
    started = []

    def start(**options: Any) -> Any:
        server = start_sandbox_server(
            port=0, seed=SEED, scale=SCALE, simulators=["cursor", "windsurf"], **options
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def world_days(simulator: Any, days: list[Any]) -> dict[tuple[str, str, str], tuple[int, int, int, float]]:
    """{(day, email, model): (requests, input tokens, output tokens, dollars)} as the API reports
    them (legacy events carry whole cents)."""
    found = {}
    for day in days:
        for usage in simulator.world.reported("cursor", day, simulator.today):
            cost = round(usage.cost_usd, 2) if day < LEGACY_BEFORE else usage.cost_usd
            found[(str(day), usage.identity, usage.model)] = (
                usage.requests,
                usage.input_tokens,
                usage.output_tokens,
                cost,
            )
    return found


def landed_days(run: InProcess) -> dict[tuple[str, str, str], tuple[int, int, int, float]]:
    """The same, from the RAW rows staging keeps, summed as stg_ai_tools__cursor_usage_days does."""
    rows = run.latest_reads(
        "cursor_usage_events",
        "cast(r._report_day as varchar), r.record->>'userEmail', r.record->>'model', "
        "cast(r.record->'tokenUsage'->>'inputTokens' as bigint), "
        "cast(r.record->'tokenUsage'->>'outputTokens' as bigint), "
        "coalesce(cast(r.record->>'chargedCents' as double) / 100, "
        "cast(replace(r.record->>'usageBasedCosts', '$', '') as double))",
    )
    sums: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for day, email, model, inputs, outputs, dollars in rows:
        total = sums[(day, email, model)]
        total[0] += 1
        total[1] += inputs
        total[2] += outputs
        total[3] += dollars
    return {key: (int(a), int(b), int(c), d) for key, (a, b, c, d) in sums.items()}


def assert_same(landed: dict[Any, Any], expected: dict[Any, Any]) -> None:
    assert set(landed) == set(expected)
    for key, (requests, inputs, outputs, dollars) in expected.items():
        assert landed[key][:3] == (requests, inputs, outputs), key
        assert landed[key][3] == pytest.approx(dollars, abs=1e-6), key


def test_every_chunk_and_page_lands_and_sums_to_the_world(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers(cursor={"per_minute": FAST})
    simulator = server.cursor
    run = InProcess.start(tmp_path, server, monkeypatch, "cursor", cursor={"page_size": 50})

    report = run.load("cursor")

    assert report.ok, report.failures
    days = [simulator.today - timedelta(days=i) for i in range(35, 0, -1)]
    expected = world_days(simulator, days)
    assert any(day < str(LEGACY_BEFORE) for day, _, _ in expected), (
        "some days must carry legacy dollar strings"
    )
    assert_same(landed_days(run), expected)
    # 35 days in two calls of at most 30 days (a longer one is a 400); the events of each chunk
    # paged to the last page.
    chunks = [(days[0], days[29]), (days[30], days[34])]
    assert len(simulator.request_log("daily-usage-data")) == len(chunks)
    events: dict[str, int] = defaultdict(int)
    for (day, _, _), (requests, *_) in expected.items():
        events[day] += requests
    pages = sum(
        max(1, math.ceil(sum(n for d, n in events.items() if str(first) <= d <= str(last)) / 50))
        for first, last in chunks
    )
    assert len(simulator.request_log("filtered-usage-events")) == pages
    assert all(e["http_status"] == 200 for e in simulator.request_log())
    (members,) = run.latest_reads("cursor_user_days", "count(*)")[0]
    assert members == len({(day, email) for day, email, _ in expected})
    assert simulator.state()["refused"] == 0


def test_the_limit_of_20_a_minute_is_kept_without_a_refusal(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    server = servers(cursor={"per_minute": 20, "clock": clock})
    monkeypatch.setattr(cursor_loader, "CLOCK", clock)
    monkeypatch.setattr(cursor_loader, "SLEEP", clock.sleep)
    run = InProcess.start(tmp_path, server, monkeypatch, "cursor", cursor={"page_size": 40})

    report = run.load("cursor")

    assert report.ok, report.failures
    calls = len(server.cursor.request_log())
    assert calls > 40, "enough calls to need two minutes of the budget"
    assert server.cursor.state()["refused"] == 0
    # The budget waited (on the shared clock) instead of being refused: at least a minute per
    # 20 calls beyond the first 20.
    assert clock.slept >= 60 * (calls // 20 - 1)
    assert report.wait_seconds > 0


def test_a_reread_day_replaces_what_landed(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers(cursor={"per_minute": FAST})
    simulator = server.cursor
    run = InProcess.start(tmp_path, server, monkeypatch, "cursor", cursor={"page_size": 200})
    assert run.load("cursor").ok

    simulator.tick(2)
    simulator.clear_requests()
    report = run.load("cursor")

    assert report.ok, report.failures
    # From the last loaded day minus reread_days (1) up to the new yesterday: 4 days, one chunk.
    (first_call,) = simulator.request_log("daily-usage-data")
    assert first_call["http_status"] == 200
    days = [simulator.today - timedelta(days=i) for i in range(37, 0, -1)]
    assert_same(landed_days(run), world_days(simulator, days))
    reread = str(simulator.today - timedelta(days=3))
    (loads,) = run.query(
        "select count(distinct _dlt_load_id) from raw_ai_tools.cursor_usage_events "
        f"where _report_day = '{reread}'"
    )[0]
    assert loads == 2, "the re-read day landed twice in RAW, and staging keeps one read"


def test_a_retired_endpoint_fails_cursor_in_one_line_on_every_run(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers(cursor={"per_minute": FAST}, windsurf={"per_minute": FAST})
    server.cursor.retire("filtered-usage-events", 410)
    run = InProcess.start(tmp_path, server, monkeypatch, "cursor", "windsurf")

    for _ in range(2):
        report = run.load()
        assert not report.ok
        assert report.failures["cursor"] == (
            "cursor: POST /cursor/teams/filtered-usage-events answered HTTP 410: the endpoint was "
            "retired or renamed: update the loader"
        )
        assert "windsurf" not in report.failures  # the other tool lands
    # Never a day of zeros: no day of the events table counts as read.
    assert run.query(
        "select count(*) from raw_ai_tools.report_days where table_name = 'cursor_usage_events'"
    ) == [(0,)]
    assert run.query("select count(*) from raw_ai_tools.windsurf_cascade_runs")[0][0] > 0


def test_unconfigured_cursor_is_skipped_in_one_line(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers(windsurf={"per_minute": FAST})
    run = InProcess.start(tmp_path, server, monkeypatch, "windsurf")

    report = run.load()

    assert report.ok, report.failures
    lines = [line for line in report.render().splitlines() if "cursor" in line]
    assert len(lines) == 1 and "not configured" in lines[0] and "skipped" in lines[0]


def test_the_key_is_in_no_log_and_no_table(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server = servers(cursor={"per_minute": FAST})
    server.cursor.add_fault("http503", 1, endpoint="daily-usage-data")  # an error message too
    run = InProcess.start(tmp_path, server, monkeypatch, "cursor", cursor={"page_size": 500})
    caplog.set_level(logging.DEBUG)

    report = run.load("cursor")

    assert report.ok and report.retries == 1
    key = api_key(SEED)
    assert key not in caplog.text and key not in report.render()
    assert run.text_holding(key) == []


def test_chunks_never_span_more_than_30_days() -> None:
    window = cursor_loader.Window(date(2026, 1, 1), date(2026, 4, 10))  # 100 days
    for first, last in cursor_loader.chunks(window):
        body = cursor_loader._range(first, last)
        assert body["endDate"] - body["startDate"] < 30 * DAY_MS
        assert body["startDate"] == epoch_ms(first)
    assert sum((last - first).days + 1 for first, last in cursor_loader.chunks(window)) == 100
