"""The simulated incident.io API v2: bearer keys, cursor pages, date filters, scopes, rate limits, faults.

`IncidentsSimulator.handle()` answers one request below the `/incidents` mount (so a loader's
base URL is `http://127.0.0.1:PORT/incidents` here and `https://api.incident.io` in production);
sandbox/server.py puts it on a socket. What a loader must get right is here as the real API does
it: `page_size` at most 250 (422 above), `after` cursors with no `after` on the last page, date
filters that take dates only and compare on the date, test and tutorial incidents left out unless
`mode[one_of]` asks for them, private incidents silently missing for a key without the scope,
and 429 with Retry-After past 1,200 requests a minute per key.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl

from sandbox.framework import (
    NOT_SHARED,
    AdminError,
    FaultQueue,
    FaultRule,
    RateWindow,
    RequestLog,
    SimResponse,
    admin_int,
    json_response,
    shared_admin,
    simulated_date,
)
from sandbox.incidents.generator import CATEGORIES, DEFAULT_MODES, MODES, IncidentWorld, Record
from sandbox.incidents.workspaces import WorkspaceSpec

MAX_PAGE_SIZE = 250
DEFAULT_PAGE_SIZE = 25
FAULT_KINDS = ("http500", "http502", "http503", "http429", "timeout", "drop", "truncated")
ENDPOINTS = ("incidents", "incident_updates")
REQUEST_LOG_SIZE = 10_000
_DATE_FIELDS = ("created_at", "updated_at")
_FILTER = re.compile(r"^(?P<field>[a-z_]+)\[(?P<operator>[a-z_]+)\]$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RATE_LIMIT_MESSAGE = (
    "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests."
)


class ApiError(Exception):
    """An error the API answers with its JSON error envelope."""

    def __init__(self, status: int, kind: str, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.code, self.field = status, kind, code, field

    def response(self) -> SimResponse:
        error: dict[str, Any] = {"code": self.code, "message": str(self)}
        if self.field:
            error["source"] = {"field": self.field}
        return json_response(
            {"type": self.kind, "status": self.status, "request_id": str(uuid.uuid4()), "errors": [error]},
            self.status,
        )


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", "invalid_value", message, field)


# --------------------------------------------------------------------------------------------
# Rate limit and faults
# --------------------------------------------------------------------------------------------


def _html_error(status: int, reason: str) -> SimResponse:
    # What the load balancer in front of the API sends: HTML, not the API's JSON.
    body = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    )
    return SimResponse(status, body.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _too_many(workspace: WorkspaceSpec, limit: int, wait: float) -> SimResponse:
    retry_after = max(1, math.ceil(wait))
    payload = {
        "type": "too_many_requests",
        "status": 429,
        "request_id": str(uuid.uuid4()),
        "rate_limit": {
            "name": f"sandbox-{workspace.name}",
            "limit": limit,
            "remaining": 0,
            "retry_after": formatdate(time.time() + retry_after, usegmt=True),
        },
        "errors": [{"code": "too_many_requests", "message": _RATE_LIMIT_MESSAGE}],
    }
    return json_response(payload, 429, {"Retry-After": str(retry_after)})


# --------------------------------------------------------------------------------------------
# Query parameters
# --------------------------------------------------------------------------------------------


def _multi(query: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(name, []).append(value)
    return params


def _values(raw: list[str]) -> list[str]:
    """Repeated parameters (`a[one_of]=x&a[one_of]=y`) or a comma-separated list."""
    return [part.strip() for value in raw for part in value.split(",") if part.strip()]


def _page_size(params: dict[str, list[str]]) -> int:
    raw = params.get("page_size", [str(DEFAULT_PAGE_SIZE)])[-1]
    try:
        size = int(raw)
    except ValueError:
        raise _invalid("page_size", f"page_size must be an integer, got {raw!r}") from None
    if size < 1:
        raise _invalid("page_size", "page_size must be greater than or equal to 1")
    if size > MAX_PAGE_SIZE:
        raise _invalid("page_size", f"page_size must be less than or equal to {MAX_PAGE_SIZE}")
    return size


def _date(value: str, field: str) -> date:
    if not _DATE.match(value):
        raise _invalid(field, f"{field} takes a date (YYYY-MM-DD), got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(field, f"{field} takes a date (YYYY-MM-DD), got {value!r}") from None


Predicate = Callable[[Record], bool]


def _incident_filters(params: dict[str, list[str]]) -> list[Predicate]:
    """Predicates for the filters the list takes; a malformed one is a 422 like the real API's."""
    predicates: list[Predicate] = []
    modes: set[str] = set(DEFAULT_MODES)
    for name, raw in params.items():
        match = _FILTER.match(name)
        if not match:
            continue  # page_size, after and unknown parameters
        field, operator = match["field"], match["operator"]
        if field in _DATE_FIELDS:
            predicates.append(_date_filter(name, field, operator, raw))
        elif field == "status_category":
            wanted = set(_values(raw))
            unknown = sorted(wanted - set(CATEGORIES))
            if unknown:
                raise _invalid(
                    name, f"unknown status category {unknown[0]!r}; use one of {', '.join(CATEGORIES)}"
                )
            if operator == "one_of":
                predicates.append(lambda r, w=frozenset(wanted): r["incident_status"]["category"] in w)
            elif operator == "not_in":
                predicates.append(lambda r, w=frozenset(wanted): r["incident_status"]["category"] not in w)
            else:
                raise _invalid(name, "status_category takes the operators one_of and not_in")
        elif field == "mode":
            if operator != "one_of":
                raise _invalid(name, "mode takes the operator one_of")
            modes = set(_values(raw))
            unknown = sorted(modes - set(MODES))
            if unknown:
                raise _invalid(name, f"unknown mode {unknown[0]!r}; use one of {', '.join(MODES)}")
    predicates.append(lambda r, m=frozenset(modes): r["mode"] in m)
    return predicates


def _date_filter(name: str, field: str, operator: str, raw: list[str]) -> Predicate:
    # Date granularity: `updated_at[gte]=2026-11-02` matches 2026-11-02T23:59:59Z, so an
    # incremental read must overlap by a day and merge on id.
    value = raw[-1]
    if operator == "gte":
        bound = _date(value, name).isoformat()
        return lambda r: r[field][:10] >= bound
    if operator == "lte":
        bound = _date(value, name).isoformat()
        return lambda r: r[field][:10] <= bound
    if operator == "date_range":
        start, sep, end = value.partition("~")
        if not sep:
            raise _invalid(name, f"{name} takes two dates joined by ~ (2026-01-01~2026-01-31), got {value!r}")
        low, high = _date(start, name).isoformat(), _date(end, name).isoformat()
        return lambda r: low <= r[field][:10] <= high
    raise _invalid(name, f"{field} takes the operators gte, lte and date_range")


def _page(items: list[Record], after: str | None, size: int, *, total: bool) -> tuple[list[Record], dict]:
    ids = [item["id"] for item in items]
    start = bisect.bisect_right(ids, after) if after else 0
    page = items[start : start + size]
    meta: dict[str, Any] = {}
    if page and start + size < len(items):
        meta["after"] = page[-1]["id"]
    meta["page_size"] = size
    if total:
        meta["total_record_count"] = len(items)
    return page, meta


# --------------------------------------------------------------------------------------------
# The simulator
# --------------------------------------------------------------------------------------------


class IncidentsSimulator:
    """Every workspace's incidents and API state (rate limits, faults, request log), thread-safe."""

    prefix = "/incidents"

    def __init__(
        self,
        workspaces: list[WorkspaceSpec],
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        fault_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not workspaces:
            raise ValueError("the simulator needs at least one workspace")
        self.seed = seed
        self.scale = scale
        self.fault_timeout = fault_timeout
        self.workspaces: dict[str, WorkspaceSpec] = {w.name: w for w in workspaces}
        self.worlds = {w.name: IncidentWorld(w, seed=seed, scale=scale, day=day) for w in workspaces}
        self._by_key = {w.api_key: w for w in workspaces}
        self._limits = {w.name: RateWindow(w.requests_per_minute) for w in workspaces}
        self._faults = FaultQueue(FAULT_KINDS, ("workspace", "endpoint"))
        self._log = RequestLog(REQUEST_LOG_SIZE)
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._clock = clock

    @property
    def day(self) -> int:
        return next(iter(self.worlds.values())).day

    @property
    def keys(self) -> dict[str, str]:
        """{workspace: API key}"""
        return {name: w.api_key for name, w in self.workspaces.items()}

    # ----- admin operations -----------------------------------------------------------------

    def tick(self, days: int = 1) -> dict[str, Any]:
        """Advance every workspace `days` days: new incidents, status changes, edits, updates."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        with self._lock:
            detail = {name: world.advance(days) for name, world in self.worlds.items()}
            return {
                "day": self.day,
                "date": simulated_date(self.day).isoformat(),
                "days": days,
                # What an incremental load finds: incidents created or changed, per workspace.
                "changes": {name: c["new"] + c["updated"] for name, c in detail.items()},
                "detail": detail,
            }

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "seed": self.seed,
                "scale": self.scale,
                "day": self.day,
                "date": simulated_date(self.day).isoformat(),
                "workspaces": [
                    {
                        "name": w.name,
                        "path": self.prefix,
                        "private_scope": w.private_scope,
                        "requests_per_minute": self._limits[w.name].per_minute,
                        "timestamp_names": [
                            shown["name"] for _, shown in self.worlds[w.name].catalog.timestamps
                        ],
                    }
                    for w in self.workspaces.values()
                ],
                "counts": {name: world.counts() for name, world in self.worlds.items()},
            }

    def request_log(self, workspace: str | None = None, endpoint: str | None = None) -> list[dict[str, Any]]:
        return self._log.entries(workspace=workspace, endpoint=endpoint)

    def clear_requests(self) -> None:
        self._log.clear()

    def add_fault(
        self, kind: str, count: int = 1, workspace: str | None = None, endpoint: str | None = None
    ) -> FaultRule:
        if workspace is not None and workspace not in self.workspaces:
            raise ValueError(f"unknown workspace {workspace!r}; workspaces: {', '.join(self.workspaces)}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; endpoints: {', '.join(ENDPOINTS)}")
        return self._faults.add(kind, count, workspace=workspace, endpoint=endpoint)

    def faults(self) -> list[dict[str, Any]]:
        return self._faults.pending()

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_rate_limit(self, requests_per_minute: int, workspace: str | None = None) -> None:
        """Change a key's (or every key's) requests per minute at run time; the window restarts."""
        if requests_per_minute < 1:
            raise ValueError(f"requests_per_minute must be at least 1, got {requests_per_minute}")
        if workspace is not None and workspace not in self.workspaces:
            raise ValueError(f"unknown workspace {workspace!r}; workspaces: {', '.join(self.workspaces)}")
        with self._lock:
            for name in self._limits:
                if workspace in (None, name):
                    self._limits[name] = RateWindow(requests_per_minute)

    def close(self) -> None:
        self._closing.set()

    def scope_url(self, mount_url: str, workspace: str) -> str:
        """Every workspace has the same base URL; its API key tells them apart."""
        return mount_url

    def admin(self, method: str, route: str, args: Mapping[str, str], body: Mapping[str, Any]) -> Any:
        """The admin API below `/_sandbox/incidents/`."""
        shared = shared_admin(self, method, route, args, body)
        if shared is not NOT_SHARED:
            return shared
        if (method, route) == ("POST", "rate_limit"):
            per_minute = admin_int(body.get("requests_per_minute"), "requests_per_minute")
            self.set_rate_limit(per_minute, body.get("workspace"))
            return {"workspaces": self.state()["workspaces"]}
        if (method, route) == ("GET", "keys"):
            return self.keys
        raise AdminError(f"no admin route {method} /_sandbox{self.prefix}/{route}")

    # ----- the API ----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        """Answer `{method} /incidents{path}`: /v1/identity, /v2/incidents, /v2/incidents/{id},
        /v2/incident_updates."""
        parts = path.strip("/").split("/")
        if parts == ["v1", "identity"]:
            return self._identity(self._workspace(headers))
        if len(parts) < 2 or parts[0] != "v2" or parts[1] not in ENDPOINTS or len(parts) > 3:
            return ApiError(404, "not_found", "not_found", f"no route for {path}").response()
        endpoint = parts[1]
        incident_id = parts[2] if len(parts) == 3 else None
        if incident_id is not None and endpoint != "incidents":
            return ApiError(404, "not_found", "not_found", f"no route for {path}").response()
        if method != "GET":
            return ApiError(
                405, "method_not_allowed", "method_not_allowed", f"{method} is not allowed"
            ).response()
        params = _multi(query)
        workspace = self._workspace(headers)
        name = workspace.name if workspace else None

        fault = self._faults.take(workspace=name, endpoint=endpoint)
        if fault in ("http500", "http502", "http503", "http429"):
            self._record(name, endpoint, path, params, int(fault[4:]), f"fault: {fault}")
            if fault == "http500":
                return ApiError(
                    500, "internal_server_error", "internal_server_error", "Something went wrong"
                ).response()
            if fault == "http429" and workspace is not None:
                return _too_many(workspace, self._limits[workspace.name].per_minute, 1)
            return _html_error(
                int(fault[4:]),
                {429: "Too Many Requests", 502: "Bad Gateway"}.get(int(fault[4:]), "Service Unavailable"),
            )
        if fault == "drop":
            self._record(name, endpoint, path, params, None, "fault: drop")
            return SimResponse(0, drop=True)
        if fault == "timeout":
            self._record(name, endpoint, path, params, None, "fault: timeout")
            self._closing.wait(self.fault_timeout)

        response = self._answer(workspace, endpoint, incident_id, path, params, log=fault != "timeout")
        if fault == "truncated":
            # A proxy cut the body: headers and length agree, the JSON does not parse.
            response.body = response.body[: len(response.body) // 2]
        return response

    @staticmethod
    def _identity(workspace: WorkspaceSpec | None) -> SimResponse:
        # GET /v1/identity: which key this is and its roles. A key created without "view all
        # incident data, including private incidents" lacks `private_workspace_access`.
        if workspace is None:
            return ApiError(
                401,
                "authentication_error",
                "invalid_authorization_material",
                "No valid API key provided: send Authorization: Bearer <api key>",
            ).response()
        roles = ["viewer", "incident_creator", "incident_editor", "catalog_viewer", "schedules_reader"]
        if workspace.private_scope:
            roles.append("private_workspace_access")
        return json_response(
            {
                "identity": {
                    "name": f"sandbox warehouse key ({workspace.name})",
                    "roles": roles,
                    "dashboard_url": f"https://app.incident.io/{workspace.org_slug}",
                }
            }
        )

    def _workspace(self, headers: Mapping[str, str]) -> WorkspaceSpec | None:
        by_lower_name = {name.lower(): value for name, value in headers.items()}
        scheme, _, key = by_lower_name.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self._by_key.get(key.strip())

    def _answer(
        self,
        workspace: WorkspaceSpec | None,
        endpoint: str,
        incident_id: str | None,
        path: str,
        params: dict[str, list[str]],
        *,
        log: bool,
    ) -> SimResponse:
        name = workspace.name if workspace else None
        try:
            if workspace is None:
                raise ApiError(
                    401,
                    "authentication_error",
                    "invalid_authorization_material",
                    "No valid API key provided: send Authorization: Bearer <api key>",
                )
            with self._lock:
                wait = self._limits[workspace.name].consume(self._clock())
                limit = self._limits[workspace.name].per_minute
            if wait is not None:
                if log:
                    self._record(name, endpoint, path, params, 429, "rate limited")
                return _too_many(workspace, limit, wait)
            payload, returned = self._read(workspace, endpoint, incident_id, params)
        except ApiError as error:
            if log:
                self._record(name, endpoint, path, params, error.status, str(error))
            return error.response()
        if log:
            self._record(name, endpoint, path, params, 200, None, returned)
        return json_response(payload)

    def _read(
        self, workspace: WorkspaceSpec, endpoint: str, incident_id: str | None, params: dict[str, list[str]]
    ) -> tuple[dict[str, Any], int]:
        world = self.worlds[workspace.name]
        with self._lock:
            records, updates, by_incident = world.records, world.updates, world.updates_by_incident
        visible = self._visible(workspace, records)
        if incident_id is not None:
            found = [r for r in visible if r["id"] == incident_id]
            if not found:
                raise ApiError(404, "not_found", "not_found", f"incident {incident_id} not found")
            return {"incident": found[0]}, 1
        size = _page_size(params)
        after = params.get("after", [None])[-1] or None
        if endpoint == "incidents":
            predicates = _incident_filters(params)
            matching = [r for r in visible if all(p(r) for p in predicates)]
            page, meta = _page(matching, after, size, total=True)
            return {"incidents": page, "pagination_meta": meta}, len(page)
        # Updates of incidents this key cannot see are as missing as the incidents themselves.
        allowed = {r["id"] for r in visible} if not workspace.private_scope else None
        wanted = params.get("incident_id", [None])[-1] or None
        items = by_incident.get(wanted, []) if wanted else updates
        items = [u for u in items if allowed is None or u["incident_id"] in allowed]
        page, meta = _page(items, after, size, total=False)
        return {"incident_updates": page, "pagination_meta": meta}, len(page)

    @staticmethod
    def _visible(workspace: WorkspaceSpec, records: Iterable[Record]) -> list[Record]:
        # Without "view all incident data, including private incidents" they are simply absent.
        if workspace.private_scope:
            return list(records)
        return [r for r in records if r["visibility"] != "private"]

    # ----- faults and request log ---------------------------------------------------------------

    def _record(
        self,
        workspace: str | None,
        endpoint: str,
        path: str,
        params: dict[str, list[str]],
        http_status: int | None,
        error: str | None,
        returned: int | None = None,
    ) -> None:
        self._log.record(
            workspace=workspace,  # None: no valid key
            endpoint=endpoint,
            path=path,
            query={k: v[0] if len(v) == 1 else v for k, v in params.items()},
            status="error" if error else "ok",
            error=error,
            http_status=http_status,
            returned=returned,
        )
