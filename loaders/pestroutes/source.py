"""dlt source for the PestRoutes (FieldRoutes) API v1: 25 entities for any number of offices.

One resource per (entity, office), all writing the entity's RAW table, landed by the shared API
landing (loaders/common/landing.py): every office keeps its own watermark and offices extract
concurrently. The response envelope (which echoes the credentials) never lands.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from loaders.common.landing import Landing
from loaders.common.report import LoadReport
from loaders.pestroutes.helpers import PestRoutesClient, cursor_value, since_with_overlap
from loaders.pestroutes.settings import ENTITIES, Entity

LANDING = Landing(
    scope_column="_office",
    extra_columns={"_office_timezone": {"data_type": "text", "nullable": False}},
)


def _reader(client: PestRoutesClient, entity: Entity) -> Any:
    def read(watermark: str | None) -> Iterator[list[dict[str, Any]]]:
        since = since_with_overlap(watermark, client.settings.overlap_minutes) if entity.incremental else None
        yield from client.records(entity, since)

    return read


@dlt.source(name="pestroutes", max_table_nesting=0)
def pestroutes_source(
    clients: Sequence[PestRoutesClient],
    report: LoadReport,
    entities: Sequence[Entity] = ENTITIES,
    full_refresh: bool = False,
) -> Iterator[DltResource]:
    # Entity by entity across offices, not office by office: dlt hands resources to its worker
    # pool in this order, and each office is rate limited on its own key, so the first wave of
    # workers must span every office (office by office, 17 offices queued behind the first few).
    for entity in entities:
        for client in clients:
            office = client.office
            yield LANDING.resource(
                scope=office.name,
                table=entity.table,
                read=_reader(client, entity),
                report=report,
                primary_key=entity.primary_key,
                incremental=entity.incremental,
                cursor=(lambda record, c=entity.cursor: cursor_value(record, c)) if entity.cursor else None,
                lineage={"_office_timezone": office.timezone},
                full_refresh=full_refresh,
            )
