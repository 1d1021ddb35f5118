"""How the incident.io simulator plugs into the sandbox: its options, its world and its loader config."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from sandbox.framework import LoaderContext, MountedSpec, Option
from sandbox.incidents.workspaces import DEFAULT_REQUESTS_PER_MINUTE, WorkspaceSpec, sandbox_workspaces


class IncidentsSpec(MountedSpec):
    name: ClassVar[str] = "incidents"
    title: ClassVar[str] = "incident.io API v2"
    options: ClassVar[dict[str, Option]] = {
        "requests_per_minute": Option(
            DEFAULT_REQUESTS_PER_MINUTE, "each workspace key's requests per minute", minimum=1
        ),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def build(
        self,
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        fault_timeout: float = 30.0,
        workspaces: list[WorkspaceSpec] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> Any:
        from sandbox.incidents.server import IncidentsSimulator

        return IncidentsSimulator(
            workspaces or sandbox_workspaces(seed, requests_per_minute=requests_per_minute),
            seed=seed,
            scale=scale,
            day=day,
            fault_timeout=fault_timeout,
            clock=clock,
        )

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        # The loader appends /v2/incidents to base_url, as it does to https://api.incident.io.
        sections: dict[str, dict[str, Any]] = {"sources.incidents": {"base_url": ctx.mount_url}}
        for workspace in sandbox_workspaces(ctx.seed):
            sections[f"sources.incidents.workspaces.{workspace.name}"] = {"api_key": workspace.api_key}
        return sections

    def owned_sections(self) -> tuple[str, ...]:
        return ("sources.incidents", "sources.incidents.workspaces.*")

    def describe(self, ctx: LoaderContext) -> str:
        names = ", ".join(w.name for w in sandbox_workspaces(ctx.seed))
        return f"incidents: workspaces {names} at {ctx.mount_url} (Authorization: Bearer <workspace key>)"


SPEC = IncidentsSpec()
