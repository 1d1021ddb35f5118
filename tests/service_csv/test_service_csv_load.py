"""`elt load service_csv` against moto's real S3 API: every record accounted for, increments,
re-uploads, failures retried, S3 outages survived."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.service_csv import s3 as sandbox_s3
from sandbox.service_csv.fault_proxy import RunningProxy, start_fault_proxy
from sandbox.service_csv.generator import (
    CLEAN,
    COLUMNS,
    CorpusConfig,
    ExportFile,
    Mess,
    corpus,
    generate_file,
)
from tests.conftest import Project
from tests.service_csv.conftest import csv_project

pytestmark = pytest.mark.slow

MESSY = Mess(over_long=0.1, quoted=0.08, blank=0.03, unrecoverable=0.02, duplicate=0.05,
             bom_files=0.4, cp1252_files=0.3, truncated_files=0.4, drift_files=0.6, reupload=1.0)  # fmt: skip
CONFIG = CorpusConfig(seed=11, rows_per_file=200, initial_files=6, files_per_day=2, mess=MESSY)
RAW = "raw_service_csv"


def column_names(project: Project, table: str) -> list[str]:
    return [
        c[0]
        for c in project.query(
            "select column_name from information_schema.columns "
            f"where table_schema = '{RAW}' and table_name = '{table}' order by ordinal_position"
        )
    ]


def manifest(project: Project) -> dict[str, dict[str, Any]]:
    rows = project.query(f"select * from {RAW}.file_manifest")
    names = column_names(project, "file_manifest")
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def landed(project: Project, key: str) -> dict[int, dict[str, Any]]:
    names = column_names(project, "service_records")
    rows = project.query(f"select * from {RAW}.service_records where _file_key = '{key}'")
    return {row[names.index("_line_number")]: dict(zip(names, row, strict=True)) for row in rows}


def put(moto: Any, bucket: str, key: str, data: bytes) -> None:
    sandbox_s3.client(moto.endpoint_url).put_object(Bucket=bucket, Key=key, Body=data)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, moto: Any) -> tuple[Project, list[ExportFile], str]:
    """The messy corpus (two days, with a re-upload) loaded once, shared by the checks below."""
    bucket = "service-exports-messy"
    files = sandbox_s3.seed_bucket(moto.endpoint_url, CONFIG, range(2), bucket=bucket)
    project = csv_project(tmp_path_factory.mktemp("messy"), moto.endpoint_url, bucket)
    project.first_output = project.elt("load", "service_csv").stdout  # type: ignore[attr-defined]
    return project, files, bucket


def test_the_corpus_holds_every_kind_of_mess() -> None:
    files = corpus(CONFIG, range(2))
    assert {f.encoding for f in files} == {"utf-8", "utf-8-bom", "windows-1252"}
    kinds = {r.kind for f in files for r in f.records}
    assert {"over_long", "quoted", "duplicate", "short", "garbage", "truncated"} <= kinds
    assert any(f.order != list(COLUMNS) for f in files) and any(f.version == 2 for f in files)
    assert any("Account Number" in f.header or "Notes" in f.header or "Quantity" in f.header for f in files)
    assert any(f.blank_lines for f in files)
    assert any(f.by_status("repaired") for f in files) and any(f.by_status("rejected") for f in files)


def test_every_record_is_landed_or_rejected_as_the_truth_says(loaded: Any) -> None:
    project, files, _ = loaded
    latest = {f.key: f for f in files}  # a re-upload replaces the first version
    recorded = manifest(project)
    assert set(recorded) == set(latest)
    for key, export in latest.items():
        entry = recorded[key]
        assert entry["status"] == "loaded" and entry["error_class"] is None and entry["attempts"] == 1
        assert entry["records_read"] == entry["rows_landed"] + entry["rows_rejected"] == len(export.records)
        assert entry["rows_rejected"] == len(export.by_status("rejected"))
        assert entry["rows_repaired"] == len(export.by_status("repaired"))
        assert entry["blank_lines"] == export.blank_lines and entry["encoding"] == export.encoding

        rows = landed(project, key)
        assert len(rows) == entry["rows_landed"]
        for record in export.records:
            if record.status == "rejected":
                assert record.line_number not in rows
                continue
            row = rows[record.line_number]
            assert {c: row[c] for c in COLUMNS} == record.values, (key, record.line_number)
            assert row["_parse_status"] == record.status and row["_file_encoding"] == export.encoding
            assert (row["_parse_note"] is not None) == (record.status == "repaired")

    rejects = project.query(f"select _file_key, _line_number, raw_text, reason from {RAW}.rejected_lines")
    expected = {(f.key, r.line_number): r.raw for f in latest.values() for r in f.by_status("rejected")}
    assert {(k, n): raw.rstrip("\r") for k, n, raw, _ in rejects} == expected
    assert all(reason for *_, reason in rejects)
    lineage = set(column_names(project, "service_records")) - set(COLUMNS)
    # No `_dlt_id`: a line is its file and line number, and RAW is never joined on a row id.
    assert lineage == {"_file_key", "_file_etag", "_line_number", "_parse_status", "_parse_note",
                       "_file_encoding", "_extracted_at", "_dlt_load_id"}  # fmt: skip
    assert column_names(project, "rejected_lines") == [
        "_file_key", "_file_etag", "_line_number", "raw_text", "reason", "_extracted_at", "_dlt_load_id"
    ]  # fmt: skip
    # Embedded newlines, doubled quotes and 60-field notes arrive whole.
    assert project.scalar(f"select count(*) from {RAW}.service_records where note_text like '%\"%\n%'") > 0
    assert project.scalar(f"select max(length(note_text)) from {RAW}.service_records") > 100


def test_a_second_load_with_nothing_new_loads_nothing(loaded: Any) -> None:
    project, files, _ = loaded
    before = project.scalar(f"select count(*) from {RAW}.service_records")
    # A plain `elt load` in a deployment with this one source: the sources it does not use are
    # skipped with one line each, never an error, and this one loads.
    output = project.elt("load").stdout
    assert f"unchanged files ({len({f.key for f in files})})" in output and "skipped" in output
    assert "not configured: add [sources.pestroutes.offices.<name>]" in output
    assert "not configured: add [sources.incidents.workspaces.<name>]" in output
    assert project.scalar(f"select count(*) from {RAW}.service_records") == before


def test_a_reuploaded_file_replaces_its_rows(loaded: Any, moto: Any) -> None:
    project, files, bucket = loaded
    first = files[0]
    old_rejects = project.scalar(f"select count(*) from {RAW}.rejected_lines where _file_key = '{first.key}'")
    assert old_rejects > 0
    # The exporter sends the same file again, changed and clean this time.
    changed = generate_file(CorpusConfig(seed=99, rows_per_file=150, mess=CLEAN), 0, 1)
    put(moto, bucket, first.key, changed.data)
    output = project.elt("load", "service_csv").stdout
    assert first.key.split("/")[-1] in output
    rows = landed(project, first.key)
    assert len(rows) == len(changed.records) == 150
    assert {r["_file_etag"] for r in rows.values()} == {manifest(project)[first.key]["etag"]}
    duplicates = project.scalar(
        f"select count(*) from (select _file_key, _line_number from {RAW}.service_records "
        "group by _file_key, _line_number having count(*) > 1) as repeated"
    )
    assert duplicates == 0
    assert project.scalar(f"select count(*) from {RAW}.rejected_lines where _file_key = '{first.key}'") == 0


def test_a_full_refresh_reloads_every_file_without_duplicating_a_line(loaded: Any) -> None:
    # Rows are appended, so the old copy of a reloaded file must go: every row and reject left
    # comes from the load its file's manifest row came with, once per line.
    project, _, _ = loaded
    count = f"select count(*) from {RAW}.service_records"
    before = project.scalar(count)
    rejects_before = project.scalar(f"select count(*) from {RAW}.rejected_lines")
    output = project.elt("load", "service_csv", "--full-refresh").stdout
    assert "unchanged files" not in output
    assert project.scalar(count) == before
    assert project.scalar(f"select count(*) from {RAW}.rejected_lines") == rejects_before
    for table in ("service_records", "rejected_lines"):
        assert (
            project.scalar(
                f"select count(*) from (select _file_key, _line_number from {RAW}.{table} "
                "group by _file_key, _line_number having count(*) > 1) as duplicated"
            )
            == 0
        )
        assert (
            project.scalar(
                f"select count(*) from {RAW}.{table} t "
                f"join {RAW}.file_manifest m on m.file_key = t._file_key "
                "where m._dlt_load_id <> t._dlt_load_id or m.etag <> t._file_etag"
            )
            == 0
        )
    assert {entry["_dlt_load_id"] for entry in manifest(project).values()} == {
        project.scalar(f"select max(_dlt_load_id) from {RAW}.service_records")
    }


def test_row_ids_an_earlier_loader_landed_are_dropped_before_the_next_load(
    tmp_path: Path, moto: Any, bucket: str
) -> None:
    # Loaders before 2026-12-07 gave both tables of lines a NOT NULL `_dlt_id`, in the warehouse
    # and in dlt's schema; rows landed now have none, so the next load drops the column first.
    import dlt

    first = generate_file(CorpusConfig(seed=12, rows_per_file=60, mess=MESSY), 0, 1)
    put(moto, bucket, first.key, first.data)
    project = csv_project(tmp_path, moto.endpoint_url, bucket)
    project.elt("load", "service_csv")
    for table in ("service_records", "rejected_lines"):
        project.query(f"alter table {RAW}.{table} add column _dlt_id varchar default 'earlier'")
        project.query(f"alter table {RAW}.{table} alter column _dlt_id set not null")
        project.query(f"alter table {RAW}.{table} alter column _dlt_id drop default")
    pipeline = dlt.attach("service_csv", pipelines_dir=str(project.root / "pipelines"))
    schema = pipeline.schemas["service_csv"]
    row_id = {"name": "_dlt_id", "data_type": "text", "nullable": False}
    for table in ("service_records", "rejected_lines"):
        schema.tables[table]["columns"]["_dlt_id"] = dict(row_id)
    pipeline.schemas.save_schema(schema)

    second = generate_file(CorpusConfig(seed=13, rows_per_file=60, mess=MESSY), 0, 2)
    put(moto, bucket, second.key, second.data)
    project.elt("load", "service_csv")
    assert "_dlt_id" not in column_names(project, "service_records")
    assert "_dlt_id" not in column_names(project, "rejected_lines")
    recorded = manifest(project)
    for export in (first, second):
        entry = recorded[export.key]
        assert entry["status"] == "loaded" and len(landed(project, export.key)) == entry["rows_landed"]
    attached = dlt.attach("service_csv", pipelines_dir=str(project.root / "pipelines"))
    assert "_dlt_id" not in attached.schemas["service_csv"].tables["service_records"]["columns"]


@pytest.fixture
def proxy(moto: Any) -> Iterator[RunningProxy]:
    """A proxy in front of moto that injects nothing: it only logs the requests."""
    running = start_fault_proxy(moto.endpoint_url)
    yield running
    running.stop()


def test_bad_files_fail_alone_then_are_quarantined_until_uploaded_again(
    tmp_path: Path, moto: Any, bucket: str, proxy: RunningProxy
) -> None:
    good = generate_file(CorpusConfig(seed=5, rows_per_file=50, mess=CLEAN), 0, 1)
    put(moto, bucket, good.key, good.data)
    header = ",".join(good.header)
    undecodable = f"{sandbox_s3.PREFIX}/2026/11/sr_export_20261101_02.csv"
    put(moto, bucket, undecodable, header.encode() + b"\n\x81\x8d\x8f\x90\x9d\xff\n")
    no_note = f"{sandbox_s3.PREFIX}/2026/11/sr_export_20261101_03.csv"
    put(moto, bucket, no_note, (header.rsplit(",", 1)[0] + "\nSR-1,a\n").encode())
    empty = f"{sandbox_s3.PREFIX}/2026/11/sr_export_20261101_04.csv"
    put(moto, bucket, empty, b"")
    bad = (undecodable, no_note, empty)
    project = csv_project(tmp_path, proxy.endpoint_url, bucket)

    def downloads() -> list[str]:
        return [
            r["path"] for r in proxy.plan.requests() if r["method"] == "GET" and r["path"].endswith(".csv")
        ]

    first = project.elt("load", "service_csv", check=False)
    assert first.returncode == 2, first.stderr
    assert f"FAILED {undecodable}: encoding error" in first.stdout
    assert f"FAILED {no_note}: schema error" in first.stdout and "note_text" in first.stdout
    assert f"FAILED {empty}: format error" in first.stdout
    recorded = manifest(project)
    assert recorded[good.key]["status"] == "loaded" and recorded[good.key]["rows_landed"] == 50
    assert (recorded[undecodable]["status"], recorded[undecodable]["error_class"]) == ("failed", "encoding")
    assert (recorded[no_note]["status"], recorded[no_note]["error_class"]) == ("failed", "schema")
    assert (recorded[empty]["status"], recorded[empty]["error_class"]) == ("failed", "format")
    assert project.scalar(f"select count(*) from {RAW}.service_records where _file_key <> '{good.key}'") == 0

    again = project.elt("load", "service_csv", check=False)  # still broken: tried again, still failed
    assert again.returncode == 2 and manifest(project)[undecodable]["attempts"] == 2

    # The third failure of the same version (quarantine_after_attempts, 3 by default) quarantines
    # the file: no longer a failure of the run, still on every summary and alerted.
    third = project.elt("load", "service_csv", check=False)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "FAILED" not in third.stdout
    recorded = manifest(project)
    for key in bad:
        assert (recorded[key]["status"], recorded[key]["attempts"]) == ("quarantined", 3), key
        assert f"WARNING {key}: quarantined after 3 failed attempts" in third.stdout
        assert f"warning: service_csv {key}: quarantined after 3 failed attempts" in third.stderr
    assert recorded[undecodable]["error_class"] == "encoding" and recorded[no_note]["error_class"] == "schema"
    assert (
        f"WARNING {undecodable}: quarantined after 3 failed attempts (encoding error: neither" in third.stdout
    )
    summary = [line.split() for line in third.stdout.splitlines() if "sr_export_2026110" in line]
    assert sorted(row[1] for row in summary if row[-1] == "quarantined") == sorted(
        key.removeprefix(sandbox_s3.PREFIX).lstrip("/") for key in bad
    )

    # Quarantined: not read again (S3 is not asked for it, the manifest row stays as it was).
    before = manifest(project)
    read_before = len(downloads())
    fourth = project.elt("load", "service_csv", check=False)
    assert fourth.returncode == 0 and manifest(project) == before
    assert f"WARNING {empty}: quarantined after 3 failed attempts (format error" in fourth.stdout
    assert downloads()[read_before:] == []  # nothing new, nothing retried
    # `elt status` lists what a person must act on: each quarantined file, why, and what to do.
    status = project.elt("status").stdout
    for key in bad:
        assert re.search(
            rf"attention service_csv: {re.escape(key)}: "
            r"quarantined after 3 failed attempts \((encoding|schema|format) error",
            status,
        ), status

    # --full-refresh tries every file again; failing again, the file goes straight back.
    refreshed = project.elt("load", "service_csv", "--full-refresh", check=False)
    assert refreshed.returncode == 0 and "FAILED" not in refreshed.stdout
    assert {manifest(project)[key]["attempts"] for key in bad} == {4}
    assert {manifest(project)[key]["status"] for key in bad} == {"quarantined"}
    assert sum(path.endswith(tuple(bad)) for path in downloads()) == 4 * len(bad)

    # Uploaded again (a new ETag): tried at once, attempts counted afresh.
    fixed = generate_file(CorpusConfig(seed=6, rows_per_file=20, mess=CLEAN), 0, 2)
    put(moto, bucket, undecodable, fixed.data)
    put(moto, bucket, no_note, fixed.data)
    put(moto, bucket, empty, b"still nothing, no header either\n")
    after_upload = project.elt("load", "service_csv", check=False)
    assert after_upload.returncode == 2 and f"FAILED {empty}: schema error" in after_upload.stdout
    recorded = manifest(project)
    assert recorded[undecodable]["status"] == recorded[no_note]["status"] == "loaded"
    assert recorded[no_note]["rows_landed"] == 20 and recorded[no_note]["attempts"] == 1
    assert (recorded[empty]["status"], recorded[empty]["attempts"]) == ("failed", 1)
    assert recorded[good.key]["attempts"] == 1
    assert "quarantined" not in project.elt("status").stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_s3_unavailable_fails_the_run_and_the_next_run_catches_up(tmp_path: Path) -> None:
    port = _free_port()
    server = sandbox_s3.start_moto(port=port)
    try:
        bucket = "service-exports-outage"
        config = CorpusConfig(seed=3, rows_per_file=30, initial_files=1, files_per_day=1, mess=CLEAN)
        sandbox_s3.seed_bucket(server.endpoint_url, config, range(1), bucket=bucket)
        # The endpoint comes from the standard AWS variable, not the config file.
        project = csv_project(tmp_path, "", bucket)
        project.extra_env["AWS_ENDPOINT_URL"] = server.endpoint_url
        project.elt("load", "service_csv")
        sandbox_s3.upload(sandbox_s3.client(server.endpoint_url), bucket, corpus(config, range(1, 2)))
        server.stop()

        down = project.elt("load", "service_csv", check=False)
        assert down.returncode == 2 and "connection error" in down.stdout

        server = sandbox_s3.start_moto(port=port)  # moto's backends live on: the bucket is back
        back = project.elt("load", "service_csv")
        assert "sr_export_20261102_01.csv" in back.stdout
        assert project.scalar(f"select count(distinct _file_key) from {RAW}.service_records") == 2
    finally:
        server.stop()


def test_one_aws_key_without_the_other_is_one_line_naming_the_missing_one(
    tmp_path: Path, moto: Any, bucket: str
) -> None:
    project = csv_project(tmp_path, moto.endpoint_url, bucket)
    project.service_csv_secrets = {"aws_access_key_id": sandbox_s3.ACCESS_KEY_ID}
    project.write_config()
    result = project.elt("load", "service_csv", check=False)
    assert result.returncode == 2 and result.stderr.strip().splitlines()[-1] == (
        "error: missing credential `sources.service_csv.aws_secret_access_key`: set it in "
        ".dlt/secrets.toml or the environment variable SOURCES__SERVICE_CSV__AWS_SECRET_ACCESS_KEY "
        "(or remove `aws_access_key_id` to use the AWS credential chain)"
    )


def test_office_and_entity_do_not_apply(tmp_path: Path, moto: Any, bucket: str) -> None:
    project = csv_project(tmp_path, moto.endpoint_url, bucket)
    # --office is PestRoutes' name for a scope; service_csv's scope is its bucket.
    result = project.elt("load", "service_csv", "--office", "north", check=False)
    assert result.returncode == 2
    assert f"error: unknown service_csv bucket north; configured: {bucket}" in result.stderr
    result = project.elt("load", "service_csv", "--entity", "records", check=False)
    assert result.returncode == 2
    assert "error: unknown service_csv entity records; known: none (service_csv has no entity choice)" in (
        result.stderr
    )


def test_sandbox_up_serves_the_exports_and_tick_drops_the_next_day(tmp_path: Path) -> None:
    from sandbox import manager

    state_dir, secrets = tmp_path / ".sandbox", tmp_path / ".dlt" / "secrets.toml"
    started = manager.up(
        state_dir, port=_free_port(), scale=0.1, offices=1, s3_port=_free_port(), secrets_path=secrets
    )
    try:
        assert started["s3_url"] and started["warnings"] == []
        assert "[sources.service_csv]\naws_access_key_id" in secrets.read_text()
        client = sandbox_s3.client(started["s3_url"])
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=sandbox_s3.BUCKET)["Contents"]]
        assert keys == [f"{sandbox_s3.PREFIX}/2026/11/sr_export_20261101_01.csv"]
        assert manager.tick(state_dir, days=1)["service_csv_files"] >= 1
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=sandbox_s3.BUCKET)["Contents"]]
        assert f"{sandbox_s3.PREFIX}/2026/11/sr_export_20261102_01.csv" in keys
    finally:
        manager.down(state_dir)
    assert not manager._alive(started["s3_pid"], b"moto.server")
