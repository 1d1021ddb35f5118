"""The Augment Code Analytics API (api.augmentcode.com/analytics/v0) as the sandbox serves it.

- `GET /daily-usage?start_date&end_date`: the organisation's metrics per day (no paging).
- `GET /user-activity?start_date&end_date&cursor&page_size`: per user, metrics SUMMED over the
  whole range (`active_days` of it): a daily grain needs one-day ranges.
- `GET /daily-user-activity-by-editor-language?date&cursor&page_size`: one day, per user, editor
  and language.
- Dates are UTC `YYYY-MM-DD`, at most 90 days a range, up to yesterday (later: 400); yesterday's
  data is ready from about 02:00 UTC (option `hour`: before it, yesterday answers no rows).
- Bearer token; cursor pages (`page_size` default 50, at most 100; `pagination.next_cursor`,
  `has_more`); 10 requests a minute with a burst of 20 (429 beyond). Messages, tool calls,
  completions and lines: no tokens, no model, no cost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sandbox.ai_usage import Usage, UsageWorld
from sandbox.augment.spec import api_token
from sandbox.framework import NOT_SHARED, AdminError, admin_int
from sandbox.http_api import ApiError, HttpApi, Request, Route, decode_cursor, encode_cursor, int_param

TOOL = "augment"
MAX_RANGE_DAYS = 90
MAX_LOOKBACK_DAYS = 730
PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 50, 100
LANGUAGES = ("Python", "TypeScript")
_CODES = {
    400: "InvalidArgument",
    401: "Unauthenticated",
    404: "NotFound",
    410: "NotFound",
    429: "ResourceExhausted",
}


class AugmentApi(HttpApi):
    name = "augment"
    ROUTES = (
        Route("GET", "/analytics/v0/daily-usage", "daily-usage", "daily_usage"),
        Route("GET", "/analytics/v0/user-activity", "user-activity", "user_activity"),
        Route(
            "GET",
            "/analytics/v0/daily-user-activity-by-editor-language",
            "daily-user-activity-by-editor-language",
            "by_editor_language",
        ),
    )

    def __init__(self, *, hour: int = 12, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hour = hour
        self.world = UsageWorld(self.seed, self.scale)
        self.token = api_token(self.seed)

    def authenticate(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return "service-account" if scheme.lower() == "bearer" and token.strip() == self.token else None

    def unauthorized(self, request: Request) -> ApiError:
        return ApiError(401, "missing or invalid authentication token")

    def error_body(self, status: int, message: str, request: Request | None = None) -> Any:
        return {"error": {"code": _CODES.get(status, "Internal"), "message": message}}

    # ----- endpoints --------------------------------------------------------------------------------

    def daily_usage(self, request: Request) -> dict[str, Any]:
        start, end = self._range(request)
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        usage = [{"date": d.isoformat(), "metrics": _metrics(u)} for d in days if (u := self._usages(d))]
        return {"daily_usage": usage, "metadata": {**self._meta(start, end), "total_days": len(usage)}}

    def user_activity(self, request: Request) -> dict[str, Any]:
        start, end = self._range(request)
        by_user: dict[str, list[Usage]] = {}
        for i in range((end - start).days + 1):
            for usage in self._usages(start + timedelta(days=i)):
                by_user.setdefault(usage.identity, []).append(usage)
        users = [
            {"user_email": email, "active_days": len({u.day for u in rows}), "metrics": _metrics(rows)}
            for email, rows in sorted(by_user.items())
        ]
        page, pagination = self._page(request, users, f"{start}:{end}")
        meta = {
            **self._meta(start, end),
            "total_days": (end - start).days + 1,
            "returned_user_count": len(page),
        }
        return {"users": page, "pagination": pagination, "metadata": meta}

    def by_editor_language(self, request: Request) -> dict[str, Any]:
        day = (
            _date(request.param("date"), "date") if request.param("date") else self.today - timedelta(days=1)
        )
        self._check(day, day)
        records = []
        for usage in sorted(self._usages(day), key=lambda u: u.identity):
            editor = (
                "VSCode" if int(hashlib.sha256(usage.identity.encode()).hexdigest(), 16) % 3 else "JetBrains"
            )
            metrics = _metrics([usage])
            halves = ({k: v // 2 for k, v in metrics.items()}, {k: v - v // 2 for k, v in metrics.items()})
            for language, part in zip(LANGUAGES, halves, strict=True):
                records.append(
                    {"user_email": usage.identity, "language": language, "editor": editor, "metrics": part}
                )
        page, pagination = self._page(request, records, str(day))
        meta = {
            "effective_date": day.isoformat(),
            "generated_at": self._generated(),
            "returned_record_count": len(page),
        }
        return {"records": page, "pagination": pagination, "metadata": meta}

    # ----- helpers ----------------------------------------------------------------------------------

    def _usages(self, day: date) -> list[Usage]:
        return self.world.reported(TOOL, day, self.today, self.hour)

    def _range(self, request: Request) -> tuple[date, date]:
        start = _date(request.param("start_date"), "start_date") if request.param("start_date") else None
        end = _date(request.param("end_date"), "end_date") if request.param("end_date") else None
        yesterday = self.today - timedelta(days=1)
        if start is None and end is None:
            start, end = yesterday - timedelta(days=6), yesterday
        elif end is None:
            end = min(start + timedelta(days=6), yesterday)  # type: ignore[operator]
        elif start is None:
            start = end - timedelta(days=6)
        self._check(start, end)  # type: ignore[arg-type]
        return start, end  # type: ignore[return-value]

    def _check(self, start: date, end: date) -> None:
        if end >= self.today:
            raise ApiError(400, "end_date cannot be later than yesterday (UTC)")
        if start > end:
            raise ApiError(400, "start_date cannot be after end_date")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise ApiError(400, f"date range cannot exceed {MAX_RANGE_DAYS} days")
        if start < self.today - timedelta(days=MAX_LOOKBACK_DAYS):
            raise ApiError(400, "start_date is beyond the maximum historical lookback of 2 years")

    def _page(self, request: Request, items: list[Any], salt: str) -> tuple[list[Any], dict[str, Any]]:
        try:
            size = int_param(request, "page_size", PAGE_SIZE_DEFAULT, low=1, high=PAGE_SIZE_MAX)
        except ApiError as error:
            raise ApiError(400, str(error)) from None  # Augment answers 400 for any bad argument
        cursor = request.param("cursor")
        offset = decode_cursor(cursor, salt) if cursor else 0
        page = items[offset : offset + size]
        more = offset + size < len(items)
        return page, {"next_cursor": encode_cursor(offset + size, salt) if more else "", "has_more": more}

    def _meta(self, start: date, end: date) -> dict[str, Any]:
        return {
            "effective_start_date": start.isoformat(),
            "effective_end_date": end.isoformat(),
            "generated_at": self._generated(),
        }

    def _generated(self) -> str:
        return f"{self.today.isoformat()}T{self.hour:02d}:30:00Z"

    def extra_state(self) -> dict[str, Any]:
        return {"hour": self.hour}

    def extra_admin(self, method: str, route: str, args: Mapping[str, str], body: Mapping[str, Any]) -> Any:
        if (method, route) == ("POST", "hour"):
            hour = admin_int(body.get("hour"), "hour")
            if not 0 <= hour <= 23:
                raise AdminError(f"hour must be 0..23, got {hour}")
            with self._lock:
                self.hour = hour
            return {"hour": hour}
        return NOT_SHARED


def _date(value: str | None, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ApiError(400, f"{name} must be a date in YYYY-MM-DD format, got {value!r}") from None


def _metrics(usages: list[Usage]) -> dict[str, int]:
    def total(name: str) -> int:
        return sum(int(u.counts.get(name, 0)) for u in usages)

    messages = sum(u.requests for u in usages)
    chat, agent = total("chat_requests"), total("agent_requests")
    remote = max(0, messages - chat - agent)
    return {
        "total_modified_lines_of_code": total("lines_accepted") + 3 * agent + 2 * remote,
        "total_messages": messages,
        "total_tool_calls": total("tool_calls"),
        "completions_count": total("suggestions"),
        "completions_accepted": total("acceptances"),
        "completions_lines_of_code": total("lines_accepted"),
        "completions_suggested_lines_of_code": total("lines_suggested"),
        "chat_messages": chat,
        "remote_agent_messages": remote,
        "remote_agent_lines_of_code": 2 * remote,
        "ide_agent_messages": agent,
        "ide_agent_lines_of_code": 3 * agent,
        "cli_agent_interactive_messages": 0,
        "cli_agent_interactive_lines_of_code": 0,
        "cli_agent_non_interactive_messages": 0,
        "cli_agent_non_interactive_lines_of_code": 0,
    }
