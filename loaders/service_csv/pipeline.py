"""`elt load service_csv`: new or changed CSV exports in S3 into raw_service_csv.

What was loaded is recorded in the warehouse (`raw_service_csv.file_manifest`, one row per object
key with its ETag); a run loads the objects whose key is new, whose ETag changed, or whose last
attempt failed, and skips the rest. `--full-refresh` reloads every object. One bad file never
stops the others: it is recorded as failed with its error class and retried on the next run, and
after `quarantine_after_attempts` failures of the same version it is quarantined (`manifest`).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from typing import Any

import dlt

from loaders.common import warehouse
from loaders.common.errors import ConfigError
from loaders.common.http import CallStats
from loaders.common.report import LoadReport
from loaders.common.runner import run_source
from loaders.service_csv import SOURCE
from loaders.service_csv.manifest import (
    DEFAULT_QUARANTINE_AFTER,
    ManifestEntry,
    Plan,
    plan,
    quarantine_message,
    read_manifest,
    remove_stale_rows,
)
from loaders.service_csv.s3 import (
    S3Settings,
    config,
    describe_error,
    is_connection_error,
    list_objects,
    load_s3_settings,
    s3_client,
)
from loaders.service_csv.source import entity_name, report_quarantined, service_csv_source
from loaders.service_csv.tables import LEGACY_ROW_ID, RECORDS, REJECTS

log = logging.getLogger(__name__)


def configured_scopes() -> list[str]:
    s3 = load_s3_settings()
    return [s3.scope] if s3 else []


def secrets() -> list[str]:
    s3 = load_s3_settings()
    return [s for s in (s3.aws_secret_access_key,) if s] if s3 else []


def load(
    scopes: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    full_refresh: bool = False,
) -> LoadReport:
    if entities:
        raise ConfigError("service_csv loads whole files: --entity does not apply to it")
    report = LoadReport(SOURCE.name)
    s3 = load_s3_settings()
    if s3 is None:
        # Not configured: nothing to do (so a plain `elt load` works without an S3 source).
        report.result("-", "not configured: set [sources.service_csv] bucket", mode="-").status = "skipped"
        return report
    section = config()
    workers = max(1, section.get_int("workers", os.cpu_count() or 1))
    quarantine_after = max(1, section.get_int("quarantine_after_attempts", DEFAULT_QUARANTINE_AFTER))
    client = s3_client(s3)
    listing = CallStats()
    try:
        objects = list_objects(client, s3, listing)
    except Exception as error:  # noqa: BLE001 - one clear line, exit 2
        kind = "connection" if is_connection_error(error) else "listing"
        report.fail_scope(s3.scope, f"{kind} error listing the bucket: {describe_error(error)}")
        return report
    finally:
        report.api_calls += listing.calls
        report.retries += listing.retries
        report.backoff_seconds += listing.retry_wait_seconds
    mode = "full" if full_refresh else "incremental"
    # DuckDB loads the workers' parquet files as they are; PostgreSQL loads CSV (loaders.common.warehouse.
    # loader_file_format), which dlt writes from Arrow tables.
    file_import = warehouse.target() == "duckdb"

    def make_source() -> Any:
        pipeline = dlt.current.pipeline()
        previous: dict[str, ManifestEntry] = {}
        try:
            with pipeline.sql_client() as sql_client:
                drop_row_ids(pipeline, sql_client)
                remove_stale_rows(sql_client)
                previous = read_manifest(sql_client)
        except Exception as error:  # noqa: BLE001 - no dataset yet
            log.debug("service_csv: no manifest yet (%s)", error)
        chosen = plan(objects, previous, full_refresh, quarantine_after)
        _report_plan(report, s3, chosen, mode)
        return service_csv_source(client, s3, chosen, report, mode, workers=workers, file_import=file_import)

    def after_load(sql_client: Any, load_id: str) -> None:
        remove_stale_rows(sql_client)

    # Every RAW row says which load brought it (`_dlt_load_id`: added by dlt to the Arrow tables
    # it extracts, written by the workers into the files dlt imports). No row gets a `_dlt_id`
    # (tables.py): dlt adding one would also rewrite every imported parquet file in normalize.
    dlt_settings = {
        "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "true",
        "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID": "false",
        # DuckDB only (other targets ignore the key), see duckdb_load_settings.
        "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG": json.dumps(duckdb_load_settings(section)),
        # One load job per table at a time (dlt's `table-sequential`): the records arrive as one
        # parquet file per worker, and parallel appends to one DuckDB table only compete for
        # its memory without saving CPU.
        "LOAD__PARALLELISM_STRATEGY": "table-sequential",
    }
    run_source(
        SOURCE.name,
        SOURCE.dataset,
        make_source,
        report,
        workers=1,
        after_load=after_load,
        dlt_settings=dlt_settings,
    )
    return report


def duckdb_load_settings(section: Any) -> dict[str, Any]:
    """DuckDB's settings while the loader writes RAW (dlt applies them to its connections).

    - `memory_limit` (`duckdb_memory_limit`, default 1GB): DuckDB's buffer pool may take 80 % of
      RAM by default, and capped it evicts or spills instead. The cap was 256MB, where appending
      the records of 200 files took 0.75 CPU-s per 100k lines against 0.51-0.55 at 1GB, for a
      peak RSS of about 600 MiB instead of 330.
    - `preserve_insertion_order` off: RAW has no order (staging ranks lines by file and line
      number), and keeping it makes DuckDB buffer a whole file's rows to append them in order.
    - `checkpoint_threshold` 1GB: DuckDB checkpoints when a commit leaves its write-ahead log past
      16 MB, as a commit of fewer lines than a row group (122,880) does (its rows go through the
      log). A load of a few small files then checkpoints once, when the loader closes the file.
    """
    return {
        "memory_limit": str(section.get("duckdb_memory_limit", "1GB")),
        "preserve_insertion_order": False,
        "checkpoint_threshold": "1GB",
    }


def drop_row_ids(pipeline: Any, sql_client: Any) -> None:
    """Drop the NOT NULL `_dlt_id` a warehouse loaded before 2026-12-07 has in `service_records` and
    `rejected_lines`, from the tables and from dlt's schema: the rows landed now have none, and
    the column would refuse them. Runs before each load; once it is gone there is nothing to do."""
    if SOURCE.name not in pipeline.schema_names:
        return
    schema = pipeline.schemas[SOURCE.name]
    for name in (RECORDS, REJECTS):
        columns = schema.tables.get(name, {}).get("columns", {})
        if LEGACY_ROW_ID in columns:
            table = sql_client.make_qualified_table_name(name)
            sql_client.execute_sql(f"alter table {table} drop column if exists {LEGACY_ROW_ID}")
            columns.pop(LEGACY_ROW_ID)
            log.info("service_csv: dropped %s from %s (RAW lines have no row id)", LEGACY_ROW_ID, name)
    if schema.is_modified:
        pipeline.schemas.save_schema(schema)


def _report_plan(report: LoadReport, s3: S3Settings, chosen: Plan, mode: str) -> None:
    """The summary lines of files this run leaves alone: unchanged ones, quarantined ones."""
    if chosen.skipped:
        report.result(s3.scope, f"unchanged files ({len(chosen.skipped)})", mode=mode).status = "skipped"
    for obj, entry in chosen.quarantined:
        result = report.result(s3.scope, entity_name(s3, obj.key), mode=mode)
        report_quarantined(
            report, result, obj.key, quarantine_message(entry.attempts, entry.error_class, entry.error)
        )
    if not chosen.todo and not chosen.skipped and not chosen.quarantined:
        report.result(s3.scope, "no files under the prefix", mode=mode).status = "skipped"


def attention(reader: Any) -> list[str]:
    """Every quarantined file, with why and what to do: it is not retried until it changes."""
    from loaders.service_csv.manifest import MANIFEST, QUARANTINED

    # On every warehouse: the manifest is a RAW table the loader writes.
    if MANIFEST not in reader.tables(SOURCE.dataset):
        return []
    rows = reader.query(
        f"select file_key, error_class, error, attempts from {SOURCE.dataset}.{MANIFEST} "
        f"where status = '{QUARANTINED}' order by file_key"
    )
    return [
        f"{key}: {quarantine_message(attempts, error_class, error)}"
        for key, error_class, error, attempts in rows
    ]
