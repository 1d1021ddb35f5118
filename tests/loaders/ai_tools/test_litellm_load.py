"""`elt load ai_tools` for the LiteLLM proxy: every page to the last, the re-read window, staging
equal to the world's final numbers after a tick, a retired endpoint failing loudly while Copilot
lands, a tool left unconfigured skipped with one line, no refused call and no secret anywhere."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sandbox.ai_usage import UsageWorld
from sandbox.framework import simulated_date
from sandbox.litellm.server import admin_key
from tests.conftest import Project, assert_no_secrets
from tests.loaders.ai_tools.conftest import SEED, ai_tools_project, days_summary

PAGE_SIZE = 60


def staging(project: Any) -> dict[tuple[str, str, str, str], tuple[int, int, int, float]]:
    rows = project.query(
        "select activity_date, identity_type, identity, model, requests, input_tokens, output_tokens, "
        "cost_usd from staging.stg_ai_tools__litellm_usage_days"
    )
    return {(str(r[0]), r[1], r[2], r[3]): (r[4], r[5], r[6], round(float(r[7]), 6)) for r in rows}


def world(day: int, lookback: int) -> dict[tuple[str, str, str, str], tuple[int, int, int, float]]:
    usage = UsageWorld(SEED)
    today = simulated_date(day)
    found = {}
    for back in range(1, lookback + 1):
        for u in usage.final("litellm", today - timedelta(days=back)):
            found[(str(u.day), u.identity_type if "@" in u.identity else "api_key", u.identity, u.model)] = (
                u.requests,
                u.input_tokens,
                u.output_tokens,
                round(u.cost_usd, 6),
            )
    return found


def test_every_page_lands_and_a_later_load_converges_to_the_world(tmp_path: Path, ai_sandbox: Any) -> None:
    server = ai_sandbox("litellm")
    project = ai_tools_project(
        tmp_path, server, "litellm", litellm={"page_size": PAGE_SIZE, "lookback_days": 20}
    )
    simulator = server.litellm

    first = project.elt("load", "ai_tools")
    pages = simulator.request_log("daily_activity")
    body_pages = pages[0]
    assert len(pages) > 3 and all(p["http_status"] == 200 for p in pages)
    assert [p["params"]["page"] for p in pages[1:]] == [str(n) for n in range(2, len(pages) + 1)]
    assert (
        body_pages["params"]["start_date"] == "2026-10-12"
        and body_pages["params"]["end_date"] == "2026-10-31"
    )
    summary = days_summary(first.stdout)
    assert summary[("litellm", "litellm_key_model_days")][2] == "ok"
    # Every other tool is left out with one line each, not an error.
    assert summary[("copilot", "(not configured: [sources.ai_tools.copilot])")][2] == "skipped"

    simulator.clear_requests()
    server.app.tick(3)
    project.elt("load", "ai_tools")
    # The re-read window: the last loaded day (2026-10-31) minus reread_days (1) to yesterday.
    assert {p["params"]["start_date"] for p in simulator.request_log("daily_activity")} == {"2026-10-30"}
    project.dbt("build", "--select", "stg_ai_tools__litellm_usage_days")
    assert staging(project) == world(day=3, lookback=23)  # 2026-10-12 .. 2026-11-03
    assert simulator.state()["refused"] == 0
    assert_no_secrets(project, [admin_key(SEED)])


def test_a_retired_endpoint_fails_loudly_on_every_run_while_copilot_lands(
    tmp_path: Path, ai_sandbox: Any
) -> None:
    server = ai_sandbox("litellm", "copilot", litellm={"retired": "daily_activity"})
    project = ai_tools_project(tmp_path, server, "litellm", "copilot", copilot={"lookback_days": 3})
    line = (
        "litellm: GET /litellm/user/daily/activity answered HTTP 404: the endpoint was retired or renamed: "
        "update the loader"
    )
    for _ in range(2):
        result = project.elt("load", "ai_tools", check=False)
        assert result.returncode != 0
        assert f"FAILED {line}" in result.stdout  # the tool named once
        assert days_summary(result.stdout)[("copilot", "copilot_user_days")][2] == "ok"
    assert project.query("select distinct _tool from raw_ai_tools.report_days") == [("copilot",)]
    assert len(server.litellm.request_log("daily_activity")) == 2, "a 404 is not retried"


def test_no_tool_configured_is_one_skipped_line_not_an_error(tmp_path: Path) -> None:
    project = Project(tmp_path, "", [], sources=("ai_tools",))
    project.write_config()
    result = project.elt("load", "ai_tools")
    assert result.stdout.count("not configured") == 1
    assert "not configured: add a [sources.ai_tools.<tool>] section for each tool used" in result.stdout
