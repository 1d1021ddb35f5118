"""`elt load ai_tools`: every configured AI tool into raw_ai_tools, each tool its own scope.

A tool without a `[sources.ai_tools.<tool>]` section is skipped with one line (a team rarely has
all seven). Each configured tool reads a window of days: from its last loaded day minus its
`reread_days` (the days the API still restates; the first load: `lookback_days` back) to its
newest ready day, or `--since/--until`. A tool that fails (a retired endpoint, bad credentials)
fails its own scope and `elt load` exits non-zero; the other tools land.

"Today" is the UTC date, unless `today` (YYYY-MM-DD) is set in the tool's section or in
`[sources.ai_tools]`, or `clock_url` names a URL answering JSON with a `date` (the sandbox's
`/_sandbox/health`: its simulated day).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from types import ModuleType

import dlt
import requests
from dlt.extract.resource import DltResource

from loaders.ai_tools import SOURCE
from loaders.ai_tools.tools import (
    LANDING,
    SECTION,
    TOOL_NAMES,
    Tool,
    Window,
    module,
    newest_day,
    section,
    where,
)
from loaders.common.config import SourceConfig
from loaders.common.errors import ConfigError, LoaderError
from loaders.common.landing import REPORT_DAYS_TABLE, count_landed, day_resource_name
from loaders.common.report import LoadReport
from loaders.common.runner import run_source

log = logging.getLogger(__name__)


def _configured(name: str) -> ModuleType | None:
    try:
        tool = module(name)
    except Exception:  # noqa: BLE001 - a broken tool module is reported by load(), not here
        return None
    return tool if tool is not None and tool.configured(section(name)) else None


def configured_scopes() -> list[str]:
    return [name for name in TOOL_NAMES if _configured(name) is not None]


def secrets() -> list[str]:
    found: list[str] = []
    for name in TOOL_NAMES:
        tool = _configured(name)
        if tool is not None:
            found += [s for s in tool.secrets(section(name)) if s]
    return found


def clock(config: SourceConfig) -> tuple[date, datetime]:
    """(today, now) in UTC for one tool: its `today`, the source's, its `clock_url`'s, or the clock."""
    shared = SourceConfig(SECTION)
    fixed = config.get("today") or shared.get("today")
    if fixed:
        try:
            day = date.fromisoformat(str(fixed))
        except ValueError:
            raise ConfigError(f"{config.key('today')} must be a date (YYYY-MM-DD), got {fixed!r}") from None
        return day, datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    url = config.get("clock_url") or shared.get("clock_url")
    if url:
        try:
            answer = requests.get(str(url), timeout=10)
            answer.raise_for_status()
            day = date.fromisoformat(str(answer.json()["date"]))
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            reason = type(exc).__name__
            raise LoaderError(f"{config.section}: clock_url did not answer a date ({reason})") from None
        return day, datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    now = datetime.now(UTC)
    return now.date(), now


@dataclass(frozen=True)
class Plan:
    name: str
    tool: ModuleType
    config: SourceConfig
    today: date
    now: datetime

    @property
    def spec(self) -> Tool:
        """The tool's TOOL, with `reread_days` and `lookback_days` as configured (if they are)."""
        tool: Tool = self.tool.TOOL
        reread = self.config.get_int("reread_days", tool.reread_days)
        lookback = self.config.get_int("lookback_days", tool.lookback_days)
        if reread < 0 or lookback < 1:
            raise ConfigError(
                f"{self.config.section}: reread_days must be at least 0 and lookback_days at least 1"
            )
        return replace(tool, reread_days=reread, lookback_days=lookback)


def window(
    spec: Tool,
    last_day: date | None,
    newest: date,
    *,
    since: date | None = None,
    until: date | None = None,
    full_refresh: bool = False,
) -> Window | None:
    """The days to read: --since/--until as given (up to the newest ready day); otherwise from the
    last loaded day minus `reread_days` (none, or --full-refresh: `lookback_days` back) to `newest`."""
    last = min(until or newest, newest)
    if since is not None:
        first = since
    elif last_day is None or full_refresh:
        first = newest - timedelta(days=spec.lookback_days - 1)
    else:
        first = min(last_day - timedelta(days=spec.reread_days), newest)
    return Window(first, last) if first <= last else None


def last_loaded_day(spec: Tool) -> date | None:
    """The oldest of the tool's tables' last loaded days (a table never loaded: None)."""
    states = dlt.current.source_state().get("resources", {})
    days = []
    for table in spec.tables:
        value = states.get(day_resource_name(table, spec.name), {}).get("last_day")
        if value is None:
            return None
        days.append(date.fromisoformat(str(value)))
    return min(days) if days else None


@dlt.source(name="ai_tools", max_table_nesting=0)
def ai_tools_source(
    plans: Sequence[Plan],
    report: LoadReport,
    full_refresh: bool,
    since: date | None,
    until: date | None,
) -> Iterator[DltResource]:
    for plan in plans:
        try:
            newest = newest_day(plan.tool, plan.config, plan.today, plan.now)
            days = window(
                plan.spec,
                last_loaded_day(plan.spec),
                newest,
                since=since,
                until=until,
                full_refresh=full_refresh,
            )
            if days is None:
                report.result(plan.name, f"(nothing to read up to {newest})", mode="-").status = "skipped"
                continue
            log.info("%s: reading %s", plan.name, days)
            yield from plan.tool.resources(plan.config, days, report, full_refresh)
        except LoaderError as exc:
            report.fail_scope(plan.name, str(exc))
            report.result(plan.name, "(setup)", mode="-").status = "failed"
        except Exception as exc:  # noqa: BLE001 - a bug in one tool fails that tool only
            report.fail_scope(plan.name, f"{plan.name}: its setup failed unexpectedly ({where(exc)})")
            report.result(plan.name, "(setup)", mode="-").status = "failed"


def load(
    scopes: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    full_refresh: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> LoadReport:
    report = LoadReport(SOURCE.name)
    plans: list[Plan] = []
    skipped: dict[str, str] = {}  # tool -> why it is left out (one summary line each)
    for name in scopes or TOOL_NAMES:
        try:
            tool = module(name)
        except Exception as exc:  # noqa: BLE001 - one broken tool module never stops the others
            report.fail_scope(name, f"{name}: its loader module does not import ({where(exc)})")
            continue
        if tool is None:
            skipped[name] = "(no loader module)"
            continue
        config = section(name)
        try:
            if not tool.configured(config):
                # One line, not an error: a team rarely has all seven tools.
                skipped[name] = f"(not configured: [{config.section}])"
                continue
            today, now = clock(config)
        except LoaderError as exc:
            report.fail_scope(name, str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - a bug in one tool fails that tool only
            report.fail_scope(name, f"{name}: its configuration check failed unexpectedly ({where(exc)})")
            continue
        plans.append(Plan(name, tool, config, today, now))
    if not plans and not report.failures:
        # No tool at all (a deployment that does not use the source): one line, not seven.
        report.skip("not configured: add a [sources.ai_tools.<tool>] section for each tool used")
        return report
    for name, reason in skipped.items():
        report.result(name, reason, mode="-").status = "skipped"
    if not plans:
        return report
    tables = sorted({t for plan in plans for t in plan.tool.TOOL.tables} | {REPORT_DAYS_TABLE})
    run_source(
        SOURCE.name,
        SOURCE.dataset,
        lambda: ai_tools_source(plans, report, full_refresh, since, until),
        report,
        workers=max(2, len(plans)),
        after_load=count_landed(report, tables, LANDING.scope_column),
    )
    return report
