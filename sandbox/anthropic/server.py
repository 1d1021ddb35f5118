"""The Anthropic Admin API (api.anthropic.com) as the sandbox serves it.

- `GET /v1/organizations/analytics/usage` and `/analytics/cost` (Usage and Cost Analytics API,
  beta: every call needs `anthropic-beta: analytics-usage-cost-2026-08-24`, else 400):
  `starting_at`/`ending_at` (RFC 3339, at most 31 days apart), repeated `group_by[]` (`actor`,
  `model` simulated), `time_bucket_width=1d`, `limit` rows (≤ 1000), `page` = the previous
  `next_page` while `has_more`. Usage rows carry tokens as uncached input, cache read, cache
  creation (5 min, 1 h) and output; cost rows `cost.amount` in fractional cents as a decimal
  string ("1234.5678"), Priority Tier included. The actor is a user (`email_address`, sent as
  the console shows it: some capitalised) or an API key (`name`).
- The legacy `usage_report/messages` and `cost_report` still answer, with a `Deprecation` header,
  no user dimension, and the cost report leaves Priority Tier cost out.
- `GET /v1/organizations/usage_report/claude_code?starting_at=YYYY-MM-DD`: ONE day per call, one
  record per actor (an email or an API key name), `limit` ≤ 1000, the same cursor paging.
- Auth `x-api-key` (the Admin key) and `anthropic-version: 2023-06-01`.
The numbers are `sandbox.ai_usage`'s world for tool `anthropic`: the usage rows of a day add up
exactly to the world's tokens, the cost rows to its cost (in cents, 4 decimals).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from sandbox.ai_usage import Usage, UsageApi, day_range, grouped, hex_id
from sandbox.anthropic.spec import admin_key
from sandbox.framework import json_response
from sandbox.http_api import (
    ApiError,
    Request,
    Route,
    choice_params,
    cursor_page,
    date_param,
    int_param,
    midnight,
    time_param,
)

TOOL = "anthropic"
BETA = "analytics-usage-cost-2026-08-24"
MAX_RANGE_DAYS = 31
GROUPS = ("actor", "model")  # the `group_by[]` values simulated
PRIORITY_MODELS = frozenset({"claude-opus-4-1-20250805"})  # served on Priority Tier, partly
PRIORITY_SHARE = 0.4  # of those models' cost: what the legacy cost report leaves out
LEGACY_HEADERS = {
    "Deprecation": "true",
    "Link": '</v1/organizations/analytics/usage>; rel="successor-version"',
}
_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error"}
_ERROR_TYPES |= {410: "not_found_error", 429: "rate_limit_error", 503: "overloaded_error"}


def _span(day: date) -> dict[str, str]:
    return {"starting_at": midnight(day), "ending_at": midnight(day + timedelta(days=1))}


class AnthropicApi(UsageApi):
    name = tool = TOOL
    ROUTES = (
        Route("GET", "/v1/organizations/analytics/usage", "analytics_usage", "analytics_usage"),
        Route("GET", "/v1/organizations/analytics/cost", "analytics_cost", "analytics_cost"),
        Route("GET", "/v1/organizations/usage_report/messages", "usage_report_messages", "legacy_usage"),
        Route("GET", "/v1/organizations/cost_report", "cost_report", "legacy_cost"),
        Route("GET", "/v1/organizations/usage_report/claude_code", "claude_code", "claude_code"),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = admin_key(self.seed)
        self.people = {person.key: person for person in self.world.people}

    # ----- auth and errors ------------------------------------------------------------------------

    def authenticate(self, request: Request) -> str | None:
        if request.headers.get("x-api-key") != self.key:
            return None
        if not request.headers.get("anthropic-version"):
            raise ApiError(400, "anthropic-version: header is required")
        return "admin-key"

    def unauthorized(self, request: Request) -> ApiError:
        return ApiError(401, "invalid x-api-key")

    def error_body(self, status: int, message: str, request: Request | None = None) -> Any:
        return {"type": "error", "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message}}

    def retired_error(self, request: Request, status: int) -> ApiError:
        return ApiError(status, "Not found" if status == 404 else "This endpoint has been removed")

    # ----- the analytics API (beta) -------------------------------------------------------------------

    def analytics_usage(self, request: Request) -> dict[str, Any]:
        return self._analytics(request, lambda usages: {"usage": self.usage_metrics(usages)})

    def analytics_cost(self, request: Request) -> dict[str, Any]:
        return self._analytics(request, lambda usages: {"cost": self.cost_metrics(usages)})

    def _analytics(
        self, request: Request, metrics: Callable[[list[Usage]], dict[str, Any]]
    ) -> dict[str, Any]:
        betas = {b.strip() for b in request.headers.get("anthropic-beta", "").split(",")}
        if BETA not in betas:
            raise ApiError(400, f"this endpoint is in beta: send the header `anthropic-beta: {BETA}`")
        groups = choice_params(request, "group_by[]", GROUPS)
        if request.param("time_bucket_width") != "1d":
            raise ApiError(400, "time_bucket_width: only 1d is simulated (rows per day)")
        limit = int_param(request, "limit", 100, low=1, high=1000)
        start = time_param(request, "starting_at")
        end = time_param(request, "ending_at", midnight(self.today))
        if not start < end <= start + timedelta(days=MAX_RANGE_DAYS):
            raise ApiError(400, f"ending_at must be after starting_at, at most {MAX_RANGE_DAYS} days later")
        rows: list[dict[str, Any]] = []
        for day in day_range(start.date(), end.date()):
            for _key, usages in grouped(
                self.reported(day), lambda u: tuple(self._group_key(u, g) for g in groups)
            ):
                group = {g: self._group_value(usages[0], g) for g in groups}
                rows.append({**_span(day), "group": group, **metrics(usages)})
        return self._page(request, rows, limit)

    def _group_key(self, usage: Usage, group: str) -> str:
        return usage.model if group == "model" else f"{usage.identity_type}|{usage.identity}"

    def _group_value(self, usage: Usage, group: str) -> Any:
        if group == "model":
            return usage.model
        if usage.identity_type == "email" and usage.person_key:
            person = self.people[usage.person_key]
            shown = person.email.title() if int(person.key[1:]) % 4 == 1 else person.email
            user_id = "user_" + hex_id("anthropic-user", person.key)
            return {"type": "user_actor", "user_id": user_id, "email_address": shown, "name": person.name}
        return {
            "type": "api_key_actor",
            "api_key_id": "apikey_" + hex_id("key", usage.identity),
            "name": usage.identity,
        }

    def split_input(self, usage: Usage) -> tuple[int, int, int, int]:
        """The world's input tokens as (uncached, cache read, cache creation 5 min, 1 h)."""
        rng = random.Random(f"{self.seed}|anthropic-cache|{usage.day}|{usage.identity}|{usage.model}")
        read = usage.input_tokens * rng.randint(30, 60) // 100
        creation = usage.input_tokens * rng.randint(5, 15) // 100
        one_hour = creation // 5
        return usage.input_tokens - read - creation, read, creation - one_hour, one_hour

    def usage_metrics(self, usages: Iterable[Usage]) -> dict[str, Any]:
        usages = list(usages)
        uncached, read, five, hour = (sum(p) for p in zip(*map(self.split_input, usages), strict=True))
        output = sum(u.output_tokens for u in usages)
        return {
            "requests": sum(u.requests for u in usages),
            "uncached_input_tokens": uncached,
            "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": five, "ephemeral_1h_input_tokens": hour},
            "output_tokens": output,
            "total_tokens": uncached + read + five + hour + output,
            "server_tool_use": {"web_search_requests": 0},
        }

    def cost_metrics(self, usages: Iterable[Usage], *, priority: bool = True) -> dict[str, Any]:
        usages = list(usages)
        left_out = {u.model: PRIORITY_SHARE for u in usages if not priority and u.model in PRIORITY_MODELS}
        cents = f"{sum(u.cost_usd * 100 * (1 - left_out.get(u.model, 0)) for u in usages):.4f}"
        return {
            "amount": cents,
            "currency": "USD",
            "list_amount": cents,
            "requests": sum(u.requests for u in usages),
        }

    # ----- the legacy Usage and Cost API --------------------------------------------------------------

    def legacy_usage(self, request: Request) -> Any:
        return self._legacy(request, self.usage_metrics)

    def legacy_cost(self, request: Request) -> Any:
        return self._legacy(
            request, lambda usages: {**self.cost_metrics(usages, priority=False), "cost_type": "tokens"}
        )

    def _legacy(self, request: Request, metrics: Callable[[list[Usage]], dict[str, Any]]) -> Any:
        limit = int_param(request, "limit", 7, low=1, high=MAX_RANGE_DAYS)
        start = time_param(request, "starting_at").date()
        end = time_param(request, "ending_at", midnight(self.today)).date()
        by_model = "model" in request.params.get("group_by[]", [])
        buckets = []
        for day in day_range(start, end):
            by = grouped(self.reported(day), lambda u: u.model if by_model else None, order=str)
            results = [{**metrics(us), "model": m} for m, us in by]
            buckets.append({**_span(day), "results": results})
        return json_response(self._page(request, buckets, limit), headers=LEGACY_HEADERS)

    # ----- Claude Code ---------------------------------------------------------------------------------

    def claude_code(self, request: Request) -> dict[str, Any]:
        day = date_param(request, "starting_at", ", one day per call")
        limit = int_param(request, "limit", 20, low=1, high=1000)
        actors = grouped(self.reported(day), lambda u: (u.identity_type, u.identity))
        records = [self.claude_code_record(day, kind, who, usages) for (kind, who), usages in actors]
        return self._page(request, records, limit)

    def claude_code_record(self, day: date, kind: str, who: str, usages: list[Usage]) -> dict[str, Any]:
        lines = sum(u.counts.get("lines_accepted", 0) for u in usages)
        requests = sum(u.requests for u in usages)
        commits = requests // 8
        breakdown = [self._model_entry(usage) for usage in usages]
        user = kind == "email"
        return {
            "date": midnight(day),
            "actor": {"type": "user_actor", "email_address": who}
            if user
            else {"type": "api_actor", "api_key_name": who},
            "organization_id": "org_" + hex_id("anthropic-org", self.seed),
            "customer_type": "subscription" if user else "api",
            "terminal_type": ("vscode", "iTerm.app", "jetbrains")[len(who) % 3],
            "core_metrics": {
                "num_sessions": max(1, requests // 5),
                "lines_of_code": {"added": lines, "removed": lines // 4},
                "commits_by_claude_code": commits,
                "pull_requests_by_claude_code": commits // 3,
            },
            "model_breakdown": breakdown,
        }

    def _model_entry(self, usage: Usage) -> dict[str, Any]:
        uncached, read, five, hour = self.split_input(usage)
        tokens = {
            "input": uncached,
            "output": usage.output_tokens,
            "cache_read": read,
            "cache_creation": five + hour,
        }
        cost = {"currency": "USD", "amount": round(usage.cost_usd * 100, 4)}  # cents, a JSON number
        return {"model": usage.model, "tokens": tokens, "estimated_cost": cost}

    # ----- paging ------------------------------------------------------------------------------------

    def _page(self, request: Request, items: list[Any], limit: int) -> dict[str, Any]:
        data, next_page = cursor_page(request, items, limit)
        return {"data": data, "has_more": next_page is not None, "next_page": next_page}
