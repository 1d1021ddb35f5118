"""Every `elt load` recorded in the warehouse: schema `ops`, written by dlt to the same destination.

`ops.load_runs` has one row per source per run (status ok | partial | failed, duration, totals,
error); `ops.load_run_entities` one row per source, office/workspace/bucket and entity (rows
fetched and landed); `ops.load_run_scopes` one row per office/workspace (API calls, retries,
seconds waited on rate limits, the read budget). Written through dlt so the same code works on
DuckDB, PostgreSQL and Snowflake; read back with plain portable SQL.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elt.logs import redact
from loaders.common import warehouse
from loaders.common.report import LoadReport, ScopeStats
from loaders.common.runner import project_dlt_settings, scoped_environment

log = logging.getLogger(__name__)

DATASET = "ops"
PIPELINE = "elt_ops"
RUNS = "load_runs"
ENTITIES = "load_run_entities"
SCOPES = "load_run_scopes"

_TEXT, _INT, _FLOAT, _TS, _BOOL = "text", "bigint", "double", "timestamp", "bool"

# Declared, not inferred: a column that is NULL in the first run (error) still exists, with the
# same type on every warehouse.
_COLUMN_TYPES: dict[str, dict[str, Any]] = {
    RUNS: {
        "run_id": ("text", False),
        "source": ("text", False),
        "started_at": ("timestamp", False),
        "finished_at": _TS,
        "duration_seconds": _FLOAT,
        "status": ("text", False),
        "error": _TEXT,
        "full_refresh": _BOOL,
        "selection": _TEXT,
        "load_id": _TEXT,
        "rows_fetched": _INT,
        "rows_landed": _INT,
        "api_calls": _INT,
        "retries": _INT,
        "wait_seconds": _FLOAT,
        "backoff_seconds": _FLOAT,
    },
    ENTITIES: {
        "run_id": ("text", False),
        "source": ("text", False),
        "scope": ("text", False),
        "entity": ("text", False),
        "mode": _TEXT,
        "rows_fetched": _INT,
        "rows_landed": _INT,
        "status": _TEXT,
        "error": _TEXT,
    },
    SCOPES: {
        "run_id": ("text", False),
        "source": ("text", False),
        "scope": ("text", False),
        "api_calls": _INT,
        "retries": _INT,
        "wait_seconds": _FLOAT,
        "backoff_seconds": _FLOAT,
        "reads_used_today": _INT,
        "reads_per_day": _INT,
        "budget_exhausted": _BOOL,
        "status": _TEXT,
        "error": _TEXT,
    },
}
# Fresh dicts per column: dlt completes the hints it is given in place.
COLUMNS: dict[str, dict[str, dict[str, Any]]] = {
    table: {
        name: {"data_type": kind[0], "nullable": kind[1]}
        if isinstance(kind, tuple)
        else {"data_type": kind, "nullable": True}
        for name, kind in columns.items()
    }
    for table, columns in _COLUMN_TYPES.items()
}


@dataclass
class SourceRun:
    """One source within one `elt load`: its report, or the error that stopped it."""

    run_id: str
    source: str
    started_at: datetime
    finished_at: datetime
    full_refresh: bool
    selection: str
    report: LoadReport
    error: str | None = None

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def status(self) -> str:
        if self.error:
            return "failed"
        if not self.report.failures:
            return "ok"
        landed = any(r.status.startswith("ok") for r in self.report.results.values())
        return "partial" if landed else "failed"

    def failure_lines(self) -> list[str]:
        lines = [redact(line) for line in self.report.failure_lines()]
        if self.error:
            lines.append(redact(self.error))
        return lines

    def scope_stats(self) -> dict[str, ScopeStats]:
        """Per office/workspace stats; a loader that keeps none gets one row for the whole source."""
        if self.report.scopes:
            return self.report.scopes
        scopes = {scope for scope, _ in self.report.results} - {"-"}
        name = next(iter(scopes)) if len(scopes) == 1 else "(all)"
        r = self.report
        return {name: ScopeStats(r.api_calls, r.retries, r.wait_seconds, r.backoff_seconds)}

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        r = self.report
        run = {
            "run_id": self.run_id,
            "source": self.source,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_seconds": round(self.duration_seconds, 3),
            "status": self.status,
            "error": "; ".join(self.failure_lines())[:4000] or None,
            "full_refresh": self.full_refresh,
            "selection": self.selection or None,
            "load_id": r.load_id,
            "rows_fetched": sum(e.fetched for e in r.results.values()),
            "rows_landed": sum(e.landed for e in r.results.values()),
            "api_calls": r.api_calls,
            "retries": r.retries,
            "wait_seconds": round(r.wait_seconds, 3),
            "backoff_seconds": round(r.backoff_seconds, 3),
        }
        entities = [
            {
                "run_id": self.run_id,
                "source": self.source,
                "scope": e.scope,
                "entity": e.entity,
                "mode": e.mode,
                "rows_fetched": e.fetched,
                "rows_landed": e.landed,
                "status": e.status,
                "error": redact(e.error)[:2000] if e.error else None,
            }
            for e in r.results.values()
        ]
        scopes = [
            {
                "run_id": self.run_id,
                "source": self.source,
                "scope": scope,
                "api_calls": s.api_calls,
                "retries": s.retries,
                "wait_seconds": round(s.wait_seconds, 3),
                "backoff_seconds": round(s.backoff_seconds, 3),
                "reads_used_today": s.reads_used_today,
                "reads_per_day": s.reads_per_day,
                "budget_exhausted": s.budget_exhausted,
                "status": "failed" if scope in r.failures else "ok",
                "error": redact(r.failures[scope])[:2000] if scope in r.failures else None,
            }
            for scope, s in self.scope_stats().items()
        ]
        return {RUNS: [run], ENTITIES: entities, SCOPES: scopes}

    def render(self) -> str:
        return f"{self.source}: run {self.run_id} {self.status} in {self.duration_seconds:.1f}s"


def _pipeline() -> Any:
    import dlt

    return dlt.pipeline(
        pipeline_name=PIPELINE,
        destination=warehouse.dlt_destination(),
        dataset_name=DATASET,
        pipelines_dir=str(warehouse.pipelines_dir()),
    )


def record(runs: list[SourceRun]) -> None:
    """Append the runs to the ops tables (one dlt load for all sources of this `elt load`)."""
    import dlt

    tables: dict[str, list[dict[str, Any]]] = {RUNS: [], ENTITIES: [], SCOPES: []}
    for run in runs:
        for table, rows in run.rows().items():
            tables[table].extend(rows)
    resources = [
        dlt.resource(rows, name=table, write_disposition="append", columns=COLUMNS[table])
        for table, rows in tables.items()
        if rows
    ]
    with scoped_environment(project_dlt_settings()):  # load files deleted once landed, as for sources
        _pipeline().run(resources)


class History:
    """Past runs read back from the ops tables with the loader's own connection."""

    def __init__(self, sql_client: Any) -> None:
        self.client = sql_client

    def _query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        try:
            return list(self.client.execute_sql(sql, *params) or [])
        except Exception as error:  # noqa: BLE001 - no ops tables before the first recorded run
            log.debug("no run history yet (%s)", type(error).__name__)
            return []

    def durations(self, source: str, full_refresh: bool, limit: int) -> list[float]:
        runs = self.client.make_qualified_table_name(RUNS)
        rows = self._query(
            f"select duration_seconds from {runs} where source = %s and status = 'ok' "
            f"and full_refresh = %s order by started_at desc limit {int(limit)}",
            source,
            full_refresh,
        )
        return [float(r[0]) for r in rows if r[0] is not None]

    def landed(self, source: str, full_refresh: bool, runs_back: int) -> dict[tuple[str, str], list[int]]:
        """{(scope, entity): rows landed by each of the last successful runs, newest first}."""
        runs = self.client.make_qualified_table_name(RUNS)
        entities = self.client.make_qualified_table_name(ENTITIES)
        rows = self._query(
            f"select e.scope, e.entity, e.rows_landed from {entities} e join {runs} r "
            "on r.run_id = e.run_id and r.source = e.source "
            "where e.source = %s and e.status like 'ok%%' and r.status in ('ok', 'partial') "
            f"and r.full_refresh = %s order by r.started_at desc limit {int(runs_back) * 1000}",
            source,
            full_refresh,
        )
        found: dict[tuple[str, str], list[int]] = {}
        for scope, entity, landed in rows:
            values = found.setdefault((scope, entity), [])
            if len(values) < runs_back and landed is not None:
                values.append(int(landed))
        return found


def open_history() -> Any:
    """A context manager yielding History on the warehouse the loads write to."""
    return _HistoryContext()


class _HistoryContext:
    def __enter__(self) -> History:
        self._cm = _pipeline().sql_client()
        try:
            client = self._cm.__enter__()
        except Exception as error:  # noqa: BLE001 - e.g. the dataset does not exist yet
            log.debug("no run history yet (%s)", type(error).__name__)
            self._cm = None
            return History(_NoClient())
        return History(client)

    def __exit__(self, *exc: object) -> None:
        if self._cm is not None:
            self._cm.__exit__(*exc)


class _NoClient:
    def make_qualified_table_name(self, name: str) -> str:
        return name

    def execute_sql(self, *args: Any) -> list[Any]:
        raise LookupError("no warehouse connection")


def median(values: list[float]) -> float:
    return float(statistics.median(values))
