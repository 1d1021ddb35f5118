"""One DB-API connection to the application database, SQLite or PostgreSQL, from a SQLAlchemy URL
(`sqlite:////abs/path.sqlite`, `postgresql+psycopg2://user:pw@host:port/db`).

Rows travel as dicts of Python values (naive UTC datetimes, dates, bools, Decimals); this module
turns them into each dialect's storage (SQLite: SQLAlchemy's text formats, so SQLAlchemy reads
them back as datetimes) and back. Bulk loads use COPY on PostgreSQL. SQL is written with `?`
placeholders and rewritten for psycopg2.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from sandbox.app_db import schema

Row = dict[str, Any]
_FOUR_PLACES = Decimal("0.0001")


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")  # SQLAlchemy's SQLite DATETIME format
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


class Database:
    """A connection; `begin()`/`commit()` delimit transactions (SQLite runs in autocommit mode)."""

    def __init__(self, target: str) -> None:
        try:
            url = make_url(target)
        except ArgumentError as error:
            raise ValueError(f"not a SQLAlchemy URL: {target!r}") from error
        self.dialect = url.get_backend_name()
        if self.dialect == "sqlite":
            if not url.database or url.database == ":memory:":
                raise ValueError("a SQLite target needs a file: sqlite:////absolute/path.sqlite")
            self.path: Path | None = Path(url.database)
            # Autocommit (transactions are explicit); wait out a loader's read rather than fail.
            self.conn: Any = sqlite3.connect(url.database, isolation_level=None, timeout=60)
        elif self.dialect == "postgresql":
            import psycopg2

            self.path = None
            self.conn = psycopg2.connect(
                host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username,
                password=url.password, dbname=url.database,
            )  # fmt: skip
            with self.conn.cursor() as cursor:
                cursor.execute("set time zone 'UTC'")
            self.conn.commit()
        else:
            raise ValueError(f"the app_db sandbox writes SQLite or PostgreSQL, not {self.dialect!r}")
        self._copier: ThreadPoolExecutor | None = None
        self._copies: list[Future[None]] = []

    # ----- statements ------------------------------------------------------------------------

    def sql(self, text: str) -> str:
        return text if self.dialect == "sqlite" else text.replace("%", "%%").replace("?", "%s")

    def execute(self, text: str, params: Sequence[Any] = ()) -> None:
        cursor = self.conn.cursor()
        cursor.execute(self.sql(text), [self.adapt(p) for p in params])
        cursor.close()

    def executemany(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        adapted = [[self.adapt(v) for v in row] for row in rows]
        if not adapted:
            return
        cursor = self.conn.cursor()
        if self.dialect == "sqlite":
            cursor.executemany(text, adapted)
        else:
            from psycopg2.extras import execute_batch

            execute_batch(cursor, self.sql(text), adapted, page_size=500)
        cursor.close()

    def query(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.conn.cursor()
        cursor.execute(self.sql(text), [self.adapt(p) for p in params])
        rows = cursor.fetchall()
        cursor.close()
        return rows

    def adapt(self, value: Any) -> Any:
        return _sqlite_value(value) if self.dialect == "sqlite" else value

    def begin(self) -> None:
        if self.dialect == "sqlite":
            self.conn.execute("begin")

    def commit(self) -> None:
        if self.dialect == "sqlite":
            if self.conn.in_transaction:
                self.conn.execute("commit")
        else:
            self.conn.commit()

    def rollback(self) -> None:
        if self.dialect == "sqlite":
            if self.conn.in_transaction:
                self.conn.execute("rollback")
        else:
            self.conn.rollback()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            if self._copier is not None:
                self._copier.shutdown()
            self.conn.close()

    # ----- rows ------------------------------------------------------------------------------

    def rows(self, table: str, where: str = "", params: Sequence[Any] = (), columns: str = "*") -> list[Row]:
        """Rows of `table` as dicts of Python values, in id order."""
        names = schema.COLUMNS[table] if columns == "*" else tuple(c.strip() for c in columns.split(","))
        text = (
            f"select {', '.join(names)} from {table}" + (f" where {where}" if where else "") + " order by id"
        )
        return [
            self.normalize(table, dict(zip(names, values, strict=True)))
            for values in self.query(text, params)
        ]

    def normalize(self, table: str, row: Row) -> Row:
        """Values as the generator writes them, whichever dialect stored them."""
        stamps, dates, flags = schema.TIMESTAMPS[table], schema.DATES[table], schema.BOOLEANS[table]
        for name, value in row.items():
            if value is None:
                continue
            if name in stamps:
                if isinstance(value, str):
                    value = datetime.fromisoformat(value)
                if value.tzinfo is not None:
                    value = value.astimezone(UTC).replace(tzinfo=None)
            elif name in dates and isinstance(value, str):
                value = date.fromisoformat(value)
            elif name in flags:
                value = bool(value)
            elif name == "commission_rate":
                value = Decimal(str(value)).quantize(_FOUR_PLACES)
            row[name] = value
        return row

    def insert(self, table: str, rows: Sequence[Row]) -> None:
        """Insert a few rows (a tick's); `copy` is for the bulk load."""
        if rows:
            columns = schema.COLUMNS[table]
            text = f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
            self.executemany(text, [[row[c] for c in columns] for row in rows])

    def copy(self, table: str, rows: Sequence[Row]) -> None:
        """Bulk-insert `rows`: COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        columns = schema.COLUMNS[table]
        if self.dialect == "sqlite":
            text = f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
            self.conn.executemany(text, [[_sqlite_value(row[c]) for c in columns] for row in rows])
            return
        # CSV: None is an unquoted empty field, NULL to COPY (the generator makes no empty
        # strings); naive timestamps are UTC, the session's time zone. The csv module formats in
        # C, and the server parses the previous chunk on the other core while this one is made.
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(map(itemgetter(*columns), rows))
        buffer.seek(0)
        statement = f"copy {table} ({', '.join(columns)}) from stdin with (format csv)"
        if self._copier is None:
            self._copier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="app_db-copy")
        while len(self._copies) > 2:  # bound what waits in memory
            self._copies.pop(0).result()
        self._copies.append(self._copier.submit(self._copy_expert, statement, buffer))

    def _copy_expert(self, statement: str, buffer: io.StringIO) -> None:
        with self.conn.cursor() as cursor:
            cursor.copy_expert(statement, buffer)

    def drain(self) -> None:
        """Wait for the COPYs still running (before any other statement on this connection)."""
        while self._copies:
            self._copies.pop(0).result()

    def max_value(self, table: str, column: str) -> Any:
        value = self.query(f"select max({column}) from {table}")[0][0]
        return None if value is None else self.normalize(table, {column: value})[column]

    # ----- the day a SQLite file is at -------------------------------------------------------

    def recorded_day(self) -> int | None:
        """The simulated day a SQLite file holds (PRAGMA user_version = day + 1; 0: unknown)."""
        if self.dialect != "sqlite":
            return None
        version = self.conn.execute("pragma user_version").fetchone()[0]
        return version - 1 if version > 0 else None

    def record_day(self, day: int) -> None:
        if self.dialect == "sqlite":
            self.conn.execute(f"pragma user_version = {int(day) + 1}")
