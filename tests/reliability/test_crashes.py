"""Crashes: `elt load` and `dbt build` killed with SIGKILL at many points, then run again, end with
exactly what a run never interrupted leaves (reference): no row lost, none duplicated.

The kill points are found from the outside, with no hook in the product: the sandbox's request
log (mid-extraction; the sandbox's latency option widens that window), the S3 fault proxy's
request log (used here as a plain pass-through that counts requests), and dlt's pipeline working
directory, whose folders say which step a load package is in:

    normalize/<random>/<load id>/        extraction in progress (isolated: dropped if killed)
    normalize/extracted/<load id>/       extracted, waiting for or in normalisation
    load/new/<load id>/                  being normalised
    load/normalized/<load id>/           normalised; during the warehouse write its jobs move
                                         from new_jobs/ to started_jobs/ and completed_jobs/
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.service_csv.fault_proxy import RunningProxy, start_fault_proxy
from tests.conftest import BIN, REPO, SCHEDULED_BUILD, Project
from tests.reliability.conftest import (
    BUILD_SCHEMAS,
    RAW_SCHEMAS,
    Reference,
    Sources,
    differences,
    table_checksums,
)

pytestmark = pytest.mark.slow

Condition = Callable[[], bool]


def _nonempty(pattern: str, root: Path) -> bool:
    return any(path.is_file() for path in root.glob(pattern))


class Points:
    """Conditions on a project's pipeline folders and on the sources' request logs."""

    def __init__(self, project: Project, sources: Sources, proxy: RunningProxy) -> None:
        self.pipelines = project.root / "pipelines"
        self.sources = sources
        self.proxy = proxy

    def api_requests(self, at_least: int) -> Condition:
        return lambda: len(self.sources.server.simulator.request_log()) >= at_least

    def file_downloads(self, at_least: int) -> Condition:
        def downloaded() -> bool:
            gets = [r for r in self.proxy.plan.requests() if r["method"] == "GET" and ".csv" in r["path"]]
            return len(gets) >= at_least

        return downloaded

    def normalizing(self, pipeline: str) -> Condition:
        # An extracted package exists and normalisation has started writing its output.
        root = self.pipelines / pipeline
        return lambda: (
            _nonempty("normalize/extracted/*/new_jobs/*", root) and _nonempty("load/new/*/new_jobs/*", root)
        )

    def writing(self, pipeline: str) -> Condition:
        # Some jobs of the normalised package reached the warehouse, others did not yet.
        root = self.pipelines / pipeline
        return lambda: (
            _nonempty("load/normalized/*/new_jobs/*", root)
            and (
                _nonempty("load/normalized/*/started_jobs/*", root)
                or _nonempty("load/normalized/*/completed_jobs/*", root)
            )
        )


def processes_of(project: Project) -> list[int]:
    """PIDs of live processes started for `project` (their environment names its folder):
    a killed loader must not leave its worker processes behind."""
    marker = f"DLT_PROJECT_DIR={project.root}".encode() + b"\0"
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:  # ended meanwhile, or not ours to read
                continue
    return found


def kill_when(
    project: Project, args: list[str], where: str, condition: Condition, timeout: float = 300
) -> str:
    """Start `args` in the project, SIGKILL it the moment `condition` holds; return its stderr."""
    with (project.root / "stderr.log").open("w+") as stderr:
        process = subprocess.Popen(
            [str(BIN / args[0]), *args[1:]],
            cwd=REPO,
            env=project.env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        deadline = time.monotonic() + timeout
        try:
            while process.poll() is None and not condition():
                if time.monotonic() > deadline:
                    raise AssertionError(f"{args}: the kill point ({where}) never came")
                time.sleep(0.002)
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait()
        stderr.seek(0)
        output = stderr.read()
    ended = f"{args} ended before the kill point ({where}):\n{output[-2000:]}"
    assert process.returncode == -signal.SIGKILL, ended
    return output


@pytest.fixture
def counting_proxy(sources: Sources) -> Iterator[RunningProxy]:
    running = start_fault_proxy(sources.moto.endpoint_url)
    yield running
    running.stop()


def test_a_load_killed_anywhere_then_rerun_ends_as_if_never_interrupted(
    tmp_path: Path, sources: Sources, counting_proxy: RunningProxy, reference: Reference
) -> None:
    project = sources.project(tmp_path, counting_proxy.endpoint_url)
    points = Points(project, sources, counting_proxy)
    try:
        sources.server.simulator.set_latency(0.02)  # a few seconds of extraction to land a kill in
        # Each run starts where the previous, killed one stopped. A kill during extraction leaves
        # nothing to finish (dlt drops the half-written package and its state with it); a kill
        # after extraction leaves a package the next run must land first (third column).
        kills = [
            ("pestroutes: early in extraction", points.api_requests(10), None),
            ("pestroutes: late in extraction", points.api_requests(80), None),
            ("pestroutes: during normalisation", points.normalizing("pestroutes"), "pestroutes"),
            ("pestroutes: during the warehouse write", points.writing("pestroutes"), "pestroutes"),
            ("service_csv: during extraction", points.file_downloads(3), None),
            ("service_csv: during normalisation", points.normalizing("service_csv"), "service_csv"),
            ("service_csv: during the warehouse write", points.writing("service_csv"), "service_csv"),
        ]
        runs = []  # stderr of each run
        for where, condition, _ in kills:
            sources.server.simulator.clear_requests()
            counting_proxy.plan.log.clear()
            runs.append(kill_when(project, ["elt", "load"], where, condition))
        sources.server.simulator.set_latency(0)
        runs.append(project.elt("load").stderr)
    finally:
        sources.reset()
    assert not processes_of(project), "a killed load left worker processes running"
    if project.target == "duckdb":  # only DuckDB loads import the workers' parquet files
        imports = project.root / "pipelines" / "service_csv" / "service_csv_import"
        leftovers = sorted(p.name for p in imports.iterdir()) if imports.exists() else []
        assert not leftovers, f"killed loads left their workers' files behind: {leftovers}"

    for (where, _, pending), following in zip(kills, runs[1:], strict=True):
        if pending:
            assert f"{pending}: finishing an interrupted load" in following, where
        else:
            assert "finishing an interrupted load" not in following, where
    assert not differences(table_checksums(project, RAW_SCHEMAS), reference.raw)
    project.build()
    assert not differences(table_checksums(project, BUILD_SCHEMAS), reference.build)


def _dbt_models_done(project: Project, at_least: int) -> Condition:
    log = project.root / "logs" / "dbt.log"

    def done() -> bool:
        try:
            text = log.read_text(errors="replace")
        except FileNotFoundError:
            return False
        return text.count(" OK created ") >= at_least

    return done


def test_dbt_build_killed_mid_run_then_rerun_builds_what_an_uninterrupted_build_does(
    tmp_path: Path, sources: Sources, reference: Reference
) -> None:
    project = sources.project(tmp_path)
    project.elt("load")
    # The first build is killed after 5 models, the second (which meets those 5, some incremental,
    # already there) after 30; the third completes.
    for models_done in (5, 30):
        (project.root / "logs" / "dbt.log").unlink(missing_ok=True)
        where = f"after {models_done} models"
        build = ["dbt", *SCHEDULED_BUILD]
        kill_when(project, build, where, _dbt_models_done(project, models_done))
    project.build()

    assert not differences(table_checksums(project, BUILD_SCHEMAS), reference.build)
