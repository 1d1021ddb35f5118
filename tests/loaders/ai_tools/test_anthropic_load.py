"""`elt load ai_tools` against the Anthropic simulator: the analytics endpoints paged to the last
page (never the legacy ones), Claude Code one call per day, restated days converging in staging,
a retired endpoint failing loudly on every run, the unconfigured tools skipped with one line, and
no credential in the logs or the warehouse."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.anthropic.spec import admin_key
from tests.conftest import assert_no_secrets
from tests.loaders.ai_tools.conftest import SEED, ai_tools_project, days_summary
from tests.loaders.ai_tools.inprocess import InProcess

PAGE_SIZE = 10
# The sandbox's and the loader's limits lifted: small pages make a few hundred calls.
FAST_SANDBOX = {"per_minute": 100_000}
FAST_LOADER = {"requests_per_minute": 100_000}
LOOKBACK = 35
# One line naming the tool, the path (below the sandbox's mount here), the status and what to do.
RETIRED = re.compile(
    r"anthropic: GET \S*/v1/organizations/analytics/cost answered HTTP 404: the endpoint was "
    r"retired or renamed: update the loader"
)


def test_every_page_and_every_claude_code_day_lands(tmp_path: Path, ai_sandbox: Any) -> None:
    server = ai_sandbox("anthropic", anthropic=FAST_SANDBOX)
    settings = {**FAST_LOADER, "page_size": PAGE_SIZE}
    project = ai_tools_project(tmp_path, server, "anthropic", anthropic=settings)
    result = project.elt("load", "ai_tools")

    simulator = server.anthropic
    days = [simulator.today - timedelta(days=d) for d in range(LOOKBACK, 0, -1)]
    truth = {day: simulator.world.final("anthropic", day) for day in days}
    for table in ("anthropic_usage_rows", "anthropic_cost_rows"):
        landed = dict(project.query(f"select _report_day, count(*) from raw_ai_tools.{table} group by 1"))
        assert landed == {day: len(rows) for day, rows in truth.items() if rows}
    # The analytics API in ranges of at most 31 days, each paged to its last page.
    usage_calls = simulator.request_log("analytics_usage")
    first_range = sum(len(truth[day]) for day in days[:31])
    expected_calls = math.ceil(first_range / PAGE_SIZE) + math.ceil(
        (sum(map(len, truth.values())) - first_range) / PAGE_SIZE
    )
    assert len(usage_calls) == expected_calls
    assert all(call["params"]["group_by[]"] == ["actor", "model"] for call in usage_calls)
    assert not simulator.request_log("cost_report") and not simulator.request_log("usage_report_messages")
    # Claude Code: one day per call, every day of the window, each day paged to its last page.
    per_day = Counter(call["params"]["starting_at"] for call in simulator.request_log("claude_code"))
    actors = {day: len({(u.identity_type, u.identity) for u in rows}) for day, rows in truth.items()}
    assert per_day == {day.isoformat(): max(1, math.ceil(actors[day] / PAGE_SIZE)) for day in days}
    landed = dict(
        project.query("select _report_day, count(*) from raw_ai_tools.anthropic_claude_code_days group by 1")
    )
    assert landed == {day: n for day, n in actors.items() if n}
    assert simulator.state()["refused"] == 0

    summary = days_summary(result.stdout)
    skipped = [key for key, (_, _, status) in summary.items() if status == "skipped"]
    assert ("openai", "(not configured: [sources.ai_tools.openai])") in skipped
    assert sum(1 for line in result.stdout.splitlines() if "openai" in line and "not configured" in line) == 1
    assert_no_secrets(project, [admin_key(SEED)])


def test_restated_days_converge_in_staging(tmp_path: Path, ai_sandbox: Any) -> None:
    # Anthropic settles at once; with `settle_days` 1 the sandbox restates yesterday once
    # (values change, a row vanishes, one is missing).
    server = ai_sandbox("anthropic", anthropic={**FAST_SANDBOX, "settle_days": 1})
    project = ai_tools_project(tmp_path, server, "anthropic", anthropic=FAST_LOADER)
    simulator = server.anthropic
    restated = simulator.today - timedelta(days=1)
    first_read = simulator.world.reported("anthropic", restated, simulator.today)
    assert first_read != simulator.world.final("anthropic", restated)
    project.elt("load", "ai_tools")
    simulator.tick(2)
    project.elt("load", "ai_tools")
    project.dbt(
        "build", "--select", "stg_ai_tools__anthropic_usage_days", "stg_ai_tools__anthropic_claude_code_days"
    )

    rows = project.query(
        "select activity_date, identity_type, identity, model, requests, input_tokens, output_tokens, "
        "cost_usd from staging.stg_ai_tools__anthropic_usage_days"
    )
    got = {tuple(r[:4]): (r[4], r[5], r[6], float(r[7])) for r in rows}
    expected = {}
    for offset in range(LOOKBACK + 2, 0, -1):
        day = simulator.today - timedelta(days=offset)
        for u in simulator.world.reported("anthropic", day, simulator.today):
            expected[(day, u.identity_type, u.identity, u.model)] = (
                u.requests,
                u.input_tokens,
                u.output_tokens,
                u.cost_usd,
            )
    assert got.keys() == expected.keys()
    for key, (requests, input_tokens, output_tokens, cost) in expected.items():
        assert got[key][:3] == (requests, input_tokens, output_tokens), key
        assert got[key][3] == pytest.approx(cost, abs=1e-6), key
    final = {(u.identity_type, u.identity, u.model) for u in simulator.world.final("anthropic", restated)}
    assert {k[1:] for k in got if k[0] == restated} == final  # the provisional read is gone
    reads = project.scalar(
        "select count(*) from raw_ai_tools.report_days "
        f"where table_name = 'anthropic_usage_rows' and _report_day = '{restated}'"
    )
    assert reads == 2
    code_actors = project.scalar(
        "select count(*) from staging.stg_ai_tools__anthropic_claude_code_days "
        f"where activity_date = '{restated}'"
    )
    assert code_actors == len({k[:2] for k in final})


def test_a_retired_endpoint_fails_the_tool_on_every_run(
    tmp_path: Path, ai_sandbox: Any, monkeypatch: Any
) -> None:
    server = ai_sandbox("anthropic", "openai", anthropic={"retired": "analytics_cost"})
    run = InProcess.start(tmp_path, server, monkeypatch, "anthropic", "openai")  # in process: fast
    for _ in range(2):
        report = run.load()
        assert RETIRED.fullmatch(report.failures["anthropic"]), report.failures
        assert "openai" not in report.failures  # the other tool lands
    # Never a day of zeros: no cost day counts as read; the other tool landed.
    assert not run.query("select * from raw_ai_tools.report_days where table_name = 'anthropic_cost_rows'")
    landed_days = "select count(distinct _report_day) from raw_ai_tools.openai_completion_buckets"
    assert run.query(landed_days) == [(LOOKBACK,)]
