"""`elt load app_db` against a real PostgreSQL application database read by a SELECT-only role:
every table lands exactly, the source is never written, an unreachable database fails alone, an
unchanged source costs only the lag's window, the lag catches late commits (and without it they
are missed) and the key sets find hard deletes."""

from __future__ import annotations

import itertools
import os
import secrets
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import sqlalchemy as sa

from loaders.app_db import TABLES
from loaders.app_db.pipeline import read_only_engine
from loaders.app_db.settings import Database
from sandbox.app_db import generator
from tests.conftest import Project, load_summary, postgres_admin

SEED = 11
SCALE = 0.05  # ~300 bookings: every table has rows, every change kind happens in a tick
CURSORS = {"booking_items": "created_at", "messages": "created_at", "promotions": None}  # None: read whole
# What tells one version of a row from the next: its cursor, or for promotions (changed with no
# timestamp) the column the generator changes.
VERSION = {**CURSORS, "promotions": "ends_on"}
_names = itertools.count(1)


class AppSource:
    """One generated application database on the session's PostgreSQL server, with a role that
    may only read it (as a team gives its loader)."""

    def __init__(self) -> None:
        server = postgres_admin()
        self.name = f"app{os.getpid()}_{next(_names)}"
        server.admin_execute("postgres", f'create database "{self.name}"')
        base = f"postgresql+psycopg2://postgres:{server.admin_password}@{server.host}:{server.port}"
        self.admin_url = f"{base}/{self.name}"
        generator.build(self.admin_url, day=0, seed=SEED, scale=SCALE)
        self.reader = f"reader_{self.name}"
        password = secrets.token_urlsafe(16)
        server.admin_execute(
            self.name,
            (f"create role {self.reader} login password %s", (password,)),
            f'grant connect on database "{self.name}" to {self.reader}',
            f"grant usage on schema public to {self.reader}",
            f"grant select on all tables in schema public to {self.reader}",
        )
        self.reader_url = (
            f"postgresql+psycopg2://{self.reader}:{password}@{server.host}:{server.port}/{self.name}"
        )
        self.day = 0

    def tick(self) -> dict[str, Any]:
        result = generator.tick(self.admin_url, self.day, self.day + 1, seed=SEED, scale=SCALE)
        self.day += 1
        return result

    def fingerprint(self) -> dict[str, str]:
        """Each table's whole content, hashed: equal before and after a load means unwritten."""
        engine = sa.create_engine(self.admin_url)
        try:
            with engine.connect() as conn:
                return {
                    table: conn.execute(
                        sa.text(
                            f"select md5(coalesce(string_agg(t::text, '|' order by id), '')) from {table} t"
                        )
                    ).scalar_one()
                    for table in TABLES
                }
        finally:
            engine.dispose()

    def versions(self, table: str) -> dict[int, Any]:
        """{id: the row's version value} (VERSION) for every row now in the table."""
        engine = sa.create_engine(self.admin_url)
        try:
            with engine.connect() as conn:
                return dict(
                    conn.execute(sa.text(f"select id, {VERSION.get(table, 'updated_at')} from {table}")).all()
                )
        finally:
            engine.dispose()


def app_project(root: Path, databases: dict[str, str], **settings: Any) -> Project:
    project = Project(root, "http://127.0.0.1:9", [])
    project.simulator_sections["app_db"] = {
        f"sources.app_db.databases.{name}": {"credentials": url} for name, url in databases.items()
    }
    project.simulator_settings["app_db"] = settings
    project.write_config()
    return project


def landed_versions(project: Project, table: str) -> dict[int, Any]:
    """{id: the version value of the newest version RAW holds} (a table read whole: as of the
    latest load)."""
    column = VERSION.get(table, "updated_at")
    if CURSORS.get(table, "updated_at") is None:
        latest = f"(select max(_dlt_load_id) from raw_app_db.{table})"
        return dict(
            project.query(f"select id, {column} from raw_app_db.{table} where _dlt_load_id = {latest}")
        )
    return dict(project.query(f"select id, max({column}) from raw_app_db.{table} group by id"))


def same_instant(a: Any, b: Any) -> bool:
    return a == b or (a is not None and b is not None and a.timestamp() == b.timestamp())


@pytest.fixture
def source() -> AppSource:
    return AppSource()


def test_a_read_only_role_lands_every_table_exactly_and_an_unreachable_database_fails_alone(
    tmp_path: Path, source: AppSource
) -> None:
    before = source.fingerprint()
    dead = "postgresql+psycopg2://reader:secret-password@127.0.0.1:9/app"
    project = app_project(tmp_path / "p", {"app": source.reader_url, "legacy": dead})
    completed = project.elt("load", "app_db", check=False)

    # The unreachable database fails in one line (its password in no output); the other lands.
    assert completed.returncode != 0
    assert [line for line in completed.stderr.splitlines() if "legacy" in line and "cannot read" in line]
    assert "secret-password" not in completed.stdout + completed.stderr
    counts = generator.row_counts(source.admin_url)
    keys = generator.key_sets(source.admin_url)
    landed = load_summary(completed.stdout)
    for table in TABLES:
        assert project.scalar(f"select count(distinct id) from raw_app_db.{table}") == counts[table], table
        assert project.scalar(f"select count(distinct _database) from raw_app_db.{table}") == 1, table
        assert landed[("app", table)] == counts[table], table
        assert {r[0] for r in project.query(f"select id from raw_app_db.keys_{table}")} == keys[table], table
    recorded = dict(project.query("select table_name, row_count from raw_app_db.source_counts"))
    assert recorded == counts
    # Types as the contract says: integer keys, cents as integers, every timestamp with a zone.
    types = dict(
        project.query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_app_db' and table_name = 'bookings'"
        )
    )
    assert types["id"] == "BIGINT" and types["total_cents"] == "BIGINT"
    assert types["updated_at"] == types["_extracted_at"] == "TIMESTAMP WITH TIME ZONE"

    # Unchanged, the next load reads only the lag's window (240 minutes) of each table.
    again = load_summary(project.elt("load", "app_db", "--scope", "app").stdout)
    engine = sa.create_engine(source.admin_url)
    try:
        with engine.connect() as conn:
            for table in TABLES:
                cursor = CURSORS.get(table, "updated_at")
                window = (
                    f" where {cursor} >= (select max({cursor}) from {table}) - interval '240 minutes'"
                    if cursor
                    else ""
                )
                expected = conn.execute(sa.text(f"select count(*) from {table}{window}")).scalar_one()
                assert again[("app", table)] == expected, table
    finally:
        engine.dispose()

    assert source.fingerprint() == before
    # The role may only read, and the loader's sessions refuse writes even for a role that may.
    with psycopg2.connect(source.reader_url.replace("+psycopg2", "")) as conn, conn.cursor() as cursor:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute("update users set phone = '0'")
    engine = read_only_engine(Database("app", source.admin_url))
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.InternalError, match="read-only transaction"):
            conn.execute(sa.text("update users set phone = '0'"))
    finally:
        engine.dispose()


def test_the_lag_catches_late_commits_and_the_key_sets_find_hard_deletes(
    tmp_path: Path, source: AppSource
) -> None:
    lagged = app_project(tmp_path / "lagged", {"app": source.reader_url})
    eager = app_project(tmp_path / "eager", {"app": source.reader_url}, lag_minutes=0)
    lagged.elt("load", "app_db")
    eager.elt("load", "app_db")
    changes = source.tick()
    late = changes["late_keys"]
    deleted = changes["hard_deleted_keys"]
    assert sum(len(ids) for ids in late.values()) > 0 and sum(len(ids) for ids in deleted.values()) > 0
    lagged.elt("load", "app_db")
    eager.elt("load", "app_db")

    missed = 0
    for table in TABLES:
        truth = source.versions(table)
        have = landed_versions(lagged, table)
        # Every row now in the source landed in its current version, late commits included.
        assert set(truth) <= set(have), table
        assert all(same_instant(have[key], value) for key, value in truth.items()), table
        # Its key set is the source's: the hard-deleted rows are in RAW but not in it.
        keys = {r[0] for r in lagged.query(f"select id from raw_app_db.keys_{table}")}
        assert keys == set(truth), table
        assert set(deleted.get(table, ())) <= set(have) - keys, table
        # Without a lag, the late rows' current versions are missed.
        without = landed_versions(eager, table)
        missed += sum(1 for key in late.get(table, ()) if not same_instant(without.get(key), truth.get(key)))
    assert missed > 0


def test_a_load_killed_while_writing_then_rerun_lands_the_source_exactly(
    tmp_path: Path, source: AppSource
) -> None:
    """SIGKILL while the package is half written to the warehouse, a day of changes, then a
    rerun: the rerun finishes the killed package first, and RAW then holds the source exactly
    (current versions, key sets) as if nothing had been interrupted."""
    from tests.reliability.test_crashes import kill_when

    project = app_project(tmp_path / "p", {"app": source.reader_url})
    root = project.root / "pipelines" / "app_db"

    def writing() -> bool:
        jobs = "load/normalized/*/{}/*"
        return any(root.glob(jobs.format("new_jobs"))) and any(
            root.glob(jobs.format("completed_jobs")) or root.glob(jobs.format("started_jobs"))
        )

    kill_when(project, ["elt", "load", "app_db"], "during the warehouse write", writing)
    source.tick()
    rerun = project.elt("load", "app_db")
    assert "app_db: finishing an interrupted load" in rerun.stderr
    for table in TABLES:
        truth = source.versions(table)
        have = landed_versions(project, table)
        assert set(truth) <= set(have), table
        assert all(same_instant(have[key], value) for key, value in truth.items()), table
        keys = {r[0] for r in project.query(f"select id from raw_app_db.keys_{table}")}
        assert keys == set(truth), table
