"""The RAW tables of lines (`service_records`, `rejected_lines`): their Arrow schemas and dlt hints,
a parsed file's rows as Arrow tables, and the parquet files workers write for dlt to import."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from loaders.service_csv import settings
from loaders.service_csv.parsing import ParsedFile

RECORDS, REJECTS = "service_records", "rejected_lines"
TIMESTAMP = pa.timestamp("us", tz="UTC")

RECORD_SCHEMA = pa.schema(
    # The 29 fields are never NULL (every column is required; an empty field is ''). Saying so
    # keeps '' as '' on PostgreSQL too: dlt's COPY turns "" into NULL in nullable columns.
    [pa.field(name, pa.string(), nullable=False) for name in settings.COLUMNS]
    + [
        pa.field("_file_key", pa.string()),
        pa.field("_file_etag", pa.string()),
        pa.field("_line_number", pa.int64()),
        pa.field("_parse_status", pa.string()),
        pa.field("_parse_note", pa.string()),
        pa.field("_file_encoding", pa.string()),
        pa.field("_extracted_at", TIMESTAMP),
        pa.field("_dlt_id", pa.string(), nullable=False),
    ]
)
# What a worker writes for a file import: dlt adds `_dlt_load_id` to the Arrow items it extracts,
# not to files it imports, so the worker writes it (the load id of the package being extracted).
IMPORT_RECORD_SCHEMA = RECORD_SCHEMA.append(pa.field("_dlt_load_id", pa.string(), nullable=False))
REJECT_SCHEMA = pa.schema(
    [
        pa.field("_file_key", pa.string()),
        pa.field("_file_etag", pa.string()),
        pa.field("_line_number", pa.int64()),
        pa.field("raw_text", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("_extracted_at", TIMESTAMP),
        pa.field("_dlt_id", pa.string(), nullable=False),
    ]
)
_DLT_TYPES = {pa.string(): "text", pa.int64(): "bigint", TIMESTAMP: "timestamp"}


def column_hints(schema: pa.Schema) -> dict[str, dict[str, Any]]:
    return {
        f.name: {
            "data_type": _DLT_TYPES[f.type],
            "nullable": f.nullable,
            **({"timezone": True} if f.type == TIMESTAMP else {}),
        }
        for f in schema
    }


def _row_ids(prefix: str, line_numbers: pa.Array) -> pa.Array:
    """`_dlt_id` for a file's rows: `<prefix>.<line number>`, unique per file version and read.

    dlt would add a random `_dlt_id` in its normalize step, but only by rewriting every parquet
    file (NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID); built here, in bulk with Arrow, the files
    are imported as they were extracted.
    """
    return pc.binary_join_element_wise(
        pa.repeat(pa.scalar(prefix, pa.string()), len(line_numbers)),
        pc.cast(line_numbers, pa.string()),
        ".",
    )


def id_prefix(key: str, etag: str, extracted_at: datetime) -> str:
    digest = hashlib.blake2b(f"{key}\n{etag}\n{extracted_at.isoformat()}".encode(), digest_size=9)
    return base64.urlsafe_b64encode(digest.digest()).decode()


def records_table(key: str, etag: str, parsed: ParsedFile, extracted_at: datetime, prefix: str) -> pa.Table:
    table = parsed.table
    n = table.num_rows
    extras = {
        "_file_key": pa.repeat(pa.scalar(key, pa.string()), n),
        "_file_etag": pa.repeat(pa.scalar(etag, pa.string()), n),
        "_file_encoding": pa.repeat(pa.scalar(parsed.encoding, pa.string()), n),
        "_extracted_at": pa.repeat(pa.scalar(extracted_at, TIMESTAMP), n),
        "_dlt_id": _row_ids(prefix, table.column("_line_number").combine_chunks()),
    }
    columns = [
        table.column(name) if name in table.column_names else extras[name] for name in RECORD_SCHEMA.names
    ]
    return pa.Table.from_arrays(columns, schema=RECORD_SCHEMA)


def rejects_table(key: str, etag: str, parsed: ParsedFile, extracted_at: datetime, prefix: str) -> pa.Table:
    rejects = parsed.rejects
    line_numbers = pa.array([r.line_number for r in rejects], pa.int64())
    return pa.Table.from_pydict(
        {
            "_file_key": [key] * len(rejects),
            "_file_etag": [etag] * len(rejects),
            "_line_number": line_numbers,
            "raw_text": [r.raw_text for r in rejects],
            "reason": [r.reason for r in rejects],
            "_extracted_at": [extracted_at] * len(rejects),
            # rejected lines get their own prefix: a line is either landed or rejected
            "_dlt_id": _row_ids(prefix + "r", line_numbers),
        },
        schema=REJECT_SCHEMA,
    )


IMPORT_ROW_GROUP = 16_384


@dataclass(frozen=True)
class FileSink:
    """Where workers write the parquet files dlt imports (DuckDB only): a folder on the same file
    system as the pipeline's load packages, so dlt's import is a hard link, never a copy."""

    directory: str
    load_id: str

    def write(self, table: pa.Table, number: int) -> str:
        import pyarrow.parquet as pq

        path = os.path.join(self.directory, f"{number:06d}.parquet")
        with_load_id = table.append_column(
            IMPORT_RECORD_SCHEMA.field("_dlt_load_id"),
            pa.repeat(pa.scalar(self.load_id, pa.string()), table.num_rows),
        )
        # A transient file read once by DuckDB's COPY: no dictionary pages, no compression, no
        # statistics (each of them costs more CPU to write than it saves on the local read), and
        # row groups of IMPORT_ROW_GROUP rows: DuckDB reads a row group's column chunks whole,
        # and uncompressed chunks of a whole chunk of files overflow its 256 MB memory limit.
        pq.write_table(
            with_load_id,
            path,
            compression="none",
            use_dictionary=False,
            write_statistics=False,
            row_group_size=IMPORT_ROW_GROUP,
        )
        return path
