"""`elt load incidents`: every configured incident.io workspace into raw_incidents."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import dlt
from dlt.extract.resource import DltResource

from loaders.common.errors import LoaderError
from loaders.common.landing import Landing, count_landed
from loaders.common.report import LoadReport
from loaders.common.runner import run_source
from loaders.incidents import SOURCE
from loaders.incidents.helpers import (
    PRIVATE_ROLE,
    IncidentsClient,
    configured_workspaces,
    load_settings,
    load_workspaces,
    updated_at,
)

log = logging.getLogger(__name__)

LANDING = Landing(scope_column="_workspace")


def configured_scopes() -> list[str]:
    return configured_workspaces()


def secrets() -> list[str]:
    return [workspace.api_key for workspace in load_workspaces()]


def _check_private_scope(client: IncidentsClient, report: LoadReport) -> None:
    """A key that cannot see private incidents makes every metric miss them: say so every run."""
    try:
        roles = client.roles()
    except LoaderError as exc:
        report.warn(client.workspace.name, f"could not read the API key's roles ({exc})")
        return
    if PRIVATE_ROLE not in roles:
        report.warn(
            client.workspace.name,
            "the API key cannot see private incidents (no 'View all incident data, including private "
            "incidents' scope): they are missing from every metric; create a key with that scope",
        )


@dlt.source(name="incidents", max_table_nesting=0)
def incidents_source(
    clients: Sequence[IncidentsClient], report: LoadReport, entities: Sequence[str], full_refresh: bool
) -> Iterator[DltResource]:
    readers = {"incidents": lambda c: c.incidents, "incident_updates": lambda c: c.incident_updates}
    cursors = {"incidents": updated_at, "incident_updates": updated_at}
    for entity in entities:
        for client in clients:
            yield LANDING.resource(
                scope=client.workspace.name,
                table=entity,
                read=readers[entity](client),
                report=report,
                primary_key="id",
                incremental=True,
                cursor=cursors[entity],
                full_refresh=full_refresh,
            )


def load(
    scopes: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    full_refresh: bool = False,
) -> LoadReport:
    report = LoadReport(SOURCE.name)
    workspaces = load_workspaces(list(scopes) if scopes else None)
    if not workspaces:
        report.skip("not configured: add [sources.incidents.workspaces.<name>] with an api_key")
        return report
    settings = load_settings()
    chosen = list(entities or SOURCE.entities)
    clients = [IncidentsClient(workspace, settings) for workspace in workspaces]
    try:
        for client in clients:
            _check_private_scope(client, report)
        run_source(
            SOURCE.name,
            SOURCE.dataset,
            lambda: incidents_source(clients, report, chosen, full_refresh),
            report,
            workers=max(2, len(clients)),
            after_load=count_landed(report, chosen, LANDING.scope_column),
        )
    finally:
        for client in clients:
            report.add_scope_stats(client.workspace.name, client.stats, client.budget)
            client.close()
    return report
