"""The Windsurf Analytics API simulator against the contract notes (shared/sources/ai_tools.md): the
service key in the JSON body, RFC 3339 ranges, numbers as strings, Cascade runs per day, model and
mode adding up to the shared world, the team page range-wide (not daily), `emails` and
`group_name` never together, yesterday provisional and restated, retired endpoints."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest

from sandbox.windsurf.server import WindsurfApi
from sandbox.windsurf.spec import SPEC, service_key

pytestmark = pytest.mark.no_warehouse

SEED = 42
OCTOBER = {"start_timestamp": "2026-10-01T00:00:00Z", "end_timestamp": "2026-10-31T23:59:59Z"}


def post(api: WindsurfApi, endpoint: str, key: str | None = None, **body: Any) -> tuple[int, Any]:
    payload = {"service_key": service_key(SEED) if key is None else key, **body}
    response = api.handle("POST", f"/api/v1/{endpoint}", "", {}, json.dumps(payload).encode())
    return response.status, json.loads(response.body)


def runs(api: WindsurfApi, email: str, **span: str) -> list[dict[str, str]]:
    status, answer = post(
        api, "CascadeAnalytics", emails=[email], query_requests=[{"cascade_runs": {}}], **span
    )
    assert status == 200, answer
    return answer["queryResults"][0]["cascadeRuns"]["cascadeRuns"]


@pytest.fixture
def api() -> WindsurfApi:
    return SPEC.build(seed=SEED, scale=0.2, per_minute=100_000)


def test_the_key_travels_in_the_body(api: WindsurfApi) -> None:
    assert post(api, "UserPageAnalytics", **OCTOBER)[0] == 200
    status, answer = post(api, "UserPageAnalytics", key="wrong", **OCTOBER)
    assert status == 401 and answer["code"] == "unauthenticated"
    response = api.handle(
        "POST", "/api/v1/UserPageAnalytics", "", {"Authorization": f"Bearer {service_key(SEED)}"}, b"{}"
    )
    assert response.status == 401
    assert all(service_key(SEED) not in json.dumps(entry) for entry in api.request_log())


def test_emails_and_group_name_cannot_be_combined(api: WindsurfApi) -> None:
    email = next(iter(api.names))
    body = {"emails": [email], "group_name": "platform", "query_requests": [{"cascade_runs": {}}], **OCTOBER}
    status, answer = post(api, "CascadeAnalytics", **body)
    assert status == 400 and "cannot be used together" in answer["message"]
    assert post(api, "UserPageAnalytics", emails=[email], group_name="platform", **OCTOBER)[0] == 400
    status, answer = post(api, "CascadeAnalytics", **OCTOBER)
    assert status == 400 and "query_requests" in answer["message"]


def test_runs_per_user_add_up_to_the_world_with_numbers_as_strings(api: WindsurfApi) -> None:
    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(31)]
    for email in sorted(api.names):
        rows = runs(api, email, **OCTOBER)
        totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for row in rows:
            assert set(row) == {
                "day",
                "model",
                "mode",
                "messagesSent",
                "cascadeId",
                "promptsUsed",
            }  # no email
            assert isinstance(row["messagesSent"], str) and isinstance(row["promptsUsed"], str)
            assert row["day"].endswith("T00:00:00Z") and row["mode"].startswith("CONVERSATIONAL_PLANNER_MODE")
            totals[(row["day"][:10], row["model"])][0] += int(row["messagesSent"])
            totals[(row["day"][:10], row["model"])][1] += int(row["promptsUsed"])
        expected = {
            (str(u.day), u.model): [u.requests, u.counts["credits_cents"]]
            for d in days
            for u in api.world.reported("windsurf", d, api.today)
            if u.identity == email
        }
        assert dict(totals) == expected


def test_the_team_page_counts_active_days_over_the_whole_range(api: WindsurfApi) -> None:
    status, answer = post(api, "UserPageAnalytics", **OCTOBER)
    assert status == 200
    stats = {row["email"]: row for row in answer["userTableStats"]}
    assert set(stats) == set(api.names)  # every user of the team, the contractor included
    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(31)]
    for email, row in stats.items():
        active = {
            u.day for d in days for u in api.world.reported("windsurf", d, api.today) if u.identity == email
        }
        assert row["activeDays"] == len(active)  # one number for the range, not per day
        assert isinstance(row["promptCreditsUsed"], str)
    status, answer = post(api, "UserPageAnalytics", group_name="platform", **OCTOBER)
    assert {r["email"] for r in answer["userTableStats"]} == {
        e for e, g in api.groups.items() if g == "platform"
    }


def test_yesterday_is_provisional_and_restated_the_day_after(api: WindsurfApi) -> None:
    yesterday = api.today - timedelta(days=1)
    span = {"start_timestamp": f"{yesterday}T00:00:00Z", "end_timestamp": f"{yesterday}T23:59:59Z"}

    def messages() -> dict[str, int]:
        return {email: sum(int(r["messagesSent"]) for r in runs(api, email, **span)) for email in api.names}

    provisional = messages()
    api.tick(1)
    restated = messages()
    assert provisional != restated
    final = defaultdict(int)
    for usage in api.world.final("windsurf", yesterday):
        final[usage.identity] += usage.requests
    assert restated == {email: final.get(email, 0) for email in api.names}


def test_a_retired_endpoint_answers_its_status(api: WindsurfApi) -> None:
    api.retire("CascadeAnalytics", 410)
    status, answer = post(api, "CascadeAnalytics", query_requests=[{"cascade_runs": {}}], **OCTOBER)
    assert status == 410 and answer["code"] == "not_found"
    assert post(api, "UserPageAnalytics", **OCTOBER)[0] == 200
