"""Fixtures for the AI tool loaders: a sandbox with some tool simulators, and a project loading them.

    server = ai_sandbox("litellm", "copilot", copilot={"per_minute": 30})
    project = ai_tools_project(tmp_path, server, "litellm", "copilot", copilot={"page_size": 5})

`ai_tools_project` writes each tool's loader sections as `elt sandbox up` does (URL, credentials,
`clock_url`) and a tool's settings to `[sources.ai_tools.<tool>]`; the project runs ai_tools only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import RunningSandbox, start_sandbox_server
from tests.conftest import Project

SEED = 19


@pytest.fixture
def ai_sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    started: list[RunningSandbox] = []

    def start(*tools: str, seed: int = SEED, day: int = 0, **options: Any) -> RunningSandbox:
        server = start_sandbox_server(port=0, seed=seed, day=day, simulators=list(tools), **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def ai_tools_project(root: Path, server: RunningSandbox, *tools: str, **settings: dict[str, Any]) -> Project:
    project = Project(root, server.url, [], sources=("ai_tools",))
    for tool in tools:
        project.use_simulator(server, tool)
        project.simulator_settings.pop(tool, None)
    project.sources = ("ai_tools",)  # use_simulator adds the simulator's name: ELT_SOURCES knows ai_tools
    for tool, values in settings.items():
        project.simulator_settings[f"ai_tools.{tool}"] = values
    project.write_config()
    return project


def days_summary(output: str) -> dict[tuple[str, str], tuple[int, int, str]]:
    """The load summary's rows: {(tool, table): (fetched, landed, status)} (mode `days` and `-`)."""
    import re

    found = {}
    for line in output.splitlines():
        match = re.match(r"\s+(\S+)\s+(.+?)\s+(days|-)\s+(\d+)\s+(\d+)\s+(\w+)\s*$", line)
        if match:
            found[(match.group(1), match.group(2))] = (
                int(match.group(4)),
                int(match.group(5)),
                match.group(6),
            )
    return found
