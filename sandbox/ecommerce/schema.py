"""The GraphQL side of the Shopify simulator: a subset of the Admin API schema, its resolvers,
Shopify's query cost and the splitting of bulk results into JSONL rows.

Queries run on graphql-core against a schema built from the SDL below, so a client gets exactly
the fields it selected, and a misspelt field is the validation error Shopify would also send.
What a loader has to get right is here as Shopify does it:

- connections take `first` or `last` (one is required, at most 250) with opaque cursors
  (`after`, `before`), and answer `nodes`, `edges { cursor node }` and `pageInfo`; nested
  connections (an order's `lineItems`, a refund's `refundLineItems`) page the same way, so an
  order with more line items than `first` is cut off unless the client pages it;
- `orders(sortKey:, reverse:, query:)` with Shopify's search syntax
  (`updated_at:>='2026-11-01T00:00:00Z' AND created_at:<2026-11-02`); unknown search fields are
  ignored, with a warning under `extensions.search`, as Shopify does;
- `refunds(first:)` is a list, not a connection; money is a `MoneyBag` whose `amount` is a
  decimal string; ids are global ids (`gid://shopify/Order/<legacy id>`);
- `bulkOperationRunQuery(query:, groupObjects:)` runs an `orders` query whole (no `first` on
  any connection) into JSONL rows: `groupObjects` defaults to false since 2026-01 (true up to
  2025-10), and ungrouped rows come in any order, a child possibly before its parent.

The cost (`requested_cost`, `actual_cost`) follows Shopify's rules: scalars and enums 0, objects
1, a connection 2 plus `first` (or `last`) times the cost of one node, nested connections
multiplied, a list of objects its item cost times `first` (1 without), a mutation 10. The actual
cost counts what came back instead of what could have.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    build_schema,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_object_type,
    value_from_ast,
)

from sandbox.ecommerce.generator import CURRENCY, Order, Refund, ShopWorld, gid, iso, money_bag

MAX_PAGE_SIZE = 250
MUTATION_COST = 10

SDL = """
schema {
  query: QueryRoot
  mutation: Mutation
}

"An ISO 8601 date and time in UTC: 2026-11-03T14:05:09Z."
scalar DateTime
"A decimal number as a string: \\"129.90\\"."
scalar Decimal
"An unsigned 64-bit integer as a string."
scalar UnsignedInt64
scalar URL

enum CurrencyCode { USD CAD EUR GBP AUD }
enum OrderSortKeys { CREATED_AT ID ORDER_NUMBER PROCESSED_AT UPDATED_AT }
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
enum OrderDisplayFinancialStatus {
  AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED
}
enum OrderDisplayFulfillmentStatus {
  FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT REQUEST_DECLINED
  RESTOCKED SCHEDULED UNFULFILLED
}
enum RefundLineItemRestockType { CANCEL LEGACY_RESTOCK NO_RESTOCK RETURN }
enum BulkOperationStatus { CANCELED CANCELING COMPLETED CREATED EXPIRED FAILED RUNNING }
enum BulkOperationErrorCode { ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }
enum BulkOperationType { MUTATION QUERY }
enum BulkOperationUserErrorCode { INVALID OPERATION_IN_PROGRESS }

type QueryRoot {
  orders(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
    sortKey: OrderSortKeys = ID
    query: String
  ): OrderConnection!
  order(id: ID!): Order
  refund(id: ID!): Refund
  currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
  bulkOperation(id: ID!): BulkOperation
}

type Mutation {
  "groupObjects defaults to false since 2026-01 (true before): without it, rows come in any order."
  bulkOperationRunQuery(query: String!, groupObjects: Boolean! = false): BulkOperationRunQueryPayload
}

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type MoneyV2 {
  amount: Decimal!
  currencyCode: CurrencyCode!
}

type MoneyBag {
  shopMoney: MoneyV2!
  presentmentMoney: MoneyV2!
}

type Customer { id: ID! }
type Product { id: ID! }
type ProductVariant { id: ID! }

type Order {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  processedAt: DateTime!
  cancelledAt: DateTime
  cancelReason: OrderCancelReason
  closed: Boolean!
  closedAt: DateTime
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  currencyCode: CurrencyCode!
  presentmentCurrencyCode: CurrencyCode!
  test: Boolean!
  email: String
  customer: Customer
  subtotalPriceSet: MoneyBag
  totalDiscountsSet: MoneyBag
  totalTaxSet: MoneyBag
  totalPriceSet: MoneyBag!
  currentTotalPriceSet: MoneyBag!
  totalRefundedSet: MoneyBag!
  lineItems(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
  ): LineItemConnection!
  refunds(first: Int): [Refund!]!
}

type OrderConnection {
  nodes: [Order!]!
  edges: [OrderEdge!]!
  pageInfo: PageInfo!
}

type OrderEdge {
  cursor: String!
  node: Order!
}

type LineItem {
  id: ID!
  name: String!
  sku: String
  title: String!
  variantTitle: String
  quantity: Int!
  currentQuantity: Int!
  originalUnitPriceSet: MoneyBag!
  discountedUnitPriceSet: MoneyBag!
  totalDiscountSet: MoneyBag!
  product: Product
  variant: ProductVariant
  requiresShipping: Boolean!
  taxable: Boolean!
}

type LineItemConnection {
  nodes: [LineItem!]!
  edges: [LineItemEdge!]!
  pageInfo: PageInfo!
}

type LineItemEdge {
  cursor: String!
  node: LineItem!
}

type Refund {
  id: ID!
  legacyResourceId: UnsignedInt64!
  createdAt: DateTime
  note: String
  totalRefundedSet: MoneyBag!
  refundLineItems(
    first: Int
    after: String
    last: Int
    before: String
    reverse: Boolean = false
  ): RefundLineItemConnection!
}

type RefundLineItem {
  id: ID!
  lineItem: LineItem!
  quantity: Int!
  priceSet: MoneyBag!
  subtotalSet: MoneyBag!
  totalTaxSet: MoneyBag!
  restockType: RefundLineItemRestockType!
  restocked: Boolean!
}

type RefundLineItemConnection {
  nodes: [RefundLineItem!]!
  edges: [RefundLineItemEdge!]!
  pageInfo: PageInfo!
}

type RefundLineItemEdge {
  cursor: String!
  node: RefundLineItem!
}

type BulkOperation {
  id: ID!
  type: BulkOperationType!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  query: String!
  createdAt: DateTime!
  completedAt: DateTime
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  fileSize: UnsignedInt64
  url: URL
  partialDataUrl: URL
}

type BulkOperationUserError {
  code: BulkOperationUserErrorCode
  field: [String!]
  message: String!
}

type BulkOperationRunQueryPayload {
  bulkOperation: BulkOperation
  userErrors: [BulkOperationUserError!]!
}
"""


@dataclass
class Context:
    """What the resolvers of one request see: the shop's orders and its bulk operations."""

    world: ShopWorld
    api_version: str = "2026-10"  # the version answering
    bulk: bool = False  # a bulk operation's query: connections are read whole, `first` ignored
    current_bulk: Callable[[], dict[str, Any] | None] = lambda: None
    find_bulk: Callable[[str], dict[str, Any] | None] = lambda gid: None
    run_bulk: Callable[[str, bool], dict[str, Any]] = lambda query, group: {"userErrors": []}
    search: list[dict[str, Any]] = field(default_factory=list)  # extensions.search entries


# --------------------------------------------------------------------------------------------
# Connections and cursors
# --------------------------------------------------------------------------------------------


class Page:
    """One page of a connection; `nodes`, `edges` and `pageInfo` resolve from it by name."""

    __slots__ = ("items", "cursors", "has_next", "has_previous")

    def __init__(self, items: list[Any], cursors: list[str], has_next: bool, has_previous: bool) -> None:
        self.items, self.cursors = items, cursors
        self.has_next, self.has_previous = has_next, has_previous

    @property
    def nodes(self) -> list[Any]:
        return self.items

    @property
    def edges(self) -> list[dict[str, Any]]:
        pairs = zip(self.cursors, self.items, strict=True)
        return [{"cursor": cursor, "node": node} for cursor, node in pairs]

    @property
    def pageInfo(self) -> dict[str, Any]:  # noqa: N802 (the GraphQL field's name)
        return {
            "hasNextPage": self.has_next,
            "hasPreviousPage": self.has_previous,
            "startCursor": self.cursors[0] if self.cursors else None,
            "endCursor": self.cursors[-1] if self.cursors else None,
        }


SortKey = tuple[Any, int]


def encode_cursor(key: SortKey) -> str:
    # Shopify's cursors are base64 JSON of the last row's sort value and id, opaque to clients.
    raw = json.dumps({"last_id": key[1], "last_value": key[0]}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_cursor(cursor: str, value_type: type) -> SortKey:
    try:
        decoded = json.loads(base64.b64decode(cursor.encode(), validate=True))
        key = (decoded["last_value"], decoded["last_id"])
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise GraphQLError(f"Invalid cursor for current pagination: {cursor!r}") from None
    if not isinstance(key[0], value_type) or not isinstance(key[1], int):
        raise GraphQLError(f"Invalid cursor for current pagination: {cursor!r}")
    return key


def _page_size(value: int | None, name: str) -> None:
    if value is None:
        return
    if value < 0:
        raise GraphQLError(f"Argument '{name}' on Field must be a non-negative integer")
    if value > MAX_PAGE_SIZE:
        raise GraphQLError(f"The maximum number of records that can be requested with '{name}' is 250")


def paginate(
    items: Sequence[Any],
    key: Callable[[Any], SortKey],
    value_type: type,
    args: dict[str, Any],
    *,
    whole: bool = False,
) -> Page:
    """A page of `items` (sorted ascending by `key`) for first/after/last/before/reverse;
    `whole` (a bulk operation) ignores the page size and returns every item."""
    first, last = args.get("first"), args.get("last")
    if not whole:
        if first is None and last is None:
            raise GraphQLError("you must provide one of first or last")
        _page_size(first, "first")
        _page_size(last, "last")
    reverse = bool(args.get("reverse"))
    ordered = list(reversed(items)) if reverse else list(items)
    keys = [key(item) for item in ordered]

    def beyond(a: SortKey, b: SortKey) -> bool:  # a comes after b in this order
        return a < b if reverse else a > b

    start, end = 0, len(ordered)
    if args.get("after"):
        bound = decode_cursor(args["after"], value_type)
        start = next((i for i, k in enumerate(keys) if beyond(k, bound)), len(ordered))
    if args.get("before"):
        bound = decode_cursor(args["before"], value_type)
        end = next((i for i, k in enumerate(keys) if not beyond(bound, k)), len(ordered))
    end = max(start, end)
    if not whole and first is not None:
        end = min(end, start + first)
    elif not whole and last is not None:
        start = max(start, end - last)
    page_keys = keys[start:end]
    return Page(
        ordered[start:end],
        [encode_cursor(k) for k in page_keys],
        has_next=end < len(ordered),
        has_previous=start > 0,
    )


def _stamp(ts: int) -> str:
    # How Shopify's cursors carry a time: "2026-11-03 14:05:09.000000" (sorts as text).
    return iso(ts)[:10] + " " + iso(ts)[11:19] + ".000000"


ORDER_SORT_KEYS: dict[str, tuple[Callable[[Order], Any], type]] = {
    "ID": (lambda o: o.id, int),
    "CREATED_AT": (lambda o: _stamp(o.created_at), str),
    "UPDATED_AT": (lambda o: _stamp(o.updated_at), str),
    "PROCESSED_AT": (lambda o: _stamp(o.processed_at), str),
    "ORDER_NUMBER": (lambda o: o.number, int),
}


# --------------------------------------------------------------------------------------------
# Shopify's search syntax (the `query` argument)
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""(?:[^\s'"]*'[^']*'|[^\s'"]*"[^"]*")[^\s]*|\S+""")
_TERM = re.compile(r"^(?P<neg>-)?(?P<field>[a-z_]+):(?P<op><=|>=|<|>)?(?P<value>.*)$")
_DATE_FIELDS = {"updated_at": "updated_at", "created_at": "created_at", "processed_at": "processed_at"}
_INVALID_FIELD = "Invalid search field for this query."

Predicate = Callable[[Order], bool]


def _parse_time(text: str) -> tuple[int, bool] | None:
    """Seconds since the epoch and whether only a date was given; None if it is no date."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return int(moment.timestamp()), True
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the shops' time zone is UTC
    return int(moment.timestamp()), False


def _compare(op: str, bound: int, date_only: bool) -> Callable[[int], bool]:
    if op == ">=":
        return lambda ts: ts >= bound
    if op == ">":
        return lambda ts: ts >= bound + 86_400 if date_only else ts > bound
    if op == "<":
        return lambda ts: ts < bound
    if op == "<=":
        return lambda ts: ts < bound + 86_400 if date_only else ts <= bound
    if date_only:
        return lambda ts: bound <= ts < bound + 86_400
    return lambda ts: ts == bound


def _term(field_name: str, op: str, value: str) -> Predicate | None:
    """A predicate for one `field:value`, or None when Shopify would not understand it."""
    if field_name in _DATE_FIELDS:
        parsed = _parse_time(value)
        if parsed is None:
            return None
        test = _compare(op, *parsed)
        attribute = _DATE_FIELDS[field_name]
        return lambda o: test(getattr(o, attribute))
    if field_name == "id":
        number = value.rsplit("/", 1)[-1]
        if not number.isdigit():
            return None
        bound = int(number)
        ops: dict[str, Predicate] = {
            ">=": lambda o: o.id >= bound,
            ">": lambda o: o.id > bound,
            "<": lambda o: o.id < bound,
            "<=": lambda o: o.id <= bound,
        }
        return ops.get(op, lambda o: o.id == bound)
    lowered = value.lower()
    if field_name == "test":
        return lambda o: o.test == (lowered == "true")
    if field_name == "email":
        return lambda o: (o.email or "").lower() == lowered
    if field_name == "name":
        return lambda o: o.name.lstrip("#") == lowered.lstrip("#")
    if field_name == "financial_status":
        return lambda o: o.financial_status.lower() == lowered
    if field_name == "fulfillment_status":
        return lambda o: o.fulfillment_status.lower() == lowered
    if field_name == "status":
        states: dict[str, Predicate] = {
            "open": lambda o: o.closed_at is None and o.cancelled_at is None,
            "closed": lambda o: o.closed_at is not None,
            "cancelled": lambda o: o.cancelled_at is not None,
            "any": lambda o: True,
        }
        return states.get(lowered)
    return None


def parse_search(text: str | None) -> tuple[Predicate, list[dict[str, str]]]:
    """A predicate for Shopify's search syntax and the warnings for what it ignored.

    Terms joined by spaces or AND must all hold; OR separates alternatives; `-field:value`
    negates a term. An unknown field or an unreadable value is ignored (with a warning)."""
    if not text or not text.strip():
        return (lambda o: True), []
    groups: list[list[Predicate]] = [[]]
    warnings: list[dict[str, str]] = []
    for token in _TOKEN.findall(text):
        if token == "AND":
            continue
        if token == "OR":
            groups.append([])
            continue
        match = _TERM.match(token)
        if not match:
            warnings.append({"field": "default", "message": "Free-text search is not supported here."})
            continue
        value = match["value"]
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        predicate = _term(match["field"], match["op"] or "", value)
        if predicate is None:
            warnings.append({"field": match["field"], "message": _INVALID_FIELD})
            continue
        if match["neg"]:
            predicate = (lambda p: lambda o: not p(o))(predicate)
        groups[-1].append(predicate)
    alternatives = [group for group in groups if group]
    if not alternatives:
        return (lambda o: True), warnings
    return (lambda o: any(all(p(o) for p in group) for group in alternatives)), warnings


# --------------------------------------------------------------------------------------------
# Resolvers
# --------------------------------------------------------------------------------------------


def _ref(kind: str, number: int | None) -> dict[str, str] | None:
    return {"id": gid(kind, number)} if number else None


def _orders(_root: Any, info: Any, **args: Any) -> Page:
    context: Context = info.context
    predicate, warnings = parse_search(args.get("query"))
    if warnings:
        context.search.append({"path": [info.path.key], "query": args.get("query"), "warnings": warnings})
    sort_value, value_type = ORDER_SORT_KEYS[args.get("sortKey") or "ID"]
    matching = [o for o in context.world.orders.values() if predicate(o)]
    if args.get("sortKey") not in (None, "ID"):
        matching.sort(key=lambda o: (sort_value(o), o.id))
    return paginate(matching, lambda o: (sort_value(o), o.id), value_type, args, whole=context.bulk)


def _by_id(item: Any) -> SortKey:
    return (item.id, item.id)


def _line_items(order: Order, info: Any, **args: Any) -> Page:
    return paginate(order.line_items, _by_id, int, args, whole=info.context.bulk)


def _refund_line_items(refund: Refund, info: Any, **args: Any) -> Page:
    return paginate(refund.lines, _by_id, int, args, whole=info.context.bulk)


def _refunds(order: Order, _info: Any, first: int | None = None) -> list[Refund]:
    if first is not None and first < 0:
        raise GraphQLError("Argument 'first' on Field 'refunds' must be a non-negative integer")
    return order.refunds if first is None else order.refunds[:first]


def _run_bulk(_root: Any, info: Any, query: str, groupObjects: bool = False) -> dict[str, Any]:  # noqa: N803
    context: Context = info.context
    explicit = any(a.name.value == "groupObjects" for a in info.field_nodes[0].arguments or ())
    # Grouped output was the default up to 2025-10; since 2026-01 it has to be asked for.
    group = groupObjects if explicit else context.api_version <= "2025-10"
    return context.run_bulk(query, group)


def _refund(_root: Any, info: Any, id: str) -> Refund | None:  # noqa: A002 (the argument's name)
    return next(
        (r for o in info.context.world.orders.values() for r in o.refunds if gid("Refund", r.id) == id), None
    )


def _optional_iso(ts: int | None) -> str | None:
    return iso(ts) if ts else None


_RESOLVERS: dict[str, dict[str, Callable[..., Any]]] = {
    "QueryRoot": {
        "orders": _orders,
        "order": lambda _root, info, id: info.context.world.get(id),  # noqa: A006 (the argument's name)
        "refund": _refund,
        "currentBulkOperation": lambda _root, info, type="QUERY": info.context.current_bulk(),  # noqa: A006
        "bulkOperation": lambda _root, info, id: info.context.find_bulk(id),  # noqa: A006
    },
    "Mutation": {"bulkOperationRunQuery": _run_bulk},
    "Order": {
        "id": lambda o, _: o.gid,
        "legacyResourceId": lambda o, _: str(o.id),
        "name": lambda o, _: o.name,
        "createdAt": lambda o, _: iso(o.created_at),
        "updatedAt": lambda o, _: iso(o.updated_at),
        "processedAt": lambda o, _: iso(o.processed_at),
        "cancelledAt": lambda o, _: _optional_iso(o.cancelled_at),
        "cancelReason": lambda o, _: o.cancel_reason,
        "closed": lambda o, _: o.closed_at is not None,
        "closedAt": lambda o, _: _optional_iso(o.closed_at),
        "displayFinancialStatus": lambda o, _: o.financial_status,
        "displayFulfillmentStatus": lambda o, _: o.fulfillment_status,
        "currencyCode": lambda o, _: CURRENCY,
        "presentmentCurrencyCode": lambda o, _: CURRENCY,
        "test": lambda o, _: o.test,
        "email": lambda o, _: o.email,
        "customer": lambda o, _: _ref("Customer", o.customer_id),
        "subtotalPriceSet": lambda o, _: money_bag(o.subtotal),
        "totalDiscountsSet": lambda o, _: money_bag(o.total_discounts),
        "totalTaxSet": lambda o, _: money_bag(o.total_tax),
        "totalPriceSet": lambda o, _: money_bag(o.total_price),
        "currentTotalPriceSet": lambda o, _: money_bag(o.current_total_price),
        "totalRefundedSet": lambda o, _: money_bag(o.total_refunded),
        "lineItems": _line_items,
        "refunds": _refunds,
    },
    "LineItem": {
        "id": lambda li, _: gid("LineItem", li.id),
        "name": lambda li, _: f"{li.title} - {li.variant_title}" if li.variant_title else li.title,
        "sku": lambda li, _: li.sku,
        "title": lambda li, _: li.title,
        "variantTitle": lambda li, _: li.variant_title,
        "quantity": lambda li, _: li.quantity,
        "currentQuantity": lambda li, _: li.reported_current_quantity,
        "originalUnitPriceSet": lambda li, _: money_bag(li.original_unit_price),
        "discountedUnitPriceSet": lambda li, _: money_bag(li.discounted_unit_price),
        "totalDiscountSet": lambda li, _: money_bag(li.total_discount),
        "product": lambda li, _: _ref("Product", li.product_id),
        "variant": lambda li, _: _ref("ProductVariant", li.variant_id),
        "requiresShipping": lambda li, _: li.requires_shipping,
        "taxable": lambda li, _: li.taxable,
    },
    "Refund": {
        "id": lambda r, _: gid("Refund", r.id),
        "legacyResourceId": lambda r, _: str(r.id),
        "createdAt": lambda r, _: iso(r.created_at),
        "note": lambda r, _: r.note,
        "totalRefundedSet": lambda r, _: money_bag(r.total),
        "refundLineItems": _refund_line_items,
    },
    "RefundLineItem": {
        "id": lambda rl, _: gid("RefundLineItem", rl.id),
        "lineItem": lambda rl, _: rl.line_item,
        "quantity": lambda rl, _: rl.quantity,
        "priceSet": lambda rl, _: money_bag(rl.price),
        "subtotalSet": lambda rl, _: money_bag(rl.subtotal),
        "totalTaxSet": lambda rl, _: money_bag(rl.tax),
        "restockType": lambda rl, _: rl.restock_type,
        "restocked": lambda rl, _: rl.restock_type != "NO_RESTOCK",
    },
}


def build() -> GraphQLSchema:
    """The schema with its resolvers attached (other fields read dict keys or attributes)."""
    schema = build_schema(SDL)
    for type_name, resolvers in _RESOLVERS.items():
        graphql_type = schema.get_type(type_name)
        assert isinstance(graphql_type, GraphQLObjectType)
        for field_name, resolve in resolvers.items():
            graphql_type.fields[field_name].resolve = resolve
    return schema


# --------------------------------------------------------------------------------------------
# The selection plan: cost and bulk rows
# --------------------------------------------------------------------------------------------


@dataclass
class Selection:
    """One selected field, as cost analysis and bulk splitting see it.

    `kind` is "leaf", "object", "list" (of objects) or "connection"; a connection's `children`
    are the selection of one node (from `nodes` and `edges { node }` together)."""

    key: str  # the response key (the alias, if any)
    name: str
    kind: str
    first: int | None = None
    last: int | None = None
    children: list[Selection] = field(default_factory=list)
    nodes_key: str | None = None
    edges_key: str | None = None
    node_key: str | None = None

    def nested_connection(self) -> bool:
        return any(c.kind == "connection" or c.nested_connection() for c in self.children)


def _collect(
    selection_sets: Iterable[SelectionSetNode | None],
    fragments: dict[str, FragmentDefinitionNode],
) -> dict[str, list[FieldNode]]:
    """The fields a selection asks for, by response key (fragments merged, as execution does)."""
    fields: dict[str, list[FieldNode]] = {}

    def visit(selection_set: SelectionSetNode | None, seen: frozenset[str]) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                visit(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    visit(fragments[name].selection_set, seen | {name})

    for selection_set in selection_sets:
        visit(selection_set, frozenset())
    return fields


def _int_argument(node: FieldNode, name: str, variables: dict[str, Any]) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value == name:
            value = value_from_ast(argument.value, GraphQLInt, variables)
            return value if isinstance(value, int) else None
    return None


def plan(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> list[Selection]:
    """The top-level selections of `operation` with their nested selections resolved."""
    root = schema.mutation_type if operation.operation == OperationType.MUTATION else schema.query_type
    assert root is not None
    return _plan_fields(root, [operation.selection_set], fragments, variables)


def _plan_fields(
    parent: GraphQLObjectType,
    selection_sets: Iterable[SelectionSetNode | None],
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> list[Selection]:
    selections = []
    for key, nodes in _collect(selection_sets, fragments).items():
        name = nodes[0].name.value
        definition = parent.fields.get(name)
        if definition is None:  # __typename and introspection: free
            selections.append(Selection(key, name, "leaf"))
            continue
        named = get_named_type(definition.type)
        sub_sets = [n.selection_set for n in nodes]
        if is_leaf_type(named) or not is_object_type(named):
            selections.append(Selection(key, name, "leaf"))
            continue
        assert isinstance(named, GraphQLObjectType)
        first = _int_argument(nodes[0], "first", variables)
        last = _int_argument(nodes[0], "last", variables)
        if named.name.endswith("Connection") and "nodes" in named.fields:
            selection = Selection(key, name, "connection", first, last)
            node_type = get_named_type(named.fields["nodes"].type)
            assert isinstance(node_type, GraphQLObjectType)
            node_sets: list[SelectionSetNode | None] = []
            for sub_key, sub_nodes in _collect(sub_sets, fragments).items():
                sub_name = sub_nodes[0].name.value
                if sub_name == "nodes":
                    selection.nodes_key = sub_key
                    node_sets += [n.selection_set for n in sub_nodes]
                elif sub_name == "edges":
                    selection.edges_key = sub_key
                    edge_type = get_named_type(named.fields["edges"].type)
                    assert isinstance(edge_type, GraphQLObjectType)
                    edge_fields = _collect([n.selection_set for n in sub_nodes], fragments)
                    for edge_key, edge_nodes in edge_fields.items():
                        if edge_nodes[0].name.value == "node":
                            selection.node_key = edge_key
                            node_sets += [n.selection_set for n in edge_nodes]
            selection.children = _plan_fields(node_type, node_sets, fragments, variables)
        else:
            kind = "list" if is_list_type(get_nullable_type(definition.type)) else "object"
            selection = Selection(key, name, kind, first, last)
            selection.children = _plan_fields(named, sub_sets, fragments, variables)
        selections.append(selection)
    return selections


def requested_cost(selections: Iterable[Selection]) -> int:
    """Shopify's requested (maximum) cost of a query's selections."""
    total = 0
    for s in selections:
        if s.kind == "object":
            total += 1 + requested_cost(s.children)
        elif s.kind == "list":
            total += (s.first if s.first is not None else 1) * (1 + requested_cost(s.children))
        elif s.kind == "connection":
            size = s.first if s.first is not None else (s.last or 0)
            total += 2 + max(0, size) * (1 + requested_cost(s.children))
    return total


def connection_items(selection: Selection, value: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The node dicts of a connection's answer, read from `nodes` or `edges { node }`."""
    if not value:
        return []
    if selection.nodes_key and value.get(selection.nodes_key) is not None:
        return value[selection.nodes_key]
    if selection.edges_key and selection.node_key and value.get(selection.edges_key) is not None:
        return [edge[selection.node_key] for edge in value[selection.edges_key]]
    return []


def actual_cost(selections: Iterable[Selection], data: dict[str, Any] | None) -> int:
    """The cost of what came back: connections count the nodes returned, not `first`."""
    if not data:
        return 0
    total = 0
    for s in selections:
        value = data.get(s.key)
        if s.kind == "leaf" or value is None:
            continue
        if s.kind == "object":
            total += 1 + actual_cost(s.children, value)
        elif s.kind == "list":
            total += sum(1 + actual_cost(s.children, item) for item in value if item is not None)
        else:
            total += 2 + sum(1 + actual_cost(s.children, node) for node in connection_items(s, value))
    return total


def missing_parent_ids(selections: Iterable[Selection], path: str = "") -> list[str]:
    """Connections (and lists) holding a nested connection without selecting `id` on their
    items: a bulk query needs it for `__parentId`."""
    missing = []
    for s in selections:
        if s.kind in ("connection", "list") and s.nested_connection():
            if not any(c.key == "id" and c.name == "id" for c in s.children):
                missing.append(path + s.key)
        if s.children:
            missing += missing_parent_ids(s.children, f"{path}{s.key}.")
    return missing


def bulk_rows(root: Selection, data: dict[str, Any]) -> list[dict[str, Any]]:
    """A bulk query's answer as Shopify's JSONL rows: one per node of the top connection, then
    one per node of each nested connection, carrying `__parentId` (the id of the object holding
    the connection). Lists of objects (an order's `refunds`) stay inline, minus their own
    connections."""
    rows: list[dict[str, Any]] = []
    for node in connection_items(root, data.get(root.key)):
        _emit(root.children, node, None, rows)
    return rows


def _emit(children: list[Selection], node: dict[str, Any], parent_id: str | None, rows: list) -> None:
    row = dict(node)
    nested: list[tuple[Selection, list[dict[str, Any]], str | None]] = []
    _strip(children, row, row.get("id"), nested)
    if parent_id is not None:
        row["__parentId"] = parent_id
    rows.append(row)
    for selection, items, owner in nested:
        for item in items:
            _emit(selection.children, item, owner, rows)


def _strip(children: list[Selection], obj: dict[str, Any], owner: str | None, nested: list) -> None:
    for s in children:
        value = obj.get(s.key)
        if value is None:
            continue
        if s.kind == "connection":
            del obj[s.key]
            nested.append((s, connection_items(s, value), owner))
        elif s.kind == "list" and s.nested_connection():
            for item in value:
                if item is not None:
                    _strip(s.children, item, item.get("id", owner), nested)
        elif s.kind == "object" and s.nested_connection():
            _strip(s.children, value, value.get("id", owner), nested)
