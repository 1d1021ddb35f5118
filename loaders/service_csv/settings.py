"""What a service-request CSV export looks like: canonical columns, header aliases, repair anchors.

Everything here is data, so a new header spelling or a new free-text column is one edit.

**The repair rule for over-long rows.** The exporting system writes the free-text columns
(`FREE_TEXT_COLUMNS`) without quoting them, so a comma inside a summary, part description or
note splits that value into several fields and the row has more fields than the header. The
extra fields belong to the free-text column they split. Which one is decided by anchoring on
the typed columns around it: every way of giving the `extra` surplus fields to the free-text
columns (in the file's own column order) is tried, and a split is accepted only when every
column in `ANCHORS` then matches its pattern (account numbers look like account numbers, dates
like dates, quantities like numbers). Exactly one accepted split repairs the row: each free-text
value becomes its fields joined again with the comma they were split on, so no text is lost,
and the row is flagged `repaired` with a note naming the columns and fields joined. No
accepted split, or more than one, means the row cannot be repaired safely: it is rejected with
its raw text and the reason.
"""

from __future__ import annotations

import re

DATASET = "raw_service_csv"

COLUMNS: tuple[str, ...] = (
    "sr_number",
    "sr_type",
    "sr_status",
    "sr_severity",
    "sr_opened_at",
    "sr_closed_at",
    "sr_summary",
    "customer_account_number",
    "customer_name",
    "customer_city",
    "customer_state",
    "customer_country",
    "customer_segment",
    "site_id",
    "product_model",
    "serial_number",
    "task_number",
    "task_type",
    "task_status",
    "technician_id",
    "task_opened_at",
    "task_completed_at",
    "labor_hours",
    "part_number",
    "part_description",
    "part_quantity",
    "part_unit_cost",
    "note_created_at",
    "note_text",
)

# Columns whose values may hold unquoted commas (the exporter does not quote them).
FREE_TEXT_COLUMNS: tuple[str, ...] = ("sr_summary", "part_description", "note_text")

# A header must name every canonical column (in any order); a missing or unknown column fails
# the whole file with error class `schema`.
REQUIRED_COLUMNS: tuple[str, ...] = COLUMNS

# Header spellings seen in exports, by canonical column. Headers are compared after
# `normalize_header` (lower case, `#` read as "number", every other run of punctuation or
# spaces as one `_`), so "Customer Account #" and "customer account number" are the same name.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "sr_number": ("SR Number", "SR #", "Service Request #", "Service Request Number", "SR No"),
    "sr_type": ("SR Type", "Request Type"),
    "sr_status": ("SR Status", "Request Status"),
    "sr_severity": ("Severity", "SR Severity", "Priority"),
    "sr_opened_at": ("SR Opened Date", "Opened Date", "SR Opened"),
    "sr_closed_at": ("SR Closed Date", "Closed Date", "SR Closed"),
    "sr_summary": ("Summary", "SR Summary", "Problem Summary"),
    "customer_account_number": ("Customer Account #", "Account Number", "Account #", "Customer Acct #"),
    "customer_name": ("Customer Name", "Customer", "Account Name"),
    "customer_city": ("City", "Customer City"),
    "customer_state": ("State", "Customer State", "State/Province"),
    "customer_country": ("Country", "Customer Country"),
    "customer_segment": ("Segment", "Customer Segment"),
    "site_id": ("Site ID", "Site #", "Site"),
    "product_model": ("Product Model", "Model"),
    "serial_number": ("Serial #", "Serial Number", "Serial No"),
    "task_number": ("Task Number", "Task #"),
    "task_type": ("Task Type",),
    "task_status": ("Task Status",),
    "technician_id": ("Technician ID", "Tech ID", "Technician"),
    "task_opened_at": ("Task Opened Date", "Task Opened"),
    "task_completed_at": ("Task Completed Date", "Task Completed", "Task Closed Date"),
    "labor_hours": ("Labor Hours", "Labour Hours", "Hours"),
    "part_number": ("Part #", "Part Number", "Part No"),
    "part_description": ("Part Description", "Part Desc"),
    "part_quantity": ("Qty", "Quantity", "Part Qty", "Part Quantity"),
    "part_unit_cost": ("Unit Cost", "Part Unit Cost", "Part Cost"),
    "note_created_at": ("Note Created Date", "Note Date", "Note Created"),
    "note_text": ("Note Text", "Notes", "Note"),
}

_DATE = (
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|\d{1,2}/\d{1,2}/\d{4}(?: \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)?"
)
_NUMBER = r"-?\d+(?:\.\d+)?"

# Typed columns the repair anchors on; an empty value is accepted (closed dates may be empty).
ANCHORS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"^(?:{pattern})?$")
    for name, pattern in {
        "sr_number": r"[A-Za-z]{0,4}-?\d{3,}",
        "sr_opened_at": _DATE,
        "sr_closed_at": _DATE,
        "customer_account_number": r"[A-Za-z]{0,4}-?\d{4,12}",
        "task_number": r"[A-Za-z]{0,4}-?\d{3,}",
        "task_opened_at": _DATE,
        "task_completed_at": _DATE,
        "labor_hours": _NUMBER,
        "part_quantity": r"-?\d+",
        "part_unit_cost": _NUMBER,
        "note_created_at": _DATE,
    }.items()
}

# Overlong rows with more surplus fields than this are rejected rather than searched.
MAX_EXTRA_FIELDS = 200

# Defaults for [sources.service_csv] keys that may be left out.
DEFAULT_REGION = "us-east-1"
DEFAULT_PREFIX = ""


def normalize_header(name: str) -> str:
    text = name.strip().lstrip("\ufeff").lower().replace("#", " number ")
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


ALIASES: dict[str, str] = {
    normalize_header(alias): canonical
    for canonical, aliases in HEADER_ALIASES.items()
    for alias in (canonical, *aliases)
}
