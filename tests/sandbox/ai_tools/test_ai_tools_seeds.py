"""The AI tool seeds (dbt/seeds/ai_tools) against the sandbox's world (sandbox/ai_usage.py): the
checked-in identity map is the world's, and every tool and model the world reports has a price
and a token average, so no mart value is left NULL for want of a seed row."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sandbox.ai_usage import MODELS, STRANGERS, TOOLS, identity_map_rows

pytestmark = pytest.mark.no_warehouse

SEEDS = Path(__file__).resolve().parents[3] / "dbt" / "seeds" / "ai_tools"


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_identity_map_seed_is_the_worlds() -> None:
    assert _rows("ai_tool_identities.csv") == identity_map_rows()


def test_the_identity_map_gives_no_identity_to_two_people() -> None:
    keys = [
        (row["identity_type"], row["identity"].lower(), row["tool"] or "*")
        for row in _rows("ai_tool_identities.csv")
    ]
    assert len(keys) == len(set(keys))


def test_the_strangers_are_not_in_the_identity_map() -> None:
    mapped = {(row["identity_type"], row["identity"]) for row in _rows("ai_tool_identities.csv")}
    assert not {(s.identity_type, s.identity) for s in STRANGERS} & mapped


def test_every_tool_has_a_fallback_average_and_price_and_every_model_a_price() -> None:
    averages = {(row["tool"], row["model"]) for row in _rows("ai_tool_token_averages.csv")}
    prices = {(row["tool"], row["model"]) for row in _rows("ai_tool_prices.csv")}
    assert {(tool, "*") for tool in TOOLS} <= averages
    assert {(tool, "*") for tool in TOOLS} <= prices
    assert {(tool, model) for tool in TOOLS for model in MODELS[tool]} <= prices
