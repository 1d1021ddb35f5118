"""The salt dbt hashes the application database's PII with, read from dlt's secrets.

The salt is a secret: it reaches DuckDB through a Python UDF (elt/dbt_duckdb_pii.py) and
PostgreSQL through the session setting `elt.pii_salt` (PGOPTIONS, `pgoptions()`), never through
compiled SQL, a log line or a table.
"""

from __future__ import annotations

import hashlib
import re

SALT_KEY = "sources.app_db.pii_salt"
SALT_ENV_VAR = "SOURCES__APP_DB__PII_SALT"
# The PostgreSQL setting postgres__pii_hash reads (a custom setting needs a dotted name).
PG_SETTING = "elt.pii_salt"


class PiiSaltMissing(RuntimeError):
    """No salt is configured: hashing with an empty one would make the hashes reversible by a
    dictionary of emails and phone numbers."""


def pii_salt() -> str:
    """The configured salt: `sources.app_db.pii_salt` in .dlt/secrets.toml (in DLT_PROJECT_DIR or
    the working directory) or the environment variable SOURCES__APP_DB__PII_SALT."""
    import dlt

    value = dlt.secrets.get(SALT_KEY)
    if value is None or not str(value).strip():
        raise PiiSaltMissing(
            f"no PII salt configured: set {SALT_KEY} in .dlt/secrets.toml or {SALT_ENV_VAR} "
            "(any long random string; keep it stable, or every hash changes)"
        )
    return str(value)


def salted_sha256(salt: str, value: str) -> str:
    """The hash staging stores: lowercase hex SHA-256 of `<salt>:<value>` (what
    postgres__pii_hash computes in SQL)."""
    return hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()


def pgoptions(salt: str | None = None) -> str:
    """PGOPTIONS for a dbt process on PostgreSQL: `-c elt.pii_salt=<salt>` (default: the
    configured salt), with the spaces and backslashes of the salt escaped as libpq reads it."""
    escaped = re.sub(r"([\\\s])", r"\\\1", pii_salt() if salt is None else salt)
    return f"-c {PG_SETTING}={escaped}"


if __name__ == "__main__":
    # `python -m elt.pii pgoptions`: what the Makefile exports as PGOPTIONS on PostgreSQL (nothing
    # when no salt is configured: a build with application rows then fails naming the key).
    import sys

    if sys.argv[1:] != ["pgoptions"]:
        raise SystemExit("usage: python -m elt.pii pgoptions")
    try:
        print(pgoptions())
    except PiiSaltMissing:
        pass
