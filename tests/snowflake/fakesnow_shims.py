"""Every shim the fakesnow smoke test needs, in one place, active only in the fakesnow server
process this file starts (`python fakesnow_shims.py --port N`); nothing imports it otherwise.

fakesnow translates Snowflake SQL to DuckDB with sqlglot. Where a construct our models use is
valid Snowflake but fakesnow translates it wrongly, a shim rewrites that construct before
fakesnow's own transforms run. Each shim names the Snowflake behaviour it reproduces. The SQL
dbt sends is never changed on the dbt side: what fakesnow receives is what Snowflake would.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from sqlglot import exp


def _array_transform(node: exp.Expression) -> exp.Expression:
    """`transform(<array>, element variant -> ...)`: fakesnow keeps a Snowflake ARRAY (a variant
    cast to ARRAY, or what `split` returns) as DuckDB JSON, which DuckDB's list_transform cannot
    iterate. Read it as a list of JSON values instead (DuckDB's from_json), and `element::varchar`
    as Snowflake does for a variant string: its text, unquoted."""
    if not isinstance(node, exp.Transform):
        return node
    array = node.this
    if isinstance(array, exp.Cast) and array.to.is_type(exp.DataType.Type.ARRAY) and not array.to.expressions:
        array = array.this
    lam = node.expression
    names = {p.name for p in lam.expressions}
    as_json = exp.Cast(this=array, to=exp.DataType.build("JSON", dialect="duckdb"))
    node.set("this", exp.Anonymous(this="from_json", expressions=[as_json, exp.Literal.string('["json"]')]))

    def element(inner: exp.Expression) -> exp.Expression | None:
        while isinstance(inner, exp.Cast) and inner.to.is_type(exp.DataType.Type.VARIANT):
            inner = inner.this
        return inner if isinstance(inner, exp.Identifier | exp.Column) and inner.name in names else None

    def unquote(inner: exp.Expression) -> exp.Expression:
        if isinstance(inner, exp.Cast) and inner.to.is_type(exp.DataType.Type.VARCHAR):
            found = element(inner.this)
            if found is not None:
                return exp.Anonymous(
                    this="json_extract_string", expressions=[found.copy(), exp.Literal.string("$")]
                )
        return inner

    lam.set("this", lam.this.transform(unquote))
    return node


def _temporary_in_schema(node: exp.Expression) -> exp.Expression:
    """`create temporary table|view <db>.<schema>.<name>`: Snowflake creates temporary objects in
    any schema (dbt's unit tests and merge sources do); DuckDB only in its own `temp` catalog.
    Create an ordinary one instead: the smoke test never relies on it vanishing at session end."""
    if isinstance(node, exp.Create) and (properties := node.args.get("properties")) is not None:
        kept = [p for p in properties.expressions if not isinstance(p, exp.TemporaryProperty)]
        if len(kept) != len(properties.expressions):
            properties.set("expressions", kept)
    return node


SHIMS = (_array_transform, _temporary_in_schema)

# dbt-snowflake's persist_docs writes every column comment of a table in one statement,
# `alter table T alter "A" comment $$...$$, "B" comment $$...$$`, which fakesnow cannot parse;
# Snowflake treats it as one `comment on column` per column, and so does this shim.
_ALTER_COLUMN_COMMENTS = re.compile(r"^\s*alter\s+table\s+(?P<table>\S+)\s+alter\s", re.IGNORECASE)
_COLUMN_COMMENT = re.compile(r'("(?:[^"]|"")+"|\w+)\s+comment\s+\$\$(.*?)\$\$', re.IGNORECASE | re.DOTALL)


# QUERY_TAG, the session parameter dbt-snowflake reads (`show parameters like 'query_tag' in
# session`) and sets per model: fakesnow knows neither, Snowflake keeps it per session.
_SET_QUERY_TAG = re.compile(r"^\s*alter\s+session\s+set\s+query_tag\s*=\s*'((?:[^']|'')*)'\s*;?\s*$", re.I)
_UNSET_QUERY_TAG = re.compile(r"^\s*alter\s+session\s+unset\s+query_tag\s*;?\s*$", re.IGNORECASE)
_SHOW_QUERY_TAG = re.compile(r"^\s*show\s+parameters\s+like\s+'query_tag'\s+in\s+session\b", re.IGNORECASE)


def _query_tag_statement(conn: Any, command: str) -> str | None:
    """The statement to run instead of a QUERY_TAG one, or None for any other statement."""
    statement = command.split("/*", 1)[0].strip()
    if match := _SET_QUERY_TAG.match(statement):
        conn.elt_query_tag = match.group(1).replace("''", "'")
    elif _UNSET_QUERY_TAG.match(statement):
        conn.elt_query_tag = ""
    elif _SHOW_QUERY_TAG.match(statement):
        tag = getattr(conn, "elt_query_tag", "").replace("'", "''")
        return (
            f"select * from (values ('QUERY_TAG', '{tag}', '', 'SESSION', 'query tag', 'STRING')) "
            'as parameters("key", "value", "default", "level", "description", "type")'
        )
    else:
        return None
    return "select 'Statement executed successfully.' as status"


def _column_comment_statements(command: str) -> list[str] | None:
    match = _ALTER_COLUMN_COMMENTS.match(command)
    if match is None or not _COLUMN_COMMENT.search(command):
        return None
    table = match.group("table")
    return [
        f"comment on column {table}.{column} is $${comment}$$"
        for column, comment in _COLUMN_COMMENT.findall(command[match.end() :])
    ]


def _pii_hash_function(conn: Any) -> None:
    """`elt_pii_hash(varchar)`: on Snowflake a secure UDF the platform team creates once, holding
    the salt (dbt/macros/app_db/pii_hash.sql); here the same salted SHA-256 with a test salt, on
    the DuckDB connection behind the fake (once per connection)."""
    if getattr(conn, "_elt_pii_hash", False):
        return
    import hashlib

    from duckdb import sqltypes

    def salted(value: str) -> str:
        return hashlib.sha256(f"fakesnow-salt:{value}".encode()).hexdigest()

    try:
        conn._duck_conn.create_function("elt_pii_hash", salted, [sqltypes.VARCHAR], sqltypes.VARCHAR)
    except Exception as exc:  # noqa: BLE001 - another session of the same database registered it
        if "already exists" not in str(exc):
            raise
    conn._elt_pii_hash = True


def install() -> None:
    """Run every shim on each statement before fakesnow's own translation, and patch the two
    fakesnow functions below."""
    import snowflake.connector.errors
    from fakesnow import info_schema
    from fakesnow.cursor import FakeSnowflakeCursor

    original_transform = FakeSnowflakeCursor._transform

    def _transform(self: Any, expression: exp.Expression, params: Any) -> exp.Expression:
        for shim in SHIMS:
            expression = expression.transform(shim, copy=False)
        return original_transform(self, expression, params)

    # `comment on table|view ... is $$the entity's ...$$`: fakesnow pastes the comment into a
    # quoted SQL literal unescaped, so a quote in a doc block (persist_docs) breaks it.
    original_comment_sql = info_schema.insert_table_comment_sql

    def insert_table_comment_sql(catalog: str, schema: str, table: str, comment: str) -> str:
        escaped = comment.replace("'", "''") if comment is not None else comment
        return original_comment_sql(catalog, schema, table, escaped)

    # A statement fakesnow cannot run raises a non-Snowflake exception, which its server answers
    # with HTTP 500, and the connector retries a 500 for minutes. Snowflake answers a statement
    # it rejects with an error the connector raises at once: do the same.
    original_execute = FakeSnowflakeCursor.execute

    def execute(self: Any, command: str, *args: Any, **kwargs: Any) -> Any:
        try:
            _pii_hash_function(self._conn)
            replacement = _query_tag_statement(self._conn, command)
            if replacement is not None:
                return original_execute(self, replacement)
            statements = _column_comment_statements(command)
            if statements is not None:
                for statement in statements:
                    original_execute(self, statement, *args, **kwargs)
                # fakesnow's server describes the last statement run; DuckDB cannot describe a
                # COMMENT, so end on the status row Snowflake returns for an ALTER.
                return original_execute(self, "select 'Statement executed successfully.' as status")
            return original_execute(self, command, *args, **kwargs)
        except (snowflake.connector.errors.ProgrammingError, snowflake.connector.errors.OperationalError):
            raise
        except Exception as exc:
            raise snowflake.connector.errors.ProgrammingError(
                msg=f"fakesnow cannot run this statement: {type(exc).__name__}: {exc}",
                errno=2000,
                sqlstate="42000",
            ) from exc

    FakeSnowflakeCursor._transform = _transform  # type: ignore[method-assign]
    FakeSnowflakeCursor.execute = execute  # type: ignore[method-assign]
    info_schema.insert_table_comment_sql = insert_table_comment_sql


def main() -> None:
    """`fakesnow -s -p PORT` with the shims installed; stops on SIGINT like fakesnow itself."""
    parser = argparse.ArgumentParser(description="fakesnow server with the smoke test's shims")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    install()
    from fakesnow import cli

    raise SystemExit(cli.main(["-s", "-p", str(args.port)]))


if __name__ == "__main__":
    main()
