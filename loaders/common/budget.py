"""A read budget per credential: at most N calls in any 60 s window and M calls per day (or no
daily cap, for APIs that have none).

Thread-safe, so every worker loading the same office shares one budget. The server's own
counters (when it reports them) are folded in, because another client may share the key.

A server counts a call when the request reaches it, somewhere between our send and its
answer. So a call holds its place in the window from `acquire()` until `settle()` moves its
stamp to the moment the answer arrived: the window then slides from the latest instant the
server can have counted it, and a slow or loaded network never lets one call too many in.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from loaders.common.errors import BudgetExhausted


class ReadBudget:
    def __init__(
        self,
        per_minute: int,
        per_day: int | None,
        *,
        name: str = "",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window_seconds: float = 60.0,
    ) -> None:
        if per_minute < 1 or (per_day is not None and per_day < 1):
            raise ValueError("read budgets must be at least 1 per minute and 1 per day")
        self.name = name
        self.per_minute = per_minute
        self.per_day = per_day
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._recent: deque[list[float]] = deque()  # one mutable [stamp] per call in the window
        self.used_today = 0
        self.calls = 0
        self.waited_seconds = 0.0

    def acquire(self) -> list[float]:
        """Block until one more call fits the per-minute window; raise when the day is spent.

        Returns the call's slot: pass it to `settle()` when the answer (or error) arrives.
        """
        while True:
            with self._lock:
                if self.per_day is not None and self.used_today >= self.per_day:
                    raise BudgetExhausted(
                        f"{self.name}: daily read budget of {self.per_day} calls is spent; "
                        "the next run resumes from the last completed watermark"
                    )
                now = self._clock()
                self._recent = deque(slot for slot in self._recent if now - slot[0] < self.window_seconds)
                if len(self._recent) < self.per_minute:
                    slot = [now]
                    self._recent.append(slot)
                    self.used_today += 1
                    self.calls += 1
                    return slot
                wait = self.window_seconds - (now - min(slot[0] for slot in self._recent)) + 0.01
            self.waited_seconds += wait
            self._sleep(wait)

    def settle(self, slot: list[float]) -> None:
        """The call's answer arrived: its place in the window counts from now."""
        with self._lock:
            slot[0] = max(slot[0], self._clock())

    def observe_server_usage(
        self,
        read_today: int | None,
        read_last_minute: int | None,
        limit_per_minute: int | None = None,
        limit_per_day: int | None = None,
    ) -> None:
        """Adopt the server's view when it is stricter than ours (the key may be shared)."""
        with self._lock:
            if limit_per_minute:
                self.per_minute = min(self.per_minute, limit_per_minute)
            if limit_per_day:
                self.per_day = min(self.per_day or limit_per_day, limit_per_day)
            if read_today is not None and read_today > self.used_today:
                self.used_today = read_today
            if read_last_minute is not None:
                # Calls we did not make but the server counted: treat them as made just now.
                now = self._clock()
                missing = read_last_minute - len(self._recent)
                for _ in range(max(0, missing)):
                    self._recent.append([now])
