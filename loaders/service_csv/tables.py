"""The RAW tables of lines (`service_records`, `rejected_lines`): their Arrow schemas and dlt hints,
a parsed file's rows as Arrow tables, and the parquet files workers write for dlt to import.

Neither table has a `_dlt_id`: a line is identified by its file and line number (`_file_key`,
`_file_etag`, `_line_number`), which is what staging ranks and tests on, and RAW is never joined
on a row id. dlt adds no `_dlt_id` to Arrow tables or parquet files unless told to
(`NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID`), and a unique text column cost about 0.2 CPU-s per
100k lines to build and insert.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

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
    ]
)
# The column an earlier loader gave both tables (NOT NULL): dropped from warehouses that have it
# (pipeline.drop_row_ids), since the files and Arrow tables landed now have none.
LEGACY_ROW_ID = "_dlt_id"
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


def records_table(key: str, etag: str, parsed: ParsedFile, extracted_at: datetime) -> pa.Table:
    table = parsed.table
    n = table.num_rows
    extras = {
        "_file_key": pa.repeat(pa.scalar(key, pa.string()), n),
        "_file_etag": pa.repeat(pa.scalar(etag, pa.string()), n),
        "_file_encoding": pa.repeat(pa.scalar(parsed.encoding, pa.string()), n),
        "_extracted_at": pa.repeat(pa.scalar(extracted_at, TIMESTAMP), n),
    }
    columns = [
        table.column(name) if name in table.column_names else extras[name] for name in RECORD_SCHEMA.names
    ]
    return pa.Table.from_arrays(columns, schema=RECORD_SCHEMA)


def rejects_table(key: str, etag: str, parsed: ParsedFile, extracted_at: datetime) -> pa.Table:
    rejects = parsed.rejects
    return pa.Table.from_pydict(
        {
            "_file_key": [key] * len(rejects),
            "_file_etag": [etag] * len(rejects),
            "_line_number": [r.line_number for r in rejects],
            "raw_text": [r.raw_text for r in rejects],
            "reason": [r.reason for r in rejects],
            "_extracted_at": [extracted_at] * len(rejects),
        },
        schema=REJECT_SCHEMA,
    )


# Rows per row group of the files workers write. DuckDB reads a file's row groups in parallel
# and holds a row group's column chunks (uncompressed) whole while it reads them.
IMPORT_ROW_GROUP = 16_384


@dataclass(frozen=True)
class RecordsFile:
    """A parquet file of records a worker wrote for dlt to import, and how many rows it holds."""

    path: str
    rows: int


@dataclass(frozen=True)
class FileSink:
    """Where workers write the parquet files dlt imports (DuckDB only): a folder on the same file
    system as the pipeline's load packages, so dlt's import is a hard link, never a copy."""

    directory: str
    load_id: str

    def writer(self, worker: int) -> RecordsWriter:
        return RecordsWriter(os.path.join(self.directory, f"records-{worker:03d}.parquet"), self.load_id)


class RecordsWriter:
    """One worker's records for one load, appended to one parquet file chunk by chunk (only the
    chunk being written is in memory), so a load imports one file per worker: DuckDB appends each
    in one commit of whole row groups, written straight to the database file, instead of a commit
    per chunk that goes through the write-ahead log and triggers a checkpoint.

    Written here, not by dlt: dlt writes one file per table per load only from the items the
    resource yields, so the records would first cross from the workers to the loader's process
    (pickled: 0.22 CPU-s per 100k lines, measured at 200 files), and its parquet writer always
    dictionary-encodes (0.22 CPU-s per 100k lines to write them, against 0.06 without)."""

    def __init__(self, path: str, load_id: str) -> None:
        self.path = path
        self.load_id = load_id
        self.rows = 0
        self._writer: Any = None

    def write(self, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        if not table.num_rows:
            return
        # dlt adds `_dlt_load_id` to the Arrow items it extracts, not to files it imports.
        with_load_id = table.append_column(
            IMPORT_RECORD_SCHEMA.field("_dlt_load_id"),
            pa.repeat(pa.scalar(self.load_id, pa.string()), table.num_rows),
        )
        if self._writer is None:
            # A transient file read once by DuckDB: no dictionary pages, no compression, no
            # statistics (each costs more CPU to write than it saves on the local read).
            self._writer = pq.ParquetWriter(
                self.path,
                IMPORT_RECORD_SCHEMA,
                compression="none",
                use_dictionary=False,
                write_statistics=False,
            )
        self._writer.write_table(with_load_id, row_group_size=IMPORT_ROW_GROUP)
        self.rows += table.num_rows

    def close(self) -> RecordsFile | None:
        """The finished file, or None when no record was written."""
        if self._writer is None:
            return None
        self._writer.close()
        self._writer = None
        return RecordsFile(self.path, self.rows)
