"""The Cursor Admin API simulator against the contract notes (shared/sources/ai_tools.md): HTTP
Basic with the key as user and an empty password, epoch-ms bodies of at most 30 days, rows keyed
by email and date, events paged to the last page that add up to the shared world (legacy "$0.00"
strings included), 20 requests a minute, retired endpoints."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from sandbox.cursor.server import DAY_MS, LEGACY_BEFORE, CursorApi, epoch_ms
from sandbox.cursor.spec import REQUESTS_PER_MINUTE, SPEC, api_key
from sandbox.server import start_sandbox_server

pytestmark = pytest.mark.no_warehouse

SEED = 42


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def basic(user: str, password: str = "") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def post(api: CursorApi, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    response = api.handle(
        "POST", path, "", basic(api_key(SEED)) if headers is None else headers, json.dumps(body).encode()
    )
    return response.status, json.loads(response.body)


def span(first: date, last: date) -> dict[str, int]:
    return {"startDate": epoch_ms(first), "endDate": epoch_ms(last) + DAY_MS - 1}


@pytest.fixture
def api() -> CursorApi:
    return SPEC.build(seed=SEED, scale=0.2, per_minute=100_000)


def test_http_basic_with_the_key_as_user_and_an_empty_password(api: CursorApi) -> None:
    body = span(date(2026, 10, 1), date(2026, 10, 2))
    assert post(api, "/teams/daily-usage-data", body)[0] == 200
    for headers in (
        {},
        basic(api_key(SEED), "x"),
        basic("someone-else"),
        {"Authorization": f"Bearer {api_key(SEED)}"},
    ):
        status, answer = post(api, "/teams/daily-usage-data", body, headers)
        assert status == 401 and "error" in answer


def test_a_range_of_more_than_30_days_is_a_400(api: CursorApi) -> None:
    first = date(2026, 10, 1)
    assert post(api, "/teams/daily-usage-data", span(first, first + timedelta(days=29)))[0] == 200
    status, answer = post(api, "/teams/daily-usage-data", span(first, first + timedelta(days=30)))
    assert status == 400 and "30 days" in answer["error"]
    assert post(api, "/teams/daily-usage-data", {"startDate": "2026-10-01", "endDate": 1})[0] == 400


def test_daily_rows_are_keyed_by_email_and_epoch_ms_date(api: CursorApi) -> None:
    day = date(2026, 10, 20)
    status, answer = post(api, "/teams/daily-usage-data", span(day, day))
    assert status == 200
    world = api.world.reported("cursor", day, api.today)
    assert {(r["email"], r["date"]) for r in answer["data"]} == {(u.identity, epoch_ms(day)) for u in world}
    for row in answer["data"]:
        usages = [u for u in world if u.identity == row["email"]]
        requests_ = sum(u.requests for u in usages)
        assert row["chatRequests"] + row["composerRequests"] + row["agentRequests"] == requests_
        assert "inputTokens" not in json.dumps(row)  # no tokens in the daily usage


def test_events_page_to_the_last_page_and_add_up_to_the_world(api: CursorApi) -> None:
    first, last = date(2026, 10, 5), date(2026, 10, 14)  # across the legacy boundary
    events, page = [], 1
    while True:
        status, answer = post(
            api, "/teams/filtered-usage-events", {**span(first, last), "page": page, "pageSize": 37}
        )
        assert status == 200 and answer["pagination"]["currentPage"] == page
        events += answer["usageEvents"]
        if not answer["pagination"]["hasNextPage"]:
            break
        page += 1
    assert page == answer["pagination"]["numPages"] > 1
    assert len(events) == answer["totalUsageEventsCount"]
    totals: dict[tuple[date, str, str], list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for event in events:
        day = date(1970, 1, 1) + timedelta(days=int(event["timestamp"]) // DAY_MS)
        total = totals[(day, event["userEmail"], event["model"])]
        total[0] += 1
        total[1] += event["tokenUsage"]["inputTokens"]
        total[2] += event["tokenUsage"]["outputTokens"]
        if day < LEGACY_BEFORE:  # the older payload: a dollar string, no cents
            assert event["usageBasedCosts"].startswith("$") and "chargedCents" not in event
            total[3] += float(event["usageBasedCosts"][1:])
        else:
            assert (
                "usageBasedCosts" not in event and event["chargedCents"] == event["tokenUsage"]["totalCents"]
            )
            total[3] += event["chargedCents"] / 100
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    expected = {
        (u.day, u.identity, u.model): u for d in days for u in api.world.reported("cursor", d, api.today)
    }
    assert set(totals) == set(expected)
    for key, usage in expected.items():
        cost = round(usage.cost_usd, 2) if usage.day < LEGACY_BEFORE else usage.cost_usd
        assert totals[key][:3] == [usage.requests, usage.input_tokens, usage.output_tokens]
        assert totals[key][3] == pytest.approx(cost, abs=1e-6)


def test_twenty_requests_a_minute_then_429() -> None:
    clock = Clock()
    api = SPEC.build(seed=SEED, scale=0.2, per_minute=REQUESTS_PER_MINUTE, clock=clock)
    body = span(date(2026, 10, 1), date(2026, 10, 1))
    assert all(post(api, "/teams/daily-usage-data", body)[0] == 200 for _ in range(20))
    response = api.handle(
        "POST", "/teams/daily-usage-data", "", basic(api_key(SEED)), json.dumps(body).encode()
    )
    assert response.status == 429 and int(response.headers["Retry-After"]) >= 1
    assert api.state()["refused"] == 1
    clock.now += 3  # a token back every 3 seconds
    assert post(api, "/teams/daily-usage-data", body)[0] == 200


def test_a_retired_endpoint_answers_404_or_410_over_http() -> None:
    server = start_sandbox_server(
        port=0, seed=SEED, scale=0.2, simulators=["cursor"], cursor={"retired": "daily-usage-data"}
    )
    try:
        url = server.mount_url("cursor")
        body = span(date(2026, 10, 1), date(2026, 10, 1))
        answer = requests.post(
            f"{url}/teams/daily-usage-data", json=body, headers=basic(api_key(SEED)), timeout=10
        )
        assert answer.status_code == 404 and "error" in answer.json()
        admin = f"{server.url}/_sandbox/cursor"
        requests.post(
            f"{admin}/retire", json={"endpoint": "filtered-usage-events", "status": 410}, timeout=10
        )
        events = requests.post(
            f"{url}/teams/filtered-usage-events", json=body, headers=basic(api_key(SEED)), timeout=10
        )
        assert events.status_code == 410
        requests.post(f"{admin}/restore", json={}, timeout=10)
        again = requests.post(
            f"{url}/teams/daily-usage-data", json=body, headers=basic(api_key(SEED)), timeout=10
        )
        assert again.status_code == 200
    finally:
        server.stop()
