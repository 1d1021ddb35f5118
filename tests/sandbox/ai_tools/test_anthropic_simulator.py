"""The Anthropic Admin API simulator, called in-process: the analytics beta header, cursor pages
to the last one adding up to the world, Claude Code one day per call, the legacy reports without
Priority Tier cost, and a retired endpoint."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from sandbox.anthropic.server import BETA, PRIORITY_MODELS, AnthropicApi
from sandbox.anthropic.spec import SPEC
from sandbox.framework import LoaderContext, simulated_date

pytestmark = pytest.mark.no_warehouse

TODAY = simulated_date(0)
USAGE = "/v1/organizations/analytics/usage"
COST = "/v1/organizations/analytics/cost"
CLAUDE_CODE = "/v1/organizations/usage_report/claude_code"


@pytest.fixture(scope="module")
def api() -> AnthropicApi:
    return SPEC.build(seed=7, day=0, per_minute=100_000)


def headers(api: AnthropicApi, *, beta: bool = True) -> dict[str, str]:
    found = {"x-api-key": api.key, "anthropic-version": "2023-06-01"}
    return {**found, "anthropic-beta": f"other-beta,{BETA}"} if beta else found


def get(api: AnthropicApi, path: str, query: str, **kwargs: Any) -> tuple[int, Any, dict[str, str]]:
    response = api.handle("GET", path, query, headers(api, **kwargs), b"")
    return response.status, json.loads(response.body), response.headers


def window(days: int = 10) -> str:
    first = TODAY - timedelta(days=days)
    return f"starting_at={first}T00:00:00Z&ending_at={TODAY}T00:00:00Z&time_bucket_width=1d"


def all_pages(api: AnthropicApi, path: str, query: str) -> tuple[list[dict[str, Any]], int]:
    rows, calls, page = [], 0, ""
    while True:
        status, body, _ = get(api, path, query + (f"&page={page}" if page else ""))
        assert status == 200, body
        calls += 1
        rows += body["data"]
        if not body["has_more"]:
            assert body["next_page"] is None
            return rows, calls
        page = body["next_page"]


def test_analytics_needs_the_beta_header_and_valid_groups(api: AnthropicApi) -> None:
    status, body, _ = get(api, USAGE, window(), beta=False)
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    assert BETA in body["error"]["message"]
    status, body, _ = get(api, USAGE, window() + "&group_by[]=workspace_id")
    assert status == 400
    status, body, _ = get(
        api, COST, f"starting_at={TODAY - timedelta(days=40)}T00:00:00Z&time_bucket_width=1d"
    )
    assert status == 400 and "31 days" in body["error"]["message"]
    response = api.handle("GET", USAGE, window(), {"x-api-key": "sk-ant-admin01-wrong"}, b"")
    assert response.status == 401 and json.loads(response.body)["error"]["type"] == "authentication_error"


def test_usage_and_cost_pages_add_up_to_the_world(api: AnthropicApi) -> None:
    query = window() + "&group_by[]=actor&group_by[]=model&limit=7"
    usage, calls = all_pages(api, USAGE, query)
    cost, _ = all_pages(api, COST, query)
    truth = [u for d in range(1, 11) for u in api.world.final("anthropic", TODAY - timedelta(days=d))]
    assert len(usage) == len(cost) == len(truth) and calls == -(-len(truth) // 7) > 3
    tokens = sum(
        r["usage"]["uncached_input_tokens"]
        + r["usage"]["cache_read_input_tokens"]
        + sum(r["usage"]["cache_creation"].values())
        for r in usage
    )
    assert tokens == sum(u.input_tokens for u in truth)
    assert sum(r["usage"]["output_tokens"] for r in usage) == sum(u.output_tokens for u in truth)
    # Cost in fractional cents as a decimal string, Priority Tier included.
    assert all(isinstance(r["cost"]["amount"], str) and "." in r["cost"]["amount"] for r in cost)
    cents = sum(float(r["cost"]["amount"]) for r in cost)
    assert cents == pytest.approx(sum(u.cost_usd for u in truth) * 100, abs=0.01 * len(cost))
    actors = {r["group"]["actor"]["type"] for r in usage}
    assert actors == {"user_actor", "api_key_actor"}
    emails = [
        r["group"]["actor"]["email_address"] for r in usage if r["group"]["actor"]["type"] == "user_actor"
    ]
    assert any(e != e.lower() for e in emails), "some emails come capitalised, as the console shows them"


def test_a_cursor_from_another_query_is_refused(api: AnthropicApi) -> None:
    _, body, _ = get(api, USAGE, window() + "&group_by[]=actor&limit=2")
    status, _, _ = get(api, USAGE, window(5) + f"&group_by[]=actor&limit=2&page={body['next_page']}")
    assert status == 400


def test_claude_code_answers_one_day_per_call_in_pages(api: AnthropicApi) -> None:
    day = TODAY - timedelta(days=2)
    records, calls = all_pages(api, CLAUDE_CODE, f"starting_at={day}&limit=3")
    actors = {(u.identity_type, u.identity) for u in api.world.final("anthropic", day)}
    assert len(records) == len(actors) and calls == -(-len(actors) // 3)
    assert {r["date"][:10] for r in records} == {day.isoformat()}
    assert {r["actor"]["type"] for r in records} == {"user_actor", "api_actor"}
    for bad in (f"{day}T00:00:00Z", ""):
        status, body, _ = get(api, CLAUDE_CODE, f"starting_at={bad}")
        assert status == 400 and "one day per call" in body["error"]["message"]
    status, _, _ = get(api, CLAUDE_CODE, f"starting_at={day}&limit=1001")
    assert status != 200


def test_legacy_reports_are_deprecated_and_leave_priority_tier_out(api: AnthropicApi) -> None:
    first = TODAY - timedelta(days=7)
    query = f"starting_at={first}T00:00:00Z&ending_at={TODAY}T00:00:00Z&group_by[]=model&limit=31"
    status, legacy, legacy_headers = get(api, "/v1/organizations/cost_report", query, beta=False)
    assert status == 200 and legacy_headers["Deprecation"] == "true"
    analytics, _ = all_pages(api, COST, window(7) + "&group_by[]=model")
    by_model: dict[str, float] = {}
    for row in analytics:
        by_model[row["group"]["model"]] = by_model.get(row["group"]["model"], 0) + float(
            row["cost"]["amount"]
        )
    old: dict[str, float] = {}
    for bucket in legacy["data"]:
        for result in bucket["results"]:
            old[result["model"]] = old.get(result["model"], 0) + float(result["amount"])
    for model, cents in by_model.items():
        if model in PRIORITY_MODELS:
            assert old[model] < cents * 0.7  # Priority Tier cost is missing from the legacy report
        else:
            assert old[model] == pytest.approx(cents, abs=0.01 * 7)
    status, _, usage_headers = get(api, "/v1/organizations/usage_report/messages", query, beta=False)
    assert status == 200 and "successor-version" in usage_headers["Link"]


def test_a_retired_endpoint_answers_404_or_410_with_the_error_body() -> None:
    api = SPEC.build(seed=7, day=0, retired="claude_code")
    status, body, _ = get(api, CLAUDE_CODE, f"starting_at={date(2026, 10, 1)}")
    assert status == 404 and body == {
        "type": "error",
        "error": {"type": "not_found_error", "message": "Not found"},
    }
    api.retire("analytics_cost", 410)
    status, _, _ = get(api, COST, window())
    assert status == 410
    api.restore()
    assert get(api, CLAUDE_CODE, f"starting_at={date(2026, 10, 1)}")[0] == 200
    assert api.state()["refused"] == 0


def test_the_loader_is_told_the_limit_only_when_the_sandbox_is_stricter() -> None:
    def section(per_minute: int) -> dict[str, Any]:
        ctx = LoaderContext("http://h", "http://h/anthropic", 7, 1.0, {"per_minute": per_minute}, {})
        return SPEC.loader_sections(ctx)["sources.ai_tools.anthropic"]

    assert "requests_per_minute" not in section(60)  # the loader keeps to 50 a minute anyway
    assert section(20)["requests_per_minute"] == 20
    assert section(60)["clock_url"] == "http://h/_sandbox/health"
