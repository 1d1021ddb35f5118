"""Cursor Admin API: each member's daily usage and the per-request usage events (tokens, cents).

- `POST /teams/daily-usage-data` `{startDate, endDate}` in epoch milliseconds, at most 30 days a
  call (a longer range is a 400): the window is read in 30-day chunks. Rows are keyed by `email`
  and `date` (the day's UTC midnight in epoch ms): lines, tabs, requests by kind; no tokens.
- `POST /teams/filtered-usage-events` `{startDate, endDate, page, pageSize}`: one event per
  request with its tokens and cost in cents; paged in the body (`page`) while
  `pagination.hasNextPage`. Each event lands under the UTC day of its `timestamp` (epoch ms).
- HTTP Basic with the API key as the user name and an empty password; 20 requests a minute for
  the key, shared by both endpoints (one read budget), so the loader is never refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dlt.sources.helpers.rest_client.auth import HttpBasicAuth
from dlt.sources.helpers.rest_client.paginators import PageNumberPaginator, SinglePagePaginator

from loaders.ai_tools.tools import Tool, Window, day_resource
from loaders.common.budget import ReadBudget
from loaders.common.config import SourceConfig
from loaders.common.errors import PermanentError
from loaders.common.http import RetryPolicy
from loaders.common.report import LoadReport
from loaders.common.rest import ApiClient

TOOL = Tool(
    name="cursor",
    title="Cursor Admin API",
    tables=("cursor_user_days", "cursor_usage_events"),
    reread_days=1,  # a day is final once reported; yesterday is read again for late events
    lookback_days=35,
)
DEFAULT_BASE_URL = "https://api.cursor.com"
REQUESTS_PER_MINUTE = 20  # Cursor's documented Admin API limit
CHUNK_DAYS = 30  # the most one call may span
PAGE_SIZE = 500
DAY_MS = 86_400_000

# The read budget's clock and sleep (tests put the simulator's clock here).
CLOCK: Callable[[], float] = time.monotonic
SLEEP: Callable[[float], None] = time.sleep


def configured(section: SourceConfig) -> bool:
    return section.optional_secret("api_key") is not None


def secrets(section: SourceConfig) -> list[str]:
    key = section.optional_secret("api_key")
    return [key] if key else []


def epoch_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def ms_day(value: Any) -> date:
    """The UTC day of an epoch-milliseconds value (a number or a string of digits)."""
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC).date()


def chunks(window: Window) -> list[tuple[date, date]]:
    """The window as (first, last) ranges of at most CHUNK_DAYS days."""
    days = window.days()
    return [(days[i], days[min(i + CHUNK_DAYS, len(days)) - 1]) for i in range(0, len(days), CHUNK_DAYS)]


def _range(first: date, last: date) -> dict[str, int]:
    return {"startDate": epoch_ms(first), "endDate": epoch_ms(last) + DAY_MS - 1}


class _Client:
    """One key's API for both tables: one budget, its stats reported once both readers finish."""

    def __init__(self, section: SourceConfig, report: LoadReport, readers: int) -> None:
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
            auth=HttpBasicAuth(username=section.secret("api_key"), password=""),
            budget=self.budget,
            policy=RetryPolicy(
                max_attempts=section.get_int("max_attempts", 6),
                timeout_seconds=section.get_float("timeout_seconds", 60),
            ),
        )
        self.page_size = section.get_int("page_size", PAGE_SIZE)
        self.report = report
        self._open = readers
        self._lock = threading.Lock()

    def finished(self) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0:
                self.report.add_scope_stats(TOOL.name, self.api.session.stats, self.budget)
                self.api.close()

    def user_days(self, window: Window) -> Iterator[tuple[date, list[dict[str, Any]]]]:
        try:
            for first, last in chunks(window):
                for page in self.api.pages(
                    "/teams/daily-usage-data",
                    method="POST",
                    json=_range(first, last),
                    paginator=SinglePagePaginator(),
                    data_selector="data",
                ):
                    yield from _by_day(list(page), lambda r: ms_day(r["date"]))
        finally:
            self.finished()

    def usage_events(self, window: Window) -> Iterator[tuple[date, list[dict[str, Any]]]]:
        try:
            for first, last in chunks(window):
                paginator = PageNumberPaginator(
                    base_page=1,
                    page_body_path="page",
                    total_path=None,
                    has_more_path="pagination.hasNextPage",
                )
                for page in self.api.pages(
                    "/teams/filtered-usage-events",
                    method="POST",
                    json={**_range(first, last), "page": 1, "pageSize": self.page_size},
                    paginator=paginator,
                    data_selector="usageEvents",
                ):
                    yield from _by_day(list(page), lambda r: ms_day(r["timestamp"]))
        finally:
            self.finished()


def _by_day(
    records: list[dict[str, Any]], day_of: Callable[[dict[str, Any]], date]
) -> Iterator[tuple[date, list[dict[str, Any]]]]:
    grouped: dict[date, list[dict[str, Any]]] = {}
    for record in records:
        try:
            day = day_of(record)
        except (KeyError, TypeError, ValueError, OverflowError):
            raise PermanentError(
                "cursor: a record without a valid epoch-ms day (`date`/`timestamp`)"
            ) from None
        grouped.setdefault(day, []).append(record)
    yield from grouped.items()


def resources(section: SourceConfig, window: Window, report: LoadReport, full_refresh: bool) -> list[Any]:
    client = _Client(section, report, readers=2)
    return [
        day_resource(
            TOOL.name,
            "cursor_user_days",
            window,
            lambda: client.user_days(window),
            report,
            lambda r: str(r.get("email", "")).lower(),
        ),
        day_resource(
            TOOL.name,
            "cursor_usage_events",
            window,
            lambda: client.usage_events(window),
            report,
            lambda r: f"{str(r.get('userEmail', '')).lower()}|{r.get('timestamp')}|{r.get('model')}",
        ),
    ]


def newest_day(section: SourceConfig, today: date, now: datetime) -> date:
    return today - timedelta(days=1)
