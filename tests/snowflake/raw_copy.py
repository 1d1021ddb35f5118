"""Copy the RAW schemas of a DuckDB warehouse into a Snowflake database through the Snowflake
connector, with the column types dlt gives them on Snowflake (JSON -> VARIANT, timestamps with
time zone -> TIMESTAMP_TZ).

Why not `elt load` with ELT_TARGET=snowflake: dlt's Snowflake destination stages files with
PUT and loads them with COPY INTO, which fakesnow does not implement. The rows and types are
the same ones dlt writes, so dbt sees the RAW layer it would see on Snowflake.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

# DuckDB type (as DESCRIBE prints it) -> the Snowflake type dlt creates for the same column.
SNOWFLAKE_TYPES = {
    "JSON": "VARIANT",
    "VARCHAR": "VARCHAR",
    "BIGINT": "NUMBER(19,0)",
    "INTEGER": "NUMBER(19,0)",
    "DOUBLE": "FLOAT",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_TZ",
    "TIMESTAMP": "TIMESTAMP_NTZ",
}
BATCH = 500


def _bound(snowflake_type: str, position: int) -> str:
    column = f"column{position}"
    if snowflake_type == "VARIANT":
        return f"parse_json({column})"
    return f"{column}::{snowflake_type}"


def _value(value: Any, snowflake_type: str) -> Any:
    if value is None:
        return None
    if snowflake_type == "VARIANT":
        return value if isinstance(value, str) else json.dumps(value)
    if snowflake_type in ("TIMESTAMP_TZ", "TIMESTAMP_NTZ", "DATE"):
        return value.isoformat()
    return value


def copy_raw_schemas(duckdb_path: str, connection: Any, schemas: list[str]) -> dict[str, int]:
    """Create each schema's tables (dlt's own `_dlt_*` tables included) and copy their rows.
    Returns rows copied per `schema.table`."""
    copied: dict[str, int] = {}
    source = duckdb.connect(duckdb_path, read_only=True)
    cursor = connection.cursor()
    try:
        for schema in schemas:
            cursor.execute(f"create schema if not exists {schema}")
            tables = source.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1",
                [schema],
            ).fetchall()
            for (table,) in tables:
                columns = [
                    (name, SNOWFLAKE_TYPES[kind])
                    for name, kind, *_ in source.execute(f'describe "{schema}"."{table}"').fetchall()
                ]
                ddl = ", ".join(f'"{name.upper()}" {kind}' for name, kind in columns)
                cursor.execute(f"create or replace table {schema}.{table} ({ddl})")
                rows = source.execute(f'select * from "{schema}"."{table}"').fetchall()
                selects = ", ".join(_bound(kind, i + 1) for i, (_, kind) in enumerate(columns))
                placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
                for start in range(0, len(rows), BATCH):
                    batch = rows[start : start + BATCH]
                    params = [
                        _value(v, kind) for row in batch for v, (_, kind) in zip(row, columns, strict=True)
                    ]
                    cursor.execute(
                        f"insert into {schema}.{table} select {selects} "
                        f"from values {', '.join([placeholders] * len(batch))}",
                        params,
                    )
                copied[f"{schema}.{table}"] = len(rows)
    finally:
        cursor.close()
        source.close()
    return copied
