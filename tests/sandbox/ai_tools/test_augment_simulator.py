"""The Augment Analytics API simulator against the contract notes (shared/sources/ai_tools.md):
bearer token, `user-activity` summing over its range, dates up to yesterday and at most 90 days,
yesterday ready from 02:00 UTC, cursor pages (`page_size` at most 100) to the last page, 10
requests a minute with a burst of 20, retired endpoints."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from sandbox.augment.server import AugmentApi
from sandbox.augment.spec import BURST, REQUESTS_PER_MINUTE, SPEC, api_token

pytestmark = pytest.mark.no_warehouse

SEED = 42


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def get(api: AugmentApi, endpoint: str, query: str = "", token: str | None = None) -> tuple[int, Any, Any]:
    headers = {"Authorization": f"Bearer {api_token(SEED) if token is None else token}"}
    response = api.handle("GET", f"/analytics/v0/{endpoint}", query, headers, b"")
    return response.status, json.loads(response.body), response.headers


def users(api: AugmentApi, first: date, last: date, page_size: int = 100) -> tuple[list[dict[str, Any]], int]:
    """Every page of `user-activity` over first..last: (users, pages)."""
    found, pages, cursor = [], 0, ""
    while True:
        query = f"start_date={first}&end_date={last}&page_size={page_size}" + (
            f"&cursor={cursor}" if cursor else ""
        )
        status, answer, _ = get(api, "user-activity", query)
        assert status == 200, answer
        found += answer["users"]
        pages += 1
        if not answer["pagination"]["has_more"]:
            return found, pages
        cursor = answer["pagination"]["next_cursor"]


@pytest.fixture
def api() -> AugmentApi:
    return SPEC.build(seed=SEED, scale=0.2, per_minute=100_000, burst=100_000)


def test_a_bearer_token(api: AugmentApi) -> None:
    assert get(api, "daily-usage")[0] == 200
    status, answer, _ = get(api, "daily-usage", token="wrong")
    assert status == 401 and answer["error"]["code"] == "Unauthenticated"


def test_user_activity_sums_over_its_range(api: AugmentApi) -> None:
    first, second = date(2026, 10, 20), date(2026, 10, 21)
    one, _ = users(api, first, first)
    two, _ = users(api, second, second)
    both, _ = users(api, first, second)
    by_email = {u["user_email"]: u for u in both}
    for email, row in by_email.items():
        days = [u for u in one + two if u["user_email"] == email]
        assert row["active_days"] == len(days)
        assert row["metrics"]["total_messages"] == sum(u["metrics"]["total_messages"] for u in days)
    world = {u.identity: u.requests for u in api.world.reported("augment", first, api.today)}
    assert {u["user_email"]: u["metrics"]["total_messages"] for u in one} == world


def test_dates_up_to_yesterday_and_at_most_90_days(api: AugmentApi) -> None:
    yesterday = api.today - timedelta(days=1)
    assert get(api, "user-activity", f"start_date={yesterday}&end_date={yesterday}")[0] == 200
    status, answer, _ = get(api, "user-activity", f"start_date={yesterday}&end_date={api.today}")
    assert status == 400 and "yesterday" in answer["error"]["message"]
    start = yesterday - timedelta(days=90)
    status, answer, _ = get(api, "daily-usage", f"start_date={start}&end_date={yesterday}")
    assert status == 400 and "90 days" in answer["error"]["message"]
    assert get(api, "daily-usage", f"start_date={start + timedelta(days=1)}&end_date={yesterday}")[0] == 200
    assert get(api, "user-activity", "start_date=2026-13-01")[0] == 400


def test_yesterday_is_ready_from_two_in_the_morning() -> None:
    api = SPEC.build(seed=SEED, scale=0.2, per_minute=100_000, burst=100_000, hour=1)
    yesterday = api.today - timedelta(days=1)
    day_before = yesterday - timedelta(days=1)
    assert users(api, yesterday, yesterday)[0] == []  # not ready: no rows yet
    assert users(api, day_before, day_before)[0]
    api.admin("POST", "hour", {}, {"hour": 2})
    assert users(api, yesterday, yesterday)[0]


def test_cursor_pages_to_the_last_page(api: AugmentApi) -> None:
    first, last = date(2026, 10, 1), date(2026, 10, 30)
    everyone, one_page = users(api, first, last)
    paged, pages = users(api, first, last, page_size=3)
    assert one_page == 1 and pages == -(-len(everyone) // 3) > 1
    assert paged == everyone
    status, answer, _ = get(api, "user-activity", f"start_date={first}&end_date={last}&page_size=101")
    assert status == 400 and answer["error"]["code"] == "InvalidArgument"
    status, _, _ = get(api, "user-activity", f"start_date={first}&end_date={last}&cursor=bogus")
    assert status == 400


def test_by_editor_and_language_for_one_day(api: AugmentApi) -> None:
    day = date(2026, 10, 20)
    status, answer, _ = get(api, "daily-user-activity-by-editor-language", f"date={day}&page_size=100")
    assert status == 200 and answer["metadata"]["effective_date"] == str(day)
    totals: dict[str, int] = {}
    for record in answer["records"]:
        assert record["language"] in ("Python", "TypeScript") and record["editor"] in ("VSCode", "JetBrains")
        totals[record["user_email"]] = (
            totals.get(record["user_email"], 0) + record["metrics"]["total_messages"]
        )
    assert totals == {u["user_email"]: u["metrics"]["total_messages"] for u in users(api, day, day)[0]}


def test_ten_a_minute_with_a_burst_of_twenty() -> None:
    clock = Clock()
    api = SPEC.build(seed=SEED, scale=0.2, per_minute=REQUESTS_PER_MINUTE, burst=BURST, clock=clock)
    assert all(get(api, "daily-usage")[0] == 200 for _ in range(20))  # the burst
    status, answer, headers = get(api, "daily-usage")
    assert (
        status == 429 and answer["error"]["code"] == "ResourceExhausted" and int(headers["Retry-After"]) >= 1
    )
    clock.now += 6  # one request back every 6 seconds
    assert get(api, "daily-usage")[0] == 200
    assert get(api, "daily-usage")[0] == 429
    assert api.state()["refused"] == 2


def test_a_retired_endpoint_answers_its_status(api: AugmentApi) -> None:
    api.retire("user-activity", 410)
    status, answer, _ = get(api, "user-activity")
    assert status == 410 and answer["error"]["code"] == "NotFound"
    assert get(api, "daily-usage")[0] == 200
