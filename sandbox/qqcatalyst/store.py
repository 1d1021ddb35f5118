"""One agency's records as the QQCatalyst API keeps them: ids, timestamps, planted values, deletes.

`Store` is the bookkeeping under the agency's life (lifecycle.py): it adds records in wire form
(the JSON the API sends), moves `DateLastModified` forward on every change (never backwards: a
change on a record changed earlier the same day comes after that change), keeps the planted
values of each record current as fields change, soft-deletes (`IsDeleted`, contacts also
`Status: "D"`) and hard-deletes (the record vanishes; its id is remembered), and serves each
entity ordered by (DateLastModified, id) for the windowed endpoints. Timestamps are UTC without a
zone, as the API writes them (`2026-10-14T13:22:05`: the docs state UTC, an assumption here).
"""

from __future__ import annotations

import bisect
import copy
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from sandbox.framework import simulated_date
from sandbox.qqcatalyst.catalog import BY_TABLE, ENTITIES
from sandbox.qqcatalyst.values import INVALID, INVALID_RATE, MESSY_RATE, RULES, Planted, Value, invalid, messy

Record = dict[str, Any]
DAY_SECONDS = 86_400
_PATH_PART = re.compile(r"([A-Za-z][A-Za-z0-9]*)(?:\[(\d+)\])?")
# The 3rd, 8th and 14th record of a windowed table (commission rules aside: a few dozen rows of
# dates) always carry an invalid value, so a small sandbox still breaks every rule; after them
# every 25th record of any table does, plus INVALID_RATE of the others.
_FORCED_EARLY = frozenset({3, 8, 14})
_NOT_FORCED_EARLY = frozenset({"commission_rules"})


def day_start(day: int) -> int:
    """Seconds since the Unix epoch at 00:00 UTC of simulated day `day`."""
    return int(datetime.combine(simulated_date(day), time(0), tzinfo=UTC).timestamp())


@lru_cache(maxsize=131_072)
def stamp(seconds: int) -> str:
    """A timestamp as the API writes it: `2026-10-14T13:22:05` (UTC, no zone)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


# --------------------------------------------------------------------------------------------
# JSON paths (`Phones[0].PhoneNumber`, `Address.Zip`, `TotalPremium`)
# --------------------------------------------------------------------------------------------


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        match = _PATH_PART.fullmatch(part)
        if match is None:
            raise ValueError(f"bad field path {path!r}")
        steps.append(match[1])
        if match[2] is not None:
            steps.append(int(match[2]))
    return steps


def get_path(record: Record, path: str) -> Any:
    """The value at `path` in `record` (None when any step is missing)."""
    value: Any = record
    for step in _steps(path):
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def set_path(record: Record, path: str, value: Any) -> None:
    steps = _steps(path)
    target: Any = record
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Row:
    """One record: its wire form and what the agency's life needs to know about it.

    `status` is the true status (the wire's `Status` may hold a planted value); `checked` maps
    each field path a rule validates to that rule; `planted` holds the planted values now in
    `data`; `facts` keeps what the lifecycle reads (dates, amounts, links) in typed form."""

    table: str
    id: int
    data: Record
    updated: int  # DateLastModified, seconds since the epoch
    status: str = ""
    deleted: bool = False
    parent: Row | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    checked: dict[str, str] = field(default_factory=dict)
    planted: dict[str, Value] = field(default_factory=dict)

    @property
    def source_id(self) -> str:
        return str(self.id)


class Store:
    """An agency's records by table, with the ground truth of what was planted and deleted."""

    def __init__(self, agency: str, seed: int, id_base: int) -> None:
        self.agency = agency
        self.seed = seed
        self.rows: dict[str, dict[int, Row]] = {entity.table: {} for entity in ENTITIES}
        self.hard_deleted: list[tuple[str, str]] = []  # (table, source id), in deletion order
        self._next_id = {e.table: id_base + (n + 1) * 100_000 for n, e in enumerate(ENTITIES)}
        self._created = dict.fromkeys(self.rows, 0)
        self._next_rule = dict.fromkeys(self.rows, 0)  # where forced invalid values go on in RULES
        self._examples = dict.fromkeys(RULES, 0)  # which invalid example of a rule comes next
        self._served: dict[str, tuple[list[Record], list[str]]] = {}

    # ----- adding and changing ------------------------------------------------------------------

    def new_id(self, table: str, rng: random.Random) -> int:
        self._next_id[table] += rng.randint(1, 3)  # ids from one sequence, with gaps as in any database
        return self._next_id[table]

    def add(
        self,
        table: str,
        data: Record,
        moment: int,
        rng: random.Random,
        *,
        status: str = "",
        checked: dict[str, str] | None = None,
        parent: Row | None = None,
        plant: bool = True,
        **facts: Any,
    ) -> Row:
        """Add a record created at `moment`; `data` holds clean values and its id; `checked` the
        field paths rules validate (values planted in them now, unless `plant` is False)."""
        entity = BY_TABLE[table]
        record_id = data[entity.id_field]
        stamped = stamp(moment)
        data.update(CreatedOn=stamped, DateLastModified=stamped)
        if entity.windowed:
            data["IsDeleted"] = False
        row = Row(table, record_id, data, moment, status, parent=parent, facts=facts)
        row.checked = dict(checked or {})
        self._created[table] += 1
        if plant:
            self.plant(row, rng)
        self.rows[table][record_id] = row
        return row

    def touch(self, row: Row, moment: int) -> None:
        """Record a change at `moment` (never before the record's last change)."""
        row.updated = max(moment, row.updated)
        row.data["DateLastModified"] = stamp(row.updated)

    def put(self, row: Row, path: str, value: Any, rng: random.Random | None = None) -> None:
        """Set a field to a clean value; a rule-checked field may come out messy (given `rng`).
        Whatever was planted there before is gone."""
        set_path(row.data, path, value)
        row.planted.pop(path, None)
        rule = row.checked.get(path)
        if rng is not None and rule is not None and value is not None and rng.random() < MESSY_RATE[rule]:
            self._plant_value(row, path, messy(rule, value, rng))

    def check(self, row: Row, path: str, rule: str) -> None:
        """A field added after creation (an equipment item's value) that `rule` validates."""
        row.checked[path] = rule

    def set_status(self, row: Row, status: str, moment: int, rng: random.Random) -> None:
        """Change the true status, send it (sometimes in another case) and touch the record."""
        row.status = status
        self.put(row, "Status", status, rng)
        self.touch(row, moment)

    def soft_delete(self, row: Row, moment: int) -> None:
        row.deleted = True
        row.data["IsDeleted"] = True
        if row.table == "contacts":
            row.status = "D"
            self.put(row, "Status", "D")
        self.touch(row, moment)

    def hard_delete(self, row: Row) -> None:
        del self.rows[row.table][row.id]
        row.deleted = True
        self.hard_deleted.append((row.table, row.source_id))

    def changed(self) -> None:
        """Forget the served orderings (after a day of changes)."""
        self._served.clear()

    # ----- planting -------------------------------------------------------------------------

    def plant(self, row: Row, rng: random.Random) -> None:
        """For a forced or an unlucky record, replace one checked field with an invalid value that
        breaks that field's rule; then render the other checked fields messy at each rule's rate."""
        present = {path: rule for path, rule in row.checked.items() if get_path(row.data, path) is not None}
        number = self._created[row.table]
        early = BY_TABLE[row.table].windowed and row.table not in _NOT_FORCED_EARLY
        forced = (early and number in _FORCED_EARLY) or number % 25 == 7
        spoiled = None
        if present and (forced or rng.random() < INVALID_RATE):
            rules = set(present.values())
            if forced:  # the next rule in turn that this record has a field for
                start = self._next_rule[row.table]
                offset = next(i for i in range(len(RULES)) if RULES[(start + i) % len(RULES)] in rules)
                rule = RULES[(start + offset) % len(RULES)]
                self._next_rule[row.table] = (start + offset + 1) % len(RULES)
            else:
                rule = rng.choice(sorted(rules))
            spoiled = rng.choice([path for path, r in present.items() if r == rule])
            self._plant_invalid(row, spoiled, rule)
        for path, rule in present.items():
            if path != spoiled and rng.random() < MESSY_RATE[rule]:
                self._plant_value(row, path, messy(rule, get_path(row.data, path), rng))

    def _plant_invalid(self, row: Row, path: str, rule: str) -> None:
        examples = INVALID[rule]
        for attempt in range(len(examples)):
            example = examples[(self._examples[rule] + attempt) % len(examples)]
            value = invalid(rule, get_path(row.data, path), example)
            if value is not None:
                self._examples[rule] = (self._examples[rule] + attempt + 1) % len(examples)
                self._plant_value(row, path, value)
                return

    @staticmethod
    def _plant_value(row: Row, path: str, value: Value | None) -> None:
        if value is None:
            return
        set_path(row.data, path, value.raw)
        row.planted[path] = value

    # ----- reading ------------------------------------------------------------------------------

    def served(self, table: str) -> tuple[list[Record], list[str]]:
        """The table's records ordered by (DateLastModified, id), with their DateLastModified
        dates beside them for bisecting a window."""
        cached = self._served.get(table)
        if cached is None:
            rows = sorted(self.rows[table].values(), key=lambda r: (r.updated, r.id))
            cached = ([r.data for r in rows], [r.data["DateLastModified"][:10] for r in rows])
            self._served[table] = cached
        return cached

    def window(self, table: str, start: str, end: str) -> list[Record]:
        """Records whose DateLastModified date d has start <= d <= end (ISO dates)."""
        records, dates = self.served(table)
        return records[bisect.bisect_left(dates, start) : bisect.bisect_right(dates, end)]

    def records(self, table: str) -> list[Record]:
        """Copies of the table's current records in id order (soft-deleted ones included)."""
        return [copy.deepcopy(self.rows[table][key].data) for key in sorted(self.rows[table])]

    def planted(self) -> list[Planted]:
        """Every planted value in the current records, by table, id and field."""
        found = []
        for entity in ENTITIES:
            for key in sorted(self.rows[entity.table]):
                row = self.rows[entity.table][key]
                for path in sorted(row.planted):
                    value = row.planted[path]
                    found.append(
                        Planted(entity.table, row.source_id, path, value.raw, value.rule, value.standardised)
                    )
        return found

    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.rows.items()}
