"""`elt load pestroutes`: every configured office into raw_pestroutes, offices concurrently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loaders.common.errors import ConfigError
from loaders.common.report import LoadReport
from loaders.common.runner import run_source
from loaders.pestroutes import pestroutes_source
from loaders.pestroutes.helpers import PestRoutesClient, load_offices, load_settings
from loaders.pestroutes.settings import ENTITIES, ENTITIES_BY_NAME, Entity

SOURCE = "pestroutes"
DATASET = "raw_pestroutes"


def select_entities(names: Sequence[str] | None) -> list[Entity]:
    if not names:
        return list(ENTITIES)
    unknown = [n for n in names if n not in ENTITIES_BY_NAME]
    if unknown:
        raise ConfigError(
            f"unknown PestRoutes entity {', '.join(unknown)}; known: "
            + ", ".join(e.endpoint for e in ENTITIES)
        )
    chosen = {ENTITIES_BY_NAME[n].endpoint for n in names}
    return [e for e in ENTITIES if e.endpoint in chosen]


def secrets() -> list[str]:
    """Every configured credential, so callers can check nothing leaked."""
    return [s for office in load_offices() for s in office.secrets]


def _count_landed(report: LoadReport, entities: list[Entity]) -> Any:
    def count(sql_client: Any, load_id: str) -> None:
        for entity in entities:
            table = sql_client.make_qualified_table_name(entity.table)
            try:
                rows = sql_client.execute_sql(
                    f"select _office, count(*) from {table} where _dlt_load_id = %s group by _office",
                    load_id,
                )
            except Exception:  # the table does not exist until something lands in it
                continue
            for office, landed in rows:
                if (office, entity.table) in report.results:
                    report.result(office, entity.table).landed = int(landed)

    return count


def load(
    offices: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    full_refresh: bool = False,
) -> LoadReport:
    office_configs = load_offices(list(offices) if offices else None)
    chosen = select_entities(entities)
    settings = load_settings()
    report = LoadReport(SOURCE)
    clients = [PestRoutesClient(office, settings) for office in office_configs]
    try:
        run_source(
            SOURCE,
            DATASET,
            lambda: pestroutes_source(clients, report, entities=chosen, full_refresh=full_refresh),
            report,
            # Each office is rate limited on its own and a worker waiting on an office's window is
            # blocked, so give every office a few (threads that mostly sleep on the network).
            workers=max(4, 3 * len(clients)),
            after_load=_count_landed(report, chosen),
        )
    finally:
        for client in clients:
            report.api_calls += client.stats.calls
            report.retries += client.stats.retries
            report.wait_seconds += client.budget.waited_seconds
            report.backoff_seconds += client.stats.retry_wait_seconds
            office = report.scope_stats(client.office.name)
            office.api_calls, office.retries = client.stats.calls, client.stats.retries
            office.wait_seconds = client.budget.waited_seconds
            office.backoff_seconds = client.stats.retry_wait_seconds
            office.reads_used_today, office.reads_per_day = client.budget.used_today, client.budget.per_day
            client.close()
    return report
