"""The simulated QQCatalyst API: OAuth2 tokens, sync-window and reference endpoints, its envelope,
rate limits and faults.

`QQCatalystSimulator.handle()` answers one request below the `/qqcatalyst` mount, which stands
for both `https://login.qqcatalyst.com` (the token endpoint) and `https://api.qqcatalyst.com`:

- `POST /oauth/token` with form fields: `grant_type=password` (client_id, client_secret,
  username, password) or `grant_type=refresh_token` (client_id, client_secret, refresh_token)
  issue a bearer token living `token_ttl_seconds` and a refresh token (refresh tokens do not
  rotate: the one sent stays valid, an assumption that lets a configured one serve every run);
  `client_credentials` issues a token that identifies no user, so data calls with it get 401
  "User cannot be identified". Wrong credentials: HTTP 400 `invalid_grant`.
- `GET /v1/<Entity>/LastModifiedCreated?startDate=&endDate=&pageNumber=&pageSize=`: records
  whose DateLastModified date falls in [startDate, endDate] (both inclusive), ordered by
  (DateLastModified, id); `GET /v1/<Ref>` (Carriers, Locations, Departments, Employees, Agency)
  pages the reference data the same way. Paths and parameter names match case-insensitively,
  as ASP.NET routes do. `pageSize` defaults to 100; its maximum of 500 is unverified (an
  assumption, HTTP 400 above it).
- Every data answer is the envelope (`Data`, `PageNumber`, `PagesTotal`, `TotalItems`,
  `IsSuccess`, `ErrorCode`, `ErrorMessage`, `DisplayMessage`, `Links`, `Href`); an expired or
  unknown token is HTTP 401 with `IsSuccess: false`; a window whose start is after its end is
  HTTP 200 `InvalidRequest`, a `ServerBusy` fault HTTP 200 too.

Each agency credential has its own sliding minute of `requests_per_minute` data calls (429 with
Retry-After beyond it); token calls go to the login server and are not counted. Time comes from
`clock` so tests can expire tokens and windows without sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

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
from sandbox.qqcatalyst.agencies import DEFAULT_TOKEN_TTL_SECONDS, AgencySpec, issued_token
from sandbox.qqcatalyst.catalog import ENTITIES, Entity
from sandbox.qqcatalyst.envelope import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ApiError,
    envelope,
    form_fields,
    header,
    html_error,
    positive_int,
    window_date,
)
from sandbox.qqcatalyst.generator import QQCatalystGenerator
from sandbox.qqcatalyst.store import Record
from sandbox.qqcatalyst.values import Planted

FAULT_KINDS = ("429", "503", "envelope_error", "expire_token", "timeout")
TOKEN = "token"  # the `endpoint` of the token endpoint in faults and the request log
ENDPOINTS = (*(entity.name for entity in ENTITIES), TOKEN)
_TOKEN_FAULTS = ("429", "503", "timeout")  # the login server has no envelope and takes no token
REQUEST_LOG_SIZE = 10_000
GRANTS = ("password", "refresh_token", "client_credentials")
DENIED = "Authorization has been denied for this request."
UNIDENTIFIED = "User cannot be identified"
SERVER_BUSY = "The server is busy processing other requests. Please try again later."
_BY_LOWER = {entity.name.lower(): entity for entity in ENTITIES}


class _Faults(FaultQueue):
    """The framework's queue, plus taking only the kinds an endpoint can show."""

    def take_kind(self, kinds: tuple[str, ...], **request: str | None) -> str | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and rule.matches(request):
                    rule.remaining -= 1
                    self._rules = [r for r in self._rules if r.remaining > 0]
                    return rule.kind
        return None


@dataclass
class _Token:
    agency: str
    expires: float  # on the simulator's clock
    user: bool  # False for a client-credentials token: no user, no data


class _AgencyState:
    """What the API keeps per agency besides its records."""

    def __init__(self, spec: AgencySpec) -> None:
        self.spec = spec
        self.limit = RateWindow(spec.requests_per_minute)
        self.refresh_tokens = {spec.refresh_token}
        self.tokens_issued = 0
        self.unauthorized = 0
        self.rate_limited = 0


class QQCatalystSimulator:
    """Every agency's records and API state (tokens, rate limits, faults, request log), thread-safe."""

    prefix = "/qqcatalyst"

    def __init__(
        self,
        agencies: list[AgencySpec],
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
        fault_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not agencies:
            raise ValueError("the simulator needs at least one agency")
        self.seed = seed
        self.scale = scale
        self.token_ttl_seconds = token_ttl_seconds
        self.fault_timeout = fault_timeout
        self.agencies: dict[str, AgencySpec] = {a.name: a for a in agencies}
        self.generator = QQCatalystGenerator(agencies, seed=seed, scale=scale, day=day)
        self._state = {a.name: _AgencyState(a) for a in agencies}
        self._by_client = {a.client_id: a.name for a in agencies}
        self._tokens: dict[str, _Token] = {}
        self._faults = _Faults(FAULT_KINDS, ("agency", "endpoint"))
        self._log = RequestLog(REQUEST_LOG_SIZE)
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._clock = clock

    @property
    def day(self) -> int:
        return self.generator.day

    @property
    def worlds(self) -> dict[str, Any]:
        """{agency: its AgencyWorld} (the generator's)."""
        return self.generator.worlds

    # ----- the ground truth (the generator's, read under the lock) -------------------------------

    def planted(self, agency: str) -> list[Planted]:
        with self._lock:
            return self.generator.planted(agency)

    def records(self, agency: str, entity: str) -> list[Record]:
        with self._lock:
            return self.generator.records(agency, entity)

    def hard_deleted(self, agency: str) -> list[tuple[str, str]]:
        with self._lock:
            return self.generator.hard_deleted(agency)

    def credentials(self) -> dict[str, dict[str, str]]:
        """{agency: its loader secrets}: client id and secret, and username/password or a refresh token."""
        return {name: spec.config() for name, spec in self.agencies.items()}

    # ----- admin operations -----------------------------------------------------------------

    def tick(self, days: int = 1) -> dict[str, Any]:
        """Advance every agency `days` days: new and changed records, soft and hard deletes."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        with self._lock:
            detail = self.generator.advance(days)
            return {
                "day": self.day,
                "date": simulated_date(self.day).isoformat(),
                "days": days,
                # What an incremental load finds (records created or changed, soft deletes among
                # them) and what only a sweep of ids finds (records gone), per agency.
                "changes": {name: c["new"] + c["updated"] for name, c in detail.items()},
                "deleted": {name: c["hard_deleted"] for name, c in detail.items()},
                "detail": detail,
            }

    def state(self) -> dict[str, Any]:
        with self._lock:
            summary = self.generator.summary()
            return {
                "seed": self.seed,
                "scale": self.scale,
                "day": self.day,
                "date": simulated_date(self.day).isoformat(),
                "history_start": summary["history_start"],
                "token_ttl_seconds": self.token_ttl_seconds,
                "agencies": [
                    {
                        "name": name,
                        "title": state.spec.title,
                        "auth": state.spec.auth,
                        "path": self.prefix,
                        "requests_per_minute": state.limit.per_minute,
                        "tokens_issued": state.tokens_issued,
                        "unauthorized": state.unauthorized,
                        "rate_limited": state.rate_limited,
                    }
                    for name, state in self._state.items()
                ],
                "counts": summary["agencies"],
            }

    def request_log(self, agency: str | None = None, endpoint: str | None = None) -> list[dict[str, Any]]:
        return self._log.entries(agency=agency, endpoint=endpoint)

    def clear_requests(self) -> None:
        self._log.clear()

    def add_fault(
        self, kind: str, count: int = 1, agency: str | None = None, endpoint: str | None = None
    ) -> FaultRule:
        if agency is not None and agency not in self.agencies:
            raise ValueError(f"unknown agency {agency!r}; agencies: {', '.join(self.agencies)}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; endpoints: {', '.join(ENDPOINTS)}")
        if endpoint == TOKEN and kind not in _TOKEN_FAULTS:
            raise ValueError(f"the token endpoint takes the faults {', '.join(_TOKEN_FAULTS)}, not {kind!r}")
        return self._faults.add(kind, count, agency=agency, endpoint=endpoint)

    def faults(self) -> list[dict[str, Any]]:
        return self._faults.pending()

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_rate_limit(self, requests_per_minute: int, agency: str | None = None) -> None:
        """Change an agency's (or every agency's) requests per minute at run time; the window restarts."""
        if requests_per_minute < 1:
            raise ValueError(f"requests_per_minute must be at least 1, got {requests_per_minute}")
        if agency is not None and agency not in self.agencies:
            raise ValueError(f"unknown agency {agency!r}; agencies: {', '.join(self.agencies)}")
        with self._lock:
            for name, state in self._state.items():
                if agency in (None, name):
                    state.limit = RateWindow(requests_per_minute)

    def close(self) -> None:
        self._closing.set()

    def scope_url(self, mount_url: str, agency: str) -> str:
        """Every agency has the same base URL; its token tells them apart."""
        return mount_url

    def admin(self, method: str, route: str, args: Mapping[str, str], body: Mapping[str, Any]) -> Any:
        """The admin API below `/_sandbox/qqcatalyst/`, with the ground truth for out-of-process tests."""
        shared = shared_admin(self, method, route, args, body)
        if shared is not NOT_SHARED:
            return shared
        if (method, route) == ("POST", "rate_limit"):
            per_minute = admin_int(body.get("requests_per_minute"), "requests_per_minute")
            self.set_rate_limit(per_minute, body.get("agency"))
            return {"agencies": self.state()["agencies"]}
        if (method, route) == ("GET", "credentials"):
            return self.credentials()
        if method == "GET" and route in ("planted", "records", "hard_deleted"):
            agency = args.get("agency")
            if agency not in self.agencies:
                raise AdminError(f"{route} needs ?agency= one of {', '.join(self.agencies)}")
            if route == "planted":
                return [asdict(planted) for planted in self.planted(agency)]
            if route == "hard_deleted":
                return [list(pair) for pair in self.hard_deleted(agency)]
            try:
                return self.records(agency, args.get("entity", ""))
            except KeyError as error:
                raise AdminError(str(error.args[0])) from None
        raise AdminError(f"no admin route {method} /_sandbox{self.prefix}/{route}")

    # ----- the API ----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        """Answer `{method} /qqcatalyst{path}`: /oauth/token, /v1/<Entity>/LastModifiedCreated, /v1/<Ref>."""
        parts = [part.lower() for part in path.strip("/").split("/")]
        if parts == ["oauth", "token"]:
            return self._serve_token(method, path, headers, body)
        entity = _BY_LOWER.get(parts[1]) if len(parts) in (2, 3) and parts[0] == "v1" else None
        if entity is not None and (len(parts) == 3) == entity.windowed:
            if not entity.windowed or parts[2] == "lastmodifiedcreated":
                return self._serve_data(entity, method, path, query, headers)
        href = self._href(headers, path, query)
        missing = ApiError(
            404, "NotFound", f"No HTTP resource was found that matches the request URI '{href}'."
        )
        return json_response(envelope(None, href=href, error=missing), 404)

    def _href(self, headers: Mapping[str, str], path: str, query: str | dict[str, Any] = "") -> str:
        host = header(headers, "Host") or "127.0.0.1"
        text = urlencode(query) if isinstance(query, dict) else query
        return f"http://{host}{self.prefix}{path}" + (f"?{text}" if text else "")

    # ----- tokens -------------------------------------------------------------------------------

    def _serve_token(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> SimResponse:
        params = form_fields(headers, body)
        agency = self._by_client.get(params.get("client_id", ""))
        entry: dict[str, Any] = {
            "agency": agency,
            "endpoint": TOKEN,
            "path": path,
            "method": method,
            "grant_type": params.get("grant_type"),
        }
        fault = self._faults.take_kind(_TOKEN_FAULTS, agency=agency, endpoint=TOKEN)
        if fault in ("429", "503"):
            self._log.record(**entry, http_status=int(fault), status="error", error=f"fault: {fault}")
            if fault == "429":
                return json_response({"error": "rate_limited"}, 429, {"Retry-After": "1"})
            return html_error(503, "Service Unavailable")
        if fault == "timeout":
            self._log.record(**entry, http_status=None, status="error", error="fault: timeout")
            self._closing.wait(self.fault_timeout)
        response = self._token(method, params, agency, entry)
        if fault != "timeout":  # a client that timed out never saw this answer
            status = entry.pop("status", "ok")
            self._log.record(**entry, http_status=response.status, status=status)
        return response

    def _token(self, method: str, params: dict[str, str], agency: str | None, entry: dict) -> SimResponse:
        def refuse(error: str, description: str, status: int = 400) -> SimResponse:
            entry.update(status="error", error=error)
            return json_response({"error": error, "error_description": description}, status)

        if method != "POST":
            return refuse("invalid_request", "The token endpoint takes POST.", 405)
        grant = params.get("grant_type")
        if grant not in GRANTS:
            return refuse("unsupported_grant_type", f"grant_type must be one of {', '.join(GRANTS)}.")
        needed = {"password": ("username", "password"), "refresh_token": ("refresh_token",)}.get(grant, ())
        if any(not params.get(name) for name in ("client_id", "client_secret", *needed)):
            return refuse(
                "invalid_request",
                f"{grant} needs client_id, client_secret{''.join(', ' + n for n in needed)}.",
            )
        spec = self.agencies.get(agency or "")
        if spec is None or params["client_secret"] != spec.client_secret:
            return refuse("invalid_grant", "The client id or client secret is incorrect.")
        state = self._state[spec.name]
        with self._lock:
            user = (params.get("username"), params.get("password"))
            if grant == "password" and user != (spec.username, spec.password):
                return refuse("invalid_grant", "The user name or password is incorrect.")
            if grant == "refresh_token" and params["refresh_token"] not in state.refresh_tokens:
                return refuse("invalid_grant", "The refresh token is invalid or has been revoked.")
            state.tokens_issued += 1
            token = issued_token(self.seed, spec.name, "access", state.tokens_issued)
            self._tokens[token] = _Token(
                spec.name, self._clock() + self.token_ttl_seconds, grant != "client_credentials"
            )
            answer: dict[str, Any] = {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.token_ttl_seconds,
            }
            if grant == "password":
                refresh = issued_token(self.seed, spec.name, "refresh", state.tokens_issued)
                state.refresh_tokens.add(refresh)
                answer["refresh_token"] = refresh
            elif grant == "refresh_token":
                answer["refresh_token"] = params["refresh_token"]
        return json_response(answer, headers={"Cache-Control": "no-store"})

    # ----- data ---------------------------------------------------------------------------------

    def _serve_data(
        self, entity: Entity, method: str, path: str, query: str, headers: Mapping[str, str]
    ) -> SimResponse:
        params = {key.lower(): value for key, value in parse_qsl(query, keep_blank_values=True)}
        scheme, _, value = (header(headers, "Authorization") or "").strip().partition(" ")
        with self._lock:
            token = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        agency = token.agency if token else None
        entry: dict[str, Any] = {
            "agency": agency,
            "endpoint": entity.name,
            "path": path,
            "method": method,
            "query": params,
        }
        fault = self._faults.take(agency=agency, endpoint=entity.name)
        if fault in ("429", "503"):
            self._log.record(**entry, http_status=int(fault), status="error", error=f"fault: {fault}")
            if fault == "429":
                busy = ApiError(429, "TooManyRequests", "API calls quota exceeded.")
                return json_response(
                    envelope(None, href=self._href(headers, path, query), error=busy),
                    429,
                    {"Retry-After": "1"},
                )
            return html_error(503, "Service Unavailable")
        if fault == "timeout":
            self._log.record(**entry, http_status=None, status="error", error="fault: timeout")
            self._closing.wait(self.fault_timeout)
        if fault == "expire_token" and token is not None:
            with self._lock:
                token.expires = min(token.expires, self._clock())
        href = self._href(headers, path, query)
        try:
            if method != "GET":
                raise ApiError(
                    405,
                    "MethodNotAllowed",
                    f"The requested resource does not support http method '{method}'.",
                )
            response = self._read(entity, token, params, headers, path, entry, busy=fault == "envelope_error")
        except ApiError as error:
            entry.update(status="error", error=str(error))
            response = json_response(envelope(None, href=href, error=error), error.status, error.headers)
        if fault != "timeout":
            status = entry.pop("status", "ok")
            self._log.record(**entry, http_status=response.status, status=status)
        return response

    def _read(
        self,
        entity: Entity,
        token: _Token | None,
        params: dict[str, str],
        headers: Mapping[str, str],
        path: str,
        entry: dict,
        *,
        busy: bool,
    ) -> SimResponse:
        with self._lock:
            now = self._clock()
            if token is None or now >= token.expires:
                if token is not None:
                    self._state[token.agency].unauthorized += 1
                raise ApiError(401, "Unauthorized", DENIED, {"WWW-Authenticate": "Bearer"})
            state = self._state[token.agency]
            if not token.user:
                state.unauthorized += 1
                raise ApiError(401, "Unauthorized", UNIDENTIFIED)
            wait = state.limit.consume(now)
            if wait is not None:
                state.rate_limited += 1
                raise ApiError(
                    429,
                    "TooManyRequests",
                    "API calls quota exceeded.",
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
        if busy:  # a transient error the API reports in the envelope, with HTTP 200
            raise ApiError(200, "ServerBusy", SERVER_BUSY)
        page = positive_int(params, "pageNumber", 1)
        size = positive_int(params, "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        wanted: dict[str, Any] = {}  # the window, echoed in Href and Links
        if entity.windowed:
            start, end = window_date(params, "startDate"), window_date(params, "endDate")
            if start > end:  # a permanent error, reported in the envelope with HTTP 200
                raise ApiError(200, "InvalidRequest", f"startDate {start} is after endDate {end}.")
            wanted = {"startDate": start, "endDate": end}
        world = self.generator.world(token.agency)
        with self._lock:  # a tick changes records in place: read and serialise under the lock
            if entity.windowed:
                records = world.window(entity.table, wanted["startDate"], wanted["endDate"])
            else:
                records = world.served(entity.table)[0]
            total, pages = len(records), math.ceil(len(records) / size)

            def url(number: int) -> str:
                return self._href(headers, path, {**wanted, "pageNumber": number, "pageSize": size})

            links = [{"Rel": "next", "Href": url(page + 1)}] if page < pages else []
            if page > 1:
                links.append({"Rel": "previous", "Href": url(page - 1)})
            chunk = records[(page - 1) * size : page * size]
            entry.update(returned=len(chunk), total_items=total)
            return json_response(
                envelope(
                    chunk, href=url(page), page=page if total else 1, pages=pages, total=total, links=links
                )
            )
