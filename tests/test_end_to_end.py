"""The whole path a nightly run takes: sandbox -> `elt load` -> `dbt build` -> `elt release`.

`built_project` (tests/conftest.py) runs those commands once; these tests read what they left.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from expectations.suites import SUITES
from loaders.pestroutes.settings import ENTITIES, ENTITIES_BY_NAME
from sandbox.app_db import generator as app_db_generator
from tests.conftest import AI_TOOLS, APP_DB_SCALE, APP_DB_SEED, Project, assert_no_secrets, load_summary

OFFICES = {"north", "south", "east"}


def test_every_entity_has_rows_in_raw_and_staging_for_every_office(built_project: Project) -> None:
    for entity in ENTITIES:
        raw = {
            r[0] for r in built_project.query(f"select distinct _office from raw_pestroutes.{entity.table}")
        }
        staged = {
            r[0]
            for r in built_project.query(
                f"select distinct office_name from staging.stg_pestroutes__{entity.table}"
            )
        }
        assert raw == OFFICES, entity.table
        assert staged == OFFICES, entity.table


def test_staging_has_one_row_per_office_and_key(built_project: Project) -> None:
    for entity in ENTITIES:
        key = entity.table[:-1] if entity.table.endswith("s") else entity.table
        total, distinct = built_project.query(
            f"select count(*), count(distinct {key}_key) from staging.stg_pestroutes__{entity.table}"
        )[0]
        raw_keys = built_project.scalar(
            f"select count(distinct _office || '-' || _record_id) from raw_pestroutes.{entity.table}"
        )
        assert total == distinct == raw_keys, entity.table


def test_the_envelope_never_lands(built_project: Project) -> None:
    columns = {
        r[0]
        for r in built_project.query(
            "select column_name from information_schema.columns where table_schema = 'raw_pestroutes'"
        )
    }
    assert not columns & {"params", "token_usage", "token_limits", "success", "request_action"}
    has_key = {
        "duckdb": "json_exists(record, '$.{key}')",
        "postgres": "jsonb_exists(record::jsonb, '{key}')",
    }[built_project.target]
    leaked = built_project.scalar(
        "select count(*) from raw_pestroutes.customers where "
        + " or ".join(has_key.format(key=key) for key in ("params", "authenticationKey"))
    )
    assert leaked == 0


def test_sandbox_credentials_appear_nowhere(built_project: Project) -> None:
    secrets = [s for office in built_project.offices for s in (office.key, office.token)]
    secrets += list(built_project.service_csv_secrets.values())
    # The AI tools' admin keys and tokens, as `elt sandbox up` writes them for their loaders.
    secrets += [
        str(value)
        for tool in AI_TOOLS
        for name, value in built_project.simulator_sections[tool][f"sources.ai_tools.{tool}"].items()
        if name.endswith(("key", "token"))
    ]
    assert_no_secrets(built_project, secrets)


def test_release_published_every_mart_and_recorded_it(built_project: Project) -> None:
    assert "NOT published" not in built_project.release_output  # type: ignore[attr-defined]
    audit = {
        r[0]
        for r in built_project.query(
            "select table_name from information_schema.tables where table_schema = 'audit_marts'"
        )
    }
    published = {
        r[0]
        for r in built_project.query(
            "select table_name from information_schema.tables where table_schema = 'analytics'"
        )
    }
    assert {
        "fct_appointments",
        "fct_subscriptions",
        "fct_tickets",
        "fct_payments",
        "dim_customers",
    } <= published
    assert published == audit
    assert built_project.scalar("select count(*) from ml.customer_churn_features") > 0
    status, passed, total = built_project.query(
        "select status, checks_passed, checks_total from quality.release_history "
        "order by released_at desc limit 1"
    )[0]
    assert status == "published" and passed == total > 0
    # PostgreSQL tables are checked in the warehouse (GX's SQL datasource), DuckDB's as dataframes.
    results = (built_project.root / "gx_project" / "gx" / "uncommitted" / "validations").rglob("*.json")
    datasources = {path.name.split("-", 1)[0] for path in results}
    assert datasources == {"warehouse_sql" if built_project.target == "postgres" else "warehouse"}


@pytest.fixture
def broken_build(built_project: Project, tmp_path: Path) -> Project:
    """A copy of the built project whose audit build has a duplicated appointment."""
    project = built_project.copy(tmp_path / "broken")
    project.query(
        "insert into audit_marts.fct_appointments select * from audit_marts.fct_appointments limit 1"
    )
    return project


def test_a_failing_check_publishes_nothing(broken_build: Project) -> None:
    before = broken_build.query(
        "select count(*), max(release_id) from quality.release_history where status = 'published'"
    )
    published_rows = broken_build.scalar("select count(*) from analytics.fct_appointments")

    # Every source but PestRoutes switched off since the build: their tables left in the audit
    # schemas would be published unchecked, so each blocks the release too, saying how to clear it.
    result = broken_build.elt("release", check=False, env={"ELT_SOURCES": "pestroutes"})

    assert result.returncode == 2
    assert "expect_column_values_to_be_unique(column=appointment_key)" in result.stdout
    assert (
        "marts.fct_orders: its source ecommerce is switched off by ELT_SOURCES, but an older build "
        "left it in the audit schema: drop table audit_marts.fct_orders"
    ) in result.stdout
    assert "fct_shop_revenue_daily (" not in result.stdout, "a switched-off source's table is not checked"
    assert "NOT published" in result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("error: release blocked")
    assert broken_build.scalar("select count(*) from analytics.fct_appointments") == published_rows
    assert (
        broken_build.query(
            "select count(*), max(release_id) from quality.release_history where status = 'published'"
        )
        == before
    )
    blocked = broken_build.query("select failures from quality.release_history where status = 'blocked'")
    assert len(blocked) == 1 and "appointment_key" in blocked[0][0]


def test_a_null_in_a_not_null_mart_column_fails_its_build(built_project: Project, tmp_path: Path) -> None:
    """NOT NULL mart columns are contract constraints (no not_null test query each): the
    warehouse refuses the NULL, the model's build fails naming the column, and the audit build
    keeps the table it had, so cron's `&&` never reaches the release."""
    project = built_project.copy(tmp_path / "null_key")
    project.query(
        "update staging.stg_service_csv__service_requests set sr_number = null "
        "where sr_number = (select min(sr_number) from staging.stg_service_csv__service_requests)"
    )
    rows = project.scalar("select count(*) from audit_marts.fct_service_requests")

    result = project.dbt("build", "--select", "fct_service_requests", check=False)

    assert result.returncode == 1
    refusals = ("NOT NULL constraint failed", "violates not-null constraint")  # DuckDB, PostgreSQL
    errors = [line for line in result.stdout.splitlines() if any(r in line for r in refusals)]
    assert errors and "sr_number" in errors[0], result.stdout[-2000:]
    assert project.scalar("select count(*) from audit_marts.fct_service_requests") == rows
    nulls = "select count(*) from audit_marts.fct_service_requests where sr_number is null"
    assert project.scalar(nulls) == 0


def test_publish_is_atomic_when_it_fails_half_way(built_project: Project, tmp_path: Path) -> None:
    """A publish that breaks after copying some tables leaves the previous release whole."""
    project = built_project.copy(tmp_path / "atomic")
    before = {
        t: project.scalar(f"select count(*) from analytics.{t}") for t in ("dim_customers", "fct_tickets")
    }
    assert before["dim_customers"] > 0
    # Make every mart differ from the release, then put a view where the last table goes:
    # dropping it as a table fails after the earlier tables were already replaced.
    project.query("delete from audit_marts.dim_customers where true")
    project.query("drop table analytics.fct_tickets")
    project.query("create view analytics.fct_tickets as select * from audit_marts.fct_tickets")
    project.query(
        "create table analytics.fct_tickets_rows as select count(*) as n from audit_marts.fct_tickets"
    )
    result = project.dbt(
        "run-operation",
        "publish_release",
        "--args",
        "{release_id: broken, schemas: {audit_marts: analytics}, checks_passed: 0, checks_total: 0}",
        check=False,
    )
    assert result.returncode != 0
    assert project.scalar("select count(*) from analytics.dim_customers") == before["dim_customers"]
    assert project.scalar("select count(*) from quality.release_history where release_id = 'broken'") == 0


def test_a_tick_flows_through_load_build_and_release(built_project: Project, tmp_path: Path) -> None:
    """The nightly line after a simulated day: only changes land, and analysts see them (the
    application database ticks two days: its late commits and hard deletes)."""
    project = built_project.copy(tmp_path / "nightly")
    server = built_project.server  # type: ignore[attr-defined]
    before = project.scalar("select count(*) from analytics.fct_appointments")
    tick = server.simulator.tick(1)
    shops = server.simulators["ecommerce"]
    shops.tick(1)
    for tool in AI_TOOLS:  # the AI tools' day moves with the sandbox's: their loads read as of it
        server.simulators[tool].tick(1)
    app_db_url, app_db_tick, price_history = tick_application_database(project)

    load = project.elt("load").stdout
    project.build()
    project.elt("release")

    landed = load_summary(load)
    for office, changes in tick["changes"].items():
        for endpoint, n in changes.items():
            entity = ENTITIES_BY_NAME[endpoint]
            if entity.incremental:  # dimensions are reloaded whole, so they land every row
                assert landed[(office, entity.table)] == n, (office, entity.table)
    new_appointments = sum(tick["changes"][o].get("appointment", 0) for o in OFFICES)
    assert project.scalar("select count(*) from analytics.fct_appointments") > before or new_appointments == 0
    day = tick["date"]
    changed = [
        (office, record)
        for office, world in server.simulator.worlds.items()
        for record in world.tables["appointment"].values()
        if record["dateUpdated"].startswith(day)
    ]
    assert changed, "a simulated day changes appointments"
    published = dict(project.query("select appointment_key, status_code from analytics.fct_appointments"))
    for office, record in changed:
        assert published[f"{office}-{record['appointmentID']}"] == int(record["status"])
    # Shopify: every order the day changed is published as the shop has it now.
    orders = dict(project.query("select order_id, updated_at from analytics.fct_orders where not is_deleted"))
    for shop, world in shops.worlds.items():
        for record in world.records():
            if record["updatedAt"].startswith(day):
                assert orders[record["id"]].strftime("%Y-%m-%dT%H:%M:%SZ") == record["updatedAt"], shop
    # The application database: its changes (hard deletes, late commits, new prices) too.
    assert_application_day_published(project, app_db_url, app_db_tick, price_history)
    releases = project.query("select status from quality.release_history order by released_at")
    assert releases[-2:] == [("published",), ("published",)]
    # GX's data docs index lists both releases' results, one page per table and release.
    index = project.root / "gx_project" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    pages = set(re.findall(r'validations/[^"]+\.html', index.read_text()))
    assert len(pages) == 2 * len(SUITES)
    assert all((index.parent / page).is_file() for page in pages)


def test_status_shows_runs_freshness_and_the_current_release(built_project: Project) -> None:
    output = built_project.elt("status").stdout
    release_id = built_project.scalar(
        "select release_id from quality.release_history where status = 'published' "
        "order by released_at desc limit 1"
    )
    assert f"current release: {release_id} published" in output
    for source in ("pestroutes", "service_csv"):
        # the load's run, with what it landed, and the source's freshness against its thresholds
        assert re.search(rf"^\s+\S+\s+{source}\s+ok\s+.*landed\s+[1-9]\d*\s", output, re.MULTILINE), source
        assert re.search(rf"^\s+{source}\s+newest extract .*: ok$", output, re.MULTILINE), source


def test_the_query_hint_reads_a_published_mart_from_anywhere(built_project: Project, tmp_path: Path) -> None:
    """`make demo` and `elt status` end with a command that opens the warehouse by its absolute
    path (a relative one, run elsewhere, silently creates an empty database) and queries a mart."""
    if built_project.target != "duckdb":
        pytest.skip("the hint is a DuckDB command; PostgreSQL users get a psql line from make demo")
    status = built_project.elt("status").stdout
    hint = next(line for line in status.splitlines() if line.strip().startswith("query it: "))
    command = hint.split("query it: ", 1)[1]
    assert str(built_project.warehouse.resolve()) in command
    shown = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "appointment" in shown.stdout and "5 rows" in shown.stdout, shown.stdout
    assert list(tmp_path.iterdir()) == [], "the query created nothing where it ran"


def test_dbt_on_duckdb_leaves_the_machine_usable(built_project: Project) -> None:
    """The profile caps DuckDB at 40 % of RAM (its own default is 80 %: the full build at the
    bench's six-day size peaked at 17-18 GB of 24) and spills beside the warehouse file."""
    if built_project.target != "duckdb":
        pytest.skip("a DuckDB profile setting")
    shown = built_project.dbt(
        "show",
        "--inline",
        "select current_setting('memory_limit') as memory_limit, "
        "current_setting('temp_directory') as temp_directory",
        "--output",
        "json",
        "--log-format",
        "json",
    ).stdout
    preview = next(json.loads(line)["data"]["preview"] for line in shown.splitlines() if '"preview"' in line)
    row = json.loads(preview)[0]
    amount, unit = row["memory_limit"].split()
    limit = float(amount) * {"MiB": 2**20, "GiB": 2**30, "TiB": 2**40}[unit]
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 0.35 * total <= limit <= 0.45 * total, (row, total)
    assert row["temp_directory"] == f"{built_project.warehouse}.tmp"


def test_shopify_revenue_net_of_refunds_is_one_query_on_a_published_mart(built_project: Project) -> None:
    """Both shops land whole and publish: the orders and their totals are the shops' own, and
    revenue per day net of discounts and refunds is read from one mart."""
    shops = built_project.shopify_orders  # type: ignore[attr-defined]
    for shop, records in shops.items():
        published = built_project.query(
            "select count(*), sum(total_amount), bool_and(has_all_line_items) from analytics.fct_orders "
            f"where shop = '{shop}' and not is_deleted"
        )[0]
        expected_total = sum(Decimal(r["totalPriceSet"]["shopMoney"]["amount"]) for r in records)
        assert published == (len(records), expected_total, True), shop
    daily = built_project.query(
        "select shop, sum(gross_revenue), sum(discounts), sum(refunds), sum(net_revenue) "
        "from analytics.fct_shop_revenue_daily group by shop order by shop"
    )
    assert [row[0] for row in daily] == sorted(shops)
    for _shop, gross, discounts, refunds, net in daily:
        assert net == gross - discounts - refunds and gross > 0
    assert sum(row[3] for row in daily) > 0, "the sandbox's shops have refunds"


# --------------------------------------------------------------------------------------------
# The application database (app_db): exact replication, history, no PII outside RAW
# --------------------------------------------------------------------------------------------


APP_DB_KEYS = {
    "users": "user_id",
    "addresses": "address_id",
    "vendors": "vendor_id",
    "vendor_services": "vendor_service_id",
    "vendor_prices": "vendor_price_id",
    "promotions": "promotion_id",
    "bookings": "booking_id",
    "booking_items": "booking_item_id",
    "payments": "payment_id",
    "refunds": "refund_id",
    "reviews": "review_id",
    "messages": "message_id",
}


def reconciliation(project: Project) -> list[tuple[str, int, int, int, int, bool]]:
    return project.query(
        "select table_name, source_row_count, warehouse_row_count, keys_missing_in_warehouse, "
        "keys_extra_in_warehouse, is_exact_match from analytics.fct_app_db_reconciliation order by table_name"
    )


def assert_reconciled(project: Project, source_url: str) -> None:
    """The published reconciliation says exact, and so does the source itself."""
    counts = app_db_generator.row_counts(source_url)
    rows = reconciliation(project)
    assert [row[0] for row in rows] == sorted(counts)
    for table, source_rows, warehouse_rows, missing, extra, exact in rows:
        assert (source_rows, warehouse_rows, missing, extra, exact) == (
            counts[table],
            counts[table],
            0,
            0,
            True,
        ), table


def test_the_application_database_is_replicated_exactly_and_no_pii_leaves_raw(built_project: Project) -> None:
    source_url = built_project.app_db_url  # type: ignore[attr-defined]
    assert_reconciled(built_project, source_url)
    # Every raw PII value the source holds (emails, phones, names, street lines; also those quoted
    # in messages) is absent from every text column of every relation built from it outside RAW:
    # staging, snapshots, the published analytics and ml schemas (names compared whole: a name
    # may be part of a word; and PestRoutes' customers have names of their own).
    pii = app_db_generator.pii_values(source_url)
    assert all(pii.values())
    in_text = pii["email"] | pii["phone"] | pii["address"]
    columns = built_project.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'snapshots', 'analytics', 'ml') "
        "and (table_name like '%app_db%' or table_name like '%marketplace%' or table_name like '%booking%') "
        "and data_type in ('VARCHAR', 'TEXT', 'character varying', 'text')"
    )
    scanned = 0
    for schema, table, column in columns:
        values = {row[0] for row in built_project.query(f'select distinct "{column}" from {schema}.{table}')}
        values.discard(None)
        scanned += 1
        assert not values & pii["name"], (schema, table, column)
        assert not [v for v in values if any(secret in v for secret in in_text)], (schema, table, column)
    assert scanned > 20
    # The join keys survive as salted hashes: users are counted once, by their email's hash.
    assert built_project.scalar(
        "select count(distinct email_hash) = count(*) from analytics.dim_marketplace_users "
        "where not is_deleted"
    )


def tick_application_database(project: Project) -> tuple[str, dict[str, Any], int]:
    """Two simulated days on a copy's own application database (its SQLite file, repointed):
    (its URL, what the days changed, the vendor price versions the snapshot held before)."""
    url = f"sqlite:///{project.root / 'app_db.sqlite'}"
    project.simulator_sections = {
        **project.simulator_sections,
        "app_db": {
            **project.simulator_sections["app_db"],
            "sources.app_db.databases.app": {"credentials": url},
        },
    }
    project.write_config()
    history = project.scalar("select count(*) from snapshots.app_db_vendor_prices_snapshot")
    tick = app_db_generator.tick(url, 0, 2, seed=APP_DB_SEED, scale=APP_DB_SCALE)
    changed = tick["tables"]
    assert sum(c["hard_deleted"] for c in changed.values()) and sum(c["late"] for c in changed.values())
    assert changed["vendor_prices"]["updated"]
    return url, tick, history


def assert_application_day_published(project: Project, url: str, tick: dict[str, Any], history: int) -> None:
    """After the days' load, build and release: exact reconciliation again (late commits and
    hard deletes included), hard-deleted rows flagged in staging (so they leave the current
    marts) and the vendor price snapshot holding the replaced versions."""
    assert_reconciled(project, url)
    for table, ids in tick["hard_deleted_keys"].items():
        key = APP_DB_KEYS[table]
        listed = ",".join(map(str, ids))
        flagged = project.query(
            f"select {key}, is_hard_deleted from staging.stg_app_db__{table} where {key} in ({listed})"
        )
        assert dict(flagged) == dict.fromkeys(ids, True), table
    closed = project.scalar(
        "select count(*) from snapshots.app_db_vendor_prices_snapshot where dbt_valid_to is not null"
    )
    assert project.scalar("select count(*) from snapshots.app_db_vendor_prices_snapshot") > history
    assert closed >= tick["tables"]["vendor_prices"]["updated"] > 0


# --------------------------------------------------------------------------------------------
# QQCatalyst: every record reaches staging, every planted value is caught by its own rule
# --------------------------------------------------------------------------------------------


def test_qqcatalyst_records_all_reach_staging_and_each_planted_value_fails_its_rule_alone(
    built_project: Project,
) -> None:
    """Against the generator's ground truth: each agency's every record (soft-deleted ones too) is
    one row of its staging model, none is dropped for an invalid value, and the validation audit
    lists exactly the values the generator planted as invalid, each under the rule it breaks:
    none missed, none under another rule, no valid value flagged (messy but valid ones included)."""
    truth = built_project.qqcatalyst_truth  # type: ignore[attr-defined]
    assert set(truth) == {"harbor", "summit"}
    rules = set()
    for agency, known in truth.items():
        for table, ids in known["ids"].items():
            singular = table[: -len("ies")] + "y" if table.endswith("ies") else table[:-1]
            staged = built_project.query(
                f"select {singular}_id from staging.stg_qqcatalyst__{table} where agency = '{agency}'"
            )
            assert sorted(str(row[0]) for row in staged) == sorted(ids), (agency, table)
        planted = {(p.entity, str(p.source_id), p.field, p.rule) for p in known["planted"] if p.rule}
        messy = [p for p in known["planted"] if not p.rule]
        rules |= {p[3] for p in planted}
        assert messy, "the generator plants messy but valid values too"
        flagged = built_project.query(
            "select entity, source_id, field, rule from intermediate.int_qqcatalyst__validation_failures "
            f"where agency = '{agency}'"
        )
        assert len(flagged) == len(set(flagged))
        caught = {(e, str(i), f, r) for e, i, f, r in flagged}
        assert caught - planted == set(), f"{agency}: flagged values the generator holds valid"
        assert planted - caught == set(), f"{agency}: planted invalid values nobody flagged"
    # Every rule has planted values to catch, in one agency or the other.
    assert rules == {"email", "phone", "zip", "state", "currency", "date", "status", "uuid"}
    # The data team's daily count adds up to the same failures.
    assert built_project.scalar(
        "select sum(invalid_value_count) from analytics.fct_qqcatalyst_invalid_values_daily"
    ) == sum(len([p for p in known["planted"] if p.rule]) for known in truth.values())
