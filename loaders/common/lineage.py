"""Lineage columns every RAW row carries, and the column hints that keep records whole."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# `record` is landed as JSON (DuckDB JSON, Postgres jsonb, Snowflake VARIANT), never flattened:
# every cast and rename happens in dbt where analysts can read it.
RAW_COLUMNS: dict[str, dict[str, Any]] = {
    "record": {"data_type": "json", "nullable": False},
    "_record_id": {"data_type": "text", "nullable": False},
    "_record_hash": {"data_type": "text", "nullable": False},
    "_record_updated_at": {"data_type": "text", "nullable": True},
    "_extracted_at": {"data_type": "timestamp", "nullable": False},
}


def record_hash(record: dict[str, Any]) -> str:
    """A stable fingerprint of a record's content: equal records hash equal."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.md5(canonical.encode("utf-8")).hexdigest()


def utc_now() -> datetime:
    return datetime.now(UTC)
