"""Files downloaded and parsed in worker processes, a few consecutive files (a chunk) per task, with
a bounded number of tasks in flight so memory stays flat however many files there are.

With a sink (DuckDB), each worker appends the records of every chunk it parses to one parquet
file of its own (`tables.RecordsWriter`), closed when the last chunk is done: a load hands dlt
one records file per worker, whatever the number of files it read.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from loaders.common.lineage import utc_now
from loaders.service_csv.files import FileOutcome, Job, process
from loaders.service_csv.s3 import S3Settings, s3_client
from loaders.service_csv.tables import FileSink, RecordsFile, RecordsWriter

# Files are handed to workers in chunks of about this many bytes of CSV (~85k rows): a worker
# holds one chunk's records at a time, and the chunk is the unit of load balancing.
CHUNK_BYTES = 32 * 2**20

# What a worker process keeps across its tasks: one S3 client (boto3 clients are not shared
# across processes) and, with a sink, the writer of its records file.
_worker_state: dict[str, Any] = {}


@dataclass
class ChunkOutcome:
    """The outcomes of a few consecutive files read by one worker. The last item
    `chunk_outcomes` yields with a sink has no outcomes: it names the records files written."""

    outcomes: list[FileOutcome]
    records_files: list[RecordsFile] = field(default_factory=list)


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
    writer: RecordsWriter | None,
) -> ChunkOutcome:
    """Each file of the chunk through `process`; with a `writer`, their records are appended to
    its file and leave the outcomes (only the rejects, small, travel back to the resource)."""
    outcomes = [process(client, s3, job, stamp) for job, stamp in zip(jobs, stamps, strict=True)]
    if writer is not None:
        tables = [o.records for o in outcomes if o.records is not None and o.records.num_rows]
        for outcome in outcomes:
            outcome.records = None
        if tables:
            writer.write(pa.concat_tables(tables))
    return ChunkOutcome(outcomes)


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
    s3: S3Settings, jobs: list[Job], stamps: list[datetime], sink: FileSink | None, worker: int
) -> ChunkOutcome:
    client = _worker_state.get("client")
    if client is None:
        client = _worker_state["client"] = s3_client(s3)
    writer = None
    if sink is not None:
        writer = _worker_state.get("writer")
        if writer is None:
            writer = _worker_state["writer"] = sink.writer(worker)
    return process_chunk(client, s3, jobs, stamps, writer)


def _close_in_worker() -> RecordsFile | None:
    writer = _worker_state.pop("writer", None)
    return writer.close() if writer is not None else None


def chunk_outcomes(
    client: Any, s3: S3Settings, jobs: list[Job], workers: int, sink: FileSink | None = None
) -> Iterator[ChunkOutcome]:
    """Each chunk's outcome, in key order, then (with a sink) the records files. With several
    workers, files are downloaded and parsed in worker processes (parsing is CPU-bound, partly in
    Python: threads would serialise on the GIL) with at most two chunks per worker in flight, so
    memory stays flat however many files there are."""
    stamps = Stamps()
    planned = chunks(jobs, workers)
    if workers <= 1 or len(planned) <= 1:
        writer = sink.writer(0) if sink is not None else None
        for chunk in planned:
            yield process_chunk(client, s3, chunk, [stamps.next() for _ in chunk], writer)
        if writer is not None:
            yield ChunkOutcome([], [f for f in [writer.close()] if f is not None])
        return
    # fork: workers start in milliseconds and inherit the imported modules; they only run
    # `process_chunk` (boto3, the parser, pyarrow's parquet writer), never dlt.
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    # One single-process pool per worker, not one pool of `workers` processes: each worker keeps
    # its records file open across its chunks, and only a pool of its own can be asked to close
    # that worker's file at the end.
    pools = [
        ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_die_with_parent, initargs=(os.getpid(),)
        )
        for _ in range(min(workers, len(planned)))
    ]
    try:
        pending: deque[tuple[int, Future[ChunkOutcome]]] = deque()

        def least_busy() -> int:
            busy = [0] * len(pools)
            for worker, future in pending:
                busy[worker] += not future.done()
            return busy.index(min(busy))

        for chunk in planned:
            worker = least_busy()
            chunk_stamps = [stamps.next() for _ in chunk]
            pending.append(
                (worker, pools[worker].submit(_process_in_worker, s3, chunk, chunk_stamps, sink, worker))
            )
            if len(pending) >= 2 * len(pools):
                yield pending.popleft()[1].result()
        while pending:
            yield pending.popleft()[1].result()
        if sink is not None:
            closing = [pool.submit(_close_in_worker) for pool in pools]
            yield ChunkOutcome([], [f for f in (c.result() for c in closing) if f is not None])
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
