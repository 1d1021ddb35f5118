"""PestRoutes (FieldRoutes) API v1: 25 entities for any number of offices, into raw_pestroutes."""

from loaders.common.source import Source
from loaders.pestroutes.settings import ENTITIES

SOURCE = Source(
    name="pestroutes",
    dataset="raw_pestroutes",
    scope_kind="office",
    entities=tuple(e.endpoint for e in ENTITIES),
    entity_aliases=tuple(e.table for e in ENTITIES),
    description="PestRoutes customers, appointments, tickets, payments and 21 more entities, per office",
)
