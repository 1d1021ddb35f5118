"""The source contract: what every source package declares, and the one call the CLI makes.

A source is a package `loaders/<name>/` whose `__init__.py` holds a `Source` (cheap to import: no
dlt, no HTTP) and whose `pipeline.py` holds the work:

    def load(scopes, entities, full_refresh) -> LoadReport
                                              # (plus since, until: a source with date windows)
    def configured_scopes() -> list[str]      # from its config section, every provider
    def secrets() -> list[str]                # every configured credential (tests check none leaks)
    def attention(reader) -> list[str]        # optional: what a person must act on (`elt status`)

`loaders/registry.py` lists the sources. The CLI, run summaries, `elt status`, alerts and tests
read the registry and never name a source.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING, Any

from loaders.common.errors import ConfigError

if TYPE_CHECKING:
    from loaders.common.report import LoadReport


@dataclass(frozen=True)
class Source:
    name: str  # as typed on `elt load`, and the dlt pipeline's name
    dataset: str  # the RAW schema it lands in
    scope_kind: str  # what it is split into: office, workspace, bucket, shop, tool, table ...
    entities: tuple[str, ...]  # what `--entity` accepts; empty when the source has no such choice
    description: str  # one line for the docs
    config_section: str = ""  # default: sources.<name>
    entity_aliases: tuple[str, ...] = ()  # other names `--entity` accepts (e.g. table names)
    # Reads in windows of dates that `elt load --since/--until` can name: its load() takes
    # `since` and `until` (a past range read again).
    date_windows: bool = False

    @property
    def section(self) -> str:
        return self.config_section or f"sources.{self.name}"

    def module(self) -> ModuleType:
        return importlib.import_module(f"loaders.{self.name}.pipeline")

    def configured_scopes(self) -> list[str]:
        return list(self.module().configured_scopes())

    def secrets(self) -> list[str]:
        return list(self.module().secrets())

    def attention(self, reader: Any) -> list[str]:
        """Open problems a person must act on (e.g. quarantined files), read from the warehouse
        (`reader`: loaders.common.warehouse.Reader); none for a source that declares no such hook."""
        hook = getattr(self.module(), "attention", None)
        return list(hook(reader)) if hook else []

    def check_entities(self, entities: Sequence[str] | None) -> None:
        unknown = [e for e in entities or () if e not in self.entities and e not in self.entity_aliases]
        if unknown:
            known = ", ".join(self.entities) if self.entities else f"none ({self.name} has no entity choice)"
            raise ConfigError(f"unknown {self.name} entity {', '.join(unknown)}; known: {known}")

    def check_scopes(self, scopes: Sequence[str] | None) -> None:
        if not scopes:
            return
        configured = self.configured_scopes()
        unknown = sorted(set(scopes) - set(configured))
        if unknown:
            raise ConfigError(
                f"unknown {self.name} {self.scope_kind} {', '.join(unknown)}; configured: "
                f"{', '.join(configured) or 'none'}"
            )

    def check_dates(self, since: date | None, until: date | None) -> None:
        if (since or until) and not self.date_windows:
            raise ConfigError(f"{self.name} has no date windows: --since/--until do not apply to it")
        if since and until and since > until:
            raise ConfigError(f"--since {since} is after --until {until}")

    def load(
        self,
        scopes: Sequence[str] | None = None,
        entities: Sequence[str] | None = None,
        full_refresh: bool = False,
        since: date | None = None,
        until: date | None = None,
    ) -> LoadReport:
        self.check_entities(entities)
        self.check_scopes(scopes)
        self.check_dates(since, until)
        # Only a source with date windows takes the range: the others' load() is unchanged.
        dates = {"since": since, "until": until} if since or until else {}
        return self.module().load(
            scopes=scopes or None, entities=entities or None, full_refresh=full_refresh, **dates
        )
