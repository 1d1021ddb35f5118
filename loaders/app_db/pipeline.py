"""`elt load app_db`: every configured application database into raw_app_db, read only.

Each table is read with dlt's `sql_table` on the pyarrow backend (rows arrive as arrow batches
and skip dlt's row-by-row normalisation), incrementally by its cursor column with a lag that
catches late commits, or whole when it has no timestamp. Before the data, each table's complete
key set and row count are read in one source transaction into `keys_<table>` and
`source_counts` (replaced per database): dbt marks rows whose key vanished as hard-deleted and
reconciles the warehouse against the source with them, without replication rights.

RAW is append-only and exact: the source's columns with their types, plus `_database`,
`_extracted_at` and `_dlt_load_id`. PII columns land here and nowhere else unprotected (dbt
hashes or drops them in staging; raw_app_db is granted to no consumer role).

Speed (issue 20: a full load at least half as fast as a plain `COPY` of the same tables; the
README's "Speed" has the measurements and what did not help):

- PostgreSQL is read with `COPY (<the query dlt builds>) TO STDOUT` as CSV, parsed by pyarrow's
  C++ CSV reader into the arrow types dlt's own pyarrow backend gives each column
  (`_CopyTableLoader`, through dlt's `table_loader_class`; the key sets alike). dlt's backend
  fetches rows through psycopg2 and SQLAlchemy, a Python object per value: most of a full load
  went there. A table with a column whose CSV text arrow cannot read exactly (json, binary,
  time ...), and SQLite, go dlt's own way.
- While dlt writes one batch, threads keep reading the next ones (`_copy_csv`), and the data
  resources are parallelized (dlt's worker threads, `workers=2`): the source is read while
  the main thread writes parquet.
- All the tables are reflected at once into one `MetaData`, which every `sql_table` reuses.
- On DuckDB, uncompressed parquet load files (dlt's `DATA_WRITER__COMPRESSION`).

Order, what the hard-delete rule relies on: within one load, every key set of a database is read
before any of its data. The key sets are read by `keys__<database>`, a resource that is *not*
parallelized, declared before the database's data resources, and dlt extracts in `fifo` mode.
In that mode dlt asks the first unfinished resource, in declaration order, for its next item and
moves to a later one only while that one has a parallel step in flight (or once it is
exhausted); a resource that is not parallelized never has one, so no later resource starts
before `keys__<database>` is exhausted. Parallelism is among the data resources, after the key
sets. Each data resource checks it too, just before its query (`_after_keys`): a read that would
come first (a user's EXTRACT__NEXT_ITEM_MODE=round_robin, say) fails the load instead.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from dlt.common.configuration.container import Container
from dlt.common.destination import DestinationCapabilitiesContext
from dlt.common.libs.pyarrow import get_py_arrow_datatype
from dlt.extract.resource import DltResource
from dlt.sources.sql_database import TableLoader, sql_table

from loaders.app_db import SOURCE
from loaders.app_db.settings import Database, Settings, configured_databases, load_databases, load_settings
from loaders.common import warehouse
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
KEY_SCHEMA = pa.schema([pa.field("id", pa.int64(), nullable=False)])
STAMP = pa.timestamp("us", tz="UTC")
NAIVE_UTC = "app_db_naive_utc"  # Column.info: a zone-less timestamp in the source, read as UTC
# dlt data types whose PostgreSQL CSV text pyarrow's CSV reader parses exactly (the rest, e.g.
# json, binary, time, read row by row through dlt's own pyarrow backend).
COPY_TYPES = frozenset({"text", "bigint", "bool", "double", "decimal", "date", "timestamp"})
COPY_BLOCK_BYTES = 8 << 20  # CSV bytes pyarrow parses at a time
COPY_PREFETCH = 2  # parsed tables of `chunk_size` rows kept ready while dlt writes the last one
_END = object()


@dataclass
class Plan:
    """One database this run reads: its tables (-> the cursor each is read by, None: whole),
    reflected once, and whether its key sets have been read in this load."""

    database: Database
    engine: sa.Engine
    cursors: dict[str, str | None]
    metadata: sa.MetaData
    keys_read: threading.Event = field(default_factory=threading.Event)


def configured_scopes() -> list[str]:
    return configured_databases()


def secrets() -> list[str]:
    settings = load_settings()
    salt = [settings.pii_salt] if settings.pii_salt else []
    return [secret for database in load_databases() for secret in database.secrets] + salt


def read_only_engine(database: Database) -> sa.Engine:
    """An engine whose every session refuses writes, whatever the role may do: the loader reads
    the application's database and must never change it (a read-only role is still expected)."""
    # No limit on the pool: with parallel reads each table being read holds a connection.
    engine = sa.create_engine(
        database.credentials, pool_pre_ping=True, poolclass=sa.pool.QueuePool, max_overflow=-1
    )

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


def _copy_csv(
    connection: sa.Connection, select: bytes, column_types: dict[str, pa.DataType], rows_per_batch: int
) -> Iterator[pa.Table]:
    """`COPY (select) TO STDOUT` as CSV, in `connection`'s transaction, parsed by pyarrow's C++
    CSV reader into tables of at least `rows_per_batch` rows: no Python object per value.

    Two threads keep the source busy while dlt writes what was read: one runs the COPY into a
    pipe, the other parses the pipe and keeps up to COPY_PREFETCH tables ready; without them
    PostgreSQL waited while each batch was written to parquet. The session's TimeZone is UTC
    here, so `timestamptz` reads `...+00`; PostgreSQL quotes an empty string and leaves NULL
    bare, which is how the reader tells them apart. A failed COPY raises its own error (not the
    parser's at the truncated input), and its partial last batch is never yielded."""
    connection.exec_driver_sql("set local timezone to 'UTC'")
    connection.exec_driver_sql("set local datestyle to 'ISO, YMD'")
    dbapi = connection.connection.dbapi_connection
    read_fd, write_fd = os.pipe()
    ready: queue.Queue[Any] = queue.Queue(maxsize=COPY_PREFETCH)
    stop = threading.Event()  # the consumer is gone: the threads end (the pipe's closing ends the COPY)
    copy_failed: list[BaseException] = []

    def copy() -> None:
        try:
            with open(write_fd, "wb", buffering=1 << 20) as out, dbapi.cursor() as cursor:
                cursor.copy_expert(b"copy (" + select + b") to stdout with (format csv, header)", out)
        except BaseException as exc:  # noqa: BLE001 - the parser hands it to the consumer
            copy_failed.append(exc)

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def parse() -> None:
        try:
            with open(read_fd, "rb") as source:
                reader = pa_csv.open_csv(
                    source,
                    read_options=pa_csv.ReadOptions(block_size=COPY_BLOCK_BYTES),
                    parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                    convert_options=pa_csv.ConvertOptions(
                        column_types=column_types,
                        null_values=[""],
                        true_values=["t"],
                        false_values=["f"],
                        strings_can_be_null=True,
                        quoted_strings_can_be_null=False,
                    ),
                )
                pending: list[pa.RecordBatch] = []
                rows = 0
                for batch in reader:
                    pending.append(batch)
                    rows += batch.num_rows
                    if rows >= rows_per_batch:
                        if not offer(pa.Table.from_batches(pending)):
                            return
                        pending, rows = [], 0
            copier.join()
            if copy_failed:
                offer(copy_failed[0])
                return
            if rows and not offer(pa.Table.from_batches(pending)):
                return
            offer(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            copier.join()  # our end of the pipe is closed: a COPY still writing fails and ends
            offer(copy_failed[0] if copy_failed else exc)

    copier = threading.Thread(target=copy, name="app_db COPY", daemon=True)
    parser = threading.Thread(target=parse, name="app_db CSV", daemon=True)
    copier.start()
    parser.start()
    finished = False
    try:
        while True:
            try:
                item = ready.get(timeout=1.0)
            except queue.Empty:
                if parser.is_alive() or not ready.empty():
                    continue
                raise LoaderError("reading a COPY ended without a result") from None
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
        finished = True
    finally:
        stop.set()
        parser.join()
        copier.join()
        if not finished:
            connection.invalidate()  # a COPY may be half read on it: never reuse this session


class _CopyTableLoader(TableLoader):
    """dlt's pyarrow table loader, reading PostgreSQL with COPY: the query dlt builds (the
    incremental cursor's WHERE included) is rendered as psycopg2 sends it and read as CSV into
    arrow (_copy_csv) with the arrow types dlt's own backend gives each column. A table with a
    column of another type, and other databases (SQLite), go dlt's own way."""

    def _load_rows(self, query: Any, backend_kwargs: dict[str, Any]) -> Iterator[Any]:
        schema = self._copy_schema(query, backend_kwargs.get("tz", "UTC"))
        if schema is None:
            yield from super()._load_rows(query, backend_kwargs)
            return
        # Zone-less timestamps parse as such and become UTC in the cast (see _utc_timestamps).
        parse = {
            column.name: pa.timestamp(column.type.unit)
            if self.table.c[column.name].info.get(NAIVE_UTC)
            else column.type
            for column in schema
        }
        compiled = query.compile(dialect=self.engine.dialect, compile_kwargs={"render_postcompile": True})
        with self.engine.connect() as connection:
            with connection.connection.dbapi_connection.cursor() as cursor:
                select = cursor.mogrify(compiled.string, compiled.params)
            for table in _copy_csv(connection, select, parse, self.chunk_size):
                yield table.cast(schema)

    def _copy_schema(self, query: Any, tz: str) -> pa.Schema | None:
        if self.engine.dialect.name != "postgresql" or not isinstance(query, sa.Select):
            return None
        caps = Container().get(DestinationCapabilitiesContext)
        caps = caps or DestinationCapabilitiesContext.generic_capabilities()
        fields = []
        for column in query.selected_columns:
            hints = self.columns.get(column.name) or {}
            if hints.get("data_type") not in COPY_TYPES or column.name not in self.table.c:
                return None
            arrow_type = get_py_arrow_datatype(hints, caps, tz)  # type: ignore[arg-type]
            fields.append(pa.field(column.name, arrow_type, nullable=hints.get("nullable", True)))
        return pa.schema(fields)


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
            pa.field(SCOPE_COLUMN, pa.string(), nullable=False), _repeated(database, rows)
        )
        return batch.append_column(pa.field("_extracted_at", STAMP, nullable=False), pa.repeat(stamp, rows))

    stamp = pa.scalar(extracted_at, STAMP)
    return add


def _repeated(text: str, rows: int) -> pa.Array:
    """`text` `rows` times (arrow's take: a Python list of it costs more than the batch's COPY)."""
    return pa.array([text], pa.string()).take(pa.repeat(pa.scalar(0, pa.int32()), rows))


def _key_hints(table: str) -> Any:
    # Replaced per (database, table): a load of some tables leaves the others' keys as they were.
    return dlt.mark.make_hints(
        table_name=f"keys_{table}",
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=SCOPE_COLUMN,
        columns={**LINEAGE_COLUMNS, "id": {"data_type": "bigint", "nullable": False}},
    )


def _counts(counts: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The row counts `_keys` read (it runs first: see the module's docstring)."""
    if counts:
        yield counts


def _key_batches(connection: sa.Connection, quoted: str) -> Iterator[pa.Table]:
    """The table's `id`s, in arrow tables of KEY_BATCH rows (PostgreSQL: by COPY)."""
    select = f"select id from {quoted}"
    if connection.dialect.name == "postgresql":
        for keys in _copy_csv(connection, select.encode(), {"id": pa.int64()}, KEY_BATCH):
            yield keys.cast(KEY_SCHEMA)
        return
    ids = connection.execution_options(stream_results=True, yield_per=KEY_BATCH).execute(sa.text(select))
    for chunk in ids.partitions(KEY_BATCH):
        yield pa.Table.from_arrays([pa.array([row[0] for row in chunk], pa.int64())], schema=KEY_SCHEMA)


def _keys(
    plan: Plan, report: LoadReport, extracted_at: datetime, counts: list[dict[str, Any]]
) -> Iterator[Any]:
    """Each table's key set, and into `counts` its row count, read in one transaction (a snapshot
    on PostgreSQL), before dlt reads any of the database's data (see the module's docstring)."""
    database, engine = plan.database, plan.engine
    try:
        for table in plan.cursors:
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
                    read = 0
                    for keys in _key_batches(connection, quoted):
                        read += keys.num_rows
                        yield dlt.mark.with_hints(
                            _with_lineage(database.name, extracted_at)(keys), _key_hints(table)
                        )
                    if read != count:
                        raise LoaderError(f"{table}: read {read} keys of {count} rows in one transaction")
            except (sa.exc.SQLAlchemyError, LoaderError, engine.dialect.loaded_dbapi.Error) as exc:
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
    finally:
        plan.keys_read.set()


def _after_keys(plan: Plan) -> Any:
    """dlt's query adapter, called just before a data resource runs its query: the check that
    the database's key sets were read first (the module's docstring says why they were)."""

    def check(query: Any, table: sa.Table) -> Any:
        if not plan.keys_read.is_set():
            raise LoaderError(
                f"{plan.database.name}: {table.name} would be read before the key sets (a dlt "
                "extract order other than fifo?): the hard-delete rule needs the keys first"
            )
        return query

    return check


def _table_resource(
    plan: Plan, table: str, cursor: str | None, settings: Settings, full_refresh: bool, extracted_at: datetime
) -> DltResource:
    incremental = None
    if cursor and not full_refresh:
        # dlt keeps the newest cursor value in this resource's state, committed with the load;
        # the lag re-reads what committed late. A --full-refresh reads the whole table and
        # leaves that state as it was (the next run re-reads from it: more, never less).
        incremental = dlt.sources.incremental(cursor, lag=settings.lag_minutes * 60)
    resource = sql_table(
        credentials=plan.engine,
        table=table,
        metadata=plan.metadata,  # reflected once for all the tables (_plan)
        backend="pyarrow",
        chunk_size=settings.chunk_size,
        incremental=incremental,
        reflection_level="full",
        table_adapter_callback=_utc_timestamps,
        query_adapter_callback=_after_keys(plan),
        table_loader_class=_CopyTableLoader,
        write_disposition="append",
    )
    resource = resource.with_name(f"{table}__{plan.database.name}")
    resource = resource.add_map(_with_lineage(plan.database.name, extracted_at))
    if settings.parallel:
        # dlt's worker threads; it starts every table of the database while the ones it started
        # wait on the source, so each holds a connection until read (read_only_engine's pool).
        resource = resource.parallelize()
    resource.apply_hints(table_name=table)
    return resource


def _utc_timestamps(table: sa.Table) -> sa.Table:
    """Reflected timestamps without a zone (SQLite's, `timestamp` on PostgreSQL) are UTC in the
    application: land them as `timestamp with time zone` like the zoned ones (_with_lineage
    tags the values)."""
    for column in table.columns:
        if isinstance(column.type, sa.DateTime) and not column.type.timezone:
            column.type = sa.DateTime(timezone=True)
            column.info[NAIVE_UTC] = True  # _CopyTableLoader parses its text without a zone
    return table


@dlt.source(name="app_db", max_table_nesting=0)
def app_db_source(
    plans: Sequence[Plan], settings: Settings, report: LoadReport, full_refresh: bool
) -> Iterator[DltResource]:
    extracted_at = datetime.now(UTC)
    for plan in plans:
        database = plan.database
        counts: list[dict[str, Any]] = []
        # First, and not parallelized: every key set before any data (the module's docstring).
        yield dlt.resource(_keys(plan, report, extracted_at, counts), name=f"keys__{database.name}")
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
        for table, cursor in plan.cursors.items():
            result = report.result(
                database.name, table, mode="incremental" if cursor and not full_refresh else "full"
            )
            result.status = "ok"
            yield _table_resource(plan, table, cursor, settings, full_refresh, extracted_at)


def _plan(engine: sa.Engine, database: Database, settings: Settings, entities: Sequence[str]) -> Plan:
    """The tables this run reads, reflected in one go, each with the cursor it is read by (None:
    whole); an unreachable database or a configured table it lacks is a LoaderError naming it."""
    try:
        present = set(sa.inspect(engine).get_table_names())
        tables = [table for table in database.tables if not entities or table in entities]
        for table in tables:
            if table not in present:
                raise LoaderError(f"{database.name}: table {table} is configured but not in the database")
        metadata = sa.MetaData()
        metadata.reflect(bind=engine, only=tables, resolve_fks=False)
    except sa.exc.SQLAlchemyError as exc:
        raise LoaderError(f"{database.name}: cannot read the database: {one_line(str(exc))}") from None
    cursors: dict[str, str | None] = {}
    for table in tables:
        cursor = settings.cursor(table)
        if cursor and cursor not in metadata.tables[table].c:
            if table in settings.cursors:
                raise LoaderError(f"{database.name}: {table} has no column {cursor} (its configured cursor)")
            cursor = ""  # no updated_at: read whole
        cursors[table] = cursor or None
    return Plan(database, engine, cursors, metadata)


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
            plans.append(_plan(engine, database, settings, entities or ()))
        except LoaderError as exc:
            report.fail_scope(database.name, str(exc))
            report.result(database.name, "tables", mode="full").status = "failed"
            log.error("%s", exc)
            engine.dispose()
    if not plans:
        return report
    dlt_settings = {
        # Resources in the order yielded, a later one only while the earlier ones have a
        # parallel step in flight: every key set before any data (the module's docstring).
        "EXTRACT__NEXT_ITEM_MODE": "fifo",
        # Arrow batches get the load id too (dlt adds it only to rows by default).
        "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "true",
    }
    if warehouse.target() == "duckdb":
        # Parquet files DuckDB reads from local disk, deleted once loaded: snappy only costs
        # pyarrow the time to compress them (about half its writing time).
        dlt_settings["DATA_WRITER__COMPRESSION"] = "none"
    try:
        run_source(
            SOURCE.name,
            SOURCE.dataset,
            lambda: app_db_source(plans, settings, report, full_refresh),
            report,
            workers=2,  # data resources read at once (_table_resource): the host's cores
            after_load=_count_landed(report, plans),
            dlt_settings=dlt_settings,
        )
    finally:
        for plan in plans:
            plan.engine.dispose()
    return report


def _count_landed(report: LoadReport, plans: Sequence[Plan]) -> Any:
    def count(sql_client: Any, load_id: str) -> None:
        for plan in plans:
            database = plan.database
            for table in plan.cursors:
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
