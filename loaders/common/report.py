"""What a load did, per source, office (or workspace) and entity: printed and returned."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# Where progress lines go (the CLI sets it: stderr, a live line on a terminal); seconds between
# two lines. Module-level so a loader needs no knowledge of how it is run.
_progress_sink: Callable[[str], None] | None = None
PROGRESS_INTERVAL_SECONDS = 10.0


def set_progress_sink(sink: Callable[[str], None] | None, interval: float | None = None) -> None:
    global _progress_sink, PROGRESS_INTERVAL_SECONDS
    _progress_sink = sink
    if interval is not None:
        PROGRESS_INTERVAL_SECONDS = interval


class Ticker:
    """Progress of a step that counts its work (checks done out of total, say): `update()` after
    each unit; a line goes to the sink at most every PROGRESS_INTERVAL_SECONDS."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self._last = self.started

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def update(self, line: Callable[[], str]) -> None:
        now = time.monotonic()
        if _progress_sink is None or now - self._last < PROGRESS_INTERVAL_SECONDS:
            return
        self._last = now
        _progress_sink(line())


@contextmanager
def heartbeat(label: str) -> Iterator[None]:
    """Progress of a step that cannot count its work (a dbt subprocess, say): every
    PROGRESS_INTERVAL_SECONDS while it runs, `<label>: still running after Ns`."""
    sink, interval = _progress_sink, PROGRESS_INTERVAL_SECONDS
    if sink is None:
        yield
        return
    done = threading.Event()
    started = time.monotonic()

    def beat() -> None:
        while not done.wait(max(interval, 0.05)):
            sink(f"{label}: still running after {time.monotonic() - started:.0f}s")

    thread = threading.Thread(target=beat, name=f"heartbeat {label}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@dataclass
class EntityResult:
    scope: str  # office, workspace, bucket ...
    entity: str
    fetched: int = 0
    landed: int = 0
    status: str = "pending"  # ok | failed | skipped
    error: str | None = None
    mode: str = "incremental"  # incremental | full


@dataclass
class ScopeStats:
    """API use of one office/workspace/bucket: its calls, retries and read budget."""

    api_calls: int = 0
    retries: int = 0
    wait_seconds: float = 0.0
    backoff_seconds: float = 0.0
    reads_used_today: int | None = None
    reads_per_day: int | None = None

    @property
    def budget_exhausted(self) -> bool:
        return self.reads_per_day is not None and (self.reads_used_today or 0) >= self.reads_per_day


@dataclass
class LoadReport:
    source: str
    load_id: str | None = None
    results: dict[tuple[str, str], EntityResult] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # scope -> one-line reason
    api_calls: int = 0
    retries: int = 0
    wait_seconds: float = 0.0  # held back by read budgets
    backoff_seconds: float = 0.0  # sleeping between retries
    duration_seconds: float = 0.0
    scopes: dict[str, ScopeStats] = field(default_factory=dict)  # filled by loaders that know them
    warnings: dict[str, str] = field(default_factory=dict)  # scope -> a problem that did not fail it
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _started: float = field(default_factory=time.monotonic, repr=False)
    _records: int = 0
    _last_progress: float = field(default_factory=time.monotonic, repr=False)
    # What add_scope_stats last folded in, per stats or budget object: (the object, its values).
    _folded: dict[int, tuple[Any, tuple[float, ...]]] = field(default_factory=dict, repr=False)
    _budgets: dict[str, dict[int, Any]] = field(default_factory=dict, repr=False)  # per scope

    def progress(self, records: int) -> None:
        """Count records read; every PROGRESS_INTERVAL_SECONDS, one line of records and rate."""
        with self._lock:
            self._records += records
            now = time.monotonic()
            if _progress_sink is None or now - self._last_progress < PROGRESS_INTERVAL_SECONDS:
                return
            self._last_progress = now
            elapsed = max(now - self._started, 1e-6)
            scopes = sorted({scope for scope, _ in self.results})
            line = (
                f"{self.source}: {self._records:,} records read in {elapsed:.0f}s "
                f"({self._records / elapsed:,.0f}/s) from {len(scopes)} scope(s)"
            )
        _progress_sink(line)

    def warn(self, scope: str, message: str) -> None:
        with self._lock:
            self.warnings[scope] = message

    def skip(self, reason: str) -> None:
        """The whole source had nothing to do (e.g. not configured): one skipped row says why."""
        self.result("-", reason, mode="-").status = "skipped"

    def add_scope_stats(self, scope: str, stats: Any, budget: Any) -> None:
        """Fold one client's call stats (CallStats) and read budget (ReadBudget) into its scope and
        the totals. A scope may have several clients (one per table, say): their calls, retries and
        waits add up; a budget they share, or a client folded again, counts once (what it grew by)."""
        with self._lock:
            calls, retries, backoff = self._grown(
                stats, (stats.calls, stats.retries, stats.retry_wait_seconds)
            )
            (waited,) = self._grown(budget, (budget.waited_seconds,))
            self.api_calls += int(calls)
            self.retries += int(retries)
            self.wait_seconds += waited
            self.backoff_seconds += backoff
            scope_stats = self.scopes.setdefault(scope, ScopeStats())
            scope_stats.api_calls += int(calls)
            scope_stats.retries += int(retries)
            scope_stats.wait_seconds += waited
            scope_stats.backoff_seconds += backoff
            # The scope's read budget: what its budgets (usually one) used today, of their daily reads.
            self._budgets.setdefault(scope, {})[id(budget)] = budget
            budgets = list(self._budgets[scope].values())
            scope_stats.reads_used_today = sum(b.used_today for b in budgets)
            limits = [b.per_day for b in budgets if b.per_day is not None]
            scope_stats.reads_per_day = sum(limits) if limits else None

    def _grown(self, source: Any, values: tuple[float, ...]) -> tuple[float, ...]:
        """How much `values` of `source` grew since it was last folded in (all of them the first time)."""
        _, before = self._folded.get(id(source), (None, (0,) * len(values)))
        # The object is kept so its id is never reused by another while the report lives.
        self._folded[id(source)] = (source, values)
        return tuple(now - then for now, then in zip(values, before, strict=True))

    def result(self, scope: str, entity: str, mode: str = "incremental") -> EntityResult:
        with self._lock:
            key = (scope, entity)
            if key not in self.results:
                self.results[key] = EntityResult(scope, entity, mode=mode)
            return self.results[key]

    def scope_stats(self, scope: str) -> ScopeStats:
        with self._lock:
            return self.scopes.setdefault(scope, ScopeStats())

    def fail_scope(self, scope: str, reason: str) -> None:
        with self._lock:
            self.failures.setdefault(scope, reason)

    def scope_failed(self, scope: str) -> bool:
        return scope in self.failures

    @property
    def ok(self) -> bool:
        return not self.failures

    def failure_lines(self) -> list[str]:
        """`<scope>: <reason>` per failed scope, naming the scope once: a reason that starts with the
        scope's name (`anthropic: GET ...`, `anthropic GET ...`) does not repeat it."""
        return [f"{scope}: {_unscoped(scope, reason)}" for scope, reason in sorted(self.failures.items())]

    def render(self) -> str:
        lines = [
            f"{self.source}: load {self.load_id or '-'} in {self.duration_seconds:.1f}s, "
            f"{self.api_calls} API calls, {self.retries} retries, "
            f"{self.wait_seconds:.1f}s waiting on rate limits, {self.backoff_seconds:.1f}s backing off"
        ]
        width = max((len(e) for _, e in self.results), default=6)
        scopes = max((len(s) for s, _ in self.results), default=5)
        lines.append(
            f"  {'scope':<{scopes}} {'entity':<{width}} {'mode':<11} {'fetched':>8} {'landed':>8}  status"
        )
        for (scope, entity), r in sorted(self.results.items()):
            lines.append(
                f"  {scope:<{scopes}} {entity:<{width}} {r.mode:<11} {r.fetched:>8} {r.landed:>8}  {r.status}"
            )
        total_fetched = sum(r.fetched for r in self.results.values())
        total_landed = sum(r.landed for r in self.results.values())
        lines.append(f"  {'total':<{scopes}} {'':<{width}} {'':<11} {total_fetched:>8} {total_landed:>8}")
        for scope, stats in sorted(self.scopes.items()):
            budget = (
                f", {stats.reads_used_today}/{stats.reads_per_day} reads of today's budget"
                if stats.reads_per_day is not None
                else ""
            )
            lines.append(
                f"  {scope}: {stats.api_calls} API calls, {stats.retries} retries, "
                f"{stats.wait_seconds:.1f}s waiting on rate limits{budget}"
            )
        for scope, message in sorted(self.warnings.items()):
            lines.append(f"  WARNING {scope}: {message}")
        lines.extend(f"  FAILED {line}" for line in self.failure_lines())
        return "\n".join(lines)


def _unscoped(scope: str, reason: str) -> str:
    for lead in (f"{scope}: ", f"{scope} "):
        if reason.startswith(lead):
            return reason[len(lead) :]
    return reason
