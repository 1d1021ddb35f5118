"""The release checks every table against its dbt model contract: a column missing, added or
retyped in the audit build blocks the release and says which, whether or not an expectation
names the column; type names are compared as each warehouse spells them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from elt.release import Contract, _same_type, contract_problems
from tests.conftest import Project


def test_a_table_that_lost_added_or_retyped_columns_is_not_published(
    built_project: Project, tmp_path: Path
) -> None:
    project = built_project.copy(tmp_path / "contracts")
    project.switch_off_sources_but("pestroutes")  # the release checks fct_tickets' source only
    published = {r[0] for r in project.query(_columns("analytics", "fct_tickets"))}
    assert {"tax_amount", "billed_amount", "subtotal_amount"} <= published
    # tax_amount is named by no expectation (the case that was published 298/298); billed_amount
    # is named by several.
    project.query("alter table audit_marts.fct_tickets drop column tax_amount")
    project.query("alter table audit_marts.fct_tickets drop column billed_amount")
    project.query("alter table audit_marts.fct_tickets add column scratch_note varchar(20)")
    project.query("alter table audit_marts.fct_tickets alter column subtotal_amount type varchar(40)")

    previous = project.scalar(
        "select release_id from quality.release_history where status = 'published' "
        "order by released_at desc limit 1"
    )

    result = project.elt("release", check=False)

    assert result.returncode == 2, result.stdout
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: release blocked: release {previous} is still what analysts read"
    )
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert "failed: marts.fct_tickets: column tax_amount is missing (contract: numeric(18,2))" in lines
    assert "failed: marts.fct_tickets: column billed_amount is missing (contract: numeric(18,2))" in lines
    assert any(
        re.fullmatch(
            r"failed: marts\.fct_tickets: column scratch_note is not in the contract "
            r"\(built as (varchar|character varying\(20\))\)",
            line,
        )
        for line in lines
    ), result.stdout
    assert any(
        re.fullmatch(
            r"failed: marts\.fct_tickets: column subtotal_amount is "
            r"(varchar|character varying\(40\)) \(contract: numeric\(18,2\)\)",
            line,
        )
        for line in lines
    ), result.stdout
    # The expectations on billed_amount fail saying why, not only which.
    assert any(
        "(column=billed_amount" in line and 'The column "billed_amount"' in line and "does not exist" in line
        for line in lines
    ), result.stdout
    assert "FAIL marts.fct_tickets" in result.stdout
    assert f"NOT published: release {previous} stays in place" in lines
    # The published table keeps every column, and the history says why the release was blocked.
    assert {r[0] for r in project.query(_columns("analytics", "fct_tickets"))} == published
    failures = project.scalar(
        "select failures from quality.release_history where status = 'blocked' "
        "order by released_at desc limit 1"
    )
    assert "column tax_amount is missing" in failures
    # The release report says so too.
    report = (
        project.root / "gx_project" / "gx" / "uncommitted" / "release_reports" / "index.html"
    ).read_text()
    assert 'data-table="marts.fct_tickets"' in report and "column tax_amount is missing" in report


def _columns(schema: str, table: str) -> str:
    return (
        "select column_name from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{table}'"
    )


@pytest.mark.no_warehouse
@pytest.mark.parametrize(
    ("declared", "actual", "adapter", "same"),
    [
        ("numeric(18,2)", "decimal(18,2)", "duckdb", True),  # DuckDB's information_schema
        ("numeric(18,2)", "numeric(18,2)", "postgres", True),
        ("numeric(18,2)", "number(18,2)", "snowflake", True),
        ("numeric(18,2)", "decimal(18,3)", "duckdb", False),
        ("numeric(18,2)", "numeric", "postgres", False),  # unconstrained is not (18,2)
        ("numeric", "decimal(18,3)", "duckdb", True),
        ("numeric(18,2)", "double", "duckdb", False),
        ("varchar", "character varying", "postgres", True),
        ("varchar", "text", "postgres", True),
        ("varchar(20)", "varchar", "duckdb", True),  # DuckDB keeps no length
        ("varchar(20)", "character varying(40)", "postgres", False),
        ("timestamp", "timestamp without time zone", "postgres", True),
        ("timestamp", "timestamp with time zone", "postgres", False),
        ("timestamp", "timestamp_ntz", "snowflake", True),
        ("timestamptz", "timestamp with time zone", "duckdb", True),
        ("integer", "int4", "postgres", True),
        ("integer", "bigint", "duckdb", False),
        ("integer", "number(38,0)", "snowflake", True),  # every Snowflake integer is NUMBER(38,0)
        ("bigint", "number(38,0)", "snowflake", True),
        ("double precision", "double", "duckdb", True),
        ("float", "double precision", "postgres", True),  # FLOAT is float8 on PostgreSQL
        ("float", "real", "duckdb", True),  # and 4 bytes on DuckDB
        ("float", "double", "duckdb", False),
        ("boolean", "bool", "postgres", True),
        ("date", "timestamp", "duckdb", False),
    ],
)
def test_types_are_compared_as_each_warehouse_names_them(
    declared: str, actual: str, adapter: str, same: bool
) -> None:
    assert _same_type(declared, actual, adapter) is same
    assert _same_type(declared.upper(), actual.upper(), adapter) is same


@pytest.mark.no_warehouse
def test_a_table_without_an_enforced_contract_is_not_released() -> None:
    columns = {"id": "bigint"}
    assert contract_problems(Contract(enforced=True, columns={"id": "bigint"}), columns, "duckdb") == []
    unenforced = contract_problems(Contract(enforced=False, columns={}), columns, "duckdb")
    assert len(unenforced) == 1 and "no enforced contract" in unenforced[0]
    unknown = contract_problems(None, columns, "duckdb")
    assert len(unknown) == 1 and "no dbt model builds it" in unknown[0]
