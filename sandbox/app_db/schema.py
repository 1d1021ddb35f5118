"""The application database's tables, defined once (SQLAlchemy Core) and rendered as SQLite or
PostgreSQL DDL: the contract of issue 20 (shared with the loader and dbt), column for column.

Keys are explicit (`id` BIGINT, INTEGER in SQLite so it is the rowid): the generator assigns
them in insert order, identically in both dialects. PostgreSQL tables are created without their
foreign keys, bulk-loaded, then given the keys (validated once) and indexes; SQLite declares them
inline and only checks them when a connection turns `PRAGMA foreign_keys` on (the ticks do).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

ID = BigInteger().with_variant(Integer(), "sqlite")
TS = DateTime(timezone=True)  # timestamptz; SQLite DATETIME holding naive UTC

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)


def _id() -> Column:
    return Column("id", ID, primary_key=True, autoincrement=False)


def _ref(name: str, table: str, nullable: bool = False) -> Column:
    return Column(name, ID, ForeignKey(f"{table}.id"), nullable=nullable)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} in ({quoted})", name=column)


def _text(name: str, length: int | None = None, nullable: bool = False) -> Column:
    return Column(name, String(length) if length else Text(), nullable=nullable)


def _ts(name: str, nullable: bool = False) -> Column:
    return Column(name, TS, nullable=nullable)


SIGNUP_CHANNELS = ("web", "ios", "android", "referral")
ADDRESS_LABELS = ("home", "storage", "other")
CATEGORIES = ("storage", "moving", "decluttering")
VENDOR_STATUSES = ("active", "paused", "closed")
SERVICE_TYPES = ("storage_unit", "full_move", "labor_only", "packing", "declutter_session", "haul_away")
UNITS = ("month", "hour", "item", "job")
BOOKING_STATUSES = ("requested", "confirmed", "in_progress", "completed", "cancelled", "no_show")
CANCELLED_BY = ("customer", "vendor", "system")
PAYMENT_METHODS = ("card", "ach", "wallet")
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "refunded", "partially_refunded")
REFUND_REASONS = ("customer_cancel", "vendor_cancel", "damage", "goodwill")
REFUND_STATUSES = ("pending", "succeeded")
SENDER_ROLES = ("customer", "vendor")

users = Table(
    "users", metadata, _id(),
    _text("email", 254), _text("phone", 32), _text("first_name", 100), _text("last_name", 100),
    Column("marketing_opt_in", Boolean, nullable=False), _text("signup_channel", 16),
    _ts("created_at"), _ts("updated_at"), _ts("deleted_at", nullable=True),
    UniqueConstraint("email"), _one_of("signup_channel", SIGNUP_CHANNELS),
)  # fmt: skip
addresses = Table(
    "addresses", metadata, _id(), _ref("user_id", "users"),
    _text("label", 16), _text("street_line1", 200), _text("street_line2", 200, nullable=True),
    _text("city", 100), _text("state", 2), _text("postal_code", 5), _text("country", 2),
    _ts("created_at"), _ts("updated_at"),
    _one_of("label", ADDRESS_LABELS),
)  # fmt: skip
vendors = Table(
    "vendors", metadata, _id(),
    _text("business_name", 200), _text("contact_name", 200), _text("contact_email", 254),
    _text("contact_phone", 32), _text("category", 16), _text("city", 100), _text("state", 2),
    _text("status", 16), Column("commission_rate", Numeric(5, 4), nullable=False),
    _ts("created_at"), _ts("updated_at"), _ts("deleted_at", nullable=True),
    _one_of("category", CATEGORIES), _one_of("status", VENDOR_STATUSES),
)  # fmt: skip
vendor_services = Table(
    "vendor_services", metadata, _id(), _ref("vendor_id", "vendors"),
    _text("service_type", 32), _text("name", 200), _text("unit", 16),
    Column("is_active", Boolean, nullable=False), _ts("created_at"), _ts("updated_at"),
    _one_of("service_type", SERVICE_TYPES), _one_of("unit", UNITS),
)  # fmt: skip
vendor_prices = Table(
    "vendor_prices", metadata, _id(), _ref("vendor_service_id", "vendor_services"),
    Column("price_cents", BigInteger, nullable=False), _text("currency", 3),
    Column("effective_from", Date, nullable=False), _ts("created_at"), _ts("updated_at"),
    UniqueConstraint("vendor_service_id"),
)  # fmt: skip
promotions = Table(
    "promotions", metadata, _id(), _text("code", 32),
    Column("percent_off", Integer, nullable=False), Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False), Column("max_redemptions", Integer, nullable=True),
    _ts("created_at"),
    UniqueConstraint("code"), CheckConstraint("percent_off between 5 and 50", name="percent_off"),
)  # fmt: skip
bookings = Table(
    "bookings", metadata, _id(), _ref("user_id", "users"), _ref("vendor_id", "vendors"),
    _ref("vendor_service_id", "vendor_services"), _ref("address_id", "addresses", nullable=True),
    _ref("promotion_id", "promotions", nullable=True), _text("status", 16),
    _ts("scheduled_start"), _ts("scheduled_end"),
    Column("subtotal_cents", BigInteger, nullable=False),
    Column("discount_cents", BigInteger, nullable=False), Column("total_cents", BigInteger, nullable=False),
    _ts("vendor_responded_at", nullable=True), _ts("completed_at", nullable=True),
    _ts("cancelled_at", nullable=True), _text("cancelled_by", 16, nullable=True),
    _text("cancellation_reason", nullable=True), _ts("created_at"), _ts("updated_at"),
    _one_of("status", BOOKING_STATUSES), _one_of("cancelled_by", CANCELLED_BY),
    Index(None, "updated_at"), Index(None, "user_id"), Index(None, "status"),
)  # fmt: skip
booking_items = Table(
    "booking_items", metadata, _id(), _ref("booking_id", "bookings"),
    _ref("vendor_price_id", "vendor_prices"), _text("description", 200),
    Column("quantity", Integer, nullable=False), Column("unit_price_cents", BigInteger, nullable=False),
    _ts("created_at"),
    CheckConstraint("quantity >= 1", name="quantity"),
    Index(None, "booking_id"), Index(None, "created_at"),
)  # fmt: skip
payments = Table(
    "payments", metadata, _id(), _ref("booking_id", "bookings"),
    Column("amount_cents", BigInteger, nullable=False), _text("currency", 3), _text("method", 16),
    _text("status", 24), _text("processor_ref", 64), _ts("paid_at", nullable=True),
    _ts("created_at"), _ts("updated_at"),
    _one_of("method", PAYMENT_METHODS), _one_of("status", PAYMENT_STATUSES),
    Index(None, "booking_id"), Index(None, "updated_at"),
)  # fmt: skip
refunds = Table(
    "refunds", metadata, _id(), _ref("payment_id", "payments"),
    Column("amount_cents", BigInteger, nullable=False), _text("reason", 24), _text("status", 16),
    _ts("created_at"), _ts("updated_at"),
    _one_of("reason", REFUND_REASONS), _one_of("status", REFUND_STATUSES), Index(None, "payment_id"),
)  # fmt: skip
reviews = Table(
    "reviews", metadata, _id(), _ref("booking_id", "bookings"), _ref("user_id", "users"),
    _ref("vendor_id", "vendors"), Column("rating", Integer, nullable=False),
    _text("comment", nullable=True), _ts("created_at"), _ts("updated_at"), _ts("deleted_at", nullable=True),
    UniqueConstraint("booking_id"), CheckConstraint("rating between 1 and 5", name="rating"),
)  # fmt: skip
messages = Table(
    "messages", metadata, _id(), _ref("booking_id", "bookings"),
    _text("sender_role", 16), _text("body"), _ts("created_at"),
    _one_of("sender_role", SENDER_ROLES), Index(None, "booking_id"), Index(None, "created_at"),
)  # fmt: skip

# Parents before children: the order rows are inserted in (deletes go the other way).
TABLES: tuple[str, ...] = tuple(metadata.tables)
COLUMNS: dict[str, tuple[str, ...]] = {name: tuple(t.columns.keys()) for name, t in metadata.tables.items()}
# The column a change stamps: updated_at, or created_at for the insert-only tables (and promotions,
# whose edits stamp nothing at all).
STAMP: dict[str, str] = {name: "updated_at" if "updated_at" in cols else "created_at"
                         for name, cols in COLUMNS.items()}  # fmt: skip
TIMESTAMPS: dict[str, frozenset[str]] = {
    name: frozenset(c.name for c in t.columns if isinstance(c.type, DateTime))
    for name, t in metadata.tables.items()
}
DATES: dict[str, frozenset[str]] = {
    name: frozenset(
        c.name for c in t.columns if isinstance(c.type, Date) and not isinstance(c.type, DateTime)
    )
    for name, t in metadata.tables.items()
}
BOOLEANS: dict[str, frozenset[str]] = {
    name: frozenset(c.name for c in t.columns if isinstance(c.type, Boolean))
    for name, t in metadata.tables.items()
}
DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}


def _compile(element: object, dialect: str) -> str:
    return str(element.compile(dialect=DIALECTS[dialect])).strip()  # type: ignore[attr-defined]


def create_statements(dialect: str) -> list[str]:
    """CREATE TABLE statements in dependency order; PostgreSQL's without foreign keys (they come
    with `finish_statements`, after the bulk load)."""
    statements = []
    for table in metadata.sorted_tables:
        fks = None if dialect == "sqlite" else []
        statements.append(_compile(CreateTable(table, include_foreign_key_constraints=fks), dialect))
    return statements


def finish_statements(dialect: str) -> list[str]:
    """What follows the bulk load: indexes, and PostgreSQL's foreign keys."""
    statements = []
    for table in metadata.sorted_tables:
        if dialect != "sqlite":
            statements += [_compile(AddConstraint(fk), dialect) for fk in table.foreign_key_constraints]
        statements += [_compile(CreateIndex(index), dialect) for index in table.indexes]
    return statements


def drop_statements(dialect: str) -> list[str]:
    cascade = "" if dialect == "sqlite" else " cascade"
    return [f"drop table if exists {name}{cascade}" for name in reversed(TABLES)]
