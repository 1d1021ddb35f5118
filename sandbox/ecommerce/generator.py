"""Deterministic Shopify orders: each shop's orders, lived day by day on the simulated clock.

A shop's history starts `HISTORY_DAYS` before day 0 (2026-11-01). Every simulated day new orders
come in, and existing ones move on: payments are captured (or expire, or are declined and the
order is cancelled), orders are fulfilled, edited before they ship (an added item is a new line
item; a removed one stays with `currentQuantity` 0), refunded in part or whole, cancelled, and a
few are deleted outright (gone from every query: the API has no deletion feed for orders). Every
change sets `updatedAt` within that day and after the order's previous `updatedAt`. Each day is
driven by a `random.Random` seeded by (seed, shop, day), so N ticks give the same orders as
starting N days later.

Money is `Decimal` and kept consistent the simple way: `subtotal = Σ currentQuantity ×
discountedUnitPrice`, `total = subtotal + tax`, `totalRefunded = Σ refund totals` and
`currentTotal = total − totalRefunded`. Refunds therefore never change `currentQuantity` (only
edits do), and edits only happen to orders without refunds.

`order_record()` gives an order in the loader's RAW shape (loaders/ecommerce/README.md), every
line item and refund line item included: the ground truth tests compare API answers with.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from sandbox.ecommerce.shops import ShopSpec
from sandbox.framework import simulated_date

Record = dict[str, Any]

HISTORY_DAYS = 60  # orders from this many days before day 0
ORDERS_PER_SCALE = 600  # per shop over the history at scale 1 (times the shop's volume)
DELETIONS_PER_DAY = 1.0  # per shop at scale 1
CURRENCY = "USD"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

FINANCIAL_STATUSES = (
    "PENDING",
    "AUTHORIZED",
    "PAID",
    "PARTIALLY_PAID",
    "PARTIALLY_REFUNDED",
    "REFUNDED",
    "VOIDED",
    "EXPIRED",
)
FULFILLMENT_STATUSES = ("UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED", "RESTOCKED")
CANCEL_REASONS = ("CUSTOMER", "FRAUD", "INVENTORY", "DECLINED", "OTHER")
EVENT_KINDS = (
    "paid",
    "fulfilled",
    "partially_fulfilled",
    "partially_refunded",
    "refunded",
    "edited",
    "cancelled",
    "expired",
)

# noun, option kind, price range (dollars), requires shipping, taxable
_CATALOG: dict[str, tuple[tuple[str, str, tuple[int, int], bool, bool], ...]] = {
    "outdoor-gear": (
        ("Trail Runner", "shoe", (90, 170), True, True),
        ("Hiking Boot", "shoe", (120, 260), True, True),
        ("Down Jacket", "size", (150, 380), True, True),
        ("Rain Shell", "size", (90, 260), True, True),
        ("Fleece Pullover", "size", (45, 120), True, True),
        ("Merino Base Layer", "size", (55, 110), True, True),
        ("Wool Socks", "size", (14, 28), True, True),
        ("2-Person Tent", "color", (180, 520), True, True),
        ("Sleeping Bag", "color", (120, 420), True, True),
        ("Sleeping Pad", "color", (50, 190), True, True),
        ("Daypack 24L", "color", (60, 160), True, True),
        ("Backpack 55L", "color", (160, 340), True, True),
        ("Headlamp", "color", (20, 70), True, True),
        ("Trekking Poles", "none", (60, 180), True, True),
        ("Water Filter", "none", (25, 110), True, True),
        ("Camp Stove", "none", (40, 150), True, True),
        ("Titanium Mug", "none", (18, 40), True, True),
        ("Trail Map", "none", (8, 16), True, False),
        ("Gift Card", "gift", (25, 100), False, False),
    ),
    "home-goods": (
        ("Linen Duvet Cover", "bed", (120, 320), True, True),
        ("Percale Sheet Set", "bed", (90, 220), True, True),
        ("Wool Throw", "color", (70, 190), True, True),
        ("Down Pillow", "bed", (45, 140), True, True),
        ("Bath Towel", "color", (18, 45), True, True),
        ("Ceramic Mug", "color", (14, 32), True, True),
        ("Stoneware Dinner Plate", "color", (16, 38), True, True),
        ("Cast Iron Skillet", "none", (35, 120), True, True),
        ("Chef's Knife", "none", (60, 210), True, True),
        ("Glass Carafe", "none", (22, 60), True, True),
        ("Scented Candle", "scent", (18, 48), True, True),
        ("Table Lamp", "color", (80, 260), True, True),
        ("Jute Rug", "rug", (90, 420), True, True),
        ("Storage Basket", "color", (25, 80), True, True),
        ("Wall Mirror", "none", (90, 300), True, True),
        ("Linen Napkins", "color", (20, 48), True, True),
        ("Gift Card", "gift", (25, 100), False, False),
    ),
}
_OPTIONS: dict[str, tuple[str | None, ...]] = {
    "shoe": ("8", "9", "10", "11", "12"),
    "size": ("S", "M", "L", "XL"),
    "color": ("Black", "Forest", "Slate", "Sand"),
    "bed": ("Twin", "Full", "Queen", "King"),
    "scent": ("Cedar", "Fig", "Sea Salt"),
    "rug": ("2x3", "5x8", "8x10"),
    "gift": ("$25", "$50", "$100"),
    "none": (None,),
}
_ADJECTIVES = ("Summit", "Ridge", "Alpine", "Coastal", "Cascade", "Meadow", "Harbor", "Canyon")
_FIRST = ("ava", "ben", "chloe", "dev", "elif", "femi", "grace", "hugo", "isla", "jonas", "kemi", "luca")
_LAST = ("adeyemi", "brennan", "costa", "dubois", "eriksen", "fischer", "garcia", "haddad", "ito", "patel")
_TAX_RATES = (Decimal("0"), Decimal("0.06"), Decimal("0.0725"), Decimal("0.0825"), Decimal("0.0925"))
_REFUND_NOTES = (None, "Damaged in transit", "Wrong size", "Customer changed their mind", "Late delivery")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def day_start(day: int) -> int:
    """Seconds since the Unix epoch at 00:00 UTC of simulated day `day`."""
    return int(datetime.combine(simulated_date(day), time(0), tzinfo=UTC).timestamp())


@lru_cache(maxsize=65_536)
def iso(ts: int) -> str:
    """ISO 8601 UTC as Shopify's DateTime: `2026-11-03T14:05:09Z`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    pick = rng.random() * sum(weight for _, weight in choices)
    for value, weight in choices:
        pick -= weight
        if pick < 0:
            return value
    return choices[-1][0]


# --------------------------------------------------------------------------------------------
# The objects
# --------------------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Variant:
    id: int
    product_id: int
    title: str  # the product's title
    variant_title: str | None  # None for a product's only ("Default Title") variant
    sku: str | None
    price: Decimal
    requires_shipping: bool
    taxable: bool


@dataclass(slots=True, eq=False)
class LineItem:
    id: int
    sku: str | None
    title: str
    variant_title: str | None
    quantity: int  # as ordered (or as added by an edit)
    current_quantity: int  # after edits (0 once removed), refunds not subtracted
    original_unit_price: Decimal
    discounted_unit_price: Decimal
    product_id: int | None  # None for a custom item
    variant_id: int | None
    requires_shipping: bool
    taxable: bool
    refunded_quantity: int = 0  # units refunded so far

    @property
    def reported_current_quantity(self) -> int:
        """Shopify's `currentQuantity`: the units ordered, excluding removed and refunded ones."""
        return self.current_quantity - self.refunded_quantity

    @property
    def total_discount(self) -> Decimal:
        return (self.original_unit_price - self.discounted_unit_price) * self.current_quantity


@dataclass(slots=True, eq=False)
class RefundLineItem:
    id: int
    line_item: LineItem
    quantity: int
    price: Decimal  # the unit price refunded
    subtotal: Decimal
    tax: Decimal
    restock_type: str  # NO_RESTOCK, CANCEL, RETURN


@dataclass(slots=True, eq=False)
class Refund:
    id: int
    created_at: int
    note: str | None
    total: Decimal
    lines: list[RefundLineItem]


@dataclass(slots=True, eq=False)
class Order:
    id: int  # the legacy id; the global id is gid://shopify/Order/<id>
    number: int
    created_day: int
    created_at: int
    updated_at: int
    processed_at: int
    email: str | None
    customer_id: int | None  # None for a guest checkout
    test: bool
    tax_rate: Decimal
    line_items: list[LineItem]
    financial_status: str = "PENDING"
    fulfillment_status: str = "UNFULFILLED"
    cancelled_at: int | None = None
    cancel_reason: str | None = None
    closed_at: int | None = None
    refunds: list[Refund] = field(default_factory=list)

    @property
    def gid(self) -> str:
        return gid("Order", self.id)

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def subtotal(self) -> Decimal:
        return sum((li.discounted_unit_price * li.current_quantity for li in self.line_items), ZERO)

    @property
    def total_discounts(self) -> Decimal:
        return sum((li.total_discount for li in self.line_items), ZERO)

    @property
    def total_tax(self) -> Decimal:
        taxable = sum(
            (li.discounted_unit_price * li.current_quantity for li in self.line_items if li.taxable), ZERO
        )
        return money(taxable * self.tax_rate)

    @property
    def total_price(self) -> Decimal:
        return self.subtotal + self.total_tax

    @property
    def total_refunded(self) -> Decimal:
        return sum((refund.total for refund in self.refunds), ZERO)

    @property
    def current_total_price(self) -> Decimal:
        return self.total_price - self.total_refunded

    def refunded_quantity(self, line_item: LineItem) -> int:
        return sum(rl.quantity for refund in self.refunds for rl in refund.lines if rl.line_item is line_item)


# --------------------------------------------------------------------------------------------
# Records in the loader's RAW shape (the ground truth)
# --------------------------------------------------------------------------------------------


def money_bag(amount: Decimal) -> Record:
    value = {"amount": f"{amount:.2f}", "currencyCode": CURRENCY}
    return {"shopMoney": value, "presentmentMoney": dict(value)}


def line_item_record(li: LineItem) -> Record:
    return {
        "id": gid("LineItem", li.id),
        "sku": li.sku,
        "title": li.title,
        "variantTitle": li.variant_title,
        "quantity": li.quantity,
        "currentQuantity": li.reported_current_quantity,
        "originalUnitPriceSet": money_bag(li.original_unit_price),
        "discountedUnitPriceSet": money_bag(li.discounted_unit_price),
        "totalDiscountSet": money_bag(li.total_discount),
        "product": {"id": gid("Product", li.product_id)} if li.product_id else None,
        "variant": {"id": gid("ProductVariant", li.variant_id)} if li.variant_id else None,
        "requiresShipping": li.requires_shipping,
        "taxable": li.taxable,
    }


def order_record(order: Order) -> Record:
    """The order exactly as the loader's query asks for it, with every nested item."""
    return {
        "id": order.gid,
        "legacyResourceId": str(order.id),
        "name": order.name,
        "createdAt": iso(order.created_at),
        "updatedAt": iso(order.updated_at),
        "processedAt": iso(order.processed_at),
        "cancelledAt": iso(order.cancelled_at) if order.cancelled_at else None,
        "cancelReason": order.cancel_reason,
        "closedAt": iso(order.closed_at) if order.closed_at else None,
        "displayFinancialStatus": order.financial_status,
        "displayFulfillmentStatus": order.fulfillment_status,
        "currencyCode": CURRENCY,
        "test": order.test,
        "email": order.email,
        "customer": {"id": gid("Customer", order.customer_id)} if order.customer_id else None,
        "subtotalPriceSet": money_bag(order.subtotal),
        "totalDiscountsSet": money_bag(order.total_discounts),
        "totalTaxSet": money_bag(order.total_tax),
        "totalPriceSet": money_bag(order.total_price),
        "currentTotalPriceSet": money_bag(order.current_total_price),
        "totalRefundedSet": money_bag(order.total_refunded),
        "lineItems": {"nodes": [line_item_record(li) for li in order.line_items]},
        "refunds": [
            {
                "id": gid("Refund", refund.id),
                "createdAt": iso(refund.created_at),
                "totalRefundedSet": money_bag(refund.total),
                "refundLineItems": {
                    "nodes": [
                        {
                            "lineItem": {"id": gid("LineItem", rl.line_item.id)},
                            "quantity": rl.quantity,
                            "subtotalSet": money_bag(rl.subtotal),
                        }
                        for rl in refund.lines
                    ]
                },
            }
            for refund in order.refunds
        ],
    }


# --------------------------------------------------------------------------------------------
# A shop's world
# --------------------------------------------------------------------------------------------


class ShopWorld:
    """One shop's orders as of the end of simulated day `day` (live orders in id order)."""

    def __init__(self, shop: ShopSpec, *, seed: int = 42, scale: float = 1.0, day: int = 0) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive, got {scale}")
        self.shop = shop
        self.seed = seed
        self.scale = scale
        self.orders: dict[int, Order] = {}  # live orders by legacy id, in id (= creation) order
        self.deleted: dict[str, int] = {}  # global id -> when it was deleted
        self.events: dict[str, int] = dict.fromkeys(EVENT_KINDS, 0)
        self._daily_orders = scale * shop.volume * ORDERS_PER_SCALE / (HISTORY_DAYS + 1)
        self._daily_deletions = scale * DELETIONS_PER_DAY
        base = shop.id_base
        self._next = {
            "order": base,
            "line": base * 2 + 7_000_000_000_000,
            "refund": base // 6,
            "refund_line": base // 3,
            "customer": base + 1_750_000_000_000,
        }
        self._order_number = 1000
        self._build_catalog()
        self.day = -HISTORY_DAYS - 1
        for each_day in range(-HISTORY_DAYS, day + 1):
            self.day = each_day
            self._live_day(each_day)

    # ----- reading --------------------------------------------------------------------------

    def live(self) -> list[Order]:
        return list(self.orders.values())

    def get(self, global_id: str) -> Order | None:
        prefix = "gid://shopify/Order/"
        if not global_id.startswith(prefix) or not global_id[len(prefix) :].isdigit():
            return None
        return self.orders.get(int(global_id[len(prefix) :]))

    def records(self) -> list[Record]:
        return [order_record(order) for order in self.orders.values()]

    def counts(self) -> dict[str, int]:
        orders = self.orders.values()
        return {
            "orders": len(self.orders),
            "line_items": sum(len(o.line_items) for o in orders),
            "refunds": sum(len(o.refunds) for o in orders),
            "test_orders": sum(o.test for o in orders),
            "cancelled": sum(o.cancelled_at is not None for o in orders),
            "large_orders": sum(len(o.line_items) > 50 for o in orders),
            "deleted": len(self.deleted),
        }

    # ----- time -----------------------------------------------------------------------------

    def advance(self, days: int = 1) -> dict[str, int]:
        """Live `days` more days; how many orders were created, changed and deleted, and events."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        before = {order.id: order.updated_at for order in self.orders.values()}
        deleted_before = len(self.deleted)
        events_before = dict(self.events)
        for _ in range(days):
            self.day += 1
            self._live_day(self.day)
        new = sum(1 for order_id in self.orders if order_id not in before)
        updated = sum(1 for o in self.orders.values() if o.id in before and before[o.id] != o.updated_at)
        result = {"new": new, "updated": updated, "deleted": len(self.deleted) - deleted_before}
        result.update({kind: self.events[kind] - events_before[kind] for kind in EVENT_KINDS})
        return result

    # ----- the catalogue ----------------------------------------------------------------------

    def _build_catalog(self) -> None:
        rng = random.Random(f"{self.seed}:ecommerce:{self.shop.name}:catalog")
        product_id = self.shop.id_base + 1_900_000_000_000
        variant_id = self.shop.id_base + 37_000_000_000_000
        self.variants: list[Variant] = []
        number = 0
        for adjective in _ADJECTIVES:
            for noun, kind, (low, high), shipping, taxable in _CATALOG[self.shop.name]:
                if kind == "gift" and adjective != _ADJECTIVES[0]:
                    continue  # one gift card product
                if kind != "gift" and rng.random() < 0.35:
                    continue
                number += 1
                product_id += rng.randrange(1_000, 50_000)
                title = "Gift Card" if kind == "gift" else f"{adjective} {noun}"
                base = Decimal(rng.randrange(low * 100, high * 100 + 1, 100)) / 100 - Decimal("0.01")
                for index, option in enumerate(_OPTIONS[kind]):
                    variant_id += rng.randrange(1_000, 50_000)
                    price = Decimal(option[1:]) if kind == "gift" and option else base
                    if kind in ("bed", "rug"):
                        price = money(base * (1 + Decimal(index) / 5))
                    sku = f"{self.shop.sku_prefix}-{number:03d}-{index + 1}" if rng.random() > 0.04 else None
                    self.variants.append(
                        Variant(variant_id, product_id, title, option, sku, price, shipping, taxable)
                    )
        customers = max(20, int(350 * self.scale * self.shop.volume))
        self.customers: list[tuple[int, str]] = []
        for index in range(customers):
            self._next["customer"] += rng.randrange(1_000, 60_000)
            email = f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}{index}@example.com"
            self.customers.append((self._next["customer"], email))

    # ----- one day ----------------------------------------------------------------------------

    def _live_day(self, day: int) -> None:
        rng = random.Random(f"{self.seed}:ecommerce:{self.shop.name}:day:{day}")
        start = day_start(day)
        existing = list(self.orders.values())
        for offset in sorted(rng.randrange(86_400) for _ in range(_poisson(rng, self._daily_orders))):
            order = self._new_order(day, start + offset, rng)
            self.orders[order.id] = order
        for order in existing:
            self._evolve(order, day, start, rng)
        for _ in range(_poisson(rng, self._daily_deletions)):
            # Shopify deletes only orders that are cancelled, archived (closed) or tests.
            candidates = [o for o in existing if o.id in self.orders and (o.closed_at or o.test)]
            if candidates:
                victim = rng.choice(candidates)
                del self.orders[victim.id]
                self.deleted[victim.gid] = start + rng.randrange(86_400)

    def _id(self, kind: str, rng: random.Random) -> int:
        self._next[kind] += rng.randrange(1_000, 90_000)
        return self._next[kind]

    def _new_order(self, day: int, ts: int, rng: random.Random) -> Order:
        self._order_number += 1
        customer = None if rng.random() < 0.25 else rng.choice(self.customers)
        if customer is not None:
            customer_id, email = customer
        else:
            customer_id, email = None, f"guest{rng.randrange(10**6):06d}@example.net"
        if rng.random() < 0.03:
            email = None  # a point-of-sale sale without a receipt email
        # Imported and offline point-of-sale orders were processed before Shopify created them.
        processed = ts - rng.randrange(60, 3 * 86_400) if rng.random() < 0.05 else ts
        order = Order(
            id=self._id("order", rng),
            number=self._order_number,
            created_day=day,
            created_at=ts,
            updated_at=ts,
            processed_at=processed,
            email=email,
            customer_id=customer_id,
            test=rng.random() < 0.02,
            tax_rate=rng.choice(_TAX_RATES),
            line_items=[],
            financial_status=_weighted(
                rng, (("PAID", 74), ("AUTHORIZED", 12), ("PENDING", 10), ("PARTIALLY_PAID", 4))
            ),
        )
        # A wholesale-sized order, more than one page of line items: about 2 %, and every 50th
        # order of a shop, so even a small sandbox has some.
        if rng.random() < 0.02 or order.number % 50 == 7:
            count = rng.randint(60, 140)
        else:
            count = _weighted(rng, ((1, 35), (2, 27), (3, 17), (4, 10), (5, 7), (6, 4)))
        code_discount = _weighted(rng, ((0, 75), (10, 12), (15, 8), (20, 5)))
        for variant in rng.sample(self.variants, min(count, len(self.variants))):
            order.line_items.append(self._line_item(variant, rng, code_discount))
        if rng.random() < 0.01:  # a custom item: no product, no variant, no SKU
            price = Decimal(rng.randrange(5, 40)) + Decimal("0.00")
            order.line_items.append(
                LineItem(
                    self._id("line", rng),
                    None,
                    "Custom engraving",
                    None,
                    1,
                    1,
                    price,
                    price,
                    None,
                    None,
                    True,
                    True,
                )
            )
        return order

    def _line_item(self, variant: Variant, rng: random.Random, code_discount: int = 0) -> LineItem:
        quantity = _weighted(rng, ((1, 70), (2, 20), (3, 6), (4, 4)))
        gift_card = not variant.requires_shipping and not variant.taxable
        percent = 0 if gift_card else code_discount
        if not gift_card and not percent and rng.random() < 0.1:
            percent = rng.choice((5, 10, 25))  # an automatic discount on this item
        discounted = money(variant.price * (100 - percent) / 100) if percent else variant.price
        return LineItem(
            id=self._id("line", rng),
            sku=variant.sku,
            title=variant.title,
            variant_title=variant.variant_title,
            quantity=quantity,
            current_quantity=quantity,
            original_unit_price=variant.price,
            discounted_unit_price=discounted,
            product_id=variant.product_id,
            variant_id=variant.id,
            requires_shipping=variant.requires_shipping,
            taxable=variant.taxable,
        )

    # ----- what happens to an existing order ----------------------------------------------------

    @staticmethod
    def _when(order: Order, start: int, rng: random.Random) -> int | None:
        """A moment in the day after the order's last change (None: no time left today)."""
        moment = max(start + rng.randrange(86_400), order.updated_at + 1)
        return moment if moment < start + 86_400 else None

    def _touch(self, order: Order, moment: int, kind: str) -> None:
        order.updated_at = moment
        self.events[kind] += 1
        if (
            order.closed_at is None
            and order.fulfillment_status == "FULFILLED"
            and order.financial_status in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED")
        ):
            order.closed_at = moment  # fulfilled and paid: Shopify archives (closes) it

    def _evolve(self, order: Order, day: int, start: int, rng: random.Random) -> None:
        if order.cancelled_at is not None or order.financial_status in ("REFUNDED", "VOIDED", "EXPIRED"):
            return
        age = day - order.created_day
        roll = rng.random()
        status, shipped = order.financial_status, order.fulfillment_status
        if status in ("PENDING", "AUTHORIZED", "PARTIALLY_PAID"):
            if roll < 0.4:
                self._at(order, start, rng, "paid", lambda: setattr(order, "financial_status", "PAID"))
            elif status == "PENDING" and age >= 4 and roll < 0.7:
                self._cancel(order, start, rng, "DECLINED")
            elif status == "AUTHORIZED" and age >= 7:
                self._at(order, start, rng, "expired", lambda: setattr(order, "financial_status", "EXPIRED"))
            elif status != "PARTIALLY_PAID" and roll > 0.95 and age < 10:
                self._cancel(order, start, rng, _weighted(rng, (("CUSTOMER", 5), ("FRAUD", 2), ("OTHER", 1))))
            elif roll > 0.9:
                self._edit(order, start, rng)
            return
        # PAID or PARTIALLY_REFUNDED
        if shipped in ("UNFULFILLED", "PARTIALLY_FULFILLED"):
            if status == "PAID" and roll < 0.32:
                self._at(
                    order, start, rng, "fulfilled", lambda: setattr(order, "fulfillment_status", "FULFILLED")
                )
            elif status == "PAID" and roll < 0.37 and shipped == "UNFULFILLED":
                self._at(
                    order,
                    start,
                    rng,
                    "partially_fulfilled",
                    lambda: setattr(order, "fulfillment_status", "PARTIALLY_FULFILLED"),
                )
            elif roll < 0.375 and shipped == "UNFULFILLED":
                reason = _weighted(rng, (("CUSTOMER", 6), ("INVENTORY", 3), ("FRAUD", 1), ("OTHER", 1)))
                self._cancel(order, start, rng, reason)
            elif roll < 0.44 and shipped == "UNFULFILLED" and not order.refunds:
                self._edit(order, start, rng)
            elif roll > 0.995:
                self._refund(order, start, rng, full=False, restock="CANCEL")
            return
        if age <= HISTORY_DAYS:  # fulfilled: returns and refunds
            if roll < 0.004:
                self._refund(order, start, rng, full=False, restock=rng.choice(("RETURN", "NO_RESTOCK")))
            elif roll < 0.0055:
                self._refund(order, start, rng, full=True, restock="RETURN")

    def _at(self, order: Order, start: int, rng: random.Random, kind: str, change: Any) -> bool:
        moment = self._when(order, start, rng)
        if moment is None:
            return False
        change()
        self._touch(order, moment, kind)
        return True

    def _cancel(self, order: Order, start: int, rng: random.Random, reason: str) -> None:
        moment = self._when(order, start, rng)
        if moment is None:
            return
        order.cancelled_at = order.closed_at = moment
        order.cancel_reason = reason
        if order.financial_status in ("PENDING", "AUTHORIZED"):
            order.financial_status = "VOIDED"
        else:
            self._add_refund(order, moment, rng, full=True, restock="CANCEL")
            if rng.random() < 0.5:
                order.fulfillment_status = "RESTOCKED"
        self._touch(order, moment, "cancelled")

    def _edit(self, order: Order, start: int, rng: random.Random) -> None:
        moment = self._when(order, start, rng)
        if moment is None:
            return
        current = [li for li in order.line_items if li.current_quantity > 0]
        action = rng.random()
        if action < 0.45 or len(current) < 2 and all(li.current_quantity < 2 for li in current):
            taken = {li.variant_id for li in order.line_items}
            choices = [v for v in self.variants if v.id not in taken] or self.variants
            order.line_items.append(self._line_item(rng.choice(choices), rng))
            if order.financial_status == "PAID":
                order.financial_status = "PARTIALLY_PAID"  # the added item is a balance due
        elif action < 0.8 and len(current) >= 2:
            rng.choice(current).current_quantity = 0  # removed: the line item stays
        else:
            several = [li for li in current if li.current_quantity >= 2] or current
            line = rng.choice(several)
            line.current_quantity = max(0, line.current_quantity - 1)
        self._touch(order, moment, "edited")

    def _refund(self, order: Order, start: int, rng: random.Random, *, full: bool, restock: str) -> None:
        moment = self._when(order, start, rng)
        if moment is None:
            return
        complete = self._add_refund(order, moment, rng, full=full, restock=restock)
        self._touch(order, moment, "refunded" if complete else "partially_refunded")

    def _add_refund(self, order: Order, moment: int, rng: random.Random, *, full: bool, restock: str) -> bool:
        """Refund some (or every remaining) item; True when the order is now refunded in full."""
        remaining = [(li, li.current_quantity - order.refunded_quantity(li)) for li in order.line_items]
        remaining = [(li, left) for li, left in remaining if left > 0]
        if not full and remaining:
            picked = rng.sample(remaining, min(len(remaining), rng.choice((1, 1, 2))))
            chosen = [(li, rng.randint(1, left)) for li, left in picked]
            full = sum(q for _, q in chosen) == sum(left for _, left in remaining)
        else:
            chosen = remaining
        lines = []
        for li, quantity in chosen:
            li.refunded_quantity += quantity
            subtotal = li.discounted_unit_price * quantity
            tax = money(subtotal * order.tax_rate) if li.taxable else ZERO
            lines.append(
                RefundLineItem(
                    self._id("refund_line", rng),
                    li,
                    quantity,
                    li.discounted_unit_price,
                    subtotal,
                    tax,
                    restock,
                )
            )
        total = sum((rl.subtotal + rl.tax for rl in lines), ZERO)
        if full:  # the last refund takes whatever is left, to the cent
            total = order.total_price - order.total_refunded
        total = max(ZERO, min(total, order.total_price - order.total_refunded))
        order.refunds.append(Refund(self._id("refund", rng), moment, rng.choice(_REFUND_NOTES), total, lines))
        order.financial_status = "REFUNDED" if full else "PARTIALLY_REFUNDED"
        return full
