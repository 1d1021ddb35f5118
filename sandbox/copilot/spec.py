"""How the GitHub Copilot usage metrics simulator plugs into the sandbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from sandbox.framework import LoaderContext, MountedSpec, Option


class CopilotSpec(MountedSpec):
    name: ClassVar[str] = "copilot"
    title: ClassVar[str] = "GitHub Copilot usage metrics reports (users-1-day, signed NDJSON links)"
    options: ClassVar[dict[str, Option]] = {
        "per_minute": Option(900, "the token's requests per minute", minimum=1),
        "retired": Option("", "endpoints answering 404 (comma-separated: users_report)", str),
        "file_rows": Option(15, "users per NDJSON file behind a download link", minimum=1),
        "link_seconds": Option(300.0, "seconds a signed download link stays valid", float, minimum=0),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def build(
        self,
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        per_minute: int = 900,
        retired: str = "",
        file_rows: int = 15,
        link_seconds: float = 300.0,
        fault_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> Any:
        from sandbox.copilot.server import CopilotSimulator

        return CopilotSimulator(
            seed=seed,
            scale=scale,
            day=day,
            per_minute=per_minute,
            retired=retired,
            file_rows=file_rows,
            link_seconds=link_seconds,
            fault_timeout=fault_timeout,
            clock=clock,
        )

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        from sandbox.copilot.server import ORG, token

        return {
            "sources.ai_tools.copilot": {
                "base_url": ctx.mount_url,
                "org": ORG,
                "token": token(ctx.seed),
                "clock_url": f"{ctx.server_url}/_sandbox/health",
            }
        }

    def owned_sections(self) -> tuple[str, ...]:
        return ("sources.ai_tools.copilot",)


SPEC = CopilotSpec()
