"""How the Windsurf Analytics API simulator plugs into the sandbox: options, world, loader config."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any, ClassVar

from sandbox.framework import LoaderContext, MountedSpec, Option

REQUESTS_PER_MINUTE = 60  # Windsurf documents a limit but not its value


def service_key(seed: int) -> str:
    """The sandbox team's service key for `seed` (it unlocks only the local sandbox)."""
    return "sk-ws-" + hashlib.sha256(f"{seed}:windsurf:service".encode()).hexdigest()[:40]


class WindsurfSpec(MountedSpec):
    name: ClassVar[str] = "windsurf"
    title: ClassVar[str] = "Windsurf (Codeium) Analytics API"
    options: ClassVar[dict[str, Option]] = {
        "per_minute": Option(REQUESTS_PER_MINUTE, "the key's requests per minute (429 beyond)", minimum=1),
        "retired": Option("", "endpoints answering 404 (CascadeAnalytics, UserPageAnalytics)", str),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def build(
        self,
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        per_minute: int = REQUESTS_PER_MINUTE,
        retired: str = "",
        fault_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> Any:
        from sandbox.windsurf.server import WindsurfApi

        return WindsurfApi(
            seed=seed,
            scale=scale,
            day=day,
            per_minute=per_minute,
            retired=retired,
            fault_timeout=fault_timeout,
            clock=clock,
        )

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        # The loader appends /api/v1/<Endpoint> to base_url, as to https://server.codeium.com.
        per_minute = int(ctx.options.get("per_minute", REQUESTS_PER_MINUTE))
        return {
            "sources.ai_tools.windsurf": {
                "base_url": ctx.mount_url,
                "clock_url": f"{ctx.server_url}/_sandbox/health",  # the simulated day
                "service_key": service_key(ctx.seed),
                "requests_per_minute": per_minute,
            }
        }

    def owned_sections(self) -> tuple[str, ...]:
        return ("sources.ai_tools.windsurf",)

    def describe(self, ctx: LoaderContext) -> str:
        return f"windsurf: {self.title} at {ctx.mount_url} (service_key in the JSON body)"


SPEC = WindsurfSpec()
