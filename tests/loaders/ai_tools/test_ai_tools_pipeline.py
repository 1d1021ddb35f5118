"""The shared part of `elt load ai_tools` without a warehouse: each tool's window of days, the one
line a retired endpoint gives (naming the tool once), an unexpected error reported without its
message, and a tool's API calls added up over all its clients."""

from __future__ import annotations

from datetime import date

import pytest

from loaders.ai_tools.pipeline import window
from loaders.ai_tools.tools import TOOL_NAMES, Tool, Window, guarded, retired_error
from loaders.common.budget import ReadBudget
from loaders.common.errors import LoaderError, PermanentError
from loaders.common.http import CallStats
from loaders.common.report import LoadReport

pytestmark = pytest.mark.no_warehouse

TOOL = Tool("copilot", "Copilot", ("copilot_user_days",), reread_days=3, lookback_days=28)
NEWEST = date(2026, 10, 31)


def test_the_window_rereads_recent_days_and_looks_back_on_the_first_load() -> None:
    assert window(TOOL, None, NEWEST) == Window(date(2026, 10, 4), NEWEST)
    assert window(TOOL, date(2026, 10, 30), NEWEST) == Window(date(2026, 10, 27), NEWEST)
    # Loaded long ago: from the last loaded day on, however far back, so nothing is skipped.
    assert window(TOOL, date(2026, 8, 1), NEWEST) == Window(date(2026, 7, 29), NEWEST)
    # Loaded today already: the recent days again (they may have been restated since).
    assert window(TOOL, NEWEST, NEWEST) == Window(date(2026, 10, 28), NEWEST)
    assert window(TOOL, NEWEST, NEWEST, full_refresh=True) == Window(date(2026, 10, 4), NEWEST)
    assert window(TOOL, NEWEST, NEWEST, since=date(2026, 9, 1), until=date(2026, 9, 3)) == Window(
        date(2026, 9, 1), date(2026, 9, 3)
    )
    assert window(TOOL, NEWEST, NEWEST, until=date(2027, 1, 1)).last == NEWEST, "never past the newest day"
    assert window(TOOL, None, NEWEST, since=date(2026, 11, 5)) is None
    assert len(Window(date(2026, 10, 30), NEWEST).days()) == 2


def test_a_404_or_410_becomes_the_one_retired_line_other_errors_stay() -> None:
    gone = PermanentError(
        "copilot GET /orgs/acme/copilot/metrics: HTTP 410: the endpoint is gone or was renamed"
    )
    assert str(retired_error("copilot", gone)) == (
        "copilot: GET /orgs/acme/copilot/metrics answered HTTP 410: the endpoint was retired or renamed: "
        "update the loader"
    )
    refused = PermanentError("copilot GET /x: HTTP 401, check the credentials")
    assert retired_error("copilot", refused) is refused


def test_a_failed_tool_is_named_once_in_its_line() -> None:
    report = LoadReport("ai_tools")
    gone = PermanentError("anthropic GET /v1/organizations/analytics/cost: HTTP 404: not found")
    report.fail_scope("anthropic", str(retired_error("anthropic", gone)))
    report.fail_scope("openai", "openai GET /v1/organization/costs: HTTP 401, check the credentials")
    report.fail_scope("cursor", "sources.ai_tools.cursor.page_size must be from 1 to 1000, got 0")
    failed = [line for line in report.render().splitlines() if "FAILED" in line]
    assert failed == [
        "  FAILED anthropic: GET /v1/organizations/analytics/cost answered HTTP 404: the endpoint was "
        "retired or renamed: update the loader",
        "  FAILED cursor: sources.ai_tools.cursor.page_size must be from 1 to 1000, got 0",
        "  FAILED openai: GET /v1/organization/costs: HTTP 401, check the credentials",
    ]
    assert report.failure_lines() == [line.removeprefix("  FAILED ") for line in failed]
    # The reason itself stays whole (logs and alerts read it on its own).
    assert report.failures["openai"].startswith("openai GET ")


def test_a_tools_calls_add_up_over_its_clients_and_a_shared_budget_counts_once() -> None:
    report = LoadReport("ai_tools")
    budget = ReadBudget(50, None, name="anthropic")  # one budget, one client per table
    budget.waited_seconds, budget.used_today = 1.5, 12
    usage, cost, code = (
        CallStats(calls=3, retries=1, retry_wait_seconds=0.5),
        CallStats(calls=4),
        CallStats(calls=5),
    )
    for stats in (usage, cost, code):
        report.add_scope_stats("anthropic", stats, budget)
    report.add_scope_stats("anthropic", code, budget)  # folded again: counted once
    report.add_scope_stats("openai", CallStats(calls=2), ReadBudget(50, None, name="openai"))

    anthropic = report.scopes["anthropic"]
    assert (anthropic.api_calls, anthropic.retries, anthropic.backoff_seconds) == (12, 1, 0.5)
    assert (anthropic.wait_seconds, anthropic.reads_used_today, anthropic.reads_per_day) == (1.5, 12, None)
    assert (report.api_calls, report.retries, report.wait_seconds) == (14, 1, 1.5)
    assert "  anthropic: 12 API calls, 1 retries, 1.5s waiting on rate limits" in report.render().splitlines()
    # The budget waited more after the first clients were folded: only what it grew by is added.
    budget.waited_seconds = 2.0
    report.add_scope_stats("anthropic", CallStats(calls=1), budget)
    assert (report.scopes["anthropic"].api_calls, report.scopes["anthropic"].wait_seconds) == (13, 2.0)
    assert (report.api_calls, report.wait_seconds) == (15, 2.0)


def test_an_unexpected_error_names_its_type_and_line_never_its_message() -> None:
    def read():
        yield date(2026, 10, 1), []
        raise ValueError("https://api.example/?key=SECRET")

    with pytest.raises(LoaderError) as caught:
        list(guarded("litellm", read)())
    assert "ValueError at test_ai_tools_pipeline.py:" in str(caught.value)
    assert "SECRET" not in str(caught.value)
    assert TOOL_NAMES == ("litellm", "copilot", "cursor", "anthropic", "openai", "windsurf", "augment")
