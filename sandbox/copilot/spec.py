"""How the GitHub Copilot usage metrics simulator plugs into the sandbox."""

from __future__ import annotations

from typing import Any, ClassVar

from sandbox.ai_usage import AiToolSpec
from sandbox.framework import LoaderContext, Option


class CopilotSpec(AiToolSpec):
    name: ClassVar[str] = "copilot"
    title: ClassVar[str] = "GitHub Copilot usage metrics reports (users-1-day, signed NDJSON links)"
    api: ClassVar[str] = "sandbox.copilot.server:CopilotSimulator"
    options: ClassVar[dict[str, Option]] = {
        "per_minute": Option(900, "the token's requests per minute", minimum=1),
        "retired": Option("", "endpoints answering 404 (comma-separated: users_report)", str),
        "file_rows": Option(15, "users per NDJSON file behind a download link", minimum=1),
        "link_seconds": Option(300.0, "seconds a signed download link stays valid", float, minimum=0),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def loader_keys(self, ctx: LoaderContext) -> dict[str, Any]:
        from sandbox.copilot.server import ORG, token

        return {"org": ORG, "token": token(ctx.seed)}


SPEC = CopilotSpec()
