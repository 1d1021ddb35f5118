"""`elt load app_db`: every configured application database into raw_app_db, read only.

Each table is read with dlt's `sql_table` on the pyarrow backend (rows arrive as arrow batches
and skip dlt's row-by-row normalisation), incrementally by its cursor column with a lag that
catches late commits, or whole when it has no timestamp. Before its data, each table's complete
key set and row count are read in one source transaction into `keys_<table>` and
`source_counts` (replaced per database): dbt marks rows whose key vanished as hard-deleted and
reconciles the warehouse against the source with them, without replication rights.

RAW is append-only and exact: the source's columns with their types, plus `_database`,
`_extracted_at` and `_dlt_load_id`. PII columns land here and nowhere else unprotected (dbt
hashes or drops them in staging; raw_app_db is granted to no consumer role).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa
import sqlalchemy as sa
from dlt.extract.resource import DltResource
from dlt.sources.sql_database import sql_table

from loaders.app_db import SOURCE
from loaders.app_db.settings import Database, Settings, configured_databases, load_databases, load_settings
from loaders.common.errors import LoaderError
from loaders.common.report import LoadReport
from loaders.common.runner import one_line, run_source

log = logging.getLogger(__name__)

SCOPE_COLUMN = "_database"
LINEAGE_COLUMNS: dict[str, dict[str, Any]] = {
    SCOPE_COLUMN: {"data_type": "text", "nullable": False},
    "_extracted_at": {"data_type": "timestamp", "nullable": False},
}
KEY_BATCH = 100_000


def configured_scopes() -> list[str]:
    return configured_databases()


def secrets() -> list[str]:
    settings = load_settings()
    salt = [settings.pii_salt] if settings.pii_salt else []
    return [secret for database in load_databases() for secret in database.secrets] + salt


def read_only_engine(database: Database) -> sa.Engine:
    """An engine whose every session refuses writes, whatever the role may do: the loader reads
    the application's database and must never change it (a read-only role is still expected)."""
    engine = sa.create_engine(database.credentials, pool_pre_ping=True)

    @sa.event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("pragma query_only = on")
        elif engine.dialect.name == "postgresql":
            cursor.execute("set session characteristics as transaction read only")
            dbapi_connection.commit()  # a SET is transactional: keep it past the pool's rollback
        cursor.close()

    return engine


def _with_lineage(database: str, extracted_at: datetime) -> Any:
    """Adds the lineage columns to a batch, and reads naive timestamps (SQLite keeps no zone;
    the application writes UTC) as UTC, so every RAW timestamp is `timestamp with time zone`."""

    def add(batch: pa.Table) -> pa.Table:
        for index, column in enumerate(batch.schema):
            if pa.types.is_timestamp(column.type) and column.type.tz is None:
                typed = pa.timestamp(column.type.unit, tz="UTC")
                batch = batch.set_column(index, column.name, batch.column(index).cast(typed))
        rows = batch.num_rows
        batch = batch.append_column(
            pa.field(SCOPE_COLUMN, pa.string(), nullable=False), pa.array([database] * rows)
        )
        stamp = pa.timestamp("us", tz="UTC")
        return batch.append_column(
            pa.field("_extracted_at", stamp, nullable=False), pa.array([extracted_at] * rows, stamp)
        )

    return add


def _key_hints(table: str) -> Any:
    # Replaced per (database, table): a load of some tables leaves the others' keys as they were.
    return dlt.mark.make_hints(
        table_name=f"keys_{table}",
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=SCOPE_COLUMN,
        columns={**LINEAGE_COLUMNS, "id": {"data_type": "bigint", "nullable": False}},
    )


def _counts(counts: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The row counts `_keys` read (it runs first: the source is extracted in order)."""
    if counts:
        yield counts


def _keys(
    engine: sa.Engine,
    database: Database,
    tables: Sequence[str],
    report: LoadReport,
    extracted_at: datetime,
    counts: list[dict[str, Any]],
) -> Iterator[Any]:
    """Each table's key set, and into `counts` its row count, read in one transaction (a snapshot
    on PostgreSQL), before dlt reads the table's data (the source is extracted in order: see
    load())."""
    for table in tables:
        result = report.result(database.name, f"keys_{table}", mode="full")
        if report.scope_failed(database.name):
            result.status = "skipped"
            continue
        try:
            with engine.connect() as connection:
                if engine.dialect.name == "postgresql":
                    connection.execute(sa.text("set transaction isolation level repeatable read"))
                quoted = engine.dialect.identifier_preparer.quote(table)
                count = connection.execute(sa.text(f"select count(*) from {quoted}")).scalar_one()
                ids = connection.execution_options(stream_results=True, yield_per=KEY_BATCH).execute(
                    sa.text(f"select id from {quoted}")
                )
                read = 0
                for chunk in ids.partitions(KEY_BATCH):
                    keys = pa.Table.from_arrays(
                        [pa.array([row[0] for row in chunk], pa.int64())],
                        schema=pa.schema([pa.field("id", pa.int64(), nullable=False)]),
                    )
                    read += keys.num_rows
                    yield dlt.mark.with_hints(
                        _with_lineage(database.name, extracted_at)(keys), _key_hints(table)
                    )
                if read != count:
                    raise LoaderError(f"{table}: read {read} keys of {count} rows in one transaction")
        except (sa.exc.SQLAlchemyError, LoaderError) as exc:
            message = f"{database.name}: reading the keys of {table} failed: {one_line(str(exc))}"
            report.fail_scope(database.name, message)
            result.status, result.error = "failed", message
            log.error("%s", message)
            return
        result.fetched = read
        result.status = "ok"
        counts.append(
            {
                SCOPE_COLUMN: database.name,
                "table_name": table,
                "row_count": int(count),
                "_extracted_at": extracted_at,
            }
        )


def _table_resource(
    engine: sa.Engine,
    database: Database,
    table: str,
    cursor: str | None,
    settings: Settings,
    full_refresh: bool,
    extracted_at: datetime,
) -> DltResource:
    incremental = None
    if cursor and not full_refresh:
        # dlt keeps the newest cursor value in this resource's state, committed with the load;
        # the lag re-reads what committed late. A --full-refresh reads the whole table and
        # leaves that state as it was (the next run re-reads from it: more, never less).
        incremental = dlt.sources.incremental(cursor, lag=settings.lag_minutes * 60)
    resource = sql_table(
        credentials=engine,
        table=table,
        backend="pyarrow",
        chunk_size=settings.chunk_size,
        incremental=incremental,
        reflection_level="full",
        table_adapter_callback=_utc_timestamps,
        write_disposition="append",
    )
    resource = resource.with_name(f"{table}__{database.name}").add_map(
        _with_lineage(database.name, extracted_at)
    )
    resource.apply_hints(table_name=table)
    return resource


def _utc_timestamps(table: sa.Table) -> sa.Table:
    """Reflected timestamps without a zone (SQLite's, `timestamp` on PostgreSQL) are UTC in the
    application: land them as `timestamp with time zone` like the zoned ones (_with_lineage
    tags the values)."""
    for column in table.columns:
        if isinstance(column.type, sa.DateTime) and not column.type.timezone:
            column.type = sa.DateTime(timezone=True)
    return table


@dlt.source(name="app_db", max_table_nesting=0)
def app_db_source(
    plans: Sequence[tuple[Database, sa.Engine, dict[str, str | None]]],
    settings: Settings,
    report: LoadReport,
    full_refresh: bool,
) -> Iterator[DltResource]:
    extracted_at = datetime.now(UTC)
    for database, engine, cursors in plans:
        tables = list(cursors)
        counts: list[dict[str, Any]] = []
        yield dlt.resource(
            _keys(engine, database, tables, report, extracted_at, counts), name=f"keys__{database.name}"
        )
        # Appended, one row per (database, table) and load: the history of the source's size.
        yield dlt.resource(
            _counts(counts),
            name=f"source_counts__{database.name}",
            table_name="source_counts",
            write_disposition="append",
            columns={
                **LINEAGE_COLUMNS,
                "table_name": {"data_type": "text", "nullable": False},
                "row_count": {"data_type": "bigint", "nullable": False},
            },
        )
        for table, cursor in cursors.items():
            result = report.result(
                database.name, table, mode="incremental" if cursor and not full_refresh else "full"
            )
            result.status = "ok"
            yield _table_resource(engine, database, table, cursor, settings, full_refresh, extracted_at)


def _plan(
    engine: sa.Engine, database: Database, settings: Settings, entities: Sequence[str]
) -> dict[str, str | None]:
    """Table -> the cursor it is read by (None: whole), for the tables this run reads; an
    unreachable database or a configured table it lacks is a LoaderError naming it."""
    try:
        inspector = sa.inspect(engine)
        present = set(inspector.get_table_names())
        plan: dict[str, str | None] = {}
        for table in database.tables:
            if entities and table not in entities:
                continue
            if table not in present:
                raise LoaderError(f"{database.name}: table {table} is configured but not in the database")
            columns = {column["name"] for column in inspector.get_columns(table)}
            cursor = settings.cursor(table)
            if cursor and cursor not in columns:
                if table in settings.cursors:
                    raise LoaderError(
                        f"{database.name}: {table} has no column {cursor} (its configured cursor)"
                    )
                cursor = ""  # no updated_at: read whole
            plan[table] = cursor or None
        return plan
    except sa.exc.SQLAlchemyError as exc:
        raise LoaderError(f"{database.name}: cannot read the database: {one_line(str(exc))}") from None


def load(
    scopes: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    full_refresh: bool = False,
) -> LoadReport:
    report = LoadReport(SOURCE.name)
    databases = load_databases(list(scopes) if scopes else None)
    if not databases:
        report.skip(
            "not configured: add [sources.app_db.databases.<name>] with credentials (a SQLAlchemy URL)"
        )
        return report
    settings = load_settings()
    plans = []
    for database in databases:
        engine = read_only_engine(database)
        try:
            plans.append((database, engine, _plan(engine, database, settings, entities or ())))
        except LoaderError as exc:
            report.fail_scope(database.name, str(exc))
            report.result(database.name, "tables", mode="full").status = "failed"
            log.error("%s", exc)
            engine.dispose()
    if not plans:
        return report
    try:
        run_source(
            SOURCE.name,
            SOURCE.dataset,
            lambda: app_db_source(plans, settings, report, full_refresh),
            report,
            workers=2,
            after_load=_count_landed(report, plans),
            dlt_settings={
                # Resources one after another, in the order yielded: a table's keys before its
                # data (what the hard-delete rule in staging relies on).
                "EXTRACT__NEXT_ITEM_MODE": "fifo",
                # Arrow batches get the load id too (dlt adds it only to rows by default).
                "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "true",
            },
        )
    finally:
        for _database, engine, _cursors in plans:
            engine.dispose()
    return report


def _count_landed(
    report: LoadReport, plans: Sequence[tuple[Database, sa.Engine, dict[str, str | None]]]
) -> Any:
    def count(sql_client: Any, load_id: str) -> None:
        for database, _engine, cursors in plans:
            for table in cursors:
                for name in (table, f"keys_{table}"):
                    qualified = sql_client.make_qualified_table_name(name)
                    try:
                        where = f"_dlt_load_id = %s and {SCOPE_COLUMN} = %s"
                        rows = sql_client.execute_sql(
                            f"select count(*) from {qualified} where {where}", load_id, database.name
                        )
                    except Exception:  # noqa: BLE001 - nothing landed in it yet
                        continue
                    if (database.name, name) in report.results:
                        result = report.result(database.name, name)
                        result.landed = int(rows[0][0])
                        if name == table:
                            result.fetched = result.landed

    return count
