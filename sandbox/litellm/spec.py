"""How the LiteLLM proxy simulator plugs into the sandbox: options and loader configuration."""

from __future__ import annotations

from typing import Any, ClassVar

from sandbox.ai_usage import AiToolSpec
from sandbox.framework import LoaderContext, Option


class LiteLLMSpec(AiToolSpec):
    name: ClassVar[str] = "litellm"
    title: ClassVar[str] = "LiteLLM proxy spend API (/user/daily/activity)"
    api: ClassVar[str] = "sandbox.litellm.server:LiteLLMSimulator"
    options: ClassVar[dict[str, Option]] = {
        "per_minute": Option(600, "the admin key's requests per minute", minimum=1),
        "retired": Option("", "endpoints answering 404 (comma-separated: daily_activity)", str),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def loader_keys(self, ctx: LoaderContext) -> dict[str, Any]:
        from sandbox.litellm.server import admin_key

        return {"api_key": admin_key(ctx.seed)}


SPEC = LiteLLMSpec()
