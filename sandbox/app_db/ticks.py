"""One simulated day of the application database, applied in one transaction.

A day reads what it needs (`load_world`), then: vendors, prices, services, promotions and users
change (edits.py); the day's signups and bookings arrive (history.live_day, as in the build);
every booking's events of the day happen (lifecycle.timeline); a few requested bookings are
edited (their items hard deleted and new ones inserted); a few addresses, reviews and messages
are hard deleted (edits.py). Every change stamps updated_at (created_at for the insert-only
tables) within the day, after the row's previous stamp, except the late commits: about 2 % of
the rows changed once that day get a stamp 1 s to 2 h before the newest stamp their table had
when the day began, as if their transaction had committed after the previous load.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox.app_db import catalog, edits, schema
from sandbox.app_db.catalog import day_start, rng_for, vendor_profile
from sandbox.app_db.db import Database
from sandbox.app_db.history import live_day
from sandbox.app_db.lifecycle import OPEN, SETTLED_AFTER, Bundle, Row, apply, timeline
from sandbox.app_db.world import NEVER, Promotion, Service, Vendor, World

LATE_TABLES = tuple(table for table in schema.TABLES if table != "promotions")  # no stamp to be late with
LATE_SHARE = 0.02
LATE_SECONDS = 2 * 3600
COUNTS = ("inserted", "updated", "soft_deleted", "hard_deleted", "late")


@dataclass
class Change:
    """A row inserted or updated today."""

    table: str
    row: Row
    inserted: bool
    when: datetime  # the stamp today's last change gave it
    bound: datetime  # a late stamp must stay after this
    columns: set[str] = field(default_factory=set)
    touches: int = 1


class DayStore:
    """The day's changes, held until `flush` writes them in one transaction."""

    def __init__(self, db: Database, world: World, day: int) -> None:
        self.db, self.world, self.day = db, world, day
        self.start, self.end = day_start(day), day_start(day + 1)
        # Ids continue from max(id) + 1; the newest row of a table is never hard deleted, so none returns.
        self.newest = {t: db.query(f"select max(id) from {t}")[0][0] or 0 for t in schema.TABLES}
        self.next = {t: newest + 1 for t, newest in self.newest.items()}
        self.cache: dict[tuple[str, int], Row] = {}
        self.changes: dict[tuple[str, int], Change] = {}
        self.deleted: dict[str, list[int]] = {}

    # ----- the Store protocol (lifecycle.py) -------------------------------------------------

    def next_id(self, table: str) -> int:
        return self.next[table]

    def insert(self, table: str, row: Row, after: datetime | None = None) -> Row:
        row["id"] = self.next[table]
        self.next[table] += 1
        self.cache[(table, row["id"])] = row
        stamp = row[schema.STAMP[table]]
        self.changes[(table, row["id"])] = Change(table, row, True, stamp, after or datetime.min, set(row))
        return row

    def update(
        self, table: str, row: Row, when: datetime, changes: Row, after: datetime | None = None
    ) -> None:
        key = (table, row["id"])
        row = self.cache.setdefault(key, row)
        change = self.changes.get(key)
        if change is None:
            previous = [row[c] for c in ("created_at", "updated_at") if row.get(c) is not None]
            change = Change(table, row, False, when, max(previous, default=datetime.min), touches=0)
            self.changes[key] = change
        change.touches += 1
        change.when = when
        change.bound = max(change.bound, after or datetime.min)
        row.update(changes)
        change.columns |= set(changes)
        if "updated_at" in row:
            row["updated_at"] = when
            change.columns.add("updated_at")

    def contact(self, role: str, booking: Row) -> dict[str, str]:
        if role == "vendor":
            return {"phone": self.world.vendors[booking["vendor_id"]].contact_phone}
        user = self.row("users", booking["user_id"])
        return {"email": user["email"], "phone": user["phone"]} if user else {"email": "", "phone": ""}

    # ----- helpers for the day's edits -------------------------------------------------------

    def delete(self, table: str, row_id: int) -> None:
        self.deleted.setdefault(table, []).append(row_id)

    def adopt(self, table: str, rows: list[Row]) -> list[Row]:
        """The cached row for each of `rows` (read from the database), so edits share one dict."""
        return [self.cache.setdefault((table, row["id"]), row) for row in rows]

    def row(self, table: str, row_id: int) -> Row | None:
        cached = self.cache.get((table, row_id))
        if cached is None:
            found = self.db.rows(table, "id = ?", [row_id])
            cached = self.adopt(table, found)[0] if found else None
        return cached

    def touched(self, table: str, row_id: int) -> bool:
        return (table, row_id) in self.changes or row_id in self.deleted.get(table, ())

    def moment(self, r: Any, not_before: datetime | None = None) -> datetime | None:
        """A random second of the day after `not_before` (None when the day has none left)."""
        low = (
            self.start if not_before is None or not_before < self.start else not_before + timedelta(seconds=1)
        )
        if low >= self.end:
            return None
        return low + timedelta(seconds=r.randrange(int((self.end - low).total_seconds())))

    # ----- writing ---------------------------------------------------------------------------

    def flush(self, r: Any, previous: dict[str, datetime | None]) -> dict[str, Any]:
        """Make the late commits, write everything in one transaction; what was done, per table."""
        changed = sorted(self.changes.values(), key=lambda c: (schema.TABLES.index(c.table), c.row["id"]))
        late = self._late(r, changed, previous)
        tables = {table: dict.fromkeys(COUNTS, 0) for table in schema.TABLES}
        self.db.begin()
        try:
            for table in schema.TABLES:
                self.db.insert(table, [c.row for c in changed if c.table == table and c.inserted])
            groups: dict[tuple[str, tuple[str, ...]], list[list[Any]]] = {}
            for c in changed:
                if not c.inserted:
                    columns = tuple(sorted(c.columns))
                    groups.setdefault((c.table, columns), []).append(
                        [*(c.row[k] for k in columns), c.row["id"]]
                    )
            for (table, columns), rows in groups.items():
                assignments = ", ".join(f"{column} = ?" for column in columns)
                self.db.executemany(f"update {table} set {assignments} where id = ?", rows)
            for table in reversed(schema.TABLES):
                self.db.executemany(
                    f"delete from {table} where id = ?", [[i] for i in self.deleted.get(table, [])]
                )
            self.db.record_day(self.day)
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise
        for c in changed:
            soft = not c.inserted and "deleted_at" in c.columns and c.row.get("deleted_at") is not None
            tables[c.table]["inserted" if c.inserted else "soft_deleted" if soft else "updated"] += 1
        for table, ids in self.deleted.items():
            tables[table]["hard_deleted"] += len(ids)
        late_keys: dict[str, list[int]] = {}
        for c in late:
            tables[c.table]["late"] += 1
            late_keys.setdefault(c.table, []).append(c.row["id"])
        return {
            "day": self.day,
            "tables": {t: n for t, n in tables.items() if any(n.values())},
            "late_keys": late_keys,
            "hard_deleted_keys": {t: sorted(i) for t, i in self.deleted.items()},
        }

    def _late(self, r: Any, changed: list[Change], previous: dict[str, datetime | None]) -> list[Change]:
        """About LATE_SHARE of the day's changed rows (at least one) get a stamp just below the
        newest stamp of their table before the day, above the row's previous stamp and parents."""
        wanted = max(1, round(LATE_SHARE * len(changed))) if changed else 0
        eligible = [c for c in changed if c.table in LATE_TABLES and c.touches == 1 and previous.get(c.table)]
        r.shuffle(eligible)
        made: list[Change] = []
        for change in eligible:
            if len(made) >= wanted:
                break
            stamp = previous[change.table] - timedelta(seconds=r.randint(1, LATE_SECONDS))  # type: ignore[operator]
            if stamp > change.bound:
                _retime(change, stamp)
                made.append(change)
        return made


def _retime(change: Change, stamp: datetime) -> None:
    old, row = change.when, change.row
    columns = {"created_at", "updated_at"} if change.inserted else change.columns
    for column in columns:
        if row.get(column) == old:
            row[column] = stamp
    for column in schema.DATES[change.table]:
        if row.get(column) == old.date():
            row[column] = stamp.date()
    change.when = stamp


def load_world(db: Database, seed: int, scale: float) -> World:
    """The World a day's new rows need, read from the database."""
    world = World(seed, scale)
    for user in db.rows("users", columns="id, created_at, deleted_at"):
        world.user_created.append(user["created_at"])
        if user["deleted_at"] is not None:
            world.user_deleted[user["id"]] = user["deleted_at"]
    for address in db.rows("addresses", columns="id, user_id"):
        world.addresses.setdefault(address["user_id"], []).append(address["id"])
    lookback = int(240 * catalog.bookings_expected(0, scale))
    recent = db.query("select user_id from bookings order by id desc limit ?", [max(100, lookback)])
    world.recent = array("q", reversed([user_id for (user_id,) in recent]))
    for vendor in db.rows("vendors", columns="id, contact_phone, status, deleted_at"):
        usable = vendor["status"] == "active" and vendor["deleted_at"] is None
        profile = vendor_profile(seed, vendor["id"])
        until = NEVER if usable else datetime.min
        world.vendors[vendor["id"]] = Vendor(vendor["id"], profile, vendor["contact_phone"], until)
    services = db.query(
        "select s.id, s.vendor_id, s.name, s.unit, s.service_type, s.is_active, p.id, p.price_cents "
        "from vendor_services s join vendor_prices p on p.vendor_service_id = s.id order by s.id"
    )
    for service_id, vendor_id, name, unit, kind, active, price_id, cents in services:
        service = Service(
            service_id, vendor_id, name, unit, kind, price_id, cents, NEVER if active else datetime.min
        )
        world.vendors[vendor_id].services.append(service)
    used = dict(
        db.query("select promotion_id, count(*) from bookings where promotion_id is not null group by 1")
    )
    for p in db.rows("promotions"):
        world.promotions.append(Promotion(p["id"], p["percent_off"], p["starts_on"], p["ends_on"],
                                          p["max_redemptions"], used.get(p["id"], 0)))  # fmt: skip
    return world


def _live_events(store: DayStore, world: World, new: list[Bundle]) -> list[Row]:
    """Apply every booking event of the day; returns the bookings that may still change (read
    from the database: the open ones and those settled recently), for the day's edits."""
    since = store.start - SETTLED_AFTER
    statuses = ", ".join(f"'{status}'" for status in OPEN)
    rows = store.adopt(
        "bookings", store.db.rows("bookings", f"status in ({statuses}) or updated_at >= ?", [since])
    )
    profiles: dict[int, Any] = {}
    due: list[tuple[datetime, int, Any]] = []
    bundles = {bundle.booking["id"]: bundle for bundle in new}
    for booking in [*rows, *(bundle.booking for bundle in new)]:
        vendor_id = booking["vendor_id"]
        profile = profiles.get(vendor_id) or profiles.setdefault(
            vendor_id, vendor_profile(world.seed, vendor_id)
        )
        for event in timeline(world.seed, booking, profile):
            if store.start <= event[0] < store.end:
                due.append((event[0], booking["id"], event))
                bundles.setdefault(booking["id"], Bundle(booking))
    _attach(store, bundles)
    for _, booking_id, event in sorted(due, key=lambda d: (d[0], d[1], d[2][1])):
        apply(event, bundles[booking_id], store)
    return rows


def _attach(store: DayStore, bundles: dict[int, Bundle]) -> None:
    """Each bundle's payment, refund and review, read from the database."""
    ids = sorted(bundles)  # today's new bookings have nothing to read yet
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        marks = ", ".join("?" * len(chunk))
        payments = store.adopt("payments", store.db.rows("payments", f"booking_id in ({marks})", chunk))
        for payment in payments:
            bundles[payment["booking_id"]].payment = payment
        by_payment = {p["id"]: p["booking_id"] for p in payments}
        if by_payment:
            pay_marks = ", ".join("?" * len(by_payment))
            for refund in store.adopt(
                "refunds", store.db.rows("refunds", f"payment_id in ({pay_marks})", list(by_payment))
            ):
                bundles[by_payment[refund["payment_id"]]].refund = refund
        for review in store.adopt("reviews", store.db.rows("reviews", f"booking_id in ({marks})", chunk)):
            bundles[review["booking_id"]].review = review


def tick_day(db: Database, seed: int, scale: float, day: int) -> dict[str, Any]:
    """Apply simulated day `day` (the database holds day - 1); what changed, per table."""
    if db.dialect == "sqlite":
        db.execute("pragma foreign_keys = on")
    world = load_world(db, seed, scale)
    store = DayStore(db, world, day)
    previous = {table: db.max_value(table, schema.STAMP[table]) for table in LATE_TABLES}
    r = rng_for(seed, "tick", day)
    edits.vendors_and_prices(store, world, r)
    edits.promotions(store, world, r)
    edits.users_and_addresses(store, world, r)
    new = live_day(store, world, day, None)
    candidates = _live_events(store, world, new)
    edits.booking_items(store, world, r, candidates)
    edits.hard_deletes(store, world, r, new)
    return store.flush(r, previous)
