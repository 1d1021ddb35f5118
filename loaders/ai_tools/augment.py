"""Augment Code Analytics API: each user's activity per day, and the organisation's daily usage.

- `GET /analytics/v0/user-activity?start_date&end_date` SUMS each user's metrics over the whole
  range, so the loader asks one day at a time (`start_date` = `end_date`) to keep a daily grain;
  each day is paged with `cursor` / `page_size` (at most 100) while `pagination.has_more`. The
  records carry no date: `_report_day` is the day asked for.
- `GET /analytics/v0/daily-usage?start_date&end_date`: the organisation's metrics per day (no
  paging), at most 90 days a call.
- Dates are UTC; the newest day is yesterday, ready from about 02:00 UTC (`ready_hour`, default
  3 for a margin): before it, the newest day is the day before yesterday. At most 90 days back.
- Bearer token; 10 requests a minute with a burst of 20: one read budget for both tables, 20
  calls in any two minutes (the burst at once, never more than the limit allows).
- Messages, tool calls, completions, lines: no tokens, no model, no cost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator, SinglePagePaginator

from loaders.ai_tools.tools import Tool, Window, day_resource
from loaders.common.budget import ReadBudget
from loaders.common.config import SourceConfig
from loaders.common.errors import PermanentError
from loaders.common.http import RetryPolicy
from loaders.common.report import LoadReport
from loaders.common.rest import ApiClient

TOOL = Tool(
    name="augment",
    title="Augment Code Analytics API",
    tables=("augment_user_days", "augment_org_days"),
    reread_days=1,  # final once reported; yesterday again in case a load ran before it was ready
    lookback_days=35,
)
DEFAULT_BASE_URL = "https://api.augmentcode.com"
REQUESTS_PER_MINUTE = 10  # Augment's documented limit ...
BURST = 20  # ... with a burst allowance
READY_HOUR = 3  # yesterday is ready about 02:00 UTC; an hour of margin
PAGE_SIZE = 100  # the most a page may hold
MAX_RANGE_DAYS = 90

CLOCK: Callable[[], float] = time.monotonic
SLEEP: Callable[[float], None] = time.sleep


def configured(section: SourceConfig) -> bool:
    return section.optional_secret("api_token") is not None


def secrets(section: SourceConfig) -> list[str]:
    token = section.optional_secret("api_token")
    return [token] if token else []


def newest_day(section: SourceConfig, today: date, now: datetime) -> date:
    """Yesterday once it is ready (from `ready_hour` UTC), else the day before."""
    ready = section.get_int("ready_hour", READY_HOUR)
    return today - timedelta(days=1 if now.hour >= ready else 2)


def budget(section: SourceConfig) -> ReadBudget:
    """`burst` calls in any window of `burst / requests_per_minute` minutes: the burst at once,
    then the rate on average, and never more than a token bucket of that rate and size allows
    (any span of t seconds holds at most burst × (1 + ⌊t / window⌋) ≤ burst + rate × t calls)."""
    rate = max(1, section.get_int("requests_per_minute", REQUESTS_PER_MINUTE))
    burst = max(1, section.get_int("burst", BURST))
    return ReadBudget(
        burst, None, name=TOOL.name, clock=CLOCK, sleep=SLEEP, window_seconds=60.0 * burst / rate
    )


class _Client:
    """The service account's API for both tables: one budget, stats reported once both finish."""

    def __init__(self, section: SourceConfig, report: LoadReport) -> None:
        self.budget = budget(section)
        self.api = ApiClient.create(
            name=TOOL.name,
            base_url=str(section.get("base_url", DEFAULT_BASE_URL)).rstrip("/"),
            auth=BearerTokenAuth(token=section.secret("api_token")),
            budget=self.budget,
            policy=RetryPolicy(
                max_attempts=section.get_int("max_attempts", 6),
                timeout_seconds=section.get_float("timeout_seconds", 60),
            ),
        )
        self.page_size = min(max(1, section.get_int("page_size", PAGE_SIZE)), PAGE_SIZE)
        self.report = report
        self._open = 2
        self._lock = threading.Lock()

    def finished(self) -> None:
        with self._lock:
            self._open -= 1
            if self._open == 0:
                self.report.add_scope_stats(TOOL.name, self.api.session.stats, self.budget)
                self.api.close()

    def user_days(self, window: Window) -> Iterator[tuple[date, list[dict[str, Any]]]]:
        try:
            for day in window.days():
                paginator = JSONResponseCursorPaginator(
                    cursor_path="pagination.next_cursor",
                    cursor_param="cursor",
                    has_more_path="pagination.has_more",
                )
                params = {
                    "start_date": day.isoformat(),
                    "end_date": day.isoformat(),
                    "page_size": self.page_size,
                }
                for page in self.api.pages(
                    "/analytics/v0/user-activity", params=params, paginator=paginator, data_selector="users"
                ):
                    yield day, list(page)
        finally:
            self.finished()

    def org_days(self, window: Window) -> Iterator[tuple[date, list[dict[str, Any]]]]:
        try:
            days = window.days()
            for i in range(0, len(days), MAX_RANGE_DAYS):
                first, last = days[i], days[min(i + MAX_RANGE_DAYS, len(days)) - 1]
                for page in self.api.pages(
                    "/analytics/v0/daily-usage",
                    params={"start_date": first.isoformat(), "end_date": last.isoformat()},
                    paginator=SinglePagePaginator(),
                    data_selector="daily_usage",
                ):
                    for record in page:
                        try:
                            day = date.fromisoformat(str(record.get("date")))
                        except ValueError:
                            raise PermanentError(
                                f"augment: a daily-usage day that is not a date ({record.get('date')!r})"
                            ) from None
                        yield day, [record]
        finally:
            self.finished()


def _identity(record: dict[str, Any]) -> str:
    return str(record.get("user_email") or record.get("service_account_name") or "").lower()


def resources(section: SourceConfig, window: Window, report: LoadReport, full_refresh: bool) -> list[Any]:
    client = _Client(section, report)
    return [
        day_resource(
            TOOL.name, "augment_user_days", window, lambda: client.user_days(window), report, _identity
        ),
        day_resource(
            TOOL.name,
            "augment_org_days",
            window,
            lambda: client.org_days(window),
            report,
            lambda r: str(r["date"]),
        ),
    ]
