"""The Shopify GraphQL Admin API simulator against the contract notes (shared/sources/ecommerce.md)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.ecommerce.generator import (
    FINANCIAL_STATUSES,
    FULFILLMENT_STATUSES,
    ShopWorld,
    iso,
    order_record,
)
from sandbox.ecommerce.server import EcommerceSimulator
from sandbox.ecommerce.shops import API_VERSIONS, SHOP_NAMES, sandbox_shops
from sandbox.ecommerce.spec import SPEC
from sandbox.framework import LoaderContext
from sandbox.server import RunningSandbox, start_sandbox_server

# Never touches a warehouse: CI runs it once, in the DuckDB leg (pytest -m "not no_warehouse").
pytestmark = pytest.mark.no_warehouse

SEED = 42
SCALE = 0.2  # about 120 orders a shop: fast, yet large orders, refunds, edits and deletions are there
DECIMAL = re.compile(r"^-?\d+\.\d{2}$")
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

MONEY = "{ shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }"
# The order node exactly as loaders/ecommerce/README.md lists it; pages sized to stay under 1,000.
ORDER_FIELDS = f"""
  id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason closedAt
  displayFinancialStatus displayFulfillmentStatus currencyCode test email
  customer {{ id }}
  subtotalPriceSet {MONEY} totalDiscountsSet {MONEY} totalTaxSet {MONEY} totalPriceSet {MONEY}
  currentTotalPriceSet {MONEY} totalRefundedSet {MONEY}
  lineItems(first: $lineItems) {{
    nodes {{ ...line }}
    pageInfo {{ hasNextPage endCursor }}
  }}
  refunds {{
    id createdAt totalRefundedSet {MONEY}
    refundLineItems(first: 10) {{
      nodes {{ lineItem {{ id }} quantity subtotalSet {MONEY} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
"""
LINE_FRAGMENT = f"""
fragment line on LineItem {{
  id sku title variantTitle quantity currentQuantity
  originalUnitPriceSet {MONEY} discountedUnitPriceSet {MONEY} totalDiscountSet {MONEY}
  product {{ id }} variant {{ id }} requiresShipping taxable
}}
"""
ORDERS_QUERY = f"""
query Orders($first: Int!, $after: String, $query: String, $lineItems: Int!) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    nodes {{ {ORDER_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
{LINE_FRAGMENT}
"""
MORE_LINE_ITEMS = f"""
query MoreLineItems($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: 50, after: $after) {{ nodes {{ ...line }} pageInfo {{ hasNextPage endCursor }} }}
  }}
}}
{LINE_FRAGMENT}
"""


class ShopClient:
    """POSTs GraphQL to one shop of a running sandbox with its access token."""

    def __init__(self, sandbox: RunningSandbox, shop: str, version: str = API_VERSIONS[0]) -> None:
        self.sandbox = sandbox
        self.shop = shop
        self.base_url = sandbox.scope_url("ecommerce", shop)
        self.version = version
        self.session = requests.Session()
        self.credentials = sandbox.ecommerce.credentials()[shop]
        self.token = self.credentials.get("access_token") or self.new_token().json()["access_token"]

    def new_token(self, **overrides: str) -> requests.Response:
        form = {
            "client_id": self.credentials.get("client_id", ""),
            "client_secret": self.credentials.get("client_secret", ""),
            "grant_type": "client_credentials",
            **overrides,
        }
        return self.session.post(f"{self.base_url}/admin/oauth/access_token", data=form, timeout=10)

    def raw(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        version: str | None = None,
    ) -> requests.Response:
        return self.session.post(
            f"{self.base_url}/admin/api/{version or self.version}/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": token if token is not None else self.token},
            timeout=30,
        )

    def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.raw(query, variables)
        assert response.status_code == 200, response.text[:300]
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body

    def all_orders(self, search: str | None = None, first: int = 4, line_items: int = 10) -> list[dict]:
        """Every order through `orders` pages, each order's line items paged to their end."""
        orders: list[dict[str, Any]] = []
        after = None
        while True:
            variables = {"first": first, "after": after, "query": search, "lineItems": line_items}
            page = self.query(ORDERS_QUERY, variables)["data"]["orders"]
            orders += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        for order in orders:
            items = order["lineItems"]
            while items["pageInfo"]["hasNextPage"]:
                variables = {"id": order["id"], "after": items["pageInfo"]["endCursor"]}
                more = self.query(MORE_LINE_ITEMS, variables)["data"]["order"]["lineItems"]
                items["nodes"] += more["nodes"]
                items["pageInfo"] = more["pageInfo"]
            del items["pageInfo"]
            for refund in order["refunds"]:
                assert refund["refundLineItems"].pop("pageInfo")["hasNextPage"] is False
        return orders

    def ids(self, search: str | None = None, first: int = 25, sort: str = "UPDATED_AT") -> list[str]:
        """The ids of every order matching `search`, in pages of `first`."""
        query = """query($first: Int!, $after: String, $query: String, $sort: OrderSortKeys) {
          orders(first: $first, after: $after, query: $query, sortKey: $sort) {
            nodes { id } pageInfo { hasNextPage endCursor } } }"""
        found: list[str] = []
        after = None
        while True:
            variables = {"first": first, "after": after, "query": search, "sort": sort}
            page = self.query(query, variables)["data"]["orders"]
            found += [node["id"] for node in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]


def _start(**options: Any) -> RunningSandbox:
    scale = options.pop("scale", SCALE)
    return start_sandbox_server(seed=SEED, scale=scale, simulators=("ecommerce",), ecommerce=options)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    # A bucket that refills at once: the shared sandbox is not about rate limits.
    server = _start(restore_rate=1e9, bulk_seconds=0.1)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def outdoor(sandbox: RunningSandbox) -> ShopClient:
    return ShopClient(sandbox, "outdoor-gear")


@pytest.fixture(scope="module")
def home(sandbox: RunningSandbox) -> ShopClient:
    return ShopClient(sandbox, "home-goods")


@pytest.fixture(autouse=True)
def _clear_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").ecommerce.clear_faults()


def _world(sandbox: RunningSandbox, shop: str) -> ShopWorld:
    return sandbox.ecommerce.worlds[shop]


def _by_updated(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: (r["updatedAt"], int(r["legacyResourceId"])))


# --------------------------------------------------------------------------------------------
# Reading orders
# --------------------------------------------------------------------------------------------


def test_only_the_fields_asked_for_come_back(outdoor) -> None:
    body = outdoor.query("{ orders(first: 3) { nodes { id name totalPriceSet { shopMoney { amount } } } } }")
    nodes = body["data"]["orders"]["nodes"]
    assert len(nodes) == 3 and set(body) == {"data", "extensions"}
    assert set(body["data"]["orders"]) == {"nodes"}
    for node in nodes:
        assert set(node) == {"id", "name", "totalPriceSet"}
        assert re.fullmatch(r"gid://shopify/Order/\d+", node["id"]) and re.fullmatch(r"#\d+", node["name"])
        amount = node["totalPriceSet"]["shopMoney"]["amount"]
        assert node["totalPriceSet"] == {"shopMoney": {"amount": amount}} and DECIMAL.match(amount)

    misspelt = outdoor.raw("{ orders(first: 1) { nodes { id totalPrice } } }")
    assert misspelt.status_code == 200  # GraphQL errors arrive with HTTP 200
    assert "data" not in misspelt.json() and "totalPrice" in misspelt.json()["errors"][0]["message"]


def test_paging_orders_and_their_line_items_returns_every_order_whole(sandbox, outdoor, home) -> None:
    for client in (outdoor, home):
        world = _world(sandbox, client.shop)
        orders = client.all_orders()
        assert len(orders) == len(world.orders) > 50
        assert orders == _by_updated(world.records())  # every field, every line item, every refund
        assert any(len(o["lineItems"]["nodes"]) > 50 for o in orders)  # paged past the first 10 and 50
    records = [r for shop in SHOP_NAMES for r in _world(sandbox, shop).records()]
    assert all(ISO_UTC.match(r["updatedAt"]) and r["updatedAt"] >= r["createdAt"] for r in records)
    assert any(r["customer"] is None for r in records) and any(r["test"] for r in records)
    assert any(r["refunds"] for r in records) and any(r["cancelReason"] for r in records)


def test_updated_at_filter_with_sort_key_updated_at(sandbox, outdoor) -> None:
    records = _by_updated(_world(sandbox, "outdoor-gear").records())
    watermark = records[len(records) // 2]["updatedAt"]
    expected = [r["id"] for r in records if r["updatedAt"] >= watermark]
    for search in (f"updated_at:>='{watermark}'", f"updated_at:>={watermark}", f'updated_at:>="{watermark}"'):
        assert outdoor.ids(search, first=7) == expected, search
    # The loader's own query, README fields and all, pages the same way.
    assert [o["id"] for o in outdoor.all_orders(f"updated_at:>='{watermark}'", first=4)] == expected

    created = records[10]["createdAt"]
    both = outdoor.ids(f"updated_at:>='{watermark}' AND created_at:<'{created}'")
    assert both == [r["id"] for r in records if r["updatedAt"] >= watermark and r["createdAt"] < created]
    spaced = outdoor.ids(f"updated_at:<{watermark} created_at:>={created}")
    assert spaced == [r["id"] for r in records if r["updatedAt"] < watermark and r["createdAt"] >= created]
    by_id = outdoor.ids(f"updated_at:>='{watermark}'", sort="ID")
    assert by_id == sorted(expected, key=lambda i: int(i.rsplit("/", 1)[1]))

    # An unknown search field is ignored (with a warning), as Shopify does.
    search = "query($q: String) { orders(first: 250, query: $q) { nodes { id } } }"
    body = outdoor.query(search, {"q": f"colour:red updated_at:>='{watermark}'"})
    assert [o["id"] for o in body["data"]["orders"]["nodes"]] == by_id
    assert body["extensions"]["search"][0]["warnings"][0]["field"] == "colour"


def test_cursors_page_both_ways_and_sort_keys(sandbox, outdoor) -> None:
    ids = [o.gid for o in _world(sandbox, "outdoor-gear").live()]
    query = """query($first: Int, $after: String, $last: Int, $before: String, $reverse: Boolean) {
      orders(first: $first, after: $after, last: $last, before: $before, reverse: $reverse) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    first = outdoor.query(query, {"first": 5})["data"]["orders"]
    assert [e["node"]["id"] for e in first["edges"]] == ids[:5]
    assert first["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False,
                                 "startCursor": first["edges"][0]["cursor"],
                                 "endCursor": first["edges"][-1]["cursor"]}  # fmt: skip
    second = outdoor.query(query, {"first": 5, "after": first["pageInfo"]["endCursor"]})["data"]["orders"]
    assert [e["node"]["id"] for e in second["edges"]] == ids[5:10] and second["pageInfo"]["hasPreviousPage"]
    back = outdoor.query(query, {"last": 3, "before": second["pageInfo"]["startCursor"]})["data"]["orders"]
    assert [e["node"]["id"] for e in back["edges"]] == ids[2:5]
    newest = outdoor.query(query, {"first": 2, "reverse": True})["data"]["orders"]
    assert [e["node"]["id"] for e in newest["edges"]] == ids[::-1][:2]

    bad = outdoor.raw(query, {"first": 5, "after": "not-a-cursor"}).json()
    assert bad["data"] is None and "cursor" in bad["errors"][0]["message"]
    missing = outdoor.raw("{ orders { nodes { id } } }").json()
    assert missing["errors"][0]["message"] == "you must provide one of first or last"
    too_many = outdoor.raw("{ orders(first: 251) { nodes { id } } }")
    assert too_many.status_code == 200 and "250" in too_many.json()["errors"][0]["message"]
    assert outdoor.raw("{ orders(first: 250) { nodes { id } } }").json()["data"]["orders"]["nodes"]


def test_an_order_with_more_than_50_line_items_needs_several_pages(sandbox, outdoor) -> None:
    large = max(_world(sandbox, "outdoor-gear").live(), key=lambda o: len(o.line_items))
    assert len(large.line_items) > 50
    query = """query($id: ID!, $after: String) { order(id: $id) { legacyResourceId
      lineItems(first: 50, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }"""
    seen, after, pages = [], None, 0
    while True:
        order = outdoor.query(query, {"id": large.gid, "after": after})["data"]["order"]
        assert order["legacyResourceId"] == str(large.id)
        seen += [n["id"] for n in order["lineItems"]["nodes"]]
        pages += 1
        if not order["lineItems"]["pageInfo"]["hasNextPage"]:
            break
        after = order["lineItems"]["pageInfo"]["endCursor"]
    assert pages == -(-len(large.line_items) // 50) >= 2
    assert seen == [f"gid://shopify/LineItem/{li.id}" for li in large.line_items]
    assert outdoor.query(query, {"id": "gid://shopify/Order/1"})["data"]["order"] is None
    nested = outdoor.raw("{ orders(first: 1) { nodes { lineItems { nodes { id } } } } }").json()
    assert nested["errors"][0]["message"] == "you must provide one of first or last"


def test_edit_removed_items_stay_with_current_quantity_zero(sandbox, outdoor) -> None:
    world = _world(sandbox, "outdoor-gear")
    edited = next(o for o in world.live() if any(li.current_quantity == 0 for li in o.line_items))
    removed = next(li for li in edited.line_items if li.current_quantity == 0)
    query = """query($id: ID!) {
      order(id: $id) { lineItems(first: 250) { nodes { id quantity currentQuantity } } } }"""
    items = outdoor.query(query, {"id": edited.gid})["data"]["order"]["lineItems"]["nodes"]
    shown = next(i for i in items if i["id"] == f"gid://shopify/LineItem/{removed.id}")
    assert shown["currentQuantity"] == 0 and shown["quantity"] >= 1


def test_money_is_consistent(sandbox) -> None:
    for shop in SHOP_NAMES:
        for order in _world(sandbox, shop).live():
            lines = order.line_items
            assert order.subtotal == sum(li.current_quantity * li.discounted_unit_price for li in lines)
            assert order.total_price == order.subtotal + order.total_tax
            assert order.total_refunded == sum(r.total for r in order.refunds)
            assert order.current_total_price == order.total_price - order.total_refunded >= 0
            for refund in order.refunds:
                for line in refund.lines:
                    assert line.line_item in lines and line.quantity <= line.line_item.current_quantity
            if order.financial_status == "REFUNDED" and order.refunds:
                assert order.current_total_price == 0


# --------------------------------------------------------------------------------------------
# Cost, throttling and limits
# --------------------------------------------------------------------------------------------


def test_cost_is_reported_and_an_empty_bucket_throttles() -> None:
    now = [1000.0]
    server = _start(scale=0.05, clock=lambda: now[0])
    try:
        client, other = ShopClient(server, "outdoor-gear"), ShopClient(server, "home-goods")
        query = "{ orders(first: 50) { nodes { id lineItems(first: 5) { nodes { id } } } } }"
        body = client.query(query)
        cost = body["extensions"]["cost"]
        nodes = body["data"]["orders"]["nodes"]
        assert cost["requestedQueryCost"] == 2 + 50 * (1 + 2 + 5)
        assert cost["actualQueryCost"] == 2 + sum(1 + 2 + len(n["lineItems"]["nodes"]) for n in nodes)
        assert cost["actualQueryCost"] < cost["requestedQueryCost"]
        assert cost["throttleStatus"] == {"maximumAvailable": 2000.0, "restoreRate": 100.0,
                                          "currentlyAvailable": 2000 - cost["actualQueryCost"]}  # fmt: skip

        answers = [client.raw(query) for _ in range(30)]
        throttled = [a for a in answers if "errors" in a.json()]
        assert throttled and all(a.status_code == 200 for a in throttled)
        refused = throttled[0].json()
        assert "data" not in refused
        assert refused["errors"] == [{"message": "Throttled", "extensions": {
            "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}]  # fmt: skip
        status = refused["extensions"]["cost"]["throttleStatus"]
        assert status["currentlyAvailable"] < 402 and refused["extensions"]["cost"]["actualQueryCost"] is None
        counts = server.ecommerce.state()["counts"]
        assert counts["outdoor-gear"]["throttled"] == len(throttled)
        assert counts["home-goods"]["throttled"] == 0
        assert other.raw(query).json()["extensions"]["cost"]["actualQueryCost"]  # buckets are per shop

        now[0] += (402 - status["currentlyAvailable"]) / 100 + 0.01  # wait for the bucket to refill
        assert "data" in client.raw(query).json()
    finally:
        server.stop()


def test_a_query_above_1000_points_is_refused(outdoor) -> None:
    response = outdoor.raw("{ orders(first: 100) { nodes { id lineItems(first: 100) { nodes { id } } } } }")
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    error = body["errors"][0]
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": 2 + 100 * 103, "maxCost": 1000}
    assert error["message"].startswith(f"Query cost is {2 + 100 * 103}, which exceeds")
    # Money bags are objects: 1 for the bag and 1 per MoneyV2; refunds is a list (1 without `first`).
    costly = f"{{ orders(first: 10) {{ nodes {{ totalPriceSet {MONEY} refunds {{ id }} }} }} }}"
    assert outdoor.query(costly)["extensions"]["cost"]["requestedQueryCost"] == 2 + 10 * (1 + 3 + 1)


# --------------------------------------------------------------------------------------------
# Authentication and versions
# --------------------------------------------------------------------------------------------


def test_client_credentials_tokens_expire() -> None:
    now = [50.0]
    server = _start(scale=0.05, clock=lambda: now[0], token_ttl_seconds=60)
    try:
        client = ShopClient(server, "outdoor-gear")
        granted = client.new_token()
        assert granted.status_code == 200
        assert set(granted.json()) == {"access_token", "scope", "expires_in"}
        assert granted.json()["scope"] == "read_orders,read_all_orders" and granted.json()["expires_in"] == 60
        client.token = granted.json()["access_token"]
        query = "{ orders(first: 1) { nodes { id } } }"
        assert client.raw(query).status_code == 200
        now[0] += 61
        expired = client.raw(query)
        assert expired.status_code == 401
        assert expired.json() == {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }
        client.token = client.new_token().json()["access_token"]
        assert client.raw(query).status_code == 200

        assert client.new_token(client_secret="shpss_wrong").json()["error"] == "invalid_client"
        assert client.new_token(grant_type="authorization_code").json()["error"] == "unsupported_grant_type"
        assert client.raw(query, token="").status_code == 401
        assert server.ecommerce.state()["counts"]["outdoor-gear"]["tokens_issued"] == 3
    finally:
        server.stop()


def test_a_static_token_works_on_its_own_shop_only(outdoor, home) -> None:
    query = "{ orders(first: 1) { nodes { id } } }"
    assert home.token.startswith("shpat_") and home.raw(query).status_code == 200
    assert home.raw(query, token=outdoor.token).status_code == 401
    assert outdoor.raw(query, token=home.token).status_code == 401
    refused = home.new_token(client_id="x", client_secret="y")  # a legacy custom app: no grant
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"


def test_unsupported_versions_are_answered_by_the_oldest_supported(outdoor) -> None:
    query = "{ orders(first: 2) { nodes { id } } }"
    for asked, used in (("2026-10", "2026-10"), ("2026-01", "2026-01"), ("2025-07", "2025-10"),
                        ("2024-04", "2025-10"), ("2027-01", "2025-10"), ("unstable", "2025-10")):  # fmt: skip
        response = outdoor.raw(query, version=asked)
        assert response.status_code == 200 and response.headers["X-Shopify-API-Version"] == used, asked
    unauthorized = outdoor.raw(query, token="nope", version="2020-01")
    assert unauthorized.status_code == 401 and unauthorized.headers["X-Shopify-API-Version"] == "2025-10"


# --------------------------------------------------------------------------------------------
# Bulk operations
# --------------------------------------------------------------------------------------------

# Bulk queries take no `first` on nested connections: every line item, every refund line item.
BULK_FIELDS = ORDER_FIELDS.replace("(first: $lineItems)", "").replace("(first: 10)", "")
BULK_INNER = f"""
{{
  orders(query: "updated_at:>='2026-01-01T00:00:00Z'") {{
    edges {{ node {{
      {BULK_FIELDS}
    }} }}
  }}
}}
{LINE_FRAGMENT}
"""
RUN_BULK = """mutation($query: String!) { bulkOperationRunQuery(query: $query) {
  bulkOperation { id status } userErrors { code field message } } }"""
RUN_GROUPED = """mutation($query: String!, $group: Boolean!) {
  bulkOperationRunQuery(query: $query, groupObjects: $group) {
    bulkOperation { id status } userErrors { code field message } } }"""
CURRENT_BULK = """{ currentBulkOperation { id status errorCode objectCount rootObjectCount fileSize url
  partialDataUrl createdAt completedAt } }"""


def _reassemble(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Orders from a bulk file, children (with __parentId) back under their parents, whatever
    the order of the rows."""
    orders = {line["id"]: line for line in lines if "__parentId" not in line}
    refunds = {}
    for order in orders.values():
        order["lineItems"] = {"nodes": []}
        for refund in order["refunds"]:
            refund["refundLineItems"] = {"nodes": []}
            refunds[refund["id"]] = refund
    for line in lines:
        parent = line.pop("__parentId", None)
        if parent in orders:
            orders[parent]["lineItems"]["nodes"].append(line)
        elif parent is not None:
            refunds[parent]["refundLineItems"]["nodes"].append(line)
    return list(orders.values())


def _in_id_order(orders: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Orders by id with nested rows sorted, for files whose rows came in any order."""
    for order in orders:
        order["lineItems"]["nodes"].sort(key=lambda item: int(item["id"].rsplit("/", 1)[1]))
        for refund in order["refunds"]:
            refund["refundLineItems"]["nodes"].sort(key=lambda row: json.dumps(row, sort_keys=True))
    return {order["id"]: order for order in orders}


def _grouped(lines: list[dict[str, Any]]) -> bool:
    """Whether every child row sits in the block of rows below its order."""
    owners: set[str] = set()
    for line in lines:
        if "__parentId" not in line:
            owners = {line["id"], *(refund["id"] for refund in line["refunds"])}
        elif line["__parentId"] not in owners:
            return False
    return True


def _run_bulk(client: ShopClient, mutation: str, variables: dict[str, Any], version: str | None = None):
    """Run a bulk query, wait for it and download its file: (currentBulkOperation, rows, body)."""
    response = client.raw(mutation, {"query": BULK_INNER, **variables}, version=version)
    body = response.json()
    started = body["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    for _ in range(100):
        current = client.query(CURRENT_BULK)["data"]["currentBulkOperation"]
        if current["status"] == "COMPLETED":
            break
        assert current["status"] == "RUNNING" and current["url"] is None
        time.sleep(0.02)
    assert current["id"] == started["bulkOperation"]["id"]
    download = requests.get(current["url"], timeout=10)  # a signed URL: no token
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/jsonl"
    assert int(current["fileSize"]) == len(download.content)
    return current, [json.loads(line) for line in download.text.splitlines()], body


def test_bulk_operation_end_to_end(sandbox, home) -> None:
    current, lines, body = _run_bulk(home, RUN_GROUPED, {"group": True})
    assert re.fullmatch(r"gid://shopify/BulkOperation/\d+", current["id"])
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10  # a mutation
    assert current["errorCode"] is None and current["partialDataUrl"] is None
    assert ISO_UTC.match(current["completedAt"]) and current["completedAt"] > current["createdAt"]
    assert len(lines) == int(current["objectCount"]) and _grouped(lines)
    roots = [line for line in lines if "__parentId" not in line]
    assert len(roots) == int(current["rootObjectCount"]) == len(_world(sandbox, "home-goods").orders)
    assert all("refundLineItems" not in r for line in roots for r in line["refunds"])  # rows of their own
    assert all("lineItems" not in line for line in roots)
    parents = {line["__parentId"].split("/")[3] for line in lines if "__parentId" in line}
    assert parents == {"Order", "Refund"}

    reassembled = {o["id"]: o for o in _reassemble(lines)}
    assert reassembled == {r["id"]: r for r in _world(sandbox, "home-goods").records()}
    assert reassembled == {o["id"]: o for o in home.all_orders(first=4)}  # the same as paging

    forged = requests.get(current["url"].replace("signature=", "signature=0"), timeout=10)
    assert forged.status_code == 403
    found = home.query("query($id: ID!) { bulkOperation(id: $id) { id status } }", {"id": current["id"]})
    assert found["data"]["bulkOperation"] == {"id": current["id"], "status": "COMPLETED"}


def test_bulk_rows_are_ungrouped_by_default_since_2026_01(sandbox, home) -> None:
    time.sleep(0.12)  # any earlier operation has finished
    # Since 2026-01 `groupObjects` defaults to false: rows come in any order.
    started = home.query(RUN_BULK, {"query": BULK_INNER})["data"]["bulkOperationRunQuery"]["bulkOperation"]
    again = home.query(RUN_BULK, {"query": BULK_INNER})["data"]["bulkOperationRunQuery"]
    assert again["bulkOperation"] is None and again["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    assert started["id"] in again["userErrors"][0]["message"]
    time.sleep(0.12)
    current = home.query(CURRENT_BULK)["data"]["currentBulkOperation"]
    lines = [json.loads(line) for line in requests.get(current["url"], timeout=10).text.splitlines()]
    assert not _grouped(lines)
    index = {line["id"]: n for n, line in enumerate(lines) if "__parentId" not in line}
    assert any(
        index[line["__parentId"]] > n for n, line in enumerate(lines) if line.get("__parentId") in index
    )
    expected = _in_id_order(_world(sandbox, "home-goods").records())
    assert _in_id_order(_reassemble(lines)) == expected
    # Up to 2025-10 grouped output was the default.
    _, old, _ = _run_bulk(home, RUN_BULK, {}, version="2025-10")
    assert _grouped(old) and _in_id_order(_reassemble(old)) == expected


def test_bulk_queries_are_checked(home) -> None:
    time.sleep(0.12)  # any earlier operation has finished
    cases = {
        "{ orders { edges { node { name lineItems { edges { node { id } } } } } } }": "must select the 'id'",
        '{ order(id: "gid://shopify/Order/1") { id } }': "top-level connection",
        "{ orders { edges { node { id nope } } } }": "Invalid bulk query",
    }
    for inner, message in cases.items():
        answer = home.query(RUN_BULK, {"query": inner})["data"]["bulkOperationRunQuery"]
        assert answer["bulkOperation"] is None and message in answer["userErrors"][0]["message"], inner


# --------------------------------------------------------------------------------------------
# Ticks, faults, configuration, determinism
# --------------------------------------------------------------------------------------------


def test_tick_changes_orders_and_deletes_some() -> None:
    server = _start(scale=1.0, restore_rate=1e9)  # about 4 deletions in 4 days
    try:
        client = ShopClient(server, "outdoor-gear")
        world = server.ecommerce.worlds["outdoor-gear"]
        listing = "query($after: String) { orders(first: 250, after: $after) { nodes { id updatedAt } pageInfo { hasNextPage endCursor } } }"  # noqa: E501

        def everything() -> dict[str, str]:
            found, after = {}, None
            while True:
                page = client.query(listing, {"after": after})["data"]["orders"]
                found.update({o["id"]: o["updatedAt"] for o in page["nodes"]})
                if not page["pageInfo"]["hasNextPage"]:
                    return found
                after = page["pageInfo"]["endCursor"]

        before = everything()
        watermark = max(before.values())
        result = requests.post(f"{server.url}/_sandbox/tick", json={"days": 4}, timeout=30).json()
        assert result["day"] == 4 and result["date"] == "2026-11-05"
        detail = result["simulators"]["ecommerce"]["detail"]["outdoor-gear"]
        after = everything()
        new = set(after) - set(before)
        changed = {i for i in before if i in after and after[i] != before[i]}
        gone = set(before) - set(after)
        assert new and changed and gone
        assert (len(new), len(changed), len(gone)) == (detail["new"], detail["updated"], detail["deleted"])
        assert detail["edited"] + detail["fulfilled"] + detail["paid"] >= 1
        assert gone <= set(world.deleted)
        one = "query($id: ID!) { order(id: $id) { id } }"
        for order_id in gone:  # deleted: in no query at all
            assert client.query(one, {"id": order_id})["data"]["order"] is None
        assert all(watermark < after[i] < "2026-11-06T00:00:00Z" for i in new | changed)
        incremental = client.ids(f"updated_at:>'{watermark}'")
        assert set(incremental) == new | changed and len(incremental) == len(new | changed)
        assert [after[i] for i in incremental] == sorted(after[i] for i in incremental)
    finally:
        server.stop()


def test_faults_are_queued_per_shop_and_operation(sandbox, outdoor, home) -> None:
    admin = f"{sandbox.url}/_sandbox/ecommerce"
    query = "{ orders(first: 1) { nodes { id } } }"
    requests.post(f"{admin}/faults", json={"kind": "http503", "shop": "outdoor-gear", "count": 2}, timeout=10)
    assert home.raw(query).status_code == 200
    assert [outdoor.raw(query).status_code for _ in range(3)] == [503, 503, 200]
    requests.post(f"{admin}/faults", json={"kind": "http429", "operation": "graphql"}, timeout=10)
    limited = outdoor.raw(query)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"

    throttled_before = sandbox.ecommerce.state()["counts"]["home-goods"]
    requests.post(f"{admin}/faults", json={"kind": "throttled", "shop": "home-goods"}, timeout=10)
    refused = home.raw(query)
    assert refused.status_code == 200 and refused.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    counts = sandbox.ecommerce.state()["counts"]["home-goods"]
    assert counts["throttled_faults"] == throttled_before["throttled_faults"] + 1
    assert counts["throttled"] == throttled_before["throttled"]  # the bucket was never short

    requests.post(f"{admin}/faults", json={"kind": "http500", "operation": "token"}, timeout=10)
    assert outdoor.raw(query).status_code == 200
    assert outdoor.new_token().status_code == 500
    requests.post(f"{admin}/faults", json={"kind": "drop", "shop": "outdoor-gear"}, timeout=10)
    with pytest.raises(requests.ConnectionError):
        outdoor.raw(query)
    assert requests.get(f"{admin}/faults", timeout=10).json() == []
    bad = requests.post(f"{admin}/faults", json={"kind": "meteor"}, timeout=10)
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]
    bad = requests.post(f"{admin}/faults", json={"kind": "drop", "operation": "rest"}, timeout=10)
    assert bad.status_code == 400 and "unknown operation" in bad.json()["error"]


def test_request_log(sandbox, home) -> None:
    requests.post(f"{sandbox.url}/_sandbox/ecommerce/requests/clear", timeout=10)
    home.raw("{ orders(first: 3) { nodes { id } } }", version="2024-01")
    home.raw("{ orders(first: 3) { nodes { nope } } }")
    entries = requests.get(
        f"{sandbox.url}/_sandbox/ecommerce/requests", params={"shop": "home-goods"}, timeout=10
    ).json()
    assert [(e["http_status"], e["status"]) for e in entries] == [(200, "ok"), (200, "error")]
    first = entries[0]
    assert first["operation"] == "graphql" and first["api_version"] == "2024-01"
    assert first["api_version_used"] == "2025-10" and first["returned"] == 3
    assert first["requested_cost"] == 5 and first["actual_cost"] == 5 and "orders(first: 3)" in first["query"]


def test_loader_sections_and_credentials_are_deterministic(sandbox) -> None:
    ctx = LoaderContext(
        server_url="http://127.0.0.1:8701",
        mount_url="http://127.0.0.1:8701/ecommerce",
        seed=SEED,
        scale=1.0,
        options={},
        state={},
    )
    sections = SPEC.loader_sections(ctx)
    # secrets.toml gets only the shops: every string there is masked in logs, and an API version
    # (2026-10) would mask dates; the loader's default is the sandbox's current version.
    assert "sources.ecommerce" not in sections
    outdoor = sections["sources.ecommerce.shops.outdoor-gear"]
    home = sections["sources.ecommerce.shops.home-goods"]
    assert set(outdoor) == {"shop_url", "client_id", "client_secret"}
    assert set(home) == {"shop_url", "access_token"}
    assert outdoor["shop_url"] == "http://127.0.0.1:8701/ecommerce/outdoor-gear"
    assert SPEC.owned_sections() == ("sources.ecommerce", "sources.ecommerce.shops.*")
    assert sandbox.ecommerce.credentials()["home-goods"]["access_token"] == home["access_token"]
    assert SPEC.loader_sections(ctx) == sections
    other = LoaderContext(**{**ctx.__dict__, "seed": SEED + 1})
    assert SPEC.loader_sections(other)["sources.ecommerce.shops.home-goods"] != home
    assert sandbox.scope_url("ecommerce", "home-goods") == f"{sandbox.url}/ecommerce/home-goods"


def test_same_seed_same_orders_and_ticks_replay_identically() -> None:
    shop = sandbox_shops(SEED)[1]
    one = ShopWorld(shop, seed=SEED, scale=0.1)
    assert one.records() == ShopWorld(shop, seed=SEED, scale=0.1).records()
    assert one.records() != ShopWorld(sandbox_shops(SEED + 1)[1], seed=SEED + 1, scale=0.1).records()
    ticked = ShopWorld(shop, seed=SEED, scale=0.1)
    for _ in range(3):
        ticked.advance(1)
    started_later = ShopWorld(shop, seed=SEED, scale=0.1, day=3)
    assert ticked.records() == started_later.records() and ticked.deleted == started_later.deleted


def test_generation_is_fast_and_covers_the_statuses() -> None:
    started = time.perf_counter()
    simulator = EcommerceSimulator(sandbox_shops(SEED), seed=SEED, scale=1.0)
    assert time.perf_counter() - started < 3  # typically 0.3 s
    counts = simulator.state()["counts"]
    assert all(400 <= counts[shop]["orders"] <= 800 for shop in SHOP_NAMES)  # ~600 a shop at scale 1
    orders = [o for shop in SHOP_NAMES for o in simulator.orders(shop)]
    assert {o.financial_status for o in orders} >= set(FINANCIAL_STATUSES) - {"EXPIRED"}
    assert {o.fulfillment_status for o in orders} == set(FULFILLMENT_STATUSES)
    assert {o.cancel_reason for o in orders} >= {"CUSTOMER", "FRAUD", "INVENTORY", "DECLINED", "OTHER"}
    assert 0.01 <= sum(o.test for o in orders) / len(orders) <= 0.04
    assert any(len(o.line_items) > 50 for o in orders) and any(o.processed_at < o.created_at for o in orders)
    assert iso(min(o.created_at for o in orders)).startswith("2026-09")  # 60 days of history
    assert order_record(orders[0])["currencyCode"] == "USD"
