"""`elt status`: the last runs, how fresh each source is, and what analysts are reading.

Everything is read through `loaders.common.warehouse.Reader` with portable SQL, so it works on every target.
Freshness compares the newest `loaded_at_field` of each source's tables with the thresholds
declared in the dbt sources YAML (the same ones `dbt source freshness` uses).
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from elt.runs import DATASET, RUNS
from loaders.common import warehouse
from loaders.common.warehouse import Reader

SOURCES_YAML = warehouse.REPO_ROOT / "dbt" / "models" / "raw"
PERIODS = {"minute": 60, "hour": 3600, "day": 86400}


def _safe(reader: Reader, sql: str) -> list[tuple[Any, ...]]:
    try:
        return reader.query(sql)
    except Exception:  # a schema that does not exist yet: nothing loaded or released so far
        _rollback(reader)
        return []


def _rollback(reader: Reader) -> None:
    # On PostgreSQL a failed statement aborts the transaction; the next query needs a clean one.
    rollback = getattr(getattr(reader, "_conn", None), "rollback", None)
    if callable(rollback):
        try:
            rollback()
        except Exception:  # noqa: BLE001, S110 - DuckDB without an open transaction
            pass


@dataclass
class Freshness:
    source: str
    schema: str
    loaded_at_field: str
    warn_after: timedelta | None
    error_after: timedelta | None
    tables: list[str]


def _period(spec: dict[str, Any] | None) -> timedelta | None:
    if not spec or spec.get("count") is None:
        return None
    return timedelta(seconds=int(spec["count"]) * PERIODS[str(spec.get("period", "hour"))])


def freshness_rules() -> list[Freshness]:
    """Each dbt source with a freshness rule, from dbt/models/raw/*sources.yml."""
    rules = []
    for path in sorted(SOURCES_YAML.glob("*sources.yml")):
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources", []):
            config = source.get("config", {}) or {}
            freshness = config.get("freshness") or source.get("freshness")
            field = config.get("loaded_at_field") or source.get("loaded_at_field")
            if not freshness or not field:
                continue
            rules.append(
                Freshness(
                    source["name"],
                    source.get("schema", source["name"]),
                    field,
                    _period(freshness.get("warn_after")),
                    _period(freshness.get("error_after")),
                    # A table that opts out (`freshness: null`, e.g. a periodic sweep) is not
                    # the source's freshness.
                    [
                        t["name"]
                        for t in source.get("tables", [])
                        if "freshness" not in (t.get("config") or {}) or (t.get("config") or {})["freshness"]
                    ],
                )
            )
    return rules


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h"


def duckdb_query_hint(sql: str = "select * from analytics.fct_appointments limit 5") -> str:
    """A command that reads a published mart from anywhere: the interpreter and the warehouse file
    by absolute path (a relative one, run from another folder, opens a new empty database)."""
    db = json.dumps(str(warehouse.duckdb_path()))  # double-quoted: the shell's quotes stay simple
    code = f"import duckdb; duckdb.connect({db}, read_only=True).sql({json.dumps(sql)}).show()"
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def demo_hint() -> str:
    """What `make demo` ends with on DuckDB: where the warehouse is and how to query it."""
    return f"warehouse: {warehouse.duckdb_path()}\n  query a published mart: {duckdb_query_hint()}"


def render_status(last: int = 10, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    lines = [f"warehouse: {warehouse.describe()}"]
    with Reader() as reader:
        runs = _safe(
            reader,
            "select run_id, source, started_at, duration_seconds, status, rows_landed, api_calls, "
            f"retries, wait_seconds, error from {DATASET}.{RUNS} order by started_at desc, source "
            f"limit {int(last)}",
        )
        lines.append(f"last {len(runs)} runs ({DATASET}.{RUNS}):" if runs else "no runs recorded yet")
        for run_id, source, started, seconds, status, landed, calls, retries, waited, error in runs:
            lines.append(
                f"  {run_id}  {source:<12} {status:<8} {_utc(started):%Y-%m-%d %H:%M:%S}Z "
                f"{float(seconds or 0):>7.1f}s  landed {landed or 0:>8}  {calls or 0:>6} calls  "
                f"{retries or 0:>3} retries  {float(waited or 0):>6.1f}s waited"
            )
            if error:
                lines.append(f"      {str(error)[:200]}")
        lines.append("freshness (newest extract vs the dbt source thresholds):")
        for rule in freshness_rules():
            known = set(reader.tables(rule.schema))
            newest: datetime | None = None
            for table in rule.tables:
                if table.lower() not in known:
                    continue
                value = _safe(reader, f"select max({rule.loaded_at_field}) from {rule.schema}.{table}")
                stamp = _utc(value[0][0]) if value else None
                if stamp is not None and (newest is None or stamp > newest):
                    newest = stamp
            if newest is None:
                lines.append(f"  {rule.source:<12} never loaded")
                continue
            age = now - newest
            state = "ok"
            if rule.error_after is not None and age > rule.error_after:
                state = f"ERROR (older than {_age(rule.error_after)})"
            elif rule.warn_after is not None and age > rule.warn_after:
                state = f"WARN (older than {_age(rule.warn_after)})"
            lines.append(
                f"  {rule.source:<12} newest extract {newest:%Y-%m-%d %H:%M:%S}Z, {_age(age)} ago: {state}"
            )
        from loaders.registry import SOURCES

        for source in SOURCES.values():
            try:
                problems = source.attention(reader)
            except Exception as exc:  # status still shows the rest when one source's table is odd
                _rollback(reader)
                problems = [f"could not read what needs attention ({type(exc).__name__})"]
            lines.extend(f"attention {source.name}: {problem}" for problem in problems)
        releases = _safe(
            reader,
            "select release_id, released_at, status, checks_passed, checks_total, failures "
            f"from quality.release_history order by released_at desc limit {int(last)}",
        )
        current = next((r for r in releases if r[2] == "published"), None)
        lines.append(
            f"current release: {current[0]} published {current[1]} ({current[3]}/{current[4]} checks)"
            if current
            else "current release: none published yet (run `elt release` after `dbt build`)"
        )
        if current and warehouse.target() == "duckdb":
            lines.append(f"  query it: {duckdb_query_hint()}")
        for release_id, released_at, status, passed, total, failures in releases:
            note = f"  {failures[:120]}" if failures else ""
            lines.append(f"  {release_id}  {status:<9} {passed}/{total} checks at {released_at}{note}")
    return "\n".join(lines)
