"""The simulated PestRoutes API: routes, auth, filters, caps, read budgets, envelope quirks and faults.

`PestRoutesSimulator.handle()` turns one HTTP request (path below `/pestroutes`, headers, body) into
a `SimResponse`; sandbox/server.py puts it on a socket. The behaviour follows the contract notes
(shared/sources/pestroutes.md), including the parts a loader must defend against: errors on HTTP
200, credentials echoed in `params`, searches capped at 50,000 IDs, gets that silently drop IDs
past 1,000, and `serviceType/search` answering under an unexpected key.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from sandbox.framework import (
    NOT_SHARED,
    AdminError,
    FaultQueue,
    FaultRule,
    RequestLog,
    SimResponse,
    admin_int,
    shared_admin,
)
from sandbox.offices import OfficeSpec
from sandbox.pestroutes.fields import FIELDS
from sandbox.pestroutes.generator import OfficeWorld, Record, simulated_date

# endpoint -> (ID parameter `get` takes, key `search` is documented to answer under), as in the
# contract notes. Kept here rather than imported from the loader so a mistake in the loader's
# settings is caught by the sandbox instead of mirrored by it (a test compares the two).
ENDPOINTS: dict[str, tuple[str, str]] = {
    "customer": ("customerIDs", "customerIDs"),
    "appointment": ("appointmentIDs", "appointmentIDs"),
    "subscription": ("subscriptionIDs", "subscriptionIDs"),
    "ticket": ("ticketIDs", "ticketIDs"),
    "payment": ("paymentIDs", "paymentIDs"),
    "employee": ("employeeIDs", "employeeIDs"),
    "note": ("noteIDs", "noteIDs"),
    "task": ("taskIDs", "taskIDs"),
    "door": ("doorIDs", "doorIDs"),
    "knock": ("knockIDs", "knockIDs"),
    "disbursement": ("gatewayDisbursementIDs", "disbursementIDs"),
    "appliedPayment": ("appliedPaymentIDs", "appliedPaymentIDs"),
    "ticketItem": ("itemIDs", "ticketItemIDs"),
    "paymentProfile": ("paymentProfileIDs", "paymentProfileIDs"),
    "appointmentReminder": ("reminderIDs", "appointmentReminderIDs"),
    "chargeback": ("gatewayChargebackIDs", "chargebackIDs"),
    "additionalContact": ("additionalContactIDs", "additionalContactIDs"),
    "genericFlagAssignment": ("genericFlagAssignmentIDs", "genericFlagAssignmentIDs"),
    "region": ("regionIDs", "regionIDs"),
    "serviceType": ("typeIDs", "serviceTypeIDs"),
    "genericFlag": ("genericFlagIDs", "genericFlagIDs"),
    "product": ("productIDs", "productIDs"),
    "cancellationReason": ("reasonIDs", "cancellationReasonIDs"),
    "reserviceReason": ("reserviceReasonIDs", "reserviceReasonIDs"),
    "customerSource": ("sourceIDs", "customerSourceIDs"),
}
# The live quirk: serviceType/search has answered under this key instead of its documented one.
SEARCH_KEY_QUIRKS: dict[str, str] = {"serviceType": "serviceTypes"}

FAULT_KINDS = ("http500", "http502", "http503", "http429", "success_false", "timeout", "drop", "truncated")
OPERATORS = ("=", "!=", ">", "<", ">=", "<=", "IN", "BETWEEN", "LIKE", "STARTSWITH", "ENDSWITH", "CONTAINS")
_RANGE_OPERATORS = {">", "<", ">=", "<=", "BETWEEN"}
_NUMERIC_KINDS = {"id", "fk", "int", "money", "float", "bool"}
_DATE_KINDS = {"date", "datetime"}
_NULL_DATES = {None, "", "0000-00-00", "0000-00-00 00:00:00"}
_CONTROL_PARAMS = {"authenticationKey", "authenticationToken", "includeData", "officeIDs"}
INCLUDE_DATA_LIMIT = 1_000
REQUEST_LOG_SIZE = 10_000

MSG_AUTH = "Invalid authentication key or token"
MSG_MINUTE = "Read request limit per minute exceeded"
MSG_DAY = "Daily read request limit exceeded"
MSG_UNKNOWN = "Unknown endpoint"
MSG_TEMPORARY = "Temporary error, please try again"
WRITE_LIMITS = {"limitWriteRequestsPerMinute": 60, "limitWriteRequestsPerDay": 3000}


class BadRequest(Exception):
    """A request the API refuses with success:false (a malformed filter, a missing ID list)."""


# --------------------------------------------------------------------------------------------
# PHP-style form parsing
# --------------------------------------------------------------------------------------------


def parse_php_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Decode form pairs the way PHP fills $_POST: `a[]=1&a[]=2` is a list, `f[op]=>` a dict."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        bracket = raw_key.find("[")
        if bracket > 0 and raw_key.endswith("]"):
            keys = [raw_key[:bracket], *raw_key[bracket + 1 : -1].split("][")]
        else:
            keys = [raw_key]
        node = root
        for depth, key in enumerate(keys):
            if key == "":
                key = str(len(node))  # `[]` appends
            if depth == len(keys) - 1:
                node[key] = value
            else:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
    return {key: _listify(value) for key, value in root.items()}


def _listify(value: Any) -> Any:
    """A dict keyed 0..n-1 came from `[]` or numeric indices: PHP treats it as a list."""
    if not isinstance(value, dict):
        return value
    converted = {key: _listify(item) for key, item in value.items()}
    if converted and list(converted) == [str(i) for i in range(len(converted))]:
        return list(converted.values())
    return converted


# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------

Predicate = Callable[[Record], bool]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def _decode_filter(raw: Any) -> tuple[str, list[str]]:
    """(operator, values) from a plain value, a list, a PHP operator dict or a JSON string."""
    if isinstance(raw, str) and raw[:1] in ("{", "["):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            pass  # not JSON after all: a plain value that happens to start with a bracket
    if isinstance(raw, dict):
        if "operator" not in raw:
            raise BadRequest(f"Invalid filter: expected an operator and a value, got {sorted(raw)}")
        operator = str(raw["operator"]).strip().upper()
        value = raw.get("value")
        if isinstance(value, str) and value[:1] == "[":
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        if isinstance(value, dict):  # PHP indices that were not 0..n-1
            value = list(value.values())
        values = [_as_text(v) for v in value] if isinstance(value, list) else [_as_text(value)]
        if operator == "IN" and len(values) == 1 and "," in values[0]:
            values = values[0].split(",")
    elif isinstance(raw, list):
        operator, values = "IN", [_as_text(v) for v in raw]
    else:
        operator, values = "=", [_as_text(raw)]
    if operator not in OPERATORS:
        raise BadRequest(f"Invalid operator: {operator}")
    if operator == "BETWEEN" and len(values) != 2:
        raise BadRequest("Invalid filter: BETWEEN takes exactly two values")
    return operator, values


def _normalize_datetime(value: Any) -> str | None:
    """Dates compare as full datetimes (MySQL casts a date to midnight); null dates are None."""
    if value in _NULL_DATES:
        return None
    text = str(value).strip()
    return text + " 00:00:00" if len(text) == 10 else text


def _compare(operator: str, left: Any, values: list[Any]) -> bool:
    if operator == "=":
        return left == values[0]
    if operator == "!=":
        return left != values[0]
    if operator == "IN":
        return left in values
    if left is None:
        return False
    if operator == ">":
        return left > values[0]
    if operator == "<":
        return left < values[0]
    if operator == ">=":
        return left >= values[0]
    if operator == "<=":
        return left <= values[0]
    return values[0] <= left <= values[1]  # BETWEEN, inclusive like SQL


def compile_filter(field_name: str, kind: str, operator: str, values: list[str]) -> Predicate:
    """A predicate on a wire-form record for one `field operator values` condition."""
    if operator in ("LIKE", "STARTSWITH", "ENDSWITH", "CONTAINS"):
        needle = values[0].casefold()
        if operator == "LIKE":
            pattern = re.compile(
                "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in needle),
                re.DOTALL,
            )
            return lambda record: pattern.fullmatch(_as_text(record.get(field_name)).casefold()) is not None
        check = {"STARTSWITH": str.startswith, "ENDSWITH": str.endswith, "CONTAINS": str.__contains__}[
            operator
        ]
        return lambda record: check(_as_text(record.get(field_name)).casefold(), needle)

    if kind in _NUMERIC_KINDS:
        try:
            numbers = [float(v) for v in values]
        except ValueError as error:
            raise BadRequest(f"Invalid value for {field_name}: {values}") from error

        def numeric(record: Record) -> bool:
            try:
                left = float(record.get(field_name))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return False  # a null never satisfies a numeric condition
            return _compare(operator, left, numbers)

        return numeric

    if kind in _DATE_KINDS:
        bounds = [_normalize_datetime(v) for v in values]
        if operator in _RANGE_OPERATORS and any(b is None for b in bounds):
            raise BadRequest(f"Invalid date for {field_name}: {values}")
        return lambda record: _compare(operator, _normalize_datetime(record.get(field_name)), bounds)

    if kind == "intarray":
        wanted = set(values)

        def contains_any(record: Record) -> bool:
            found = {str(v) for v in record.get(field_name) or ()}
            return bool(found & wanted) if operator in ("=", "IN") else not (found & wanted)

        if operator not in ("=", "!=", "IN"):
            raise BadRequest(f"Invalid operator for {field_name}: {operator}")
        return contains_any

    folded = [v.casefold() for v in values]  # MySQL's default collation ignores case
    return lambda record: _compare(operator, _as_text(record.get(field_name)).casefold(), folded)


# --------------------------------------------------------------------------------------------
# Read budget and faults
# --------------------------------------------------------------------------------------------


class ReadBudget:
    """One office key's reads: a sliding 60-second window and a per-simulated-day counter."""

    def __init__(self, per_minute: int, per_day: int) -> None:
        self.per_minute = per_minute
        self.per_day = per_day
        self.today = 0
        self._window: deque[float] = deque()

    def last_minute(self, now: float) -> int:
        while self._window and self._window[0] <= now - 60:
            self._window.popleft()
        return len(self._window)

    def consume(self, now: float) -> str | None:
        """Count one read, or say which limit refuses it (a refused read counts nothing)."""
        if self.today >= self.per_day:
            return MSG_DAY  # checked first: waiting a minute would not help
        if self.last_minute(now) >= self.per_minute:
            return MSG_MINUTE
        self._window.append(now)
        self.today += 1
        return None

    def reset(self) -> None:
        self.today = 0
        self._window.clear()


_FAULT_PAGES = {
    "http500": (500, "Internal Server Error"),
    "http502": (502, "Bad Gateway"),
    "http503": (503, "Service Unavailable"),
    "http429": (429, "Too Many Requests"),
}


def _error_page(status: int, reason: str) -> SimResponse:
    # What a load balancer in front of the API sends: HTML, not the JSON envelope.
    body = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    )
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if status == 429:
        headers["Retry-After"] = "1"
    return SimResponse(status, body.encode(), headers)


def _json_response(payload: Any, status: int = 200) -> SimResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return SimResponse(status, body, {"Content-Type": "application/json"})


# --------------------------------------------------------------------------------------------
# The simulator
# --------------------------------------------------------------------------------------------


class PestRoutesSimulator:
    """Every simulated office's data and API state (budgets, faults, request log), thread-safe."""

    prefix = "/pestroutes"

    def __init__(
        self,
        offices: list[OfficeSpec],
        *,
        seed: int = 42,
        scale: float = 1.0,
        search_cap: int = 50_000,
        get_cap: int = 1_000,
        day: int = 0,
        fault_timeout: float = 30.0,
        latency: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not offices:
            raise ValueError("the simulator needs at least one office")
        if search_cap < 1 or get_cap < 1:
            raise ValueError("search_cap and get_cap must be positive")
        self.seed = seed
        self.scale = scale
        self.search_cap = search_cap
        self.get_cap = get_cap
        self.fault_timeout = fault_timeout
        # Seconds every API request waits before it is answered (a slow network or a busy API);
        # widens the windows tests kill a loader in. Changed at run time with set_latency().
        self.latency = latency
        self.offices: dict[str, OfficeSpec] = {office.name: office for office in offices}
        if len(self.offices) != len(offices):
            raise ValueError("office names must be unique")
        self.worlds: dict[str, OfficeWorld] = {
            office.name: OfficeWorld(office, seed=seed, scale=scale, day=day) for office in offices
        }
        self._budgets = {o.name: ReadBudget(o.reads_per_minute, o.reads_per_day) for o in offices}
        self._faults = FaultQueue(FAULT_KINDS, ("office", "endpoint", "action"))
        self._log = RequestLog(REQUEST_LOG_SIZE)
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._clock = clock
        self._fields = {entity: dict(fields) for entity, fields in FIELDS.items()}
        self._primary_keys = {
            entity: next(name for name, kind in fields if kind == "id") for entity, fields in FIELDS.items()
        }

    # ----- admin operations -----------------------------------------------------------------

    @property
    def day(self) -> int:
        return next(iter(self.worlds.values())).day

    def tick(self, days: int = 1) -> dict[str, Any]:
        """Advance every office `days` simulated days; a new day also resets the daily read budgets."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        with self._lock:
            detail = {name: world.advance(days) for name, world in self.worlds.items()}
            for budget in self._budgets.values():
                budget.today = 0
            totals: dict[str, dict[str, int]] = {}
            for changes in detail.values():
                for entity, counts in changes.items():
                    entry = totals.setdefault(entity, {"new": 0, "updated": 0})
                    entry["new"] += counts["new"]
                    entry["updated"] += counts["updated"]
            return {
                "day": self.day,
                "date": simulated_date(self.day).isoformat(),
                "days": days,
                # What an incremental load should now land: records created or changed, per office.
                "changes": {
                    name: {entity: c["new"] + c["updated"] for entity, c in changes.items()}
                    for name, changes in detail.items()
                },
                "detail": detail,
                "totals": dict(sorted(totals.items())),
            }

    def touch(self, fraction: float) -> dict[str, Any]:
        """Change `fraction` of every office's updatable records (see OfficeWorld.touch)."""
        with self._lock:
            detail = {name: world.touch(fraction) for name, world in self.worlds.items()}
            total = sum(sum(counts.values()) for counts in detail.values())
            return {"day": self.day, "fraction": fraction, "touched": detail, "total": total}

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "seed": self.seed,
                "scale": self.scale,
                "day": self.day,
                "date": simulated_date(self.day).isoformat(),
                "search_cap": self.search_cap,
                "get_cap": self.get_cap,
                "offices": [
                    {
                        "name": o.name,
                        "office_id": o.office_id,
                        "timezone": o.timezone,
                        "path": f"{self.prefix}/{o.name}/api",
                        "reads_per_minute": self._budgets[o.name].per_minute,
                        "reads_per_day": self._budgets[o.name].per_day,
                    }
                    for o in self.offices.values()
                ],
                "counts": {name: world.counts() for name, world in self.worlds.items()},
            }

    def request_log(
        self, office: str | None = None, endpoint: str | None = None, action: str | None = None
    ) -> list[dict[str, Any]]:
        return self._log.entries(office=office, endpoint=endpoint, action=action)

    def clear_requests(self) -> None:
        self._log.clear()

    def add_fault(
        self,
        kind: str,
        count: int = 1,
        office: str | None = None,
        endpoint: str | None = None,
        action: str | None = None,
    ) -> FaultRule:
        if office is not None and office not in self.offices:
            raise ValueError(f"unknown office {office!r}; offices: {', '.join(self.offices)}")
        return self._faults.add(kind, count, office=office, endpoint=endpoint, action=action)

    def faults(self) -> list[dict[str, Any]]:
        return self._faults.pending()

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_budget(
        self, office: str | None = None, reads_per_minute: int | None = None, reads_per_day: int | None = None
    ) -> None:
        """Change an office's (or every office's) read limits at run time; counters restart."""
        if office is not None and office not in self.offices:
            raise ValueError(f"unknown office {office!r}; offices: {', '.join(self.offices)}")
        with self._lock:
            for name, budget in self._budgets.items():
                if office in (None, name):
                    budget.per_minute = (
                        reads_per_minute if reads_per_minute is not None else budget.per_minute
                    )
                    budget.per_day = reads_per_day if reads_per_day is not None else budget.per_day
                    budget.reset()

    def set_latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"latency must not be negative, got {seconds}")
        self.latency = seconds

    def close(self) -> None:
        """Wake requests sleeping in a `timeout` fault so a server can stop promptly."""
        self._closing.set()

    def scope_url(self, mount_url: str, office: str) -> str:
        """The base URL an office's loader uses (it appends `/{endpoint}/{action}`)."""
        return f"{mount_url}/{office}/api"

    def admin(self, method: str, route: str, args: Mapping[str, str], body: Mapping[str, Any]) -> Any:
        """The admin API below `/_sandbox/pestroutes/` (and, for older callers, `/_sandbox/`)."""
        if (method, route) == ("POST", "touch"):
            # Change a fraction of every office's records (benchmarks of incremental runs).
            fraction = body.get("fraction", 0.01)
            try:
                return self.touch(float(fraction))
            except (TypeError, ValueError) as error:
                raise AdminError(f"fraction must be a number in (0, 1], got {fraction!r}") from error
        shared = shared_admin(self, method, route, args, body)
        if shared is not NOT_SHARED:
            return shared
        if (method, route) == ("POST", "latency"):
            self.set_latency(float(body.get("seconds", 0)))
            return {"latency": self.latency}
        if (method, route) == ("POST", "budget"):
            per_minute, per_day = body.get("reads_per_minute"), body.get("reads_per_day")
            self.set_budget(
                body.get("office"),
                None if per_minute is None else admin_int(per_minute, "reads_per_minute"),
                None if per_day is None else admin_int(per_day, "reads_per_day"),
            )
            return {"offices": self.state()["offices"]}
        raise AdminError(f"no admin route {method} /_sandbox{self.prefix}/{route}")

    # ----- the API ----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        """Answer `{method} /pestroutes{path}`: path is `/{office}/api/{endpoint}/{action}`."""
        started = time.perf_counter()
        if method not in ("GET", "POST"):
            return _json_response({"success": False, "errorMessage": "Method not allowed"}, 405)
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[1] != "api":
            return _json_response(
                {
                    "success": False,
                    "errorMessage": "Not found: use /pestroutes/{office}/api/{endpoint}/{action}",
                },
                404,
            )
        office_name, _, endpoint, action = parts
        office = self.offices.get(office_name)
        if office is None:
            # Like an unknown subdomain: not an API answer at all.
            return _json_response({"success": False, "errorMessage": f"Unknown office: {office_name}"}, 404)
        pairs = parse_qsl(query, keep_blank_values=True)
        pairs += parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        params = parse_php_params(pairs)
        by_lower_name = {name.lower(): value for name, value in headers.items()}  # header names ignore case
        for name in ("authenticationKey", "authenticationToken"):
            header = by_lower_name.get(name.lower())
            if header is not None and name not in params:
                params[name] = header  # echoed like body credentials: the quirk loaders must scrub

        if self.latency:
            self._closing.wait(self.latency)
        fault = self._faults.take(office=office_name, endpoint=endpoint, action=action)
        if fault in _FAULT_PAGES:
            self._record(office_name, endpoint, action, None, f"fault: {fault}", _FAULT_PAGES[fault][0])
            return _error_page(*_FAULT_PAGES[fault])
        if fault == "drop":
            self._record(office_name, endpoint, action, None, "fault: drop", None)
            return SimResponse(0, drop=True)
        if fault == "success_false":
            self._record(office_name, endpoint, action, None, "fault: success_false", 200)
            envelope = self._envelope(office, endpoint, action, params, {}, started, usage=True)
            return _json_response({**envelope, "success": False, "errorMessage": MSG_TEMPORARY})
        if fault == "timeout":
            # Logged now, when the client starts waiting; the late answer is not logged again.
            self._record(office_name, endpoint, action, None, "fault: timeout", None)
            self._closing.wait(self.fault_timeout)

        response = self._answer(office, endpoint, action, params, started, fault)
        if fault == "truncated":
            # A proxy cut the body: headers and length agree, the JSON does not parse.
            response.body = response.body[: len(response.body) // 2]
        return response

    def _answer(
        self,
        office: OfficeSpec,
        endpoint: str,
        action: str,
        params: dict[str, Any],
        started: float,
        fault: str | None = None,
    ) -> SimResponse:
        """Authenticate, check the budget and run the request (counted as a read even if faulted)."""
        log = fault != "timeout"  # a stalled request was logged when it stalled
        with self._lock:
            ok_key = params.get("authenticationKey") == office.key
            ok_token = params.get("authenticationToken") == office.token
            if not (ok_key and ok_token):
                return self._failure(
                    office, endpoint, action, params, started, MSG_AUTH, usage=False, log=log
                )
            if endpoint not in ENDPOINTS or action not in ("search", "get"):
                return self._failure(office, endpoint, action, params, started, MSG_UNKNOWN, log=log)
            refusal = self._budgets[office.name].consume(self._clock())
            if refusal is not None:
                return self._failure(office, endpoint, action, params, started, refusal, log=log)
            world = self.worlds[office.name]
            try:
                if action == "search":
                    payload, ignored, requested, returned = self._search(world, endpoint, params)
                else:
                    payload, ignored, requested, returned = self._get(world, endpoint, params)
            except BadRequest as error:
                return self._failure(office, endpoint, action, params, started, str(error), log=log)
            if log:
                error = f"fault: {fault}" if fault else None
                self._record(office.name, endpoint, action, requested, error, 200, returned)
            envelope = self._envelope(office, endpoint, action, params, ignored, started, usage=True)
            return _json_response({**envelope, "success": True, **payload})

    def _failure(
        self,
        office: OfficeSpec,
        endpoint: str,
        action: str,
        params: dict[str, Any],
        started: float,
        message: str,
        *,
        usage: bool = True,
        log: bool = True,
    ) -> SimResponse:
        if log:
            self._record(office.name, endpoint, action, None, message, 200)
        envelope = self._envelope(office, endpoint, action, params, {}, started, usage=usage)
        return _json_response({**envelope, "success": False, "errorMessage": message})

    def _envelope(
        self,
        office: OfficeSpec,
        endpoint: str,
        action: str,
        params: dict[str, Any],
        ignored: dict[str, Any],
        started: float,
        *,
        usage: bool,
    ) -> dict[str, Any]:
        budget = self._budgets[office.name]
        with self._lock:
            today, last_minute = (budget.today, budget.last_minute(self._clock())) if usage else (0, 0)
        elapsed = max(1, round((time.perf_counter() - started) * 1000))
        return {
            "params": params,
            "tokenUsage": {
                "requestsReadToday": str(today),
                "requestsWriteToday": "0",
                "requestsReadInLastMinute": str(last_minute),
                "requestsWriteInLastMinute": "0",
            },
            "tokenLimits": {
                "limitReadRequestsPerMinute": budget.per_minute,
                "limitReadRequestsPerDay": budget.per_day,
                **WRITE_LIMITS,
            },
            "requestAction": action,
            "endpoint": endpoint,
            "success": True,
            "processingTime": f"{elapsed} milliseconds",
            "requestAPIKeyType": "office",
            "ignoredParams": ignored,
        }

    def _search(
        self, world: OfficeWorld, endpoint: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], None, int]:
        id_param, search_key = ENDPOINTS[endpoint]
        fields = self._fields[endpoint]
        primary_key = self._primary_keys[endpoint]
        predicates: list[Predicate] = []
        ignored: dict[str, Any] = {}
        for name, raw in params.items():
            if name in _CONTROL_PARAMS:
                continue
            if name == id_param:
                field_name = primary_key
            elif name in fields:
                field_name = name
            elif name.endswith("IDs") and name[:-1] in fields:
                field_name = name[:-1]  # customerIDs=[...] filters customerID, as the real API does
            else:
                ignored[name] = raw
                continue
            kind = fields[field_name]
            operator, values = _decode_filter(raw)
            if operator == "=" and kind in _NUMERIC_KINDS and "," in values[0]:
                operator, values = "IN", values[0].split(",")
            predicates.append(compile_filter(field_name, kind, operator, values))

        ids: list[int] = []
        cap = self.search_cap
        # Records sit in insertion order, which is ascending ID order: IDs only ever grow.
        for record_id, record in world.tables[endpoint].items():
            if all(predicate(record) for predicate in predicates):
                ids.append(record_id)
                if len(ids) >= cap:
                    break

        property_name = SEARCH_KEY_QUIRKS.get(endpoint, search_key)
        payload: dict[str, Any] = {"idName": search_key, "propertyName": property_name, "count": len(ids)}
        payload[property_name] = ids
        if str(params.get("includeData", "0")).lower() in ("1", "true"):
            data_key = endpoint + "s"
            # When the quirky ID key and the data key collide, the IDs win: propertyName names them.
            if data_key != property_name:
                table = world.tables[endpoint]
                payload[data_key] = [table[i] for i in ids[:INCLUDE_DATA_LIMIT]]
                payload[f"{endpoint}IDsNoDataExported"] = ids[INCLUDE_DATA_LIMIT:]
        return payload, ignored, None, len(ids)

    def _get(
        self, world: OfficeWorld, endpoint: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], int, int]:
        id_param, _ = ENDPOINTS[endpoint]
        if id_param not in params:
            raise BadRequest(f"Missing required parameter: {id_param}")
        raw = params[id_param]
        if isinstance(raw, str) and raw[:1] == "[":
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as error:
                raise BadRequest(f"Invalid value for {id_param}") from error
        if isinstance(raw, dict):
            raw = list(raw.values())
        items = raw if isinstance(raw, list) else str(raw).split(",")
        requested: list[int] = []
        for item in items:
            try:
                requested.append(int(str(item).strip()))
            except ValueError:
                continue  # the API skips what is not an ID
        honoured = set(requested[: self.get_cap])  # the rest is dropped without a word
        table = world.tables[endpoint]
        records = [table[i] for i in sorted(honoured) if i in table]
        ignored = {
            name: value for name, value in params.items() if name not in _CONTROL_PARAMS and name != id_param
        }
        plural = endpoint + "s"
        return {"propertyName": plural, plural: records}, ignored, len(requested), len(records)

    # ----- faults and request log ---------------------------------------------------------------

    def _record(
        self,
        office: str,
        endpoint: str,
        action: str,
        ids_requested: int | None,
        error: str | None,
        http_status: int | None,
        returned: int | None = None,
    ) -> None:
        self._log.record(
            office=office,
            endpoint=endpoint,
            action=action,
            ids_requested=ids_requested,  # how many IDs a get asked for (None: a search)
            returned=returned,
            status="error" if error else "ok",
            error=error,
            http_status=http_status,
        )
