"""The simulated Shopify GraphQL Admin API: tokens, versions, query cost, throttling, bulk operations.

`EcommerceSimulator.handle()` answers one request below the `/ecommerce` mount, where each shop
has its own base URL (`{mount}/{shop}`, `https://{shop}.myshopify.com` in production):

- `POST {shop}/admin/api/{version}/graphql.json` with `{"query", "variables"}` and the header
  `X-Shopify-Access-Token`; an unsupported version is answered by the oldest supported one, and
  every answer names the version used in `X-Shopify-API-Version`;
- `POST {shop}/admin/oauth/access_token` (client_id, client_secret,
  grant_type=client_credentials) for a shop whose app uses the client-credentials grant; its
  tokens expire after `token_ttl_seconds`, after which the API answers 401;
- `GET {shop}/bulk/{operation}.jsonl?signature=...`: a finished bulk operation's JSONL file (the
  signed storage URL `currentBulkOperation.url` gives; no token needed; `url` is null when the
  operation found nothing, as Shopify's is). One bulk query runs at a time per shop; it completes
  `bulk_seconds` (by the clock) after it was created, its file a snapshot of that moment.

Each shop has a leaky bucket of query cost (2,000 points, refilled at 100 a second): a query
whose requested cost exceeds what is left is answered HTTP 200 `THROTTLED` without running, one
above 1,000 is `MAX_COST_EXCEEDED`; otherwise the actual cost is charged and every answer reports
`extensions.cost`. Time comes from `clock` so tests can move it.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    OperationType,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from sandbox.ecommerce import schema as gql
from sandbox.ecommerce.generator import ShopWorld, day_start, iso
from sandbox.ecommerce.shops import (
    API_VERSIONS,
    CLIENT_CREDENTIALS,
    CURRENT_API_VERSION,
    DEFAULT_TOKEN_TTL_SECONDS,
    OLDEST_API_VERSION,
    STATIC_TOKEN,
    TOKEN_SCOPE,
    ShopSpec,
    issued_token,
)
from sandbox.framework import (
    NOT_SHARED,
    AdminError,
    FaultQueue,
    FaultRule,
    RequestLog,
    SimResponse,
    json_response,
    shared_admin,
    simulated_date,
)

FAULT_KINDS = ("http500", "http502", "http503", "http429", "timeout", "drop", "throttled")
OPERATIONS = ("graphql", "token", "bulk_download")
MAX_QUERY_COST = 1000
DEFAULT_BUCKET_SIZE = 2000
DEFAULT_RESTORE_RATE = 100.0
DEFAULT_BULK_SECONDS = 0.5
REQUEST_LOG_SIZE = 10_000
RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"
TOO_MANY_CALLS = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
)
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
_BULK_ID_BASE = 4_812_345_000
BULK_FILES_KEPT = 5
_LOGGED_QUERY_CHARS = 4_000
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)


# --------------------------------------------------------------------------------------------
# The cost bucket and bulk operations
# --------------------------------------------------------------------------------------------


class Bucket:
    """A shop's leaky bucket of query cost points, refilled continuously at `restore_rate`."""

    def __init__(self, size: int, restore_rate: float, now: float) -> None:
        self.size, self.restore_rate = size, restore_rate
        self._available, self._at = float(size), now

    def level(self, now: float) -> float:
        self._available = min(self.size, self._available + max(0.0, now - self._at) * self.restore_rate)
        self._at = max(self._at, now)
        return self._available

    def take(self, points: int, now: float) -> None:
        self._available = max(0.0, self.level(now) - points)

    def set(self, available: float, now: float) -> None:
        self.level(now)
        self._available = max(0.0, min(float(self.size), available))

    def status(self, now: float) -> dict[str, Any]:
        # Shopify writes the maximum and the rate as floats and what is left as an integer.
        return {
            "maximumAvailable": float(self.size),
            "currentlyAvailable": int(self.level(now)),
            "restoreRate": float(self.restore_rate),
        }


@dataclass
class BulkOperation:
    number: int
    shop: str
    query: str
    started: float  # the clock when it was created
    created_at: int  # simulated time, seconds since the epoch
    body: bytes  # the JSONL file
    objects: int  # rows in the file
    roots: int  # top-level objects (orders)
    signature: str

    @property
    def gid(self) -> str:
        return f"gid://shopify/BulkOperation/{self.number}"


class _ShopState:
    """What the API keeps per shop besides its orders."""

    def __init__(self, spec: ShopSpec, bucket: Bucket) -> None:
        self.spec = spec
        self.bucket = bucket
        self.tokens: dict[str, float] = {}  # issued token -> when it expires (clock)
        self.tokens_issued = 0
        self.bulk: list[BulkOperation] = []  # the latest few, newest last
        self.bulk_runs = 0
        self.throttled = 0  # THROTTLED answers because the bucket was short
        self.throttled_faults = 0  # THROTTLED answers from a queued fault
        self.max_cost_exceeded = 0
        self.unauthorized = 0


# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------


def _html_error(status: int, reason: str, headers: Mapping[str, str] | None = None) -> SimResponse:
    # What the edge in front of the API sends: HTML, not the API's JSON.
    body = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    )
    return SimResponse(status, body.encode(), {"Content-Type": "text/html; charset=utf-8", **(headers or {})})


def _xml_error(status: int, code: str, message: str) -> SimResponse:
    # The storage bucket behind a bulk operation's URL answers in XML, as Google Cloud Storage does.
    error = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    body = "<?xml version='1.0' encoding='UTF-8'?>" + error
    return SimResponse(status, body.encode(), {"Content-Type": "application/xml; charset=UTF-8"})


def _fault_response(fault: str, operation: str, headers: Mapping[str, str]) -> SimResponse:
    if fault == "http429" or (fault == "throttled" and operation != "graphql"):
        return json_response({"errors": TOO_MANY_CALLS}, 429, {**headers, "Retry-After": "1"})
    if fault == "http500":
        if operation == "bulk_download":
            return _xml_error(500, "InternalError", "We encountered an internal error. Please try again.")
        request_id = str(uuid.uuid4())
        message = f"Internal error. Looks like something went wrong on our end.\nRequest ID: {request_id}"
        error = {"message": message, "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}}
        return json_response({"errors": [error]}, 500, headers)
    status = int(fault[4:])
    return _html_error(status, "Bad Gateway" if status == 502 else "Service Unavailable", headers)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


# --------------------------------------------------------------------------------------------
# The simulator
# --------------------------------------------------------------------------------------------


class EcommerceSimulator:
    """Every shop's orders and API state (tokens, cost buckets, bulk operations, faults), thread-safe."""

    prefix = "/ecommerce"

    def __init__(
        self,
        shops: list[ShopSpec],
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
        bucket_size: int = DEFAULT_BUCKET_SIZE,
        restore_rate: float = DEFAULT_RESTORE_RATE,
        bulk_seconds: float = DEFAULT_BULK_SECONDS,
        fault_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not shops:
            raise ValueError("the simulator needs at least one shop")
        self.seed = seed
        self.scale = scale
        self.token_ttl_seconds = token_ttl_seconds
        self.bulk_seconds = bulk_seconds
        self.fault_timeout = fault_timeout
        self._clock = clock
        self.shops: dict[str, ShopSpec] = {s.name: s for s in shops}
        self.worlds = {s.name: ShopWorld(s, seed=seed, scale=scale, day=day) for s in shops}
        now = clock()
        self._state = {s.name: _ShopState(s, Bucket(bucket_size, restore_rate, now)) for s in shops}
        self._schema = gql.build()
        self._faults = FaultQueue(FAULT_KINDS, ("shop", "operation"))
        self._log = RequestLog(REQUEST_LOG_SIZE)
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._bulk_count = 0

    @property
    def day(self) -> int:
        return next(iter(self.worlds.values())).day

    def orders(self, shop: str) -> list[Any]:
        """The shop's live orders (ground truth, generator.Order objects in id order)."""
        return self.worlds[shop].live()

    def credentials(self) -> dict[str, dict[str, str]]:
        """{shop: its loader config keys without the URL}"""
        configs = {name: spec.config("") for name, spec in self.shops.items()}
        return {
            name: {k: v for k, v in config.items() if k != "shop_url"} for name, config in configs.items()
        }

    # ----- admin operations -----------------------------------------------------------------

    def tick(self, days: int = 1) -> dict[str, Any]:
        """Advance every shop `days` days: new orders, payments, fulfilments, refunds, edits,
        cancellations and deletions."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        with self._lock:
            detail = {name: world.advance(days) for name, world in self.worlds.items()}
            return {
                "day": self.day,
                "date": simulated_date(self.day).isoformat(),
                "days": days,
                # What an incremental load finds (orders created or changed) and what only a
                # sweep of ids finds (orders deleted), per shop.
                "changes": {name: c["new"] + c["updated"] for name, c in detail.items()},
                "deleted": {name: c["deleted"] for name, c in detail.items()},
                "detail": detail,
            }

    def state(self) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            return {
                "seed": self.seed,
                "scale": self.scale,
                "day": self.day,
                "date": simulated_date(self.day).isoformat(),
                "api_versions": list(API_VERSIONS),
                "current_api_version": CURRENT_API_VERSION,
                "shops": [
                    {
                        "name": name,
                        "path": f"{self.prefix}/{name}",
                        "auth": shop.spec.auth,
                        "token_ttl_seconds": self.token_ttl_seconds
                        if shop.spec.auth == CLIENT_CREDENTIALS
                        else None,
                        "bucket": shop.bucket.status(now),
                    }
                    for name, shop in self._state.items()
                ],
                "counts": {
                    name: {
                        **self.worlds[name].counts(),
                        "throttled": shop.throttled,
                        "throttled_faults": shop.throttled_faults,
                        "max_cost_exceeded": shop.max_cost_exceeded,
                        "unauthorized": shop.unauthorized,
                        "tokens_issued": shop.tokens_issued,
                        "bulk_operations": shop.bulk_runs,
                    }
                    for name, shop in self._state.items()
                },
            }

    def request_log(self, shop: str | None = None, operation: str | None = None) -> list[dict[str, Any]]:
        return self._log.entries(shop=shop, operation=operation)

    def clear_requests(self) -> None:
        self._log.clear()

    def add_fault(
        self, kind: str, count: int = 1, shop: str | None = None, operation: str | None = None
    ) -> FaultRule:
        if shop is not None and shop not in self.shops:
            raise ValueError(f"unknown shop {shop!r}; shops: {', '.join(self.shops)}")
        if operation is not None and operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; operations: {', '.join(OPERATIONS)}")
        return self._faults.add(kind, count, shop=shop, operation=operation)

    def faults(self) -> list[dict[str, Any]]:
        return self._faults.pending()

    def clear_faults(self) -> None:
        self._faults.clear()

    def set_bucket(self, available: float, shop: str | None = None) -> None:
        """Set what is left in a shop's (or every shop's) cost bucket now."""
        if shop is not None and shop not in self.shops:
            raise ValueError(f"unknown shop {shop!r}; shops: {', '.join(self.shops)}")
        with self._lock:
            for name, state in self._state.items():
                if shop in (None, name):
                    state.bucket.set(available, self._clock())

    def close(self) -> None:
        self._closing.set()

    def scope_url(self, mount_url: str, shop: str) -> str:
        """Each shop is its own store: `{mount}/{shop}` stands for `https://{shop}.myshopify.com`."""
        return f"{mount_url}/{shop}"

    def admin(self, method: str, route: str, args: Mapping[str, str], body: Mapping[str, Any]) -> Any:
        """The admin API below `/_sandbox/ecommerce/`."""
        shared = shared_admin(self, method, route, args, body)
        if shared is not NOT_SHARED:
            return shared
        if (method, route) == ("POST", "bucket"):
            self.set_bucket(_float(body.get("available"), "available"), body.get("shop"))
            return {"shops": self.state()["shops"]}
        if (method, route) == ("GET", "credentials"):
            return self.credentials()
        raise AdminError(f"no admin route {method} /_sandbox{self.prefix}/{route}")

    # ----- the API ----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        """Answer `{method} /ecommerce{path}`."""
        parts = path.strip("/").split("/")
        shop = self._state.get(parts[0])
        if shop is None:
            return json_response({"errors": "Not Found"}, 404)
        rest = parts[1:]
        if len(rest) == 4 and rest[:2] == ["admin", "api"] and rest[3] == "graphql.json":
            return self._serve("graphql", method, shop, path, query, headers, body, version=rest[2])
        if rest == ["admin", "oauth", "access_token"]:
            return self._serve("token", method, shop, path, query, headers, body)
        if len(rest) == 2 and rest[0] == "bulk" and rest[1].endswith(".jsonl"):
            return self._serve("bulk_download", method, shop, path, query, headers, body)
        return json_response({"errors": "Not Found"}, 404)

    def _serve(
        self,
        operation: str,
        method: str,
        shop: _ShopState,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        version: str | None = None,
    ) -> SimResponse:
        name = shop.spec.name
        extra: dict[str, str] = {}
        used = None
        if version is not None:
            used = version if version in API_VERSIONS else OLDEST_API_VERSION
            extra["X-Shopify-API-Version"] = used
        entry: dict[str, Any] = {"shop": name, "operation": operation, "path": path, "method": method}
        if version is not None:
            entry.update(api_version=version, api_version_used=used)
        fault = self._faults.take(shop=name, operation=operation)
        if fault in ("http500", "http502", "http503", "http429") or (
            fault == "throttled" and operation != "graphql"
        ):
            response = _fault_response(fault, operation, extra)
            self._log.record(**entry, http_status=response.status, status="error", error=f"fault: {fault}")
            return response
        if fault == "drop":
            self._log.record(**entry, http_status=None, status="error", error="fault: drop")
            return SimResponse(0, drop=True)
        if fault == "timeout":
            self._log.record(**entry, http_status=None, status="error", error="fault: timeout")
            self._closing.wait(self.fault_timeout)
        if operation == "graphql":
            response = self._graphql(
                shop, method, headers, body, entry, throttle=fault == "throttled", version=str(used)
            )
        elif operation == "token":
            response = self._token(shop, method, headers, body, entry)
        else:
            response = self._download(shop, method, path, query, entry)
        response.headers.update(extra)
        if fault != "timeout":  # a client that timed out never saw this answer
            status = entry.pop("status", "ok")
            self._log.record(**entry, http_status=response.status, status=status)
        return response

    # ----- access tokens ----------------------------------------------------------------------

    def _token(
        self, shop: _ShopState, method: str, headers: Mapping[str, str], body: bytes, entry: dict
    ) -> SimResponse:
        if method != "POST":
            entry.update(status="error", error="method not allowed")
            return json_response({"errors": "Not Found"}, 404)
        params = _form_or_json(headers, body)
        entry["grant_type"] = params.get("grant_type")

        def refuse(error: str, description: str) -> SimResponse:
            entry.update(status="error", error=error)
            return json_response({"error": error, "error_description": description}, 400)

        if params.get("grant_type") != "client_credentials":
            return refuse(
                "unsupported_grant_type", "The grant type is not supported: use client_credentials."
            )
        if not params.get("client_id") or not params.get("client_secret"):
            return refuse("invalid_request", "client_id and client_secret are required.")
        spec = shop.spec
        if (
            spec.auth != CLIENT_CREDENTIALS
            or params["client_id"] != spec.client_id
            or params["client_secret"] != spec.client_secret
        ):
            return refuse("invalid_client", "Client authentication failed: unknown client or wrong secret.")
        with self._lock:
            shop.tokens_issued += 1
            token = issued_token(self.seed, spec.name, shop.tokens_issued)
            shop.tokens[token] = self._clock() + self.token_ttl_seconds
        return json_response(
            {"access_token": token, "scope": TOKEN_SCOPE, "expires_in": self.token_ttl_seconds}
        )

    def _authorized(self, shop: _ShopState, headers: Mapping[str, str]) -> bool:
        token = (_header(headers, "X-Shopify-Access-Token") or "").strip()
        if not token:
            return False
        if shop.spec.auth == STATIC_TOKEN:
            return token == shop.spec.access_token
        with self._lock:
            expires = shop.tokens.get(token)
            return expires is not None and self._clock() < expires

    # ----- GraphQL ------------------------------------------------------------------------------

    def _graphql(
        self,
        shop: _ShopState,
        method: str,
        headers: Mapping[str, str],
        body: bytes,
        entry: dict,
        *,
        throttle: bool,
        version: str = CURRENT_API_VERSION,
    ) -> SimResponse:
        if not self._authorized(shop, headers):
            with self._lock:
                shop.unauthorized += 1
            entry.update(status="error", error="invalid access token")
            return json_response({"errors": INVALID_TOKEN}, 401)
        if method != "POST":
            entry.update(status="error", error="method not allowed")
            return json_response({"errors": "Method Not Allowed"}, 405)
        request = _graphql_request(headers, body)
        if request is None:
            entry.update(status="error", error="no query")
            return json_response({"errors": {"query": "Required parameter missing or invalid"}}, 400)
        query, variables, operation_name = request
        entry.update(query=query[:_LOGGED_QUERY_CHARS], variables=variables)
        base_url = f"http://{_header(headers, 'Host') or '127.0.0.1'}{self.prefix}"
        with self._lock:
            payload = self._execute(
                shop, query, variables, operation_name, base_url, entry, throttle=throttle, version=version
            )
        return json_response(payload)

    def _execute(
        self,
        shop: _ShopState,
        query: str,
        variables: dict[str, Any],
        operation_name: str | None,
        base_url: str,
        entry: dict,
        *,
        throttle: bool,
        version: str = CURRENT_API_VERSION,
    ) -> dict[str, Any]:
        def failed(errors: list[GraphQLError], reason: str) -> dict[str, Any]:
            entry.update(status="error", error=f"{reason}: {errors[0].message}")
            return {"errors": [e.formatted for e in errors]}

        try:
            document = parse(query)
        except GraphQLError as error:
            return failed([error], "syntax")
        errors = validate(self._schema, document)
        if errors:
            return failed(errors, "invalid")
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = "An operation name is required" if operation_name is None else "Unknown operation"
            return failed([GraphQLError(f"{message}: {operation_name or ''}".rstrip(": "))], "invalid")
        coerced = get_variable_values(self._schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            return failed(coerced, "variables")
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        # graphql-core 3.3 wraps the values (`.coerced`); 3.2 returns the dict itself.
        selections = gql.plan(self._schema, operation, fragments, getattr(coerced, "coerced", coerced))
        mutation = operation.operation == OperationType.MUTATION
        requested = gql.MUTATION_COST * len(selections) if mutation else gql.requested_cost(selections)
        entry["requested_cost"] = requested
        now = self._clock()
        if requested > MAX_QUERY_COST:
            shop.max_cost_exceeded += 1
            entry.update(status="error", error="MAX_COST_EXCEEDED")
            message = MAX_COST_MESSAGE.format(cost=requested, limit=MAX_QUERY_COST)
            details = {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST}
            error = {"message": message, "extensions": details}
            return {"errors": [error], "extensions": {"cost": self._cost(shop, requested, None, now)}}
        if throttle or shop.bucket.level(now) < requested:
            if throttle:
                shop.throttled_faults += 1
            else:
                shop.throttled += 1
            entry.update(status="error", error="THROTTLED", available=int(shop.bucket.level(now)))
            error = {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOCS},
            }
            return {"errors": [error], "extensions": {"cost": self._cost(shop, requested, None, now)}}
        context = gql.Context(
            world=self.worlds[shop.spec.name],
            api_version=version,
            current_bulk=lambda: self._current_bulk(shop, base_url),
            find_bulk=lambda wanted: self._find_bulk(shop, wanted, base_url),
            run_bulk=lambda text, group: self._run_bulk(shop, text, group, base_url),
        )
        result = execute_sync(
            self._schema,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
        )
        if mutation:
            actual = requested
        else:
            actual = min(requested, gql.actual_cost(selections, result.data))
        shop.bucket.take(actual, now)
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
            entry.update(status="error", error=result.errors[0].message)
        payload["data"] = result.data
        extensions: dict[str, Any] = {"cost": self._cost(shop, requested, actual, now)}
        if context.search:
            extensions["search"] = context.search
        payload["extensions"] = extensions
        entry.update(
            actual_cost=actual,
            available=int(shop.bucket.level(now)),
            returned=sum(
                len(gql.connection_items(s, (result.data or {}).get(s.key)))
                for s in selections
                if s.kind == "connection"
            ),
        )
        return payload

    @staticmethod
    def _cost(shop: _ShopState, requested: int, actual: int | None, now: float) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": shop.bucket.status(now),
        }

    # ----- bulk operations ----------------------------------------------------------------------

    def _bulk_view(self, op: BulkOperation, base_url: str, status: str | None = None) -> dict[str, Any]:
        elapsed = self._clock() - op.started
        done = elapsed >= self.bulk_seconds
        status = status or ("COMPLETED" if done else "RUNNING")
        finished = status == "COMPLETED"
        progress = (
            1.0 if finished else (0.0 if status == "CREATED" else elapsed / max(self.bulk_seconds, 1e-9))
        )
        completed_at = op.created_at + max(1, math.ceil(self.bulk_seconds))
        url = f"{base_url}/{op.shop}/bulk/{op.number}.jsonl?signature={op.signature}"
        return {
            "id": op.gid,
            "type": "QUERY",
            "status": status,
            "errorCode": None,
            "query": op.query,
            "createdAt": iso(op.created_at),
            "completedAt": iso(completed_at) if finished else None,
            "objectCount": str(int(op.objects * min(1.0, progress))),
            "rootObjectCount": str(int(op.roots * min(1.0, progress))),
            # Shopify gives no file (url null) for an operation that found nothing.
            "fileSize": str(len(op.body)) if finished and op.objects else None,
            "url": url if finished and op.objects else None,
            "partialDataUrl": None,
        }

    def _current_bulk(self, shop: _ShopState, base_url: str) -> dict[str, Any] | None:
        return self._bulk_view(shop.bulk[-1], base_url) if shop.bulk else None

    def _find_bulk(self, shop: _ShopState, wanted: str, base_url: str) -> dict[str, Any] | None:
        op = next((o for o in shop.bulk if o.gid == wanted), None)
        return self._bulk_view(op, base_url) if op else None

    def _run_bulk(self, shop: _ShopState, text: str, group: bool, base_url: str) -> dict[str, Any]:
        def invalid(message: str, code: str = "INVALID", field: list[str] | None = None) -> dict[str, Any]:
            error = {"code": code, "field": field, "message": message}
            return {"bulkOperation": None, "userErrors": [error]}

        if shop.bulk and self._clock() - shop.bulk[-1].started < self.bulk_seconds:
            return invalid(
                f"A bulk query operation for this app and shop is already in progress: {shop.bulk[-1].gid}.",
                "OPERATION_IN_PROGRESS",
            )
        try:
            document = parse(text)
        except GraphQLError as error:
            return invalid(f"Invalid bulk query: {error.message}", field=["query"])
        errors = validate(self._schema, document)
        if errors:
            return invalid(f"Invalid bulk query: {errors[0].message}", field=["query"])
        operation = get_operation_ast(document)
        if operation is None or operation.operation != OperationType.QUERY:
            return invalid("Invalid bulk query: a bulk query runs one query operation.", field=["query"])
        if operation.variable_definitions:
            return invalid("Invalid bulk query: bulk queries do not take variables.", field=["query"])
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        selections = gql.plan(self._schema, operation, fragments, {})
        if len(selections) != 1 or selections[0].name != "orders":
            return invalid(
                "Bulk queries must contain exactly one top-level connection: orders.", field=["query"]
            )
        missing = gql.missing_parent_ids(selections)
        if missing:
            return invalid(
                "The parent 'node' field for a nested connection must select the 'id' field. "
                f"Connection fields without 'id': {', '.join(missing)}.",
                field=["query"],
            )
        context = gql.Context(world=self.worlds[shop.spec.name], bulk=True)
        result = execute_sync(self._schema, document, context_value=context)
        if result.errors:
            return invalid(f"Invalid bulk query: {result.errors[0].message}", field=["query"])
        rows = gql.bulk_rows(selections[0], result.data or {})
        self._bulk_count += 1
        number = _BULK_ID_BASE + self._bulk_count * 1_009
        if not group:
            # Ungrouped output promises no order: a child may come before its parent, far from it.
            random.Random(f"{self.seed}:ecommerce:{shop.spec.name}:bulk:{number}").shuffle(rows)
        body = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows).encode()
        signature = hashlib.sha256(
            f"{self.seed}:ecommerce:{shop.spec.name}:bulk:{number}".encode()
        ).hexdigest()
        op = BulkOperation(
            number=number,
            shop=shop.spec.name,
            query=text,
            started=self._clock(),
            created_at=day_start(self.day + 1),
            body=body,
            objects=len(rows),
            roots=len(gql.connection_items(selections[0], (result.data or {}).get(selections[0].key))),
            signature=signature[:40],
        )
        shop.bulk.append(op)
        shop.bulk_runs += 1
        del shop.bulk[:-BULK_FILES_KEPT]  # older files have expired
        return {"bulkOperation": self._bulk_view(op, base_url, "CREATED"), "userErrors": []}

    def _download(self, shop: _ShopState, method: str, path: str, query: str, entry: dict) -> SimResponse:
        if method != "GET":
            entry.update(status="error", error="method not allowed")
            return _xml_error(
                405, "MethodNotAllowed", "The specified method is not allowed against this resource."
            )
        number_text = path.rsplit("/", 1)[-1].removesuffix(".jsonl")
        with self._lock:
            op = next((o for o in shop.bulk if str(o.number) == number_text), None)
            finished = op is not None and self._clock() - op.started >= self.bulk_seconds
        signature = dict(parse_qsl(query)).get("signature")
        if op is None or not finished or not op.objects:
            entry.update(status="error", error="no such file")
            return _xml_error(404, "NoSuchKey", "The specified key does not exist.")
        if signature != op.signature:
            entry.update(status="error", error="bad signature")
            return _xml_error(403, "SignatureDoesNotMatch", "Access denied.")
        entry["returned"] = op.objects
        return SimResponse(200, op.body, {"Content-Type": "application/jsonl"})


# --------------------------------------------------------------------------------------------
# Request bodies
# --------------------------------------------------------------------------------------------


def _form_or_json(headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    content_type = (_header(headers, "Content-Type") or "").lower()
    if "json" in content_type:
        try:
            parsed = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return {}
        return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}
    return dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))


def _graphql_request(
    headers: Mapping[str, str], body: bytes
) -> tuple[str, dict[str, Any], str | None] | None:
    """(query, variables, operationName) from a JSON body, or a body of Content-Type application/graphql."""
    content_type = (_header(headers, "Content-Type") or "").lower()
    if content_type.startswith("application/graphql"):
        text = body.decode(errors="replace")
        return (text, {}, None) if text.strip() else None
    try:
        parsed = json.loads(body or b"null")
    except json.JSONDecodeError:
        return None
    if (
        not isinstance(parsed, dict)
        or not isinstance(parsed.get("query"), str)
        or not parsed["query"].strip()
    ):
        return None
    variables = parsed.get("variables") or {}
    if not isinstance(variables, dict):
        return None
    name = parsed.get("operationName")
    return parsed["query"], variables, name if isinstance(name, str) and name else None


def _float(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise AdminError(f"{name} must be a number, got {value!r}") from error
