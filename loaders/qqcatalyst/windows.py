"""Sync windows and the batch ledger: what a run reads, and what the warehouse says was read.

Each windowed entity is read in windows of `DateLastModified` dates. A window is a batch, named
by its agency, entity and dates (`harbor/policies/2026-11-01/2026-11-07`), and every step of it
is an event appended to RAW `sync_batches`:

- `extracted`: every page was read and the distinct records it returned equal the API's
  `TotalItems`; lands with the window's records (one dlt load package);
- `completed`: appended by a second, small load once the first one landed, so a completed
  window's records are in RAW whatever happened to the process in between;
- `failed`: the read failed (the one-line error), or its pages did not add up to `TotalItems`
  (the source changed under the read).

A batch's status is its latest event. The watermark of an (agency, entity) is derived from the
ledger, never kept beside it: the last day of the contiguous run of completed windows from
`start_date`, but never later than the newest `DateLastModified` date the agency has served (in
any windowed entity: the source's own clock, as far as the loader can see it). It therefore
never runs ahead of what RAW holds (a crash between the two loads leaves a window `extracted`,
read again next run), nor of the source's clock when ours is ahead of it (a change the source
dates before our today is still read); an operator can see why any window is read again, and
deleting a window's `completed` event is how one asks for it to be read again. A run first
retries every window whose latest event is not `completed` (same dates, same batch id), then
reads from the watermark minus `overlap_days` to today in windows of `window_days`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

EXTRACTED = "extracted"
COMPLETED = "completed"
FAILED = "failed"

LEDGER = "sync_batches"
SWEEP_IDS = "id_sweeps"
SWEEP_RUNS = "id_sweep_runs"

LEDGER_COLUMNS: dict[str, dict[str, Any]] = {
    "batch_id": {"data_type": "text", "nullable": False},
    "_agency": {"data_type": "text", "nullable": False},
    "entity": {"data_type": "text", "nullable": False},
    "window_start": {"data_type": "date", "nullable": True},
    "window_end": {"data_type": "date", "nullable": True},
    "status": {"data_type": "text", "nullable": False},
    "total_items": {"data_type": "bigint", "nullable": True},
    "records_read": {"data_type": "bigint", "nullable": True},
    "error": {"data_type": "text", "nullable": True},
    "newest_record_updated_at": {"data_type": "text", "nullable": True},
    "recorded_at": {"data_type": "timestamp", "nullable": False},
}
SWEEP_ID_COLUMNS: dict[str, dict[str, Any]] = {
    "sweep_id": {"data_type": "text", "nullable": False},
    "_agency": {"data_type": "text", "nullable": False},
    "entity": {"data_type": "text", "nullable": False},
    "_record_id": {"data_type": "text", "nullable": False},
    "swept_at": {"data_type": "timestamp", "nullable": False},
}
SWEEP_RUN_COLUMNS: dict[str, dict[str, Any]] = {
    "sweep_id": {"data_type": "text", "nullable": False},
    "_agency": {"data_type": "text", "nullable": False},
    "entity": {"data_type": "text", "nullable": False},
    "window_start": {"data_type": "date", "nullable": False},
    "window_end": {"data_type": "date", "nullable": False},
    "total_items": {"data_type": "bigint", "nullable": False},
    "ids_swept": {"data_type": "bigint", "nullable": False},
    "started_at": {"data_type": "timestamp", "nullable": False},
    "completed_at": {"data_type": "timestamp", "nullable": False},
}


@dataclass(frozen=True, order=True)
class Window:
    """DateLastModified dates `start`..`end`, both inclusive (the API's startDate and endDate):
    the (start - 1, end] of a run's range."""

    start: date
    end: date

    def batch_id(self, agency: str, entity: str) -> str:
        return f"{agency}/{entity}/{self.start.isoformat()}/{self.end.isoformat()}"

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def split(first: date, last: date, window_days: int) -> list[Window]:
    """first..last (inclusive) in consecutive windows of at most `window_days` days."""
    windows = []
    start = first
    while start <= last:
        end = min(start + timedelta(days=window_days - 1), last)
        windows.append(Window(start, end))
        start = end + timedelta(days=1)
    return windows


def watermark(completed: Iterable[Window], start_date: date) -> date | None:
    """The last day of the contiguous run of `completed` windows from `start_date` (None when
    `start_date` itself is not covered): a gap (a failed window, a range never read) stops it."""
    covered = start_date - timedelta(days=1)
    for window in sorted(completed):
        if window.start > covered + timedelta(days=1):
            break
        covered = max(covered, window.end)
    return covered if covered >= start_date else None


@dataclass(frozen=True)
class Plan:
    retries: list[Window]  # windows whose latest event is not `completed`, oldest first
    new: list[Window]  # from the watermark minus the overlap (or --since) to today (or --until)
    watermark: date | None

    @property
    def windows(self) -> list[Window]:
        return [*self.retries, *(window for window in self.new if window not in self.retries)]


def plan(
    history: dict[Window, str],
    *,
    start_date: date,
    today: date,
    window_days: int,
    overlap_days: int,
    since: date | None = None,
    until: date | None = None,
    full_refresh: bool = False,
    served_through: date | None = None,
) -> Plan:
    """The windows one (agency, entity) reads this run, given its ledger (window -> latest status)
    and the newest DateLastModified date its agency has served (`served_through`).

    `--since` reads since..until (or today) and nothing else; `--full-refresh` start_date..until;
    otherwise retries first, then (watermark - overlap_days, until or today]. The retried windows
    count as covered when the watermark is placed: a retry that fails stops the agency before
    any later window is read.
    """
    last = until or today
    if since is not None:
        return Plan([], split(since, last, window_days), None)
    if full_refresh:
        return Plan([], split(start_date, last, window_days), None)
    retries = sorted(
        window for window, status in history.items() if status != COMPLETED and window.start <= last
    )
    completed = [window for window, status in history.items() if status == COMPLETED]
    mark = watermark([*completed, *retries], start_date)
    if mark is not None and served_through is not None:
        mark = max(min(mark, served_through), start_date)
    first = start_date if mark is None else max(start_date, mark - timedelta(days=overlap_days - 1))
    return Plan(retries, split(first, last, window_days), mark)


@dataclass
class Ledger:
    """What the warehouse holds: each windowed batch's latest status, per (agency, entity), and
    each (agency, entity)'s last completed ID sweep."""

    batches: dict[tuple[str, str], dict[Window, str]] = field(default_factory=dict)
    sweeps: dict[tuple[str, str], datetime] = field(default_factory=dict)
    served: dict[str, date] = field(default_factory=dict)  # agency -> newest DateLastModified date read

    def history(self, agency: str, entity: str) -> dict[Window, str]:
        return self.batches.get((agency, entity), {})

    def served_through(self, agency: str) -> date | None:
        return self.served.get(agency)

    def last_sweep(self, agency: str, entity: str) -> datetime | None:
        return self.sweeps.get((agency, entity))

    @classmethod
    def read(cls, sql_client: Any) -> Ledger:
        """The ledger through a dlt sql client; empty before anything landed."""
        ledger = cls()
        rows = _select(
            sql_client,
            LEDGER,
            "select batch_id, _agency, entity, window_start, window_end, status, recorded_at, "
            "newest_record_updated_at from {table} where window_start is not null and window_end is not null",
        )
        latest: dict[str, tuple[Any, str, str, Window, str]] = {}
        for batch_id, agency, entity, start, end, status, recorded_at, newest in rows:
            seen = latest.get(batch_id)
            if seen is None or recorded_at >= seen[0]:
                window = Window(_as_date(start), _as_date(end))
                latest[batch_id] = (recorded_at, agency, entity, window, status)
            if newest:
                day = _as_date(newest)
                ledger.served[agency] = max(day, ledger.served.get(agency, day))
        for _, agency, entity, window, status in latest.values():
            ledger.batches.setdefault((agency, entity), {})[window] = status
        for agency, entity, completed_at in _select(
            sql_client,
            SWEEP_RUNS,
            "select _agency, entity, max(completed_at) from {table} group by _agency, entity",
        ):
            ledger.sweeps[(agency, entity)] = _as_utc(completed_at)
        return ledger


def _select(sql_client: Any, table: str, sql: str) -> list[tuple[Any, ...]]:
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    try:
        return list(
            sql_client.execute_sql(sql.format(table=sql_client.make_qualified_table_name(table))) or []
        )
    except DatabaseUndefinedRelation:  # nothing landed yet: the dataset or table does not exist
        return []


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_utc(value: Any) -> datetime:
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def event(
    batch_id: str,
    agency: str,
    entity: str,
    window: Window | None,
    status: str,
    recorded_at: datetime,
    *,
    total_items: int | None = None,
    records_read: int | None = None,
    error: str | None = None,
    newest: str | None = None,
) -> dict[str, Any]:
    """One `sync_batches` row (a reference entity's batch has no window: its dates are null)."""
    return {
        "batch_id": batch_id,
        "_agency": agency,
        "entity": entity,
        "window_start": window.start if window else None,
        "window_end": window.end if window else None,
        "status": status,
        "total_items": total_items,
        "records_read": records_read,
        "error": error,
        "newest_record_updated_at": newest,
        "recorded_at": recorded_at,
    }
