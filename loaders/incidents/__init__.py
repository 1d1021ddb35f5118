"""incident.io incidents (API v2) from several workspaces, one API key each, into raw_incidents."""

from loaders.common.source import Source

SOURCE = Source(
    name="incidents",
    dataset="raw_incidents",
    scope_kind="workspace",
    entities=("incidents", "incident_updates"),
    description="incident.io incidents and their status updates, per workspace",
)
