"""`elt load ecommerce` against the Shopify GraphQL simulator: every order whole (nested line items
paged to their end), the bulk backfill and the paged read landing the same warehouse, only
changes on the next run, deleted orders found by the sweep, the cost bucket never overdrawn,
expiring tokens, faults and one shop's failure confined to it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sandbox.offices import sandbox_offices
from tests.conftest import Project, load_summary, make_project

SHOPS = ("outdoor-gear", "home-goods")


def shop_project(
    tmp_path: Path,
    make_sandbox: Any,
    name: str,
    seed: int,
    simulator: dict[str, Any] | None = None,
    scale: float = 0.3,
    **settings: Any,
) -> tuple[Project, Any, Any]:
    offices = sandbox_offices(seed=seed, count=1)
    server = make_sandbox(
        offices, seed=seed, scale=scale, simulators=("pestroutes", "ecommerce"), ecommerce=simulator or {}
    )
    project = make_project(tmp_path / name, server, offices)
    project.use_simulator(server, "ecommerce", **settings)
    project.write_config()
    return project, server, server.simulators["ecommerce"]


def latest_records(project: Project, shop: str) -> dict[str, dict[str, Any]]:
    """{order id: the newest version RAW holds}, the record as landed."""
    rows = project.query(
        "select _record_id, record, _line_items_read, _line_items_complete from raw_ecommerce.orders "
        f"where _shop = '{shop}' qualify row_number() over (partition by _record_id "
        "order by _record_updated_at desc, _extracted_at desc) = 1"
    )
    latest = {}
    for record_id, record, read, complete in rows:
        parsed = json.loads(record) if isinstance(record, str) else record
        assert read == len(parsed["lineItems"]["nodes"]) and complete, record_id
        latest[str(record_id)] = parsed
    return latest


def truth(simulator: Any, shop: str) -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in simulator.worlds[shop].records()}


def test_backfill_and_paged_reads_land_every_order_whole_then_only_changes(
    tmp_path: Path, make_sandbox: Any
) -> None:
    # A bucket that refills fast: a cursor walk over a whole shop at Shopify's 100 points/s takes
    # minutes (that is what the bulk backfill is for); the strained test below keeps it small.
    bulk, server, simulator = shop_project(
        tmp_path, make_sandbox, "bulk", seed=5, simulator={"restore_rate": 5000.0}
    )
    paged = make_project(tmp_path / "paged", server, sandbox_offices(seed=5, count=1))
    paged.use_simulator(server, "ecommerce", backfill="pages")
    paged.write_config()

    first = bulk.elt("load", "ecommerce")
    paged.elt("load", "ecommerce")

    counts = simulator.state()["counts"]
    for shop in SHOPS:
        expected = truth(simulator, shop)
        big = [r for r in expected.values() if len(r["lineItems"]["nodes"]) > 6]
        assert big, "some orders must have more line items than one page (6)"
        # The bulk file and the cursor walk (nested connections paged to their end) land the
        # same records, equal to the shop's own, field for field.
        assert latest_records(bulk, shop) == expected
        assert latest_records(paged, shop) == expected
        assert counts[shop]["bulk_operations"] == 1, "only the bulk project ran one"
        assert counts[shop]["throttled"] == 0, "no request was sent into an empty bucket"
        assert load_summary(first.stdout)[(shop, "orders")] == len(expected)
        swept = {
            r[0]
            for r in bulk.query(f"select order_id from raw_ecommerce.order_id_sweeps where _shop = '{shop}'")
        }
        assert swept == set(expected)

    ticked = simulator.tick(2)
    second = bulk.elt("load", "ecommerce", "--entity", "orders")
    paged.elt("load", "ecommerce", "--entity", "orders")
    bulk.elt("load", "ecommerce", "--entity", "order_id_sweeps")

    for shop in SHOPS:
        expected = truth(simulator, shop)
        # Only what changed lands (the overlap re-reads some, RAW keeps what it lacks).
        assert load_summary(second.stdout)[(shop, "orders")] == ticked["changes"][shop]
        assert latest_records(bulk, shop) == {**latest_records(bulk, shop), **expected}
        assert latest_records(paged, shop) == {**latest_records(paged, shop), **expected}
        gone = set(latest_records(bulk, shop)) - set(expected)
        assert gone <= set(simulator.worlds[shop].deleted), "only deleted orders are missing"
        swept = {
            r[0]
            for r in bulk.query(f"select order_id from raw_ecommerce.order_id_sweeps where _shop = '{shop}'")
        }
        assert swept == set(expected) and not swept & gone
    assert simulator.state()["counts"]["outdoor-gear"]["bulk_operations"] == 1, "increments page"
    assert sum(ticked["deleted"].values()) > 0, "the tick must delete an order for the sweep to miss"


def test_a_small_bucket_expiring_tokens_and_faults_are_survived(tmp_path: Path, make_sandbox: Any) -> None:
    project, server, simulator = shop_project(
        tmp_path,
        make_sandbox,
        "strained",
        seed=8,
        simulator={"token_ttl_seconds": 2, "bucket_size": 1000, "restore_rate": 400.0},
        scale=0.1,
        backfill="pages",
    )
    simulator.add_fault("http503", 1, shop="outdoor-gear", operation="graphql")
    simulator.add_fault("throttled", 1, shop="home-goods", operation="graphql")

    result = project.elt("load", "ecommerce", "--entity", "orders")

    counts = simulator.state()["counts"]
    for shop in SHOPS:
        assert latest_records(project, shop) == truth(simulator, shop)
        assert counts[shop]["throttled"] == 0, "the loader waited for the bucket instead"
    assert counts["outdoor-gear"]["tokens_issued"] >= 2, "the 2 s token was renewed"
    assert "waiting on rate limits" in result.stdout
    waited = [float(x) for x in re.findall(r"([\d.]+)s waiting on rate limits", result.stdout)]
    assert max(waited) > 0, result.stdout


def test_one_shop_failing_leaves_the_other_landing_and_an_old_version_warns(
    tmp_path: Path, make_sandbox: Any
) -> None:
    project, server, simulator = shop_project(
        tmp_path, make_sandbox, "partial", seed=9, api_version="2024-01"
    )
    project.simulator_sections["ecommerce"]["sources.ecommerce.shops.outdoor-gear"]["client_secret"] = (
        "not-it"
    )
    project.write_config()

    result = project.elt("load", "ecommerce", check=False)

    assert result.returncode == 2
    assert "FAILED outdoor-gear" in result.stdout and "HTTP 400" in result.stdout
    assert latest_records(project, "home-goods") == truth(simulator, "home-goods")
    assert "API version 2024-01 is not supported any more: Shopify answered with 2025-10" in result.stdout
