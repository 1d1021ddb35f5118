"""The Copilot usage metrics simulator: one day per call, NDJSON behind signed links that expire,
restated days, the API version header, the retired /copilot/metrics endpoint."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from sandbox.ai_usage import UsageWorld
from sandbox.copilot.server import token
from sandbox.server import start_sandbox_server

pytestmark = pytest.mark.no_warehouse

SEED = 6
REPORT = "/copilot/orgs/acme/copilot/metrics/reports/users-1-day"


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def headers(version: str = "2026-03-10") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(SEED)}", "X-GitHub-Api-Version": version}


def report(server: Any, day: date | str, **kwargs: Any) -> requests.Response:
    params = {"day": str(day)}
    return requests.get(server.url + REPORT, params=params, headers=kwargs.get("h") or headers(), timeout=10)


def lines(links: list[str]) -> list[dict[str, Any]]:
    rows = []
    for link in links:
        answer = requests.get(link, timeout=10)  # no token: the link is signed
        assert answer.status_code == 200, answer.text
        rows += [json.loads(line) for line in answer.text.splitlines()]
    return rows


def by_login_model(rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for row in rows:
        for entry in row["totals_by_model_feature"]:
            key = (row["user_login"], entry["model"])
            found[key] = found.get(key, 0) + entry["user_initiated_interaction_count"]
    return found


def expected(usages: list[Any]) -> dict[tuple[str, str], int]:
    return {(u.identity, u.model): u.requests for u in usages}


def test_a_day_report_is_signed_links_to_ndjson_restated_until_settled() -> None:
    clock = Clock()
    server = start_sandbox_server(
        port=0, seed=SEED, simulators=["copilot"], copilot={"clock": clock, "file_rows": 7}
    )
    try:
        world, day = UsageWorld(SEED), date(2026, 10, 29)
        answer = report(server, day).json()
        assert answer["report_day"] == "2026-10-29" and len(answer["download_links"]) > 1
        rows = lines(answer["download_links"])
        assert all(
            set(r) >= {"user_login", "user_id", "day", "ai_credits_used"} and "email" not in r for r in rows
        )
        today = date(2026, 11, 1)
        assert by_login_model(rows) == expected(world.reported("copilot", day, today))
        assert by_login_model(rows) != expected(world.final("copilot", day)), "3 days old: still provisional"
        # Links expire, and a changed signature is refused, by the storage (XML, not GitHub JSON).
        link = answer["download_links"][0]
        assert requests.get(link.replace("sig=", "sig=0"), timeout=10).status_code == 403
        clock.now += 301
        expired = requests.get(link, timeout=10)
        assert expired.status_code == 403 and "expired" in expired.text
        server.copilot.tick(1)
        settled = lines(report(server, day).json()["download_links"])
        assert by_login_model(settled) == expected(world.final("copilot", day))
        assert server.copilot.state()["refused"] == 0
    finally:
        server.stop()


def test_validation_the_version_header_and_the_retired_metrics_endpoint() -> None:
    server = start_sandbox_server(port=0, seed=SEED, simulators=["copilot"])
    try:
        assert report(server, "2026-11-01").status_code == 422, "today is not reported yet"
        assert report(server, "2025-10-09").status_code == 422, "nothing before 2025-10-10"
        assert report(server, "31/10/2026").status_code == 422
        assert report(server, "2026-10-31", h=headers("2021-01-01")).status_code == 400
        assert (
            report(server, "2026-10-31", h={"Authorization": "token nope"}).json()["message"]
            == "Bad credentials"
        )
        legacy = requests.get(
            f"{server.url}/copilot/orgs/acme/copilot/metrics", headers=headers(), timeout=10
        )
        assert legacy.status_code == 404 and legacy.json()["message"] == "Not Found"
        assert report(server, date(2026, 10, 31) - timedelta(days=1)).status_code == 200
        logged = server.copilot.request_log("users_report")
        assert logged[-1]["api_version"] == "2026-03-10"
        server.copilot.retire("users_report", 410)
        assert report(server, "2026-10-31").status_code == 410
    finally:
        server.stop()
