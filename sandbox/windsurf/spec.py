"""How the Windsurf Analytics API simulator plugs into the sandbox: options, world, loader config."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from sandbox.ai_usage import AiToolSpec
from sandbox.framework import LoaderContext, Option

REQUESTS_PER_MINUTE = 60  # Windsurf documents a limit but not its value


def service_key(seed: int) -> str:
    """The sandbox team's service key for `seed` (it unlocks only the local sandbox)."""
    return "sk-ws-" + hashlib.sha256(f"{seed}:windsurf:service".encode()).hexdigest()[:40]


class WindsurfSpec(AiToolSpec):
    name: ClassVar[str] = "windsurf"
    title: ClassVar[str] = "Windsurf (Codeium) Analytics API"
    api: ClassVar[str] = "sandbox.windsurf.server:WindsurfApi"
    options: ClassVar[dict[str, Option]] = {
        "per_minute": Option(REQUESTS_PER_MINUTE, "the key's requests per minute (429 beyond)", minimum=1),
        "retired": Option("", "endpoints answering 404 (CascadeAnalytics, UserPageAnalytics)", str),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def loader_keys(self, ctx: LoaderContext) -> dict[str, Any]:
        # The loader appends /api/v1/<Endpoint> to base_url, as to https://server.codeium.com.
        per_minute = int(ctx.options.get("per_minute", REQUESTS_PER_MINUTE))
        return {"service_key": service_key(ctx.seed), "requests_per_minute": per_minute}

    def describe(self, ctx: LoaderContext) -> str:
        return f"windsurf: {self.title} at {ctx.mount_url} (service_key in the JSON body)"


SPEC = WindsurfSpec()
