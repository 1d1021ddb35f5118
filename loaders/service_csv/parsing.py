"""Lossless, fast parsing of one service-request CSV export into RAW rows and rejects.

How a file is read:

1. **Decode.** UTF-8 first (a leading BOM is stripped and recorded as `utf-8-bom`); if the bytes
   are not UTF-8, Windows-1252 (`windows-1252`); if neither decodes, the whole file fails with
   error class `encoding` and nothing of it lands.
2. **Find records.** The text is split into physical lines and Arrow compute kernels classify
   every line at once: quote counts give, by running parity, which lines continue a quoted
   field of an earlier line (embedded newlines); lines holding only whitespace outside a
   quoted field are blank lines (counted, skipped); every other line starts a record. Line
   numbers are physical and 1-based, the header being line 1 (plus any blank lines above it).
3. **The header** (the first record) is mapped to canonical names through
   `settings.ALIASES`; a missing or unknown column fails the file with class `schema`.
4. **The well-formed bulk** - records on one line with one field per header column, unquoted or
   quoted by the book (quotes only around whole fields, doubled inside; checked with a
   vectorised regex, and commas counted outside the quotes) - goes through Arrow's CSV reader
   in one call, every column as text ('' stays '', never NULL). No Python loop touches them.
5. **The careful path** parses each remaining record with Python's csv module (quotes, doubled
   quotes, embedded CR/LF). A record with as many fields as the header lands `ok`; one with
   more fields is repaired by the rule documented in `settings` (the surplus belongs to the
   free-text column it split, found by anchoring on the typed columns) and lands `repaired`;
   anything else (too few fields, no or several possible repairs) goes to the rejects with its
   raw text and the reason.
6. **A file cut off.** The last record of a file is truncated when the file ends inside a quoted
   field (its quote never closes) or, with no line end after it, when it has fewer fields than
   the header or its last field is a typed column holding no complete value (`2026-11-01 1`):
   it is rejected with a reason starting `truncated`, and counted like every reject. A last
   record without its line end but complete in shape is common (many tools write no final
   newline) and lands; since a cut inside its last free-text field would look the same, it is
   flagged with `UNTERMINATED_NOTE` in `_parse_note` (its status stays `ok` or `repaired`).

Every record is accounted for: `records_read = rows_landed + rows_rejected`. Text is never
trimmed or truncated; '' stays ''.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from loaders.service_csv import settings

BOM = "\ufeff"
TRUNCATED = "truncated"
UNTERMINATED_NOTE = "last record of the file has no line end: its last field may be cut off"


class FileError(Exception):
    """The whole file cannot be landed; `error_class` is format, encoding or schema."""

    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class


@dataclass
class Reject:
    line_number: int
    raw_text: str
    reason: str


@dataclass
class ParsedFile:
    table: pa.Table  # canonical columns + _line_number, _parse_status, _parse_note
    rejects: list[Reject] = field(default_factory=list)
    encoding: str = "utf-8"
    records_read: int = 0
    blank_lines: int = 0
    rows_repaired: int = 0
    header: list[str] = field(default_factory=list)  # canonical names in the file's order

    @property
    def rows_landed(self) -> int:
        return self.table.num_rows

    @property
    def rows_rejected(self) -> int:
        return len(self.rejects)


def _is_utf8(data: bytes) -> bool:
    """Whether the bytes are valid UTF-8, checked by Arrow's (SIMD) validator without building
    a Python str of the whole file."""
    try:
        pa.array([data], pa.binary()).cast(pa.string())
    except pa.ArrowInvalid:
        return False
    return True


def to_utf8(data: bytes) -> tuple[bytes, str]:
    """The file as UTF-8 bytes (a leading BOM removed) and the encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf") and _is_utf8(data[3:]):
        return data[3:], "utf-8-bom"
    if _is_utf8(data):
        return data, "utf-8"
    text, encoding = decode(data)
    return text.encode("utf-8"), encoding


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-bom"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError as cp_error:
            raise FileError(
                "encoding",
                f"neither UTF-8 (byte {utf8_error.start}) nor Windows-1252 (byte {cp_error.start}) decodes",
            ) from cp_error


def map_header(fields: list[str]) -> list[str]:
    """Canonical column names for a header row, in the file's order; FileError('schema') if not."""
    mapped: list[str] = []
    unknown: list[str] = []
    for name in fields:
        canonical = settings.ALIASES.get(settings.normalize_header(name))
        if canonical is None:
            unknown.append(name)
        else:
            mapped.append(canonical)
    duplicated = sorted({c for c in mapped if mapped.count(c) > 1})
    missing = [c for c in settings.REQUIRED_COLUMNS if c not in mapped]
    problems = []
    if missing:
        problems.append("missing required columns " + ", ".join(missing))
    if unknown:
        problems.append("unknown columns " + ", ".join(repr(u) for u in unknown))
    if duplicated:
        problems.append("columns named twice " + ", ".join(duplicated))
    if problems:
        raise FileError("schema", "header: " + "; ".join(problems))
    return mapped


# ------------------------------------------------------------------------------------------
# Repair of over-long rows (the rule is documented in settings)
# ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _compile_plan(header: tuple[str, ...]) -> tuple[list[int], list[list[tuple[int, object]]]]:
    """Free-text positions and, per segment between them, the anchors to check."""
    free = [i for i, name in enumerate(header) if name in settings.FREE_TEXT_COLUMNS]
    bounds = [-1, *free, len(header)]
    segments = []
    for left, right in zip(bounds, bounds[1:], strict=False):
        segments.append(
            [
                (i, settings.ANCHORS[header[i]])
                for i in range(left + 1, right)
                if header[i] in settings.ANCHORS
            ]
        )
    return free, segments


def _segment_ok(fields: list[str], segment: list[tuple[int, object]], offset: int) -> bool:
    for i, pattern in segment:
        if not pattern.match(fields[i + offset]):  # type: ignore[attr-defined]
            return False
    return True


def repair(fields: list[str], header: list[str]) -> tuple[list[str], str] | str:
    """Values in header order and a note, or the reason the row cannot be repaired."""
    extra = len(fields) - len(header)
    free, segments = _compile_plan(tuple(header))
    if not free:
        return f"{len(fields)} fields for {len(header)} columns and no free-text column to absorb them"
    if extra > settings.MAX_EXTRA_FIELDS:
        return f"{len(fields)} fields for {len(header)} columns: too many to repair"
    if not _segment_ok(fields, segments[0], 0):
        return (
            f"{len(fields)} fields for {len(header)} columns: typed columns before the free text do not parse"
        )
    solutions: list[tuple[int, ...]] = []
    # Whether segment j parses at a shift depends on (j, shift) only: check each pair once
    # (the search below revisits the same pairs through different splits).
    checked: dict[tuple[int, int], bool] = {}

    def segment_ok(j: int, shift: int) -> bool:
        known = checked.get((j, shift))
        if known is None:
            known = checked[(j, shift)] = _segment_ok(fields, segments[j], shift)
        return known

    def search(j: int, shift: int, chosen: tuple[int, ...]) -> None:
        if len(solutions) > 1:
            return
        last = j == len(free) - 1
        for surplus in [extra - shift] if last else range(extra - shift + 1):
            if segment_ok(j + 1, shift + surplus):
                if last:
                    solutions.append((*chosen, surplus))
                else:
                    search(j + 1, shift + surplus, (*chosen, surplus))
                if len(solutions) > 1:
                    return

    search(0, 0, ())
    if not solutions:
        return (
            f"{len(fields)} fields for {len(header)} columns: no split of the surplus among "
            f"{', '.join(header[i] for i in free)} lets the typed columns parse"
        )
    if len(solutions) > 1:
        return f"{len(fields)} fields for {len(header)} columns: ambiguous, several splits parse"
    (split,) = solutions
    values: list[str] = []
    notes: list[str] = []
    position = 0
    surplus_of = dict(zip(free, split, strict=True))
    for index, name in enumerate(header):
        take = 1 + surplus_of.get(index, 0)
        values.append(",".join(fields[position : position + take]))
        if take > 1:
            notes.append(f"{name}: joined {take} fields split on unquoted commas")
        position += take
    return values, "; ".join(notes)


# ------------------------------------------------------------------------------------------
# The file
# ------------------------------------------------------------------------------------------


def _csv_rows(raw: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw, newline=""), strict=False))


# A line whose quotes all sit at field boundaries (RFC 4180 quoting, doubled quotes inside).
_WELL_QUOTED = r'^(?:[^",]*|"(?:[^"]|"")*")(?:,(?:[^",]*|"(?:[^"]|"")*"))*\r?\n?$'


def _numpy(array: pa.Array) -> np.ndarray:
    return array.to_numpy(zero_copy_only=False)


def _read_bulk(lines: pa.Array, header: list[str]) -> pa.Table:
    """Arrow's CSV reader over well-formed single-line records, every column as text."""
    offsets = pa.array([0, len(lines)], pa.int32())
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, lines), "")[0]
    return pa_csv.read_csv(
        pa.BufferReader(joined.as_buffer()),
        # One thread: files are parsed in parallel worker processes already (threads here only
        # contend with the other worker for the same cores).
        read_options=pa_csv.ReadOptions(
            column_names=[f"c{i}" for i in range(len(header))], use_threads=False, block_size=1 << 26
        ),
        parse_options=pa_csv.ParseOptions(quote_char='"', double_quote=True, newlines_in_values=False),
        convert_options=pa_csv.ConvertOptions(
            column_types={f"c{i}": pa.string() for i in range(len(header))},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def parse_text(text: str, encoding: str = "utf-8") -> ParsedFile:
    if text.startswith(BOM):
        text = text[1:]
    return parse_utf8(text.encode("utf-8"), encoding)


def parse_utf8(data: bytes, encoding: str = "utf-8") -> ParsedFile:
    """Parse a file already in UTF-8 (BOM removed); `encoding` is what it was read as."""
    if not data or data.isspace():
        raise FileError("format", "the file is empty: no header")
    ends_with_newline = data.endswith(b"\n")
    if not ends_with_newline:
        data += b"\n"  # a last line without its newline is still a line (see "A file cut off")
    # Each line keeps its "\n": the lines are zero-copy slices of one buffer.
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
    offsets = np.concatenate([np.zeros(1, np.int64), ends + 1])
    array = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(data))
    total = len(array)
    raw_bytes = np.frombuffer(data, np.uint8)

    def per_line(byte: int) -> np.ndarray:
        """How often `byte` occurs on each line (counted over the whole buffer at once)."""
        return np.diff(np.searchsorted(np.flatnonzero(raw_bytes == byte), offsets)).astype(np.int64)

    quotes = per_line(ord('"'))
    odd = quotes & 1
    continuation = ((np.cumsum(odd) - odd) & 1).astype(bool)
    # Blank: nothing but spaces, tabs and the line end. Only short lines can be; check those.
    empty = np.zeros(total, dtype=bool)
    for index in np.flatnonzero(np.diff(offsets) <= 256).tolist():
        empty[index] = not data[offsets[index] : offsets[index + 1]].strip()
    blank = ~continuation & empty
    starts = ~continuation & ~blank
    start_index = np.flatnonzero(starts)
    if start_index.size == 0:
        raise FileError("format", "the file holds only blank lines: no header")
    not_continuation = np.flatnonzero(~continuation)
    # A record ends where the next line that does not continue a quoted field starts.
    following = np.searchsorted(not_continuation, np.arange(total), side="right")
    record_ends = np.append(not_continuation, total)[following]

    def raw_record(start: int) -> str:
        return "".join(array.slice(start, int(record_ends[start]) - start).to_pylist())[:-1]

    header_at = int(start_index[0])
    header_rows = _csv_rows(raw_record(header_at))
    if not header_rows or not header_rows[0]:
        raise FileError("format", "no header row")
    header = map_header([h.lstrip(BOM) for h in header_rows[0]])
    width = len(header)
    # The last record when the file ends without a line end after it (a blank last line or a
    # lone header does not count): it takes the careful path, which checks it for a cut.
    last_start = int(start_index[-1])
    unterminated = (
        last_start
        if not ends_with_newline and last_start != header_at and int(record_ends[last_start]) == total
        else -1
    )

    # --- the bulk: single-line records with one field per column, quoted or not -------------
    single_line = starts & (record_ends == np.arange(total) + 1)
    single_line[header_at] = False
    commas = per_line(ord(","))
    bulk_mask = single_line & (quotes == 0) & (commas == width - 1)
    if unterminated >= 0:
        single_line[unterminated] = False
        bulk_mask[unterminated] = False
    quoted = np.flatnonzero(single_line & (quotes > 0))
    if quoted.size:
        candidates = array.take(pa.array(quoted))
        well = _numpy(pc.match_substring_regex(candidates, _WELL_QUOTED))
        unquoted = pc.replace_substring_regex(candidates, pattern='"[^"]*"', replacement="")
        outside = _numpy(pc.count_substring(unquoted, ",")).astype(np.int64)
        bulk_mask[quoted[well & (outside == width - 1)]] = True
    careful = starts & ~bulk_mask
    careful[header_at] = False

    bulk_index = np.flatnonzero(bulk_mask)
    n = int(bulk_index.size)
    if n:
        parsed = _read_bulk(array.filter(pa.array(bulk_mask)).cast(pa.string()), header)
        if parsed.num_rows != n:  # cannot happen for the lines chosen above; never lose rows
            raise FileError("format", f"the CSV reader returned {parsed.num_rows} rows for {n} lines")
        position = {name: j for j, name in enumerate(header)}
        bulk_columns = {name: parsed.column(position[name]) for name in settings.COLUMNS}
    else:
        bulk_columns = {name: pa.chunked_array([], pa.string()) for name in settings.COLUMNS}
    bulk = pa.table(
        {
            **bulk_columns,
            "_line_number": pa.array(bulk_index + 1, pa.int64()),
            "_parse_status": pa.array(np.full(n, "ok", dtype=object), pa.string()),
            "_parse_note": pa.nulls(n, pa.string()),
        }
    )

    # --- the rest: one record at a time ----------------------------------------------------
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    statuses: list[str] = []
    notes: list[str | None] = []
    rejects: list[Reject] = []
    quote_sums = np.cumsum(quotes)
    for start in np.flatnonzero(careful).tolist():
        end = int(record_ends[start])
        raw = raw_record(start)
        quote_count = int(quote_sums[end - 1] - (quote_sums[start - 1] if start else 0))
        outcome = _careful_record(raw, quote_count, header, unterminated=start == unterminated)
        if isinstance(outcome, str):
            rejects.append(Reject(start + 1, raw, outcome))
            continue
        values, status, note = outcome
        rows.append(values)
        line_numbers.append(start + 1)
        statuses.append(status)
        notes.append(note)
    if rows:
        by_column = list(zip(*rows, strict=True))
        position = {name: j for j, name in enumerate(header)}
        careful_table = pa.table(
            {
                **{name: pa.array(by_column[position[name]], pa.string()) for name in settings.COLUMNS},
                "_line_number": pa.array(line_numbers, pa.int64()),
                "_parse_status": pa.array(statuses, pa.string()),
                "_parse_note": pa.array(notes, pa.string()),
            }
        )
        table = pa.concat_tables([bulk, careful_table]).sort_by("_line_number")
    else:
        table = bulk
    return ParsedFile(
        table=table,
        rejects=rejects,
        encoding=encoding,
        records_read=int(starts.sum()) - 1,
        blank_lines=int(blank.sum()),
        rows_repaired=statuses.count("repaired"),
        header=header,
    )


def _careful_record(
    raw: str, quote_count: int, header: list[str], unterminated: bool = False
) -> tuple[list[str], str, str | None] | str:
    """(values in header order, `ok` or `repaired`, note or None) or the reason the record is rejected.

    `unterminated`: the file's last record, with no line end after it (see "A file cut off")."""
    if quote_count % 2:  # parity: only the file's last record can leave a quote open
        return f"{TRUNCATED}: the file ends inside a quoted field (its closing quote is missing)"
    try:
        parsed = _csv_rows(raw)
    except csv.Error as error:
        return f"not parseable as CSV: {error}"
    if len(parsed) != 1:
        return f"a stray line break splits this into {len(parsed)} records"
    fields = parsed[0]
    width = len(header)
    if unterminated:
        cut = _cut_off(fields, header)
        if cut:
            return f"{TRUNCATED}: the file ends without a line end {cut}"
    if len(fields) < width:
        return f"too few fields: {len(fields)} of {width} (truncated or garbage line)"
    if len(fields) == width:
        values, status, notes = fields, "ok", []
    else:
        repaired = repair(fields, header)
        if isinstance(repaired, str):
            return repaired
        values, status, notes = repaired[0], "repaired", [repaired[1]]
    if unterminated:
        notes.append(UNTERMINATED_NOTE)
    return values, status, "; ".join(notes) or None


def _cut_off(fields: list[str], header: list[str]) -> str:
    """Why the file's unterminated last record cannot be whole ('' when it may be)."""
    if len(fields) < len(header):
        return f"after {len(fields)} of {len(header)} fields"
    last = header[-1]
    pattern = settings.ANCHORS.get(last)
    if len(fields) == len(header) and pattern is not None and not pattern.match(fields[-1]):
        return f"inside its last field, {last} ({fields[-1]!r} is not a complete value)"
    return ""


def parse_bytes(data: bytes) -> ParsedFile:
    utf8, encoding = to_utf8(data)
    return parse_utf8(utf8, encoding)


def iter_table_batches(table: pa.Table, rows: int = 250_000) -> Iterator[pa.Table]:
    for offset in range(0, table.num_rows, rows):
        yield table.slice(offset, rows)
