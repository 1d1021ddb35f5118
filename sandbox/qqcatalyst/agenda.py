"""The simulated clock of one agency: its agenda of future steps, moments within a day, rates.

`Agenda` is the base of an agency's life (lifecycle.py): it holds the agency's reference data and
the actions planned for later days (a policy turning active on its effective date, a renewal
offer 30-45 days before it expires, an invoice falling due), and gives each change a moment on
the current day that comes after the changed records' previous changes.
"""

from __future__ import annotations

import calendar
import math
import random
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sandbox.framework import EPOCH, simulated_date
from sandbox.qqcatalyst.agencies import AgencySpec
from sandbox.qqcatalyst.reference import build_reference
from sandbox.qqcatalyst.store import DAY_SECONDS, Row, Store, day_start

HISTORY_START = date(2026, 1, 1)
FIRST_DAY = (HISTORY_START - EPOCH).days  # -304: day 0 is 2026-11-01

Handler = Callable[[Row, random.Random], None]


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([value for value, _ in choices], [weight for _, weight in choices])[0]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cents(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def scaled(amount: Decimal, rng: random.Random, low: float, high: float) -> Decimal:
    """`amount` times a random factor in [low, high], to the cent."""
    return cents(amount * Decimal(str(round(rng.uniform(low, high), 4))))


def split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    """`total` in `parts` random shares to the cent that add up to it exactly."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    shares = [cents(total * Decimal(w / sum(weights))) for w in weights[:-1]]
    return [*shares, total - sum(shares, Decimal(0))]


class Agenda(Store):
    """An agency's store with its reference data, its clock and the steps planned for later days."""

    def __init__(self, spec: AgencySpec, *, seed: int, scale: float) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be positive, got {scale}")
        super().__init__(spec.name, seed, spec.id_base)
        self.spec = spec
        self.scale = scale
        self.rate = scale * spec.volume  # multiplies every daily rate
        self.ref = build_reference(self, spec, seed)
        self.rules: dict[tuple[int, str], Row] = {}  # commission rule by (carrier id, line)
        self.active: dict[int, Row] = {}  # policies in force (status Active), by id
        self.events: dict[str, int] = {}
        self.day = FIRST_DAY - 1
        self._agenda: dict[int, list[tuple[Handler, Row]]] = {}
        self._numbers = {"policy": 100_000 + spec.agency_id % 1000 * 100, "claim": 0, "invoice": 0, "sub": 0}

    @property
    def today(self) -> date:
        return simulated_date(self.day)

    def _due(self, day: int, rng: random.Random) -> None:
        """Run the steps planned for `day`, in the order they were planned."""
        for handler, row in self._agenda.pop(day, []):
            handler(row, rng)

    def _schedule(self, when: date | int, handler: Handler, row: Row) -> None:
        """Run `handler(row, rng)` on a later day (a date or day number; today or earlier means tomorrow)."""
        day = (when - EPOCH).days if isinstance(when, date) else when
        self._agenda.setdefault(max(day, self.day + 1), []).append((handler, row))

    def _moment(self, rng: random.Random, *rows: Row) -> int:
        """A time today in US business hours (12:00-24:00 UTC), after the rows' last changes."""
        start = day_start(self.day)
        moment = start + rng.randrange(12 * 3600, DAY_SECONDS)
        latest = max((row.updated for row in rows), default=0)
        return min(max(moment, latest + 1), start + DAY_SECONDS - 1)

    def _later(self, moment: int, seconds: int) -> int:
        """`seconds` after `moment`, but still today."""
        return min(moment + seconds, day_start(self.day) + DAY_SECONDS - 1)

    def _count(self, event: str) -> None:
        self.events[event] = self.events.get(event, 0) + 1

    def _pick(self, table: str, rng: random.Random, eligible: Callable[[Row], bool]) -> Row | None:
        """A random live record of `table` that is `eligible` (None if a few tries find none)."""
        rows = list(self.rows[table].values())
        for _ in range(min(20, len(rows))):
            row = rng.choice(rows)
            if not row.deleted and eligible(row):
                return row
        return None

    def _next_number(self, kind: str, step: int = 1) -> int:
        self._numbers[kind] += step
        return self._numbers[kind]
