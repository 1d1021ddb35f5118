"""`raw_service_csv.file_manifest`: one row per object key saying what became of its last version,
and what a run does with each file because of it.

A file's status is `loaded`, `failed` (retried on the next run) or `quarantined`: it failed
`quarantine_after_attempts` times with the same ETag for a reason of its own (encoding, format,
schema: the same bytes fail the same way every time), so it is no longer retried and no longer
fails runs; every run still reports and alerts it. It is tried again when its ETag changes (the
file was re-uploaded) or on `--full-refresh` (e.g. after a loader fix); failing then, it is
quarantined again at once. A connection error never quarantines a file: the file is not at fault.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from loaders.service_csv.files import FileOutcome, Job
from loaders.service_csv.s3 import S3Object
from loaders.service_csv.tables import RECORDS, REJECTS, TIMESTAMP

log = logging.getLogger(__name__)

MANIFEST = "file_manifest"
LOADED, FAILED, QUARANTINED = "loaded", "failed", "quarantined"
DEFAULT_QUARANTINE_AFTER = 3

MANIFEST_SCHEMA = pa.schema(
    [
        pa.field("file_key", pa.string(), nullable=False),
        pa.field("etag", pa.string()),
        pa.field("size_bytes", pa.int64()),
        pa.field("last_modified", TIMESTAMP),
        pa.field("status", pa.string()),
        pa.field("error_class", pa.string()),
        pa.field("error", pa.string()),
        pa.field("encoding", pa.string()),
        pa.field("records_read", pa.int64()),
        pa.field("rows_landed", pa.int64()),
        pa.field("rows_repaired", pa.int64()),
        pa.field("rows_rejected", pa.int64()),
        pa.field("blank_lines", pa.int64()),
        pa.field("attempts", pa.int64()),
        pa.field("loaded_at", TIMESTAMP),
    ]
)


@dataclass(frozen=True)
class ManifestEntry:
    """What the manifest says of a key's last version."""

    etag: str
    status: str
    attempts: int = 0
    error_class: str | None = None
    error: str | None = None


def read_manifest(sql_client: Any) -> dict[str, ManifestEntry]:
    """{file_key: entry} from the warehouse; empty before the first load."""
    table = sql_client.make_qualified_table_name(MANIFEST)
    try:
        rows = sql_client.execute_sql(
            f"select file_key, etag, status, attempts, error_class, error from {table}"
        )
    except Exception:  # the dataset or table does not exist until the first load
        return {}
    return {key: ManifestEntry(etag, status, int(attempts or 0), error_class, error)
            for key, etag, status, attempts, error_class, error in rows or []}  # fmt: skip


def remove_stale_rows(sql_client: Any) -> None:
    """Drop the rows of a file that came with any load but the one its manifest row came with.

    Records and rejects are appended; a file's rows and its manifest row travel in one load
    package, so a file loaded again (re-uploaded with a new ETag, or reloaded by
    `--full-refresh`) has its old rows removed here. A file whose last attempt failed (or that is
    quarantined) keeps the rows of the version that last loaded. Idempotent: run after every load
    and, in case a run stopped between its load and this cleanup, before planning the next.
    """
    manifest = sql_client.make_qualified_table_name(MANIFEST)
    for name in (RECORDS, REJECTS):
        table = sql_client.make_qualified_table_name(name)
        try:
            sql_client.execute_sql(
                f"delete from {table} where exists (select 1 from {manifest} m "
                f"where m.file_key = {table}._file_key and m.status = '{LOADED}' "
                f"and (m._dlt_load_id <> {table}._dlt_load_id or m.etag <> {table}._file_etag))"
            )
        except Exception as error:  # tables appear with the first rows that land
            log.debug("service_csv: no stale rows removed from %s (%s)", name, error)


@dataclass
class Plan:
    """What a run does with each listed object."""

    todo: list[Job]
    skipped: list[S3Object]  # loaded, unchanged
    quarantined: list[tuple[S3Object, ManifestEntry]] = field(default_factory=list)  # not retried
    quarantine_after: int = DEFAULT_QUARANTINE_AFTER


def plan(
    objects: list[S3Object],
    previous: dict[str, ManifestEntry],
    full_refresh: bool,
    quarantine_after: int = DEFAULT_QUARANTINE_AFTER,
) -> Plan:
    """Load what is new, changed or failed; skip what loaded unchanged; leave quarantined files
    alone until their ETag changes. `--full-refresh` loads every object."""
    todo, skipped, quarantined = [], [], []
    for obj in objects:
        before = previous.get(obj.key)
        same = before is not None and before.etag == obj.etag
        if same and not full_refresh and before.status == LOADED:
            skipped.append(obj)
        elif same and not full_refresh and before.status == QUARANTINED:
            quarantined.append((obj, before))
        elif same and before.status in (FAILED, QUARANTINED):
            todo.append(Job(obj, before.attempts + 1))
        else:
            todo.append(Job(obj, 1))
    return Plan(todo, skipped, quarantined, quarantine_after)


def quarantines(outcome: FileOutcome, quarantine_after: int) -> bool:
    """Whether a failed attempt puts its file in quarantine."""
    return (
        outcome.status == FAILED
        and outcome.error_class != "connection"
        and outcome.attempts >= quarantine_after
    )


def quarantine_message(attempts: int, error_class: str | None, error: str | None) -> str:
    return (
        f"quarantined after {attempts} failed attempts ({error_class} error: {error}); not retried "
        "until the file is uploaded again or `elt load service_csv --full-refresh`"
    )


def manifest_row(outcome: FileOutcome, loaded_at: datetime) -> dict[str, Any]:
    counts = outcome.counts
    return {
        "file_key": outcome.obj.key,
        "etag": outcome.etag,
        "size_bytes": outcome.obj.size,
        "last_modified": outcome.obj.last_modified,
        "status": outcome.status,
        "error_class": outcome.error_class,
        "error": outcome.error,
        "encoding": counts.encoding if counts else None,
        "records_read": counts.records_read if counts else 0,
        "rows_landed": counts.rows_landed if counts else 0,
        "rows_repaired": counts.rows_repaired if counts else 0,
        "rows_rejected": counts.rows_rejected if counts else 0,
        "blank_lines": counts.blank_lines if counts else 0,
        "attempts": outcome.attempts,
        "loaded_at": loaded_at,
    }
