"""The application databases to replicate and how each table is read, from dlt's config providers.

    [sources.app_db]
    lag_minutes = 240                 # re-read this much before each table's watermark
    parallel = true                   # read a database's tables at once (a connection each)
    [sources.app_db.tables.booking_items]
    cursor = "created_at"             # insert-only: rows are never updated
    [sources.app_db.tables.promotions]
    cursor = ""                       # no timestamp: read whole at every load
    [sources.app_db.databases.app]    # credentials in .dlt/secrets.toml:
    credentials = "postgresql://reader:...@host:5432/app"

A table reads incrementally by its `cursor` column (default `updated_at`, TABLE_CURSORS for the
application's tables without one) when the table has that column, and whole otherwise;
`cursor = ""` forces a whole read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders.app_db import TABLES
from loaders.common.config import SourceConfig
from loaders.common.errors import ConfigError

CONFIG = SourceConfig("sources.app_db")
DEFAULT_CURSOR = "updated_at"
# The application's tables without an `updated_at`: insert-only ones read by `created_at`, and
# promotions (rows do change, with no timestamp, and the table is small) read whole.
# `[sources.app_db.tables.<table>] cursor = ...` overrides.
TABLE_CURSORS = {"booking_items": "created_at", "messages": "created_at", "promotions": ""}


@dataclass(frozen=True)
class Database:
    name: str
    credentials: str = field(repr=False)  # a SQLAlchemy URL, with the password: a secret
    tables: tuple[str, ...] = TABLES

    @property
    def secrets(self) -> list[str]:
        from sqlalchemy.engine import make_url

        password = make_url(self.credentials).password
        return [self.credentials, *([str(password)] if password else [])]


@dataclass(frozen=True)
class Settings:
    # A row committed late (its transaction began before the last load read the table, its
    # `updated_at` therefore older than the watermark) is caught by re-reading this much.
    lag_minutes: int = 240
    chunk_size: int = 50_000  # rows per arrow batch, the unit the pipeline streams
    # Read a database's tables at once, in dlt's worker threads (always after all its key sets:
    # see pipeline.py). Each table being read holds a connection to the source until it is
    # done, and dlt starts them all while the first ones wait on the source: false reads one
    # table after another on one connection.
    parallel: bool = True
    cursors: dict[str, str] = field(default_factory=dict)  # table -> cursor column ("" = whole)
    # The salt dbt hashes PII join keys with (dbt reads it, the loader never uses it): listed
    # here so the tests check it never reaches a log.
    pii_salt: str | None = field(default=None, repr=False)

    def cursor(self, table: str) -> str:
        return self.cursors.get(table, DEFAULT_CURSOR)


def configured_databases() -> list[str]:
    return CONFIG.names("databases")


def load_databases(names: list[str] | None = None) -> list[Database]:
    databases = []
    for name in names or configured_databases():
        section = CONFIG.sub("databases", name)
        tables = section.get("tables")
        if tables is not None and (
            not isinstance(tables, list) or not all(isinstance(t, str) for t in tables)
        ):
            raise ConfigError(f"sources.app_db.databases.{name}.tables must be a list of table names")
        databases.append(
            Database(name=name, credentials=section.secret("credentials"), tables=tuple(tables or TABLES))
        )
    return databases


def load_settings() -> Settings:
    defaults = Settings()
    lag = CONFIG.get_int("lag_minutes", defaults.lag_minutes)
    if lag < 0:
        raise ConfigError(f"sources.app_db.lag_minutes must be 0 or more, got {lag}")
    chunk_size = CONFIG.get_int("chunk_size", defaults.chunk_size)
    if chunk_size < 1:
        raise ConfigError(f"sources.app_db.chunk_size must be at least 1, got {chunk_size}")
    cursors = dict(TABLE_CURSORS)
    for table in sorted(set(CONFIG.names("tables")) | set(TABLES)):
        value = CONFIG.sub("tables", table).raw("cursor")  # "" (read whole) is a value here
        if value is not None:
            cursors[table] = str(value).strip()
    return Settings(
        lag_minutes=lag,
        chunk_size=chunk_size,
        parallel=CONFIG.get_bool("parallel", defaults.parallel),
        cursors=cursors,
        pii_salt=CONFIG.optional_secret("pii_salt"),
    )
