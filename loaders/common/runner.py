"""Run a dlt source into its RAW dataset: finish interrupted loads, extract, normalize, load."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo

from elt import warehouse
from loaders.common.report import LoadReport

log = logging.getLogger(__name__)


def run_source(
    pipeline_name: str,
    dataset_name: str,
    source: Any,
    report: LoadReport,
    *,
    workers: int = 5,
    count_landed: Callable[[Any, str], None] | None = None,
) -> LoadInfo | None:
    """Load `source`; record the load id and (via `count_landed`) the rows it landed."""
    started = time.monotonic()
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=warehouse.dlt_destination(),
        dataset_name=dataset_name,
        pipelines_dir=str(warehouse.pipelines_dir()),
    )
    if pipeline.has_pending_data:
        # A previous run was interrupted after extracting: land that package first so its
        # watermarks and rows are not lost or loaded twice.
        log.warning("%s: finishing an interrupted load before starting a new one", pipeline_name)
        pipeline.normalize()
        pipeline.load()
    pipeline.extract(source, workers=workers)
    pipeline.normalize()
    info = pipeline.load()
    report.duration_seconds = time.monotonic() - started
    if info.loads_ids:
        report.load_id = info.loads_ids[-1]
        if count_landed is not None:
            with pipeline.sql_client() as client:
                count_landed(client, report.load_id)
    return info
