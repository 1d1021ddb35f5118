"""Shared fixtures: a running sandbox, and isolated projects that drive the real `elt` and `dbt`.

Every end-to-end test runs the commands a user runs (`elt load`, `dbt build`, `elt release`) as
subprocesses against a real HTTP sandbox on 127.0.0.1 and a warehouse of its own, with its own
`.dlt/config.toml` and `.dlt/secrets.toml`, exactly as a user would write them.

The warehouse follows ELT_TARGET, as for a user: `duckdb` (default) gives each project a DuckDB
file in its folder; `postgres` starts one throwaway PostgreSQL server for the session
(elt.pgserver: initdb as the postgres user, private port, password auth, roles loader /
transformer / analyst) and gives each project a fresh database on it. The same tests run on both.
"""

from __future__ import annotations

import ast
import atexit
import hashlib
import itertools
import os
import pprint
import re
import shutil
import subprocess
import sys
import tempfile
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from elt import pgserver
from elt.pii import pgoptions
from loaders.qqcatalyst.settings import ENTITIES as QQCATALYST_ENTITIES
from sandbox import registry as sandbox_registry
from sandbox.app_db import generator as app_db_generator
from sandbox.framework import LoaderContext
from sandbox.offices import OfficeSpec, sandbox_offices
from sandbox.server import start_sandbox_server
from sandbox.service_csv import s3 as sandbox_s3
from sandbox.service_csv.generator import CorpusConfig

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET = os.environ.get("ELT_TARGET", "duckdb").strip().lower() or "duckdb"
# The application database every end-to-end build loads (sandbox/app_db), and the PII salt dbt
# hashes it with (a secret: tests check it reaches no log).
APP_DB_SEED = 11
APP_DB_SCALE = 0.1
# The QQCatalyst simulator's and loader's request limit in end-to-end builds (the API's is 60 a
# minute, which would make a first load take minutes).
QQCATALYST_REQUESTS_PER_MINUTE = 60_000
# The AI tools every end-to-end build loads (sandbox/<tool>, loaders/ai_tools), with the
# simulators' and loaders' request limits far above the vendors' (Cursor allows 20 a minute,
# Augment 10 with a burst of 20), so a first load of every tool's history takes seconds.
AI_TOOLS = ("litellm", "copilot", "cursor", "anthropic", "openai", "windsurf", "augment")
AI_TOOLS_REQUESTS_PER_MINUTE = 60_000
PII_SALT = "pii-salt-of-the-tests-0f3c9a"
# `dbt build` as the daily schedule runs it (`make build`, docs/cron.example): every model and
# data test, no unit tests. The session's `built_project` runs plain `dbt build`, unit tests included.
SCHEDULED_BUILD = ("build", "--exclude-resource-type", "unit_test")
# The 4-hourly (and on-demand) build: the same minus the data tests tagged raw_audit, which read
# all of RAW to audit the incremental merges and run in the daily build (docs/cron.example).
INCREMENTAL_BUILD = (*SCHEDULED_BUILD, "--exclude", "tag:raw_audit")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "no_warehouse: never touches a warehouse (simulators, parsing): CI runs it once, not per warehouse",
    )
    config.addinivalue_line(
        "markers",
        "own_warehouse: brings its own warehouses whatever ELT_TARGET says (the fakesnow smoke test "
        "stages RAW in DuckDB): CI runs it once, in the DuckDB leg",
    )
    config.addinivalue_line(
        "markers",
        "one_warehouse: uses a warehouse, but what it proves does not depend on which (the CLI's "
        "errors and locks, cron, alerts, logs, the loaders' paging, budgets, retries, faults and "
        "crashes): CI runs it in the DuckDB leg only (set by path in ONE_WAREHOUSE)",
    )


# What runs once, in the DuckDB leg: the warehouse-specific behaviour (landing every source,
# staging merges, unit tests in each dialect, contracts, checksums, publish, grants, the GX
# datasource) is proved on each warehouse by the end-to-end warehouse and the tests that share
# it (tests/test_end_to_end.py, tests/release/test_contracts.py, tests/docs/test_gx_project.py) and by
# tests/test_postgres.py. The loaders' paging, budgets, retries, crash recovery and idempotency
# run in the DuckDB leg only (they were proved on PostgreSQL too until the suite outgrew CI's
# 20 minutes on 2 cores with seven sources to come); the portability test compiles every
# target whatever ELT_TARGET says.
ONE_WAREHOUSE = (
    "tests/cli/",
    "tests/docs/test_docs_site.py",
    "tests/loaders/",
    "tests/ops/",
    "tests/release/test_release_report.py",
    "tests/release/test_rerelease.py",
    "tests/reliability/",
    "tests/service_csv/",
    "tests/test_portability.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.relative_to(REPO).as_posix().startswith(ONE_WAREHOUSE):
            item.add_marker(pytest.mark.one_warehouse)


class _PostgresPool:
    """The session's throwaway PostgreSQL server, started on first use; one database per project."""

    server: pgserver.PgServer | None = None
    root: Path | None = None
    count = itertools.count(1)

    @classmethod
    def get(cls) -> pgserver.PgServer:
        if cls.server is None:
            # Not under pytest's tmp dir: it is private to root, and the server runs as `postgres`.
            cls.root = Path(tempfile.mkdtemp(prefix="elt-pytest-pg-"))
            cls.server = pgserver.start_cluster(cls.root, port=0, database=None)
            # Test modules import this file as `tests.conftest`, a second copy beside the one
            # pytest loaded, each with its own pool: every copy stops its server at exit.
            atexit.register(cls.stop)
        return cls.server

    @classmethod
    def fresh_database(cls, template: str | None = None) -> dict[str, str]:
        name = f"t{os.getpid()}_{next(cls.count)}"
        return cls.get().create_database(name, template=template)

    @classmethod
    def stop(cls) -> None:
        if cls.server is not None:
            cls.server.stop()
            shutil.rmtree(cls.root, ignore_errors=True)
            cls.server = None


@pytest.fixture(scope="session", autouse=True)
def _postgres_server() -> Iterator[None]:
    """Stop the session's PostgreSQL server (if any test started it) when the session ends."""
    yield
    _PostgresPool.stop()


@pytest.fixture
def postgres_env() -> dict[str, str]:
    """ELT_PG_* variables of a fresh database on the session's throwaway PostgreSQL server
    (started on first use, whatever ELT_TARGET is): host, port, database, and the loader,
    transformer and analyst roles' users and passwords."""
    return _PostgresPool.fresh_database()


def postgres_admin() -> pgserver.PgServer:
    """The session server itself (superuser access), for tests that inspect it."""
    return _PostgresPool.get()


# The session's parse (_DbtParse): `dbt parse`, then the profile's connection keys dbt hashed.
_DBT_PARSE = """
import sys
from dbt.cli.main import dbtRunner
from dbt.config.runtime import load_profile
if not dbtRunner().invoke(["parse", "--quiet"]).success:
    sys.exit(1)
print(repr(sorted(load_profile(".", {}).credentials.connection_info())))
"""


def _profile_checksum(connection_keys: list[tuple[str, Any]]) -> bytes:
    """The `profile_hash` dbt saves in partial_parse.msgpack: the sorted connection keys and
    values, pretty-printed, SHA-256 (dbt/parser/manifest.py build_manifest_state_check)."""
    return hashlib.sha256(pprint.pformat(sorted(connection_keys)).encode()).hexdigest().encode()


def _replaced(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _replaced(v, old, new) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_replaced(v, old, new) for v in value)
    return value


class _DbtParse:
    """One `dbt parse` of the working tree per pytest process on DuckDB and ELT_SOURCES value,
    which every such project's dbt starts from instead of parsing the whole project again (~10
    CPU-seconds a project).

    dbt reuses a saved parse (target/partial_parse.msgpack) when its state check passes: same
    dbt version, --vars, --profile and --target, same dbt_project.yml and env vars it reads, and
    the same hash of the profile's rendered connection keys; it then re-parses every file whose
    checksum changed and every file that reads an env var whose value changed. Projects'
    profiles differ in their DuckDB file only (`path`, and `temp_directory` beside it), which
    no parse reads (a node's `database` is the file's stem, `warehouse` in every project, and a
    connection key of its own). The file cannot be the same string in every project: `elt`
    reads a relative ELT_DUCKDB_PATH from the repository root and runs dbt there. So a project
    gets the template's saved parse with the profile hash dbt computes for the project's file:
    the template's connection keys with its file replaced by the project's. Any other
    difference (the file's name, ELT_DUCKDB_MEMORY_LIMIT, the target) leaves the hashes apart,
    and dbt parses in full as before. Not on PostgreSQL: a project's database is in every node.

    Pytest imports this file twice (as `conftest`, and as `tests.conftest` for the test
    modules): shared() is the process's one instance."""

    def __init__(self) -> None:
        # One template per ELT_SOURCES value (dbt_project.yml reads it: another value is
        # another parse): its partial_parse.msgpack, profile hash, the profile's connection
        # keys and its DuckDB file as the profile renders it.
        self.tried: set[str] = set()
        self.templates: dict[str, tuple[bytes, bytes, list[tuple[str, Any]], str]] = {}

    @staticmethod
    def shared() -> _DbtParse:
        holder = sys.modules.setdefault("_elt_tests_dbt_parse", types.ModuleType("_elt_tests_dbt_parse"))
        if not hasattr(holder, "parse"):
            holder.parse = _DbtParse()  # type: ignore[attr-defined]
        return holder.parse  # type: ignore[attr-defined]

    def ready(self, build: bool, sources: str) -> bool:
        """Whether the template for ELT_SOURCES=`sources` exists; with `build`, made now if it
        was never tried (once: a project that does not parse fails each project's own dbt,
        which says why)."""
        if build and sources not in self.tried:
            self.tried.add(sources)
            try:
                self._build(sources)
            except (OSError, RuntimeError, SyntaxError, ValueError) as exc:
                warnings.warn(f"no shared dbt parse, each project parses in full: {exc}", stacklevel=2)
        return sources in self.templates

    def _build(self, sources: str) -> None:
        root = Path(tempfile.mkdtemp(prefix="elt-pytest-dbt-parse-"))
        try:
            env = Project(root, "", [], sources=tuple(filter(None, sources.split(",")))).env
            completed = subprocess.run(
                [sys.executable, "-c", _DBT_PARSE],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if completed.returncode != 0:
                raise RuntimeError(f"dbt parse failed: {(completed.stdout + completed.stderr)[-2000:]}")
            keys = ast.literal_eval(completed.stdout.strip().splitlines()[-1])
            msgpack = (Path(env["DBT_TARGET_PATH"]) / "partial_parse.msgpack").read_bytes()
        finally:
            shutil.rmtree(root, ignore_errors=True)
        checksum = _profile_checksum(keys)
        if msgpack.count(checksum) != 1:  # dbt hashes the profile otherwise now: see _profile_checksum
            raise RuntimeError("the profile hash dbt saved is not the one computed here")
        if str(root).encode() in msgpack:  # the parse read the project's folder (target.path ...)
            raise RuntimeError(f"dbt's parse holds the project's folder {root}")
        self.templates[sources] = (msgpack, checksum, keys, env["ELT_DUCKDB_PATH"])

    def seed(self, target_path: Path, duckdb_path: str, sources: str) -> None:
        """Write the template's parse into a dbt target folder, hashed for `duckdb_path`."""
        msgpack, checksum, template_keys, template_path = self.templates[sources]
        keys = [(key, _replaced(value, template_path, duckdb_path)) for key, value in template_keys]
        target_path.mkdir(parents=True, exist_ok=True)
        partial = target_path / f"partial_parse.msgpack.{os.getpid()}"
        partial.write_bytes(msgpack.replace(checksum, _profile_checksum(keys)))
        partial.replace(target_path / "partial_parse.msgpack")  # a running dbt reads it whole


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Project:
    """An isolated copy of what a user configures: .dlt/, a warehouse file, pipeline state."""

    root: Path
    sandbox_url: str
    offices: list[OfficeSpec]
    settings: dict[str, Any] = field(default_factory=dict)
    office_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    secret_overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    # [sources.service_csv] in config.toml and secrets.toml (written only when set).
    service_csv: dict[str, Any] = field(default_factory=dict)
    service_csv_secrets: dict[str, str] = field(default_factory=dict)
    # Sources pointed at their simulator with use_simulator(): the simulator's own loader
    # sections (URLs and credentials, to secrets.toml, as `elt sandbox up` writes them) and the
    # test's settings for the source (to config.toml).
    simulator_sections: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    simulator_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    # ELT_PG_* of this project's own database when the target is postgres (made on creation).
    postgres: dict[str, str] = field(default_factory=dict)
    # ELT_SOURCES: the sources this deployment runs (empty: every source, as for a user who
    # leaves it unset). A project loading some sources switches the others off, as a
    # deployment would: its builds and releases then leave their models and checks out.
    sources: tuple[str, ...] = ()
    # reuse_dbt_parse(): done (or the project has a parse of its own); a copy's parse is its
    # original's, for the original's warehouse file.
    _parse_reused: bool = field(default=False, init=False, repr=False)
    _copied: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if TARGET == "postgres" and not self.postgres:
            self.postgres = _PostgresPool.fresh_database()

    @property
    def target(self) -> str:
        return "postgres" if self.postgres else "duckdb"

    @property
    def warehouse(self) -> Path:
        """The DuckDB file (duckdb target only)."""
        return self.root / "warehouse.duckdb"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "ELT_", "DLT_"))}
        env.update(
            {
                "DLT_PROJECT_DIR": str(self.root),
                "ELT_TARGET": self.target,
                "ELT_DUCKDB_PATH": str(self.warehouse),
                **self.postgres,
                "ELT_PIPELINES_DIR": str(self.root / "pipelines"),
                "DBT_TARGET_PATH": str(self.root / "target"),
                "DBT_LOG_PATH": str(self.root / "logs"),
                "ELT_SANDBOX_DIR": str(self.root / "sandbox"),
                "ELT_GX_DIR": str(self.root / "gx_project"),
                "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                **({"ELT_SOURCES": ",".join(self.sources)} if self.sources else {}),
                # dbt's PII salt: DuckDB's UDF reads it through dlt, PostgreSQL from the session.
                "SOURCES__APP_DB__PII_SALT": PII_SALT,
                **({"PGOPTIONS": pgoptions(PII_SALT)} if self.postgres else {}),
                **self.extra_env,
            }
        )
        return env

    def _run_source(self, name: str) -> None:
        """Add `name` to the sources the project runs, when it names some (ELT_SOURCES)."""
        if self.sources and name not in self.sources:
            self.sources = (*self.sources, name)

    def switch_off_sources_but(self, *kept: str) -> None:
        """From now on run only `kept` (ELT_SOURCES), as a deployment that stops using the other
        sources does: their tables are dropped from the audit schemas, as `elt release` asks."""
        from expectations.suites import SUITES

        self.sources = kept
        for spec in SUITES:
            if spec.source not in kept:
                schema = "audit_marts" if spec.layer == "marts" else "audit_ml"
                self.query(f"drop table if exists {schema}.{spec.table}")

    def read_exports_from(self, endpoint_url: str, bucket: str, **config: Any) -> None:
        """Point [sources.service_csv] at a sandbox bucket (moto, or a fault proxy in front of
        it) with the sandbox's credentials, as a user configures a real one; `config` adds keys.
        Call write_config() afterwards."""
        self._run_source("service_csv")
        self.service_csv = {
            "bucket": bucket,
            "prefix": sandbox_s3.PREFIX,
            "region": sandbox_s3.REGION,
            "endpoint_url": endpoint_url,
            **config,
        }
        self.service_csv_secrets = {
            "aws_access_key_id": sandbox_s3.ACCESS_KEY_ID,
            "aws_secret_access_key": sandbox_s3.SECRET_ACCESS_KEY,
        }

    def use_simulator(self, server: Any, name: str, *, source: str | None = None, **settings: Any) -> None:
        """Point source `name` at the sandbox's simulator of the same name, with the sections its
        spec writes for `elt sandbox up`; `settings` go to `[sources.<name>]` in config.toml. A
        simulator of one scope of a source (an AI tool of `ai_tools`) names its `source`: the
        settings go to `[sources.<source>.<name>]`. Call write_config() afterwards."""
        self._run_source(source or name)
        simulator = server.simulators[name]
        context = LoaderContext(
            server_url=server.url,
            mount_url=server.mount_url(name),
            seed=simulator.seed,
            scale=simulator.scale,
            options={},
            state={},
        )
        self.simulator_sections[name] = sandbox_registry.get(name).loader_sections(context)
        self.simulator_settings[f"{source}.{name}" if source else name] = settings

    def write_config(self) -> None:
        dlt_dir = self.root / ".dlt"
        dlt_dir.mkdir(parents=True, exist_ok=True)
        config = ["[runtime]", 'log_level = "WARNING"', "dlthub_telemetry = false", ""]
        config += ["[normalize]", 'loader_file_format = "parquet"', ""]
        config += ["[sources.pestroutes]"]
        config += [f"{k} = {_toml_value(v)}" for k, v in self.settings.items()]
        secrets = []
        for office in self.offices:
            values = {
                "base_url": f"{self.sandbox_url}/pestroutes/{office.name}/api",
                "timezone": office.timezone,
                "reads_per_minute": office.reads_per_minute,
                "reads_per_day": office.reads_per_day,
                **self.office_overrides.get(office.name, {}),
            }
            config += ["", f"[sources.pestroutes.offices.{office.name}]"]
            config += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
            creds = {
                "authentication_key": office.key,
                "authentication_token": office.token,
                **self.secret_overrides.get(office.name, {}),
            }
            secrets += ["", f"[sources.pestroutes.offices.{office.name}]"]
            secrets += [f"{k} = {_toml_value(v)}" for k, v in creds.items()]
        if self.service_csv:
            config += ["", "[sources.service_csv]"]
            config += [f"{k} = {_toml_value(v)}" for k, v in self.service_csv.items()]
        if self.service_csv_secrets:
            secrets += ["", "[sources.service_csv]"]
            secrets += [f"{k} = {_toml_value(v)}" for k, v in self.service_csv_secrets.items()]
        for name, settings in self.simulator_settings.items():
            if settings:
                config += ["", f"[sources.{name}]"]
                config += [f"{k} = {_toml_value(v)}" for k, v in settings.items()]
        for sections in self.simulator_sections.values():
            for section, values in sections.items():
                secrets += ["", f"[{section}]"]
                secrets += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
        (dlt_dir / "config.toml").write_text("\n".join(config) + "\n")
        (dlt_dir / "secrets.toml").write_text("\n".join(secrets) + "\n")

    def reuse_dbt_parse(self, build: bool = True, env: dict[str, str] | None = None) -> None:
        """Give the project's dbt the session's parse of the working tree to start from
        (_DbtParse; `build`: make it now if there is none yet), once, unless the project has
        a parse of its own. Project.run() calls it before dbt; a test running dbt otherwise
        (its own subprocess with `env`) may call it first."""
        if self._parse_reused or TARGET != "duckdb":
            return
        env = {**self.env, **(env or {})}
        if env.get("ELT_TARGET") != "duckdb":
            return
        target_path = REPO / env["DBT_TARGET_PATH"]
        if (target_path / "partial_parse.msgpack").exists() and not self._copied:
            self._parse_reused = True
            return
        parse = _DbtParse.shared()
        sources = env.get("ELT_SOURCES", "")
        if parse.ready(build, sources):
            parse.seed(target_path, env["ELT_DUCKDB_PATH"], sources)
            self._parse_reused = True

    def run(
        self, *args: str, check: bool = True, timeout: float = 900, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        # dbt always parses; `elt release` and `elt docs` run dbt unless they stop first (a config
        # error, no warehouse, the build already released), so they take the session's parse
        # only when it exists.
        if args[0] == "dbt" or (args[0] == "elt" and {"release", "docs"} & set(args[1:])):
            self.reuse_dbt_parse(build=args[0] == "dbt", env=env)
        completed = subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            cwd=REPO,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        self.log(completed)
        if check and completed.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {completed.returncode}\nstdout:\n{completed.stdout[-4000:]}"
                f"\nstderr:\n{completed.stderr[-4000:]}"
            )
        return completed

    def elt(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.run("elt", *args, check=check, env=env)

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("dbt", *args, check=check)

    def build(self, check: bool = True) -> subprocess.CompletedProcess[str]:
        """The scheduled `dbt build` (SCHEDULED_BUILD)."""
        return self.dbt(*SCHEDULED_BUILD, check=check)

    def log(self, completed: subprocess.CompletedProcess[str]) -> None:
        """Keep every command's output: tests grep it for secrets."""
        with (self.root / "commands.log").open("a") as handle:
            handle.write(f"$ {' '.join(completed.args)}\n{completed.stdout}\n{completed.stderr}\n")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run SQL on the project's warehouse (on postgres as the superuser, so tests can also
        change what a build left behind); rows of the last statement, if it returns any."""
        if self.target == "duckdb":
            with duckdb.connect(str(self.warehouse), read_only=not _writes(sql)) as conn:
                return conn.execute(sql).fetchall()
        # A new connection each time: a database with open sessions cannot be copied (copy()).
        conn = postgres_admin().admin_connect(self.postgres["ELT_PG_DATABASE"])
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall()) if cursor.description else []
        finally:
            conn.close()

    def scalar(self, sql: str) -> Any:
        return self.query(sql)[0][0]

    def copy(self, root: Path) -> Project:
        """A second project with this one's warehouse and state (for destructive tests)."""
        shutil.copytree(self.root, root)
        postgres = {}
        if self.target == "postgres":  # the database, copied whole (CREATE DATABASE ... TEMPLATE)
            postgres = _PostgresPool.fresh_database(template=self.postgres["ELT_PG_DATABASE"])
        copied = Project(
            root,
            self.sandbox_url,
            self.offices,
            self.settings,
            self.office_overrides,
            self.secret_overrides,
            service_csv=self.service_csv,
            service_csv_secrets=self.service_csv_secrets,
            simulator_sections=self.simulator_sections,
            simulator_settings=self.simulator_settings,
            postgres=postgres,
            sources=self.sources,
        )
        copied._copied = True
        copied.reuse_dbt_parse(build=False)
        return copied


def _writes(sql: str) -> bool:
    return sql.lstrip().split(None, 1)[0].lower() in {"insert", "update", "delete", "create", "drop", "alter"}


def load_summary(output: str, column: str = "landed") -> dict[tuple[str, str], int]:
    """Parse the load summary: {(office, table): fetched or landed}."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"\s+(\S+)\s+(\S+)\s+(incremental|full)\s+(\d+)\s+(\d+)\s+(\w+)", line)
        if match:
            found[(match.group(1), match.group(2))] = int(match.group(4 if column == "fetched" else 5))
    return found


def assert_no_secrets(project: Project, secrets: list[str]) -> None:
    """No secret in any text column of the warehouse nor in any file the project left behind."""
    assert secrets and all(secrets)
    # 1. every text value of every table, read through SQL (the file itself may be compressed;
    #    on PostgreSQL, long values are TOAST-compressed too)
    columns = project.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where lower(data_type) in ('varchar', 'json', 'text', 'character varying', 'jsonb') "
        "and table_schema not in ('information_schema', 'pg_catalog')"
    )
    assert columns
    by_table: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in columns:
        by_table.setdefault((schema, table), []).append(column)
    for (schema, table), names in by_table.items():  # one query per table: fast on big schemas
        hits = project.query(
            "select "
            + ", ".join(
                "count(case when "
                + " or ".join(f"cast(\"{column}\" as varchar) like '%{s}%'" for s in secrets)
                + " then 1 end)"
                for column in names
            )
            + f' from "{schema}"."{table}"'
        )[0]
        leaked = [f"{schema}.{table}.{column}" for column, n in zip(names, hits, strict=True) if n]
        assert not leaked, f"{leaked} hold a credential"
    # 2. every byte of the warehouse file (DuckDB) or the server's log (PostgreSQL: statements
    #    that failed are logged with their text), dlt's pipeline state and load packages, dbt's
    #    and GX's output and every command's stdout and stderr (commands.log)
    paths = list(Path(project.root).rglob("*"))
    if project.target == "postgres":
        paths.append(postgres_admin().root / "cluster" / "server.log")
    for path in paths:
        if path.is_file() and path.name != "secrets.toml":
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"{path} holds a credential"


@pytest.fixture
def make_sandbox() -> Iterator[Any]:
    """Start sandboxes on free ports; every one is stopped when the test ends."""
    running = []

    def start(offices: list[OfficeSpec] | None = None, **kwargs: Any) -> Any:
        server = start_sandbox_server(port=0, offices=offices or sandbox_offices(seed=7), **kwargs)
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


def make_project(
    root: Path,
    server: Any,
    offices: list[OfficeSpec],
    *,
    sources: tuple[str, ...] = ("pestroutes",),
    **settings: Any,
) -> Project:
    """A project loading PestRoutes from `server`'s offices; it runs `sources` (ELT_SOURCES;
    () for every source), to which pointing it at another source adds that source."""
    project = Project(root, server.url, offices, settings=settings, sources=sources)
    project.write_config()
    return project


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """Every source's sandbox loaded, built and released once, shared by the end-to-end tests."""
    offices = sandbox_offices(seed=11)
    server = start_sandbox_server(
        port=0,
        offices=offices,
        seed=11,
        scale=0.3,
        search_cap=120,
        get_cap=1000,
        qqcatalyst={"requests_per_minute": QQCATALYST_REQUESTS_PER_MINUTE},
        **{tool: {"per_minute": AI_TOOLS_REQUESTS_PER_MINUTE} for tool in AI_TOOLS},
    )
    moto = sandbox_s3.start_moto(port=0)
    try:
        sandbox_s3.seed_bucket(
            moto.endpoint_url,
            CorpusConfig(seed=11, initial_files=4, rows_per_file=400),
            range(1),
            bucket="e2e-exports",
        )
        project = make_project(tmp_path_factory.mktemp("built"), server, offices, sources=(), search_cap=120)
        project.read_exports_from(moto.endpoint_url, "e2e-exports")
        project.use_simulator(server, "incidents")
        project.use_simulator(server, "ecommerce")
        # QQCatalyst: limits far above the API's 60 a minute, month-wide windows: few calls.
        project.use_simulator(
            server,
            "qqcatalyst",
            requests_per_minute=QQCATALYST_REQUESTS_PER_MINUTE,
            window_days=31,
            start_date="2026-01-01",
        )
        # Every AI tool, each its own scope of `ai_tools`, its loader's limit raised to the
        # simulator's (the spec writes the vendor's into the loader's section).
        for tool in AI_TOOLS:
            project.use_simulator(server, tool, source="ai_tools")
            section = project.simulator_sections[tool][f"sources.ai_tools.{tool}"]
            section["requests_per_minute"] = AI_TOOLS_REQUESTS_PER_MINUTE
        # The application database: a SQLite file in the project, as `elt sandbox up` builds it.
        project.app_db_url = f"sqlite:///{project.root / 'app_db.sqlite'}"  # type: ignore[attr-defined]
        app_db_generator.build(project.app_db_url, day=0, seed=APP_DB_SEED, scale=APP_DB_SCALE)  # type: ignore[attr-defined]
        project.simulator_sections["app_db"] = {
            "sources.app_db.databases.app": {"credentials": project.app_db_url}  # type: ignore[attr-defined]
        }
        project.write_config()
        project.load_output = project.elt("load").stdout  # type: ignore[attr-defined]
        # The shops as loaded (tests tick the shared server later).
        project.shopify_orders = {  # type: ignore[attr-defined]
            shop: world.records() for shop, world in server.simulators["ecommerce"].worlds.items()
        }
        # The agencies' ground truth as loaded: every record and every planted value.
        qqcatalyst = server.simulators["qqcatalyst"]
        project.qqcatalyst_truth = {  # type: ignore[attr-defined]
            agency: {
                "ids": {
                    entity.table: {
                        str(r[entity.primary_key]) for r in qqcatalyst.records(agency, entity.table)
                    }
                    for entity in QQCATALYST_ENTITIES
                },
                "planted": qqcatalyst.planted(agency),
            }
            for agency in qqcatalyst.agencies
        }
        project.dbt("build")
        # Progress every second (10 s by default), so the tests see the release report it.
        release = project.elt("release", env={"ELT_PROGRESS_SECONDS": "1"})
        project.release_output, project.release_log = release.stdout, release.stderr  # type: ignore[attr-defined]
        project.server = server  # type: ignore[attr-defined]
        # The AI tools' "today" as loaded (tests tick the shared server later).
        project.ai_tools_today = {tool: server.simulators[tool].today for tool in AI_TOOLS}  # type: ignore[attr-defined]
        yield project
    finally:
        server.stop()
        moto.stop()
