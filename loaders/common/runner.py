"""Run a dlt source into its RAW dataset: finish interrupted loads, extract, normalize, load."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo
from dlt.pipeline.exceptions import PipelineStepFailed

from loaders.common import warehouse
from loaders.common.errors import LoaderError
from loaders.common.report import LoadReport

log = logging.getLogger(__name__)


def run_source(
    pipeline_name: str,
    dataset_name: str,
    make_source: Callable[[], Any],
    report: LoadReport,
    *,
    workers: int = 5,
    after_load: Callable[[Any, str], None] | None = None,
    dlt_settings: Mapping[str, str] | None = None,
) -> LoadInfo | None:
    """Load the source `make_source` builds (dlt wants the pipeline active before a source reads
    its state); record the load id, then call `after_load(sql_client, load_id)` (e.g. to count
    what landed). `dlt_settings` (dlt's environment keys, e.g. LOAD__PARALLELISM_STRATEGY) hold
    for this run only: the next source in the same `elt load` starts from the user's own."""
    settings = project_dlt_settings()
    settings.update(dlt_settings or {})
    with scoped_environment(settings):
        return _run(pipeline_name, dataset_name, make_source, report, workers, after_load)


def project_dlt_settings() -> dict[str, str]:
    """dlt's settings for every pipeline this project runs (each source's and the run summaries'),
    set around each run with scoped_environment."""
    settings: dict[str, str] = {
        # dlt keeps every load file of every completed load in the pipelines dir unless told
        # not to: 11 GB after one load of 17 M service-export rows (the warehouse itself took
        # 2.2 GB), again with every nightly run. Landed rows are in RAW, so delete them once a
        # package has loaded (dlt keeps a package's files when any of its jobs failed, and its
        # state and schema updates either way). LOAD__DELETE_COMPLETED_JOBS=false keeps them.
        "LOAD__DELETE_COMPLETED_JOBS": "true",
    }
    if warehouse.target() == "postgres":
        # dlt gzips its load files by default. PostgreSQL's COPY reads them through this process
        # either way, so compression only costs CPU: three quarters of normalize's time in
        # `make bench-postgres` before this line.
        settings["DATA_WRITER__DISABLE_COMPRESSION"] = "true"
    return settings


def one_line(text: str, limit: int = 400) -> str:
    """An error's first line, whitespace collapsed, shortened at a word boundary (never mid-word)."""
    line = " ".join((text.strip().splitlines() or [""])[0].split())
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + " …"


@contextlib.contextmanager
def scoped_environment(settings: Mapping[str, str]) -> Iterator[None]:
    """Set dlt's settings for one source's run and restore the environment after it. A value the
    user set in the environment wins: these are defaults, not overrides."""
    before = {key: os.environ.get(key) for key in settings}
    for key, value in settings.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run(
    pipeline_name: str,
    dataset_name: str,
    make_source: Callable[[], Any],
    report: LoadReport,
    workers: int,
    after_load: Callable[[Any, str], None] | None,
) -> LoadInfo | None:
    started = time.monotonic()
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=warehouse.dlt_destination(),
        staging=warehouse.dlt_staging(),
        dataset_name=dataset_name,
        pipelines_dir=str(warehouse.pipelines_dir()),
    )
    try:
        if pipeline.has_pending_data:
            # A previous run was interrupted after extracting: land that package first so its
            # watermarks and rows are neither lost nor loaded twice.
            log.warning("%s: finishing an interrupted load before starting a new one", pipeline_name)
            pipeline.normalize()
            pipeline.load()
        else:
            # The warehouse, not this folder, says what has landed: dlt's `run` would sync with
            # it first, its separate steps do not. A dataset that is gone (a new database at the
            # same address, a deleted DuckDB file, a dropped schema) wipes the local state and
            # its watermarks, so everything is read again; a newer state there replaces ours.
            # Not with pending data: a first load killed before it landed has no dataset yet,
            # and its package must be finished, not wiped.
            pipeline.sync_destination()
        # The file format is chosen at extract (dlt keeps it per table in the package).
        pipeline.extract(
            make_source(),
            workers=workers,
            # dlt keeps at most `max_parallel_items` (20 by default) resource steps in flight,
            # whatever `workers` says: a step waiting on one office's rate window holds one, so
            # with many offices the others would queue behind it.
            max_parallel_items=max(workers, 20),
            loader_file_format=warehouse.loader_file_format(),
        )
        pipeline.normalize()
        info = pipeline.load()
    except PipelineStepFailed as exc:
        cause = exc.__cause__ or exc
        raise LoaderError(
            f"{pipeline_name}: the {exc.step} step failed ({type(cause).__name__}: {one_line(str(cause))}); "
            "the next run retries it"
        ) from exc
    report.duration_seconds = time.monotonic() - started
    if info.loads_ids:
        report.load_id = info.loads_ids[-1]
        if after_load is not None:
            with pipeline.sql_client() as client:
                after_load(client, report.load_id)
    return info
