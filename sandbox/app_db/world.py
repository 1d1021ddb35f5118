"""The marketplace as the day's new rows see it: who can book, which vendors sell what at which
price, which promotions run; and the code that makes new customers, vendors and bookings.

The history build grows a `World` as it goes; a tick reads one from the database (`ticks.py`).
Both then make a day's signups and bookings with the same functions, so a tick continues the
history: returning customers are drawn from recent bookings (recency-weighted, so cohorts
retain and churn), first-timers from everyone who signed up.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sandbox.app_db import catalog
from sandbox.app_db.catalog import VendorProfile, rng_for
from sandbox.app_db.lifecycle import Row, Store

NEVER = datetime.max
_NOW = object()  # in a planned edit: the moment it happens


@dataclass
class Service:
    id: int
    vendor_id: int
    name: str
    unit: str
    service_type: str
    price_id: int
    price_cents: int
    available_until: datetime = NEVER  # is_active until then
    old_price_cents: int | None = None  # the price before `price_changed_at` (history only)
    price_changed_at: datetime | None = None

    def price_at(self, when: datetime) -> int:
        if self.price_changed_at is not None and when < self.price_changed_at:
            return self.old_price_cents or self.price_cents
        return self.price_cents


@dataclass
class Vendor:
    id: int
    profile: VendorProfile
    contact_phone: str
    available_until: datetime = NEVER  # status active until then
    services: list[Service] = field(default_factory=list)


@dataclass
class Promotion:
    id: int
    percent_off: int
    starts_on: date
    ends_on: date
    max_redemptions: int | None
    redemptions: int = 0


@dataclass
class World:
    """Customers, vendors and promotions as far as new bookings need them."""

    seed: int
    scale: float
    user_created: list[datetime] = field(default_factory=lambda: [datetime.min])  # by user id
    user_deleted: dict[int, datetime] = field(default_factory=dict)
    addresses: dict[int, list[int]] = field(default_factory=dict)  # user id -> address ids
    recent: array = field(default_factory=lambda: array("q"))  # user id of each booking, in order
    vendors: dict[int, Vendor] = field(default_factory=dict)
    promotions: list[Promotion] = field(default_factory=list)
    _picks: tuple[list[Vendor], list[float]] | None = None

    # ----- who books -------------------------------------------------------------------------

    def pick_user(self, r: Any, when: datetime) -> int | None:
        """Mostly someone who booked lately (about the last 60 days' bookings), else anyone
        signed up by `when`; never a closed account."""
        lookback = max(10.0, 60 * catalog.bookings_expected(0, self.scale))
        for _ in range(8):
            back = int(r.expovariate(1.0 / lookback)) if self.recent and r.random() < 0.6 else None
            if back is not None and back < len(self.recent):
                user_id = self.recent[len(self.recent) - 1 - back]
            else:
                known = bisect.bisect_right(self.user_created, when) - 1
                if known < 1:
                    return None
                user_id = r.randint(1, known)
            if self.user_created[user_id] < when and self.user_deleted.get(user_id, NEVER) > when:
                return user_id
        return None

    def pick_service(self, r: Any, when: datetime) -> tuple[Vendor, Service] | None:
        """A vendor by popularity, active at `when`, and one of its active services."""
        if self._picks is None:
            vendors = [v for _, v in sorted(self.vendors.items()) if v.services]
            total, cumulative = 0.0, []
            for vendor in vendors:
                total += vendor.profile.weight
                cumulative.append(total)
            self._picks = (vendors, cumulative)
        vendors, cumulative = self._picks
        for _ in range(10):
            if not vendors:
                return None
            vendor = r.choices(vendors, cum_weights=cumulative)[0]
            services = [s for s in vendor.services if s.available_until > when]
            if vendor.available_until > when and services:
                return vendor, r.choice(services)
        return None

    def vendors_changed(self) -> None:
        self._picks = None

    # ----- new rows --------------------------------------------------------------------------

    def add_user(self, store: Store, when: datetime, until: datetime | None = None) -> Row:
        """A new customer (and 1-3 addresses); `until` (the history's end) also lives the
        phone and opt-in edits and soft deletion planned for them before then."""
        user_id = store.next_id("users")
        row, plan_addresses = user_row(self.seed, user_id, when, until)
        store.insert("users", row)
        self.user_created.append(when)
        if row["deleted_at"] is not None:
            self.user_deleted[user_id] = row["deleted_at"]
        for address in plan_addresses:
            address_id = store.insert("addresses", address, after=when)["id"]
            self.addresses.setdefault(user_id, []).append(address_id)
        return row

    def add_vendor(
        self,
        store: Store,
        when: datetime,
        until: datetime | None = None,
        window_start: datetime | None = None,
    ) -> Vendor:
        """A new vendor with its services and their prices; with `until` (the history's end) also
        the status, commission, service and price changes planned for it in the history window."""
        vendor_id = store.next_id("vendors")
        profile = catalog.vendor_profile(self.seed, vendor_id)
        r = rng_for(self.seed, "vendor-row", vendor_id)
        first, last = catalog.person(r)
        city, state, _, areas = r.choice(catalog.CITIES)
        business = f"{r.choice(catalog.VENDOR_WORDS)} {r.choice(catalog.VENDOR_NOUNS[profile.category])}"
        slug = "".join(ch for ch in business.lower() if ch.isalnum())
        row = {
            "business_name": business, "contact_name": f"{first} {last}",
            "contact_email": f"{first.lower()}@{slug}.com", "contact_phone": catalog.phone_number(r, areas),
            "category": profile.category, "city": city, "state": state, "status": "active",
            "commission_rate": catalog.commission(r), "created_at": when, "updated_at": when,
            "deleted_at": None,
        }  # fmt: skip
        vendor = Vendor(vendor_id, profile, row["contact_phone"])

        def planned(probability: float, low: float, high: float) -> datetime | None:
            chance, offset = r.random(), r.uniform(low, high)
            if until is None or window_start is None or chance >= probability:
                return None
            moment = (window_start + timedelta(days=offset)).replace(microsecond=0)
            return moment if when < moment < until else None

        if changed := planned(0.12, 0, 200):
            row.update(status=r.choice(("paused", "paused", "closed")), updated_at=changed)
            vendor.available_until = changed
            if row["status"] == "closed" and (deleted := planned(0.5, 0, 200)) and deleted > changed:
                row.update(deleted_at=deleted, updated_at=deleted)
        if (changed := planned(0.2, -100, 200)) and changed > row["updated_at"]:
            row.update(commission_rate=catalog.commission(r), updated_at=changed)
        store.insert("vendors", row)
        for index in profile.services:
            service_type, unit, name, (low, high) = catalog.SERVICES[profile.category][index]
            created = when + timedelta(minutes=r.randint(5, 60 * 24 * (20 if until else 0) + 5))
            service_row = {"vendor_id": vendor_id, "service_type": service_type, "name": name, "unit": unit,
                           "is_active": True, "created_at": created, "updated_at": created}  # fmt: skip
            price = r.randint(low, high) * 100 - (1 if r.random() < 0.3 else 0)
            price_row = {"price_cents": price, "currency": catalog.CURRENCY, "effective_from": created.date(),
                         "created_at": created, "updated_at": created}  # fmt: skip
            service = Service(0, vendor_id, name, unit, service_type, 0, price)
            if deactivated := planned(0.05, 0, 200):
                service_row.update(is_active=False, updated_at=deactivated)
                service.available_until = deactivated
            if repriced := planned(0.3, 0, 200):
                service.old_price_cents, service.price_changed_at = price, repriced
                service.price_cents = catalog.reprice(r, price)
                price_row.update(
                    price_cents=service.price_cents, effective_from=repriced.date(), updated_at=repriced
                )
            service.id = store.insert("vendor_services", service_row, after=when)["id"]
            price_row["vendor_service_id"] = service.id
            service.price_id = store.insert("vendor_prices", price_row, after=created)["id"]
            vendor.services.append(service)
        self.vendors[vendor_id] = vendor
        self.vendors_changed()
        return vendor

    def add_promotion(self, store: Store, r: Any, created: datetime, starts_on: date) -> Promotion:
        promotion_id = store.next_id("promotions")
        percent = r.choice((5, 10, 10, 15, 15, 20, 20, 25, 30, 40, 50))
        ends_on = starts_on + timedelta(days=r.randint(7, 45))
        cap = None if r.random() < 0.4 else max(5, round(r.uniform(20, 200) * min(1.0, self.scale * 4)))
        store.insert("promotions", {"code": f"{r.choice(catalog.PROMO_WORDS)}{percent}-{promotion_id}",
                                    "percent_off": percent, "starts_on": starts_on, "ends_on": ends_on,
                                    "max_redemptions": cap, "created_at": created})  # fmt: skip
        promotion = Promotion(promotion_id, percent, starts_on, ends_on, cap)
        self.promotions.append(promotion)
        return promotion

    def add_booking(self, store: Store, r: Any, when: datetime, user_id: int) -> tuple[Row, Vendor] | None:
        """A new request (status `requested`) with its 1-4 items, or None when nothing is bookable."""
        picked = self.pick_service(r, when)
        if picked is None:
            return None
        vendor, service = picked
        quantity = catalog.quantity_for(r, service.unit)
        items = self.items_for(r, vendor, service, quantity, when)
        subtotal = sum(s.price_at(when) * q for s, _, q in items)
        start = _scheduled_start(r, when)
        address_id = self._address(r, user_id, service.unit)
        promotion = self._promotion(r, when)
        discount = subtotal * promotion.percent_off // 100 if promotion else 0
        booking = store.insert(
            "bookings",
            {"user_id": user_id, "vendor_id": vendor.id, "vendor_service_id": service.id,
             "address_id": address_id, "promotion_id": promotion.id if promotion else None,
             "status": "requested", "scheduled_start": start,
             "scheduled_end": start + catalog.duration_for(r, service.unit, quantity),
             "subtotal_cents": subtotal, "discount_cents": discount, "total_cents": subtotal - discount,
             "vendor_responded_at": None, "completed_at": None, "cancelled_at": None, "cancelled_by": None,
             "cancellation_reason": None, "created_at": when, "updated_at": when},
            after=self.user_created[user_id],
        )  # fmt: skip
        for item_service, description, item_quantity in items:
            store.insert("booking_items", item_row(booking, item_service, description, item_quantity, when),
                         after=when)  # fmt: skip
        self.recent.append(user_id)
        return booking, vendor

    def items_for(
        self, r: Any, vendor: Vendor, service: Service, quantity: int, when: datetime
    ) -> list[tuple[Service, str, int]]:
        """What a booking of `service` buys: the service itself and 0-3 add-ons of the vendor."""
        items = [(service, service.name, quantity)]
        others = [s for s in vendor.services if s is not service and s.available_until > when]
        for _ in range(catalog.EXTRA_ITEMS.pick(r)):
            if others and r.random() < 0.7:
                extra = r.choice(others)
                items.append(
                    (extra, extra.name, 1 if extra.unit == "month" else catalog.quantity_for(r, extra.unit))
                )
            else:
                items.append((service, f"Additional {service.unit} ({service.name})", r.randint(1, 2)))
        return items

    def _address(self, r: Any, user_id: int, unit: str) -> int | None:
        choices = self.addresses.get(user_id)
        if not choices or r.random() < (0.5 if unit == "month" else 0.08):
            return None
        return choices[0] if r.random() < 0.7 else r.choice(choices)

    def _promotion(self, r: Any, when: datetime) -> Promotion | None:
        if r.random() >= 0.15:
            return None
        today = when.date()
        running = [
            p for p in self.promotions
            if p.starts_on <= today <= p.ends_on
            and (p.max_redemptions is None or p.redemptions < p.max_redemptions)
        ]  # fmt: skip
        if not running:
            return None
        promotion = r.choice(running)
        promotion.redemptions += 1
        return promotion


def item_row(booking: Row, service: Service, description: str, quantity: int, when: datetime) -> Row:
    return {"booking_id": booking["id"], "vendor_price_id": service.price_id, "description": description,
            "quantity": quantity, "unit_price_cents": service.price_at(when), "created_at": when}  # fmt: skip


def _scheduled_start(r: Any, when: datetime) -> datetime:
    low, high = catalog.LEAD_DAYS.pick(r)
    day = (when + timedelta(days=r.uniform(low, high))).date()
    for _ in range(3):  # weekends are busier than Tuesdays
        if r.random() < catalog.SCHEDULED_BY_WEEKDAY[day.weekday()]:
            break
        day += timedelta(days=1)
    start = datetime.combine(day, datetime.min.time()) + timedelta(
        hours=r.randint(8, 17), minutes=r.choice((0, 30))
    )
    earliest = when + timedelta(hours=2)
    if start < earliest:  # same-day jobs start on the next half hour after two hours
        start = earliest.replace(minute=0, second=0) + timedelta(minutes=30 if earliest.minute < 30 else 60)
    return start


def user_row(seed: int, user_id: int, created: datetime, until: datetime | None) -> tuple[Row, list[Row]]:
    """A customer and their addresses (without address ids), as of `until` (None: as created)."""
    r = rng_for(seed, "user", user_id)
    first, last = catalog.person(r)
    city, state, zip3, areas = r.choice(catalog.CITIES)
    row = {
        "email": catalog.email_for(r, first, last, user_id), "phone": catalog.phone_number(r, areas),
        "first_name": first, "last_name": last, "marketing_opt_in": r.random() < 0.35,
        "signup_channel": catalog.SIGNUP_CHANNELS.pick(r), "created_at": created,
        "updated_at": created, "deleted_at": None,
    }  # fmt: skip
    addresses = []
    for number in range(catalog.ADDRESS_COUNT.pick(r)):
        line1, line2 = catalog.street(r)
        label = "home" if number == 0 else r.choice(("storage", "other"))
        addresses.append({"user_id": user_id, "label": label, "street_line1": line1, "street_line2": line2,
                          "city": city, "state": state, "postal_code": f"{zip3}{r.randint(1, 99):02d}",
                          "country": "US", "created_at": created, "updated_at": created})  # fmt: skip
    edits = (
        (0.12, r.uniform(5, 400), {"phone": catalog.phone_number(r, areas)}),
        (0.10, r.uniform(1, 300), {"marketing_opt_in": not row["marketing_opt_in"]}),
        (0.03, r.uniform(10, 500), {"deleted_at": _NOW}),
    )
    for probability, after_days, changes in edits:
        when = (created + timedelta(days=after_days)).replace(microsecond=0)
        if r.random() < probability and until is not None and when < until:
            row.update({k: when if v is _NOW else v for k, v in changes.items()})
            row["updated_at"] = max(row["updated_at"], when)
    return row, addresses
