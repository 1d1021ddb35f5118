"""How the PestRoutes simulator plugs into the sandbox: its options, its world and its loader config."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from sandbox.framework import LoaderContext, MountedSpec, Option
from sandbox.offices import DEFAULT_READS_PER_DAY, DEFAULT_READS_PER_MINUTE, OfficeSpec, sandbox_offices


class PestRoutesSpec(MountedSpec):
    name: ClassVar[str] = "pestroutes"
    title: ClassVar[str] = "PestRoutes (FieldRoutes) API v1"
    options: ClassVar[dict[str, Option]] = {
        "offices": Option(3, "number of simulated offices (north, south, east, office04, ...)", minimum=1),
        "search_cap": Option(50_000, "most IDs a search returns", minimum=1),
        "get_cap": Option(1_000, "most IDs a get honours (the rest are dropped silently)", minimum=1),
        "reads_per_minute": Option(DEFAULT_READS_PER_MINUTE, "each office key's reads per minute", minimum=1),
        "reads_per_day": Option(
            DEFAULT_READS_PER_DAY, "each office key's reads per simulated day", minimum=1
        ),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
        "latency": Option(0.0, "seconds every API request waits", float, minimum=0),
    }

    def build(
        self,
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        offices: int | list[OfficeSpec] | None = None,
        search_cap: int = 50_000,
        get_cap: int = 1_000,
        fault_timeout: float = 30.0,
        latency: float = 0.0,
        reads_per_minute: int | None = None,
        reads_per_day: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> Any:
        """A simulator for `offices`: a count of sandbox offices, or explicit specs with their budgets."""
        from sandbox.pestroutes.server import PestRoutesSimulator

        return PestRoutesSimulator(
            self.offices(seed, offices, reads_per_minute, reads_per_day),
            seed=seed,
            scale=scale,
            search_cap=search_cap,
            get_cap=get_cap,
            day=day,
            fault_timeout=fault_timeout,
            latency=latency,
            clock=clock,
        )

    @staticmethod
    def offices(
        seed: int,
        offices: int | list[OfficeSpec] | None = None,
        reads_per_minute: int | None = None,
        reads_per_day: int | None = None,
    ) -> list[OfficeSpec]:
        if offices is not None and not isinstance(offices, int):
            return list(offices)
        budget = {}
        if reads_per_minute is not None:
            budget["reads_per_minute"] = reads_per_minute
        if reads_per_day is not None:
            budget["reads_per_day"] = reads_per_day
        return sandbox_offices(seed, offices or 3, **budget)

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        options = ctx.options
        offices = self.offices(
            ctx.seed, options.get("offices"), options.get("reads_per_minute"), options.get("reads_per_day")
        )
        return {
            f"sources.pestroutes.offices.{office.name}": {
                "base_url": f"{ctx.mount_url}/{office.name}/api",
                "timezone": office.timezone,
                "reads_per_minute": office.reads_per_minute,
                "reads_per_day": office.reads_per_day,
                "authentication_key": office.key,
                "authentication_token": office.token,
            }
            for office in offices
        }

    def owned_sections(self) -> tuple[str, ...]:
        # Only the offices: [sources.pestroutes] holds the user's load settings (overlap, caps).
        return ("sources.pestroutes.offices.*",)

    def describe(self, ctx: LoaderContext) -> str:
        count = ctx.options.get("offices", 3)
        return f"pestroutes: {count} office(s) at {ctx.mount_url}/<office>/api"


SPEC = PestRoutesSpec()
