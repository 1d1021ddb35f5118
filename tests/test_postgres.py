"""PostgreSQL: the throwaway server `make pg-up` starts, and the roles and grants of a release.

The server tests run whatever ELT_TARGET is (they start their own server). The grants tests read
the shared `built_project`, so they run when the suite runs on PostgreSQL (ELT_TARGET=postgres,
as CI's PostgreSQL leg does); on DuckDB, which has no roles, they are skipped and say so.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.errors
import pytest

from tests.conftest import REPO, TARGET, Project

pytestmark = pytest.mark.slow


def connect(env: dict[str, str], role: str) -> Any:
    prefix = {
        "loader": "ELT_PG_LOADER_",
        "transformer": "ELT_PG_",
        "analyst": "ELT_PG_ANALYST_",
        "data_scientist": "ELT_PG_DATA_SCIENTIST_",
    }[role]
    conn = psycopg2.connect(
        host=env["ELT_PG_HOST"],
        port=int(env["ELT_PG_PORT"]),
        dbname=env["ELT_PG_DATABASE"],
        user=env[f"{prefix}USER"],
        password=env[f"{prefix}PASSWORD"],
    )
    conn.autocommit = True
    return conn


def denied(conn: Any, sql: str) -> bool:
    with conn.cursor() as cursor:
        try:
            cursor.execute(sql)
        except psycopg2.errors.InsufficientPrivilege:
            return True
    return False


# --------------------------------------------------------------------------------------------
# The throwaway server (`make pg-up` / `make pg-down` run `python -m elt.pgserver`)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def state_dir() -> Iterator[Path]:
    # Not under pytest's tmp dir: that is private to root, and the server runs as `postgres`.
    path = Path(tempfile.mkdtemp(prefix="elt-test-pgstate-"))
    yield path
    subprocess.run([sys.executable, "-m", "elt.pgserver", "down"], cwd=REPO, env=_env(path), check=False)
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _env(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELT_")}
    return {**env, "ELT_PG_STATE_DIR": str(state)}


def pgserver(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "elt.pgserver", *args],
        cwd=REPO,
        env=_env(state),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def gone(pid: int) -> bool:
    """No such process, or only its zombie (exited; waiting for whichever parent reaps it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def read_env_file(path: Path) -> dict[str, str]:
    pairs = [line.removeprefix("export ").split("=", 1) for line in path.read_text().splitlines()]
    return {key: value for key, value in (p for p in pairs if len(p) == 2)}


def test_pg_up_starts_a_private_server_and_pg_down_stops_it(state_dir: Path) -> None:
    import socket

    with socket.socket() as s:  # a free port for the server
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    up = pgserver(state_dir, "up", "--port", str(port))
    assert up.returncode == 0, up.stderr
    assert f"127.0.0.1:{port}" in up.stdout
    env_file = state_dir / "env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((state_dir / "state.json").stat().st_mode) == 0o600
    env = read_env_file(env_file)
    assert env["ELT_TARGET"] == "postgres" and env["ELT_PG_PORT"] == str(port)
    assert env["ELT_PG_DATABASE"] == "warehouse"
    roles = ("", "LOADER_", "ANALYST_", "DATA_SCIENTIST_")
    passwords = [env[f"ELT_PG_{role}PASSWORD"] for role in roles]
    assert len(set(passwords)) == 4 and all(len(p) >= 24 for p in passwords)
    # up again: the same server, not a second one
    again = pgserver(state_dir, "up", "--port", str(port))
    assert again.returncode == 0 and "already running" in again.stdout

    conn = connect(env, "transformer")
    with conn.cursor() as cursor:
        cursor.execute("show listen_addresses")
        assert cursor.fetchone()[0] == "127.0.0.1"
        cursor.execute("select current_user, current_database()")
        assert cursor.fetchone() == ("transformer", "warehouse")
    conn.close()
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(
            host="127.0.0.1", port=port, dbname="warehouse", user="transformer", password="wrong"
        ).close()
    pid = int((state_dir / "cluster" / "data" / "postmaster.pid").read_text().split()[0])
    status = pgserver(state_dir, "status")
    assert status.returncode == 0 and f"pid {pid}" in status.stdout

    down = pgserver(state_dir, "down")
    assert down.returncode == 0 and "stopped" in down.stdout
    assert gone(pid)
    assert not env_file.exists() and not (state_dir / "cluster").exists()
    assert pgserver(state_dir, "status").returncode == 1


def test_postgres_env_gives_each_caller_a_fresh_database(postgres_env: dict[str, str]) -> None:
    conn = connect(postgres_env, "loader")
    with conn.cursor() as cursor:
        cursor.execute("select count(*) from information_schema.schemata where schema_name like 'raw%'")
        assert cursor.fetchone()[0] == 0
        cursor.execute("create schema raw_probe")
        cursor.execute("create table raw_probe.t as select 1 as x")
    conn.close()
    # the transformer reads what the loader wrote (default privileges), the analyst does not
    transformer = connect(postgres_env, "transformer")
    with transformer.cursor() as cursor:
        cursor.execute("select x from raw_probe.t")
        assert cursor.fetchone() == (1,)
    assert denied(transformer, "insert into raw_probe.t values (2)")
    transformer.close()
    analyst = connect(postgres_env, "analyst")
    assert denied(analyst, "select x from raw_probe.t")
    assert denied(analyst, "create schema mine")
    analyst.close()


# --------------------------------------------------------------------------------------------
# Roles and grants of a real build (load as loader, dbt as transformer, publish grants)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def pg_project(request: pytest.FixtureRequest) -> Project:
    # Skipped before the shared warehouse is asked for: on DuckDB it would be built for nothing.
    if TARGET != "postgres":
        pytest.skip("roles and grants are PostgreSQL's: run with ELT_TARGET=postgres (CI's postgres leg)")
    return request.getfixturevalue("built_project")


def test_each_layer_is_owned_by_the_role_that_writes_it(pg_project: Project) -> None:
    owners = dict(
        pg_project.query(
            "select schemaname, string_agg(distinct tableowner, ',') from pg_tables "
            "where schemaname in ('raw_pestroutes', 'raw_service_csv', 'audit_marts', 'audit_ml', "
            "'analytics', 'ml', 'quality') group by 1"
        )
    )
    assert owners == {
        "raw_pestroutes": "loader",
        "raw_service_csv": "loader",
        "audit_marts": "transformer",
        "audit_ml": "transformer",
        "analytics": "transformer",
        "ml": "transformer",
        "quality": "transformer",
    }


def test_each_consumer_role_reads_its_published_schema_and_nothing_else(pg_project: Project) -> None:
    # Analysts read analytics, the ML team ml (dbt var release_reader_roles); neither reads RAW,
    # staging, the audit schemas, the snapshots or the other's schema, and neither writes.
    never = (
        "raw_pestroutes.customers",
        "raw_service_csv.service_records",
        "raw_app_db.users",
        "staging.stg_pestroutes__customers",
        "staging.stg_app_db__users",
        "snapshots.app_db_users_snapshot",
        "audit_marts.fct_appointments",
        "audit_ml.customer_churn_features",
        "quality.release_history",
    )
    reads = {
        "analyst": ("analytics.fct_appointments", "ml.customer_churn_features"),
        "data_scientist": ("ml.customer_churn_features", "analytics.fct_appointments"),
    }
    for role, (allowed, other) in reads.items():
        conn = connect(pg_project.postgres, role)
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"select count(*) from {allowed}")
                assert cursor.fetchone()[0] > 0, (role, allowed)
            for relation in (other, *never):
                assert denied(conn, f"select 1 from {relation} limit 1"), (role, relation)
            schema = allowed.split(".")[0]
            assert denied(conn, f"delete from {allowed}")
            assert denied(conn, f"create table {schema}.mine (x int)")
        finally:
            conn.close()


def test_the_loader_writes_raw_only_and_the_transformer_cannot_write_raw(pg_project: Project) -> None:
    loader = connect(pg_project.postgres, "loader")
    try:
        assert denied(loader, "select 1 from analytics.fct_appointments limit 1")
        assert denied(loader, "select 1 from staging.stg_pestroutes__customers limit 1")
    finally:
        loader.close()
    transformer = connect(pg_project.postgres, "transformer")
    try:
        assert denied(transformer, "delete from raw_pestroutes.customers")
        assert denied(transformer, "create table raw_pestroutes.mine (x int)")
    finally:
        transformer.close()
