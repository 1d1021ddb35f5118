"""Files downloaded and parsed in worker processes, a few consecutive files (a chunk) per task, with
a bounded number of tasks in flight so memory stays flat however many files there are."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from loaders.common.lineage import utc_now
from loaders.service_csv.files import FileOutcome, Job, process
from loaders.service_csv.s3 import S3Settings, s3_client
from loaders.service_csv.tables import FileSink

# Files are handed to workers in chunks of about this many bytes of CSV (~85k rows), and a
# chunk's records are written as one parquet file: DuckDB appends one 85k-row file for less
# than half the CPU of ten 8.5k-row files (each append commits and compresses partial row
# groups; measured 1.4 vs 3.2 CPU s per 100k rows), and the worker holds one chunk at a time.
CHUNK_BYTES = 32 * 2**20

# Each worker process keeps one S3 client (boto3 clients are not shared across processes).
_worker_client: dict[str, Any] = {}


@dataclass
class ChunkOutcome:
    """The outcomes of a few consecutive files read by one worker, and (file-import path) the
    one parquet file holding all their records."""

    outcomes: list[FileOutcome]
    records_file: str | None = None
    records_rows: int = 0


def chunks(jobs: list[Job], workers: int) -> list[list[Job]]:
    """Consecutive jobs (key order) in chunks of about CHUNK_BYTES, small enough that every
    worker gets some when the corpus is small."""
    most_files = max(1, -(-len(jobs) // (2 * max(workers, 1))))
    found: list[list[Job]] = []
    current: list[Job] = []
    size = 0
    for job in jobs:
        current.append(job)
        size += job.obj.size
        if size >= CHUNK_BYTES or len(current) >= most_files:
            found.append(current)
            current, size = [], 0
    if current:
        found.append(current)
    return found


class Stamps:
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
    outcomes = [process(client, s3, job, stamp) for job, stamp in zip(jobs, stamps, strict=True)]
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


def chunk_outcomes(
    client: Any, s3: S3Settings, jobs: list[Job], workers: int, sink: FileSink | None = None
) -> Iterator[ChunkOutcome]:
    """Each chunk's outcome, in key order. With several workers, files are downloaded and parsed
    in worker processes (parsing is CPU-bound, partly in Python: threads would serialise on the
    GIL) with at most two chunks per worker in flight, so memory stays flat however many files
    there are."""
    stamps = Stamps()
    planned = chunks(jobs, workers)
    if workers <= 1 or len(planned) <= 1:
        for number, chunk in enumerate(planned):
            yield process_chunk(client, s3, chunk, [stamps.next() for _ in chunk], sink, number)
        return
    # fork: workers start in milliseconds and inherit the imported modules; they only run
    # `process_chunk` (boto3, the parser, pyarrow's parquet writer), never dlt.
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    with ProcessPoolExecutor(
        max_workers=min(workers, len(planned)),
        mp_context=context,
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        pending: deque[Future[ChunkOutcome]] = deque()
        for number, chunk in enumerate(planned):
            chunk_stamps = [stamps.next() for _ in chunk]
            pending.append(pool.submit(_process_in_worker, s3, chunk, chunk_stamps, sink, number))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
