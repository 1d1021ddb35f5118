"""One setting chooses the warehouse for dlt and dbt together: ELT_TARGET.

`duckdb` (default, a file at the repo root or ELT_DUCKDB_PATH), `postgres` or `snowflake`.
Credentials for the server warehouses come from environment variables (see README), and the
same variables feed profiles.yml, so a load and a build always hit the same warehouse.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from loaders.common.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("duckdb", "postgres", "snowflake")


def target() -> str:
    value = os.environ.get("ELT_TARGET", "duckdb").strip().lower() or "duckdb"
    if value not in TARGETS:
        raise ConfigError(f"ELT_TARGET={value!r} is not one of {', '.join(TARGETS)}")
    return value


def duckdb_path() -> Path:
    path = Path(os.environ.get("ELT_DUCKDB_PATH", "warehouse.duckdb"))
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def pipelines_dir() -> Path:
    """Where dlt keeps pipeline working state (watermarks are also stored in the warehouse).

    One folder per warehouse: dlt trusts a local state over the destination's, so a state left
    by a load into another warehouse (the DuckDB file, then `ELT_TARGET=postgres`) would carry
    its watermarks over and the new warehouse would only get the overlap window.
    """
    if os.environ.get("ELT_PIPELINES_DIR"):
        return Path(os.environ["ELT_PIPELINES_DIR"])
    chosen = target()
    if chosen == "duckdb":
        identity = str(duckdb_path())
    elif chosen == "postgres":
        identity = "/".join(
            os.environ.get(name, "") for name in ("ELT_PG_HOST", "ELT_PG_PORT", "ELT_PG_DATABASE")
        )
    else:
        identity = "/".join(
            os.environ.get(name, "") for name in ("ELT_SNOWFLAKE_ACCOUNT", "ELT_SNOWFLAKE_DATABASE")
        )
    digest = hashlib.sha1(identity.encode()).hexdigest()[:10]
    return REPO_ROOT / ".elt" / "pipelines" / f"{chosen}-{digest}"


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ConfigError(f"{name} is not set: it is required when ELT_TARGET={target()} (see README)")
    return value


def dlt_destination() -> Any:
    """The dlt destination for the selected warehouse."""
    import dlt

    chosen = target()
    if chosen == "duckdb":
        return dlt.destinations.duckdb(credentials=str(duckdb_path()))
    if chosen == "postgres":
        credentials = {
            "host": _env("ELT_PG_HOST", "127.0.0.1"),
            "port": int(_env("ELT_PG_PORT", "5432")),
            "username": _env("ELT_PG_LOADER_USER", os.environ.get("ELT_PG_USER", "loader")),
            "password": os.environ.get("ELT_PG_LOADER_PASSWORD", os.environ.get("ELT_PG_PASSWORD", "")),
            "database": _env("ELT_PG_DATABASE", "warehouse"),
        }
        return dlt.destinations.postgres(credentials=credentials)
    credentials = {
        "host": _env("ELT_SNOWFLAKE_ACCOUNT"),
        "username": _env("ELT_SNOWFLAKE_LOADER_USER", os.environ.get("ELT_SNOWFLAKE_USER")),
        "password": os.environ.get("ELT_SNOWFLAKE_LOADER_PASSWORD", os.environ.get("ELT_SNOWFLAKE_PASSWORD"))
        or None,
        # Key-pair auth: a PEM file (optionally encrypted), as for dbt (profiles.yml).
        "private_key_path": os.environ.get(
            "ELT_SNOWFLAKE_LOADER_PRIVATE_KEY_PATH", os.environ.get("ELT_SNOWFLAKE_PRIVATE_KEY_PATH")
        )
        or None,
        "private_key_passphrase": os.environ.get(
            "ELT_SNOWFLAKE_LOADER_PRIVATE_KEY_PASSPHRASE",
            os.environ.get("ELT_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
        )
        or None,
        "database": _env("ELT_SNOWFLAKE_DATABASE", "ANALYTICS"),
        "warehouse": os.environ.get(
            "ELT_SNOWFLAKE_LOAD_WAREHOUSE", os.environ.get("ELT_SNOWFLAKE_WAREHOUSE", "LOADING")
        ),
        "role": os.environ.get("ELT_SNOWFLAKE_LOADER_ROLE", "LOADER"),
    }
    return dlt.destinations.snowflake(
        credentials={k: v for k, v in credentials.items() if v is not None},
        # A named external stage over the staging bucket (storage integration): Snowflake reads
        # the files with its own grant, no AWS key in COPY INTO. Unset, dlt passes the staging
        # bucket's credentials in each COPY INTO.
        stage_name=os.environ.get("ELT_SNOWFLAKE_STAGE") or None,
        # Snowflake QUERY_HISTORY groups every load statement by pipeline, table and load id.
        query_tag=SNOWFLAKE_LOAD_QUERY_TAG,
    )


# dlt fills the placeholders per statement.
SNOWFLAKE_LOAD_QUERY_TAG = (
    '{"app": "elt_warehouse", "pipeline": "{{pipeline_name}}", '  # noqa: ISC003
    '"table": "{{table}}", "load_id": "{{load_id}}"}'
)


def dlt_staging() -> Any:
    """Where dlt stages load files before the warehouse copies them in, or None to load
    directly. Only Snowflake stages: dlt writes parquet files to the S3 bucket
    ELT_SNOWFLAKE_STAGING_BUCKET_URL (`s3://bucket/prefix`) and loads each with COPY INTO, never
    row INSERTs. The bucket's credentials come from dlt's configuration
    (DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID / ..._SECRET_ACCESS_KEY, or
    `[destination.filesystem.credentials]` in .dlt/secrets.toml), else the AWS default chain."""
    import dlt

    if target() != "snowflake":
        return None
    return dlt.destinations.filesystem(bucket_url=_env("ELT_SNOWFLAKE_STAGING_BUCKET_URL"))


def loader_file_format() -> str | None:
    """The file format dlt writes load packages in for the selected warehouse (None: the config's).

    PostgreSQL: `csv`, which dlt's postgres destination loads with one `COPY ... FROM STDIN` per
    file (its fastest path without the ADBC driver; `insert_values`, its default, sends row
    INSERTs, and `parquet` needs adbc-driver-postgresql, which cannot write JSONB). Arrow tables
    (service_csv) go through pyarrow's CSV writer, JSON records (pestroutes) through dlt's.
    """
    return "csv" if target() == "postgres" else None


def describe() -> str:
    chosen = target()
    if chosen == "duckdb":
        return f"duckdb file {duckdb_path()}"
    if chosen == "postgres":
        return (
            f"postgres {os.environ.get('ELT_PG_HOST', '127.0.0.1')}:{os.environ.get('ELT_PG_PORT', '5432')}"
        )
    return f"snowflake account {os.environ.get('ELT_SNOWFLAKE_ACCOUNT', '?')}"


@contextlib.contextmanager
def run_lock(what: str) -> Iterator[None]:
    """Hold this warehouse's run lock for a whole command (its dlt working folder and watermarks
    included): a second `elt load` on the same warehouse exits at once with one line naming the
    run that holds it, instead of both failing half-way. The lock is the kernel's (flock), so a
    killed run never leaves it behind."""
    import fcntl

    path = pipelines_dir().with_name(pipelines_dir().name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ConfigError(
            f"{holder} is running on this warehouse ({describe()}): wait for it to finish, then retry"
        ) from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{what} (PID {os.getpid()})")
        handle.flush()
        yield
    finally:
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def check_available(create: bool = True) -> None:
    """Fail with one line when the warehouse cannot be used: the DuckDB file is missing (for
    read-only commands, `create=False`: they never create one), locked by another process or not
    writable, or the PostgreSQL server refuses the connection (down, wrong port, bad password)."""
    chosen = target()
    if chosen == "duckdb":
        if not create and not duckdb_path().exists():
            raise ConfigError(
                f"no warehouse at {duckdb_path()}: check ELT_DUCKDB_PATH, or run `elt load` and "
                "`dbt build` first"
            )
        check_duckdb_unlocked()
    elif chosen == "postgres":
        check_postgres_reachable()


def _postgres_params() -> dict[str, Any]:
    """The transformer's connection (by default) as the ELT_PG_* variables say."""
    return {
        "host": _env("ELT_PG_HOST", "127.0.0.1"),
        "port": int(_env("ELT_PG_PORT", "5432")),
        "user": _env("ELT_PG_USER", "transformer"),
        "password": os.environ.get("ELT_PG_PASSWORD", ""),
        "dbname": _env("ELT_PG_DATABASE", "warehouse"),
    }


def postgres_connect(connect_timeout: int | None = None) -> Any:
    """A psycopg2 connection as the ELT_PG_* variables say (the transformer by default)."""
    import psycopg2

    return psycopg2.connect(
        **_postgres_params(), **({"connect_timeout": connect_timeout} if connect_timeout else {})
    )


def postgres_sqlalchemy_url() -> str:
    """The same connection as postgres_connect, as a SQLAlchemy URL (psycopg2 driver: SQLAlchemy
    would pick psycopg 3, which is not installed). It holds the password: keep it in memory."""
    from sqlalchemy.engine import URL

    params = _postgres_params()
    url = URL.create(
        "postgresql+psycopg2",
        username=params["user"],
        password=params["password"],
        host=params["host"],
        port=params["port"],
        database=params["dbname"],
    )
    return url.render_as_string(hide_password=False)


def check_postgres_reachable() -> None:
    import psycopg2

    try:
        postgres_connect(connect_timeout=10).close()
    except psycopg2.OperationalError as exc:
        host, port = _env("ELT_PG_HOST", "127.0.0.1"), _env("ELT_PG_PORT", "5432")
        reason = " ".join(str(exc).split())[:200]
        raise ConfigError(
            f"cannot connect to PostgreSQL at {host}:{port} as {_env('ELT_PG_USER', 'transformer')} "
            f"({reason}): check ELT_PG_* or start the throwaway server with `make pg-up`"
        ) from None


def check_duckdb_unlocked() -> None:
    """Fail with one line when another process holds the DuckDB file's write lock."""
    if target() != "duckdb":
        return
    import duckdb

    path = duckdb_path()
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" not in message.lower():
            # Read-only file system, no permission, an immutable file, a missing folder ...
            reason = " ".join(message.split())
            raise ConfigError(
                f"cannot open the warehouse file {path} for writing ({reason[:200]}): check the path "
                "(ELT_DUCKDB_PATH), its folder and its permissions"
            ) from None
        holder = ""
        if "PID" in message:
            holder = " (held by PID " + message.split("PID", 1)[1].strip().split()[0].rstrip(")") + ")"
        raise ConfigError(
            f"the warehouse file {path} is locked by another process{holder}: wait for it to finish "
            "or stop it, then retry"
        ) from exc


class Reader:
    """Read-only access to the warehouse for the release gate and `elt status`."""

    def __init__(self) -> None:
        self.target = target()
        if self.target == "duckdb":
            import duckdb

            path = duckdb_path()
            if not path.exists():
                raise ConfigError(f"no warehouse at {path}: run `make load` and `dbt build` first")
            self._conn = duckdb.connect(str(path), read_only=True)
        elif self.target == "postgres":
            self._conn = postgres_connect()
            # Each query on its own: one that fails (a table `elt status` probes without the
            # column) must not abort the transaction every later query runs in.
            self._conn.autocommit = True
        else:
            import snowflake.connector

            options = {
                "account": _env("ELT_SNOWFLAKE_ACCOUNT"),
                "user": _env("ELT_SNOWFLAKE_USER"),
                "password": os.environ.get("ELT_SNOWFLAKE_PASSWORD"),
                "private_key_file": os.environ.get("ELT_SNOWFLAKE_PRIVATE_KEY_PATH"),
                "private_key_file_pwd": os.environ.get("ELT_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
                "database": _env("ELT_SNOWFLAKE_DATABASE", "ANALYTICS"),
                "warehouse": os.environ.get("ELT_SNOWFLAKE_WAREHOUSE", "TRANSFORMING"),
                "role": os.environ.get("ELT_SNOWFLAKE_ROLE", "TRANSFORMER"),
                "host": os.environ.get("ELT_SNOWFLAKE_HOST"),
                "port": os.environ.get("ELT_SNOWFLAKE_PORT"),
                "protocol": os.environ.get("ELT_SNOWFLAKE_PROTOCOL"),
                "session_parameters": {"QUERY_TAG": '{"app": "elt_warehouse", "step": "release"}'},
            }
            self._conn = snowflake.connector.connect(**{k: v for k, v in options.items() if v})

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.target == "duckdb":
            return self._conn.execute(sql.replace("%s", "?"), list(params)).fetchall()
        cursor = self._conn.cursor()
        try:
            cursor.execute(sql, params or None)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def frame(self, schema: str, table: str) -> Any:
        """One whole table as a pandas DataFrame."""
        import pandas as pd

        relation = f"{schema}.{table}"
        if self.target == "duckdb":
            return self._conn.execute(f"select * from {relation}").df()
        cursor = self._conn.cursor()
        try:
            cursor.execute(f"select * from {relation}")
            columns = [d[0].lower() for d in cursor.description]
            return pd.DataFrame(cursor.fetchall(), columns=columns)
        finally:
            cursor.close()

    def tables(self, schema: str) -> list[str]:
        rows = self.query(
            "select table_name from information_schema.tables "
            "where lower(table_schema) = lower(%s) and table_type in ('BASE TABLE', 'TABLE') "
            "order by table_name",
            (schema,),
        )
        return [str(r[0]).lower() for r in rows]
