"""`elt status`: the last loads, how fresh each RAW table is, and what analysts are reading."""

from __future__ import annotations

from typing import Any

from elt import warehouse
from elt.warehouse import Reader
from loaders import SOURCES


def _safe(reader: Reader, sql: str) -> list[tuple[Any, ...]]:
    try:
        return reader.query(sql)
    except Exception:  # a schema that does not exist yet: nothing loaded or released so far
        return []


def render_status(last: int = 5) -> str:
    lines = [f"warehouse: {warehouse.describe()}"]
    with Reader() as reader:
        for source in SOURCES:
            dataset = f"raw_{source}"
            loads = _safe(
                reader,
                f"select load_id, status, inserted_at from {dataset}._dlt_loads "
                f"order by load_id desc limit {last}",
            )
            lines.append(f"{source}: last {len(loads)} loads")
            for load_id, status, inserted_at in loads:
                lines.append(f"  load {load_id}  status {status}  at {inserted_at}")
            for table in reader.tables(dataset):
                if table.startswith("_dlt"):
                    continue
                fresh = _safe(reader, f"select max(_extracted_at), count(*) from {dataset}.{table}")
                if fresh:
                    lines.append(f"  {table:<28} rows {fresh[0][1]:>9}  newest extract {fresh[0][0]}")
        releases = _safe(
            reader,
            "select release_id, released_at, status, checks_passed, checks_total, failures "
            f"from quality.release_history order by released_at desc limit {last}",
        )
        current = next((r for r in releases if r[2] == "published"), None)
        lines.append(
            f"current release: {current[0]} published {current[1]} ({current[3]}/{current[4]} checks)"
            if current
            else "current release: none published yet (run `elt release` after `dbt build`)"
        )
        for release_id, released_at, status, passed, total, failures in releases:
            note = f"  {failures[:120]}" if failures else ""
            lines.append(f"  {release_id}  {status:<9} {passed}/{total} checks at {released_at}{note}")
    return "\n".join(lines)
