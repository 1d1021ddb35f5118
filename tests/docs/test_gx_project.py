"""The GX project a release leaves on disk (expectations/gx): only the newest `[release]
results_kept` runs' results and pages stay, the docs index links only pages that exist, and a
project that moves between DuckDB (dataframes) and PostgreSQL (SQL in the warehouse) goes on
releasing, with no password in any of its files."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from expectations import checkpoints
from expectations.spec import TableExpectations
from loaders.common import warehouse

SPEC = TableExpectations(table="dim_things", layer="marts", primary_key=("thing_id",), not_null=("name",))


def _release(frame: pd.DataFrame, kept: int) -> None:
    validator = checkpoints.Validator()
    validator.validate(SPEC, frame)
    validator.build_docs(results_kept=kept)


# Never touches a warehouse (GX validates a dataframe): CI runs it once, in the DuckDB leg.
@pytest.mark.no_warehouse
def test_only_the_newest_runs_results_and_pages_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "GX_ROOT", tmp_path / "gx")
    frame = pd.DataFrame({"thing_id": [1, 2, 3], "name": ["a", "b", "c"]})
    for _ in range(4):
        _release(frame, kept=2)

    results = tmp_path / "gx" / "gx" / "uncommitted" / "validations" / "marts__dim_things"
    site = tmp_path / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site"
    kept_runs = sorted(p.parent.name for p in results.rglob("*.json"))
    pages = sorted(p.parent.name for p in (site / "validations").rglob("*.html"))
    assert len(kept_runs) == 2, kept_runs
    assert pages == kept_runs, "a kept result has its page, a deleted one has none"

    index = (site / "index.html").read_text()
    linked = set(re.findall(r"validations/marts__dim_things/[^/\"]+/([0-9T.]+Z)/", index))
    assert linked == set(kept_runs), "the index links exactly the runs kept"


@pytest.mark.no_warehouse
def test_the_index_lists_every_kept_run_of_every_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "GX_ROOT", tmp_path / "gx")
    other = TableExpectations(table="dim_others", layer="marts", primary_key=("thing_id",))
    frame = pd.DataFrame({"thing_id": [1, 2, 3], "name": ["a", "b", "c"]})
    for _ in range(3):
        validator = checkpoints.Validator()
        validator.validate(SPEC, frame)
        validator.validate(other, frame)
        validator.build_docs(results_kept=2)
    site = validator.context.variables.data_docs_sites["local_site"]
    # GX lists at most this many results on the index: all that are kept, 2 runs x 2 tables.
    assert site["site_index_builder"]["validation_results_limit"] == 4
    index = (tmp_path / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").read_text()
    linked = set(re.findall(r"validations/(marts__dim_\w+)/[^/\"]+/([0-9T.]+Z)/", index))
    assert len(linked) == 4 and {table for table, _ in linked} == {"marts__dim_things", "marts__dim_others"}


@pytest.mark.no_warehouse
def test_results_kept_comes_from_the_release_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE__RESULTS_KEPT", "7")
    assert checkpoints.configured_results_kept() == 7
    monkeypatch.delenv("RELEASE__RESULTS_KEPT")
    assert checkpoints.configured_results_kept() == checkpoints.RESULTS_KEPT


# Brings its own PostgreSQL database whatever ELT_TARGET says: CI runs it once, in the DuckDB leg.
@pytest.mark.own_warehouse
def test_a_project_moved_between_duckdb_and_postgres_goes_on_releasing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_env: dict[str, str]
) -> None:
    monkeypatch.setattr(checkpoints, "GX_ROOT", tmp_path / "gx")
    for name, value in postgres_env.items():
        monkeypatch.setenv(name, value)
    conn = warehouse.postgres_connect()
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("create schema audit_marts")
        cursor.execute("create table audit_marts.dim_things as select 1 as thing_id, 'a' as name")
    frame = pd.DataFrame({"thing_id": [1, 2], "name": ["a", "b"]})

    outcomes = []
    for where in ("duckdb", "postgres", "duckdb", "postgres"):
        validator = checkpoints.Validator(
            sql_url=warehouse.postgres_sqlalchemy_url() if where == "postgres" else None
        )
        try:
            if where == "postgres":
                outcomes.append(validator.validate_table(SPEC, "audit_marts"))
            else:
                outcomes.append(validator.validate(SPEC, frame))
            validator.build_docs()
        finally:
            validator.close()
    assert [(o.success, o.evaluated) for o in outcomes] == [(True, 4)] * 4

    # The SQL checks are real: a NULL name in the warehouse fails the not-null expectation.
    with conn.cursor() as cursor:
        cursor.execute("insert into audit_marts.dim_things values (2, null)")
    conn.close()
    validator = checkpoints.Validator(sql_url=warehouse.postgres_sqlalchemy_url())
    try:
        failed = validator.validate_table(SPEC, "audit_marts")
    finally:
        validator.close()
    assert not failed.success
    assert [f for f in failed.failures if "expect_column_values_to_not_be_null(column=name" in f]

    password = postgres_env["ELT_PG_PASSWORD"]
    for path in (tmp_path / "gx").rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), f"{path} holds the password"
