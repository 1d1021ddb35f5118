"""incident.io API v2: workspace settings, the bearer-key client, the incremental window.

The API pages with a JSON cursor (`pagination_meta.after`, the last id of the page) that dlt's
`JSONResponseCursorPaginator` follows; its `updated_at[gte]` filter takes a DATE, so an
incremental read starts at the watermark's date minus `overlap_days` and RAW's insert-only
landing drops the versions it already holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from loaders.common.budget import ReadBudget
from loaders.common.config import SourceConfig
from loaders.common.errors import ConfigError
from loaders.common.http import RetryPolicy
from loaders.common.rest import ApiClient

CONFIG = SourceConfig("sources.incidents")
DEFAULT_BASE_URL = "https://api.incident.io"
PAGE_SIZE_MAX = 250
REQUESTS_PER_MINUTE = 1200  # incident.io's published limit per key
# The identity role that lets a key read private incidents ("View all incident data, including
# private incidents"); without it they are missing from every list, silently.
PRIVATE_ROLE = "private_workspace_access"
# Without a `mode` filter the list leaves test and tutorial incidents out; RAW keeps every mode
# and the marts leave practice incidents out themselves, so staging can still count them.
ALL_MODES = ("standard", "retrospective", "test", "tutorial")


@dataclass(frozen=True)
class Workspace:
    name: str
    base_url: str
    api_key: str = field(repr=False)
    requests_per_minute: int = REQUESTS_PER_MINUTE


@dataclass(frozen=True)
class Settings:
    overlap_days: int = 1
    page_size: int = PAGE_SIZE_MAX
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def configured_workspaces() -> list[str]:
    return CONFIG.names("workspaces")


def load_settings() -> Settings:
    overlap = CONFIG.get_int("overlap_days", 1)
    if overlap < 1:
        # The filter has date granularity: less than a day of overlap loses same-day updates.
        raise ConfigError(f"sources.incidents.overlap_days must be at least 1, got {overlap}")
    return Settings(
        overlap_days=overlap,
        page_size=min(max(1, CONFIG.get_int("page_size", PAGE_SIZE_MAX)), PAGE_SIZE_MAX),
        retry=RetryPolicy(
            max_attempts=CONFIG.get_int("max_attempts", 6),
            backoff_seconds=CONFIG.get_float("backoff_seconds", 0.5),
            timeout_seconds=CONFIG.get_float("timeout_seconds", 30),
        ),
    )


def load_workspaces(names: list[str] | None = None) -> list[Workspace]:
    known = configured_workspaces()
    if not known:
        return []
    base_url = str(CONFIG.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
    workspaces = []
    for name in names or known:
        section = CONFIG.sub("workspaces", name)
        workspaces.append(
            Workspace(
                name=name,
                base_url=str(section.get("base_url", base_url)).rstrip("/"),
                api_key=section.secret("api_key"),
                requests_per_minute=section.get_int(
                    "requests_per_minute", CONFIG.get_int("requests_per_minute", REQUESTS_PER_MINUTE)
                ),
            )
        )
    return workspaces


def since_date(watermark: str | None, overlap_days: int) -> str | None:
    """`updated_at[gte]` for the next read: the watermark's date minus the overlap."""
    if watermark is None:
        return None
    moment = datetime.fromisoformat(watermark.replace("Z", "+00:00"))
    return (moment.date() - timedelta(days=overlap_days)).isoformat()


class IncidentsClient:
    """One workspace's API, on the shared REST layer: bearer key, cursor pages, a per-key budget."""

    def __init__(self, workspace: Workspace, settings: Settings) -> None:
        self.workspace = workspace
        self.settings = settings
        self.budget = ReadBudget(workspace.requests_per_minute, None, name=f"workspace {workspace.name}")
        self.api = ApiClient.create(
            name=f"workspace {workspace.name}",
            base_url=workspace.base_url,
            auth=BearerTokenAuth(token=workspace.api_key),
            budget=self.budget,
            policy=settings.retry,
        )

    @property
    def stats(self) -> Any:
        return self.api.session.stats

    def close(self) -> None:
        self.api.close()

    def roles(self) -> list[str]:
        response = self.api.rest.get("/v1/identity", hooks={"response": []})
        return list((response.json().get("identity") or {}).get("roles") or [])

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        paginator = JSONResponseCursorPaginator(cursor_path="pagination_meta.after", cursor_param="after")
        for page in self.api.pages(
            path,
            params={"page_size": self.settings.page_size, **params},
            paginator=paginator,
            data_selector=key,
        ):
            yield list(page)

    def incidents(self, watermark: str | None) -> Iterator[list[dict[str, Any]]]:
        since = since_date(watermark, self.settings.overlap_days)
        params: dict[str, Any] = {"mode[one_of]": list(ALL_MODES)}
        if since:
            params["updated_at[gte]"] = since
        yield from self._pages("/v2/incidents", "incidents", params)

    def incident_updates(self, watermark: str | None) -> Iterator[list[dict[str, Any]]]:
        # The list has no date filter: it is read whole, and insert-only landing keeps each
        # update once. Updates are small and few beside incidents.
        yield from self._pages("/v2/incident_updates", "incident_updates", {})


def updated_at(record: dict[str, Any]) -> str | None:
    value = record.get("updated_at") or record.get("created_at")
    return str(value) if value else None
