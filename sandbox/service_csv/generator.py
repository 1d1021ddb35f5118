"""Deterministic, messy service-request CSV exports, with the ground truth of every line.

Each export row is one denormalised service record (service request, customer account, task,
part used, note) in 29 columns with human header names. In controlled proportions (`Mess`) the
generator writes what the real exporter writes:

- free text (summary, part description, note) with UNQUOTED commas: rows of 30 to 89 fields;
- properly quoted fields with embedded newlines and doubled quotes;
- a UTF-8 BOM on some files, Windows-1252 bytes (and CRLF line ends) in others;
- blank (or whitespace-only) lines; a truncated last line in some files;
- header drift between files: a column renamed, or two columns swapped;
- the same record in several files; a changed file re-uploaded under the same key (`reupload`);
- a few lines no rule can recover (too few fields, garbage).

`ExportFile.records` is the ground truth: per record, the physical line it starts on, whether a
careful loader lands it `ok`, `repaired` or must reject it, and its canonical values.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sandbox.framework import simulated_date

COLUMNS: tuple[str, ...] = (
    "sr_number", "sr_type", "sr_status", "sr_severity", "sr_opened_at", "sr_closed_at", "sr_summary",
    "customer_account_number", "customer_name", "customer_city", "customer_state", "customer_country",
    "customer_segment", "site_id", "product_model", "serial_number", "task_number", "task_type",
    "task_status", "technician_id", "task_opened_at", "task_completed_at", "labor_hours", "part_number",
    "part_description", "part_quantity", "part_unit_cost", "note_created_at", "note_text",
)  # fmt: skip
FREE_TEXT = ("sr_summary", "part_description", "note_text")

HUMAN_HEADER: dict[str, str] = {
    "sr_number": "SR Number", "sr_type": "SR Type", "sr_status": "SR Status", "sr_severity": "Severity",
    "sr_opened_at": "SR Opened Date", "sr_closed_at": "SR Closed Date", "sr_summary": "Summary",
    "customer_account_number": "Customer Account #", "customer_name": "Customer Name",
    "customer_city": "City", "customer_state": "State", "customer_country": "Country",
    "customer_segment": "Segment", "site_id": "Site ID", "product_model": "Product Model",
    "serial_number": "Serial #", "task_number": "Task Number", "task_type": "Task Type",
    "task_status": "Task Status", "technician_id": "Technician ID", "task_opened_at": "Task Opened Date",
    "task_completed_at": "Task Completed Date", "labor_hours": "Labor Hours", "part_number": "Part #",
    "part_description": "Part Description", "part_quantity": "Qty", "part_unit_cost": "Unit Cost",
    "note_created_at": "Note Created Date", "note_text": "Note Text",
}  # fmt: skip
# Header drift: a later export version renamed a column ...
RENAMES: dict[str, str] = {
    "sr_number": "Service Request #",
    "customer_account_number": "Account Number",
    "note_text": "Notes",
    "part_quantity": "Quantity",
    "sr_summary": "SR Summary",
}
# ... or swapped two columns.
SWAPS: tuple[tuple[str, str], ...] = (
    ("customer_city", "customer_state"),
    ("task_type", "task_status"),
    ("labor_hours", "technician_id"),
    ("sr_summary", "sr_severity"),
)

_SR_TYPES = ("Break/Fix", "Installation", "Preventive Maintenance", "Inquiry", "Upgrade")
_SR_STATUS = ("Open", "In Progress", "Closed", "Cancelled", "Waiting on Customer")
_SEVERITY = ("1-Critical", "2-High", "3-Medium", "4-Low")
_CUSTOMERS = (
    ("Café Müller GmbH", "Köln", "NW", "DE"), ("Señor Frío Markets", "Málaga", "AN", "ES"),
    ("Northwind Traders", "Seattle", "WA", "US"), ("Acme, Inc.", "Dallas", "TX", "US"),
    ("Bäckerei Schön", "München", "BY", "DE"), ("Contoso Retail", "Toronto", "ON", "CA"),
    ("Fabrikam Stores", "Leeds", "ENG", "GB"), ("Élan Boutique", "Montréal", "QC", "CA"),
    ("Tailspin Grocers", "Austin", "TX", "US"), ("Wide World Importers", "Boston", "MA", "US"),
)  # fmt: skip
_SEGMENTS = ("Retail", "Grocery", "Hospitality", "Enterprise")
_MODELS = ("TCx 700", "TCx 810", "SurePOS 500", "4610 Printer", "TCx Wave", "Kiosk 6140")
_TASK_TYPES = ("Onsite Repair", "Remote Fix", "Parts Swap", "Install", "Inspection")
_TASK_STATUS = ("Assigned", "Dispatched", "Completed", "Cancelled")
_PARTS = ("Thermal print head", "Cash drawer solenoid", "Power supply 24V", "Touch panel – 15in",
          "Scanner window", "Motherboard rev B", "Keyboard cable", "Receipt cutter")  # fmt: skip
_WORDS = (
    "printer", "jams", "on", "tray", "scanner", "fails", "intermittently", "after", "update", "drawer",
    "will", "not", "open", "display", "flickers", "customer", "reports", "error", "reboot", "fixed",
    "replaced", "cable", "tested", "OK", "waiting", "for", "parts", "store", "manager", "café",
    "naïve", "reset", "firmware", "loose", "connector", "résumé", "€", "–", "’s", "lane",
)  # fmt: skip
_GARBAGE = (
    "~~~ EXPORT SEGMENT BREAK ~~~",
    "#### report generated by SRX exporter v2.3 ####",
    "ERROR 0x80040E14 while writing row",
    "\x1a\x1a\x1a",
)


@dataclass(frozen=True)
class Mess:
    """Proportions of each kind of mess (rows: per row; files: per file; reupload: per tick)."""

    over_long: float = 0.04
    quoted: float = 0.04
    blank: float = 0.01
    unrecoverable: float = 0.004
    duplicate: float = 0.02
    bom_files: float = 0.3
    cp1252_files: float = 0.25
    truncated_files: float = 0.25
    drift_files: float = 0.3
    reupload: float = 0.5
    max_extra_fields: int = 60


CLEAN = Mess(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class CorpusConfig:
    seed: int = 42
    scale: float = 1.0  # multiplies the number of files
    initial_files: int = 12  # day 0: the history already in the bucket
    files_per_day: int = 3  # each later day (tick)
    rows_per_file: int = 1500
    prefix: str = "exports/service_requests"
    mess: Mess = field(default_factory=Mess)

    def files_on(self, day: int) -> int:
        base = self.initial_files if day == 0 else self.files_per_day
        return max(1, round(base * self.scale))


@dataclass
class TruthRecord:
    line_number: int
    status: str  # ok | repaired | rejected
    values: dict[str, str] | None  # canonical values (None when rejected)
    raw: str | None = None  # the raw text of a rejected record
    kind: str = "plain"  # plain | over_long | quoted | duplicate | short | garbage | truncated


@dataclass
class ExportFile:
    key: str
    data: bytes
    encoding: str  # utf-8 | utf-8-bom | windows-1252
    header: list[str]  # as written
    order: list[str]  # canonical names in the file's order
    records: list[TruthRecord]
    blank_lines: int
    version: int = 1

    def by_status(self, status: str) -> list[TruthRecord]:
        return [r for r in self.records if r.status == status]


def _quote(value: str) -> str:
    if any(c in value for c in ',"\r\n') or value != value.strip(" "):
        return '"' + value.replace('"', '""') + '"'
    return value


def _text(rng: random.Random, words: int, commas: int = 0) -> str:
    """Free text of about `words` words holding exactly `commas` commas (never empty pieces)."""
    pieces = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4))) for _ in range(commas + 1)]
    for i in range(1, len(pieces)):
        if rng.random() < 0.7:
            pieces[i] = " " + pieces[i]
    text = ",".join(pieces)
    while len(text.split()) < words and commas == 0:
        text += " " + rng.choice(_WORDS)
    return text


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _record(rng: random.Random, day: int, serial: int) -> dict[str, str]:
    opened = datetime.combine(simulated_date(day), datetime.min.time()) - timedelta(
        minutes=rng.randint(60, 60 * 24 * 20)
    )
    status = rng.choice(_SR_STATUS)
    closed = opened + timedelta(hours=rng.randint(1, 200)) if status in ("Closed", "Cancelled") else None
    name, city, state, country = rng.choice(_CUSTOMERS)
    task_opened = opened + timedelta(minutes=rng.randint(5, 600))
    completed = task_opened + timedelta(minutes=rng.randint(20, 900)) if rng.random() < 0.6 else None
    has_part = rng.random() < 0.8
    return {
        "sr_number": f"SR-{serial:08d}",
        "sr_type": rng.choice(_SR_TYPES),
        "sr_status": status,
        "sr_severity": rng.choice(_SEVERITY),
        "sr_opened_at": _stamp(opened),
        "sr_closed_at": _stamp(closed) if closed else "",
        "sr_summary": _text(rng, rng.randint(3, 9)),
        "customer_account_number": str(100000 + (serial * 7919) % 899999),
        "customer_name": name,
        "customer_city": city,
        "customer_state": state,
        "customer_country": country,
        "customer_segment": rng.choice(_SEGMENTS),
        "site_id": f"ST{rng.randint(1000, 9999)}",
        "product_model": rng.choice(_MODELS),
        "serial_number": f"{rng.choice('ABCDEFGH')}{rng.randint(10**7, 10**8 - 1)}",
        "task_number": f"T-{serial:08d}{rng.randint(1, 3)}",
        "task_type": rng.choice(_TASK_TYPES),
        "task_status": rng.choice(_TASK_STATUS),
        "technician_id": f"TECH{rng.randint(100, 999)}",
        "task_opened_at": _stamp(task_opened),
        "task_completed_at": _stamp(completed) if completed else "",
        "labor_hours": f"{rng.randint(0, 160) / 4:.2f}",
        "part_number": f"PN-{rng.randint(10000, 99999)}" if has_part else "",
        "part_description": rng.choice(_PARTS) if has_part else "",
        "part_quantity": str(rng.randint(1, 4)) if has_part else "",
        "part_unit_cost": f"{rng.randint(500, 90000) / 100:.2f}" if has_part else "",
        "note_created_at": _stamp(task_opened + timedelta(minutes=rng.randint(1, 300))),
        "note_text": _text(rng, rng.randint(4, 14)),
    }


def _over_long(rng: random.Random, values: dict[str, str], max_extra: int) -> dict[str, str]:
    """Give 1..max_extra commas to one, two or three free-text columns (written unquoted)."""
    total = min(
        max_extra, max(1, int(rng.paretovariate(1.2))) if rng.random() < 0.8 else rng.randint(1, max_extra)
    )
    columns = rng.sample(FREE_TEXT, rng.randint(1, 3))
    if not values["part_description"] and "part_description" in columns and len(columns) > 1:
        columns.remove("part_description")
    shares = [0] * len(columns)
    for _ in range(total):
        shares[rng.randrange(len(columns))] += 1
    out = dict(values)
    for column, commas in zip(columns, shares, strict=True):
        if commas:
            out[column] = _text(rng, 0, commas)
    return out


def _quoted(rng: random.Random, values: dict[str, str], newline: str) -> dict[str, str]:
    out = dict(values)
    out["note_text"] = (
        f'Customer said "{rng.choice(_WORDS)}, {rng.choice(_WORDS)}"{newline}'
        f"{_text(rng, 5)}{newline}-- called back, ticket {values['sr_number']}"
    )
    if rng.random() < 0.5:
        out["sr_summary"] = f'{_text(rng, 3)} ("urgent"), {_text(rng, 2)}'
    return out


def _file_key(prefix: str, day: int, index: int) -> str:
    d = simulated_date(day)
    return f"{prefix.rstrip('/')}/{d:%Y}/{d:%m}/sr_export_{d:%Y%m%d}_{index:02d}.csv"


def generate_file(
    config: CorpusConfig, day: int, index: int, version: int = 1, pool: list[dict[str, str]] | None = None
) -> ExportFile:
    """Export `index` (1-based) of simulated `day`; version > 1 is a changed re-upload of it."""
    rng = random.Random(f"{config.seed}/{day}/{index}")
    mess = config.mess
    encoding = "utf-8"
    if rng.random() < mess.cp1252_files:
        encoding = "windows-1252"
    elif rng.random() < mess.bom_files:
        encoding = "utf-8-bom"
    newline = "\r\n" if encoding == "windows-1252" else "\n"
    order = list(COLUMNS)
    header_names = dict(HUMAN_HEADER)
    if rng.random() < mess.drift_files:
        if rng.random() < 0.5:
            column = rng.choice(sorted(RENAMES))
            header_names[column] = RENAMES[column]
        else:
            a, b = rng.choice(SWAPS)
            i, j = order.index(a), order.index(b)
            order[i], order[j] = order[j], order[i]
    truncated = rng.random() < mess.truncated_files
    rows = max(5, config.rows_per_file)
    serial_base = (day * 1000 + index) * 100_000

    base_records = [_record(rng, day, serial_base + n) for n in range(rows)]
    if version > 1:
        change = random.Random(f"{config.seed}/{day}/{index}/v{version}")
        for record in base_records:
            if change.random() < 0.3 and record["sr_status"] != "Closed":
                record["sr_status"] = "Closed"
                record["sr_closed_at"] = record["task_opened_at"]
        base_records += [_record(change, day, serial_base + rows + n + 50_000 * version) for n in range(5)]

    header = [header_names[c] for c in order]
    lines: list[str] = [",".join(_quote(h) for h in header)]
    records: list[TruthRecord] = []
    blank_lines = 0
    line_number = 2

    def emit(text: str, truth: TruthRecord | None) -> None:
        nonlocal line_number
        if truth is not None:
            truth.line_number = line_number
            records.append(truth)
        lines.append(text)
        line_number += 1 + text.count("\n")

    for n, record in enumerate(base_records):
        last = n == len(base_records) - 1
        roll = rng.random()
        if last and truncated:
            text = ",".join(_quote(record[c]) for c in order if c not in FREE_TEXT)
            cut = text.split(",")[: rng.randint(5, 15)]
            emit(",".join(cut), TruthRecord(0, "rejected", None, ",".join(cut), "truncated"))
            break
        if roll < mess.unrecoverable:
            if rng.random() < 0.5:
                raw = ",".join(record[c] for c in order[: rng.randint(3, 20)] if c not in FREE_TEXT)
                emit(raw, TruthRecord(0, "rejected", None, raw, "short"))
            else:
                raw = rng.choice(_GARBAGE)
                if rng.random() < 0.3:
                    raw = ",".join(rng.choice(_WORDS) for _ in range(len(order) + rng.randint(3, 20)))
                emit(raw, TruthRecord(0, "rejected", None, raw, "garbage"))
        duplicate_roll, pool_roll = rng.random(), rng.random()
        if pool and duplicate_roll < mess.duplicate:
            dup = dict(rng.choice(pool))
            emit(",".join(_quote(dup[c]) for c in order), TruthRecord(0, "ok", dup, kind="duplicate"))
        roll = rng.random()
        if roll < mess.over_long:
            values = _over_long(rng, record, mess.max_extra_fields)
            text = ",".join(values[c] if c in FREE_TEXT else _quote(values[c]) for c in order)
            repaired = any("," in values[c] for c in FREE_TEXT)
            emit(text, TruthRecord(0, "repaired" if repaired else "ok", values, kind="over_long"))
        elif roll < mess.over_long + mess.quoted:
            values = _quoted(rng, record, newline)
            emit(",".join(_quote(values[c]) for c in order), TruthRecord(0, "ok", values, kind="quoted"))
        else:
            emit(",".join(_quote(record[c]) for c in order), TruthRecord(0, "ok", record))
        if pool is not None and pool_roll < 0.05:
            pool.append(records[-1].values or record)
        if rng.random() < mess.blank:
            emit(rng.choice(["", "   ", "\t"]), None)
            blank_lines += 1

    body = newline.join(lines) + ("" if truncated else newline)
    if encoding == "windows-1252":
        data = body.encode("cp1252")
    elif encoding == "utf-8-bom":
        data = b"\xef\xbb\xbf" + body.encode("utf-8")
    else:
        data = body.encode("utf-8")
    return ExportFile(_file_key(config.prefix, day, index), data, encoding, header, order, records,
                      blank_lines, version)  # fmt: skip


def generate_day(config: CorpusConfig, day: int) -> list[ExportFile]:
    """The exports dropped on `day` (files share a pool, so some records recur across files)."""
    pool: list[dict[str, str]] = []
    return [generate_file(config, day, index, pool=pool) for index in range(1, config.files_on(day) + 1)]


def reupload(config: CorpusConfig, day: int) -> ExportFile | None:
    """On some days (>= 1) the exporter re-uploads yesterday's first file with changes."""
    if day < 1 or random.Random(f"{config.seed}/reupload/{day}").random() >= config.mess.reupload:
        return None
    return generate_file(config, day - 1, 1, version=2, pool=[])


def corpus(config: CorpusConfig, days: range) -> list[ExportFile]:
    """Every upload for `days`, in upload order (a re-upload follows its day's new files)."""
    uploads: list[ExportFile] = []
    for day in days:
        uploads += generate_day(config, day)
        changed = reupload(config, day)
        if changed is not None:
            uploads.append(changed)
    return uploads


def with_mess(config: CorpusConfig, **changes: float) -> CorpusConfig:
    return replace(config, mess=replace(config.mess, **changes))


def to_csv(values: list[dict[str, str]]) -> str:
    """Well-formed CSV of canonical records (a helper for tests and fixtures)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(values)
    return buffer.getvalue()
