"""The app_db simulator (issue 20): Clutter Haven's application database, generated into real
SQLite files and a real PostgreSQL database, lived day by day, and plugged into the sandbox."""

from __future__ import annotations

import socket
import sqlite3
import tomllib
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox import manager, registry
from sandbox.app_db import generator, schema
from sandbox.app_db.catalog import day_start
from sandbox.app_db.db import Database
from sandbox.app_db.spec import PII_SALT, sqlite_url

pytestmark = pytest.mark.no_warehouse

SEED = 42
SCALE = 0.15  # about 900 bookings: small, yet every path of a booking's life happens
OTHERS = tuple(name for name in registry.names() if name != "app_db")  # every other simulator

# The columns of issue 20's contract: the loader and dbt rely on these names.
CONTRACT = {
    "users": "id email phone first_name last_name marketing_opt_in signup_channel created_at updated_at "
    "deleted_at",
    "addresses": "id user_id label street_line1 street_line2 city state postal_code country created_at "
    "updated_at",
    "vendors": "id business_name contact_name contact_email contact_phone category city state status "
    "commission_rate created_at updated_at deleted_at",
    "vendor_services": "id vendor_id service_type name unit is_active created_at updated_at",
    "vendor_prices": "id vendor_service_id price_cents currency effective_from created_at updated_at",
    "promotions": "id code percent_off starts_on ends_on max_redemptions created_at",
    "bookings": "id user_id vendor_id vendor_service_id address_id promotion_id status scheduled_start "
    "scheduled_end subtotal_cents discount_cents total_cents vendor_responded_at completed_at cancelled_at "
    "cancelled_by cancellation_reason created_at updated_at",
    "booking_items": "id booking_id vendor_price_id description quantity unit_price_cents created_at",
    "payments": "id booking_id amount_cents currency method status processor_ref paid_at created_at "
    "updated_at",
    "refunds": "id payment_id amount_cents reason status created_at updated_at",
    "reviews": "id booking_id user_id vendor_id rating comment created_at updated_at deleted_at",
    "messages": "id booking_id sender_role body created_at",
}


def _dump(url: str) -> dict[str, list[dict[str, Any]]]:
    db = Database(url)
    try:
        return {table: db.rows(table) for table in schema.TABLES}
    finally:
        db.close()


def _url(path: Path) -> str:
    return sqlite_url(path)


@pytest.fixture(scope="module")
def day0(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A day-0 database shared by the read-only tests."""
    url = _url(tmp_path_factory.mktemp("app_db") / "day0.sqlite")
    generator.build(url, 0, seed=SEED, scale=SCALE)
    return url


@pytest.fixture(scope="module")
def rows(day0: str) -> dict[str, list[dict[str, Any]]]:
    return _dump(day0)


# --------------------------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------------------------


def test_the_tables_are_the_contracts_with_keys_and_constraints(day0: str) -> None:
    conn = sqlite3.connect(Path(day0.removeprefix("sqlite:///")))
    try:
        tables = [
            r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")
        ]
        assert tables == sorted(CONTRACT)  # nothing else: no state table
        for table, columns in CONTRACT.items():
            info = conn.execute(f"pragma table_info({table})").fetchall()
            assert [c[1] for c in info] == columns.split(), table
            assert [c[1] for c in info if c[5]] == ["id"], table  # the primary key
        ddl = "\n".join(schema.create_statements("postgresql"))
        assert "id BIGINT NOT NULL" in ddl and "TIMESTAMP WITH TIME ZONE" in ddl and "NUMERIC(5, 4)" in ddl
        fks = {(t, fk[3], fk[2]) for t in CONTRACT for fk in conn.execute(f"pragma foreign_key_list({t})")}
        assert ("bookings", "address_id", "addresses") in fks and ("refunds", "payment_id", "payments") in fks
        assert len(fks) == 16
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute(
                "insert into reviews select id + 1000000, booking_id, user_id, vendor_id, rating, comment, "
                "created_at, updated_at, deleted_at from reviews limit 1"
            )
        with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
            conn.execute("update users set email = null where id = 1")
    finally:
        conn.close()


def test_same_seed_same_rows_and_another_seed_others(tmp_path: Path, rows: dict[str, list]) -> None:
    again = _url(tmp_path / "again.sqlite")
    built = generator.build(again, 0, seed=SEED, scale=SCALE)
    assert _dump(again) == rows
    assert built["rows"] == {table: len(rows[table]) for table in schema.TABLES}
    other = _url(tmp_path / "other.sqlite")
    generator.build(other, 0, seed=SEED + 1, scale=SCALE)
    assert _dump(other)["users"] != rows["users"]


def test_volumes_follow_the_scale(rows: dict[str, list]) -> None:
    counts = {table: len(found) for table, found in rows.items()}
    assert 0.8 * 1500 * SCALE < counts["users"] < 1.2 * 1500 * SCALE
    assert 0.85 * 6000 * SCALE < counts["bookings"] < 1.15 * 6000 * SCALE
    assert counts["vendors"] == round(60 * SCALE) and counts["vendor_prices"] == counts["vendor_services"]
    assert counts["bookings"] < counts["booking_items"] <= 4 * counts["bookings"]
    assert 3 * counts["bookings"] < counts["messages"] < 7 * counts["bookings"]
    created = [b["created_at"] for b in rows["bookings"]]
    assert min(created) >= day_start(-179) and max(created) < day_start(1)


def test_a_bookings_life_is_consistent(rows: dict[str, list]) -> None:
    bookings = {b["id"]: b for b in rows["bookings"]}
    statuses = Counter(b["status"] for b in bookings.values())
    assert set(statuses) == set(schema.BOOKING_STATUSES)
    payments = Counter(p["booking_id"] for p in rows["payments"])
    for b in bookings.values():
        reached_confirmed = b["status"] in ("confirmed", "in_progress", "completed", "no_show")
        if reached_confirmed:
            assert b["vendor_responded_at"] is not None and b["vendor_responded_at"] >= b["created_at"]
            assert payments[b["id"]] == 1
        assert (b["completed_at"] is not None) == (b["status"] == "completed")
        cancelled = (b["cancelled_at"], b["cancelled_by"], b["cancellation_reason"])
        assert all(cancelled) if b["status"] == "cancelled" else not any(cancelled)
        assert b["total_cents"] == b["subtotal_cents"] - b["discount_cents"] >= 0
        assert b["created_at"] <= b["updated_at"] < day_start(1) and b["scheduled_start"] < b["scheduled_end"]
    assert max(payments.values()) == 1
    items: dict[int, list] = {}
    for item in rows["booking_items"]:
        items.setdefault(item["booking_id"], []).append(item)
    for booking_id, booking in bookings.items():
        assert 1 <= len(items[booking_id]) <= 4
        assert booking["subtotal_cents"] == sum(
            i["quantity"] * i["unit_price_cents"] for i in items[booking_id]
        )
    completed = {b["id"] for b in bookings.values() if b["status"] == "completed"}
    assert {r["booking_id"] for r in rows["reviews"]} <= completed
    assert 0.3 < len(rows["reviews"]) / len(completed) < 0.5
    refunded = {p["id"]: p for p in rows["payments"] if p["status"] in ("refunded", "partially_refunded")}
    assert {r["payment_id"] for r in rows["refunds"]} == set(refunded)
    messages = Counter(m["booking_id"] for m in rows["messages"])
    assert max(messages.values()) <= 8 and set(messages) == set(bookings)
    assert {m["sender_role"] for m in rows["messages"]} == {"customer", "vendor"}


def test_the_history_has_realistic_patterns(rows: dict[str, list]) -> None:
    bookings = rows["bookings"]
    per_user = Counter(b["user_id"] for b in bookings)
    assert sum(1 for n in per_user.values() if n >= 2) > 0.5 * len(per_user)  # customers come back

    def cancelled_share(selected: list[dict]) -> float:
        return sum(b["status"] == "cancelled" for b in selected) / len(selected)

    short = [b for b in bookings if b["scheduled_start"] - b["created_at"] < timedelta(hours=48)]
    longer = [b for b in bookings if b["scheduled_start"] - b["created_at"] >= timedelta(hours=48)]
    assert cancelled_share(short) > 1.5 * cancelled_share(longer)
    by_vendor: dict[int, list] = {}
    for b in bookings:
        by_vendor.setdefault(b["vendor_id"], []).append(b)
    vendor_cancels = [
        sum(b["cancelled_by"] == "vendor" for b in bs) / len(bs) for bs in by_vendor.values() if len(bs) > 20
    ]
    assert max(vendor_cancels) > 3 * min(vendor_cancels) + 0.05
    weekdays = Counter(b["created_at"].weekday() for b in bookings)
    assert weekdays[0] > weekdays[5]  # more requests on Mondays than on Saturdays
    users = rows["users"]
    assert len({u["email"] for u in users}) == len(users) and all(
        u["email"] == u["email"].lower() for u in users
    )
    assert len({len(u["phone"]) for u in users}) >= 3  # mixed formats


def test_ground_truth_helpers(day0: str, rows: dict[str, list]) -> None:
    counts, keys = generator.row_counts(day0), generator.key_sets(day0)
    assert counts == {table: len(found) for table, found in rows.items()}
    assert keys["bookings"] == {b["id"] for b in rows["bookings"]}
    pii = generator.pii_values(day0)
    assert set(pii) == {"email", "phone", "name", "address"}
    assert {u["email"] for u in rows["users"]} | {v["contact_email"] for v in rows["vendors"]} <= pii["email"]
    assert {u["phone"] for u in rows["users"]} <= pii["phone"]
    assert {u["last_name"] for u in rows["users"]} | {v["contact_name"] for v in rows["vendors"]} <= pii[
        "name"
    ]
    assert {a["street_line1"] for a in rows["addresses"]} <= pii["address"]
    quoting = [m["body"] for m in rows["messages"] if "@" in m["body"]]
    assert quoting and all(any(email in body for email in pii["email"]) for body in quoting)
    assert generator.recorded_day(day0) == 0


# --------------------------------------------------------------------------------------------
# Ticks
# --------------------------------------------------------------------------------------------


def test_a_tick_changes_the_database_as_a_loader_must_follow(tmp_path: Path, rows: dict[str, list]) -> None:
    url = _url(tmp_path / "ticked.sqlite")
    generator.build(url, 0, seed=SEED, scale=SCALE)
    stamps = {t: max(r[schema.STAMP[t]] for r in found) for t, found in rows.items() if t != "promotions"}
    result = generator.tick(url, 0, 1, seed=SEED, scale=SCALE)
    after = _dump(url)
    totals = Counter()
    for counts in result["tables"].values():
        totals.update(counts)
    assert all(totals[kind] > 0 for kind in ("inserted", "updated", "soft_deleted", "hard_deleted", "late"))
    assert result["tables"]["bookings"]["inserted"] > 0 and result["tables"]["bookings"]["updated"] > 0
    assert (
        result["tables"]["users"]["soft_deleted"] >= 1 and result["tables"]["addresses"]["hard_deleted"] >= 1
    )
    late = {(table, i) for table, ids in result["late_keys"].items() for i in ids}
    start, end = day_start(1), day_start(2)
    changed = 0
    for table, found in after.items():
        before = {r["id"]: r for r in rows[table]}
        assert set(before) - {r["id"] for r in found} == set(result["hard_deleted_keys"].get(table, []))
        assert max(r["id"] for r in found) >= max(before)  # ids only grow: a deleted key never returns
        for row in found:
            if row == before.get(row["id"]) or table == "promotions":
                continue
            changed += 1
            stamp = row[schema.STAMP[table]]
            if (table, row["id"]) in late:  # committed late: below what the last load saw, by < 2 h
                assert stamps[table] - timedelta(hours=2) <= stamp < stamps[table]
            else:
                assert start <= stamp < end, (table, row)
            if "updated_at" in row:
                assert row["updated_at"] >= row["created_at"]
    assert 0 < len(late) <= max(2, 0.05 * changed)
    # Promotions change without any timestamp: only a full reload sees the new ends_on.
    promotions = {p["id"]: p for p in rows["promotions"]}
    extended = [p for p in after["promotions"] if p["id"] in promotions and p != promotions[p["id"]]]
    assert extended and all(p["ends_on"] > promotions[p["id"]]["ends_on"] for p in extended)
    assert all(p["created_at"] == promotions[p["id"]]["created_at"] for p in extended)
    edited = result["hard_deleted_keys"]["booking_items"]
    assert edited and result["tables"]["booking_items"]["inserted"] > 0
    share = (result["tables"]["bookings"]["inserted"] + result["tables"]["bookings"]["updated"]) / len(
        rows["bookings"]
    )
    assert 0.003 < share < 0.03
    assert sqlite3.connect(tmp_path / "ticked.sqlite").execute("pragma foreign_key_check").fetchall() == []
    assert generator.recorded_day(url) == 1


def test_building_a_later_day_equals_ticking_to_it(tmp_path: Path) -> None:
    ticked, built = _url(tmp_path / "ticked.sqlite"), _url(tmp_path / "built.sqlite")
    generator.build(ticked, 0, seed=SEED, scale=0.05)
    generator.tick(ticked, 0, 1, seed=SEED, scale=0.05)
    generator.tick(ticked, 1, 3, seed=SEED, scale=0.05)
    generator.build(built, 3, seed=SEED, scale=0.05)
    assert _dump(ticked) == _dump(built)
    bookings = _dump(built)["bookings"]
    assert all(b["completed_at"] is None or b["vendor_responded_at"] is not None for b in bookings)


def test_postgresql_holds_the_same_rows_and_enforces_the_keys(
    tmp_path: Path, postgres_env: dict[str, str]
) -> None:
    env = postgres_env
    pg = (f"postgresql+psycopg2://{env['ELT_PG_USER']}:{env['ELT_PG_PASSWORD']}@{env['ELT_PG_HOST']}:"
          f"{env['ELT_PG_PORT']}/{env['ELT_PG_DATABASE']}")  # fmt: skip
    lite = _url(tmp_path / "same.sqlite")
    for url in (lite, pg):
        generator.build(url, 0, seed=SEED, scale=0.1)
        generator.tick(url, 0, 1, seed=SEED, scale=0.1)
    assert _dump(pg) == _dump(lite)
    assert generator.pii_values(pg) == generator.pii_values(lite)
    db = Database(pg)
    try:
        foreign_keys = db.query("select count(*) from pg_constraint where contype = 'f'")[0][0]
        assert foreign_keys == 16
        types = dict(db.query("select column_name, data_type from information_schema.columns "
                              "where table_name = 'bookings'"))  # fmt: skip
        assert types["created_at"] == "timestamp with time zone" and types["id"] == "bigint"
        with pytest.raises(Exception, match="foreign key"):
            db.execute("delete from users where id = 1")
        db.rollback()
    finally:
        db.close()
    generator.build(pg, 0, seed=SEED, scale=0.05)  # a rebuild replaces the tables
    assert generator.row_counts(pg)["vendors"] == 3


# --------------------------------------------------------------------------------------------
# The sandbox: `elt sandbox up / tick / down`
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_manager_builds_ticks_and_keeps_the_file(tmp_path: Path) -> None:
    state_dir, secrets = tmp_path / ".sandbox", tmp_path / ".dlt" / "secrets.toml"
    started = manager.up(state_dir, port=_free_port(), scale=0.05, without=OTHERS, secrets_path=secrets)
    path = state_dir / "app_db.sqlite"
    try:
        assert started["warnings"] == [] and started["simulators"] == ["app_db"]
        assert started["app_db_path"] == str(path.resolve()) and started["app_db_exists"] is True
        assert started["app_db_rows"]["bookings"] > 0 and started["app_db_day"] == 0
        assert any(
            line.startswith("app_db: application database (SQLite file)") for line in started["summary"]
        )
        config = tomllib.loads(secrets.read_text())
        assert config["sources"]["app_db"] == {
            "pii_salt": PII_SALT,
            "databases": {"app": {"credentials": f"sqlite:///{path.resolve()}"}},
        }
        ticked = manager.tick(state_dir, days=2)
        moved = ticked["simulators"]["app_db"]
        assert ticked["day"] == 2 and moved["app_db_day"] == 2 and moved["app_db_changes"]["bookings"] > 0
        assert moved["app_db_late_commits"] >= 2 and moved["app_db_hard_deletes"] >= 2
        assert manager.status(state_dir)["app_db_day"] == 2
    finally:
        manager.down(state_dir)
    assert manager.status(state_dir) is None and path.exists()  # kept for inspection
    assert generator.recorded_day(_url(path)) == 2
