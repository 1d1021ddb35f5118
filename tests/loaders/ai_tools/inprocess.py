"""`elt load ai_tools` run in this process against sandbox simulators (the Cursor, Windsurf and
Augment load tests use it): fast, and a test can share a fake clock between a simulator's rate
limit and the loader's read budget, so a limit of 10 or 20 calls a minute is kept (or not)
without a minute of real waiting.

    server = start_sandbox_server(port=0, seed=SEED, scale=0.2, simulators=["cursor"], cursor={...})
    run = InProcess.start(tmp_path, server, monkeypatch, "cursor", cursor={"page_size": 50})
    report = run.load("cursor")
    run.latest_reads("cursor_usage_events")   # the rows staging keeps (ai_tools_latest_reads)
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from loaders.common.config import env_var
from loaders.common.report import LoadReport
from sandbox import registry
from sandbox.framework import LoaderContext
from sandbox.server import RunningSandbox


class FakeClock:
    """Monotonic seconds that move only when someone sleeps: the simulator reads it, the loader's
    read budget sleeps on it (thread-safe: dlt extracts tables in parallel)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.slept = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)
            self.slept += max(0.0, seconds)


@dataclass
class InProcess:
    root: Path
    server: RunningSandbox

    @classmethod
    def start(
        cls,
        root: Path,
        server: RunningSandbox,
        monkeypatch: pytest.MonkeyPatch,
        *tools: str,
        **settings: dict[str, Any],
    ) -> InProcess:
        """Configure `tools` as `elt sandbox up` would (their spec's loader sections, as
        environment variables) plus `settings` per tool; every other AI tool is left out."""
        for variable in list(os.environ):
            if variable.startswith("SOURCES__AI_TOOLS"):
                monkeypatch.delenv(variable)
        monkeypatch.setenv("ELT_TARGET", "duckdb")
        monkeypatch.setenv("ELT_DUCKDB_PATH", str(root / "warehouse.duckdb"))
        monkeypatch.setenv("ELT_PIPELINES_DIR", str(root / "pipelines"))
        for tool in tools:
            simulator = server.simulators[tool]
            context = LoaderContext(
                server_url=server.url,
                mount_url=server.mount_url(tool),
                seed=simulator.seed,
                scale=simulator.scale,
                # The simulator's own limits, so the spec configures the loader to keep them.
                options={
                    "per_minute": simulator.per_minute,
                    "burst": simulator.burst or simulator.per_minute,
                },
                state={},
            )
            for section, values in registry.get(tool).loader_sections(context).items():
                for key, value in values.items():
                    monkeypatch.setenv(env_var(f"{section}.{key}"), str(value))
        for tool, values in settings.items():
            for key, value in values.items():
                monkeypatch.setenv(env_var(f"sources.ai_tools.{tool}.{key}"), str(value))
        return cls(root, server)

    def load(self, *tools: str, **kwargs: Any) -> LoadReport:
        from loaders.ai_tools import pipeline

        return pipeline.load(scopes=list(tools) or None, **kwargs)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.root / "warehouse.duckdb"), read_only=True) as conn:
            return conn.execute(sql).fetchall()

    def latest_reads(self, table: str, columns: str = "r.*") -> list[tuple[Any, ...]]:
        """The rows of a RAW table staging keeps: per (tool, day) those of the newest load that
        read the day whole (the rule of the dbt macro ai_tools_latest_reads)."""
        return self.query(
            f"select {columns} from raw_ai_tools.{table} r join ("
            "  select _tool, _report_day, max(_dlt_load_id) as newest from raw_ai_tools.report_days"
            f"  where table_name = '{table}' group by 1, 2"
            ") n on r._tool = n._tool and r._report_day = n._report_day and r._dlt_load_id = n.newest"
        )

    def text_holding(self, secret: str) -> list[str]:
        """Every warehouse text column and every file under the root holding `secret`."""
        found = []
        columns = self.query(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON')"
        )
        for schema, table, column in columns:
            where = f"cast(\"{column}\" as varchar) like '%{secret}%'"
            (hits,) = self.query(f'select count(*) from "{schema}"."{table}" where {where}')[0]
            if hits:
                found.append(f"{schema}.{table}.{column}")
        for path in self.root.rglob("*"):
            if path.is_file() and secret.encode() in path.read_bytes():
                found.append(str(path))
        return found
