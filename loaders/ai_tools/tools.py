"""The tool protocol: what each `loaders/ai_tools/<tool>.py` exposes, and the list of the seven.

A tool module holds:

    TOOL: Tool                       # name, title, RAW tables, reread_days, lookback_days
    def configured(section) -> bool  # section: SourceConfig("sources.ai_tools.<tool>")
    def secrets(section) -> list[str]
    def resources(section, window, report, full_refresh) -> list[DltResource]

and optionally `newest_day(section, today, now) -> date` (default: yesterday). Each resource lands
its days with `loaders.common.landing.DayLanding.day_resource` (the `LANDING` of pipeline.py),
one table per endpoint named `<tool>_<entity>s`. Modules are imported lazily, one at a time: a
tool whose module is missing or broken is reported on its own and never stops the others.
"""

from __future__ import annotations

import importlib
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from loaders.common.config import SourceConfig
from loaders.common.errors import LoaderError, PermanentError
from loaders.common.landing import DayLanding, DayReader
from loaders.common.report import LoadReport

TOOL_NAMES = ("litellm", "copilot", "cursor", "anthropic", "openai", "windsurf", "augment")
SECTION = "sources.ai_tools"
# Every tool lands the same way: `_tool` is the scope column (lineage), days as DayLanding does.
LANDING = DayLanding(scope_column="_tool")


@dataclass(frozen=True)
class Tool:
    name: str  # the scope, the config section `sources.ai_tools.<name>`, the table prefix
    title: str
    tables: tuple[str, ...]  # RAW tables it lands (`<tool>_<entity>s`)
    reread_days: int  # days before the last loaded day read again (the API restates them)
    lookback_days: int  # days read by the first load


@dataclass(frozen=True)
class Window:
    """The days one load reads for a tool: first..last, both included."""

    first: date
    last: date

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"


class ToolModule(Protocol):
    TOOL: Tool

    def configured(self, section: SourceConfig) -> bool: ...

    def secrets(self, section: SourceConfig) -> list[str]: ...

    def resources(
        self, section: SourceConfig, window: Window, report: LoadReport, full_refresh: bool
    ) -> list[Any]: ...


def section(tool: str) -> SourceConfig:
    return SourceConfig(f"{SECTION}.{tool}")


def module(tool: str) -> ModuleType | None:
    """The tool's loader module, or None when it does not exist (yet)."""
    try:
        return importlib.import_module(f"loaders.ai_tools.{tool}")
    except ModuleNotFoundError as exc:
        if exc.name == f"loaders.ai_tools.{tool}":
            return None
        raise


def newest_day(tool: ModuleType, config: SourceConfig, today: date, now: datetime) -> date:
    hook: Callable[..., date] | None = getattr(tool, "newest_day", None)
    return hook(config, today, now) if hook else today - timedelta(days=1)


# --------------------------------------------------------------------------------------------
# Landing a tool's days, with the one-line failure a retired endpoint must give
# --------------------------------------------------------------------------------------------

_GONE = re.compile(r"^(?P<name>\S+) (?P<method>[A-Z]+) (?P<path>\S+): HTTP (?P<status>404|410)\b")


def retired_error(tool: str, exc: LoaderError) -> LoaderError:
    """A 404/410 on a documented path as the one line that alerts (never a day of zeros)."""
    found = _GONE.match(str(exc))
    if not found:
        return exc
    return PermanentError(
        f"{tool}: {found['method']} {found['path']} answered HTTP {found['status']}: the endpoint was "
        "retired or renamed: update the loader"
    )


def guarded(tool: str, read: DayReader) -> DayReader:
    """`read`, with a retired endpoint's error turned into the line `retired_error` gives."""

    def reader() -> Iterator[tuple[Any, list[dict[str, Any]]]]:
        try:
            yield from read()
        except LoaderError as exc:
            raise retired_error(tool, exc) from None
        except Exception as exc:  # noqa: BLE001 - a bug in one tool's reader fails that tool only
            raise LoaderError(f"{tool}: the reader failed unexpectedly ({where(exc)})") from exc

    return reader


def where(exc: BaseException) -> str:
    """An unexpected error's type and the line it came from: never its message, which can hold a
    URL's query or a request body (credentials)."""
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    return f"{type(exc).__name__} at {Path(last.filename).name}:{last.lineno}" if last else type(exc).__name__


def day_resource(
    tool: str,
    table: str,
    window: Window,
    read: DayReader,
    report: LoadReport,
    record_id: Callable[[dict[str, Any]], str],
) -> Any:
    """The dlt resource landing one of `tool`'s tables over `window` (see DayLanding)."""
    return LANDING.day_resource(
        scope=tool,
        table=table,
        days=window.days(),
        read=guarded(tool, read),
        report=report,
        primary_key=record_id,
    )
