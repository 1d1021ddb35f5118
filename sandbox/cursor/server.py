"""The Cursor Admin API (api.cursor.com) as the sandbox serves it.

- `POST /teams/daily-usage-data` `{startDate, endDate}` (epoch milliseconds, at most 30 days apart,
  else 400) -> `{"data": [...], "period": ...}`: one row per active member and day, keyed by
  `email` and `date` (the day's UTC midnight in epoch ms): lines, tabs, requests by kind, no
  tokens.
- `POST /teams/filtered-usage-events` `{startDate, endDate, email?, page, pageSize}` -> one event
  per request, newest first, paged (`pagination.hasNextPage`): tokens and cost in cents
  (`tokenUsage.totalCents`, `chargedCents`, fractional). Events before `LEGACY_BEFORE` keep the
  older payload: no cents, `usageBasedCosts` as a dollar string such as "$0.04".
- HTTP Basic: the API key as the user name, an empty password; 20 requests a minute (429 beyond).
The usage is `sandbox.ai_usage`'s world for tool `cursor`, so the events of a member, day and
model add up exactly to the world's requests, tokens and cost.
"""

from __future__ import annotations

import base64
import binascii
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sandbox.ai_usage import Usage, UsageWorld
from sandbox.cursor.spec import api_key
from sandbox.http_api import ApiError, HttpApi, Request, Route, page_slice

TOOL = "cursor"
DAY_MS = 86_400_000
MAX_RANGE_DAYS = 30
PAGE_SIZE_DEFAULT = 10
PAGE_SIZE_MAX = 1000
LEGACY_BEFORE = date(2026, 10, 10)  # events before it carry the old "$0.00" payload
_EPOCH = date(1970, 1, 1)


def epoch_ms(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp() * 1000)


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` as `parts` non-negative integers adding up to it exactly, in random order."""
    base, extra = divmod(total, parts)
    values = [base + (1 if i < extra else 0) for i in range(parts)]
    rng.shuffle(values)
    return values


class CursorApi(HttpApi):
    name = "cursor"
    ROUTES = (
        Route("POST", "/teams/daily-usage-data", "daily-usage-data", "daily_usage"),
        Route("POST", "/teams/filtered-usage-events", "filtered-usage-events", "usage_events"),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.world = UsageWorld(self.seed, self.scale)
        self.key = api_key(self.seed)
        self._events: dict[tuple[date, date], list[dict[str, Any]]] = {}

    # ----- auth and errors ------------------------------------------------------------------------

    def authenticate(self, request: Request) -> str | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return "admin-key" if user == self.key and password == "" else None

    def unauthorized(self, request: Request) -> ApiError:
        return ApiError(401, "Unauthorized: use HTTP Basic auth with the API key as the username")

    def error_body(self, status: int, message: str, request: Request | None = None) -> Any:
        return {"error": message}

    # ----- endpoints --------------------------------------------------------------------------------

    def daily_usage(self, request: Request) -> dict[str, Any]:
        body, days = self._range(request)
        data = []
        for day in days:
            by_email: dict[str, list[Usage]] = {}
            for usage in self.world.reported(TOOL, day, self.today):
                by_email.setdefault(usage.identity, []).append(usage)
            data += [_daily_row(day, email, usages) for email, usages in sorted(by_email.items())]
        return {"data": data, "period": {"startDate": body["startDate"], "endDate": body["endDate"]}}

    def usage_events(self, request: Request) -> dict[str, Any]:
        body, days = self._range(request)
        page = _int(body.get("page", 1), "page", 1, None)
        size = _int(body.get("pageSize", PAGE_SIZE_DEFAULT), "pageSize", 1, PAGE_SIZE_MAX)
        email = body.get("email")
        events = [
            e
            for day in sorted(days, reverse=True)
            for e in self._day_events(day)
            if body["startDate"] <= int(e["timestamp"]) <= body["endDate"]
            and (email is None or e["userEmail"] == email)
        ]
        chunk, pages, more = page_slice(events, page, size)
        return {
            "totalUsageEventsCount": len(events),
            "pagination": {
                "numPages": pages,
                "currentPage": page,
                "pageSize": size,
                "hasNextPage": more,
                "hasPreviousPage": page > 1,
            },
            "usageEvents": chunk,
            "period": {"startDate": body["startDate"], "endDate": body["endDate"]},
        }

    # ----- helpers ----------------------------------------------------------------------------------

    def _range(self, request: Request) -> tuple[dict[str, Any], list[date]]:
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        start = _int(body.get("startDate"), "startDate", 0, None)
        end = _int(body.get("endDate"), "endDate", 0, None)
        if end < start:
            raise ApiError(400, "endDate must not be before startDate")
        if end - start > MAX_RANGE_DAYS * DAY_MS:
            raise ApiError(400, f"Date range cannot exceed {MAX_RANGE_DAYS} days")
        first, last = -(-start // DAY_MS), end // DAY_MS  # days whose UTC midnight is in the range
        return body, [_EPOCH + timedelta(days=i) for i in range(first, last + 1)]

    def _day_events(self, day: date) -> list[dict[str, Any]]:
        """The day's events as answered today, newest first (built once per day and today)."""
        key = (day, self.today)
        with self._lock:
            if key not in self._events:
                self._events[key] = self._build_events(day)
            return self._events[key]

    def _build_events(self, day: date) -> list[dict[str, Any]]:
        legacy = day < LEGACY_BEFORE
        events = []
        for usage in self.world.reported(TOOL, day, self.today):
            rng = random.Random(f"{self.seed}|cursor-events|{day}|{usage.identity}|{usage.model}")
            n = usage.requests
            inputs, outputs = _split(usage.input_tokens, n, rng), _split(usage.output_tokens, n, rng)
            # Cost in whole cents for the legacy dollar strings, else in 1/10,000 of a cent.
            costs = _split(round(usage.cost_usd * (100 if legacy else 1_000_000)), n, rng)
            stamps = sorted(rng.randrange(DAY_MS) for _ in range(n))
            for i in range(n):
                tokens: dict[str, Any] = {
                    "inputTokens": inputs[i],
                    "outputTokens": outputs[i],
                    "cacheWriteTokens": 0,
                    "cacheReadTokens": 0,
                }
                event: dict[str, Any] = {
                    "timestamp": str(epoch_ms(day) + stamps[i]),
                    "userEmail": usage.identity,
                    "model": usage.model,
                    "kind": "Usage-based" if costs[i] else "Included in Business",
                    "maxMode": False,
                    "requestsCosts": 1,
                    "isTokenBasedCall": True,
                    "isChargeable": bool(costs[i]),
                    "isHeadless": False,
                    "tokenUsage": tokens,
                }
                if legacy:
                    event["usageBasedCosts"] = f"${costs[i] / 100:.2f}"
                else:
                    tokens["totalCents"] = costs[i] / 10_000
                    event["chargedCents"] = costs[i] / 10_000
                events.append(event)
        events.sort(key=lambda e: (-int(e["timestamp"]), e["userEmail"], e["model"]))
        return events

    def extra_state(self) -> dict[str, Any]:
        return {"legacy_before": LEGACY_BEFORE.isoformat()}


def _int(value: Any, name: str, low: int, high: int | None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high and value > high):
        limit = f"between {low} and {high}" if high else f"an integer of at least {low}"
        raise ApiError(400, f"{name} must be {limit}, got {value!r}")
    return value


def _daily_row(day: date, email: str, usages: list[Usage]) -> dict[str, Any]:
    def total(name: str) -> int:
        return sum(int(u.counts.get(name, 0)) for u in usages)

    requests = sum(u.requests for u in usages)
    chat, agent = total("chat_requests"), total("agent_requests")
    return {
        "date": epoch_ms(day),
        "email": email,
        "isActive": True,
        "totalLinesAdded": total("lines_suggested"),
        "totalLinesDeleted": total("lines_suggested") // 4,
        "acceptedLinesAdded": total("lines_accepted"),
        "acceptedLinesDeleted": total("lines_accepted") // 4,
        "totalApplies": requests,
        "totalAccepts": total("acceptances"),
        "totalRejects": total("suggestions") - total("acceptances"),
        "totalTabsShown": total("suggestions"),
        "totalTabsAccepted": total("acceptances"),
        "composerRequests": max(0, requests - chat - agent),
        "chatRequests": chat,
        "agentRequests": agent,
        "cmdkUsages": 0,
        "subscriptionIncludedReqs": requests,
        "apiKeyReqs": 0,
        "usageBasedReqs": 0,
        "bugbotUsages": 0,
        "mostUsedModel": max(usages, key=lambda u: u.requests).model,
        "applyMostUsedExtension": "py",
        "tabMostUsedExtension": "ts",
        "clientVersion": "1.7.28",
    }
