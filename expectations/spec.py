"""A compact, reviewable way to declare a table's expectations; turned into GX expectations.

Each audited table gets one `TableExpectations`. Keep the rules about what analysts rely on:
keys, completeness, domains, ranges and sanity of volumes. Anything more specific can be added
as a raw GX expectation in `extra`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import great_expectations as gx


@dataclass(frozen=True)
class TableExpectations:
    table: str
    layer: str  # "marts" or "ml": which audit schema it is built in
    primary_key: tuple[str, ...]
    not_null: tuple[str, ...] = ()
    non_negative: tuple[str, ...] = ()
    accepted_values: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    between: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    min_rows: int = 1
    extra: tuple[Any, ...] = ()
    # The registry name (loaders/registry.py) of the one source feeding the table. Where that
    # source has never landed, the table is expected empty: its `min_rows` check is dropped and
    # every other check stays. Where ELT_SOURCES switches it off, the table is not checked.
    source: str | None = None

    def expectations(self) -> list[Any]:
        e = gx.expectations
        rules: list[Any] = [e.ExpectTableRowCountToBeBetween(min_value=self.min_rows)]
        if len(self.primary_key) == 1:
            rules.append(e.ExpectColumnValuesToBeUnique(column=self.primary_key[0]))
        else:
            rules.append(e.ExpectCompoundColumnsToBeUnique(column_list=list(self.primary_key)))
        for column in dict.fromkeys(self.primary_key + self.not_null):
            rules.append(e.ExpectColumnValuesToNotBeNull(column=column))
        for column in self.non_negative:
            rules.append(e.ExpectColumnValuesToBeBetween(column=column, min_value=0))
        for column, values in self.accepted_values.items():
            rules.append(e.ExpectColumnValuesToBeInSet(column=column, value_set=list(values)))
        for column, (low, high) in self.between.items():
            rules.append(e.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high))
        rules.extend(self.extra)
        return rules
