"""One Shopify shop's GraphQL Admin API on the shared REST layer: its token, its cost bucket,
paged reads (nested connections to their end) and bulk operations.

Shopify limits by query cost, not by requests: each shop has a bucket (2,000 points restored at
100/s on standard plans) that must hold a query's *requested* cost before it runs; the *actual*
cost is charged. Every answer reports the bucket (`extensions.cost.throttleStatus`). `CostBucket`
keeps the last report and holds each query back until the bucket, restored since, holds what
that query asked for last time, so no request is sent into an empty bucket; a `THROTTLED`
answer all the same (another app on the shop) is retried after the refill it needs.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
from dlt.sources.helpers.rest_client.auth import APIKeyAuth, OAuth2ClientCredentials
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from loaders.common.errors import PermanentError, TransientError
from loaders.common.rest import ApiClient
from loaders.ecommerce import queries
from loaders.ecommerce.settings import MAX_QUERY_COST, Settings, Shop

log = logging.getLogger(__name__)

_call = threading.local()  # the query this thread is sending: its name and expected cost


class CostBucket:
    """A shop's query-cost bucket as Shopify last reported it, restored since at its rate.

    Used as the session's read budget (`acquire`/`settle` around each attempt): it waits until
    the bucket holds the cost the current query asked for last time (the maximum, 1,000, before
    the first answer), and learns each query's requested cost from the answers."""

    def __init__(
        self,
        name: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self.maximum: float | None = None
        self.available: float | None = None
        self.restore_rate: float | None = None
        self._observed_at = 0.0
        self.requested: dict[str, float] = {}  # query name -> its last requested cost
        self.calls = 0
        self.waited_seconds = 0.0
        self.throttled = 0  # THROTTLED answers (a request the bucket refused)
        # What ReadBudget has and reports read: Shopify has no daily cap.
        self.used_today = 0
        self.per_day = None

    def expected_cost(self) -> float:
        name = getattr(_call, "name", None)
        if name is None:
            return 0.0  # not a GraphQL query (a token request, a bulk download)
        return self.requested.get(name, float(MAX_QUERY_COST))

    def available_now(self) -> float | None:
        if self.available is None or self.restore_rate is None or self.maximum is None:
            return None
        restored = self.available + (self._clock() - self._observed_at) * self.restore_rate
        return min(self.maximum, restored)

    def release(self) -> None:
        """Give back what this thread's last attempt reserved when no answer reported the bucket
        (a 401, 429 or 5xx: the query did not run, or its cost is unknown)."""
        reserved = getattr(_call, "reserved", 0.0)
        _call.reserved = 0.0
        if reserved and self.available is not None and self.maximum is not None:
            with self._lock:
                self.available = min(self.maximum, self.available + reserved)

    def acquire(self) -> None:
        self.release()  # a retry: the attempt before it was not charged as reserved
        while True:
            with self._lock:
                cost = self.expected_cost()
                available = self.available_now()
                if self.maximum is not None and cost > self.maximum:
                    # Never fits: Shopify would answer THROTTLED however long we waited.
                    raise PermanentError(
                        f"{self.name}: a query costing {cost:.0f} points exceeds the shop's bucket of "
                        f"{self.maximum:.0f}; lower sources.ecommerce.nested_page_size or "
                        "line_items_page_size"
                    )
                if cost == 0 or available is None or available >= cost:
                    if cost and available is not None:
                        # Reserve it: a parallel query of this shop waits for its own share.
                        self.available = available - cost
                        self._observed_at = self._clock()
                        _call.reserved = cost
                    self.calls += 1
                    self.used_today += 1
                    return
                wait = (cost - available) / (self.restore_rate or 1) + 0.05
            self.waited_seconds += wait
            self._sleep(wait)

    def settle(self, slot: Any) -> None:
        """The answer arrived; what it reported is taken by `observe` (the body check)."""

    def observe(self, cost: dict[str, Any]) -> None:
        status = cost.get("throttleStatus") or {}
        _call.reserved = 0.0  # the server's report replaces our reservation
        with self._lock:
            if status:
                self.maximum = float(status["maximumAvailable"])
                self.available = float(status["currentlyAvailable"])
                self.restore_rate = float(status["restoreRate"])
                self._observed_at = self._clock()
            name = getattr(_call, "name", None)
            if name is not None and cost.get("requestedQueryCost") is not None:
                self.requested[name] = float(cost["requestedQueryCost"])

    def refill_wait(self, cost: dict[str, Any]) -> float:
        status = cost.get("throttleStatus") or {}
        requested = float(cost.get("requestedQueryCost") or MAX_QUERY_COST)
        rate = float(status.get("restoreRate") or 50)
        return max(0.0, requested - float(status.get("currentlyAvailable") or 0)) / rate + 0.05


class ShopifyClientCredentials(OAuth2ClientCredentials):
    """The client-credentials grant of apps made in the Dev Dashboard (tokens last about 24 h).

    dlt's class sends `Authorization: Bearer`; Shopify reads `X-Shopify-Access-Token`. The token
    is renewed `expiry_margin` before it expires (a tenth of its life, at most a minute) and
    once on a 401 (loaders/common/rest.py)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.access_token is None or self.is_token_expired():
            self.obtain_token()
        request.headers["X-Shopify-Access-Token"] = str(self.access_token)
        return request

    def is_token_expired(self) -> bool:
        import pendulum

        margin = getattr(self, "expiry_margin", 60)
        return pendulum.now().add(seconds=margin) >= self.token_expiry

    def obtain_token(self) -> None:
        import pendulum

        name = getattr(_call, "name", None)
        _call.name = None  # a token request spends nothing from the cost bucket
        try:
            response = self.session.post(self.access_token_url, **self.build_access_token_request())
        finally:
            _call.name = name
        body = response.json()
        if not body.get("access_token"):
            raise PermanentError(f"{self.access_token_url.split('//')[-1].split('/')[0]}: no access token")
        self.access_token = str(body["access_token"])
        lifetime = self.parse_expiration_in_seconds(body)
        self.expiry_margin = min(60, lifetime // 10)
        self.token_expiry = pendulum.now().add(seconds=lifetime)


class ShopClient:
    """One shop: GraphQL queries, paged reads and bulk operations, budgeted by its cost bucket."""

    def __init__(self, shop: Shop, settings: Settings, *, sleep: Callable[[float], None] = time.sleep):
        self.shop = shop
        self.settings = settings
        self._sleep = sleep
        self.bucket = CostBucket(f"shop {shop.name}", sleep=sleep)
        self.path = f"/admin/api/{settings.api_version}/graphql.json"
        self.served_version: str | None = None
        if shop.access_token:
            auth: Any = APIKeyAuth(
                name="X-Shopify-Access-Token", api_key=shop.access_token, location="header"
            )
        else:
            auth = ShopifyClientCredentials(
                access_token_url=f"{shop.shop_url}/admin/oauth/access_token",
                client_id=shop.client_id,
                client_secret=shop.client_secret,
            )
        self.api = ApiClient.create(
            name=f"shop {shop.name}",
            base_url=shop.shop_url,
            auth=auth,
            budget=self.bucket,  # type: ignore[arg-type]
            policy=settings.retry,
            check_body=self._check_body,
            headers={"Content-Type": "application/json"},
        )

    @property
    def stats(self) -> Any:
        return self.api.session.stats

    def close(self) -> None:
        self.api.close()

    # ---- one query --------------------------------------------------------------------------

    def _check_body(self, body: Any) -> None:
        if not isinstance(body, dict):
            raise TransientError("the answer was not a GraphQL response")
        if "access_token" in body:
            return  # the token endpoint's answer
        cost = (body.get("extensions") or {}).get("cost") or {}
        if cost:
            self.bucket.observe(cost)
        errors = body.get("errors")
        if not errors:
            return
        if isinstance(errors, str):
            raise PermanentError(errors[:160])
        codes = {str((e.get("extensions") or {}).get("code", "")) for e in errors if isinstance(e, dict)}
        if "THROTTLED" in codes:
            self.bucket.throttled += 1
            raise TransientError("THROTTLED by the cost bucket", retry_after=self.bucket.refill_wait(cost))
        if "INTERNAL_SERVER_ERROR" in codes:
            raise TransientError("INTERNAL_SERVER_ERROR")
        first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
        code = next(iter(sorted(c for c in codes if c)), "")
        message = str(first.get("message") or "").strip().split("\n")[0][:200]
        hint = ""
        if code == "MAX_COST_EXCEEDED":
            hint = "; lower sources.ecommerce.orders_page_size or line_items_page_size"
        raise PermanentError(f"GraphQL error {code + ': ' if code else ''}{message}{hint}")

    def query(self, name: str, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        _call.name = name
        try:
            response = self.api.rest.post(
                self.path, json={"query": document, "variables": variables or {}}, hooks={"response": []}
            )
        finally:
            _call.name = None
            self.bucket.release()
        self._note_version(response)
        return response.json().get("data") or {}

    def _note_version(self, response: requests.Response) -> None:
        served = response.headers.get("X-Shopify-API-Version")
        if served and self.served_version is None:
            self.served_version = served

    def pages(
        self, name: str, document: str, connection: str, variables: dict[str, Any]
    ) -> Iterator[list[dict[str, Any]]]:
        """A connection (`orders`, `order.lineItems` ...) read page by page to its end, with
        dlt's cursor paginator moving `variables.after`."""
        paginator = JSONResponseCursorPaginator(
            cursor_path=f"data.{connection}.pageInfo.endCursor",
            cursor_body_path="variables.after",
            has_more_path=f"data.{connection}.pageInfo.hasNextPage",
        )
        _call.name = name
        try:
            for page in self.api.pages(
                self.path,
                method="POST",
                json={"query": document, "variables": {"after": None, **variables}},
                paginator=paginator,
                data_selector=f"data.{connection}.nodes",
            ):
                _call.name = None
                if page.response is not None:
                    self._note_version(page.response)
                yield list(page)
                _call.name = name
        finally:
            _call.name = None
            self.bucket.release()

    # ---- orders ---------------------------------------------------------------------------

    def changed_orders(self, since: str | None) -> Iterator[list[dict[str, Any]]]:
        """Orders updated at or after `since` (every order when None), oldest change first, each
        with every line item and refund line item."""
        settings = self.settings
        document = queries.orders_page(
            settings.line_items_page_size, settings.refunds_per_order, settings.refund_line_items_page_size
        )
        search = f"updated_at:>='{since}'" if since else None
        for page in self.pages(
            "orders", document, "orders", {"first": self.settings.orders_page_size, "query": search}
        ):
            yield [self.complete(order) for order in page]

    def complete(self, order: dict[str, Any]) -> dict[str, Any]:
        """The order with its nested connections read to their end: Shopify cuts a nested list
        off at `first`, and says so only in its `pageInfo`."""
        line_items = order.get("lineItems") or {}
        nodes = list(line_items.get("nodes") or [])
        info = line_items.get("pageInfo") or {}
        if info.get("hasNextPage"):
            for page in self.pages(
                "order_line_items",
                queries.ORDER_LINE_ITEMS,
                "order.lineItems",
                {"id": order["id"], "first": self.settings.nested_page_size, "after": info.get("endCursor")},
            ):
                nodes.extend(page)
                info = {"hasNextPage": False}
        order["lineItems"] = {"nodes": nodes}
        if len(order.get("refunds") or []) >= self.settings.refunds_per_order:
            variables = {"id": order["id"], "refundLineItems": self.settings.refund_line_items_page_size}
            order["refunds"] = (
                self.query("order_refunds", queries.ORDER_REFUNDS, variables).get("order") or {}
            ).get("refunds") or []
        for refund in order.get("refunds") or []:
            connection = refund.get("refundLineItems") or {}
            refund_nodes = list(connection.get("nodes") or [])
            if (connection.get("pageInfo") or {}).get("hasNextPage"):
                for page in self.pages(
                    "refund_line_items",
                    queries.REFUND_LINE_ITEMS,
                    "refund.refundLineItems",
                    {
                        "id": refund["id"],
                        "first": self.settings.nested_page_size,
                        "after": connection["pageInfo"].get("endCursor"),
                    },
                ):
                    refund_nodes.extend(page)
            refund["refundLineItems"] = {"nodes": refund_nodes}
        order["_line_items_read"] = len(nodes)
        order["_line_items_complete"] = not info.get("hasNextPage")
        return order

    def order_ids(self) -> Iterator[list[str]]:
        for page in self.pages("order_ids", queries.ORDER_IDS, "orders", {"first": 250}):
            yield [node["id"] for node in page]

    # ---- bulk backfill ----------------------------------------------------------------------

    def bulk_orders(self, since: str | None) -> Iterator[list[dict[str, Any]]]:
        """Every order (changed since `since`) through a bulk operation: one query, a JSONL file
        streamed and assembled an order at a time, never a cursor walk over the whole shop."""
        search = f"updated_at:>='{since}'" if since else None
        running = self.query("current_bulk", queries.CURRENT_BULK).get("currentBulkOperation") or {}
        if running.get("status") in ("CREATED", "RUNNING"):
            self._wait_for(running["id"])  # another run's operation: one at a time per shop
        started = self.query("run_bulk", queries.RUN_BULK, {"query": queries.bulk_orders(search)})
        payload = started.get("bulkOperationRunQuery") or {}
        errors = payload.get("userErrors") or []
        if errors:
            raise PermanentError(f"bulk operation refused: {errors[0].get('message')}")
        operation = self._wait_for(payload["bulkOperation"]["id"])
        url = operation.get("url")
        if not url:  # an operation that matched nothing has no file
            return
        yield from self._download(url)

    def _wait_for(self, operation_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.settings.bulk_timeout_seconds
        while True:
            current = self.query("current_bulk", queries.CURRENT_BULK).get("currentBulkOperation") or {}
            status = current.get("status")
            if current.get("id") == operation_id and status == "COMPLETED":
                return current
            if current.get("id") == operation_id and status in ("FAILED", "CANCELED", "EXPIRED"):
                raise TransientError(
                    f"bulk operation {status.lower()} ({current.get('errorCode') or 'no error code'})"
                )
            if time.monotonic() > deadline:
                raise TransientError(
                    f"bulk operation still {status} after {self.settings.bulk_timeout_seconds:.0f}s"
                )
            self._sleep(self.settings.bulk_poll_seconds)

    def _download(self, url: str, batch: int = 500) -> Iterator[list[dict[str, Any]]]:
        # A signed link to Shopify's storage: no shop token, never logged (its query is the
        # signature), and not JSON, so not through the GraphQL session's checks. The file is
        # streamed line by line; a failed download fails the shop's run, and the next run
        # starts the backfill again (the watermark has not moved).
        try:
            response = requests.get(url, stream=True, timeout=self.settings.retry.timeout_seconds)
            response.raise_for_status()
        except requests.RequestException as exc:
            status = getattr(exc.response, "status_code", None)
            raise TransientError(
                f"shop {self.shop.name}: bulk file download failed ({status or type(exc).__name__})"
            ) from None
        try:
            assembler = BulkAssembler()
            orders: list[dict[str, Any]] = []
            for raw in response.iter_lines():
                if not raw:
                    continue
                for order in assembler.add(json.loads(raw)):
                    orders.append(order)
                    if len(orders) >= batch:
                        yield orders
                        orders = []
            orders.extend(assembler.finish())
            if orders:
                yield orders
        finally:
            response.close()


class BulkAssembler:
    """Turns a grouped bulk JSONL stream (an order's line, then its line items with `__parentId`
    the order, its refund line items with `__parentId` the refund) back into the order records
    the paged read lands, one order at a time."""

    def __init__(self) -> None:
        self.order: dict[str, Any] | None = None
        self.refunds: dict[str, dict[str, Any]] = {}

    def add(self, line: dict[str, Any]) -> list[dict[str, Any]]:
        parent = line.pop("__parentId", None)
        if parent is None:
            done = self.finish()
            line["lineItems"] = {"nodes": []}
            self.refunds = {}
            for refund in line.get("refunds") or []:
                refund["refundLineItems"] = {"nodes": []}
                self.refunds[refund["id"]] = refund
            self.order = line
            return done
        if self.order is not None and parent == self.order["id"]:
            self.order["lineItems"]["nodes"].append(line)
        elif parent in self.refunds:
            self.refunds[parent]["refundLineItems"]["nodes"].append(line)
        else:
            # Ungrouped output, or a line whose order is missing: assembling on would misplace it.
            raise PermanentError(f"bulk file: a line for {parent} does not follow its parent (not grouped)")
        return []

    def finish(self) -> list[dict[str, Any]]:
        if self.order is None:
            return []
        order, self.order = self.order, None
        order["_line_items_read"] = len(order["lineItems"]["nodes"])
        order["_line_items_complete"] = True
        return [order]
