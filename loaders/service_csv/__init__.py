"""dlt source for service-request CSV exports in S3: new or changed files into raw_service_csv.

One resource reads the objects the manifest says are new, changed or failed last time, one file
at a time (downloaded to a temporary file, parsed, landed as Arrow tables so dlt writes parquet
directly) and dispatches to three tables:

- `service_records`: the 29 canonical columns as text plus file, line and parse lineage;
- `rejected_lines`: records no rule recovers, with their raw text and the reason;
- `file_manifest`: one row per object key - what was loaded, what failed and why, counts.

A file's rows and its manifest row travel in the same load package, so the manifest never
says `loaded` for rows that did not land; a re-uploaded file replaces its rows (delete-insert
on `_file_key`).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dlt
import pyarrow as pa

from loaders.common.errors import ConfigError
from loaders.common.lineage import utc_now
from loaders.common.report import LoadReport
from loaders.service_csv import settings
from loaders.service_csv.parsing import FileError, ParsedFile, parse_bytes

log = logging.getLogger(__name__)

RECORDS, REJECTS, MANIFEST = "service_records", "rejected_lines", "file_manifest"
TIMESTAMP = pa.timestamp("us", tz="UTC")

RECORD_SCHEMA = pa.schema(
    # The 29 fields are never NULL (every column is required; an empty field is ''). Saying so
    # keeps '' as '' on PostgreSQL too: dlt's COPY turns "" into NULL in nullable columns.
    [pa.field(name, pa.string(), nullable=False) for name in settings.COLUMNS]
    + [
        pa.field("_file_key", pa.string()),
        pa.field("_file_etag", pa.string()),
        pa.field("_line_number", pa.int64()),
        pa.field("_parse_status", pa.string()),
        pa.field("_parse_note", pa.string()),
        pa.field("_file_encoding", pa.string()),
        pa.field("_extracted_at", TIMESTAMP),
    ]
)
REJECT_SCHEMA = pa.schema(
    [
        pa.field("_file_key", pa.string()),
        pa.field("_file_etag", pa.string()),
        pa.field("_line_number", pa.int64()),
        pa.field("raw_text", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("_extracted_at", TIMESTAMP),
    ]
)
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
_DLT_TYPES = {pa.string(): "text", pa.int64(): "bigint", TIMESTAMP: "timestamp"}


def column_hints(schema: pa.Schema) -> dict[str, dict[str, Any]]:
    return {
        f.name: {
            "data_type": _DLT_TYPES[f.type],
            "nullable": f.nullable,
            **({"timezone": True} if f.type == TIMESTAMP else {}),
        }
        for f in schema
    }


# ------------------------------------------------------------------------------------------
# S3
# ------------------------------------------------------------------------------------------


@dataclass
class S3Settings:
    bucket: str
    prefix: str = settings.DEFAULT_PREFIX
    region: str | None = None
    endpoint_url: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    max_attempts: int = 4
    connect_timeout: float = 5.0
    read_timeout: float = 60.0

    @property
    def scope(self) -> str:
        """The report's scope column: the bucket (file names are shown below the prefix)."""
        return self.bucket


def _config(key: str, default: Any = None) -> Any:
    try:
        value = dlt.config[f"sources.service_csv.{key}"]
    except KeyError:
        return default
    return default if value in (None, "") else value


def _secret(key: str) -> str | None:
    try:
        value = dlt.secrets[f"sources.service_csv.{key}"]
    except KeyError:
        return None
    return str(value) if value else None


def load_s3_settings() -> S3Settings | None:
    """[sources.service_csv] from dlt config/secrets (or SOURCES__SERVICE_CSV__* variables).

    None when no bucket is configured. The endpoint may also come from AWS_ENDPOINT_URL_S3 or
    AWS_ENDPOINT_URL, which win over the config file (as they do for the AWS CLI); region and
    credentials fall back to boto3's own chain (AWS_* variables, ~/.aws, instance roles).
    """
    bucket = _config("bucket")
    if not bucket:
        return None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    key_id, secret = _secret("aws_access_key_id"), _secret("aws_secret_access_key")
    if bool(key_id) != bool(secret):
        raise ConfigError(
            "sources.service_csv needs both aws_access_key_id and aws_secret_access_key in "
            ".dlt/secrets.toml (or neither, to use the AWS_* environment variables)"
        )
    return S3Settings(
        bucket=str(bucket),
        prefix=str(_config("prefix", settings.DEFAULT_PREFIX)),
        region=_config("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        or settings.DEFAULT_REGION,
        endpoint_url=endpoint or _config("endpoint_url"),
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        max_attempts=int(_config("max_attempts", 4)),
        connect_timeout=float(_config("connect_timeout_seconds", 5.0)),
        read_timeout=float(_config("read_timeout_seconds", 60.0)),
    )  # fmt: skip


def s3_client(s3: S3Settings) -> Any:
    import boto3
    from botocore.config import Config

    kwargs: dict[str, Any] = {}
    if s3.aws_access_key_id:
        kwargs = {
            "aws_access_key_id": s3.aws_access_key_id,
            "aws_secret_access_key": s3.aws_secret_access_key,
        }
    return boto3.client(
        "s3",
        region_name=s3.region,
        endpoint_url=s3.endpoint_url,
        config=Config(
            # botocore's `max_attempts` counts retries only; `total_max_attempts` counts the
            # first try too, which is what `max_attempts` means in our config.
            retries={"total_max_attempts": s3.max_attempts, "mode": "standard"},
            connect_timeout=s3.connect_timeout,
            read_timeout=s3.read_timeout,
        ),
        **kwargs,
    )


@dataclass
class S3Object:
    key: str
    etag: str
    size: int
    last_modified: datetime | None


def list_objects(client: Any, s3: S3Settings) -> list[S3Object]:
    found = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=s3.bucket, Prefix=s3.prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith("/"):
                continue
            found.append(
                S3Object(item["Key"], item["ETag"].strip('"'), int(item["Size"]), item.get("LastModified"))
            )
    return sorted(found, key=lambda o: o.key)


def is_connection_error(error: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return status >= 500 or code in ("SlowDown", "RequestTimeout", "ServiceUnavailable")
    return isinstance(error, BotoCoreError | OSError)


def download(client: Any, s3: S3Settings, obj: S3Object, directory: str) -> tuple[bytes, str]:
    """The object's bytes (through a temporary file, streamed) and the ETag of what was read.

    botocore retries a request until its response headers arrive, but not a body cut off while
    streaming (connection reset, read timeout, fewer bytes than Content-Length): that raises
    from `iter_chunks`, so the whole GET is repeated here, up to `max_attempts` in all.
    """
    from botocore.exceptions import BotoCoreError

    attempt = 0
    while True:
        attempt += 1
        response = client.get_object(Bucket=s3.bucket, Key=obj.key)
        etag = str(response.get("ETag", obj.etag)).strip('"')
        try:
            with tempfile.TemporaryFile(dir=directory) as handle:
                for chunk in response["Body"].iter_chunks(chunk_size=1 << 20):
                    handle.write(chunk)
                handle.seek(0)
                return handle.read(), etag
        except (BotoCoreError, OSError) as error:
            if attempt >= s3.max_attempts:
                raise
            delay = min(0.5 * 2 ** (attempt - 1), 5.0)
            log.warning(
                "service_csv: %s: download interrupted (%s); retry %d/%d in %.1fs",
                obj.key,
                _one_line(error),
                attempt,
                s3.max_attempts - 1,
                delay,
            )
            time.sleep(delay)


# ------------------------------------------------------------------------------------------
# The resource
# ------------------------------------------------------------------------------------------


@dataclass
class FileOutcome:
    obj: S3Object
    etag: str
    status: str  # loaded | failed
    parsed: ParsedFile | None = None
    error_class: str | None = None
    error: str | None = None
    attempts: int = 1


@dataclass
class Plan:
    todo: list[S3Object]
    skipped: list[S3Object]
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)


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


def _records_table(outcome: FileOutcome, extracted_at: datetime) -> pa.Table:
    parsed = outcome.parsed
    assert parsed is not None
    table = parsed.table
    n = table.num_rows
    extras = {
        "_file_key": pa.repeat(pa.scalar(outcome.obj.key, pa.string()), n),
        "_file_etag": pa.repeat(pa.scalar(outcome.etag, pa.string()), n),
        "_file_encoding": pa.repeat(pa.scalar(parsed.encoding, pa.string()), n),
        "_extracted_at": pa.repeat(pa.scalar(extracted_at, TIMESTAMP), n),
    }
    columns = [
        table.column(name) if name in table.column_names else extras[name] for name in RECORD_SCHEMA.names
    ]
    return pa.Table.from_arrays(columns, schema=RECORD_SCHEMA)


def _rejects_table(outcome: FileOutcome, extracted_at: datetime) -> pa.Table:
    rejects = outcome.parsed.rejects if outcome.parsed else []
    return pa.Table.from_pydict(
        {
            "_file_key": [outcome.obj.key] * len(rejects),
            "_file_etag": [outcome.etag] * len(rejects),
            "_line_number": [r.line_number for r in rejects],
            "raw_text": [r.raw_text for r in rejects],
            "reason": [r.reason for r in rejects],
            "_extracted_at": [extracted_at] * len(rejects),
        },
        schema=REJECT_SCHEMA,
    )


def manifest_row(outcome: FileOutcome, loaded_at: datetime) -> dict[str, Any]:
    parsed = outcome.parsed
    return {
        "file_key": outcome.obj.key,
        "etag": outcome.etag,
        "size_bytes": outcome.obj.size,
        "last_modified": outcome.obj.last_modified,
        "status": outcome.status,
        "error_class": outcome.error_class,
        "error": outcome.error,
        "encoding": parsed.encoding if parsed else None,
        "records_read": parsed.records_read if parsed else 0,
        "rows_landed": parsed.rows_landed if parsed else 0,
        "rows_repaired": parsed.rows_repaired if parsed else 0,
        "rows_rejected": parsed.rows_rejected if parsed else 0,
        "blank_lines": parsed.blank_lines if parsed else 0,
        "attempts": outcome.attempts,
        "loaded_at": loaded_at,
    }


def process(client: Any, s3: S3Settings, obj: S3Object, attempts: int, directory: str) -> FileOutcome:
    """Download and parse one object; any failure is the file's, never the run's."""
    try:
        data, etag = download(client, s3, obj, directory)
    except Exception as error:  # noqa: BLE001 - classified and recorded, the next file goes on
        error_class = "connection" if is_connection_error(error) else "format"
        return FileOutcome(obj, obj.etag, "failed", None, error_class, _one_line(error), attempts)
    try:
        parsed = parse_bytes(data)
    except FileError as error:
        return FileOutcome(obj, etag, "failed", None, error.error_class, str(error), attempts)
    except Exception as error:  # noqa: BLE001 - a parser bug must not stop the other files
        log.exception("service_csv: unexpected error parsing %s", obj.key)
        return FileOutcome(obj, etag, "failed", None, "format", _one_line(error), attempts)
    return FileOutcome(obj, etag, "loaded", parsed, attempts=attempts)


def _one_line(error: BaseException) -> str:
    text = (str(error).splitlines() or [""])[0][:300]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _files(client: Any, s3: S3Settings, plan: Plan, report: LoadReport, mode: str) -> Iterator[Any]:
    progress = Progress(len(plan.todo))
    manifest: list[dict[str, Any]] = []
    scope = s3.scope
    with tempfile.TemporaryDirectory(prefix="service_csv_") as directory:
        for done, obj in enumerate(plan.todo, 1):
            before = plan.previous.get(obj.key)
            attempts = 1
            if before and before.get("status") == "failed" and before.get("etag") == obj.etag:
                attempts = int(before.get("attempts") or 0) + 1
            outcome = process(client, s3, obj, attempts, directory)
            report.api_calls += 1
            extracted_at = utc_now()
            entity = obj.key.removeprefix(s3.prefix).lstrip("/") or obj.key
            result = report.result(scope, entity, mode=mode)
            if outcome.status == "loaded" and outcome.parsed is not None:
                parsed = outcome.parsed
                result.fetched, result.landed, result.status = parsed.records_read, parsed.rows_landed, "ok"
                if parsed.rows_rejected:
                    result.status = f"ok, {parsed.rows_rejected} rejected"
                yield dlt.mark.with_table_name(_records_table(outcome, extracted_at), RECORDS)
                if parsed.rejects:
                    yield dlt.mark.with_table_name(_rejects_table(outcome, extracted_at), REJECTS)
            else:
                result.status, result.error = "failed", f"{outcome.error_class}: {outcome.error}"
                report.fail_scope(obj.key, f"{outcome.error_class} error: {outcome.error}")
                log.error("service_csv: %s failed (%s): %s", obj.key, outcome.error_class, outcome.error)
            manifest.append(manifest_row(outcome, extracted_at))
            progress.update(done, outcome.parsed.records_read if outcome.parsed else 0)
    progress.close()
    if manifest:
        yield dlt.mark.with_table_name(pa.Table.from_pylist(manifest, schema=MANIFEST_SCHEMA), MANIFEST)


@dlt.source(name="service_csv", max_table_nesting=0)
def service_csv_source(
    client: Any, s3: S3Settings, plan: Plan, report: LoadReport, mode: str = "incremental"
) -> Any:
    files = dlt.resource(_files(client, s3, plan, report, mode), name="service_csv_files", table_name=RECORDS)
    # Every item is dispatched to one of three tables, each with its own hints (table variants).
    for table, schema in ((RECORDS, RECORD_SCHEMA), (REJECTS, REJECT_SCHEMA)):
        files.apply_hints(
            table_name=table,
            write_disposition={"disposition": "merge", "strategy": "delete-insert"},
            merge_key="_file_key",
            columns=column_hints(schema),
            create_table_variant=True,
        )
    files.apply_hints(
        table_name=MANIFEST,
        write_disposition={"disposition": "merge", "strategy": "upsert"},
        primary_key="file_key",
        columns=column_hints(MANIFEST_SCHEMA),
        create_table_variant=True,
    )
    return files
