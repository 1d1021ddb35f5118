"""Windsurf (Codeium) Analytics API: Cascade runs per user, day, model and mode; the team page.

- The service key travels in the JSON body (`service_key`) with `start_timestamp` and
  `end_timestamp` (RFC 3339); numbers come as strings; there are no tokens.
- `POST /api/v1/UserPageAnalytics` is NOT daily: `activeDays` counts the active days of the whole
  requested range and `promptCreditsUsed` covers the billing cycle. It lands once per load in
  `windsurf_users` under the window's last day, each record with the range it covers
  (`_range_start`, `_range_end`), and never feeds daily figures.
- `POST /api/v1/CascadeAnalytics` with `query_requests: [{"cascade_runs": {}}]`: rows (day, model,
  mode, conversation: `messagesSent`, `promptsUsed` = credits in cents) carry no email, so the
  loader asks once per user of the team page, with `emails: [that user]`, and adds the email it
  asked for to each record (`_queried_email`). `emails` and `group_name` together are a 400: a
  configured `group_name` filters the team page only.
- Data refresh every 3 hours: yesterday is provisional, so the last `reread_days` days are read
  again each load.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from dlt.sources.helpers.rest_client.paginators import SinglePagePaginator

from loaders.ai_tools.tools import Tool, Window, day_resource
from loaders.common.budget import ReadBudget
from loaders.common.config import SourceConfig
from loaders.common.errors import PermanentError
from loaders.common.http import RetryPolicy
from loaders.common.report import LoadReport
from loaders.common.rest import ApiClient

TOOL = Tool(
    name="windsurf",
    title="Windsurf (Codeium) Analytics API",
    tables=("windsurf_cascade_runs", "windsurf_users"),
    reread_days=2,  # refreshed every 3 hours: yesterday is provisional until the next day
    lookback_days=35,
)
DEFAULT_BASE_URL = "https://server.codeium.com"
REQUESTS_PER_MINUTE = 30  # undocumented: a polite default

CLOCK: Callable[[], float] = time.monotonic
SLEEP: Callable[[float], None] = time.sleep


def configured(section: SourceConfig) -> bool:
    return section.optional_secret("service_key") is not None


def secrets(section: SourceConfig) -> list[str]:
    key = section.optional_secret("service_key")
    return [key] if key else []


def _range(window: Window) -> dict[str, str]:
    return {
        "start_timestamp": f"{window.first.isoformat()}T00:00:00Z",
        "end_timestamp": f"{window.last.isoformat()}T23:59:59Z",
    }


class _Client:
    """The team's API for both tables: one budget, the team page read once per load."""

    def __init__(self, section: SourceConfig, report: LoadReport, window: Window) -> None:
        self.key = section.secret("service_key")
        self.group = section.get("group_name")
        self.window = window
        self.budget = ReadBudget(
            section.get_int("requests_per_minute", REQUESTS_PER_MINUTE),
            None,
            name=TOOL.name,
            clock=CLOCK,
            sleep=SLEEP,
        )
        self.api = ApiClient.create(
            name=TOOL.name,
            base_url=str(section.get("base_url", DEFAULT_BASE_URL)).rstrip("/"),
            budget=self.budget,
            policy=RetryPolicy(
                max_attempts=section.get_int("max_attempts", 6),
                timeout_seconds=section.get_float("timeout_seconds", 60),
            ),
        )
        self.report = report
        self._users: list[dict[str, Any]] | None = None
        self._open = 2
        self._lock = threading.Lock()

    def _post(self, endpoint: str, body: dict[str, Any], selector: str) -> list[Any]:
        pages = self.api.pages(
            f"/api/v1/{endpoint}",
            method="POST",
            json={"service_key": self.key, **_range(self.window), **body},
            paginator=SinglePagePaginator(),
            data_selector=selector,
        )
        return [item for page in pages for item in page]

    def users(self) -> list[dict[str, Any]]:
        """The team page over the window (read once, shared by both tables)."""
        with self._lock:
            if self._users is None:
                body = {"group_name": self.group} if self.group else {}
                self._users = self._post("UserPageAnalytics", body, "userTableStats")
            return self._users

    def finished(self) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0:
                self.report.add_scope_stats(TOOL.name, self.api.session.stats, self.budget)
                self.api.close()

    def user_rows(self) -> Iterator[tuple[date, list[dict[str, Any]]]]:
        try:
            span = {"_range_start": self.window.first.isoformat(), "_range_end": self.window.last.isoformat()}
            # The user's own API key (hashed) is a credential-like value: it never lands.
            records = [{k: v for k, v in user.items() if k != "apiKey"} | span for user in self.users()]
            yield self.window.last, records
        finally:
            self.finished()

    def cascade_runs(self) -> Iterator[tuple[date, list[dict[str, Any]]]]:
        try:
            for user in self.users():
                email = str(user.get("email") or "").strip()  # as the team page spells it
                if not email or str(user.get("activeDays")).strip() == "0":
                    continue  # no activity in the window: nothing to ask
                results = self._post(
                    "CascadeAnalytics",
                    {"emails": [email], "query_requests": [{"cascade_runs": {}}]},
                    "queryResults",
                )
                runs = [
                    run
                    for result in results
                    for run in (result.get("cascadeRuns") or {}).get("cascadeRuns", [])
                ]
                by_day: dict[date, list[dict[str, Any]]] = {}
                for run in runs:
                    by_day.setdefault(_day(run), []).append({**run, "_queried_email": email})
                yield from by_day.items()
        finally:
            self.finished()


def _day(run: dict[str, Any]) -> date:
    try:
        return date.fromisoformat(str(run.get("day"))[:10])
    except ValueError:
        raise PermanentError(
            f"windsurf: a Cascade run without an RFC 3339 day ({run.get('day')!r})"
        ) from None


def resources(section: SourceConfig, window: Window, report: LoadReport, full_refresh: bool) -> list[Any]:
    client = _Client(section, report, window)
    return [
        day_resource(
            TOOL.name,
            "windsurf_cascade_runs",
            window,
            client.cascade_runs,
            report,
            lambda r: f"{r.get('_queried_email')}|{r.get('cascadeId')}|{r.get('model')}|{r.get('mode')}",
        ),
        day_resource(
            TOOL.name,
            "windsurf_users",
            window,
            client.user_rows,
            report,
            lambda r: str(r.get("email", "")).lower(),
        ),
    ]


def newest_day(section: SourceConfig, today: date, now: datetime) -> date:
    return today - timedelta(days=1)
