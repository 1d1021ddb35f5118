"""How the LiteLLM proxy simulator plugs into the sandbox: options and loader configuration."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from sandbox.framework import LoaderContext, MountedSpec, Option


class LiteLLMSpec(MountedSpec):
    name: ClassVar[str] = "litellm"
    title: ClassVar[str] = "LiteLLM proxy spend API (/user/daily/activity)"
    options: ClassVar[dict[str, Option]] = {
        "per_minute": Option(600, "the admin key's requests per minute", minimum=1),
        "retired": Option("", "endpoints answering 404 (comma-separated: daily_activity)", str),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def build(
        self,
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        per_minute: int = 600,
        retired: str = "",
        fault_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> Any:
        from sandbox.litellm.server import LiteLLMSimulator

        return LiteLLMSimulator(
            seed=seed,
            scale=scale,
            day=day,
            per_minute=per_minute,
            retired=retired,
            fault_timeout=fault_timeout,
            clock=clock,
        )

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        from sandbox.litellm.server import admin_key

        return {
            "sources.ai_tools.litellm": {
                "base_url": ctx.mount_url,
                "api_key": admin_key(ctx.seed),
                "clock_url": f"{ctx.server_url}/_sandbox/health",
            }
        }

    def owned_sections(self) -> tuple[str, ...]:
        return ("sources.ai_tools.litellm",)


SPEC = LiteLLMSpec()
