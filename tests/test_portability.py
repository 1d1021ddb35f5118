"""Portability: one code path for DuckDB, PostgreSQL and Snowflake.

1. The rule: adapter differences live only in dispatched macros. Every model's SQL, with its
   Jinja removed (macro calls are where the differences go), may call only functions that
   behave the same on all three warehouses, and use none of one warehouse's operators or
   keywords (`::` casts, `->>` JSON access, QUALIFY, ILIKE ...).
2. The whole project compiles for Snowflake against a local fakesnow server and for PostgreSQL
   against the `postgres_env` fixture (a fresh database on the session's server); DuckDB is
   built whole by every end-to-end test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.snowflake.fakesnow_server import fakesnow_port  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MODELS = REPO / "dbt" / "models"

# Functions that take the same arguments and give the same results on DuckDB, PostgreSQL and
# Snowflake (NULL handling included). GREATEST/LEAST and CONCAT are missing on purpose: NULL
# makes them differ. Anything else belongs in a dispatched macro.
PORTABLE_FUNCTIONS = {
    "abs", "avg", "cast", "ceil", "coalesce", "count", "dense_rank", "extract", "first_value",
    "floor", "lag", "last_value", "lead", "lower", "max", "min", "nullif", "rank", "round",
    "row_number", "sum", "trim", "upper",
}  # fmt: skip
# SQL words that a parenthesis may follow without being a function call.
KEYWORDS = {
    "and", "as", "decimal", "exists", "from", "in", "join", "not", "numeric", "on", "or", "over",
    "select", "then", "using", "values", "varchar", "when", "where", "with", "else",
}  # fmt: skip
# One warehouse's syntax: the pattern and what to use instead.
FORBIDDEN = {
    r"::": "cast(x as type)",
    r"->>?": "the json_fields / json_int_array macros",
    r"@>|<@|\?\|": "a dispatched macro",
    r"!?~\*?": "a dispatched macro (regex)",
    r"\bilike\b": "lower(x) like lower(y)",
    r"\bqualify\b": "a row_number() CTE and a where clause",
    r"\bsimilar\s+to\b": "a dispatched macro (regex)",
}

JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
STRING = re.compile(r"'(?:[^']|'')*'")
QUOTED = re.compile(r'"(?:[^"]|"")*"')
CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def portability_violations(sql: str) -> list[str]:
    """What in one model's SQL is not portable: Jinja, comments, literals and quoted names
    removed first, so only the SQL the model itself writes is judged."""
    bare = JINJA.sub(" ", sql)
    bare = COMMENT.sub(" ", bare)
    bare = STRING.sub("''", bare)
    bare = QUOTED.sub("x", bare)
    found = []
    for match in CALL.finditer(bare):
        name = match.group(1).lower()
        if name not in PORTABLE_FUNCTIONS and name not in KEYWORDS:
            found.append(f"{name}(: not portable, move it into a dispatched macro")
    for pattern, instead in FORBIDDEN.items():
        for match in re.finditer(pattern, bare, re.IGNORECASE):
            found.append(f"{match.group(0)!r}: adapter-specific, use {instead}")
    return found


def test_models_use_only_portable_sql_outside_macros():
    models = sorted(MODELS.rglob("*.sql"))
    assert len(models) > 40
    problems = {
        str(path.relative_to(REPO)): found
        for path in models
        if (found := portability_violations(path.read_text()))
    }
    assert not problems, problems


@pytest.mark.parametrize(
    "snippet",
    [
        "select strftime(created_at, '%Y') as y from t",
        "select json_extract(record, '$.a') as a from t",
        "select record ->> 'a' as a from t",
        "select id::bigint as id from t",
        "select * from t qualify row_number() over (partition by id order by ts) = 1",
        "select * from t where name ilike 'a%'",
        "select date_trunc('month', ts) as m from t",
    ],
)
def test_check_rejects_adapter_specific_sql(snippet):
    assert portability_violations(snippet)


def test_check_ignores_macros_comments_and_literals():
    sql = """
        {{ config(materialized='table') }}
        -- strftime( in a comment is fine
        select {{ json_fields('record', {'a': 'a'}) }}, 'json_extract(' as b, "date_trunc(" as c,
            cast(coalesce(x, 0) as numeric(18, 2)) as d,
            row_number() over (partition by k order by ts desc) as rn
        from {{ ref('x') }}
    """
    assert portability_violations(sql) == []


def _compile(env: dict[str, str], target_path: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("ELT_", "DLT_"))}
    full_env.update(env)
    full_env["DBT_TARGET_PATH"] = str(target_path)
    full_env["DBT_LOG_PATH"] = str(target_path / "logs")
    full_env["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        [str(BIN / "dbt"), "compile", "--no-partial-parse"],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


# DuckDB is not listed: every end-to-end test builds the whole project on it. The test brings
# its own warehouses whatever ELT_TARGET says, so CI runs it once, in the DuckDB leg.
@pytest.mark.slow
@pytest.mark.own_warehouse
@pytest.mark.parametrize("warehouse", ["snowflake", "postgres"])
def test_whole_project_compiles_for_each_target(warehouse, request, tmp_path):
    if warehouse == "snowflake":
        port = request.getfixturevalue("fakesnow_port")
        env = {
            "ELT_TARGET": "snowflake",
            "ELT_SNOWFLAKE_ACCOUNT": "fakesnow",
            "ELT_SNOWFLAKE_USER": "fake",
            "ELT_SNOWFLAKE_PASSWORD": "snow",
            "ELT_SNOWFLAKE_HOST": "127.0.0.1",
            "ELT_SNOWFLAKE_PORT": str(port),
            "ELT_SNOWFLAKE_PROTOCOL": "http",
            "ELT_SNOWFLAKE_DATABASE": "ANALYTICS",
        }
    else:
        env = {"ELT_TARGET": "postgres", **request.getfixturevalue("postgres_env")}
    compiled = _compile(env, tmp_path / "target")
    assert compiled.returncode == 0, compiled.stdout[-4000:] + compiled.stderr[-2000:]
    models = list((tmp_path / "target" / "compiled" / "elt_warehouse" / "dbt" / "models").rglob("*.sql"))
    assert len(models) > 40
