"""GitHub Copilot usage metrics: the `users-1-day` report, one call per day, NDJSON behind links.

`GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=` answers signed, short-lived download
links; each holds NDJSON, one line per user (`user_login`, no email). The API has no paging (one
day per call), so the reader walks the window's days itself, each a plain GET on the shared REST
layer (dlt's `SinglePagePaginator` semantics; the links are read with a second client without the
token: a signed URL must never carry our credential, and its body is NDJSON, checked line by
line). A link that expired before it was read (403 from the storage) is asked for again once.
GitHub restates a day for about 3 UTC days: `reread_days = 3`. The old `/orgs/{org}/copilot/metrics`
was shut down on 2026-04-02 and is not used.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from dlt.sources.helpers.rest_client.auth import BearerTokenAuth

from loaders.ai_tools.tools import Tool, Window, day_resource
from loaders.common.budget import ReadBudget
from loaders.common.config import SourceConfig
from loaders.common.errors import ConfigError, PermanentError
from loaders.common.http import RetryPolicy
from loaders.common.report import LoadReport
from loaders.common.rest import ApiClient

TOOL = Tool(
    name="copilot",
    title="GitHub Copilot usage metrics",
    tables=("copilot_user_days",),
    reread_days=3,  # a day finalises within about 3 UTC days
    lookback_days=28,
)
DEFAULT_BASE_URL = "https://api.github.com"
API_VERSION = "2026-03-10"
REQUESTS_PER_MINUTE = 80  # GitHub's 5,000 requests an hour for a token, spread evenly

# The read budget's clock and sleep (tests put the simulator's clock here).
CLOCK: Callable[[], float] = time.monotonic
SLEEP: Callable[[float], None] = time.sleep


def configured(section: SourceConfig) -> bool:
    return bool(section.get("org") or section.optional_secret("token"))


def secrets(section: SourceConfig) -> list[str]:
    value = section.optional_secret("token")
    return [value] if value else []


def resources(section: SourceConfig, window: Window, report: LoadReport, full_refresh: bool) -> list[Any]:
    org = section.get("org")
    if not org:
        raise ConfigError(
            f"missing {section.key('org')}: the GitHub organization whose Copilot usage to read"
        )
    token = section.secret("token")
    base_url = str(section.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": str(section.get("api_version", API_VERSION)),
    }
    budget = ReadBudget(
        section.get_int("requests_per_minute", REQUESTS_PER_MINUTE),
        None,
        name=TOOL.name,
        clock=CLOCK,
        sleep=SLEEP,
    )
    downloads = ReadBudget(section.get_int("downloads_per_minute", 600), None, name=f"{TOOL.name} downloads")
    policy = RetryPolicy(
        max_attempts=section.get_int("max_attempts", 6),
        backoff_seconds=section.get_float("backoff_seconds", 0.5),
    )
    path = f"/orgs/{org}/copilot/metrics/reports/users-1-day"

    def read() -> Iterator[tuple[date, list[dict[str, Any]]]]:
        api = ApiClient.create(
            name=TOOL.name,
            base_url=base_url,
            auth=BearerTokenAuth(token=token),
            headers=headers,
            budget=budget,
            policy=policy,
        )
        files = ApiClient.create(
            name=f"{TOOL.name} report file",
            base_url=base_url,
            budget=downloads,
            policy=policy,
            body_format="ndjson",
        )
        try:
            for day in window.days():
                yield day, _day(api, files, path, day)
        finally:
            report.add_scope_stats(TOOL.name, api.session.stats, budget)
            report.add_scope_stats(TOOL.name, files.session.stats, downloads)  # the report files
            api.close()
            files.close()

    return [
        day_resource(
            TOOL.name,
            "copilot_user_days",
            window,
            read,
            report,
            record_id=lambda r: str(r.get("user_id") or r.get("user_login")),
        )
    ]


def _day(api: ApiClient, files: ApiClient, path: str, day: date) -> list[dict[str, Any]]:
    """Every user line of one day's report (the links asked for again once if one expired)."""
    for attempt in (1, 2):
        links = api.rest.get(path, params={"day": day.isoformat()}, hooks={"response": []}).json()
        try:
            return [row for link in links.get("download_links") or [] for row in _lines(files, link)]
        except PermanentError as exc:
            if "HTTP 403" not in str(exc):
                raise
            if attempt == 2:
                raise PermanentError(
                    f"{TOOL.name}: the download links of the {day} report were refused twice (HTTP 403: "
                    "expired before they were read, or the storage refused the signature)"
                ) from None
    return []


def _lines(files: ApiClient, link: str) -> list[dict[str, Any]]:
    # No auth on this client: the link is signed, and our token must not go to the storage host.
    text = files.rest.get(link, hooks={"response": []}).text
    return [json.loads(line) for line in text.splitlines() if line.strip()]
