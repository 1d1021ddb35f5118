"""Every source the project loads. Adding a source is its package in loaders/ plus one line here.

Each entry is the package's `SOURCE` (loaders/common/source.py): cheap to import, so `elt --help`,
`elt status` and the tests read the list without importing dlt or any HTTP client.
"""

from __future__ import annotations

from loaders.app_db import SOURCE as APP_DB
from loaders.common.source import Source
from loaders.ecommerce import SOURCE as ECOMMERCE
from loaders.incidents import SOURCE as INCIDENTS
from loaders.pestroutes import SOURCE as PESTROUTES
from loaders.service_csv import SOURCE as SERVICE_CSV

SOURCES: dict[str, Source] = {
    source.name: source for source in (PESTROUTES, SERVICE_CSV, INCIDENTS, ECOMMERCE, APP_DB)
}
