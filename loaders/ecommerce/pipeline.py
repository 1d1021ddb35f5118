"""`elt load ecommerce`: every configured Shopify shop into raw_ecommerce."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from loaders.common.errors import LoaderError
from loaders.common.landing import Landing, count_landed
from loaders.common.lineage import utc_now
from loaders.common.report import LoadReport
from loaders.common.runner import run_source
from loaders.ecommerce import SOURCE
from loaders.ecommerce.client import ShopClient
from loaders.ecommerce.settings import Settings, configured_shops, load_settings, load_shops

log = logging.getLogger(__name__)

LANDING = Landing(
    scope_column="_shop",
    extra_columns={
        "_line_items_read": {"data_type": "bigint", "nullable": False},
        "_line_items_complete": {"data_type": "bool", "nullable": False},
    },
    record_columns=("_line_items_read", "_line_items_complete"),
)


def configured_scopes() -> list[str]:
    return configured_shops()


def secrets() -> list[str]:
    return [secret for shop in load_shops() for secret in shop.secrets]


def since(watermark: str, overlap_minutes: int) -> str:
    """The incremental search's lower bound: the newest `updatedAt` landed, minus the overlap
    (an order saved just before the last read may become visible just after it)."""
    moment = datetime.fromisoformat(watermark.replace("Z", "+00:00"))
    return (moment - timedelta(minutes=overlap_minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def updated_at(order: dict[str, Any]) -> str | None:
    return order.get("updatedAt")


def read_orders(client: ShopClient, settings: Settings) -> Any:
    def read(watermark: str | None) -> Iterator[list[dict[str, Any]]]:
        if watermark is None and settings.backfill == "bulk":
            # First run or --full-refresh: one bulk operation instead of a cursor walk over the
            # whole shop (which also stops at 25,000 objects per traversal).
            yield from client.bulk_orders(None)
            return
        yield from client.changed_orders(since(watermark, settings.overlap_minutes) if watermark else None)

    return read


def _sweep(
    client: ShopClient, settings: Settings, report: LoadReport, forced: bool
) -> Iterator[list[dict[str, Any]]]:
    """Every order id the shop still has, when a sweep is due (or asked for): the API has no
    deletion feed for orders. Lands only whole: a partial list would mark orders deleted."""
    scope = client.shop.name
    result = report.result(scope, "order_id_sweeps", mode="full")
    state = dlt.current.resource_state()
    last = state.get("last_sweep")
    due = forced or last is None
    if last is not None and not due:
        age = datetime.now(UTC) - datetime.fromisoformat(last)
        due = age >= timedelta(hours=settings.sweep_interval_hours)
    if report.scope_failed(scope) or not due:
        result.status = "skipped"
        return
    swept_at = utc_now()
    ids: list[str] = []
    try:
        for page in client.order_ids():
            ids.extend(page)
            result.fetched += len(page)
            report.progress(len(page))
    except LoaderError as exc:
        report.fail_scope(scope, str(exc))
        result.status, result.error = "failed", str(exc)
        log.error("%s", exc)
        return
    if ids:
        yield [{"_shop": scope, "order_id": order_id, "_swept_at": swept_at} for order_id in ids]
    state["last_sweep"] = swept_at.isoformat()
    result.status = "ok"


@dlt.source(name="ecommerce", max_table_nesting=0)
def ecommerce_source(
    clients: Sequence[ShopClient],
    settings: Settings,
    report: LoadReport,
    entities: Sequence[str],
    full_refresh: bool,
    sweep_forced: bool,
) -> Iterator[DltResource]:
    for client in clients:
        if "orders" in entities:
            yield LANDING.resource(
                scope=client.shop.name,
                table="orders",
                read=read_orders(client, settings),
                report=report,
                primary_key="id",
                incremental=True,
                cursor=updated_at,
                full_refresh=full_refresh,
            )
        if "order_id_sweeps" in entities:
            yield dlt.resource(
                _sweep(client, settings, report, sweep_forced),
                name=f"order_id_sweeps__{client.shop.name}",
                table_name="order_id_sweeps",
                columns={
                    "_shop": {"data_type": "text", "nullable": False},
                    "order_id": {"data_type": "text", "nullable": False},
                    "_swept_at": {"data_type": "timestamp", "nullable": False},
                },
                write_disposition={"disposition": "merge", "strategy": "delete-insert"},
                merge_key="_shop",
            )


def load(
    scopes: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    full_refresh: bool = False,
) -> LoadReport:
    report = LoadReport(SOURCE.name)
    shops = load_shops(list(scopes) if scopes else None)
    if not shops:
        report.skip("not configured: add [sources.ecommerce.shops.<name>] with shop_url and a token")
        return report
    settings = load_settings()
    chosen = list(entities or SOURCE.entities)
    # `--entity order_id_sweeps` or `--full-refresh` sweeps now, whenever the last sweep was.
    sweep_forced = full_refresh or bool(entities and "order_id_sweeps" in entities)
    clients = [ShopClient(shop, settings) for shop in shops]
    try:
        run_source(
            SOURCE.name,
            SOURCE.dataset,
            lambda: ecommerce_source(clients, settings, report, chosen, full_refresh, sweep_forced),
            report,
            workers=max(2, len(clients)),
            after_load=count_landed(report, chosen, LANDING.scope_column),
        )
    finally:
        for client in clients:
            if client.served_version and client.served_version != settings.api_version:
                report.warn(
                    client.shop.name,
                    f"API version {settings.api_version} is not supported any more: Shopify answered "
                    f"with {client.served_version}; set sources.ecommerce.api_version to a supported one",
                )
            report.add_scope_stats(client.shop.name, client.stats, client.bucket)
            client.close()
    return report
