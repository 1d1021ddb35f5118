"""How the Anthropic Admin API simulator plugs into the sandbox: options, world, loader config."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from sandbox.ai_usage import AiToolSpec, settle_option
from sandbox.framework import LoaderContext, Option

# Assumed: the Admin API publishes no limit for these reports; the loader keeps to 50 by default.
REQUESTS_PER_MINUTE = 60
LOADER_DEFAULT_PER_MINUTE = 50  # loaders/ai_tools/anthropic.py REQUESTS_PER_MINUTE


def admin_key(seed: int) -> str:
    """The sandbox organisation's Admin API key for `seed` (it unlocks only the local sandbox)."""
    return "sk-ant-admin01-" + hashlib.sha256(f"{seed}:anthropic:admin".encode()).hexdigest()[:40]


class AnthropicSpec(AiToolSpec):
    name: ClassVar[str] = "anthropic"
    title: ClassVar[str] = "Anthropic Admin API (usage and cost analytics, Claude Code)"
    api: ClassVar[str] = "sandbox.anthropic.server:AnthropicApi"
    options: ClassVar[dict[str, Option]] = {
        "per_minute": Option(REQUESTS_PER_MINUTE, "the key's requests per minute (429 beyond)", minimum=1),
        "retired": Option(
            "", "endpoints answering 404 (comma-separated: analytics_usage, analytics_cost, claude_code)", str
        ),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
        "settle_days": settle_option("anthropic"),
    }

    def loader_keys(self, ctx: LoaderContext) -> dict[str, Any]:
        keys: dict[str, Any] = {"admin_api_key": admin_key(ctx.seed)}
        per_minute = int(ctx.options.get("per_minute", REQUESTS_PER_MINUTE))
        if per_minute < LOADER_DEFAULT_PER_MINUTE:  # a sandbox stricter than the loader's default
            keys["requests_per_minute"] = per_minute
        return keys

    def describe(self, ctx: LoaderContext) -> str:
        return f"anthropic: {self.title} at {ctx.mount_url} (x-api-key: <admin key>)"


SPEC = AnthropicSpec()
