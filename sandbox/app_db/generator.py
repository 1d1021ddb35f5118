"""Clutter Haven's application database, generated: the public face of the app_db sandbox.

    build(target, day=0, *, seed=42, scale=1.0, history_days=180) -> dict
    tick(target, from_day, to_day, *, seed=42, scale=1.0) -> dict
    pii_values(target) -> dict[str, set[str]]
    row_counts(target) -> dict[str, int]
    key_sets(target) -> dict[str, set[int]]
    recorded_day(target) -> int | None

`target` is a SQLAlchemy URL: `sqlite:////abs/path.sqlite` or
`postgresql+psycopg2://user:pw@host:port/db`. The tables and columns are issue 20's contract
(sandbox/app_db/schema.py; dbt/models/raw/_app_db__sources.yml); no other table is created. Everything is
deterministic for (seed, scale, day), and the same in SQLite and PostgreSQL: `build(t, 3)` is
`build(t, 0)` followed by `tick(t, 0, 3)`. A SQLite file records the day it holds in
`PRAGMA user_version` (day + 1), read by `recorded_day`.

At scale 1 the history (the 180 days up to the end of day 0, 2026-11-01) holds about 1,500
users, 60 vendors, 150 services (one price row each), 25 promotions and 6,000 bookings with
their items, payments, refunds, reviews and messages; rows scale linearly (scale 170 is about a
million bookings, bulk-loaded with COPY on PostgreSQL).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from sandbox.app_db import schema
from sandbox.app_db.catalog import HISTORY_DAYS
from sandbox.app_db.db import Database
from sandbox.app_db.history import build_history
from sandbox.app_db.ticks import tick_day

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+1 ?)?(?:\(\d{3}\) |\d{3}[-. ]?)\d{3}[-. ]?\d{4}\b")


def build(target: str, day: int = 0, *, seed: int = 42, scale: float = 1.0,
          history_days: int = HISTORY_DAYS) -> dict[str, Any]:  # fmt: skip
    """Create the schema (dropping the contract's tables first, or the SQLite file) and fill it
    with the history up to the end of simulated day `day` (days 1..day as ticks would).

    Returns {"day", "rows": row_counts, "seconds"}."""
    if scale <= 0 or history_days < 1 or day < 0:
        raise ValueError("build needs scale > 0, history_days >= 1 and day >= 0")
    started = time.monotonic()
    db = _fresh(target)
    try:
        for statement in schema.create_statements(db.dialect):
            db.execute(statement)
        db.commit()
        if db.dialect == "postgresql":  # memory for the index builds and key checks after the load
            db.execute("set maintenance_work_mem = '256MB'")
            db.execute("set work_mem = '64MB'")
        db.begin()
        build_history(db, seed, scale, history_days)
        db.commit()
        for statement in schema.finish_statements(db.dialect):
            db.execute(statement)
        if db.dialect == "postgresql":  # (SQLite's ANALYZE would add a table, sqlite_stat1)
            db.execute(f"analyze {', '.join(schema.TABLES)}")
        db.record_day(0)
        db.commit()
        for current in range(1, day + 1):
            tick_day(db, seed, scale, current)
        counts = _counts(db)
    finally:
        db.close()
    return {"day": day, "rows": counts, "seconds": round(time.monotonic() - started, 2)}


def tick(target: str, from_day: int, to_day: int, *, seed: int = 42, scale: float = 1.0) -> dict[str, Any]:
    """Apply days from_day+1 .. to_day, each in one transaction (see ticks.py for what a day
    changes). Returns {"from_day", "to_day", "tables": {table: {"inserted", "updated",
    "soft_deleted", "hard_deleted", "late"}}, "late_keys": {table: [id, ...]},
    "hard_deleted_keys": {table: [id, ...]}} summed over the days: `late` counts rows whose
    stamp (updated_at, or created_at for booking_items and messages) lies before the newest
    stamp of their table when the day began, so a load without a lag misses them."""
    db = Database(target)
    total: dict[str, Any] = {"from_day": from_day, "to_day": to_day, "tables": {}, "late_keys": {},
                             "hard_deleted_keys": {}}  # fmt: skip
    try:
        for current in range(from_day + 1, to_day + 1):
            day = tick_day(db, seed, scale, current)
            for table, counts in day["tables"].items():
                into = total["tables"].setdefault(table, dict.fromkeys(counts, 0))
                for key, value in counts.items():
                    into[key] += value
            for key in ("late_keys", "hard_deleted_keys"):
                for table, ids in day[key].items():
                    total[key].setdefault(table, []).extend(ids)
    finally:
        db.close()
    return total


def recorded_day(target: str) -> int | None:
    """The simulated day a SQLite target holds (None for PostgreSQL or an unmarked file)."""
    db = Database(target)
    try:
        return db.recorded_day()
    finally:
        db.close()


def row_counts(target: str) -> dict[str, int]:
    """select count(*) of every contract table."""
    db = Database(target)
    try:
        return _counts(db)
    finally:
        db.close()


def key_sets(target: str) -> dict[str, set[int]]:
    """Every table's ids: a key missing here but present in RAW was hard deleted."""
    db = Database(target)
    try:
        return {table: {row[0] for row in db.query(f"select id from {table}")} for table in schema.TABLES}
    finally:
        db.close()


def pii_values(target: str) -> dict[str, set[str]]:
    """Every raw PII value now in the source, by kind: `email` (users.email, vendors.contact_email
    and any address quoted in messages.body), `phone` (users.phone, vendors.contact_phone and
    numbers quoted in messages), `name` (users.first_name/last_name, vendors.contact_name) and
    `address` (addresses.street_line1/street_line2). Tests assert none of them leaves RAW."""
    db = Database(target)
    values: dict[str, set[str]] = {"email": set(), "phone": set(), "name": set(), "address": set()}
    try:
        for email, phone, first, last in db.query("select email, phone, first_name, last_name from users"):
            values["email"].add(email), values["phone"].add(phone), values["name"].update((first, last))
        for name, email, phone in db.query("select contact_name, contact_email, contact_phone from vendors"):
            values["name"].add(name), values["email"].add(email), values["phone"].add(phone)
        for line1, line2 in db.query("select street_line1, street_line2 from addresses"):
            values["address"].update(v for v in (line1, line2) if v)
        for (body,) in db.query("select body from messages"):
            values["email"].update(_EMAIL.findall(body))
            values["phone"].update(_PHONE.findall(body))
    finally:
        db.close()
    return values


def _counts(db: Database) -> dict[str, int]:
    return {table: db.query(f"select count(*) from {table}")[0][0] for table in schema.TABLES}


def _fresh(target: str) -> Database:
    """A connection to an empty target: a new SQLite file, or PostgreSQL without the tables."""
    db = Database(target)
    if db.dialect == "sqlite" and db.path is not None:
        db.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{db.path}{suffix}").unlink(missing_ok=True)
        os.makedirs(db.path.parent, exist_ok=True)
        return Database(target)
    for statement in schema.drop_statements(db.dialect):
        db.execute(statement)
    db.commit()
    return db
