"""One export file, from its S3 object to its outcome: downloaded, parsed, its rows as Arrow tables,
or the class and message of the error that failed it. Any failure is the file's, never the run's."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from loaders.common.http import CallStats
from loaders.common.lineage import utc_now
from loaders.service_csv.parsing import FileError, parse_bytes
from loaders.service_csv.s3 import S3Object, S3Settings, describe_error, download, is_connection_error
from loaders.service_csv.tables import records_table, rejects_table

log = logging.getLogger(__name__)


@dataclass
class Job:
    """A file to load and which attempt at its current version (ETag) this is."""

    obj: S3Object
    attempts: int = 1


@dataclass
class FileCounts:
    """What the parser found in one file (the manifest's reconciliation columns)."""

    encoding: str
    records_read: int
    rows_landed: int
    rows_repaired: int
    rows_rejected: int
    blank_lines: int


@dataclass
class FileOutcome:
    obj: S3Object
    etag: str
    status: str  # loaded | failed | quarantined (see manifest.quarantines)
    counts: FileCounts | None = None
    records: pa.Table | None = None  # RECORD_SCHEMA (Arrow path), None when written to a file
    rejects: pa.Table | None = None  # REJECT_SCHEMA, None when the file has no rejects
    extracted_at: datetime | None = None
    error_class: str | None = None  # format | encoding | schema | connection
    error: str | None = None
    attempts: int = 1
    requests: CallStats = field(default_factory=CallStats)  # S3 calls and retries for the file


def process(client: Any, s3: S3Settings, job: Job, extracted_at: datetime | None = None) -> FileOutcome:
    """Download and parse one object into its Arrow tables. `extracted_at` is the file's
    `_extracted_at` (the resource stamps files in key order); now when not given."""
    obj = job.obj
    requests = CallStats()
    extracted_at = extracted_at or utc_now()

    def failed(etag: str, error_class: str, error: str) -> FileOutcome:
        return FileOutcome(obj, etag, "failed", error_class=error_class, error=error, attempts=job.attempts,
                           extracted_at=extracted_at, requests=requests)  # fmt: skip

    try:
        data, etag = download(client, s3, obj, requests)
    except Exception as error:  # noqa: BLE001 - classified and recorded, the next file goes on
        return failed(
            obj.etag, "connection" if is_connection_error(error) else "format", describe_error(error)
        )
    try:
        parsed = parse_bytes(data)
    except FileError as error:
        return failed(etag, error.error_class, str(error))
    except Exception as error:  # noqa: BLE001 - a parser bug must not stop the other files
        log.exception("service_csv: unexpected error parsing %s", obj.key)
        return failed(etag, "format", describe_error(error))
    del data
    counts = FileCounts(parsed.encoding, parsed.records_read, parsed.rows_landed, parsed.rows_repaired,
                        parsed.rows_rejected, parsed.blank_lines)  # fmt: skip
    return FileOutcome(
        obj,
        etag,
        "loaded",
        counts,
        records=records_table(obj.key, etag, parsed, extracted_at),
        rejects=rejects_table(obj.key, etag, parsed, extracted_at) if parsed.rejects else None,
        extracted_at=extracted_at,
        attempts=job.attempts,
        requests=requests,
    )
