"""The OpenAI organization Usage and Costs API (api.openai.com) as the sandbox serves it.

- `GET /v1/organization/usage/completions?start_time&end_time` (unix seconds, end exclusive)
  `&bucket_width=1d` and `group_by` REPEATED (`group_by=user_id&group_by=model`): a comma list
  (`group_by=user_id,model`) is one unknown value, a 400 as the real API answers. One bucket per
  day (`limit` buckets a page: default 7, at most 31), each with its `results`: `input_tokens`
  (cached included), `input_cached_tokens`, `output_tokens`, `num_model_requests`, and the
  grouped dimensions (`user_id` is an OpenAI user id, never an email; null when not grouped).
- `GET /v1/organization/costs`: buckets of `amount.value` (USD, a float) grouped by
  `project_id` and/or `line_item` only (there is no per-user cost); `limit` 1..180 buckets.
- Paging: `page` = the previous `next_page` while `has_more`. Auth: `Authorization: Bearer` with
  the organization's Admin key.
The numbers are `sandbox.ai_usage`'s world for tool `openai`: a day's results add up exactly to
the world's requests and tokens, its cost line items to the world's cost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.ai_usage import PRICES, Usage, UsageApi
from sandbox.http_api import ApiError, Request, Route, choice_params, cursor_page
from sandbox.openai.spec import admin_key

TOOL = "openai"
DAY = 86_400
USAGE_GROUPS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
COST_GROUPS = ("project_id", "line_item")
PROJECTS = ("proj_platform", "proj_support_bot", "proj_research")


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _invalid(message: str, param: str | None = None) -> ApiError:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}
    return ApiError(400, message, body=body)


class OpenAIApi(UsageApi):
    name = tool = TOOL
    ROUTES = (
        Route("GET", "/v1/organization/usage/completions", "usage_completions", "completions"),
        Route("GET", "/v1/organization/costs", "costs", "costs"),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = admin_key(self.seed)

    # ----- auth and errors ------------------------------------------------------------------------

    def authenticate(self, request: Request) -> str | None:
        return "admin-key" if request.headers.get("authorization") == f"Bearer {self.key}" else None

    def unauthorized(self, request: Request) -> ApiError:
        return ApiError(401, "Incorrect API key provided. You can find your API key at the dashboard.")

    def error_body(self, status: int, message: str, request: Request | None = None) -> Any:
        kind = {401: "invalid_request_error", 429: "rate_limit_exceeded"}.get(status, "server_error")
        return {"error": {"message": message, "type": kind if status != 404 else "invalid_request_error"}}

    def retired_error(self, request: Request, status: int) -> ApiError:
        return ApiError(status, f"Invalid URL ({request.method} {request.path})")

    # ----- endpoints --------------------------------------------------------------------------------

    def project(self, usage: Usage) -> str:
        digest = hashlib.sha256(f"{usage.identity}|project".encode()).digest()
        return PROJECTS[digest[0] % len(PROJECTS)]

    def completions(self, request: Request) -> dict[str, Any]:
        def results(day: date, groups: list[str]) -> list[dict[str, Any]]:
            grouped: dict[tuple[Any, ...], list[Usage]] = {}
            for usage in self.reported(day):
                values = {"user_id": usage.identity, "model": usage.model, "project_id": self.project(usage)}
                key = tuple(values.get(g) for g in groups)
                grouped.setdefault(key, []).append(usage)
            found = []
            for key, usages in sorted(grouped.items(), key=lambda kv: str(kv[0])):
                cached = sum(u.input_tokens * (20 + len(u.model)) // 100 for u in usages)
                found.append(
                    {
                        "object": "organization.usage.completions.result",
                        "input_tokens": sum(u.input_tokens for u in usages),
                        "output_tokens": sum(u.output_tokens for u in usages),
                        "input_cached_tokens": cached,
                        "input_audio_tokens": 0,
                        "output_audio_tokens": 0,
                        "num_model_requests": sum(u.requests for u in usages),
                        **{g: None for g in USAGE_GROUPS},
                        **dict(zip(groups, key, strict=True)),
                    }
                )
            return found

        return self._bucket_pages(request, USAGE_GROUPS, 7, 31, results)

    def costs(self, request: Request) -> dict[str, Any]:
        def results(day: date, groups: list[str]) -> list[dict[str, Any]]:
            amounts: dict[tuple[Any, ...], float] = {}
            for usage in self.reported(day):
                price_in, price_out = PRICES.get(usage.model, (1.0, 5.0))
                for side, value in (
                    ("input", usage.input_tokens * price_in),
                    ("output", usage.output_tokens * price_out),
                ):
                    values = {"project_id": self.project(usage), "line_item": f"{usage.model}, {side}"}
                    key = tuple(values[g] for g in groups)
                    amounts[key] = amounts.get(key, 0.0) + value / 1_000_000
            return [
                {
                    "object": "organization.costs.result",
                    "amount": {"value": value, "currency": "usd"},
                    **{g: None for g in COST_GROUPS},
                    **dict(zip(groups, key, strict=True)),
                }
                for key, value in sorted(amounts.items(), key=lambda kv: str(kv[0]))
            ]

        return self._bucket_pages(request, COST_GROUPS, 7, 180, results)

    # ----- the shared bucket paging -----------------------------------------------------------------

    def _bucket_pages(
        self,
        request: Request,
        allowed: tuple[str, ...],
        default_limit: int,
        max_limit: int,
        results: Callable[[date, list[str]], list[dict[str, Any]]],
    ) -> dict[str, Any]:
        groups = choice_params(  # `user_id,model` is one value: the real API refuses it too
            request,
            "group_by",
            allowed,
            lambda value: _invalid(
                f"Invalid value for 'group_by': {value!r}; expected one of {', '.join(allowed)}", "group_by"
            ),
        )
        if request.param("bucket_width", "1d") != "1d":
            raise _invalid("bucket_width: only 1d is simulated here", "bucket_width")
        start = self._seconds(request, "start_time", None)
        end = self._seconds(request, "end_time", epoch(self.today))
        raw_limit = request.param("limit") or str(default_limit)
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= max_limit:
            raise _invalid(f"limit must be an integer from 1 to {max_limit}, got {raw_limit!r}", "limit")
        first = datetime.fromtimestamp(start, UTC).date()
        days = [first + timedelta(days=i) for i in range(max(0, -(-(end - epoch(first)) // DAY)))]
        chosen, next_page = cursor_page(request, days, int(raw_limit))
        data = [
            {
                "object": "bucket",
                "start_time": epoch(d),
                "end_time": epoch(d) + DAY,
                "results": results(d, groups),
            }
            for d in chosen
        ]
        return {"object": "page", "data": data, "has_more": next_page is not None, "next_page": next_page}

    def _seconds(self, request: Request, name: str, default: int | None) -> int:
        raw = request.param(name)
        if raw is None and default is not None:
            return default
        if raw is None or not raw.isdigit():
            raise _invalid(f"{name} must be a unix timestamp in seconds, got {raw!r}", name)
        return int(raw)
