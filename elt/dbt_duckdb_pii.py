"""dbt-duckdb plugin: registers `elt_pii_hash(varchar)`, the salted SHA-256 duckdb__pii_hash calls.

Configured in profiles.yml (`plugins: [{module: elt.dbt_duckdb_pii}]`). The salt is read from
dlt's secrets (elt.pii.pii_salt) on the first value hashed, not when dbt connects: a build with no
application-database rows needs no salt. With none configured, the first hash fails the model with
one line naming the key to set; nothing is ever hashed with an empty salt.
"""

from __future__ import annotations

import threading

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection, sqltypes

from elt.pii import pii_salt, salted_sha256

FUNCTION_NAME = "elt_pii_hash"


class _SaltedHash:
    """The UDF: NULL stays NULL (DuckDB's default null handling never calls it with one)."""

    def __init__(self) -> None:
        self._salt: str | None = None
        self._lock = threading.Lock()

    def salt(self) -> str:
        with self._lock:
            if self._salt is None:
                self._salt = pii_salt()
            return self._salt

    def __call__(self, value: str) -> str:
        return salted_sha256(self.salt(), value)


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict) -> None:
        self._hash = _SaltedHash()

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        # Registered on the database instance: the cursors dbt-duckdb opens per thread see it.
        conn.create_function(
            FUNCTION_NAME,
            self._hash,
            [sqltypes.VARCHAR],
            sqltypes.VARCHAR,
            side_effects=False,
        )
