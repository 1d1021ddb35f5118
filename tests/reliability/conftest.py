"""Shared by the fault, crash and idempotency tests: one small world of sources, a clean reference
run through it, and order-independent checksums of every table a run leaves behind.

The sandbox (two PestRoutes offices) and the moto bucket are started once and never ticked, so
every project loading them sees the same source data; tests that inject faults or latency take
them off again. `reference` is a run nothing disturbed: `elt load`, `dbt build`, `elt release`.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox.offices import OfficeSpec, sandbox_offices
from sandbox.server import start_sandbox_server
from sandbox.service_csv import s3 as sandbox_s3
from sandbox.service_csv.generator import CorpusConfig, ExportFile, Mess
from tests.conftest import Project

# Columns whose values legitimately differ between two runs over the same source data: which
# load brought a row and when. Everything else must be equal.
VOLATILE_COLUMNS = frozenset(
    {
        "_dlt_load_id",  # RAW: dlt's load id (a timestamp)
        "_dlt_id",  # RAW: dlt's random row id
        "_extracted_at",  # RAW: when the loader read the record
        "dlt_load_id",  # staging: the RAW load id carried along (drives incremental runs)
        "extracted_at",  # staging: the RAW `_extracted_at` carried along
        "loaded_at",  # raw_service_csv.file_manifest / stg_service_csv__file_reconciliation
    }
)
RAW_SCHEMAS = ("raw_pestroutes", "raw_service_csv")
BUILD_SCHEMAS = ("staging", "audit_marts", "audit_ml")
PUBLISHED_SCHEMAS = ("analytics", "ml")

SEED = 31
BUCKET = "service-exports-reliability"
MESS = Mess(over_long=0.05, quoted=0.05, blank=0.02, unrecoverable=0.02, duplicate=0.05,
            bom_files=0.3, cp1252_files=0.3, truncated_files=0.3, drift_files=0.3, reupload=0.5)  # fmt: skip
CORPUS = CorpusConfig(seed=SEED, initial_files=4, files_per_day=2, rows_per_file=150, mess=MESS)


def _canonical(value: Any) -> str:
    # Sums of doubles may differ in the last bits with the order threads add them in.
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.10g}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    return repr(value)


def table_checksums(
    project: Project, schemas: tuple[str, ...], ignore: frozenset[str] = VOLATILE_COLUMNS
) -> dict[str, tuple[int, str]]:
    """{schema.table: (rows, checksum)} for every table of `schemas` but dlt's own bookkeeping.

    The checksum is over the multiset of rows (sorted, so row order does not matter; duplicates
    count) with the columns in `ignore` left out; computed in Python from plain selects so it
    reads the same on every warehouse the helper API reaches.
    """
    listed = ", ".join(f"'{s}'" for s in schemas)
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in project.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema in ({listed}) order by table_schema, table_name, ordinal_position"
    ):
        if not table.startswith("_dlt"):
            columns.setdefault((schema, table), []).append(column)
    found = {}
    for (schema, table), names in sorted(columns.items()):
        kept = [n for n in names if n not in ignore]
        quoted = ", ".join(f'"{name}"' for name in kept)
        rows = project.query(f"select {quoted} from {schema}.{table}")
        lines = Counter("|".join(_canonical(v) for v in row) for row in rows)
        digest = hashlib.sha256("\n".join(f"{n}x{line}" for line, n in sorted(lines.items())).encode())
        found[f"{schema}.{table}"] = (len(rows), digest.hexdigest()[:16])
    return found


def differences(actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """The tables whose rows or checksums differ, for a readable assertion message."""
    return [
        f"{table}: {actual.get(table)} != {expected.get(table)}"
        for table in sorted(set(actual) | set(expected))
        if actual.get(table) != expected.get(table)
    ]


@dataclass
class Sources:
    server: Any  # sandbox.server.RunningSandbox
    moto: sandbox_s3.RunningMoto
    offices: list[OfficeSpec]
    files: list[ExportFile]

    def project(
        self, root: Path, s3_endpoint: str | None = None, s3: dict[str, Any] | None = None, **settings: Any
    ) -> Project:
        """A project loading both sources (S3 through `s3_endpoint`, e.g. a fault proxy); `s3`
        adds [sources.service_csv] keys, `settings` [sources.pestroutes] keys."""
        project = Project(
            root,
            self.server.url,
            self.offices,
            settings={"search_cap": 150, **settings},
            sources=("pestroutes", "service_csv"),
        )
        project.read_exports_from(s3_endpoint or self.moto.endpoint_url, BUCKET, **(s3 or {}))
        project.write_config()
        # Tests here also run dbt in subprocesses of their own (cron chains, killed builds).
        project.reuse_dbt_parse(build=False)
        return project

    def reset(self) -> None:
        self.server.simulator.clear_faults()
        self.server.simulator.set_latency(0)


@pytest.fixture(scope="session")
def sources() -> Iterator[Sources]:
    offices = sandbox_offices(seed=SEED, count=2)
    server = start_sandbox_server(
        port=0, offices=offices, seed=SEED, scale=0.1, search_cap=150, fault_timeout=3.0
    )
    moto = sandbox_s3.start_moto(port=0)
    try:
        files = sandbox_s3.seed_bucket(moto.endpoint_url, CORPUS, range(2), bucket=BUCKET)
        yield Sources(server, moto, offices, files)
    finally:
        server.stop()
        moto.stop()


@dataclass
class Reference:
    project: Project
    raw: dict[str, tuple[int, str]]
    build: dict[str, tuple[int, str]]
    published: dict[str, tuple[int, str]]

    def copy(self, root: Path) -> Project:
        """A project holding the reference's warehouse and pipeline state, to run more on."""
        copied = self.project.copy(root)
        copied.write_config()  # same sources; the copy's paths come from its own root
        return copied


@pytest.fixture(scope="session")
def reference(sources: Sources, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    project = sources.project(tmp_path_factory.mktemp("reference"))
    project.elt("load")
    project.build()
    project.elt("release")
    return Reference(
        project,
        table_checksums(project, RAW_SCHEMAS),
        table_checksums(project, BUILD_SCHEMAS),
        table_checksums(project, PUBLISHED_SCHEMAS),
    )
