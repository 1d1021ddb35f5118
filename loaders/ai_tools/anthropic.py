"""Anthropic Admin API: tokens and cost per day, actor and model, and the Claude Code report.

- Usage and cost from the Usage and Cost **Analytics** API (`/v1/organizations/analytics/usage`
  and `/analytics/cost`, beta header `anthropic-beta: analytics-usage-cost-2026-08-24`), never
  the legacy `usage_report/messages` and `cost_report`, which leave Priority Tier cost out and
  have no user dimension. Grouped by `actor` and `model` in daily buckets, in calls of at most
  31 days, `limit` rows a page, `page` = the previous `next_page` while `has_more`.
- Claude Code (`/v1/organizations/usage_report/claude_code`) answers ONE day per call
  (`starting_at=YYYY-MM-DD`): one call sequence per day of the window.
Auth: the Admin key in `x-api-key` and `anthropic-version: 2023-06-01`. RAW gets each row whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from loaders.ai_tools.tools import Tool, Window, day_resource
from loaders.common.budget import ReadBudget
from loaders.common.config import SourceConfig
from loaders.common.errors import ConfigError
from loaders.common.http import RetryPolicy
from loaders.common.report import LoadReport
from loaders.common.rest import ApiClient

TOOL = Tool(
    name="anthropic",
    title="Anthropic Admin API (usage and cost analytics, Claude Code)",
    tables=("anthropic_usage_rows", "anthropic_cost_rows", "anthropic_claude_code_days"),
    reread_days=2,  # late requests and cost corrections land on the previous day or two
    lookback_days=35,
)
DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
ANALYTICS_BETA = "analytics-usage-cost-2026-08-24"
MAX_RANGE_DAYS = 31  # the analytics API's longest range per call
PAGE_SIZE_MAX = 1000
REQUESTS_PER_MINUTE = 50  # the Admin API documents no limit for reports: stay well below any


def configured(section: SourceConfig) -> bool:
    return bool(section.get("base_url") or section.optional_secret("admin_api_key"))


def secrets(section: SourceConfig) -> list[str]:
    key = section.optional_secret("admin_api_key")
    return [key] if key else []


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def actor_key(actor: dict[str, Any] | None) -> str:
    """The actor of a row as one text: `email:<address>` or `api_key:<name>` (record ids only)."""
    actor = actor or {}
    if actor.get("email_address"):
        return f"email:{str(actor['email_address']).lower()}"
    return f"api_key:{actor.get('name') or actor.get('api_key_name') or actor.get('api_key_id')}"


def chunks(window: Window, size: int = MAX_RANGE_DAYS) -> Iterator[tuple[date, date]]:
    """The window as ranges of at most `size` days: (first day, day after the last)."""
    first = window.first
    while first <= window.last:
        end = min(first + timedelta(days=size), window.last + timedelta(days=1))
        yield first, end
        first = end


def resources(section: SourceConfig, window: Window, report: LoadReport, full_refresh: bool) -> list[Any]:
    base_url = str(section.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
    api_key = section.secret("admin_api_key")
    page_size = section.get_int("page_size", PAGE_SIZE_MAX)
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise ConfigError(f"{section.key('page_size')} must be from 1 to {PAGE_SIZE_MAX}, got {page_size}")
    budget = ReadBudget(section.get_int("requests_per_minute", REQUESTS_PER_MINUTE), None, name=TOOL.name)
    policy = RetryPolicy(
        max_attempts=section.get_int("max_attempts", 6),
        backoff_seconds=section.get_float("backoff_seconds", 0.5),
    )

    def reading(calls: Any) -> Any:
        """A DayReader running `calls(pages)` on one client (its stats reported once it is done)."""

        def read() -> Iterator[tuple[date, list[dict[str, Any]]]]:
            api = ApiClient.create(
                name=TOOL.name,
                base_url=base_url,
                auth=APIKeyAuth(name="x-api-key", api_key=api_key, location="header"),
                headers={"anthropic-version": API_VERSION, "anthropic-beta": ANALYTICS_BETA},
                budget=budget,
                policy=policy,
            )

            def pages(path: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
                paginator = JSONResponseCursorPaginator(
                    cursor_path="next_page", cursor_param="page", has_more_path="has_more"
                )
                params = {**params, "limit": page_size}
                for page in api.pages(path, params=params, paginator=paginator, data_selector="data"):
                    yield list(page)

            try:
                yield from calls(pages)
            finally:
                report.add_scope_stats(TOOL.name, api.session.stats, budget)
                api.close()

        return read

    def analytics(path: str) -> Any:
        def calls(pages: Any) -> Iterator[tuple[date, list[dict[str, Any]]]]:
            for first, end in chunks(window):
                params = {
                    "starting_at": _stamp(first),
                    "ending_at": _stamp(end),
                    "group_by[]": ["actor", "model"],  # repeated: group_by[]=actor&group_by[]=model
                    "time_bucket_width": "1d",
                }
                for rows in pages(path, params):
                    by_day: dict[date, list[dict[str, Any]]] = {}
                    for row in rows:
                        by_day.setdefault(date.fromisoformat(str(row["starting_at"])[:10]), []).append(row)
                    yield from by_day.items()

        return reading(calls)

    def claude_code(pages: Any) -> Iterator[tuple[date, list[dict[str, Any]]]]:
        for day in window.days():  # the report covers one day per call
            for records in pages(
                "/v1/organizations/usage_report/claude_code", {"starting_at": day.isoformat()}
            ):
                yield day, records

    def row_id(row: dict[str, Any]) -> str:
        group = row.get("group") or {}
        return f"{actor_key(group.get('actor'))}|{group.get('model')}"

    def code_id(record: dict[str, Any]) -> str:
        return f"{actor_key(record.get('actor'))}|{record.get('terminal_type')}"

    return [
        day_resource(
            TOOL.name,
            "anthropic_usage_rows",
            window,
            analytics("/v1/organizations/analytics/usage"),
            report,
            row_id,
        ),
        day_resource(
            TOOL.name,
            "anthropic_cost_rows",
            window,
            analytics("/v1/organizations/analytics/cost"),
            report,
            row_id,
        ),
        day_resource(TOOL.name, "anthropic_claude_code_days", window, reading(claude_code), report, code_id),
    ]
