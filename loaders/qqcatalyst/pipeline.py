"""`elt load qqcatalyst`: every configured QQCatalyst agency into raw_qqcatalyst.

One dlt resource per agency reads, in order: the reference lists whole, each windowed entity's
planned windows (windows.py), then the ID sweep when it is due. An agency's reads run one after
another (they share one credential's rate limit and token), agencies in parallel. Records land
whole, insert-only by (agency, id, content hash) (loaders/common/landing.py); the batch events
land beside them, and once that load is in the warehouse a second small load appends each
window's `completed` event and each entity's sweep completion.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import dlt
from dlt.extract.hints import make_hints
from dlt.extract.resource import DltResource

from loaders.common.errors import ConfigError, LoaderError
from loaders.common.landing import Landing, count_landed
from loaders.common.lineage import utc_now
from loaders.common.report import EntityResult, LoadReport
from loaders.common.runner import run_source
from loaders.qqcatalyst import SOURCE
from loaders.qqcatalyst.client import AgencyClient, Tally
from loaders.qqcatalyst.settings import (
    BY_TABLE,
    ENTITIES,
    SWEEP,
    Entity,
    Settings,
    configured_agencies,
    load_agencies,
    load_settings,
)
from loaders.qqcatalyst.windows import (
    COMPLETED,
    EXTRACTED,
    FAILED,
    LEDGER,
    LEDGER_COLUMNS,
    SWEEP_ID_COLUMNS,
    SWEEP_IDS,
    SWEEP_RUN_COLUMNS,
    SWEEP_RUNS,
    Ledger,
    Window,
    event,
    plan,
)

log = logging.getLogger(__name__)

LANDING = Landing(
    scope_column="_agency",
    extra_columns={"_batch_id": {"data_type": "text", "nullable": False}},
)


def configured_scopes() -> list[str]:
    return configured_agencies()


def secrets() -> list[str]:
    return [secret for agency in load_agencies() for secret in agency.secrets]


def date_last_modified(record: dict[str, Any]) -> str | None:
    value = record.get("DateLastModified")
    return str(value) if value else None


def _to(table: str, rows: list[dict[str, Any]]) -> Any:
    """`rows` for `table`, with that table's hints: one agency's resource writes every table."""
    if table in BY_TABLE:
        hints = make_hints(table_name=table, columns=LANDING.columns, **LANDING.write_disposition(True))
    elif table == LEDGER:
        hints = make_hints(table_name=table, columns=LEDGER_COLUMNS, write_disposition="append")
    elif table == SWEEP_IDS:
        hints = make_hints(table_name=table, columns=SWEEP_ID_COLUMNS, write_disposition="append")
    else:
        raise ValueError(f"no hints for table {table}")
    return dlt.mark.with_hints(rows, hints, create_table_variant=True)


@dataclass
class Recorder:
    """What the second load appends once the first one landed: each batch read whole (its
    `completed` event) and each entity swept whole (its `id_sweep_runs` row); and what the
    summary warns about. Shared by the agencies' threads."""

    extracted: list[dict[str, Any]] = field(default_factory=list)
    sweeps: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def extract(self, row: dict[str, Any]) -> None:
        with self._lock:
            self.extracted.append(row)

    def swept(self, rows: list[dict[str, Any]]) -> None:
        with self._lock:
            self.sweeps.extend(rows)

    def discrepancy(self, agency: str, message: str) -> None:
        with self._lock:
            self.discrepancies.setdefault(agency, []).append(message)

    def completed_events(self, recorded_at: datetime) -> list[dict[str, Any]]:
        return [{**row, "status": COMPLETED, "recorded_at": recorded_at} for row in self.extracted]

    def sweep_runs(self, completed_at: datetime) -> list[dict[str, Any]]:
        return [{**row, "completed_at": completed_at} for row in self.sweeps]


@dataclass(frozen=True)
class Selection:
    """What one run reads: reference and windowed entities, the sweep, the range of dates."""

    reference: tuple[Entity, ...]
    windowed: tuple[Entity, ...]
    sweep: str  # "forced", "due" (when the last one is old enough) or "off"
    since: date | None
    until: date | None
    today: date
    full_refresh: bool
    run_id: str  # names the reference batches and the sweep of this run


def select(
    entities: Sequence[str] | None,
    full_refresh: bool,
    since: date | None,
    until: date | None,
    today: date,
) -> Selection:
    for day, option in ((since, "--since"), (until, "--until")):
        if day is not None and day > today:
            raise ConfigError(f"{option} {day} is after today ({today}, UTC): nothing there to read yet")
    if since and until and since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    by_name = {**{e.api_name: e for e in ENTITIES}, **BY_TABLE}
    named = [by_name[name] for name in entities or () if name != SWEEP]
    chosen = named or ([] if entities else list(ENTITIES))
    if entities and SWEEP in entities:
        sweep = "forced"  # of the windowed entities named, or of every one when none is
    elif not entities and since is None and until is None:
        sweep = "due"
    else:
        sweep = "off"  # some entities only, or a re-read of a past range: not the daily run
    return Selection(
        reference=tuple(e for e in chosen if not e.windowed),
        windowed=tuple(e for e in chosen if e.windowed),
        sweep=sweep,
        since=since,
        until=until,
        today=today,
        full_refresh=full_refresh,
        run_id=utc_now().strftime("%Y%m%dT%H%M%SZ"),
    )


class AgencyRun:
    """One agency's reads in one run: the generator behind its dlt resource."""

    def __init__(
        self,
        client: AgencyClient,
        settings: Settings,
        selection: Selection,
        ledger: Ledger,
        report: LoadReport,
        recorder: Recorder,
    ) -> None:
        self.client = client
        self.agency = client.agency.name
        self.settings = settings
        self.selection = selection
        self.ledger = ledger
        self.report = report
        self.recorder = recorder
        swept = selection.windowed or tuple(e for e in ENTITIES if e.windowed)
        self.swept = swept if settings.start_date <= selection.today and self._sweep_wanted(swept) else ()
        self.results = {
            e.table: report.result(self.agency, e.table, mode="full" if not e.windowed else "incremental")
            for e in (*selection.reference, *selection.windowed)
        }
        if self.swept:
            self.results[SWEEP] = report.result(self.agency, SWEEP, mode="full")

    def _sweep_wanted(self, entities: tuple[Entity, ...]) -> bool:
        mode = self.selection.sweep
        if mode == "forced":
            return True
        every = self.settings.sweep_every_days
        if mode == "off" or every == 0:
            return False
        now = utc_now()
        for entity in entities:
            last = self.ledger.last_sweep(self.agency, entity.table)
            if last is None or now - last >= timedelta(days=every):
                return True
        return False

    def resource(self) -> DltResource:
        return dlt.resource(self.rows(), name=f"agency__{self.agency}", parallelized=True)

    def rows(self) -> Iterator[Any]:
        current: EntityResult | None = None
        try:
            for entity in self.selection.reference:
                current = self.results[entity.table]
                yield from self._read(
                    entity, current, None, f"{self.agency}/{entity.table}/{self.selection.run_id}"
                )
                current.status = "ok"
            for entity in self.selection.windowed:
                current = self.results[entity.table]
                yield from self._windows(entity, current)
                current.status = "ok"
            if self.swept:
                current = self.results[SWEEP]
                yield from self._sweep(current)
                current.status = "ok"
        except LoaderError as exc:
            # The agency fails in one line; what it read before landed, its other entities
            # wait for the next run (their windows start from their own watermarks).
            self.report.fail_scope(self.agency, str(exc))
            log.error("%s", exc)
            if current is not None:
                current.status, current.error = "failed", str(exc)
            for result in self.results.values():
                if result.status == "pending":
                    result.status = "skipped"

    def _windows(self, entity: Entity, result: EntityResult) -> Iterator[Any]:
        selection = self.selection
        planned = plan(
            self.ledger.history(self.agency, entity.table),
            start_date=self.settings.start_date,
            today=selection.today,
            window_days=self.settings.window_days,
            overlap_days=self.settings.overlap_days,
            since=selection.since,
            until=selection.until,
            full_refresh=selection.full_refresh,
            served_through=self.ledger.served_through(self.agency),
        )
        for window in planned.retries:
            log.info(
                "agency %s %s: reading window %s again (not completed before)",
                self.agency,
                entity.table,
                window,
            )
        for window in planned.windows:
            yield from self._read(entity, result, window, window.batch_id(self.agency, entity.table))

    def _read(
        self, entity: Entity, result: EntityResult, window: Window | None, batch_id: str
    ) -> Iterator[Any]:
        """One batch: every page landed as it comes, then the batch's event."""
        tally = Tally(entity.primary_key)
        dates = (window.start, window.end) if window else None
        try:
            for page in self.client.read(entity, tally, dates):
                rows = LANDING.rows(
                    self.agency,
                    page.records,
                    primary_key=entity.primary_key,
                    cursor=date_last_modified,
                    lineage={"_batch_id": batch_id},
                )
                result.fetched += len(rows)
                self.report.progress(len(rows))
                if rows:
                    yield _to(entity.table, rows)
        except LoaderError as exc:
            yield _to(LEDGER, [self._event(batch_id, entity, window, FAILED, tally, str(exc))])
            raise
        if tally.whole:
            row = self._event(batch_id, entity, window, EXTRACTED, tally)
            self.recorder.extract(row)
            yield _to(LEDGER, [row])
            return
        # Not taken as complete: a windowed batch is read again next run, a reference list is
        # read whole by every run anyway.
        where = f"{entity.table} {window}" if window else entity.table
        message = f"{where}: {tally.discrepancy()}"
        self.recorder.discrepancy(self.agency, message)
        log.warning("agency %s %s", self.agency, message)
        yield _to(LEDGER, [self._event(batch_id, entity, window, FAILED, tally, message)])

    def _event(
        self,
        batch_id: str,
        entity: Entity,
        window: Window | None,
        status: str,
        tally: Tally,
        error: str | None = None,
    ) -> dict[str, Any]:
        return event(
            batch_id,
            self.agency,
            entity.table,
            window,
            status,
            utc_now(),
            total_items=tally.total_items,
            records_read=tally.records_read,
            error=error,
            newest=tally.newest,
        )

    def _sweep(self, result: EntityResult) -> Iterator[Any]:
        """Every id of every swept entity over start_date..today, landed into `id_sweeps`. Only a
        sweep that reached its end records its entities' completions (and only those whose ids
        add up to TotalItems): a partial sweep would mark live records deleted."""
        sweep_id = f"{self.agency}/{self.selection.run_id}"
        window = Window(self.settings.start_date, self.selection.today)
        completions = []
        for entity in self.swept:
            started_at = utc_now()
            tally = Tally(entity.primary_key)
            for page in self.client.read(entity, tally, (window.start, window.end)):
                swept_at = utc_now()
                result.fetched += len(page.new_ids)
                self.report.progress(len(page.records))
                if page.new_ids:
                    yield _to(
                        SWEEP_IDS,
                        [
                            {
                                "sweep_id": sweep_id,
                                "_agency": self.agency,
                                "entity": entity.table,
                                "_record_id": record_id,
                                "swept_at": swept_at,
                            }
                            for record_id in page.new_ids
                        ],
                    )
            if not tally.whole:
                message = f"ID sweep of {entity.table}: {tally.discrepancy()}; not taken as complete"
                self.recorder.discrepancy(self.agency, message)
                log.warning("agency %s %s", self.agency, message)
                continue
            completions.append(
                {
                    "sweep_id": sweep_id,
                    "_agency": self.agency,
                    "entity": entity.table,
                    "window_start": window.start,
                    "window_end": window.end,
                    "total_items": tally.total_items,
                    "ids_swept": tally.records_read,
                    "started_at": started_at,
                }
            )
        self.recorder.swept(completions)


@dlt.source(name="qqcatalyst", max_table_nesting=0)
def qqcatalyst_source(runs: Sequence[AgencyRun]) -> Iterator[DltResource]:
    for run in runs:
        yield run.resource()


@dlt.source(name="qqcatalyst", max_table_nesting=0)
def completions_source(
    events: list[dict[str, Any]], sweep_runs: list[dict[str, Any]]
) -> Iterator[DltResource]:
    """The second load: `completed` events and sweep completions of what the first one landed."""
    if events:
        yield dlt.resource(
            events, name=LEDGER, table_name=LEDGER, columns=LEDGER_COLUMNS, write_disposition="append"
        )
    if sweep_runs:
        yield dlt.resource(
            sweep_runs,
            name=SWEEP_RUNS,
            table_name=SWEEP_RUNS,
            columns=SWEEP_RUN_COLUMNS,
            write_disposition="append",
        )


def load(
    scopes: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    full_refresh: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> LoadReport:
    report = LoadReport(SOURCE.name)
    agencies = load_agencies(list(scopes) if scopes else None)
    if not agencies:
        report.skip(
            "not configured: add [sources.qqcatalyst.agencies.<name>] with client_id, client_secret "
            "and username and password (or a refresh_token)"
        )
        return report
    settings = load_settings()
    selection = select(entities, full_refresh, since, until, utc_now().date())
    recorder = Recorder()
    clients = [AgencyClient(agency, settings) for agency in agencies]

    def make_source() -> Any:
        # The ledger as the warehouse holds it (after any interrupted load was finished).
        with dlt.current.pipeline().sql_client() as sql_client:
            ledger = Ledger.read(sql_client)
        runs = [AgencyRun(client, settings, selection, ledger, report, recorder) for client in clients]
        return qqcatalyst_source(runs)

    tables = [*(e.table for e in (*selection.reference, *selection.windowed)), SWEEP]
    try:
        run_source(
            SOURCE.name,
            SOURCE.dataset,
            make_source,
            report,
            workers=max(2, len(clients)),
            after_load=count_landed(report, tables, LANDING.scope_column),
        )
    finally:
        for client in clients:
            report.add_scope_stats(client.agency.name, client.stats, client.budget)
            client.close()
    _record_completions(report, recorder)
    for agency, messages in sorted(recorder.discrepancies.items()):
        more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
        report.warn(agency, f"{messages[0]}{more}; read again next run")
    return report


def _record_completions(report: LoadReport, recorder: Recorder) -> None:
    """Append the `completed` events and sweep completions, now that their rows are in RAW."""
    now = utc_now()
    events, sweep_runs = recorder.completed_events(now), recorder.sweep_runs(now)
    if not events and not sweep_runs:
        return
    second = LoadReport(SOURCE.name)
    try:
        run_source(
            SOURCE.name, SOURCE.dataset, lambda: completions_source(events, sweep_runs), second, workers=1
        )
    except LoaderError as exc:
        # What landed has landed: its windows are read again next run (or, if the package is
        # left pending, it is finished first and nothing is read again).
        report.warn("-", f"the completed batches could not be recorded ({exc}); they are read again next run")
    report.duration_seconds += second.duration_seconds


def attention(reader: Any) -> list[str]:
    """Windows whose latest event is `failed`: each run reads them again first, and an agency
    stays failed until they read whole."""
    if LEDGER not in reader.tables(SOURCE.dataset):
        return []
    rows = reader.query(
        "select _agency, entity, window_start, window_end, error from ("
        "select _agency, entity, window_start, window_end, status, error, "
        "row_number() over (partition by batch_id order by recorded_at desc) as event_rank "
        f"from {SOURCE.dataset}.{LEDGER} where window_start is not null) latest "
        f"where event_rank = 1 and status = '{FAILED}' order by 1, 2, 3"
    )
    return [
        f"agency {agency} {entity} {start}..{end} failed: {error or 'no error'} (each run reads it again)"
        for agency, entity, start, end, error in rows
    ]
