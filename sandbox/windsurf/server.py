"""The Windsurf (Codeium) Analytics API (server.codeium.com/api/v1) as the sandbox serves it.

- `POST /api/v1/CascadeAnalytics`: `query_requests` of `cascade_runs` (one row per day, model,
  mode and conversation: `messagesSent`, `promptsUsed` = credits in cents), `cascade_lines` and
  `cascade_tool_usage`. Rows carry no email: a per-user figure needs `emails: [one]`.
- `POST /api/v1/UserPageAnalytics`: the team page, NOT daily: `activeDays` counts the active days
  of the whole requested range, `promptCreditsUsed` covers the billing cycle (the calendar month).
- The service key travels in the JSON body (`service_key`), with `start_timestamp` /
  `end_timestamp` (RFC 3339); `emails` and `group_name` together are a 400. Numbers are strings.
- Data refreshes every 3 hours: yesterday is provisional (`sandbox.ai_usage`, settle 1 day) and
  restated the day after. No tokens.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.ai_usage import Usage, UsageWorld
from sandbox.http_api import ApiError, HttpApi, Request, Route
from sandbox.windsurf.spec import service_key

TOOL = "windsurf"
MODES = (
    "CONVERSATIONAL_PLANNER_MODE_DEFAULT",
    "CONVERSATIONAL_PLANNER_MODE_READ_ONLY",
    "CONVERSATIONAL_PLANNER_MODE_NO_TOOL",
)
SOURCES = ("cascade_lines", "cascade_runs", "cascade_tool_usage")
TOOLS = ("CODE_ACTION", "VIEW_FILE", "RUN_COMMAND", "GREP_SEARCH")


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(value: Any, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} must be an RFC 3339 timestamp, got {value!r}") from None
    if parsed.tzinfo is None:
        raise ApiError(400, f"{name} must carry a UTC offset, got {value!r}")
    return parsed


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


class WindsurfApi(HttpApi):
    name = "windsurf"
    ROUTES = (
        Route("POST", "/api/v1/CascadeAnalytics", "CascadeAnalytics", "cascade"),
        Route("POST", "/api/v1/UserPageAnalytics", "UserPageAnalytics", "user_page"),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.world = UsageWorld(self.seed, self.scale)
        self.key = service_key(self.seed)
        people = [p for p in self.world.people if TOOL in p.tools]
        self.names = {p.email: p.name for p in people}
        self.groups = {p.email: ("platform" if int(p.key[1:]) % 2 else "product") for p in people}
        for stranger in self.world.strangers:
            if TOOL in stranger.tools:
                self.names[stranger.identity] = "External contractor"
        self.bodies: list[dict[str, Any]] = []  # the bodies answered, service_key left out

    def authenticate(self, request: Request) -> str | None:
        body = request.json()
        return "service-key" if isinstance(body, dict) and body.get("service_key") == self.key else None

    def unauthorized(self, request: Request) -> ApiError:
        return ApiError(401, "invalid service key: send service_key in the request body")

    def error_body(self, status: int, message: str, request: Request | None = None) -> Any:
        code = {400: "invalid_argument", 401: "unauthenticated", 404: "not_found", 410: "not_found"}
        return {"code": code.get(status, "unavailable" if status >= 500 else "unknown"), "message": message}

    # ----- endpoints --------------------------------------------------------------------------------

    def cascade(self, request: Request) -> dict[str, Any]:
        body, emails, days = self._query(request)
        queries = body.get("query_requests")
        if not isinstance(queries, list) or not queries:
            raise ApiError(400, "query_requests is required: a list of data source queries")
        usages = [
            u for day in days for u in self.world.reported(TOOL, day, self.today) if u.identity in emails
        ]
        results = []
        for query in queries:
            if not isinstance(query, dict) or len(query) != 1 or next(iter(query)) not in SOURCES:
                raise ApiError(400, f"each query request names one data source of {', '.join(SOURCES)}")
            source = next(iter(query))
            key = "".join(w.capitalize() if i else w for i, w in enumerate(source.split("_")))
            rows = {"cascade_runs": _runs, "cascade_lines": _lines, "cascade_tool_usage": _tool_usage}[source]
            results.append({key: {key: rows(usages, self.seed)}})
        return {"queryResults": results}

    def user_page(self, request: Request) -> dict[str, Any]:
        _, emails, days = self._query(request)
        cycle = [self.today.replace(day=1) + timedelta(days=i) for i in range(self.today.day)]
        stats = []
        for email in sorted(emails):
            active = sorted({d for d in days if any(u.identity == email for u in self._reported(d))})
            credits = sum(
                int(u.counts.get("credits_cents", 0))
                for d in cycle
                for u in self._reported(d)
                if u.identity == email
            )
            row: dict[str, Any] = {
                "name": self.names[email],
                "email": email,
                "apiKey": hashlib.sha256(f"{self.seed}:{email}".encode()).hexdigest(),
                "activeDays": len(active),
                "promptCreditsUsed": str(credits),
            }
            if active:
                last = rfc3339(datetime.combine(active[-1], datetime.min.time(), UTC) + timedelta(hours=17))
                row.update(lastUpdateTime=last, lastAutocompleteUsageTime=last, lastChatUsageTime=last)
            stats.append(row)
        return {"userTableStats": stats}

    # ----- helpers ----------------------------------------------------------------------------------

    def _reported(self, day: date) -> list[Usage]:
        return self.world.reported(TOOL, day, self.today)

    def _query(self, request: Request) -> tuple[dict[str, Any], set[str], list[date]]:
        body = request.json()
        with self._lock:
            self.bodies.append(
                {k: v for k, v in body.items() if k != "service_key"} | {"endpoint": request.endpoint}
            )
        if body.get("emails") and body.get("group_name"):
            raise ApiError(400, "emails and group_name cannot be used together")
        start = _moment(body.get("start_timestamp"), "start_timestamp")
        end = _moment(body.get("end_timestamp"), "end_timestamp")
        if end < start:
            raise ApiError(400, "end_timestamp must not be before start_timestamp")
        midnight = datetime.combine(start.astimezone(UTC).date(), datetime.min.time(), UTC)
        midnight += timedelta(days=1) if midnight < start else timedelta(0)
        days = []  # the days whose UTC midnight is in [start, end]
        while midnight <= end:
            days.append(midnight.date())
            midnight += timedelta(days=1)
        emails = set(self.names)
        if body.get("emails"):
            emails &= {str(e).lower() for e in body["emails"]}
        elif body.get("group_name"):
            emails = {e for e in emails if self.groups.get(e) == body["group_name"]}
        return body, emails, days


def _day(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _runs(usages: list[Usage], seed: int) -> list[dict[str, str]]:
    rows = []
    for usage in usages:
        rng = random.Random(f"{seed}|windsurf-runs|{usage.day}|{usage.identity}|{usage.model}")
        count = 1 + rng.randrange(min(3, usage.requests))
        messages = _split(usage.requests, count)
        credits = _split(int(usage.counts.get("credits_cents", 0)), count)
        for i in range(count):
            rows.append(
                {
                    "day": _day(usage.day),
                    "model": usage.model,
                    "mode": rng.choice(MODES),
                    "messagesSent": str(messages[i]),
                    "cascadeId": hashlib.sha256(
                        f"{seed}:{usage.identity}:{usage.day}:{usage.model}:{i}".encode()
                    ).hexdigest()[:32],
                    "promptsUsed": str(credits[i]),
                }
            )
    return sorted(rows, key=lambda r: (r["day"], r["model"], r["cascadeId"]))


def _lines(usages: list[Usage], seed: int) -> list[dict[str, str]]:
    by_day: dict[date, list[int]] = {}
    for usage in usages:
        totals = by_day.setdefault(usage.day, [0, 0])
        totals[0] += int(usage.counts.get("lines_suggested", 0))
        totals[1] += int(usage.counts.get("lines_accepted", 0))
    return [
        {"day": _day(day), "linesSuggested": str(s), "linesAccepted": str(a)}
        for day, (s, a) in sorted(by_day.items())
    ]


def _tool_usage(usages: list[Usage], seed: int) -> list[dict[str, str]]:
    calls = sum(int(u.counts.get("tool_calls", 0)) for u in usages)
    return [{"tool": tool, "count": str(n)} for tool, n in zip(TOOLS, _split(calls, len(TOOLS)), strict=True)]
