"""The history build: Clutter Haven from its first vendors to the end of simulated day 0.

Vendors (with services and prices), promotions and the customers who signed up before the
window come first; then each day of the window (180 days by default) brings its signups and
bookings, every booking lived to the end of day 0 at once (`lifecycle.timeline`), so nothing
but the current day's rows is held in memory: a million bookings stream through in chunks
(COPY on PostgreSQL). Ids are assigned in insert order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox.app_db import catalog, schema
from sandbox.app_db.catalog import day_start, poisson, rng_for
from sandbox.app_db.db import Database
from sandbox.app_db.lifecycle import Bundle, Row, apply, timeline
from sandbox.app_db.world import World

FLUSH_ROWS = 50_000  # buffered rows that trigger a write


class HistoryStore:
    """Rows of the build, buffered per table and written in bulk; updates edit buffered rows."""

    def __init__(self, db: Database, world: World, until: datetime) -> None:
        self.db, self.world, self.until = db, world, until
        self.next = dict.fromkeys(schema.TABLES, 1)
        self.buffers: dict[str, list[Row]] = {table: [] for table in schema.TABLES}
        self.buffered = 0
        self.contacts: dict[int, tuple[str, str]] = {}  # user id -> email, phone (for quotes)

    def next_id(self, table: str) -> int:
        return self.next[table]

    def insert(self, table: str, row: Row, after: datetime | None = None) -> Row:
        row["id"] = self.next[table]
        self.next[table] += 1
        self.buffers[table].append(row)
        self.buffered += 1
        if table == "users":
            self.contacts[row["id"]] = (row["email"], row["phone"])
        return row

    def update(
        self, table: str, row: Row, when: datetime, changes: Row, after: datetime | None = None
    ) -> None:
        row.update(changes)
        if "updated_at" in row:
            row["updated_at"] = when

    def contact(self, role: str, booking: Row) -> dict[str, str]:
        if role == "vendor":
            return {"phone": self.world.vendors[booking["vendor_id"]].contact_phone}
        email, phone = self.contacts[booking["user_id"]]
        return {"email": email, "phone": phone}

    def flush(self, force: bool = False) -> None:
        """Write the buffered rows (only once there are many, unless `force`)."""
        if not force and self.buffered < FLUSH_ROWS:
            return
        for table in schema.TABLES:
            self.db.copy(table, self.buffers[table])
            self.buffers[table] = []
        self.buffered = 0


def build_history(db: Database, seed: int, scale: float, history_days: int) -> None:
    """Write every row of the history (the tables exist and are empty)."""
    until = day_start(1)
    first_day = 1 - history_days
    window_start = day_start(first_day)
    world = World(seed, scale)
    store = HistoryStore(db, world, until)
    setup = rng_for(seed, "setup", 0)
    vendors = max(3, round(catalog.VENDORS * scale))
    for when in _spread(
        setup, vendors, window_start - timedelta(days=3 * 365), window_start - timedelta(days=40)
    ):
        world.add_vendor(store, when, until, window_start)
    promotions = []
    for _ in range(max(3, round(catalog.PROMOTIONS * scale))):
        starts_on = (window_start + timedelta(days=setup.uniform(-60, history_days + 10))).date()
        created = datetime.combine(starts_on, datetime.min.time()) - timedelta(
            seconds=setup.randrange(14 * 86400)
        )
        if created < until:
            promotions.append((created, starts_on))
    for created, starts_on in sorted(promotions):
        world.add_promotion(store, setup, created, starts_on)
    before = max(5, round(catalog.USERS_BEFORE * scale))
    for when in _spread(setup, before, window_start - timedelta(days=720), window_start):
        world.add_user(store, when, until)
    for day in range(first_day, 1):
        live_day(store, world, day, until)
        store.flush()
    store.flush(force=True)
    db.drain()


def _spread(r: Any, count: int, start: datetime, end: datetime) -> list[datetime]:
    seconds = int((end - start).total_seconds())
    return sorted(start + timedelta(seconds=r.randrange(seconds)) for _ in range(count))


def live_day(store: Any, world: World, day: int, until: datetime | None) -> list[Bundle]:
    """One day's signups and bookings (shared with the ticks). With `until` (the build), every
    booking is lived up to then; a tick lives the day's events itself. Returns the new bookings."""
    r = rng_for(world.seed, "day", day)
    end = day_start(day + 1)
    requests: list[tuple[datetime, int]] = []
    for when in catalog.times_in_day(r, day, poisson(r, catalog.signups_expected(day, world.scale))):
        user = world.add_user(store, when, until)
        first = when + timedelta(minutes=r.randint(5, 180))
        if r.random() < 0.6 and first < end:
            requests.append((first, user["id"]))
    wanted = poisson(r, catalog.bookings_expected(day, world.scale)) - len(requests)
    requests += [(when, 0) for when in catalog.times_in_day(r, day, max(0, wanted))]
    made = []
    for when, user_id in sorted(requests):
        user_id = user_id or world.pick_user(r, when)
        booking = world.add_booking(store, r, when, user_id) if user_id else None
        if booking is None:
            continue
        bundle = Bundle(booking[0])
        made.append(bundle)
        if until is not None:
            for event in timeline(world.seed, bundle.booking, booking[1].profile):
                if event[0] >= until:
                    break
                apply(event, bundle, store)
    return made
