"""The LiteLLM proxy simulator: its admin key, page/page_size paging that cuts a date across pages,
the proxy's validation and error bodies, the numbers equal to the shared world, retirement."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import requests

from sandbox.ai_usage import UsageWorld
from sandbox.litellm.server import admin_key
from sandbox.server import start_sandbox_server

pytestmark = pytest.mark.no_warehouse

SEED = 5
FIRST, LAST = "2026-10-20", "2026-10-31"


@pytest.fixture(scope="module")
def server() -> Any:
    running = start_sandbox_server(port=0, seed=SEED, simulators=["litellm"])
    yield running
    running.stop()


def get(server: Any, key: str | None = None, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {key or admin_key(SEED)}"}
    return requests.get(
        f"{server.url}/litellm/user/daily/activity", params=params, headers=headers, timeout=10
    )


def test_every_page_to_the_last_holds_every_row_of_the_world(server: Any) -> None:
    pages, page = [], 1
    while True:
        body = get(server, start_date=FIRST, end_date=LAST, page=page, page_size=25).json()
        pages.append(body)
        if not body["metadata"]["has_more"]:
            break
        page += 1
    assert len(pages) == pages[0]["metadata"]["total_pages"] > 3
    found: dict[tuple[str, str, str], int] = {}
    dates_per_page = [[r["date"] for r in p["results"]] for p in pages]
    for body in pages:
        for result in body["results"]:
            for model, entry in result["breakdown"]["models"].items():
                for key in entry["api_key_breakdown"].values():
                    identity = (result["date"], model, key["metadata"]["key_alias"])
                    found[identity] = found.get(identity, 0) + key["metrics"]["api_requests"]
    # Pages cut the proxy's rows before grouping by date: some date is on two pages.
    assert any(a[-1] == b[0] for a, b in zip(dates_per_page, dates_per_page[1:], strict=False))
    world = UsageWorld(SEED)
    expected = {}
    day = date.fromisoformat(FIRST)
    while day <= date.fromisoformat(LAST):
        for usage in world.final("litellm", day):
            expected[(day.isoformat(), usage.model, usage.identity)] = usage.requests
        day += timedelta(days=1)
    assert found == expected
    one = get(server, start_date=LAST, end_date=LAST, page_size=1000).json()
    assert one["metadata"]["total_pages"] == 1
    assert one["metadata"]["total_spend"] == pytest.approx(
        sum(u.cost_usd for u in world.final("litellm", date(2026, 10, 31)))
    )


def test_validation_and_error_bodies(server: Any) -> None:
    assert get(server, start_date=FIRST, end_date=LAST, page_size=1001).status_code == 422
    missing = get(server, start_date=FIRST)
    assert missing.status_code == 400 and "start_date and end_date" in missing.json()["error"]["message"]
    refused = get(server, key="sk-wrong", start_date=FIRST, end_date=LAST)
    assert refused.status_code == 401 and refused.json()["error"]["type"] == "auth_error"
    assert "sk-" not in str(server.litellm.request_log())


def test_a_retired_endpoint_answers_404_until_restored(server: Any) -> None:
    simulator = server.litellm
    simulator.retire("daily_activity")
    try:
        assert get(server, start_date=FIRST, end_date=LAST).status_code == 404
    finally:
        simulator.restore()
    assert get(server, start_date=FIRST, end_date=LAST).status_code == 200
