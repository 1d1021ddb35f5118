"""OpenAI organization usage (completions, per user and model) and costs (per project and line item).

- `GET /v1/organization/usage/completions?start_time&end_time` (unix seconds, end exclusive),
  `bucket_width=1d`, `group_by=user_id&group_by=model` as REPEATED parameters (a comma list is
  refused by the API), `limit` buckets a page (≤ 31), `page` = `next_page` while `has_more`.
- `GET /v1/organization/costs`: the same window and paging, `group_by=project_id&group_by=
  line_item` (the API has no per-user cost), `limit` ≤ 180 buckets a page.
RAW gets one record per daily bucket, whole (its `results` unnested in staging). Auth: Bearer
with the organization's Admin key. `user_id` is an OpenAI user id, not an email.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from loaders.ai_tools.tools import Tool, Window, day_resource
from loaders.common.budget import ReadBudget
from loaders.common.config import SourceConfig
from loaders.common.errors import ConfigError
from loaders.common.http import RetryPolicy
from loaders.common.report import LoadReport
from loaders.common.rest import ApiClient

TOOL = Tool(
    name="openai",
    title="OpenAI organization usage and costs",
    tables=("openai_completion_buckets", "openai_cost_buckets"),
    reread_days=2,  # a day's buckets keep filling for some hours after midnight UTC
    lookback_days=35,
)
DEFAULT_BASE_URL = "https://api.openai.com"
USAGE_LIMIT_MAX = 31  # daily buckets a page (completions)
COST_LIMIT_MAX = 180  # daily buckets a page (costs)
REQUESTS_PER_MINUTE = 50  # no published limit for the organization endpoints: stay gentle


def configured(section: SourceConfig) -> bool:
    return bool(section.get("base_url") or section.optional_secret("admin_api_key"))


def secrets(section: SourceConfig) -> list[str]:
    key = section.optional_secret("admin_api_key")
    return [key] if key else []


def epoch(day: date) -> int:
    """The unix seconds of a UTC day's midnight."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def bucket_day(bucket: dict[str, Any]) -> date:
    return datetime.fromtimestamp(int(bucket["start_time"]), UTC).date()


def _limit(section: SourceConfig, name: str, maximum: int) -> int:
    value = section.get_int(name, maximum)
    if not 1 <= value <= maximum:
        raise ConfigError(f"{section.key(name)} must be from 1 to {maximum}, got {value}")
    return value


def resources(section: SourceConfig, window: Window, report: LoadReport, full_refresh: bool) -> list[Any]:
    base_url = str(section.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
    api_key = section.secret("admin_api_key")
    usage_limit = _limit(section, "usage_page_size", USAGE_LIMIT_MAX)
    cost_limit = _limit(section, "cost_page_size", COST_LIMIT_MAX)
    budget = ReadBudget(section.get_int("requests_per_minute", REQUESTS_PER_MINUTE), None, name=TOOL.name)
    policy = RetryPolicy(
        max_attempts=section.get_int("max_attempts", 6),
        backoff_seconds=section.get_float("backoff_seconds", 0.5),
    )

    def buckets(path: str, group_by: list[str], limit: int) -> Any:
        def read() -> Iterator[tuple[date, list[dict[str, Any]]]]:
            api = ApiClient.create(
                name=TOOL.name,
                base_url=base_url,
                auth=BearerTokenAuth(token=api_key),
                budget=budget,
                policy=policy,
            )
            params = {
                "start_time": epoch(window.first),
                "end_time": epoch(window.last + timedelta(days=1)),
                "bucket_width": "1d",
                "group_by": group_by,  # a list: requests sends group_by=a&group_by=b
                "limit": limit,
            }
            paginator = JSONResponseCursorPaginator(
                cursor_path="next_page", cursor_param="page", has_more_path="has_more"
            )
            try:
                for page in api.pages(path, params=params, paginator=paginator, data_selector="data"):
                    for bucket in page:
                        yield bucket_day(bucket), [bucket]
            finally:
                report.add_scope_stats(TOOL.name, api.session.stats, budget)
                api.close()

        return read

    def bucket_id(bucket: dict[str, Any]) -> str:
        return str(bucket.get("start_time"))

    return [
        day_resource(
            TOOL.name,
            "openai_completion_buckets",
            window,
            buckets("/v1/organization/usage/completions", ["user_id", "model"], usage_limit),
            report,
            bucket_id,
        ),
        day_resource(
            TOOL.name,
            "openai_cost_buckets",
            window,
            buckets("/v1/organization/costs", ["project_id", "line_item"], cost_limit),
            report,
            bucket_id,
        ),
    ]
