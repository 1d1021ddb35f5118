"""Deterministic QQCatalyst agency data, and the ground truth tests compare the warehouse with.

`QQCatalystGenerator` holds one `AgencyWorld` per agency (sandbox/qqcatalyst/lifecycle.py: the
agency's life from 2026-01-01 to simulated day `day`) and answers the contract's ground-truth
questions about the records as the API serves them now:

- `planted(agency)`: every messy-but-valid and invalid value in the current records
  (`Planted(entity, source_id, field, raw_value, rule, standardised)`, values.py);
- `records(agency, entity)`: the current records of one entity (RAW table name such as
  `"billing_records"`, or the API's name such as `"BillingRecords"`), soft-deleted ones included;
- `hard_deleted(agency)`: `(entity, source_id)` of every record that vanished (from day 1 on).

The same seed, scale and day give the same data, and `advance(n)` from day d gives exactly what
building at day d + n gives.
"""

from __future__ import annotations

from typing import Any

from sandbox.framework import simulated_date
from sandbox.qqcatalyst.agencies import AgencySpec
from sandbox.qqcatalyst.catalog import BY_NAME, BY_TABLE
from sandbox.qqcatalyst.lifecycle import FIRST_DAY, HISTORY_START, AgencyWorld
from sandbox.qqcatalyst.store import Record
from sandbox.qqcatalyst.values import Planted

__all__ = ["FIRST_DAY", "HISTORY_START", "AgencyWorld", "Planted", "QQCatalystGenerator", "table_name"]


def table_name(entity: str) -> str:
    """The RAW table name of `entity`, given as a table name or as the API's entity name."""
    if entity in BY_TABLE:
        return entity
    if entity in BY_NAME:
        return BY_NAME[entity].table
    known = ", ".join(BY_TABLE)
    raise KeyError(f"unknown QQCatalyst entity {entity!r}; use a RAW table name: {known}")


class QQCatalystGenerator:
    """Every agency's records at simulated day `day`, with the ground truth of what was planted."""

    def __init__(
        self, agencies: list[AgencySpec], *, seed: int = 42, scale: float = 1.0, day: int = 0
    ) -> None:
        if not agencies:
            raise ValueError("the generator needs at least one agency")
        self.seed = seed
        self.scale = scale
        self.worlds = {spec.name: AgencyWorld(spec, seed=seed, scale=scale, day=day) for spec in agencies}

    @property
    def day(self) -> int:
        return next(iter(self.worlds.values())).day

    def world(self, agency: str) -> AgencyWorld:
        try:
            return self.worlds[agency]
        except KeyError:
            raise KeyError(f"unknown agency {agency!r}; agencies: {', '.join(self.worlds)}") from None

    def advance(self, days: int = 1) -> dict[str, dict[str, int]]:
        """Live `days` more days in every agency; per agency what changed (lifecycle.advance)."""
        return {name: world.advance(days) for name, world in self.worlds.items()}

    # ----- the ground truth (the contract's API) -------------------------------------------------

    def planted(self, agency: str) -> list[Planted]:
        return self.world(agency).planted()

    def records(self, agency: str, entity: str) -> list[Record]:
        return self.world(agency).records(table_name(entity))

    def hard_deleted(self, agency: str) -> list[tuple[str, str]]:
        return list(self.world(agency).hard_deleted)

    def summary(self) -> dict[str, Any]:
        """Counts per agency and entity, for `state`."""
        return {
            "day": self.day,
            "date": simulated_date(self.day).isoformat(),
            "history_start": HISTORY_START.isoformat(),
            "agencies": {
                name: {
                    "records": world.counts(),
                    "planted_invalid": sum(1 for p in world.planted() if p.rule is not None),
                    "hard_deleted": len(world.hard_deleted),
                    "events": dict(sorted(world.events.items())),
                }
                for name, world in self.worlds.items()
            },
        }
