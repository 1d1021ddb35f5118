"""LiteLLM proxy: spend, tokens and requests per day, model and API key (`GET /user/daily/activity`).

One call sequence per window: `start_date`..`end_date` (both included), `page_size` up to 1000,
dlt's `PageNumberPaginator` following `metadata.total_pages`. The proxy cuts pages from its spend
rows before grouping them by date, so a date can come on two pages with part of its breakdown
each: the reader yields each page's days and the landing counts a day read once the whole window
was. RAW gets one record per (date, model, key) from `breakdown.models.<model>.api_key_breakdown`
(maps keyed by model and key hash cannot be unnested portably in SQL across the warehouses).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import PageNumberPaginator

from loaders.ai_tools.tools import Tool, Window, day_resource
from loaders.common.budget import ReadBudget
from loaders.common.config import SourceConfig
from loaders.common.http import RetryPolicy
from loaders.common.report import LoadReport
from loaders.common.rest import ApiClient

TOOL = Tool(
    name="litellm",
    title="LiteLLM proxy",
    tables=("litellm_key_model_days",),
    reread_days=1,  # requests finishing after midnight still add to yesterday's spend
    lookback_days=35,
)
PAGE_SIZE_MAX = 1000
REQUESTS_PER_MINUTE = 600  # the proxy documents no limit on its spend API: stay gentle


def configured(section: SourceConfig) -> bool:
    return bool(section.get("base_url") or section.optional_secret("api_key"))


def secrets(section: SourceConfig) -> list[str]:
    key = section.optional_secret("api_key")
    return [key] if key else []


def records_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One day's result as one record per model and API key."""
    found = []
    for model, entry in sorted(((result.get("breakdown") or {}).get("models") or {}).items()):
        for hashed, key in sorted((entry.get("api_key_breakdown") or {}).items()):
            metadata = key.get("metadata") or {}
            found.append(
                {
                    "date": result.get("date"),
                    "model": model,
                    "api_key_hash": hashed,
                    "key_alias": metadata.get("key_alias"),
                    "team_id": metadata.get("team_id"),
                    "metrics": key.get("metrics") or {},
                }
            )
    return found


def resources(section: SourceConfig, window: Window, report: LoadReport, full_refresh: bool) -> list[Any]:
    base_url = str(section.get("base_url", "")).rstrip("/")
    api_key = section.secret("api_key")
    if not base_url:
        from loaders.common.errors import ConfigError

        raise ConfigError(
            f"missing {section.key('base_url')}: the proxy's URL (e.g. https://litellm.example.com)"
        )
    page_size = min(max(1, section.get_int("page_size", PAGE_SIZE_MAX)), PAGE_SIZE_MAX)
    budget = ReadBudget(section.get_int("requests_per_minute", REQUESTS_PER_MINUTE), None, name=TOOL.name)
    policy = RetryPolicy(
        max_attempts=section.get_int("max_attempts", 6),
        backoff_seconds=section.get_float("backoff_seconds", 0.5),
    )

    def read() -> Iterator[tuple[date, list[dict[str, Any]]]]:
        api = ApiClient.create(
            name=TOOL.name,
            base_url=base_url,
            auth=BearerTokenAuth(token=api_key),
            budget=budget,
            policy=policy,
        )
        try:
            pages = api.pages(
                "/user/daily/activity",
                params={
                    "start_date": window.first.isoformat(),
                    "end_date": window.last.isoformat(),
                    "page_size": page_size,
                },
                paginator=PageNumberPaginator(
                    base_page=1, page_param="page", total_path="metadata.total_pages"
                ),
                data_selector="results",
            )
            for page in pages:
                for result in page:
                    yield date.fromisoformat(str(result["date"])[:10]), records_of(result)
        finally:
            report.add_scope_stats(TOOL.name, api.session.stats, budget)
            api.close()

    return [
        day_resource(
            TOOL.name,
            "litellm_key_model_days",
            window,
            read,
            report,
            record_id=lambda r: f"{r['model']}|{r['api_key_hash']}",
        )
    ]
