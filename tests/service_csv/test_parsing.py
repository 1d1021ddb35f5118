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


def _file(
    *rows: list[str], order: tuple[str, ...] = COLUMNS, newline: str = "\n", final: bool = True
) -> bytes:
    """A file of `rows` (values in canonical order) written in `order`; `final`: end with a newline."""
    position = [COLUMNS.index(c) for c in order]
    lines = [",".join(HUMAN_HEADER[c] for c in order)] + [
        ",".join(row[i] for i in position[: len(row)]) for row in rows
    ]
    return (newline.join(lines) + (newline if final else "")).encode()


def _reconciles(parsed: parsing.ParsedFile) -> bool:
    return parsed.records_read == parsed.rows_landed + parsed.rows_rejected


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_complete_last_record_without_its_line_end_is_kept_and_flagged(newline: str) -> None:
    complete = _file(_row(), _row(note_text="No further action needed"), newline=newline, final=False)
    parsed = parse_bytes(complete)
    assert parsed.rejects == [] and parsed.rows_landed == 2 and _reconciles(parsed)
    rows = parsed.table.to_pylist()
    assert [row["_parse_status"] for row in rows] == ["ok", "ok"]
    assert rows[1]["note_text"] == "No further action needed"
    # A cut inside the last free-text field looks the same: the row says it may have been cut.
    assert rows[0]["_parse_note"] is None and rows[1]["_parse_note"] == parsing.UNTERMINATED_NOTE
    # The same file with its newline: nothing to flag.
    ended = parse_bytes(_file(_row(), _row(note_text="No further action needed"), newline=newline))
    assert ended.table.column("_parse_note").to_pylist() == [None, None]


def test_a_file_cut_off_inside_its_last_record_rejects_that_record_as_truncated() -> None:
    whole = _file(_row(), _row(note_text="No further action needed")).decode()
    cases = {
        # too few fields and no line end: the cut fell before the last column
        whole[
            : whole.rindex("2026-11-01 10:00:00") + 7
        ]: "truncated: the file ends without a line end after 28",
        # the file ends inside a quoted note (quoted for its comma)
        _file(_row(), _row(note_text='"No, ""further"" action"'), final=False).decode()[:-10]: (
            "truncated: the file ends inside a quoted field"
        ),
    }
    # Columns in another order: the last one is a date, cut mid-value.
    order = tuple(c for c in COLUMNS if c != "note_created_at") + ("note_created_at",)
    dated = _file(_row(), _row(), order=order, final=False).decode()
    cases[dated[:-4]] = "truncated: the file ends without a line end inside its last field, note_created_at"
    for text, reason in cases.items():
        parsed = parse_bytes(text.encode())
        assert parsed.rows_landed == 1 and _reconciles(parsed), text[-40:]
        (reject,) = parsed.rejects
        assert reject.line_number == 3 and reject.reason.startswith(reason), reject.reason
        assert text.endswith(reject.raw_text)  # kept whole, as read


def test_a_short_line_inside_the_file_is_not_called_truncated() -> None:
    parsed = parse_bytes(_file(_row(), _row()[:7], _row()))
    (reject,) = parsed.rejects
    assert reject.line_number == 3 and reject.reason.startswith("too few fields") and _reconciles(parsed)
    # The same short line last, with its line end: the line ended, so it is not a cut either.
    (reject,) = parse_bytes(_file(_row(), _row()[:7])).rejects
    assert reject.reason.startswith("too few fields")
