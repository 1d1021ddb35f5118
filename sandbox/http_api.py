"""A generic simulated HTTP API: routes, auth, a rate limit per credential, faults, retired endpoints.

A tool simulator subclasses `HttpApi` and declares only what is its own: `ROUTES` (method, path
with `{name}` placeholders or a regex, endpoint name, handler method), `authenticate()`, its error
body, limits and payloads. The base class implements the sandbox's `Simulator` protocol
(sandbox/framework.py): `handle`, `admin`, `tick`, `state`, `scope_url`, `close`, `day`.

What every API gets here:
- requests parsed once (`Request`: repeated query parameters kept, header names lowercased);
- a token bucket per credential (`per_minute`, `burst`): 429 with Retry-After, every refusal
  counted in `state()["refused"]` so a test can assert a loader was never refused;
- faults (`POST /_sandbox/<name>/faults {"kind": "http503", "endpoint": ...}`) and the request log
  (endpoint, path, query parameters without credentials, status);
- retired endpoints: the `retired` option (comma-separated endpoint names) and
  `POST /_sandbox/<name>/retire {"endpoint": ..., "status": 404|410}` (`.../restore` undoes it):
  the endpoint then answers that status with the vendor's error body, as a shut-down API does;
- page/page_size slicing, opaque cursors (`cursor_page`), RFC 3339 and repeated parameters;
- `HttpApiSpec`: a spec whose `build` passes its options (their defaults where not given) to the
  `HttpApi` subclass it names.
Nothing here names a source.
"""

from __future__ import annotations

import base64
import functools
import importlib
import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from sandbox.framework import (
    NOT_SHARED,
    AdminError,
    FaultQueue,
    FaultRule,
    MountedSpec,
    RequestLog,
    SimResponse,
    admin_int,
    json_response,
    shared_admin,
    simulated_date,
)

FAULT_KINDS = ("http429", "http500", "http503", "timeout", "drop")
REQUEST_LOG_SIZE = 10_000
# Query parameters never written to the request log (they can carry a credential).
SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "token", "access_token", "service_key", "sig"})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Request:
    """One API request below the simulator's mount."""

    method: str
    path: str
    params: dict[str, list[str]]  # every value of a repeated parameter, in order
    headers: dict[str, str]  # names lowercased
    body: bytes
    path_params: dict[str, str]
    endpoint: str = ""

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else default

    def json(self) -> Any:
        """The body as JSON; a 400 (ApiError) when it is not."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise ApiError(400, "the request body is not valid JSON") from None

    def base_url(self, mount: str) -> str:
        """The URL this simulator answers at, as the client reached it (for absolute links)."""
        return f"http://{self.headers.get('host', '127.0.0.1')}/{mount}"


class ApiError(Exception):
    """An error answered with the API's own error body (`HttpApi.error_body`), or `body` if given."""

    def __init__(
        self, status: int, message: str, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.body, self.headers = status, body, dict(headers or {})


@dataclass(frozen=True)
class Route:
    """`path` is below the mount: `/orgs/{org}/copilot/metrics` or a compiled regex."""

    method: str
    path: str | re.Pattern[str]
    endpoint: str  # the name faults, the request log and `retired` use
    handler: str  # the name of the subclass's method taking the Request

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        pattern = self.path if isinstance(self.path, re.Pattern) else _compile(self.path)
        found = pattern.fullmatch(path.rstrip("/") or "/")
        return found.groupdict() if found else None


@functools.lru_cache(maxsize=256)
def _compile(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", path)
    return re.compile(
        "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts))
    )


class TokenBucket:
    """A credential's rate limit: `burst` requests at once, refilled at `per_minute` a minute.

    A client that keeps to `per_minute` calls in any sliding 60-second window is never refused."""

    def __init__(self, per_minute: int, burst: int | None = None) -> None:
        self.per_minute = per_minute
        self.capacity = float(max(burst or per_minute, 1))
        self.tokens = self.capacity
        self.stamp: float | None = None

    def consume(self, now: float) -> float | None:
        """Take one token, or return the seconds until one is there (a refusal takes none)."""
        if self.stamp is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_minute / 60)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) * 60 / self.per_minute


def page_slice(items: Sequence[Any], page: int, page_size: int) -> tuple[list[Any], int, bool]:
    """Items of 1-based `page`: (items, total_pages, has_more)."""
    total_pages = max(1, math.ceil(len(items) / page_size))
    start = (page - 1) * page_size
    chunk = list(items[start : start + page_size])
    return chunk, total_pages, page < total_pages


def encode_cursor(offset: int, salt: str = "") -> str:
    """An opaque cursor for `offset` (a client must send it back as is)."""
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "s": salt}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, salt: str = "") -> int:
    """The offset of a cursor from `encode_cursor`; ApiError 400 for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data.get("s") != salt or not isinstance(data.get("o"), int) or data["o"] < 0:
            raise ValueError
        return int(data["o"])
    except (ValueError, TypeError, AttributeError):
        raise ApiError(400, f"invalid cursor {cursor[:40]!r}") from None


def cursor_page(
    request: Request, items: Sequence[Any], limit: int, param: str = "page"
) -> tuple[list[Any], str | None]:
    """The `limit` items from the offset in the cursor `param` (none: the first), and the cursor of
    the next page (None on the last). A cursor holds only for the query it came from."""
    salt = request.endpoint + "|" + str(sorted((k, v) for k, v in request.params.items() if k != param))
    cursor = request.param(param)
    offset = decode_cursor(cursor, salt) if cursor else 0
    more = offset + limit < len(items)
    return list(items[offset : offset + limit]), encode_cursor(offset + limit, salt) if more else None


def midnight(day: date) -> str:
    """`day` at 00:00 UTC as RFC 3339: `2026-10-01T00:00:00Z`."""
    return f"{day.isoformat()}T00:00:00Z"


def time_param(request: Request, name: str, default: str | None = None) -> datetime:
    """An RFC 3339 timestamp with its time zone, in UTC; ApiError 400 otherwise."""
    raw = request.param(name) or default
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name}: expected an RFC 3339 timestamp, got {raw!r}") from None
    if moment.tzinfo is None:
        raise ApiError(400, f"{name}: the timestamp needs a time zone (RFC 3339), got {raw!r}")
    return moment.astimezone(UTC)


def date_param(request: Request, name: str, hint: str = "") -> date:
    """A `YYYY-MM-DD` date (exactly that form); ApiError 400 otherwise, `hint` added to its message."""
    raw = request.param(name) or ""
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"{name}: expected a date (YYYY-MM-DD){hint}; got {raw!r}") from None


def choice_params(
    request: Request,
    name: str,
    allowed: Sequence[str],
    invalid: Callable[[str], ApiError] | None = None,
) -> list[str]:
    """Every value of a repeated parameter (`group_by=a&group_by=b`), each one of `allowed`; a
    value that is not: `invalid(value)`, by default ApiError 400 naming it."""
    values = request.params.get(name, [])
    for value in values:
        if value not in allowed:
            raise invalid(value) if invalid else ApiError(400, f"{name}: unsupported value {value!r}")
    return values


def int_param(request: Request, name: str, default: int, *, low: int = 1, high: int | None = None) -> int:
    """An integer query parameter within [low, high]; ApiError 422 otherwise (as most APIs do)."""
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f"{name} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        raise ApiError(422, f"{name} must be between {low} and {high if high is not None else 'any'}")
    return value


class HttpApi:
    """The shared part of an HTTP API simulator (see the module docstring)."""

    name: ClassVar[str]  # the mount: /<name>/ and /_sandbox/<name>/
    ROUTES: ClassVar[tuple[Route, ...]] = ()
    # Endpoints outside the API's credentials and rate limit (signed download links, say): their
    # handlers check what they need themselves.
    OPEN_ENDPOINTS: ClassVar[frozenset[str]] = frozenset()
    fault_kinds: ClassVar[tuple[str, ...]] = FAULT_KINDS

    def __init__(
        self,
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        per_minute: int = 600,
        burst: int | None = None,
        retired: str | Sequence[str] = "",
        fault_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seed, self.scale = seed, scale
        self._day = day
        self.per_minute, self.burst = per_minute, burst
        self.fault_timeout = fault_timeout
        self._clock = clock
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._buckets: dict[str, TokenBucket] = {}
        self._faults = FaultQueue(self.fault_kinds, ("endpoint",))
        self._log = RequestLog(REQUEST_LOG_SIZE)
        self.refused = 0
        self.requests = 0
        names = [n.strip() for n in (retired.split(",") if isinstance(retired, str) else retired)]
        self.retired: dict[str, int] = {}
        for endpoint in filter(None, names):
            self.retire(endpoint)

    # ----- what a subclass declares ---------------------------------------------------------------

    def authenticate(self, request: Request) -> str | None:
        """The credential's id (never its value) or None: the API's 401."""
        raise NotImplementedError

    def error_body(self, status: int, message: str, request: Request | None = None) -> Any:
        """The API's own JSON error body."""
        return {"error": {"status": status, "message": message}}

    def unauthorized(self, request: Request) -> ApiError:
        return ApiError(401, "invalid or missing credentials")

    def retired_error(self, request: Request, status: int) -> ApiError:
        return ApiError(status, "Not Found" if status == 404 else "Gone")

    def log_fields(self, request: Request) -> dict[str, Any]:
        """Extra request-log fields (a header a test checks the loader sends, say); no credential."""
        return {}

    def advance(self, days: int) -> dict[str, Any]:
        """Move the world `days` days (after `day` moved); what a tick result says."""
        return {}

    def extra_state(self) -> dict[str, Any]:
        return {}

    def extra_admin(self, method: str, route: str, args: Mapping[str, str], body: Mapping[str, Any]) -> Any:
        return NOT_SHARED

    # ----- the Simulator protocol -----------------------------------------------------------------

    @property
    def day(self) -> int:
        return self._day

    @property
    def today(self) -> Any:
        return simulated_date(self._day)

    def endpoints(self) -> list[str]:
        return sorted({route.endpoint for route in self.ROUTES})

    def tick(self, days: int = 1) -> dict[str, Any]:
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        with self._lock:
            self._day += days
            detail = self.advance(days)
        return {"day": self._day, "date": self.today.isoformat(), "days": days, **detail}

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "name": self.name,
                "seed": self.seed,
                "scale": self.scale,
                "day": self._day,
                "date": self.today.isoformat(),
                "requests": self.requests,
                "refused": self.refused,
                "per_minute": self.per_minute,
                "burst": self.burst,
                "retired": dict(self.retired),
                "endpoints": self.endpoints(),
                **self.extra_state(),
            }

    def scope_url(self, mount_url: str, scope: str) -> str:
        return mount_url

    def close(self) -> None:
        self._closing.set()

    # ----- admin ------------------------------------------------------------------------------------

    def request_log(self, endpoint: str | None = None) -> list[dict[str, Any]]:
        return self._log.entries(endpoint=endpoint)

    def clear_requests(self) -> None:
        self._log.clear()

    def add_fault(self, kind: str, count: int = 1, endpoint: str | None = None) -> FaultRule:
        if endpoint is not None and endpoint not in self.endpoints():
            raise ValueError(f"unknown endpoint {endpoint!r}; endpoints: {', '.join(self.endpoints())}")
        return self._faults.add(kind, count, endpoint=endpoint)

    def faults(self) -> list[dict[str, Any]]:
        return self._faults.pending()

    def clear_faults(self) -> None:
        self._faults.clear()

    def retire(self, endpoint: str, status: int = 404) -> None:
        """The endpoint answers `status` (404 or 410) from now on, as a shut-down API does."""
        if endpoint not in self.endpoints():
            raise ValueError(f"unknown endpoint {endpoint!r}; endpoints: {', '.join(self.endpoints())}")
        if status not in (404, 410):
            raise ValueError(f"a retired endpoint answers 404 or 410, not {status}")
        with self._lock:
            self.retired[endpoint] = status

    def restore(self, endpoint: str | None = None) -> None:
        with self._lock:
            if endpoint is None:
                self.retired.clear()
            else:
                self.retired.pop(endpoint, None)

    def set_rate_limit(self, per_minute: int, burst: int | None = None) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        with self._lock:
            self.per_minute, self.burst = per_minute, burst
            self._buckets.clear()

    def admin(self, method: str, route: str, args: Mapping[str, str], body: Mapping[str, Any]) -> Any:
        shared = shared_admin(self, method, route, args, body)
        if shared is not NOT_SHARED:
            return shared
        if (method, route) == ("POST", "retire"):
            if "endpoint" not in body:
                raise AdminError('retire needs an "endpoint"')
            self.retire(str(body["endpoint"]), admin_int(body.get("status", 404), "status"))
            return {"retired": dict(self.retired)}
        if (method, route) == ("POST", "restore"):
            self.restore(body.get("endpoint"))
            return {"retired": dict(self.retired)}
        if (method, route) == ("POST", "rate_limit"):
            burst = body.get("burst")
            self.set_rate_limit(
                admin_int(body.get("per_minute"), "per_minute"),
                admin_int(burst, "burst") if burst is not None else None,
            )
            return {"per_minute": self.per_minute, "burst": self.burst}
        extra = self.extra_admin(method, route, args, body)
        if extra is not NOT_SHARED:
            return extra
        raise AdminError(f"no admin route {method} /_sandbox/{self.name}/{route}")

    # ----- the API ----------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        params: dict[str, list[str]] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            params.setdefault(key, []).append(value)
        request = Request(method, path, params, {k.lower(): v for k, v in headers.items()}, body, {})
        for route in self.ROUTES:
            found = route.match(method, path)
            if found is not None:
                request.path_params, request.endpoint = found, route.endpoint
                return self._serve(route, request)
        with self._lock:
            self.requests += 1
        self._record(request, 404, "no route")
        return self._error(ApiError(404, "Not Found"), request)

    def _serve(self, route: Route, request: Request) -> SimResponse:
        with self._lock:
            self.requests += 1
        fault = self._faults.take(endpoint=route.endpoint)
        if fault == "drop":
            self._record(request, None, "fault: drop")
            return SimResponse(0, drop=True)
        if fault in ("http429", "http500", "http503"):
            status = int(fault[4:])
            self._record(request, status, f"fault: {fault}")
            headers = {"Retry-After": "1"} if status == 429 else {}
            return self._error(ApiError(status, "fault injected", headers=headers), request)
        if fault == "timeout":
            self._record(request, None, "fault: timeout")
            self._closing.wait(self.fault_timeout)
        try:
            status = self.retired.get(route.endpoint)
            if status is not None:
                raise self.retired_error(request, status)
            open_endpoint = route.endpoint in self.OPEN_ENDPOINTS
            credential = None if open_endpoint else self.authenticate(request)
            if credential is None and not open_endpoint:
                raise self.unauthorized(request)
            wait = None if credential is None else self._consume(credential)
            if wait is not None:
                with self._lock:
                    self.refused += 1
                retry_after = max(1, math.ceil(wait))
                raise ApiError(429, "rate limit exceeded", headers={"Retry-After": str(retry_after)})
            answer = getattr(self, route.handler)(request)
        except ApiError as error:
            if fault != "timeout":
                self._record(request, error.status, str(error))
            return self._error(error, request)
        response = answer if isinstance(answer, SimResponse) else json_response(answer)
        if fault != "timeout":
            self._record(request, response.status, None)
        return response

    def _consume(self, credential: str) -> float | None:
        with self._lock:
            bucket = self._buckets.get(credential)
            if bucket is None:
                bucket = self._buckets[credential] = TokenBucket(self.per_minute, self.burst)
            return bucket.consume(self._clock())

    def _error(self, error: ApiError, request: Request) -> SimResponse:
        body = error.body if error.body is not None else self.error_body(error.status, str(error), request)
        return json_response(body, error.status, error.headers)

    def _record(self, request: Request, status: int | None, error: str | None) -> None:
        self._log.record(
            endpoint=request.endpoint or None,
            method=request.method,
            path=request.path,
            params={
                k: (v[0] if len(v) == 1 else v)
                for k, v in request.params.items()
                if k.lower() not in SECRET_PARAMS
            },
            http_status=status,
            status="error" if error else "ok",
            error=error,
            **self.log_fields(request),
        )


class HttpApiSpec(MountedSpec):
    """A mounted spec whose simulator is an `HttpApi` subclass, named in `api` as `module:Class`
    (imported when built): `build` passes seed, scale, day, every option (its default when not
    given) and any in-process extra a test adds (a fake `clock`, say) to its constructor."""

    api: ClassVar[str]

    def build(self, *, seed: int = 42, scale: float = 1.0, day: int = 0, **options: Any) -> Any:
        module, _, name = self.api.partition(":")
        api_class = getattr(importlib.import_module(module), name)
        defaults = {key: option.default for key, option in self.options.items()}
        return api_class(seed=seed, scale=scale, day=day, **{**defaults, **options})
