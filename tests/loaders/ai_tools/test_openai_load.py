"""`elt load ai_tools` against the OpenAI simulator: usage and cost buckets paged to the last page
with `group_by` repeated, restated days converging in staging, a retired endpoint failing loudly
on every run, the unconfigured tools skipped with one line, and no credential in the logs or the
warehouse."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.openai.server import epoch
from sandbox.openai.spec import admin_key
from tests.conftest import assert_no_secrets
from tests.loaders.ai_tools.conftest import SEED, ai_tools_project, days_summary
from tests.loaders.ai_tools.inprocess import InProcess

LOOKBACK = 35
FAST_SANDBOX = {"per_minute": 100_000}
FAST_LOADER = {"requests_per_minute": 100_000}
# One line naming the tool, the path (below the sandbox's mount here), the status and what to do.
RETIRED = re.compile(
    r"openai: GET \S*/v1/organization/usage/completions answered HTTP 410: the endpoint was "
    r"retired or renamed: update the loader"
)


def test_usage_and_cost_buckets_land_to_the_last_page(tmp_path: Path, ai_sandbox: Any) -> None:
    server = ai_sandbox("openai", openai=FAST_SANDBOX)
    settings = {**FAST_LOADER, "usage_page_size": 6, "cost_page_size": 4}
    project = ai_tools_project(tmp_path, server, "openai", openai=settings)
    result = project.elt("load", "ai_tools")

    simulator = server.openai
    days = [simulator.today - timedelta(days=d) for d in range(LOOKBACK, 0, -1)]
    usage_calls = simulator.request_log("usage_completions")
    cost_calls = simulator.request_log("costs")
    assert (len(usage_calls), len(cost_calls)) == (math.ceil(LOOKBACK / 6), math.ceil(LOOKBACK / 4))
    # Repeated parameters, never a comma list (which the API refuses).
    assert all(call["params"]["group_by"] == ["user_id", "model"] for call in usage_calls)
    assert all(call["params"]["group_by"] == ["project_id", "line_item"] for call in cost_calls)
    assert {call["params"]["start_time"] for call in usage_calls} == {str(epoch(days[0]))}
    assert {call["params"]["end_time"] for call in usage_calls} == {str(epoch(simulator.today))}
    for table in ("openai_completion_buckets", "openai_cost_buckets"):
        landed = project.query(
            f"select _report_day, count(*) from raw_ai_tools.{table} group by 1 order by 1"
        )
        assert landed == [(day, 1) for day in days]
    results = project.scalar(
        "select sum(json_array_length(json_extract(record, '$.results'))) "
        "from raw_ai_tools.openai_completion_buckets"
    )
    assert results == sum(len(simulator.world.final("openai", day)) for day in days)
    assert simulator.state()["refused"] == 0

    skipped = [key for key, (_, _, status) in days_summary(result.stdout).items() if status == "skipped"]
    assert ("anthropic", "(not configured: [sources.ai_tools.anthropic])") in skipped
    assert (
        sum(1 for line in result.stdout.splitlines() if "anthropic" in line and "not configured" in line) == 1
    )
    assert_no_secrets(project, [admin_key(SEED)])


def test_restated_days_converge_in_staging(tmp_path: Path, ai_sandbox: Any) -> None:
    # OpenAI settles at once; with `settle_days` 1 the sandbox restates yesterday once
    # (values change, a row vanishes, one is missing).
    server = ai_sandbox("openai", openai={**FAST_SANDBOX, "settle_days": 1})
    project = ai_tools_project(tmp_path, server, "openai", openai=FAST_LOADER)
    simulator = server.openai
    restated = simulator.today - timedelta(days=1)
    assert simulator.world.reported("openai", restated, simulator.today) != simulator.world.final(
        "openai", restated
    )
    project.elt("load", "ai_tools")
    simulator.tick(2)
    project.elt("load", "ai_tools")
    project.dbt("build", "--select", "stg_ai_tools__openai_usage_days", "stg_ai_tools__openai_costs")

    rows = project.query(
        "select activity_date, identity, model, requests, input_tokens, output_tokens, cost_usd "
        "from staging.stg_ai_tools__openai_usage_days"
    )
    got = {tuple(r[:3]): tuple(r[3:]) for r in rows}
    expected, spend = {}, {}
    for offset in range(LOOKBACK + 2, 0, -1):
        day = simulator.today - timedelta(days=offset)
        for u in simulator.world.reported("openai", day, simulator.today):
            expected[(day, u.identity, u.model)] = (u.requests, u.input_tokens, u.output_tokens, None)
            if simulator.world.is_final("openai", day, simulator.today):  # settled days' cost
                spend[day] = spend.get(day, 0.0) + u.cost_usd
    assert got == expected  # per user and model, no per-user cost (NULL)
    final = {(u.identity, u.model) for u in simulator.world.final("openai", restated)}
    assert {k[1:] for k in got if k[0] == restated} == final  # the provisional read is gone
    costs = project.query(
        "select activity_date, sum(cost_usd) from staging.stg_ai_tools__openai_costs group by 1"
    )
    settled = {day: float(total) for day, total in costs if day in spend}
    assert len(settled) == LOOKBACK + 1 and settled == pytest.approx(spend, abs=1e-4)


def test_a_retired_endpoint_fails_the_tool_on_every_run(
    tmp_path: Path, ai_sandbox: Any, monkeypatch: Any
) -> None:
    server = ai_sandbox("openai", "anthropic", openai={"retired": "usage_completions"})
    server.openai.retire("usage_completions", 410)
    run = InProcess.start(tmp_path, server, monkeypatch, "openai", "anthropic")  # in process: fast
    for _ in range(2):
        report = run.load()
        assert RETIRED.fullmatch(report.failures["openai"]), report.failures
        assert "anthropic" not in report.failures  # the other tool lands
    # Never a day of zeros: no usage day counts as read.
    assert not run.query("select * from raw_ai_tools.report_days where table_name like 'openai_%'")
