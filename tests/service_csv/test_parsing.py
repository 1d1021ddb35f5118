"""The parser on its own: the repair rule, header aliases, encodings, and the generator's truth."""

from __future__ import annotations

import pytest

from loaders.service_csv import parsing, settings
from loaders.service_csv.parsing import FileError, parse_bytes, repair
from sandbox.service_csv import generator
from sandbox.service_csv.generator import COLUMNS, HUMAN_HEADER, RENAMES, CorpusConfig, Mess

# Never touches a warehouse: CI runs it once, in the DuckDB leg (pytest -m "not no_warehouse").
pytestmark = pytest.mark.no_warehouse


def _row(**changes: str) -> list[str]:
    values = {c: "x" for c in COLUMNS}
    values.update(
        sr_number="SR-00000001", sr_opened_at="2026-11-01 08:00:00", sr_closed_at="",
        customer_account_number="123456", task_number="T-0001", task_opened_at="2026-11-01 09:00:00",
        task_completed_at="", labor_hours="1.50", part_quantity="2", part_unit_cost="10.00",
        note_created_at="2026-11-01 10:00:00",
    )  # fmt: skip
    values.update(changes)
    return [values[c] for c in COLUMNS]


def test_generator_and_settings_agree_on_columns_and_header_names() -> None:
    assert tuple(COLUMNS) == settings.COLUMNS and set(generator.FREE_TEXT) == set(settings.FREE_TEXT_COLUMNS)
    for canonical, human in {**HUMAN_HEADER, **RENAMES}.items():
        assert settings.ALIASES[settings.normalize_header(human)] == canonical


def test_repair_gives_the_surplus_to_the_free_text_column_it_split() -> None:
    header = list(COLUMNS)
    fields = _row()
    i = COLUMNS.index("sr_summary")
    fields[i : i + 1] = ["printer jams", " tray 2", " again"]
    j = fields.index("x", COLUMNS.index("part_description") + 2)  # part_description after the shift
    fields[j : j + 1] = ["cable", " 3ft"]
    values, note = repair(fields, header)
    assert values[i] == "printer jams, tray 2, again"
    assert values[COLUMNS.index("part_description")] == "cable, 3ft"
    assert "sr_summary: joined 3 fields" in note and "part_description: joined 2 fields" in note
    # The note is last: whatever is left over is its own.
    fields = _row() + ["more", "and more"]
    values, note = repair(fields, header)
    assert values[-1] == "x,more,and more" and note == "note_text: joined 3 fields split on unquoted commas"


def test_rows_no_split_explains_are_rejected_with_a_reason() -> None:
    garbage = ["junk"] * 40
    assert "typed columns" in repair(garbage, list(COLUMNS))
    bad_number = _row(part_quantity="two") + ["extra"]
    assert "no split" in repair(bad_number, list(COLUMNS))


def test_header_drift_is_mapped_and_a_missing_column_fails_the_file() -> None:
    header = [HUMAN_HEADER[c] for c in COLUMNS]
    header[0], header[7] = "Service Request #", "Account Number"
    assert parsing.map_header(header) == list(COLUMNS)
    with pytest.raises(FileError) as failure:
        parse_bytes((",".join(header[:-1]) + "\n").encode())
    assert failure.value.error_class == "schema" and "note_text" in str(failure.value)


def test_encodings() -> None:
    header = ",".join(HUMAN_HEADER[c] for c in COLUMNS)
    row = ",".join(_row(customer_name="Café Müller – ’s"))
    assert parse_bytes(f"{header}\n{row}\n".encode("cp1252")).encoding == "windows-1252"
    parsed = parse_bytes(b"\xef\xbb\xbf" + f"{header}\n{row}\n".encode())
    assert (
        parsed.encoding == "utf-8-bom"
        and parsed.table.column("customer_name")[0].as_py() == "Café Müller – ’s"
    )
    with pytest.raises(FileError) as failure:
        parse_bytes(header.encode() + b"\n\x81\x8d\x8f\x90\x9d\xff\n")
    assert failure.value.error_class == "encoding"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_record_of_a_messy_corpus_matches_the_ground_truth(seed: int) -> None:
    mess = Mess(over_long=0.1, quoted=0.08, blank=0.03, unrecoverable=0.02, duplicate=0.05,
                bom_files=0.4, cp1252_files=0.3, truncated_files=0.4, drift_files=0.6)  # fmt: skip
    files = generator.corpus(CorpusConfig(seed=seed, rows_per_file=300, initial_files=6, mess=mess), range(2))
    for export in files:
        parsed = parse_bytes(export.data)
        truth = {r.line_number: r for r in export.records}
        assert parsed.encoding == export.encoding and parsed.blank_lines == export.blank_lines
        assert parsed.records_read == len(truth) == parsed.rows_landed + parsed.rows_rejected
        assert {r.line_number for r in parsed.rejects} == {
            n for n, r in truth.items() if r.status == "rejected"
        }
        for reject in parsed.rejects:
            assert reject.reason and reject.raw_text.rstrip("\r") == truth[reject.line_number].raw
        for row in parsed.table.to_pylist():
            expected = truth[row["_line_number"]]
            assert row["_parse_status"] == expected.status
            assert {c: row[c] for c in COLUMNS} == expected.values
            assert (row["_parse_note"] is not None) == (expected.status == "repaired")
