"""Idempotency: the whole pipeline run again over unchanged sources, or over a past window and past
files, leaves every table as it was (row counts of every model and checksums of every mart)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Project, load_summary
from tests.reliability.conftest import (
    BUILD_SCHEMAS,
    PUBLISHED_SCHEMAS,
    RAW_SCHEMAS,
    Reference,
    Sources,
    differences,
    table_checksums,
)

pytestmark = pytest.mark.slow


def pipeline(project: Project, *load_args: str) -> str:
    """What the nightly cron line runs; returns the load's output."""
    output = project.elt("load", *load_args).stdout
    project.build()
    project.elt("release")
    return output


def row_counts(checksums: dict[str, tuple[int, str]]) -> dict[str, int]:
    return {table: rows for table, (rows, _) in checksums.items()}


def test_the_pipeline_run_again_and_over_past_windows_and_files_changes_nothing(
    tmp_path: Path, reference: Reference
) -> None:
    project = reference.copy(tmp_path / "again")
    releases = project.scalar("select count(*) from quality.release_history where status = 'published'")
    assert reference.build and reference.published, "the reference built and released something"

    # 1. The same run again, nothing new at the sources.
    again = pipeline(project)
    assert "unchanged files" in again
    raw, build = table_checksums(project, RAW_SCHEMAS), table_checksums(project, BUILD_SCHEMAS)
    published = table_checksums(project, PUBLISHED_SCHEMAS)
    assert row_counts(raw) == row_counts(reference.raw), "RAW holds each version once"
    assert row_counts(build) == row_counts(reference.build), "no model gained or lost rows"
    assert not differences(build, reference.build)
    assert not differences(published, reference.published)

    # 2. A past window read again (every watermark ignored) and every past file loaded again.
    last_file_load = project.scalar("select max(_dlt_load_id) from raw_service_csv.service_records")
    refreshed = pipeline(project, "--full-refresh")
    fetched = load_summary(refreshed, "fetched")
    assert sum(fetched.values()) > sum(load_summary(again, "fetched").values())
    assert project.scalar("select min(_dlt_load_id) from raw_service_csv.service_records") > last_file_load
    assert not differences(table_checksums(project, RAW_SCHEMAS), reference.raw)
    assert not differences(table_checksums(project, BUILD_SCHEMAS), reference.build)
    assert not differences(table_checksums(project, PUBLISHED_SCHEMAS), reference.published)
    assert (
        project.scalar("select count(*) from quality.release_history where status = 'published'")
        == releases + 2
    )

    # 3. Run after run, the pipelines dir keeps no copy of what landed: every load package is
    #    recorded there, its load files are deleted once it has loaded.
    pipelines = Path(project.env["ELT_PIPELINES_DIR"])
    loaded = sorted(pipelines.glob("*/load/loaded/*"))
    assert {path.parent.parent.parent.name for path in loaded} >= {"pestroutes", "service_csv"}
    load_files = [job for package in loaded for job in package.glob("*_jobs/*") if job.is_file()]
    assert not load_files, f"{len(load_files)} load files kept, e.g. {load_files[0]}"


def test_a_warehouse_that_lost_its_raw_data_is_loaded_whole_again(
    tmp_path: Path, sources: Sources, reference: Reference
) -> None:
    """dlt keeps its watermarks in the project's working folder too: when the warehouse no longer
    has the RAW datasets (a new database at the same address, a deleted DuckDB file, a dropped
    schema), the next load must read everything again, not only what is newer than the
    watermarks of data that is gone."""
    project = sources.project(tmp_path)
    project.elt("load")
    for schema in RAW_SCHEMAS:
        project.query(f"drop schema {schema} cascade")
    project.elt("load")
    assert not differences(table_checksums(project, RAW_SCHEMAS), reference.raw)
