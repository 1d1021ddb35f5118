"""The shared AI tool usage world (sandbox/ai_usage.py): a fixed roster, identities that map to
nobody, deterministic usage, provisional days restated until they settle, the identity map."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sandbox import registry
from sandbox.ai_usage import SETTLE_DAYS, STRANGERS, TOOLS, UsageWorld, identity_map_rows, roster

pytestmark = pytest.mark.no_warehouse

TODAY = date(2026, 11, 1)


def test_the_roster_is_fixed_and_every_person_has_their_identities() -> None:
    people = roster()
    assert len(people) == 40 and roster() == people
    assert len({p.email for p in people}) == len({p.github_login for p in people}) == 40
    rows = identity_map_rows()
    assert {(r["identity_type"], r["identity"]) for r in rows} >= {("email", p.email) for p in people}
    mapped = {r["identity"] for r in rows}
    assert not mapped & {s.identity for s in STRANGERS}, "strangers map to nobody"
    assert all(any(t in p.tools for p in people) for t in TOOLS)


def test_usage_is_deterministic_per_seed_and_includes_unmatched_identities() -> None:
    day = TODAY - timedelta(days=10)
    assert UsageWorld(7).final("openai", day) == UsageWorld(7).final("openai", day)
    assert UsageWorld(7).final("openai", day) != UsageWorld(8).final("openai", day)
    seen = {
        u.identity for d in range(1, 30) for u in UsageWorld(7).final("litellm", TODAY - timedelta(days=d))
    }
    assert "ci-pipeline" in seen and "contractor@vendor.example" in seen


@pytest.mark.parametrize("tool", TOOLS)
def test_a_day_is_provisional_until_it_settles_then_final(tool: str) -> None:
    world = UsageWorld(3)
    day = date(2026, 10, 27)  # a Tuesday: everyone active works
    settle = SETTLE_DAYS[tool]
    assert world.reported(tool, day, day) == [], "today is never reported"
    for age in range(1, settle + 3):
        reported = world.reported(tool, day, day + timedelta(days=age))
        if age > settle:
            assert reported == world.final(tool, day)
        else:  # lower counts, one identity missing, one ghost row restatement removes
            assert reported != world.final(tool, day)
            assert sum(u.requests for u in reported) < sum(u.requests for u in world.final(tool, day))


@pytest.mark.parametrize("tool", ["anthropic", "openai"])
def test_a_simulator_restates_days_for_its_settle_days_option(tool: str) -> None:
    spec = registry.get(tool)
    assert spec.options["settle_days"].default == SETTLE_DAYS[tool] == 0
    settles_at_once, restates = spec.build(seed=3), spec.build(seed=3, settle_days=1)
    yesterday = settles_at_once.today - timedelta(days=1)
    assert settles_at_once.reported(yesterday) == settles_at_once.world.final(tool, yesterday)
    assert restates.reported(yesterday) != restates.world.final(tool, yesterday)
    assert not restates.world.is_final(tool, yesterday, restates.today)
    restates.tick(2)
    assert restates.reported(yesterday) == restates.world.final(tool, yesterday)
    assert SETTLE_DAYS[tool] == 0, "the override is the world's own"


def test_augment_reports_yesterday_only_from_two_oclock() -> None:
    world = UsageWorld()
    assert world.newest_day("augment", TODAY, hour=1) == TODAY - timedelta(days=2)
    assert world.newest_day("augment", TODAY, hour=2) == TODAY - timedelta(days=1)
    assert world.newest_day("copilot", TODAY, hour=0) == TODAY - timedelta(days=1)
