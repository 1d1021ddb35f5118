"""The company's own application database (read only), one scope per database, into raw_app_db."""

from loaders.common.source import Source

# The application's tables, in the order they are read (parents before children). A database
# configured with other tables lists them in `sources.app_db.databases.<name>.tables`.
TABLES = (
    "users",
    "addresses",
    "vendors",
    "vendor_services",
    "vendor_prices",
    "promotions",
    "bookings",
    "booking_items",
    "payments",
    "refunds",
    "reviews",
    "messages",
)

SOURCE = Source(
    name="app_db",
    dataset="raw_app_db",
    scope_kind="database",
    entities=TABLES,
    description="the application database (SQLAlchemy URL, read-only role): every table, by its timestamp",
)
