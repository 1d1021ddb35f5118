"""The sandbox's incident.io workspaces and their deterministic API keys.

incident.io has one account per Slack workspace, so three workspaces are three API keys. Keys are
derived from the seed so the server, the manager (which writes them to `.dlt/secrets.toml`) and
tests agree without sharing a file; they only unlock the local sandbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

WORKSPACE_NAMES: tuple[str, ...] = ("platform", "payments", "support")
DEFAULT_REQUESTS_PER_MINUTE = 1_200  # incident.io's own figure, per API key

# The organisation's default timestamps, in rank order. Organisations rename and add their own,
# which is why the mapping from timestamp names to metrics is configuration downstream.
TIMESTAMP_NAMES: tuple[str, ...] = (
    "Reported at",
    "Accepted at",
    "Impact started at",
    "Identified at",
    "Fixed at",
    "Resolved at",
    "Closed at",
)
_RENAMED: dict[str, dict[str, str]] = {"payments": {"Fixed at": "Mitigated at"}}
# Its key was created without "view all incident data, including private incidents".
_WITHOUT_PRIVATE_SCOPE = frozenset({"support"})
# Incidents per simulated year at scale 1, relative to the average of ~300 per workspace.
_VOLUME = {"platform": 1.2, "payments": 1.0, "support": 0.8}


@dataclass(frozen=True)
class WorkspaceSpec:
    """One incident.io account: its config name, API key, key scope and its timestamp names."""

    name: str
    api_key: str
    org_slug: str
    slack_team_id: str
    private_scope: bool
    volume: float
    renamed: tuple[tuple[str, str], ...] = ()
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE

    def timestamp_name(self, default: str) -> str:
        """What this workspace calls one of the default timestamps."""
        return dict(self.renamed).get(default, default)


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def workspace_key(seed: int, name: str) -> str:
    """The API key of workspace `name` for `seed`."""
    return "inc_sbx_" + _digest(seed, "incidents", name, "key")[:40]


def sandbox_workspaces(
    seed: int, *, requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
) -> list[WorkspaceSpec]:
    """The three sandbox workspaces: platform, payments (renames a timestamp), support (no private scope)."""
    workspaces = []
    for name in WORKSPACE_NAMES:
        team = "T0" + _digest(seed, name, "team")[:9].upper()
        workspaces.append(
            WorkspaceSpec(
                name=name,
                api_key=workspace_key(seed, name),
                org_slug=f"acme-{name}",
                slack_team_id=team,
                private_scope=name not in _WITHOUT_PRIVATE_SCOPE,
                volume=_VOLUME[name],
                renamed=tuple(_RENAMED.get(name, {}).items()),
                requests_per_minute=requests_per_minute,
            )
        )
    return workspaces
