"""The read budget: never more calls in a 60 s window than allowed, never past the day's limit."""

from __future__ import annotations

import pytest

from loaders.common.budget import ReadBudget
from loaders.common.errors import BudgetExhausted

# Never touches a warehouse: CI runs it once, in the DuckDB leg (pytest -m "not no_warehouse").
pytestmark = pytest.mark.no_warehouse


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_calls_beyond_the_per_minute_budget_wait_for_the_window_to_slide() -> None:
    clock = FakeClock()
    budget = ReadBudget(per_minute=5, per_day=100, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(12):
        budget.acquire()
        stamps.append(clock.now)
    # In every 60 s window there are at most 5 calls.
    for i, start in enumerate(stamps):
        assert sum(1 for t in stamps[i:] if t - start < 60) <= 5
    assert stamps[4] == stamps[0]  # the first five go at once
    assert stamps[5] >= stamps[0] + 60
    assert budget.waited_seconds == pytest.approx(sum(clock.slept))


def test_a_slow_answer_holds_its_place_in_the_window_until_it_arrives() -> None:
    # The server counts a call when it arrives, which can be long after we sent it on a loaded
    # machine: the window must slide from the answer, or the server sees one call too many.
    clock = FakeClock()
    budget = ReadBudget(per_minute=2, per_day=100, clock=clock, sleep=clock.sleep)
    first = budget.acquire()
    clock.now += 5.0  # the first answer takes 5 s
    budget.settle(first)
    budget.settle(budget.acquire())
    sent_at = clock.now
    budget.acquire()
    assert clock.now - sent_at >= 60.0 - 0.001  # not 55 s: the first call counts from its answer
    assert clock.now >= 1005.0 + 60.0


def test_daily_budget_is_never_exceeded() -> None:
    clock = FakeClock()
    budget = ReadBudget(per_minute=100, per_day=3, clock=clock, sleep=clock.sleep, name="office north")
    for _ in range(3):
        budget.acquire()
    with pytest.raises(BudgetExhausted, match="office north: daily read budget of 3 calls is spent"):
        budget.acquire()
    assert budget.calls == 3


def test_server_reported_usage_tightens_the_budget() -> None:
    clock = FakeClock()
    budget = ReadBudget(per_minute=60, per_day=3000, clock=clock, sleep=clock.sleep)
    budget.acquire()
    # Another client spent most of the shared key's minute and day.
    budget.observe_server_usage(read_today=2999, read_last_minute=60, limit_per_minute=60, limit_per_day=3000)
    budget.acquire()  # waits for the minute to pass, then takes the last call of the day
    assert clock.now >= 1060
    with pytest.raises(BudgetExhausted):
        budget.acquire()


def test_server_limits_lower_than_configured_win() -> None:
    budget = ReadBudget(per_minute=600, per_day=20_000)
    budget.observe_server_usage(None, None, limit_per_minute=60, limit_per_day=3000)
    assert (budget.per_minute, budget.per_day) == (60, 3000)
