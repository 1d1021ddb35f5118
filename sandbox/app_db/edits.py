"""The changes of a day that are not a booking's own life: vendors' status and commission (SCD),
price updates, services switched on and off, promotions extended without a timestamp, customers
editing their phone or opt-in or closing their account, addresses added, edited and hard
deleted, bookings edited (items replaced), reviews removed by moderation, messages deleted.

Daily counts are Poisson with means proportional to the scale; the kinds a loader must handle
(soft and hard deletes, SCD, price and item changes) happen at least once every day, so a
one-day tick of a small sandbox shows each of them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox.app_db import catalog
from sandbox.app_db.catalog import poisson
from sandbox.app_db.lifecycle import Bundle, Row
from sandbox.app_db.world import NEVER, Service, World, item_row


def _count(r: Any, per_day: float, scale: float, at_least: int = 0) -> int:
    return max(at_least, poisson(r, per_day * scale))


def vendors_and_prices(store: Any, world: World, r: Any) -> None:
    scale = world.scale
    vendor_ids = sorted(world.vendors)
    for _ in range(_count(r, 0.5, scale, at_least=1)):
        row = store.row("vendors", r.choice(vendor_ids))
        when = store.moment(r, row["updated_at"])
        if when is None or row["deleted_at"] is not None:
            continue
        roll, status = r.random(), row["status"]
        if status == "active" and roll < 0.5:
            rates = [c for c in (catalog.commission(r), catalog.commission(r)) if c != row["commission_rate"]]
            changes = {"commission_rate": rates[0]} if rates else {"status": "paused"}
        elif status == "active":
            changes = {"status": "paused" if roll < 0.85 else "closed"}
        elif status == "paused":
            changes = {"status": "active" if roll < 0.6 else "closed"}
        else:
            changes = {"deleted_at": when}
        store.update("vendors", row, when, changes)
        usable = row["status"] == "active" and row["deleted_at"] is None
        world.vendors[row["id"]].available_until = NEVER if usable else when
    services = [s for vendor_id in vendor_ids for s in world.vendors[vendor_id].services]
    for _ in range(_count(r, 1.2, scale, at_least=1) if services else 0):
        service = r.choice(services)
        row = store.row("vendor_prices", service.price_id)
        when = store.moment(r, row["updated_at"])
        if when is None:
            continue
        old = row["price_cents"]
        new = catalog.reprice(r, old)
        new = new if new != old else new + 100
        store.update("vendor_prices", row, when, {"price_cents": new, "effective_from": when.date()})
        service.old_price_cents, service.price_changed_at, service.price_cents = old, when, new
    for _ in range(_count(r, 0.3, scale) if services else 0):
        service = r.choice(services)
        row = store.row("vendor_services", service.id)
        when = store.moment(r, row["updated_at"])
        if when is not None:
            store.update("vendor_services", row, when, {"is_active": not row["is_active"]})
            service.available_until = NEVER if row["is_active"] else when
    for _ in range(_count(r, 0.3, scale)):
        _new_service(store, world, r, world.vendors[r.choice(vendor_ids)])
    for _ in range(_count(r, 0.08, scale)):
        world.add_vendor(store, store.moment(r))
    world.vendors_changed()


def _new_service(store: Any, world: World, r: Any, vendor: Any) -> None:
    offered = catalog.SERVICES[vendor.profile.category]
    names = {s.name for s in vendor.services}
    missing = [entry for entry in offered if entry[2] not in names]
    when = store.moment(r)
    if not missing or when is None:
        return
    service_type, unit, name, (low, high) = r.choice(missing)
    row = store.insert("vendor_services", {"vendor_id": vendor.id, "service_type": service_type, "name": name,
                                           "unit": unit, "is_active": True, "created_at": when,
                                           "updated_at": when})  # fmt: skip
    cents = r.randint(low, high) * 100
    price = store.insert("vendor_prices", {"vendor_service_id": row["id"], "price_cents": cents,
                                           "currency": catalog.CURRENCY, "effective_from": when.date(),
                                           "created_at": when, "updated_at": when}, after=when)  # fmt: skip
    vendor.services.append(Service(row["id"], vendor.id, name, unit, service_type, price["id"], cents))


def promotions(store: Any, world: World, r: Any) -> None:
    """Extend running promotions (promotions have no updated_at: only a full reload sees it); add new ones."""
    today = store.start.date()
    extensions = poisson(r, 0.4 * world.scale) + (1 if store.day % 3 == 1 else 0)
    for _ in range(extensions):
        if not world.promotions:
            break
        running = [p for p in world.promotions if p.ends_on >= today - timedelta(days=7)]
        promotion = r.choice(running) if running else max(world.promotions, key=lambda p: (p.ends_on, p.id))
        row = store.row("promotions", promotion.id)  # one that just ended may be brought back
        promotion.ends_on = max(row["ends_on"], today) + timedelta(days=r.randint(7, 30))
        store.update("promotions", row, store.start, {"ends_on": promotion.ends_on})
    for _ in range(_count(r, 0.15, world.scale)):
        world.add_promotion(store, r, store.moment(r), today + timedelta(days=r.randint(0, 10)))


def users_and_addresses(store: Any, world: World, r: Any) -> None:
    scale, users = world.scale, len(world.user_created) - 1
    if users < 1:
        return

    def someone() -> Row | None:
        user_id = r.randint(1, users)
        return None if user_id in world.user_deleted else store.row("users", user_id)

    planned = (
        (_count(r, 2.5, scale), lambda row: {"phone": catalog.phone_number(r, r.choice(catalog.CITIES)[3])}),
        (_count(r, 1.5, scale), lambda row: {"marketing_opt_in": not row["marketing_opt_in"]}),
        (_count(r, 0.6, scale, at_least=1), None),
    )
    for count, change in planned:
        for _ in range(count):
            row = someone()
            when = store.moment(r, row["updated_at"]) if row else None
            if row is None or when is None:
                continue
            store.update("users", row, when, change(row) if change else {"deleted_at": when})
            if change is None:
                world.user_deleted[row["id"]] = when
    for _ in range(_count(r, 1.5, scale)):
        row = someone()
        when = store.moment(r, row["created_at"]) if row else None
        if row is not None and when is not None:
            city, state, zip3, _ = r.choice(catalog.CITIES)
            line1, line2 = catalog.street(r)
            address = {"user_id": row["id"], "label": r.choice(("storage", "other")), "street_line1": line1,
                       "street_line2": line2, "city": city, "state": state,
                       "postal_code": f"{zip3}{r.randint(1, 99):02d}", "country": "US", "created_at": when,
                       "updated_at": when}  # fmt: skip
            store.insert("addresses", address, after=row["created_at"])
            world.addresses.setdefault(row["id"], []).append(address["id"])
    addresses = sorted(a for ids in world.addresses.values() for a in ids)
    for _ in range(_count(r, 1.0, scale) if addresses else 0):
        row = store.row("addresses", r.choice(addresses))
        when = store.moment(r, row["updated_at"])
        if when is not None and not store.touched("addresses", row["id"]):
            line2 = None if row["street_line2"] else f"Apt {r.randint(1, 40)}{r.choice('ABCD')}"
            store.update("addresses", row, when, {"street_line2": line2})


def booking_items(store: Any, world: World, r: Any, bookings: list[Row]) -> None:
    """Customers edit a few requested bookings: the items are replaced (hard delete + insert)."""
    editable = [b for b in bookings if b["status"] == "requested" and not store.touched("bookings", b["id"])
                and b["scheduled_start"] > store.end]  # fmt: skip
    promotions = {p.id: p for p in world.promotions}
    for booking in r.sample(editable, min(len(editable), _count(r, 2.0, world.scale, at_least=1))):
        vendor = world.vendors[booking["vendor_id"]]
        service = next((s for s in vendor.services if s.id == booking["vendor_service_id"]), None)
        when = store.moment(r, booking["updated_at"])
        if service is None or when is None:
            continue
        for (item_id,) in store.db.query(
            "select id from booking_items where booking_id = ? order by id", [booking["id"]]
        ):
            store.delete("booking_items", item_id)
        items = world.items_for(r, vendor, service, catalog.quantity_for(r, service.unit), when)
        subtotal = sum(s.price_at(when) * quantity for s, _, quantity in items)
        promotion = promotions.get(booking["promotion_id"])
        discount = subtotal * promotion.percent_off // 100 if promotion else 0
        changes = {"subtotal_cents": subtotal, "discount_cents": discount, "total_cents": subtotal - discount}
        store.update("bookings", booking, when, changes)
        for item_service, description, quantity in items:
            store.insert("booking_items", item_row(booking, item_service, description, quantity, when),
                         after=booking["created_at"])  # fmt: skip


def hard_deletes(store: Any, world: World, r: Any, new: list[Bundle]) -> None:
    """Addresses no booking references, reviews (moderation), now and then a message. Never a
    table's newest row: ids come from max(id) + 1, and a deleted id must not come back."""
    scale, db = world.scale, store.db
    used = {bundle.booking["address_id"] for bundle in new}
    used.add(store.newest["addresses"])
    unreferenced = db.query(
        "select id from addresses except select address_id from bookings where address_id is not null"
    )
    candidates = sorted(i for (i,) in unreferenced if i not in used and not store.touched("addresses", i))
    for address_id in r.sample(candidates, min(len(candidates), _count(r, 0.8, scale, at_least=1))):
        store.delete("addresses", address_id)  # the day's bookings are made: the World needs no update
    newest = store.newest["reviews"]
    reviews = sorted(
        i for (i,) in db.query("select id from reviews") if i != newest and not store.touched("reviews", i)
    )
    for review_id in r.sample(reviews, min(len(reviews), _count(r, 0.4, scale, at_least=1))):
        store.delete("reviews", review_id)
    last = store.newest["messages"]
    for _ in range(_count(r, 0.5, scale) if last > 1 else 0):
        somewhere = [r.randint(1, last - 1), last]
        found = db.query("select id from messages where id >= ? and id < ? order by id limit 1", somewhere)
        if found and not store.touched("messages", found[0][0]):
            store.delete("messages", found[0][0])
