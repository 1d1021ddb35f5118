"""`elt load pestroutes`: every configured office into raw_pestroutes, offices concurrently."""

from __future__ import annotations

from collections.abc import Sequence

from loaders.common.landing import count_landed
from loaders.common.report import LoadReport
from loaders.common.runner import run_source
from loaders.pestroutes import SOURCE
from loaders.pestroutes.helpers import PestRoutesClient, configured_office_names, load_offices, load_settings
from loaders.pestroutes.settings import ENTITIES, ENTITIES_BY_NAME, Entity
from loaders.pestroutes.source import LANDING, pestroutes_source


def configured_scopes() -> list[str]:
    return configured_office_names()


def secrets() -> list[str]:
    """Every configured credential, so callers can check nothing leaked."""
    if not configured_office_names():
        return []
    return [s for office in load_offices() for s in office.secrets]


def select_entities(names: Sequence[str] | None) -> list[Entity]:
    """The entities named (endpoint or table names, checked by SOURCE), in the contract's order."""
    if not names:
        return list(ENTITIES)
    chosen = {ENTITIES_BY_NAME[n].endpoint for n in names}
    return [e for e in ENTITIES if e.endpoint in chosen]


def load(
    scopes: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    full_refresh: bool = False,
) -> LoadReport:
    report = LoadReport(SOURCE.name)
    if not scopes and not configured_office_names():
        # Like every source: a deployment without PestRoutes skips it, and the others load.
        report.skip(
            "not configured: add [sources.pestroutes.offices.<name>] (see loaders/pestroutes/README.md)"
        )
        return report
    office_configs = load_offices(list(scopes) if scopes else None)
    chosen = select_entities(entities)
    settings = load_settings()
    clients = [PestRoutesClient(office, settings) for office in office_configs]
    try:
        run_source(
            SOURCE.name,
            SOURCE.dataset,
            lambda: pestroutes_source(clients, report, entities=chosen, full_refresh=full_refresh),
            report,
            # Each office is rate limited on its own and a worker waiting on an office's window is
            # blocked, so give every office a few (threads that mostly sleep on the network).
            workers=max(4, 3 * len(clients)),
            after_load=count_landed(report, [e.table for e in chosen], LANDING.scope_column),
        )
    finally:
        for client in clients:
            report.add_scope_stats(client.office.name, client.stats, client.budget)
            client.close()
    return report
