"""Shopify shops and the loader's settings, from every dlt config provider."""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders.common.config import SourceConfig
from loaders.common.errors import ConfigError
from loaders.common.http import RetryPolicy

CONFIG = SourceConfig("sources.ecommerce")
# Quarterly versions, each supported for at least 12 months; an unsupported one is answered by
# the oldest supported version (the response's X-Shopify-API-Version says which), so it is config.
DEFAULT_API_VERSION = "2026-10"
MAX_QUERY_COST = 1000  # Shopify refuses a query whose requested cost is above this
MAX_PAGE_SIZE = 250  # `first` above this is an error


@dataclass(frozen=True)
class Shop:
    name: str
    shop_url: str  # https://<shop>.myshopify.com
    access_token: str | None = field(default=None, repr=False)  # a static admin token, or
    client_id: str | None = field(default=None, repr=False)  # the client-credentials grant
    client_secret: str | None = field(default=None, repr=False)

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.access_token, self.client_secret) if s]


@dataclass(frozen=True)
class Settings:
    api_version: str = DEFAULT_API_VERSION
    overlap_minutes: int = 60
    # Requested cost is what the bucket must hold before a query runs, and at most 1,000: a page
    # of orders costs `orders_page_size` x (an order's fields, 20 points, + 2 + 12 per line item
    # + per refund 4 + 2 + 5 per refund line item), 782 points with these defaults. What is
    # charged is the actual cost of what came back, far less for orders of a few items.
    orders_page_size: int = 5
    line_items_page_size: int = 6
    refunds_per_order: int = 2
    refund_line_items_page_size: int = 5
    # An order whose line items (or a refund's) did not fit: the rest is read alone, this many
    # per page (one order's line items at 75 x 12 points).
    nested_page_size: int = 75
    sweep_interval_hours: float = 24.0 * 7
    # How the first run (and --full-refresh) reads the whole shop: "bulk" (one bulk operation) or
    # "pages" (the incremental query from the beginning: for a shop whose bulk operation slot
    # another app keeps busy).
    backfill: str = "bulk"
    bulk_poll_seconds: float = 1.0
    bulk_timeout_seconds: float = 3600.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def configured_shops() -> list[str]:
    return CONFIG.names("shops")


def _page_size(name: str, default: int) -> int:
    value = CONFIG.get_int(name, default)
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ConfigError(f"sources.ecommerce.{name} must be between 1 and {MAX_PAGE_SIZE}, got {value}")
    return value


def load_settings() -> Settings:
    defaults = Settings()
    overlap = CONFIG.get_int("overlap_minutes", defaults.overlap_minutes)
    if overlap < 0:
        raise ConfigError(f"sources.ecommerce.overlap_minutes must be 0 or more, got {overlap}")
    backfill = str(CONFIG.get("backfill", defaults.backfill))
    if backfill not in ("bulk", "pages"):
        raise ConfigError(f"sources.ecommerce.backfill must be bulk or pages, got {backfill!r}")
    return Settings(
        backfill=backfill,
        api_version=str(CONFIG.get("api_version", DEFAULT_API_VERSION)),
        overlap_minutes=overlap,
        orders_page_size=_page_size("orders_page_size", defaults.orders_page_size),
        line_items_page_size=_page_size("line_items_page_size", defaults.line_items_page_size),
        nested_page_size=_page_size("nested_page_size", defaults.nested_page_size),
        refunds_per_order=_page_size("refunds_per_order", defaults.refunds_per_order),
        refund_line_items_page_size=_page_size(
            "refund_line_items_page_size", defaults.refund_line_items_page_size
        ),
        sweep_interval_hours=CONFIG.get_float("sweep_interval_hours", defaults.sweep_interval_hours),
        bulk_poll_seconds=CONFIG.get_float("bulk_poll_seconds", defaults.bulk_poll_seconds),
        bulk_timeout_seconds=CONFIG.get_float("bulk_timeout_seconds", defaults.bulk_timeout_seconds),
        retry=RetryPolicy(
            max_attempts=CONFIG.get_int("max_attempts", 6),
            backoff_seconds=CONFIG.get_float("backoff_seconds", 0.5),
            timeout_seconds=CONFIG.get_float("timeout_seconds", 30),
        ),
    )


def load_shops(names: list[str] | None = None) -> list[Shop]:
    shops = []
    for name in names or configured_shops():
        section = CONFIG.sub("shops", name)
        shop_url = section.get("shop_url")
        if not shop_url:
            raise ConfigError(
                f"sources.ecommerce.shops.{name}.shop_url is not set (https://<shop>.myshopify.com); "
                f"set it in .dlt/config.toml or {section.key('shop_url')}"
            )
        token = section.optional_secret("access_token")
        if token:
            shops.append(Shop(name, str(shop_url).rstrip("/"), access_token=token))
            continue
        # No static token: the client-credentials grant, both halves required.
        shops.append(
            Shop(
                name,
                str(shop_url).rstrip("/"),
                client_id=section.secret("client_id"),
                client_secret=section.secret("client_secret"),
            )
        )
    return shops
