"""dlt source for service-request CSV exports in S3: new or changed files into raw_service_csv.

One resource reads the objects the manifest says are new, changed or failed last time. Files are
downloaded and parsed in worker processes (one per core, a bounded number in flight, so memory
does not grow with the corpus), in the order of their keys, a few files (~32 MiB) per task. On
DuckDB each worker writes the records of its task's files as one parquet file and the resource
hands that file to dlt (`dlt.mark.with_file_import`): no record crosses processes and dlt
neither rewrites nor re-encodes it (extract hard-links it into the load package, normalize
imports it as is). On other warehouses (PostgreSQL loads CSV) the parsed files come back as
Arrow tables that dlt writes in the warehouse's file format. It dispatches to three tables:

- `service_records`: the 29 canonical columns as text plus file, line and parse lineage;
- `rejected_lines`: records no rule recovers, with their raw text and the reason;
- `file_manifest`: one row per object key - what was loaded, what failed and why, counts.

A file's rows and its manifest row travel in the same load package, so the manifest never
says `loaded` for rows that did not land. Rows are appended (no merge: dlt's delete-insert
copies every row through a staging table); a re-uploaded or reloaded file replaces its old rows
because `pipeline.remove_stale_rows` then deletes every row whose load is not the one its file's
manifest row came with.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from loaders.common.errors import ConfigError
from loaders.common.lineage import utc_now
from loaders.common.report import LoadReport
from loaders.service_csv import settings
from loaders.service_csv.parsing import FileError, parse_bytes

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
        pa.field("_dlt_id", pa.string(), nullable=False),
    ]
)
# What a worker writes for a file import: dlt adds `_dlt_load_id` to the Arrow items it extracts,
# not to files it imports, so the worker writes it (the load id of the package being extracted).
IMPORT_RECORD_SCHEMA = RECORD_SCHEMA.append(pa.field("_dlt_load_id", pa.string(), nullable=False))
REJECT_SCHEMA = pa.schema(
    [
        pa.field("_file_key", pa.string()),
        pa.field("_file_etag", pa.string()),
        pa.field("_line_number", pa.int64()),
        pa.field("raw_text", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("_extracted_at", TIMESTAMP),
        pa.field("_dlt_id", pa.string(), nullable=False),
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


def download(client: Any, s3: S3Settings, obj: S3Object) -> tuple[bytes, str]:
    """The object's bytes and the ETag of what was read. One file is held at a time per worker
    (the parser needs it whole in memory anyway), never the corpus.

    botocore retries a request until its response headers arrive, but not a body cut off while
    streaming (connection reset, read timeout, fewer bytes than Content-Length): that raises
    from `read()`, so the whole GET is repeated here, up to `max_attempts` in all.
    """
    from botocore.exceptions import BotoCoreError

    attempt = 0
    while True:
        attempt += 1
        response = client.get_object(Bucket=s3.bucket, Key=obj.key)
        etag = str(response.get("ETag", obj.etag)).strip('"')
        try:
            return response["Body"].read(), etag
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
    status: str  # loaded | failed
    counts: FileCounts | None = None
    records: pa.Table | None = None  # RECORD_SCHEMA (Arrow path), None when written to a file
    rejects: pa.Table | None = None  # REJECT_SCHEMA, None when the file has no rejects
    extracted_at: datetime | None = None
    error_class: str | None = None
    error: str | None = None
    attempts: int = 1


IMPORT_ROW_GROUP = 16_384


@dataclass(frozen=True)
class FileSink:
    """Where workers write the parquet files dlt imports (DuckDB only): a folder on the same file
    system as the pipeline's load packages, so dlt's import is a hard link, never a copy."""

    directory: str
    load_id: str

    def write(self, table: pa.Table, number: int) -> str:
        import pyarrow.parquet as pq

        path = os.path.join(self.directory, f"{number:06d}.parquet")
        with_load_id = table.append_column(
            IMPORT_RECORD_SCHEMA.field("_dlt_load_id"),
            pa.repeat(pa.scalar(self.load_id, pa.string()), table.num_rows),
        )
        # A transient file read once by DuckDB's COPY: no dictionary pages, no compression, no
        # statistics (each of them costs more CPU to write than it saves on the local read), and
        # row groups of IMPORT_ROW_GROUP rows: DuckDB reads a row group's column chunks whole,
        # and uncompressed chunks of a whole chunk of files overflow its 256 MB memory limit.
        pq.write_table(
            with_load_id,
            path,
            compression="none",
            use_dictionary=False,
            write_statistics=False,
            row_group_size=IMPORT_ROW_GROUP,
        )
        return path


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


def _row_ids(prefix: str, line_numbers: pa.Array) -> pa.Array:
    """`_dlt_id` for a file's rows: `<prefix>.<line number>`, unique per file version and read.

    dlt would add a random `_dlt_id` in its normalize step, but only by rewriting every parquet
    file (NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID); built here, in bulk with Arrow, the files
    are imported as they were extracted.
    """
    return pc.binary_join_element_wise(
        pa.repeat(pa.scalar(prefix, pa.string()), len(line_numbers)),
        pc.cast(line_numbers, pa.string()),
        ".",
    )


def _id_prefix(key: str, etag: str, extracted_at: datetime) -> str:
    digest = hashlib.blake2b(f"{key}\n{etag}\n{extracted_at.isoformat()}".encode(), digest_size=9)
    return base64.urlsafe_b64encode(digest.digest()).decode()


def _records_table(obj: S3Object, etag: str, parsed: Any, extracted_at: datetime, prefix: str) -> pa.Table:
    table = parsed.table
    n = table.num_rows
    extras = {
        "_file_key": pa.repeat(pa.scalar(obj.key, pa.string()), n),
        "_file_etag": pa.repeat(pa.scalar(etag, pa.string()), n),
        "_file_encoding": pa.repeat(pa.scalar(parsed.encoding, pa.string()), n),
        "_extracted_at": pa.repeat(pa.scalar(extracted_at, TIMESTAMP), n),
        "_dlt_id": _row_ids(prefix, table.column("_line_number").combine_chunks()),
    }
    columns = [
        table.column(name) if name in table.column_names else extras[name] for name in RECORD_SCHEMA.names
    ]
    return pa.Table.from_arrays(columns, schema=RECORD_SCHEMA)


def _rejects_table(obj: S3Object, etag: str, parsed: Any, extracted_at: datetime, prefix: str) -> pa.Table:
    rejects = parsed.rejects
    line_numbers = pa.array([r.line_number for r in rejects], pa.int64())
    return pa.Table.from_pydict(
        {
            "_file_key": [obj.key] * len(rejects),
            "_file_etag": [etag] * len(rejects),
            "_line_number": line_numbers,
            "raw_text": [r.raw_text for r in rejects],
            "reason": [r.reason for r in rejects],
            "_extracted_at": [extracted_at] * len(rejects),
            # rejected lines get their own prefix: a line is either landed or rejected
            "_dlt_id": _row_ids(prefix + "r", line_numbers),
        },
        schema=REJECT_SCHEMA,
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


def process(
    client: Any,
    s3: S3Settings,
    obj: S3Object,
    attempts: int,
    extracted_at: datetime | None = None,
) -> FileOutcome:
    """Download and parse one object into its Arrow tables; any failure is the file's, never the
    run's. `extracted_at` is the file's `_extracted_at` (the resource stamps files in key order);
    now when not given."""
    try:
        data, etag = download(client, s3, obj)
    except Exception as error:  # noqa: BLE001 - classified and recorded, the next file goes on
        error_class = "connection" if is_connection_error(error) else "format"
        return FileOutcome(obj, obj.etag, "failed", error_class=error_class, error=_one_line(error),
                           attempts=attempts, extracted_at=extracted_at or utc_now())  # fmt: skip
    try:
        parsed = parse_bytes(data)
    except FileError as error:
        return FileOutcome(obj, etag, "failed", error_class=error.error_class, error=str(error),
                           attempts=attempts, extracted_at=extracted_at or utc_now())  # fmt: skip
    except Exception as error:  # noqa: BLE001 - a parser bug must not stop the other files
        log.exception("service_csv: unexpected error parsing %s", obj.key)
        return FileOutcome(obj, etag, "failed", error_class="format", error=_one_line(error),
                           attempts=attempts, extracted_at=extracted_at or utc_now())  # fmt: skip
    del data
    extracted_at = extracted_at or utc_now()
    prefix = _id_prefix(obj.key, etag, extracted_at)
    counts = FileCounts(parsed.encoding, parsed.records_read, parsed.rows_landed, parsed.rows_repaired,
                        parsed.rows_rejected, parsed.blank_lines)  # fmt: skip
    return FileOutcome(
        obj,
        etag,
        "loaded",
        counts,
        records=_records_table(obj, etag, parsed, extracted_at, prefix),
        rejects=_rejects_table(obj, etag, parsed, extracted_at, prefix) if parsed.rejects else None,
        extracted_at=extracted_at,
        attempts=attempts,
    )


def _one_line(error: BaseException) -> str:
    text = (str(error).splitlines() or [""])[0][:300]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# Each worker process keeps one S3 client (boto3 clients are not shared across processes).
_worker_client: dict[str, Any] = {}


@dataclass
class Job:
    obj: S3Object
    attempts: int


@dataclass
class ChunkOutcome:
    """The outcomes of a few consecutive files read by one worker, and (file-import path) the
    one parquet file holding all their records."""

    outcomes: list[FileOutcome]
    records_file: str | None = None
    records_rows: int = 0


# Files are handed to workers in chunks of about this many bytes of CSV (~85k rows), and a
# chunk's records are written as one parquet file: DuckDB appends one 85k-row file for less
# than half the CPU of ten 8.5k-row files (each append commits and compresses partial row
# groups; measured 1.4 vs 3.2 CPU s per 100k rows), and the worker holds one chunk at a time.
CHUNK_BYTES = 32 * 2**20


def _chunks(jobs: list[Job], workers: int) -> list[list[Job]]:
    """Consecutive jobs (key order) in chunks of about CHUNK_BYTES, small enough that every
    worker gets some when the corpus is small."""
    most_files = max(1, -(-len(jobs) // (2 * max(workers, 1))))
    chunks: list[list[Job]] = []
    current: list[Job] = []
    size = 0
    for job in jobs:
        current.append(job)
        size += job.obj.size
        if size >= CHUNK_BYTES or len(current) >= most_files:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks


class _Stamps:
    """`_extracted_at` for each file, taken when the file is handed to a worker, in key order,
    and strictly growing within a run: staging breaks ties between versions of a record by it
    (the file read last wins), and worker processes finish files in no particular order."""

    def __init__(self) -> None:
        self.last: datetime | None = None

    def next(self) -> datetime:
        stamp = utc_now()
        if self.last is not None and stamp <= self.last:
            stamp = self.last + timedelta(microseconds=1)
        self.last = stamp
        return stamp


def process_chunk(
    client: Any,
    s3: S3Settings,
    jobs: list[Job],
    stamps: list[datetime],
    sink: FileSink | None,
    number: int,
) -> ChunkOutcome:
    """Each file of the chunk through `process`; with a `sink`, their records go to one parquet
    file and leave the outcomes (only the rejects, small, travel back to the resource)."""
    outcomes = [
        process(client, s3, job.obj, job.attempts, stamp) for job, stamp in zip(jobs, stamps, strict=True)
    ]
    chunk = ChunkOutcome(outcomes)
    if sink is None:
        return chunk
    tables = [o.records for o in outcomes if o.records is not None and o.records.num_rows]
    for outcome in outcomes:
        outcome.records = None
    if tables:
        records = pa.concat_tables(tables)
        del tables
        chunk.records_file, chunk.records_rows = sink.write(records, number), records.num_rows
    return chunk


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the loader ends, however it ends. A loader
    killed with SIGKILL (OOM killer, a scheduler's timeout) cannot shut its pool down, and its
    workers would live on as orphans holding their memory (each keeps the task queue's pipe
    open for the others). Linux only (prctl): elsewhere they outlive a killed loader."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the loader died before the signal was armed
        os._exit(1)


def _process_in_worker(
    s3: S3Settings, jobs: list[Job], stamps: list[datetime], sink: FileSink | None, number: int
) -> ChunkOutcome:
    client = _worker_client.get("client")
    if client is None:
        client = _worker_client["client"] = s3_client(s3)
    return process_chunk(client, s3, jobs, stamps, sink, number)


def _chunk_outcomes(
    client: Any, s3: S3Settings, jobs: list[Job], workers: int, sink: FileSink | None = None
) -> Iterator[ChunkOutcome]:
    """Each chunk's outcome, in key order. With several workers, files are downloaded and parsed
    in worker processes (parsing is CPU-bound, partly in Python: threads would serialise on the
    GIL) with at most two chunks per worker in flight, so memory stays flat however many files
    there are."""
    stamps = _Stamps()
    chunks = _chunks(jobs, workers)
    if workers <= 1 or len(chunks) <= 1:
        for number, chunk in enumerate(chunks):
            yield process_chunk(client, s3, chunk, [stamps.next() for _ in chunk], sink, number)
        return
    # fork: workers start in milliseconds and inherit the imported modules; they only run
    # `process_chunk` (boto3, the parser, pyarrow's parquet writer), never dlt.
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    with ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=context,
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        pending: deque[Future[ChunkOutcome]] = deque()
        for number, chunk in enumerate(chunks):
            chunk_stamps = [stamps.next() for _ in chunk]
            pending.append(pool.submit(_process_in_worker, s3, chunk, chunk_stamps, sink, number))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# Rows handed to dlt per item. dlt does fixed work per item (it computes and validates the
# table's schema hints, ~50 ms), so files are batched; the batch bounds the memory held.
BATCH_ROWS = 100_000


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
    scope = s3.scope
    jobs = []
    for obj in plan.todo:
        before = plan.previous.get(obj.key)
        attempts = 1
        if before and before.get("status") == "failed" and before.get("etag") == obj.etag:
            attempts = int(before.get("attempts") or 0) + 1
        jobs.append(Job(obj, attempts))
    sink = _file_sink(file_import)
    batch = _Batch()
    done = 0
    for chunk in _chunk_outcomes(client, s3, jobs, workers, sink):
        if chunk.records_file is not None:
            # dlt hard-links the worker's file into the load package (to the resource's own
            # table, service_records) and imports it without reading it again.
            yield dlt.mark.with_file_import(chunk.records_file, "parquet", chunk.records_rows)
            os.unlink(chunk.records_file)
        for outcome in chunk.outcomes:
            done += 1
            obj = outcome.obj
            report.api_calls += 1
            entity = obj.key.removeprefix(s3.prefix).lstrip("/") or obj.key
            result = report.result(scope, entity, mode=mode)
            counts = outcome.counts
            if outcome.status == "loaded" and counts is not None:
                result.fetched, result.landed = counts.records_read, counts.rows_landed
                result.status = f"ok, {counts.rows_rejected} rejected" if counts.rows_rejected else "ok"
                batch.add(outcome)
                if batch.rows >= BATCH_ROWS:
                    yield from batch.flush()
            else:
                result.status, result.error = "failed", f"{outcome.error_class}: {outcome.error}"
                report.fail_scope(obj.key, f"{outcome.error_class} error: {outcome.error}")
                log.error("service_csv: %s failed (%s): %s", obj.key, outcome.error_class, outcome.error)
            manifest.append(manifest_row(outcome, outcome.extracted_at or utc_now()))
            progress.update(done, counts.records_read if counts else 0)
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
    # (pipeline.remove_stale_rows), which replaces a re-uploaded file without dlt's merge copy.
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
