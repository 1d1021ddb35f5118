"""RAW landing for API sources: records whole as JSON with lineage, a watermark per scope and entity.

Every API source lands the same way, so this is the only place that decides it:
- each record lands whole in `record` (JSON), beside its id, a hash of its content, its cursor
  value, when it was extracted and which scope (office, workspace ...) it came from;
- incremental entities are insert-only by (scope, id, content hash): re-reading an overlap
  window, or a whole `--full-refresh`, adds only versions RAW does not hold yet;
- snapshot entities (small reference tables read whole) replace their scope's rows;
- one dlt resource per (entity, scope) keeps its own watermark in its resource state, which dlt
  commits with the load package, and it moves only when that scope's entity completed;
- a failure confined to one scope fails that scope (its other entities are skipped) and never
  the other scopes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from loaders.common.errors import LoaderError
from loaders.common.lineage import RAW_COLUMNS, record_hash, utc_now
from loaders.common.report import LoadReport

log = logging.getLogger(__name__)

# Reads one scope's entity: given the stored watermark (None: read everything), yields pages of
# records. It may raise LoaderError: the scope fails, the other scopes go on.
PageReader = Callable[[str | None], Iterator[list[dict[str, Any]]]]


@dataclass(frozen=True)
class Landing:
    """How one source lands its records: the scope column and any per-scope lineage."""

    scope_column: str  # `_office`, `_workspace` ...
    extra_columns: dict[str, dict[str, Any]] = field(default_factory=dict)  # e.g. `_office_timezone`
    # What the loader knows about one record that the API did not say (how many nested items it
    # read, say): the reader puts these keys on the record, and they land in their own columns
    # (declared in `extra_columns`), out of `record`, which stays the API's own.
    record_columns: tuple[str, ...] = ()

    @property
    def columns(self) -> dict[str, dict[str, Any]]:
        return {
            **RAW_COLUMNS,
            self.scope_column: {"data_type": "text", "nullable": False},
            **self.extra_columns,
        }

    def write_disposition(self, incremental: bool) -> dict[str, Any]:
        if incremental:
            return {
                "write_disposition": {"disposition": "merge", "strategy": "insert-only"},
                "primary_key": [self.scope_column, "_record_id", "_record_hash"],
            }
        return {
            "write_disposition": {"disposition": "merge", "strategy": "delete-insert"},
            "merge_key": self.scope_column,
        }

    def rows(
        self,
        scope: str,
        records: list[dict[str, Any]],
        *,
        primary_key: str,
        cursor: Callable[[dict[str, Any]], str | None] | None,
        lineage: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        extracted_at = utc_now()
        extra = lineage or {}
        return [
            {
                **{name: record.pop(name, None) for name in self.record_columns},
                "record": record,
                self.scope_column: scope,
                **extra,
                "_record_id": str(record.get(primary_key)),
                "_record_hash": record_hash(record),
                "_record_updated_at": cursor(record) if cursor else None,
                "_extracted_at": extracted_at,
            }
            for record in records
        ]

    def resource(
        self,
        *,
        scope: str,
        table: str,
        read: PageReader,
        report: LoadReport,
        primary_key: str,
        incremental: bool,
        cursor: Callable[[dict[str, Any]], str | None] | None = None,
        lineage: dict[str, Any] | None = None,
        full_refresh: bool = False,
    ) -> DltResource:
        """The dlt resource landing one scope's entity into `table`."""
        return dlt.resource(
            self._pages(scope, table, read, report, primary_key, incremental, cursor, lineage, full_refresh),
            name=f"{table}__{scope}",
            table_name=table,
            columns=self.columns,
            parallelized=True,
            **self.write_disposition(incremental),
        )

    def _pages(
        self,
        scope: str,
        table: str,
        read: PageReader,
        report: LoadReport,
        primary_key: str,
        incremental: bool,
        cursor: Callable[[dict[str, Any]], str | None] | None,
        lineage: dict[str, Any] | None,
        full_refresh: bool,
    ) -> Iterator[list[dict[str, Any]]]:
        result = report.result(scope, table, mode="incremental" if incremental else "full")
        if report.scope_failed(scope):
            result.status = "skipped"
            return
        state = dlt.current.resource_state()
        watermark = None if full_refresh or not incremental else state.get("watermark")
        newest = watermark
        # A snapshot replaces the scope's rows, so it lands only once complete; snapshots are
        # small reference tables.
        snapshot: list[dict[str, Any]] = []
        try:
            for records in read(watermark):
                if report.scope_failed(scope):
                    result.status = "skipped"
                    return
                rows = self.rows(scope, records, primary_key=primary_key, cursor=cursor, lineage=lineage)
                result.fetched += len(rows)
                report.progress(len(rows))
                if not incremental:
                    snapshot.extend(rows)
                    continue
                for row in rows:
                    value = row["_record_updated_at"]
                    if value is not None and (newest is None or value > newest):
                        newest = value
                yield rows
        except LoaderError as exc:
            report.fail_scope(scope, str(exc))
            result.status = "failed"
            result.error = str(exc)
            log.error("%s", exc)
            return
        if snapshot:
            yield snapshot
        # Only a completed entity moves its watermark: a partial read (pages need not come in
        # cursor order) is read again from the old watermark.
        if incremental and newest is not None:
            state["watermark"] = newest
        result.status = "ok"


def count_landed(report: LoadReport, tables: list[str], scope_column: str) -> Callable[[Any, str], None]:
    """An `after_load` hook: how many rows of each (scope, table) this load id added."""

    def count(sql_client: Any, load_id: str) -> None:
        for table in tables:
            qualified = sql_client.make_qualified_table_name(table)
            try:
                rows = sql_client.execute_sql(
                    f"select {scope_column}, count(*) from {qualified} where _dlt_load_id = %s "
                    f"group by {scope_column}",
                    load_id,
                )
            except Exception:  # noqa: BLE001 - the table does not exist until something lands in it
                continue
            for scope, landed in rows:
                if (scope, table) in report.results:
                    report.result(scope, table).landed = int(landed)

    return count


# --------------------------------------------------------------------------------------------
# Report days: APIs that answer per day and restate recent days (AI tool usage reports)
# --------------------------------------------------------------------------------------------

# The table recording, per scope, table and day, which load read that day whole.
REPORT_DAYS_TABLE = "report_days"

# Reads the records of a window of days: yields (day, records) pairs, a day any number of times
# (pages need not follow days); a day of the window it never yields had no records. It may raise
# LoaderError: the scope fails, the other scopes go on, and no day of the window counts as read.
DayReader = Callable[[], Iterator[tuple[Any, list[dict[str, Any]]]]]


@dataclass(frozen=True)
class DayLanding(Landing):
    """Landing for reports about days that the API restates (values change, rows vanish).

    Every read of a window lands every record it read (append, each with `_report_day`, the day
    it is about), and once the whole window was read, one row per day of the window in
    `report_days` (scope, `table_name`, `_report_day`, `records`), days without records
    included. Staging keeps, per (scope, table, day), only the rows of the newest load that read
    that day whole (`report_days`' newest `_dlt_load_id`): restated values replace the earlier
    ones, rows missing from the newer read vanish, whatever day the load ran; rows of a load
    that failed half-way are never the newest read of their day. The resource state keeps
    `last_day`, the newest day of the last completed window."""

    def day_resource(
        self,
        *,
        scope: str,
        table: str,
        days: list[Any],
        read: DayReader,
        report: LoadReport,
        primary_key: Callable[[dict[str, Any]], str],
        lineage: dict[str, Any] | None = None,
    ) -> DltResource:
        # No columns on the resource itself: dlt would give them to every table it yields to
        # (report_days too); each table's rows carry their own hints (`_days`).
        return dlt.resource(
            self._days(scope, table, days, read, report, primary_key, lineage),
            name=day_resource_name(table, scope),
            table_name=table,
            write_disposition="append",
            parallelized=True,
        )

    def _days(
        self,
        scope: str,
        table: str,
        days: list[Any],
        read: DayReader,
        report: LoadReport,
        primary_key: Callable[[dict[str, Any]], str],
        lineage: dict[str, Any] | None,
    ) -> Iterator[Any]:
        result = report.result(scope, table, mode="days")
        if report.scope_failed(scope) or not days:
            result.status = "skipped"
            return
        state = dlt.current.resource_state()
        wanted = set(days)
        counted = dict.fromkeys(days, 0)
        try:
            for day, records in read():
                if report.scope_failed(scope):
                    result.status = "skipped"
                    return
                if day not in wanted:
                    continue  # the API answered about a day outside the window: read again later
                lineage_of_day = {**(lineage or {}), "_report_day": day}
                rows = self.rows(scope, records, primary_key="_", cursor=None, lineage=lineage_of_day)
                for row, record in zip(rows, records, strict=True):
                    row["_record_id"] = primary_key(record)
                counted[day] += len(rows)
                result.fetched += len(rows)
                report.progress(len(rows))
                if rows:
                    yield dlt.mark.with_hints(rows, self._day_hints(table), create_table_variant=True)
        except LoaderError as exc:
            report.fail_scope(scope, str(exc))
            result.status = "failed"
            result.error = str(exc)
            log.error("%s", exc)
            return
        # The whole window was read: each of its days is now read whole by this load.
        marks = [
            {self.scope_column: scope, "table_name": table, "_report_day": day, "records": counted[day]}
            for day in days
        ]
        yield dlt.mark.with_hints(
            marks,
            dlt.mark.make_hints(
                table_name=REPORT_DAYS_TABLE,
                write_disposition="append",
                columns={
                    self.scope_column: {"data_type": "text", "nullable": False},
                    "table_name": {"data_type": "text", "nullable": False},
                    "_report_day": {"data_type": "date", "nullable": False},
                    "records": {"data_type": "bigint", "nullable": False},
                },
            ),
            create_table_variant=True,
        )
        newest = max(days)
        if state.get("last_day") is None or str(newest) > str(state["last_day"]):
            state["last_day"] = str(newest)
        result.status = "ok"

    def _day_hints(self, table: str) -> Any:
        columns = {**self.columns, "_report_day": {"data_type": "date", "nullable": False}}
        return dlt.mark.make_hints(table_name=table, write_disposition="append", columns=columns)


def day_resource_name(table: str, scope: str) -> str:
    return f"{table}__{scope}"
