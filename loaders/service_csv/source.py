"""dlt source for service-request CSV exports in S3: new or changed files into raw_service_csv.

One resource reads the objects the manifest says are new, changed or failed last time (see
`manifest`). Files are downloaded and parsed in worker processes (`workers`). On DuckDB each
worker appends the records of all the files it parses to one parquet file, and the resource hands
those files to dlt (`dlt.mark.with_file_import`) once every file is parsed: no record crosses
processes, dlt neither rewrites nor re-encodes them (extract hard-links them into the load
package, normalize imports them as they are), and DuckDB appends each in one commit. On other
warehouses (PostgreSQL loads CSV) the parsed files come back as Arrow tables that dlt writes in
the warehouse's file format, one file per table per load (dlt rotates files only past a size a
destination recommends, and these recommend none), loaded with one `COPY` each. It dispatches to
three tables:

- `service_records`: the 29 canonical columns as text plus file, line and parse lineage;
- `rejected_lines`: records no rule recovers, with their raw text and the reason;
- `file_manifest`: one row per object key - what was loaded, what failed and why, counts.

A file's rows and its manifest row travel in the same load package, so the manifest never
says `loaded` for rows that did not land. Rows are appended (no merge: dlt's delete-insert
copies every row through a staging table); a re-uploaded or reloaded file replaces its old rows
because `manifest.remove_stale_rows` then deletes every row whose load is not the one its file's
manifest row came with.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa

from loaders.common.lineage import utc_now
from loaders.common.report import EntityResult, LoadReport
from loaders.service_csv.files import FileOutcome
from loaders.service_csv.manifest import (
    MANIFEST,
    MANIFEST_SCHEMA,
    QUARANTINED,
    Plan,
    manifest_row,
    quarantine_message,
    quarantines,
)
from loaders.service_csv.s3 import S3Settings
from loaders.service_csv.tables import (
    IMPORT_RECORD_SCHEMA,
    RECORDS,
    REJECT_SCHEMA,
    REJECTS,
    FileSink,
    column_hints,
)
from loaders.service_csv.workers import chunk_outcomes

log = logging.getLogger(__name__)

# Rows handed to dlt per item. dlt does fixed work per item (it computes and validates the
# table's schema hints, ~50 ms), so files are batched; the batch bounds the memory held.
BATCH_ROWS = 100_000


class Progress:
    """One self-overwriting line on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.enabled = sys.stderr.isatty() and total > 0
        self.started = time.monotonic()
        self.rows = 0

    def update(self, done: int, rows: int) -> None:
        self.rows += rows
        if self.enabled:
            elapsed = max(time.monotonic() - self.started, 1e-6)
            sys.stderr.write(
                f"\rservice_csv: {done}/{self.total} files, {self.rows:,} rows, "
                f"{self.rows / elapsed:,.0f} rows/s"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Batch:
    """Arrow tables of several files, released together once they hold BATCH_ROWS rows (records
    sent to dlt as files are not held here: only those files' rejects)."""

    def __init__(self) -> None:
        self.records: list[pa.Table] = []
        self.rejects: list[pa.Table] = []
        self.rows = 0

    def add(self, outcome: FileOutcome) -> None:
        if outcome.records is not None:
            self.records.append(outcome.records)
            self.rows += outcome.records.num_rows
        if outcome.rejects is not None:
            self.rejects.append(outcome.rejects)
            self.rows += outcome.rejects.num_rows

    def flush(self) -> Iterator[Any]:
        if self.records:
            yield pa.concat_tables(self.records)  # the resource's own table, service_records
        if self.rejects:
            yield dlt.mark.with_table_name(pa.concat_tables(self.rejects), REJECTS)
        self.records, self.rejects, self.rows = [], [], 0


def _file_sink(file_import: bool) -> FileSink | None:
    """Where this extract's workers write their parquet files, when files are imported."""
    if not file_import:
        return None
    pipeline = dlt.current.pipeline()
    load_id = dlt.current.load_package_state()["load_id"]
    root = os.path.join(pipeline.working_dir, "service_csv_import")
    # A load killed while its workers wrote leaves its load id's folder behind, with the files
    # dlt had not yet linked into its package. Nothing reads them again (an interrupted extract
    # is dropped and its files re-read from S3; a package keeps links of its own), so they go.
    if os.path.isdir(root):
        for leftover in os.listdir(root):
            if leftover != load_id:
                shutil.rmtree(os.path.join(root, leftover), ignore_errors=True)
    directory = os.path.join(root, load_id)
    os.makedirs(directory, exist_ok=True)
    return FileSink(directory, load_id)


def entity_name(s3: S3Settings, key: str) -> str:
    """A file's row in the load summary: its key below the prefix."""
    return key.removeprefix(s3.prefix).lstrip("/") or key


def report_quarantined(report: LoadReport, result: EntityResult, key: str, message: str) -> None:
    """A quarantined file is not a failure of the run, but it is shown and alerted on every run."""
    result.status, result.error = QUARANTINED, message
    report.warn(key, message)


def _record_outcome(outcome: FileOutcome, plan: Plan, report: LoadReport, result: EntityResult) -> None:
    """The file's line in the load summary; a failure (not a quarantine) fails the run."""
    key = outcome.obj.key
    report.api_calls += outcome.requests.calls
    report.retries += outcome.requests.retries
    report.backoff_seconds += outcome.requests.retry_wait_seconds
    counts = outcome.counts
    if outcome.status == "loaded" and counts is not None:
        result.fetched, result.landed = counts.records_read, counts.rows_landed
        result.status = f"ok, {counts.rows_rejected} rejected" if counts.rows_rejected else "ok"
        return
    if quarantines(outcome, plan.quarantine_after):
        outcome.status = QUARANTINED
        message = quarantine_message(outcome.attempts, outcome.error_class, outcome.error)
        report_quarantined(report, result, key, message)
        log.warning("service_csv: %s %s", key, message)
        return
    result.status, result.error = "failed", f"{outcome.error_class}: {outcome.error}"
    report.fail_scope(key, f"{outcome.error_class} error: {outcome.error}")
    log.error("service_csv: %s failed (%s): %s", key, outcome.error_class, outcome.error)


def _files(
    client: Any,
    s3: S3Settings,
    plan: Plan,
    report: LoadReport,
    mode: str,
    workers: int,
    file_import: bool = False,
) -> Iterator[Any]:
    progress = Progress(len(plan.todo))
    manifest: list[dict[str, Any]] = []
    sink = _file_sink(file_import)
    batch = _Batch()
    done = 0
    for chunk in chunk_outcomes(client, s3, plan.todo, workers, sink):
        for records in chunk.records_files:
            # dlt hard-links the worker's file into the load package (to the resource's own
            # table, service_records) and imports it without reading it again.
            yield dlt.mark.with_file_import(records.path, "parquet", records.rows)
            os.unlink(records.path)
        for outcome in chunk.outcomes:
            done += 1
            _record_outcome(
                outcome, plan, report, report.result(s3.scope, entity_name(s3, outcome.obj.key), mode)
            )
            if outcome.status == "loaded":
                batch.add(outcome)
                if batch.rows >= BATCH_ROWS:
                    yield from batch.flush()
            manifest.append(manifest_row(outcome, outcome.extracted_at or utc_now()))
            progress.update(done, outcome.counts.records_read if outcome.counts else 0)
    yield from batch.flush()
    progress.close()
    if sink is not None:
        os.rmdir(sink.directory)
    if manifest:
        yield dlt.mark.with_table_name(pa.Table.from_pylist(manifest, schema=MANIFEST_SCHEMA), MANIFEST)


@dlt.source(name="service_csv", max_table_nesting=0)
def service_csv_source(
    client: Any,
    s3: S3Settings,
    plan: Plan,
    report: LoadReport,
    mode: str = "incremental",
    workers: int = 1,
    file_import: bool = False,
) -> Any:
    """`file_import`: workers write the records' parquet files and dlt imports them (DuckDB);
    otherwise records reach dlt as Arrow tables, written in the warehouse's file format."""
    files = dlt.resource(
        _files(client, s3, plan, report, mode, workers, file_import),
        name="service_csv_files",
        table_name=RECORDS,
        write_disposition="append",
    )
    # Rejects and the manifest are table variants, made before the records' columns are set:
    # a variant starts as a copy of the resource's own hints.
    # Rows are appended; the rows of a file's older loads are deleted after the load
    # (manifest.remove_stale_rows), which replaces a re-uploaded file without dlt's merge copy.
    files.apply_hints(
        table_name=REJECTS,
        write_disposition="append",
        columns=column_hints(REJECT_SCHEMA),
        create_table_variant=True,
    )
    files.apply_hints(
        table_name=MANIFEST,
        write_disposition={"disposition": "merge", "strategy": "upsert"},
        primary_key="file_key",
        columns=column_hints(MANIFEST_SCHEMA),
        create_table_variant=True,
    )
    # The records' hints are the resource's own: an imported file carries no table name, so it
    # lands in the resource's table.
    files.apply_hints(columns=column_hints(IMPORT_RECORD_SCHEMA))
    return files
