"""Every source the project loads. Adding a source is its package in loaders/ plus one line here.

Each entry is the package's `SOURCE` (loaders/common/source.py): cheap to import, so `elt --help`,
`elt status` and the tests read the list without importing dlt or any HTTP client.
"""

from __future__ import annotations

from loaders.ai_tools import SOURCE as AI_TOOLS
from loaders.app_db import SOURCE as APP_DB
from loaders.common.source import Source
from loaders.ecommerce import SOURCE as ECOMMERCE
from loaders.incidents import SOURCE as INCIDENTS
from loaders.pestroutes import SOURCE as PESTROUTES
from loaders.qqcatalyst import SOURCE as QQCATALYST
from loaders.service_csv import SOURCE as SERVICE_CSV

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        PESTROUTES,
        SERVICE_CSV,
        INCIDENTS,
        ECOMMERCE,
        APP_DB,
        QQCATALYST,
        AI_TOOLS,
    )
}

# The environment variable naming the sources a deployment runs (comma-separated registry names);
# unset or empty: every source. dbt reads it too (dbt_project.yml `+enabled`), so a source left
# out is neither loaded, built, documented nor checked.
ENABLED_ENV_VAR = "ELT_SOURCES"


def enabled_sources() -> dict[str, Source]:
    """The sources this deployment runs, in registry order (ELT_SOURCES; every source when unset)."""
    import os

    from loaders.common.errors import ConfigError

    named = [name.strip() for name in os.environ.get(ENABLED_ENV_VAR, "").split(",") if name.strip()]
    unknown = [name for name in named if name not in SOURCES]
    if unknown:
        known = ", ".join(SOURCES)
        raise ConfigError(
            f"{ENABLED_ENV_VAR} names unknown source {', '.join(unknown)}; known sources: {known}"
        )
    return {name: source for name, source in SOURCES.items() if not named or name in named}
