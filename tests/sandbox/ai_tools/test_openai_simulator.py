"""The OpenAI organization usage simulator, called in-process: repeated `group_by` (a comma list is
a 400), bucket pages to the last one adding up to the world, costs by project and line item only,
and a retired endpoint."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from sandbox.framework import LoaderContext, simulated_date
from sandbox.openai.server import OpenAIApi, epoch
from sandbox.openai.spec import SPEC

pytestmark = pytest.mark.no_warehouse

TODAY = simulated_date(0)
COMPLETIONS = "/v1/organization/usage/completions"
COSTS = "/v1/organization/costs"


@pytest.fixture(scope="module")
def api() -> OpenAIApi:
    return SPEC.build(seed=7, day=0, per_minute=100_000)


def get(api: OpenAIApi, path: str, query: str, key: str | None = None) -> tuple[int, Any]:
    response = api.handle("GET", path, query, {"Authorization": f"Bearer {key or api.key}"}, b"")
    return response.status, json.loads(response.body)


def span(days: int) -> str:
    return f"start_time={epoch(TODAY - timedelta(days=days))}&end_time={epoch(TODAY)}&bucket_width=1d"


def all_pages(api: OpenAIApi, path: str, query: str) -> tuple[list[dict[str, Any]], int]:
    buckets, calls, page = [], 0, ""
    while True:
        status, body = get(api, path, query + (f"&page={page}" if page else ""))
        assert status == 200, body
        calls += 1
        buckets += body["data"]
        if not body["has_more"]:
            return buckets, calls
        page = body["next_page"]


def test_group_by_must_be_repeated_not_a_comma_list(api: OpenAIApi) -> None:
    status, body = get(api, COMPLETIONS, span(3) + "&group_by=user_id,model")
    assert status == 400 and body["error"]["param"] == "group_by"
    assert "user_id,model" in body["error"]["message"]
    status, body = get(api, COMPLETIONS, span(3) + "&group_by=user_id&group_by=model")
    assert status == 200
    results = [r for bucket in body["data"] for r in bucket["results"]]
    assert results and all(r["user_id"].startswith("user-") and r["model"] for r in results)
    assert all("@" not in r["user_id"] for r in results), "OpenAI names users by id, never by email"
    status, _ = get(api, COSTS, span(3) + "&group_by=user_id")
    assert status == 400, "costs group by project_id and line_item only"
    assert get(api, COMPLETIONS, span(3), key="sk-admin-wrong")[0] == 401


def test_usage_buckets_page_to_the_last_and_add_up_to_the_world(api: OpenAIApi) -> None:
    buckets, calls = all_pages(api, COMPLETIONS, span(20) + "&group_by=user_id&group_by=model&limit=6")
    assert calls == 4 and len(buckets) == 20
    days = [TODAY - timedelta(days=d) for d in range(20, 0, -1)]
    assert [b["start_time"] for b in buckets] == [epoch(d) for d in days]
    for bucket, day in zip(buckets, days, strict=True):
        truth = {(u.identity, u.model): u for u in api.world.final("openai", day)}
        got = {(r["user_id"], r["model"]): r for r in bucket["results"]}
        assert got.keys() == truth.keys()
        for key, result in got.items():
            assert result["num_model_requests"] == truth[key].requests
            assert result["input_tokens"] == truth[key].input_tokens
            assert result["output_tokens"] == truth[key].output_tokens
            assert 0 < result["input_cached_tokens"] < result["input_tokens"]
    assert get(api, COMPLETIONS, span(3) + "&limit=32")[0] == 400


def test_costs_by_project_and_line_item_add_up_to_the_world(api: OpenAIApi) -> None:
    buckets, calls = all_pages(api, COSTS, span(10) + "&group_by=project_id&group_by=line_item&limit=4")
    assert calls == 3
    total = sum(r["amount"]["value"] for b in buckets for r in b["results"])
    truth = sum(
        u.cost_usd for d in range(1, 11) for u in api.world.final("openai", TODAY - timedelta(days=d))
    )
    assert total == pytest.approx(truth, abs=1e-4)
    results = [r for b in buckets for r in b["results"]]
    assert all(r["project_id"].startswith("proj_") and r["line_item"] for r in results)
    assert all(r["amount"]["currency"] == "usd" and isinstance(r["amount"]["value"], float) for r in results)
    assert get(api, COSTS, span(3) + "&limit=181")[0] == 400
    assert get(api, COSTS, span(3) + "&limit=180")[0] == 200


def test_a_retired_endpoint_answers_404_or_410() -> None:
    api = SPEC.build(seed=7, day=0, retired="costs")
    status, body = get(api, COSTS, span(3))
    assert status == 404 and "Invalid URL" in body["error"]["message"]
    api.retire("usage_completions", 410)
    assert get(api, COMPLETIONS, span(3) + "&group_by=user_id")[0] == 410
    api.restore("costs")
    assert get(api, COSTS, span(3))[0] == 200


def test_the_loader_is_told_the_limit_only_when_the_sandbox_is_stricter() -> None:
    def section(per_minute: int) -> dict[str, Any]:
        ctx = LoaderContext("http://h", "http://h/openai", 7, 1.0, {"per_minute": per_minute}, {})
        return SPEC.loader_sections(ctx)["sources.ai_tools.openai"]

    assert "requests_per_minute" not in section(60)  # the loader keeps to 50 a minute anyway
    assert section(20)["requests_per_minute"] == 20
    assert section(60)["clock_url"] == "http://h/_sandbox/health"
