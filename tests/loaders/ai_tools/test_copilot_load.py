"""`elt load ai_tools` for GitHub Copilot: one report call per day with the API version header,
every signed link read, the last 3 days re-read so restated days converge in staging, a retired
endpoint failing loudly while LiteLLM lands, the rate limit kept with no refused call."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from loaders.ai_tools import copilot as copilot_loader
from sandbox.ai_usage import UsageWorld
from sandbox.copilot.server import token
from sandbox.framework import simulated_date
from sandbox.server import start_sandbox_server
from tests.conftest import assert_no_secrets
from tests.loaders.ai_tools.conftest import SEED, ai_tools_project, days_summary
from tests.loaders.ai_tools.inprocess import FakeClock, InProcess


def staging(project: Any) -> dict[tuple[str, str, str], int]:
    rows = project.query(
        "select activity_date, identity, model, requests, input_tokens, cost_usd "
        "from staging.stg_ai_tools__copilot_usage_days"
    )
    assert all(r[4] is None and r[5] is None for r in rows), "Copilot reports no tokens nor cost"
    return {(str(r[0]), r[1], r[2]): r[3] for r in rows}


def test_one_call_per_day_and_restated_days_converge(tmp_path: Path, ai_sandbox: Any) -> None:
    server = ai_sandbox("copilot", copilot={"file_rows": 8})
    project = ai_tools_project(tmp_path, server, "copilot", copilot={"lookback_days": 10})
    simulator = server.copilot

    project.elt("load", "ai_tools")
    calls = simulator.request_log("users_report")
    assert [c["params"]["day"] for c in calls] == [f"2026-10-{d}" for d in range(22, 32)]
    assert {c["api_version"] for c in calls} == {"2026-03-10"}
    assert len(simulator.request_log("download")) > len(calls), "every signed link is read"

    simulator.clear_requests()
    server.app.tick(2)
    project.elt("load", "ai_tools")
    # The last loaded day (2026-10-31) minus 3 days, to the new yesterday (2026-11-02).
    days = [c["params"]["day"] for c in simulator.request_log("users_report")]
    assert days == ["2026-10-28", "2026-10-29", "2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"]
    project.dbt("build", "--select", "stg_ai_tools__copilot_usage_days")

    world, today = UsageWorld(SEED), simulated_date(2)
    expected = {}
    for back in range(1, 13):
        day = today - timedelta(days=back)
        # Settled days are final; the newest three are what the API says today (still provisional).
        for u in world.reported("copilot", day, today):
            expected[(str(day), u.identity, u.model)] = u.requests
    assert staging(project) == expected
    restated = today - timedelta(days=4)  # provisional at the first load, final now
    assert world.reported("copilot", restated, simulated_date(0)) != world.final("copilot", restated)
    assert simulator.state()["refused"] == 0
    assert_no_secrets(project, [token(SEED)])


def test_a_retired_endpoint_fails_loudly_while_litellm_lands(tmp_path: Path, ai_sandbox: Any) -> None:
    server = ai_sandbox("copilot", "litellm", copilot={"retired": "users_report"})
    project = ai_tools_project(tmp_path, server, "copilot", "litellm", litellm={"lookback_days": 3})
    result = project.elt("load", "ai_tools", check=False)
    assert result.returncode != 0
    failed = [line for line in result.stdout.splitlines() if line.strip().startswith("FAILED")]
    assert failed == [
        "  FAILED copilot: GET /copilot/orgs/acme/copilot/metrics/reports/users-1-day answered "
        "HTTP 404: the endpoint was retired or renamed: update the loader"
    ]
    assert days_summary(result.stdout)[("litellm", "litellm_key_model_days")][2] == "ok"
    assert project.query("select distinct _tool from raw_ai_tools.report_days") == [("litellm",)]


def test_the_rate_limit_is_kept_without_a_refused_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GitHub allows so many calls a minute; the loader's budget spreads them instead of being
    # refused. The simulator's rate limit and the loader's budget share a clock that moves only
    # when the loader sleeps, so the minute it waits costs no time.
    clock = FakeClock()
    server = start_sandbox_server(
        port=0, seed=SEED, simulators=["copilot"], copilot={"per_minute": 5, "clock": clock}
    )
    try:
        monkeypatch.setattr(copilot_loader, "CLOCK", clock)
        monkeypatch.setattr(copilot_loader, "SLEEP", clock.sleep)
        run = InProcess.start(
            tmp_path, server, monkeypatch, "copilot", copilot={"lookback_days": 7, "requests_per_minute": 5}
        )
        report = run.load("copilot")
        assert report.ok, report.failures
        assert len(server.copilot.request_log("users_report")) == 7
        assert server.copilot.state()["refused"] == 0
        assert clock.slept >= 55, "the sixth and seventh calls waited for the window"
        assert "waiting on rate limits" in report.render()
    finally:
        server.stop()


def test_expired_links_are_asked_for_again_once_then_fail_the_scope(tmp_path: Path, ai_sandbox: Any) -> None:
    server = ai_sandbox("copilot", copilot={"link_seconds": 0.0})  # every link expired at once
    project = ai_tools_project(tmp_path, server, "copilot", copilot={"lookback_days": 2})
    result = project.elt("load", "ai_tools", check=False)
    assert result.returncode != 0
    assert (
        "FAILED copilot: the download links of the 2026-10-30 report were refused twice (HTTP 403"
        in result.stdout
    )
    assert [c["params"]["day"] for c in server.copilot.request_log("users_report")] == ["2026-10-30"] * 2
    landed = "select count(*) from information_schema.tables where table_name = 'copilot_user_days'"
    assert project.scalar(landed) == 0, "no day of zeros, nothing half-read"
