"""AI tool usage end to end: seven simulators -> `elt load` -> `dbt build` -> `elt release`, read
from the published marts and compared with the sandbox's world (sandbox/ai_usage.py).

`built_project` (tests/conftest.py) loads every tool once; these tests only query. For every ISO
week whose days are all loaded and settled, "tokens and spend per tool per person per week" (one
query on `analytics.fct_ai_tool_person_usage_weekly`) equals the world: reported values as the
tools report them, the others estimated from the seeds and flagged. Every identity the world
gives to nobody is listed, and nothing else is.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sandbox.ai_usage import STRANGERS, Usage, UsageWorld
from tests.conftest import AI_TOOLS, Project

SEEDS = Path(__file__).resolve().parents[1] / "dbt" / "seeds" / "ai_tools"


@dataclass(frozen=True)
class Reports:
    """What a tool reports per identity and day, as its `stg_ai_tools__<tool>_usage_days` model
    reads it: whether tokens and the model come back (else the marts estimate tokens, and the
    model is `all`), and its reported cost in USD (None: estimated), within `cost_rounding` per
    usage row."""

    tokens: bool
    model: bool
    cost: Callable[[Usage], float] | None
    cost_rounding: Decimal = Decimal("0.000001")


def _usd(usage: Usage) -> float:
    return usage.cost_usd


REPORTS = {
    "litellm": Reports(tokens=True, model=True, cost=_usd),
    "copilot": Reports(tokens=False, model=True, cost=None),
    # Usage events: tokens and cost per request; older events give cost in whole cents.
    "cursor": Reports(tokens=True, model=True, cost=_usd, cost_rounding=Decimal("0.005")),
    "anthropic": Reports(tokens=True, model=True, cost=_usd),
    "openai": Reports(tokens=True, model=True, cost=None),
    # Cascade runs: messages and prompt credits, no tokens, no dollars.
    "windsurf": Reports(tokens=False, model=True, cost=None),
    "augment": Reports(tokens=False, model=False, cost=None),
}

PERSON_WEEKS = """
    select week_start, tool, subject_key, person_key, requests, input_tokens, output_tokens,
        tokens_are_estimated, cost_usd, cost_is_estimated
    from analytics.fct_ai_tool_person_usage_weekly
"""


def _seed(name: str) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    with (SEEDS / name).open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return {(tool, model): (Decimal(a), Decimal(b)) for tool, model, a, b in rows}


def _rate(
    seed: dict[tuple[str, str], tuple[Decimal, Decimal]], tool: str, model: str
) -> tuple[Decimal, Decimal]:
    return seed.get((tool, model)) or seed[(tool, "*")]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _settled_weeks(project: Project, world: UsageWorld, tool: str) -> list[date]:
    """Mondays of the weeks whose seven days were all loaded and are final."""
    today = project.ai_tools_today[tool]  # type: ignore[attr-defined]
    first_loaded = project.scalar(
        f"select min(activity_date) from analytics.fct_ai_tool_daily_metrics where tool = '{tool}'"
    )
    newest = world.newest_day(tool, today)
    last_final = max(d for d in world.days(tool, today) if world.is_final(tool, d, today) and d <= newest)
    monday = _monday(first_loaded) + (timedelta(days=7) if first_loaded.weekday() else timedelta(0))
    weeks = []
    while monday + timedelta(days=6) <= last_final:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _expected(world: UsageWorld, tool: str, weeks: list[date]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """(week_start, tool, subject_key) -> the week's values by the marts' rules, from the world."""
    averages, prices = _seed("ai_tool_token_averages.csv"), _seed("ai_tool_prices.csv")
    reports = REPORTS[tool]
    expected: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(
        lambda: {"requests": 0, "input": 0, "output": 0, "cost": Decimal(0), "rows": 0}
    )
    for monday in weeks:
        for offset in range(7):
            # One row per identity and model the tool reports (all models as one without them).
            grouped: dict[tuple[str, str, str | None, str], list[Usage]] = defaultdict(list)
            for usage in world.final(tool, monday + timedelta(days=offset)):
                model = usage.model if reports.model else "all"
                grouped[(usage.identity_type, usage.identity, usage.person_key, model)].append(usage)
            for (kind, identity, person, model), usages in grouped.items():
                requests = sum(u.requests for u in usages)
                if reports.tokens:
                    tokens_in = sum(u.input_tokens for u in usages)
                    tokens_out = sum(u.output_tokens for u in usages)
                else:
                    per_in, per_out = _rate(averages, tool, model)
                    tokens_in, tokens_out = int(requests * per_in), int(requests * per_out)
                if reports.cost is not None:
                    cost = sum(Decimal(str(reports.cost(u))) for u in usages)
                else:
                    price_in, price_out = _rate(prices, tool, model)
                    cost = (tokens_in * price_in + tokens_out * price_out) / 1_000_000
                row = expected[(monday, tool, person or f"{kind}:{identity}")]
                row["requests"] += requests
                row["input"] += tokens_in
                row["output"] += tokens_out
                row["cost"] += cost
                row["rows"] += 1
    return expected


@pytest.mark.parametrize("tool", AI_TOOLS)
def test_tokens_and_spend_per_person_and_week_equal_the_world(built_project: Project, tool: str) -> None:
    server = built_project.server  # type: ignore[attr-defined]
    world = UsageWorld(server.simulators[tool].seed, server.simulators[tool].scale)
    weeks = _settled_weeks(built_project, world, tool)
    assert weeks, f"{tool}: no settled week loaded"
    expected = _expected(world, tool, weeks)
    mondays = ", ".join(f"'{monday}'" for monday in weeks)
    published = {
        (row[0], row[1], row[2]): row[3:]
        for row in built_project.query(f"{PERSON_WEEKS} where tool = '{tool}' and week_start in ({mondays})")
    }

    assert published.keys() == expected.keys()
    reports = REPORTS[tool]
    for key, (person, requests, tokens_in, tokens_out, tokens_flag, cost, cost_flag) in published.items():
        truth = expected[key]
        assert person == (None if ":" in key[2] else key[2]), key
        assert (requests, tokens_in, tokens_out) == (truth["requests"], truth["input"], truth["output"]), key
        # Each day's cost is rounded to the micro-dollar (numeric(18,6)) before the week's sum.
        assert abs(Decimal(str(cost)) - truth["cost"]) <= reports.cost_rounding * (truth["rows"] + 1), key
        assert tokens_flag is (not reports.tokens), key
        assert cost_flag is (reports.cost is None), key


def test_every_unmatched_identity_is_listed_and_nothing_else(built_project: Project) -> None:
    listed = set(
        built_project.query(
            "select tool, identity_type, identity from analytics.dim_ai_tool_unmatched_identities"
        )
    )
    strangers = {(tool, s.identity_type, s.identity) for s in STRANGERS for tool in s.tools}

    # Every identity the world gives to nobody used its tools in the ~35 days loaded.
    assert listed == strangers
    # Their usage is in the weekly mart under the identity, never dropped.
    unmatched = built_project.query(
        "select distinct tool, subject_key from analytics.fct_ai_tool_person_usage_weekly "
        "where not is_matched"
    )
    assert set(unmatched) == {(tool, f"{kind}:{identity}") for tool, kind, identity in strangers}


def test_tokens_and_spend_per_tool_per_person_per_week_is_one_query(built_project: Project) -> None:
    rows = built_project.query(
        "select week_start, tool, person_name, input_tokens, output_tokens, cost_usd, "
        "tokens_are_estimated, cost_is_estimated from analytics.fct_ai_tool_person_usage_weekly "
        "where is_matched order by week_start, tool, person_name"
    )
    assert rows and all(row[2] for row in rows)
    assert {row[1] for row in rows} == set(AI_TOOLS)
    # Estimated values are flagged: the tools that report no tokens are.
    flagged = {row[1] for row in rows if row[6]}
    assert flagged == {tool for tool, reports in REPORTS.items() if not reports.tokens}


def test_spend_per_tool_and_week_is_the_tools_bill_where_it_has_one(built_project: Project) -> None:
    """OpenAI bills per project (no cost per user): its spend is that bill, equal to the world's
    tokens at list prices; every other tool's spend is its day costs, flagged where estimated."""
    server = built_project.server  # type: ignore[attr-defined]
    world = UsageWorld(server.simulators["openai"].seed, server.simulators["openai"].scale)
    prices = _seed("ai_tool_prices.csv")
    spend = "select tool, week_start, billed_cost_usd, spend_source, spend_is_estimated from "
    spend += "analytics.fct_ai_tool_spend_weekly"
    weeks = {(row[0], row[1]): row[2:] for row in built_project.query(spend)}
    for monday in _settled_weeks(built_project, world, "openai"):
        usages = [u for offset in range(7) for u in world.final("openai", monday + timedelta(days=offset))]
        bill = Decimal(0)
        for usage in usages:
            price_in, price_out = _rate(prices, "openai", usage.model)
            bill += (usage.input_tokens * price_in + usage.output_tokens * price_out) / 1_000_000
        billed, source, estimated = weeks[("openai", monday)]
        # Each day's cost per project and line item is rounded to the micro-dollar.
        assert abs(Decimal(str(billed)) - bill) <= Decimal("0.000001") * (2 * len(usages) + 7), monday
        assert (source, estimated) == ("billed", False), monday
    for (tool, week), (billed, source, estimated) in weeks.items():
        if tool != "openai":
            assert (billed, source) == (None, "usage"), (tool, week)
            assert estimated is (REPORTS[tool].cost is None), (tool, week)
