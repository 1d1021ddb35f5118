"""QQCatalyst insurance agencies (OAuth2, paged envelopes, date windows), one scope per agency,
into raw_qqcatalyst."""

from loaders.common.source import Source
from loaders.qqcatalyst.settings import ENTITIES, SWEEP

SOURCE = Source(
    name="qqcatalyst",
    dataset="raw_qqcatalyst",
    scope_kind="agency",
    entities=(*(entity.table for entity in ENTITIES), SWEEP),
    entity_aliases=tuple(entity.api_name for entity in ENTITIES),
    description="QQCatalyst contacts, policies, claims, commissions and 14 more entities, per agency",
    date_windows=True,
)
