"""dlt source for the PestRoutes (FieldRoutes) API v1: 25 entities for any number of offices.

One resource per (entity, office), all writing the entity's RAW table, so every office keeps its
own watermark and offices extract concurrently. Records land whole as JSON with lineage columns;
the response envelope (which echoes the credentials) never lands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from loaders.common.errors import LoaderError
from loaders.common.lineage import RAW_COLUMNS, record_hash, utc_now
from loaders.common.report import LoadReport
from loaders.pestroutes.helpers import PestRoutesClient, cursor_value, since_with_overlap
from loaders.pestroutes.settings import ENTITIES, Entity

log = logging.getLogger(__name__)

LINEAGE_COLUMNS: dict[str, dict[str, Any]] = {
    **RAW_COLUMNS,
    "_office": {"data_type": "text", "nullable": False},
    "_office_timezone": {"data_type": "text", "nullable": False},
}


def _write_disposition(entity: Entity) -> dict[str, Any]:
    if entity.incremental:
        # Each distinct version of a record lands once: re-reading the overlap window (or a
        # whole --full-refresh) inserts only versions RAW does not hold yet.
        return {
            "write_disposition": {"disposition": "merge", "strategy": "insert-only"},
            "primary_key": ["_office", "_record_id", "_record_hash"],
        }
    # Small dimensions are read whole: replace the office's rows with this run's snapshot.
    return {
        "write_disposition": {"disposition": "merge", "strategy": "delete-insert"},
        "merge_key": "_office",
    }


def _rows(client: PestRoutesClient, entity: Entity, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    extracted_at = utc_now()
    office = client.office
    return [
        {
            "record": record,
            "_office": office.name,
            "_office_timezone": office.timezone,
            "_record_id": str(record.get(entity.primary_key)),
            "_record_hash": record_hash(record),
            "_record_updated_at": cursor_value(record, entity.cursor) if entity.cursor else None,
            "_extracted_at": extracted_at,
        }
        for record in records
    ]


def _entity_pages(
    client: PestRoutesClient,
    entity: Entity,
    report: LoadReport,
    full_refresh: bool,
) -> Iterator[list[dict[str, Any]]]:
    office = client.office.name
    result = report.result(office, entity.table, mode="incremental" if entity.incremental else "full")
    if report.scope_failed(office):
        result.status = "skipped"
        return
    # This resource's own state (one resource per office and entity), committed by dlt with the
    # load package, so a watermark never runs ahead of the rows that back it.
    state = dlt.current.resource_state()
    watermark = None if full_refresh else state.get("watermark")
    since = since_with_overlap(watermark, client.settings.overlap_minutes) if entity.incremental else None
    newest = watermark
    # A full-reload entity replaces the office's rows, so it is landed only once it is complete;
    # dimensions are a few hundred rows, so holding them is cheap.
    snapshot: list[dict[str, Any]] = []
    try:
        for records in client.records(entity, since):
            if report.scope_failed(office):
                result.status = "skipped"
                return
            rows = _rows(client, entity, records)
            result.fetched += len(rows)
            if entity.incremental:
                for row in rows:
                    value = row["_record_updated_at"]
                    if value is not None and (newest is None or value > newest):
                        newest = value
                yield rows
            else:
                snapshot.extend(rows)
    except LoaderError as exc:
        report.fail_scope(office, str(exc))
        result.status = "failed"
        result.error = str(exc)
        log.error("%s", exc)
        return
    if snapshot:
        yield snapshot
    # Only a completed entity moves its watermark: records come back in ID order, not date
    # order, so a partial read must be read again from the old watermark.
    if entity.incremental and newest is not None:
        state["watermark"] = newest
    result.status = "ok"


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
            yield dlt.resource(
                _entity_pages(client, entity, report, full_refresh),
                name=f"{entity.table}__{office.name}",
                table_name=entity.table,
                columns=LINEAGE_COLUMNS,
                parallelized=True,
                **_write_disposition(entity),
            )
