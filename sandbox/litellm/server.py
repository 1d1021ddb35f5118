"""The simulated LiteLLM proxy's spend API: `GET /user/daily/activity` (marked beta upstream).

What a loader must get right, as the proxy does it: a Bearer admin key (`Authorization` or
`x-litellm-api-key`); `start_date`/`end_date` (YYYY-MM-DD, both included) required; `page`
(from 1) and `page_size` (default 50, at most 1000, 422 above, as FastAPI validates it); pages cut
the proxy's daily spend rows (date x user x key x model) *before* they are grouped by date, so one
date can spread over two pages, each with part of its breakdown; `metadata.total_pages` and
`has_more`. Per date: `metrics` and `breakdown.models.<model>.api_key_breakdown.<key hash>`
with `metadata.key_alias` (personal keys are aliased with their owner's email, the CI key is
not), spend in USD floats, tokens as prompt/completion.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from sandbox.ai_usage import Usage, UsageWorld
from sandbox.http_api import ApiError, HttpApi, Request, Route, int_param, page_slice

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
PROVIDERS = {"gpt": "openai", "claude": "anthropic", "gemini": "gemini"}
METRICS = (
    "spend",
    "prompt_tokens",
    "completion_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "total_tokens",
    "successful_requests",
    "failed_requests",
    "api_requests",
)


def admin_key(seed: int) -> str:
    return "sk-litellm-" + hashlib.sha256(f"litellm-admin|{seed}".encode()).hexdigest()[:32]


def key_hash(identity: str) -> str:
    """The proxy stores and reports hashed virtual keys (sha256 of the key)."""
    return hashlib.sha256(f"sk-virtual-{identity}".encode()).hexdigest()


def metrics(usage: Usage) -> dict[str, Any]:
    failed = usage.requests // 20
    return {
        "spend": usage.cost_usd,
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "successful_requests": usage.requests - failed,
        "failed_requests": failed,
        "api_requests": usage.requests,
    }


def _add(total: dict[str, Any], part: dict[str, Any]) -> None:
    for name in METRICS:
        total[name] = (
            round(total.get(name, 0) + part[name], 6) if name == "spend" else total.get(name, 0) + part[name]
        )


class LiteLLMSimulator(HttpApi):
    name = "litellm"
    ROUTES = (Route("GET", "/user/daily/activity", "daily_activity", "_daily_activity"),)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.world = UsageWorld(self.seed, self.scale)
        self.key = admin_key(self.seed)

    def authenticate(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        token = (
            header[7:].strip()
            if header.lower().startswith("bearer ")
            else request.headers.get("x-litellm-api-key")
        )
        return "admin" if token == self.key else None

    def error_body(self, status: int, message: str, request: Request | None = None) -> Any:
        kind = {401: "auth_error", 429: "throttling_error"}.get(status, "bad_request_error")
        return {"error": {"message": message, "type": kind, "param": "None", "code": str(status)}}

    def unauthorized(self, request: Request) -> ApiError:
        return ApiError(401, "Authentication Error - Invalid proxy server token passed.")

    def rows(self, first: date, last: date) -> list[Usage]:
        """The proxy's daily spend rows in the range, in its order (date, then key, then model)."""
        rows: list[Usage] = []
        day = first
        while day <= last:
            rows += sorted(
                self.world.reported("litellm", day, self.today), key=lambda u: (u.identity, u.model)
            )
            day += timedelta(days=1)
        return rows

    def _daily_activity(self, request: Request) -> Any:
        start, end = request.param("start_date"), request.param("end_date")
        if not start or not end:
            raise ApiError(400, "Please provide start_date and end_date")
        try:
            first, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            raise ApiError(422, "start_date and end_date take YYYY-MM-DD") from None
        page = int_param(request, "page", 1)
        size = int_param(request, "page_size", DEFAULT_PAGE_SIZE, high=MAX_PAGE_SIZE)
        chunk, total_pages, has_more = page_slice(self.rows(first, last), page, size)
        by_date: dict[date, dict[str, Any]] = {}
        for usage in chunk:
            result = by_date.setdefault(
                usage.day,
                {"date": usage.day.isoformat(), "metrics": {}, "breakdown": _empty_breakdown()},
            )
            part = metrics(usage)
            _add(result["metrics"], part)
            hashed = key_hash(usage.identity)
            key_meta = {"key_alias": usage.identity, "team_id": None}
            model = result["breakdown"]["models"].setdefault(
                usage.model, {"metrics": {}, "metadata": {}, "api_key_breakdown": {}}
            )
            _add(model["metrics"], part)
            model["api_key_breakdown"][hashed] = {"metrics": part, "metadata": key_meta}
            key = result["breakdown"]["api_keys"].setdefault(hashed, {"metrics": {}, "metadata": key_meta})
            _add(key["metrics"], part)
            provider = PROVIDERS.get(usage.model.split("-")[0], "openai")
            _add(
                result["breakdown"]["providers"].setdefault(provider, {"metrics": {}, "metadata": {}})[
                    "metrics"
                ],
                part,
            )
        results = [by_date[day] for day in sorted(by_date)]
        totals: dict[str, Any] = {}
        for result in results:
            _add(totals, result["metrics"])
        return {
            "results": results,
            "metadata": {
                "total_spend": totals.get("spend", 0.0),
                "total_prompt_tokens": totals.get("prompt_tokens", 0),
                "total_completion_tokens": totals.get("completion_tokens", 0),
                "total_tokens": totals.get("total_tokens", 0),
                "total_api_requests": totals.get("api_requests", 0),
                "total_successful_requests": totals.get("successful_requests", 0),
                "total_failed_requests": totals.get("failed_requests", 0),
                "page": page,
                "total_pages": total_pages,
                "has_more": has_more,
            },
        }


def _empty_breakdown() -> dict[str, Any]:
    return {
        "models": {},
        "model_groups": {},
        "providers": {},
        "api_keys": {},
        "entities": {},
        "mcp_servers": {},
    }
