"""`elt load service_csv`: new or changed CSV exports in S3 into raw_service_csv.

What was loaded is recorded in the warehouse (`raw_service_csv.file_manifest`, one row per object
key with its ETag); a run loads the objects whose key is new, whose ETag changed, or whose last
attempt failed, and skips the rest. `--full-refresh` reloads every object. One bad file never
stops the others: it is recorded as failed with its error class and retried on the next run.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from typing import Any

import dlt

from elt import warehouse
from loaders.common.errors import ConfigError
from loaders.common.report import LoadReport
from loaders.common.runner import run_source
from loaders.service_csv import (
    MANIFEST,
    RECORDS,
    REJECTS,
    Plan,
    _config,
    _one_line,
    is_connection_error,
    list_objects,
    load_s3_settings,
    s3_client,
    service_csv_source,
)
from loaders.service_csv.settings import DATASET

log = logging.getLogger(__name__)

SOURCE = "service_csv"
# A plain `elt load --office X` (no source named) skips this source instead of failing on it.
ACCEPTS_OFFICE_AND_ENTITY = False


def read_manifest(sql_client: Any) -> dict[str, dict[str, Any]]:
    """{file_key: manifest row} from the warehouse; empty before the first load."""
    table = sql_client.make_qualified_table_name(MANIFEST)
    try:
        rows = sql_client.execute_sql(f"select file_key, etag, status, attempts from {table}")
    except Exception:  # the dataset or table does not exist until the first load
        return {}
    return {r[0]: {"etag": r[1], "status": r[2], "attempts": r[3]} for r in rows or []}


def remove_stale_rows(sql_client: Any) -> None:
    """Drop the rows of a file that came with any load but the one its manifest row came with.

    Records and rejects are appended; a file's rows and its manifest row travel in one load
    package, so a file loaded again (re-uploaded with a new ETag, or reloaded by
    `--full-refresh`) has its old rows removed here. A file whose last attempt failed keeps the
    rows of the version that last loaded. Idempotent: run after every load and, in case a run
    stopped between its load and this cleanup, before planning the next.
    """
    manifest = sql_client.make_qualified_table_name(MANIFEST)
    for name in (RECORDS, REJECTS):
        table = sql_client.make_qualified_table_name(name)
        try:
            sql_client.execute_sql(
                f"delete from {table} where exists (select 1 from {manifest} m "
                f"where m.file_key = {table}._file_key and m.status = 'loaded' "
                f"and (m._dlt_load_id <> {table}._dlt_load_id or m.etag <> {table}._file_etag))"
            )
        except Exception as error:  # tables appear with the first rows that land
            log.debug("service_csv: no stale rows removed from %s (%s)", name, error)


def _plan(objects: list[Any], previous: dict[str, dict[str, Any]], full_refresh: bool) -> Plan:
    todo, skipped = [], []
    for obj in objects:
        before = previous.get(obj.key)
        if not full_refresh and before and before["status"] == "loaded" and before["etag"] == obj.etag:
            skipped.append(obj)
        else:
            todo.append(obj)
    return Plan(todo, skipped, previous)


def load(
    offices: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    full_refresh: bool = False,
) -> LoadReport:
    if offices:
        raise ConfigError("service_csv has no offices: --office does not apply to it")
    if entities:
        raise ConfigError("service_csv loads whole files: --entity does not apply to it")
    report = LoadReport(SOURCE)
    s3 = load_s3_settings()
    if s3 is None:
        # Not configured: nothing to do (so a plain `elt load` works without an S3 source).
        report.result("-", "not configured: set [sources.service_csv] bucket", mode="-").status = "skipped"
        return report
    client = s3_client(s3)
    try:
        objects = list_objects(client, s3)
        report.api_calls += 1 + len(objects) // 1000
    except Exception as error:  # noqa: BLE001 - one clear line, exit 2
        kind = "connection" if is_connection_error(error) else "listing"
        report.fail_scope(s3.scope, f"{kind} error listing the bucket: {_one_line(error)}")
        return report
    mode = "full" if full_refresh else "incremental"
    # DuckDB loads the workers' parquet files as they are; PostgreSQL loads CSV (elt.warehouse.
    # loader_file_format), which dlt writes from Arrow tables.
    file_import = warehouse.target() == "duckdb"
    workers = max(1, int(_config("workers", os.cpu_count() or 1)))
    state: dict[str, Plan] = {}

    def make_source() -> Any:
        pipeline = dlt.current.pipeline()
        previous: dict[str, dict[str, Any]] = {}
        try:
            with pipeline.sql_client() as sql_client:
                remove_stale_rows(sql_client)
                previous = read_manifest(sql_client)
        except Exception as error:  # noqa: BLE001 - no dataset yet
            log.debug("service_csv: no manifest yet (%s)", error)
        plan = _plan(objects, previous, full_refresh)
        state["plan"] = plan
        if plan.skipped:
            skipped = report.result(s3.scope, f"unchanged files ({len(plan.skipped)})", mode=mode)
            skipped.status = "skipped"
        if not plan.todo and not plan.skipped:
            report.result(s3.scope, "no files under the prefix", mode=mode).status = "skipped"
        return service_csv_source(client, s3, plan, report, mode, workers=workers, file_import=file_import)

    def after_load(sql_client: Any, load_id: str) -> None:
        remove_stale_rows(sql_client)

    # Every RAW row says which load brought it (`_dlt_load_id`: added by dlt to the Arrow tables
    # it extracts, written by the workers into the files dlt imports) and has a row id
    # (`_dlt_id`, built by the source itself): dlt adding `_dlt_id` would rewrite every parquet
    # file in its normalize step, instead of importing the files as they were extracted.
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    os.environ["NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID"] = "false"
    # DuckDB's buffer pool may take 80% of RAM by default and the loader's memory would grow
    # with the corpus; capped (unless set), DuckDB evicts or spills instead. Other targets
    # ignore the key.
    os.environ.setdefault(
        "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG",
        json.dumps({"memory_limit": str(_config("duckdb_memory_limit", "256MB"))}),
    )
    # One load job per table at a time (dlt's `table-sequential`): the records arrive as a few
    # dozen parquet files, and parallel appends to one DuckDB table only compete for the capped
    # buffer pool above (out of memory at the seed's 500 files) without saving CPU. Set for this
    # source's run only.
    strategy_key = "LOAD__PARALLELISM_STRATEGY"
    strategy_before = os.environ.get(strategy_key)
    os.environ.setdefault(strategy_key, "table-sequential")
    try:
        run_source(SOURCE, DATASET, make_source, report, workers=1, after_load=after_load)
    finally:
        if strategy_before is None:
            os.environ.pop(strategy_key, None)
    return report
