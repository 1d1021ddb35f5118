"""How the Cursor Admin API simulator plugs into the sandbox: options, world, loader config."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from sandbox.ai_usage import AiToolSpec
from sandbox.framework import LoaderContext, Option

REQUESTS_PER_MINUTE = 20  # Cursor's documented Admin API limit
# The sandbox's own, so `make demo` reads a month of days in seconds; `--set cursor.per_minute=20`
# simulates the published limit (the tests do).
SANDBOX_PER_MINUTE = 1_200


def api_key(seed: int) -> str:
    """The sandbox team's Admin API key for `seed` (it unlocks only the local sandbox)."""
    return "key_" + hashlib.sha256(f"{seed}:cursor:admin".encode()).hexdigest()[:48]


class CursorSpec(AiToolSpec):
    name: ClassVar[str] = "cursor"
    title: ClassVar[str] = "Cursor Admin API"
    api: ClassVar[str] = "sandbox.cursor.server:CursorApi"
    options: ClassVar[dict[str, Option]] = {
        "per_minute": Option(SANDBOX_PER_MINUTE, "the key's requests per minute (429 beyond)", minimum=1),
        "retired": Option("", "endpoints answering 404 (comma-separated: daily-usage-data, ...)", str),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def loader_keys(self, ctx: LoaderContext) -> dict[str, Any]:
        per_minute = int(ctx.options.get("per_minute", SANDBOX_PER_MINUTE))
        return {"api_key": api_key(ctx.seed), "requests_per_minute": per_minute}

    def describe(self, ctx: LoaderContext) -> str:
        return f"cursor: {self.title} at {ctx.mount_url} (HTTP Basic: the key as user, empty password)"


SPEC = CursorSpec()
