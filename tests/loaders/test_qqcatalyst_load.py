"""`elt load qqcatalyst` against the QQCatalyst simulator, and the window planning beneath it.

Against the simulator (both agencies: harbor on the password grant, summit on the refresh-token
grant): a first load under 429/503/ServerBusy faults and tokens that expire mid-run lands every
record whole, with every window's TotalItems equal to the records it read; re-reading a past
range adds nothing; the ID sweep after a tick misses exactly the hard-deleted records; refused
credentials fail their agency alone; a failed window is recorded failed and read again, same
dates, first thing next run; no credential reaches a log or the warehouse. Without it: the
windows a run plans from the ledger, and a read whose pages do not add up to TotalItems.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from loaders.common.errors import PermanentError, TransientError
from loaders.common.report import LoadReport
from loaders.qqcatalyst.client import Page, Tally, check_envelope
from loaders.qqcatalyst.pipeline import AgencyRun, Recorder, select
from loaders.qqcatalyst.settings import BY_TABLE, ENTITIES, Settings
from loaders.qqcatalyst.windows import COMPLETED, EXTRACTED, FAILED, Ledger, Window, plan, split, watermark
from sandbox.offices import sandbox_offices
from sandbox.qqcatalyst.agencies import issued_token
from tests.conftest import Project, assert_no_secrets, load_summary, make_project

D = date.fromisoformat
AGENCIES = ("harbor", "summit")
TABLES = tuple(entity.table for entity in ENTITIES)
WINDOWED = tuple(entity.table for entity in ENTITIES if entity.windowed)
# Small data and fast limits: the loader's budget and the simulator's far above what a test
# needs, pages small enough that windows span several, windows wide enough to keep calls few.
LOADER = {
    "requests_per_minute": 6000,
    "page_size": 7,
    "window_days": 45,
    "start_date": "2026-01-01",
    "backoff_seconds": 0.05,
    "max_attempts": 4,
}
SIMULATOR = {"requests_per_minute": 6000}
SCALE = 0.05


def qq_project(
    tmp_path: Path,
    make_sandbox: Any,
    name: str,
    seed: int,
    simulator: dict[str, Any] | None = None,
    **settings: Any,
) -> tuple[Project, Any]:
    offices = sandbox_offices(seed=seed, count=1)
    server = make_sandbox(
        offices,
        seed=seed,
        scale=SCALE,
        simulators=("pestroutes", "qqcatalyst"),
        qqcatalyst={**SIMULATOR, **(simulator or {})},
    )
    project = make_project(tmp_path / name, server, offices, sources=("qqcatalyst",))
    project.use_simulator(server, "qqcatalyst", **{**LOADER, **settings})
    project.write_config()
    return project, server.simulators["qqcatalyst"]


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def raw_latest(project: Project, agency: str, table: str) -> dict[str, dict[str, Any]]:
    """{id: the newest version RAW holds} of one agency's entity, the record as landed."""
    rows = project.query(
        f"select _record_id, record from raw_qqcatalyst.{table} where _agency = '{agency}' "
        "qualify row_number() over (partition by _record_id order by _record_updated_at desc, "
        "_extracted_at desc) = 1"
    )
    return {str(record_id): as_json(record) for record_id, record in rows}


def truth(simulator: Any, agency: str, table: str) -> dict[str, dict[str, Any]]:
    """{id: record} as the API serves it now (JSON round trip: what the loader receives)."""
    key = BY_TABLE[table].primary_key
    return {str(r[key]): json.loads(json.dumps(r)) for r in simulator.records(agency, table)}


def latest_events(project: Project) -> dict[str, tuple[Any, ...]]:
    """{batch_id: (agency, entity, window_start, window_end, status, total_items, records_read,
    error)} of each batch's latest event."""
    rows = project.query(
        "select batch_id, _agency, entity, window_start, window_end, status, total_items, records_read, "
        "error from raw_qqcatalyst.sync_batches "
        "qualify row_number() over (partition by batch_id order by recorded_at desc) = 1"
    )
    return {row[0]: row[1:] for row in rows}


def windowed_requests(simulator: Any, agency: str, entity: str) -> list[tuple[str, str]]:
    """(startDate, endDate) of each page-1 request that was answered, in order."""
    api_name = BY_TABLE[entity].api_name
    return [
        (r["query"]["startdate"], r["query"]["enddate"])
        for r in simulator.request_log(agency, api_name)
        if r["status"] == "ok" and r["query"].get("pagenumber") == "1"
    ]


# ---------------------------------------------------------------------------------------------
# Window planning (no server)
# ---------------------------------------------------------------------------------------------


def test_windows_split_a_range_into_chunks_of_window_days() -> None:
    assert split(D("2026-01-01"), D("2026-01-17"), 7) == [
        Window(D("2026-01-01"), D("2026-01-07")),
        Window(D("2026-01-08"), D("2026-01-14")),
        Window(D("2026-01-15"), D("2026-01-17")),
    ]
    assert split(D("2026-01-02"), D("2026-01-01"), 7) == []


def test_the_watermark_is_the_end_of_the_contiguous_completed_windows() -> None:
    start = D("2026-01-01")
    w1, w2, w3 = split(start, D("2026-01-21"), 7)
    assert watermark([], start) is None
    assert watermark([w2, w1], start) == w2.end
    assert watermark([w1, w3], start) == w1.end, "a gap (w2 failed) holds the watermark back"
    assert watermark([w2, w3], start) is None, "start_date itself is not covered"
    # A re-read of a past range overlaps what was read: still contiguous.
    assert watermark([w1, Window(D("2026-01-03"), D("2026-01-10")), w2], start) == w2.end


def test_a_run_retries_unfinished_windows_first_then_reads_from_the_watermark_minus_the_overlap() -> None:
    start, today = D("2026-01-01"), D("2026-01-30")
    w1, w2, w3 = split(start, D("2026-01-21"), 7)
    options = {"start_date": start, "today": today, "window_days": 7, "overlap_days": 1}

    first = plan({}, **options)
    assert first.retries == [] and first.windows == split(start, today, 7)

    # w2 failed, w3 was read but the process stopped before its `completed` landed.
    later = plan({w1: COMPLETED, w2: FAILED, w3: EXTRACTED}, **options)
    assert later.retries == [w2, w3]
    assert later.watermark == w3.end, "the retried windows count as covered"
    # (w3.end - 1 day, today]: the day the last window ended is read again.
    assert later.windows == [w2, w3, *split(w3.end, today, 7)]

    overlap = plan({w1: COMPLETED, w2: COMPLETED}, **{**options, "overlap_days": 3})
    assert overlap.windows[0].start == w2.end - timedelta(days=2)

    # --since/--until: that range and nothing else; --until alone caps a normal run.
    ranged = plan({w1: COMPLETED, w2: FAILED}, **options, since=D("2026-01-03"), until=D("2026-01-12"))
    assert ranged.windows == split(D("2026-01-03"), D("2026-01-12"), 7)
    capped = plan({w1: COMPLETED}, **options, until=D("2026-01-10"))
    assert capped.windows == [Window(w1.end, D("2026-01-10"))]
    refresh = plan({w1: COMPLETED, w2: FAILED}, **options, full_refresh=True)
    assert refresh.windows == split(start, today, 7)

    # Our clock ahead of the source's (the newest DateLastModified it served is w2's middle):
    # the watermark waits for the source, so what it dates before our today is still read.
    behind = plan({w1: COMPLETED, w2: COMPLETED, w3: COMPLETED}, **options, served_through=D("2026-01-10"))
    assert behind.watermark == D("2026-01-10") and behind.windows[0].start == D("2026-01-10")
    ahead = plan({w1: COMPLETED}, **options, served_through=D("2026-01-20"))
    assert ahead.watermark == w1.end


def test_the_selection_forces_the_sweep_only_when_asked_and_refuses_future_dates() -> None:
    today = D("2026-12-07")
    assert select(None, False, None, None, today).sweep == "due"
    assert select(["policies"], False, None, None, today).sweep == "off"
    forced = select(["id_sweeps"], False, None, None, today)
    assert forced.sweep == "forced" and forced.windowed == () and forced.reference == ()
    named = select(["Policies", "carriers"], False, None, None, today)
    assert named.windowed == (BY_TABLE["policies"],) and named.reference == (BY_TABLE["carriers"],)
    assert select(None, False, D("2026-03-01"), None, today).sweep == "off"
    with pytest.raises(Exception, match="after today"):
        select(None, False, None, today + timedelta(days=1), today)


# ---------------------------------------------------------------------------------------------
# The envelope, and reads whose pages do not add up (no server)
# ---------------------------------------------------------------------------------------------


def test_an_error_envelope_is_an_error_even_on_http_200() -> None:
    check_envelope({"Data": [], "IsSuccess": True})
    check_envelope({"access_token": "t", "expires_in": 60})  # the token endpoint: not an envelope
    with pytest.raises(TransientError, match="ServerBusy"):
        check_envelope({"IsSuccess": False, "ErrorCode": "ServerBusy", "ErrorMessage": "try later"})
    with pytest.raises(PermanentError, match="InvalidRequest: bad endDate"):
        check_envelope({"IsSuccess": False, "ErrorCode": "InvalidRequest", "ErrorMessage": "bad\nendDate"})


class StubClient:
    """Serves fixed pages per table, each with the TotalItems the test wants."""

    def __init__(self, pages: dict[str, list[tuple[list[dict[str, Any]], int]]]) -> None:
        self.agency = type("Agency", (), {"name": "harbor"})()
        self.pages = pages
        self.windows: list[tuple[str, Any]] = []

    def read(self, entity: Any, tally: Tally, window: Any = None) -> Iterator[Page]:
        self.windows.append((entity.table, window))
        for records, total in self.pages.get(entity.table, [([], 0)]):
            yield Page(records, tally.add(records, total))


def drain(run: AgencyRun) -> dict[str, list[dict[str, Any]]]:
    """{table: rows} of everything the agency's resource yielded."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for item in run.rows():
        tables.setdefault(item.meta.hints["table_name"], []).extend(item.data)
    return tables


def test_a_window_whose_pages_do_not_add_up_to_total_items_is_not_completed() -> None:
    policy = {"PolicyId": 1, "DateLastModified": "2026-01-02T10:00:00"}
    moved = {"PolicyId": 2, "DateLastModified": "2026-01-03T10:00:00"}
    client = StubClient(
        {
            # A record changed during the read: it moved behind the page boundary and came twice,
            # so a third record was skipped. Three rows, two distinct records, TotalItems 3.
            "policies": [([policy, moved], 3), ([{**moved, "DateLastModified": "2026-01-04T09:00:00"}], 3)],
            "quotes": [([{"QuoteId": 7, "DateLastModified": "2026-01-02T10:00:00"}], 1)],
        }
    )
    settings = Settings(start_date=D("2026-01-01"), window_days=30)
    selection = select(["policies", "quotes"], False, None, None, D("2026-01-05"))
    report, recorder = LoadReport("qqcatalyst"), Recorder()
    tables = drain(AgencyRun(client, settings, selection, Ledger(), report, recorder))  # type: ignore[arg-type]

    events = {row["entity"]: row for row in tables["sync_batches"]}
    assert events["policies"]["status"] == FAILED
    assert (events["policies"]["total_items"], events["policies"]["records_read"]) == (3, 2)
    assert "the source changed under the read" in events["policies"]["error"]
    assert events["quotes"]["status"] == EXTRACTED and events["quotes"]["records_read"] == 1
    # What was read lands all the same (insert-only RAW keeps every version) ...
    assert len(tables["policies"]) == 3
    # ... but only the whole window is completed by the second load, and the summary warns.
    assert [row["entity"] for row in recorder.completed_events(events["quotes"]["recorded_at"])] == ["quotes"]
    assert report.ok and "harbor" in recorder.discrepancies


def test_a_sweep_records_completion_only_for_whole_entities_and_nothing_when_it_fails() -> None:
    pages = {entity.table: [([{entity.primary_key: 1}, {entity.primary_key: 2}], 2)] for entity in ENTITIES}
    pages["claims"] = [([{"ClaimId": 1}], 2)]  # one claim missing from the pages: not whole
    settings = Settings(start_date=D("2026-01-01"))
    selection = select(["id_sweeps"], False, None, None, D("2026-02-01"))
    recorder = Recorder()
    tables = drain(
        AgencyRun(StubClient(pages), settings, selection, Ledger(), LoadReport("qqcatalyst"), recorder)
    )  # type: ignore[arg-type]

    windowed = [entity.table for entity in ENTITIES if entity.windowed]
    assert {row["entity"] for row in tables["id_sweeps"]} == set(windowed)
    runs = recorder.sweep_runs(completed_at=None)  # type: ignore[arg-type]
    assert sorted(row["entity"] for row in runs) == sorted(set(windowed) - {"claims"})
    assert all(row["ids_swept"] == row["total_items"] == 2 for row in runs)
    assert all(
        row["window_start"] == D("2026-01-01") and row["window_end"] == D("2026-02-01") for row in runs
    )

    class Failing(StubClient):
        def read(self, entity: Any, tally: Tally, window: Any = None) -> Iterator[Page]:
            if entity.table == "fees":
                raise TransientError("agency harbor GET /v1/Fees/LastModifiedCreated: HTTP 503 (gave up)")
            yield from super().read(entity, tally, window)

    recorder, report = Recorder(), LoadReport("qqcatalyst")
    drain(AgencyRun(Failing(pages), settings, selection, Ledger(), report, recorder))  # type: ignore[arg-type]
    assert recorder.sweeps == [], "a failed sweep records nothing as completed"
    assert "HTTP 503" in report.failures["harbor"]


# ---------------------------------------------------------------------------------------------
# Against the simulator
# ---------------------------------------------------------------------------------------------


def test_both_agencies_land_whole_through_faults_and_expiring_tokens_then_reruns_and_sweeps(
    tmp_path: Path, make_sandbox: Any
) -> None:
    # Tokens live 2 s (the run takes longer): each agency renews its token mid-run, harbor from
    # the password grant, summit from its configured refresh token. 429, 503 (on data and token
    # calls), ServerBusy envelopes and a token expired early are queued; the warehouse must be
    # the one a clean run gives: every record whole. (Time-outs: tests/loaders/test_retries.py.)
    project, simulator = qq_project(
        tmp_path, make_sandbox, "main", seed=21, simulator={"token_ttl_seconds": 2}
    )
    simulator.add_fault("429", 1, agency="harbor", endpoint="Policies")
    simulator.add_fault("503", 2, agency="summit", endpoint="Contacts")
    simulator.add_fault("envelope_error", 2, agency="harbor", endpoint="Claims")
    simulator.add_fault("expire_token", 1, agency="summit", endpoint="Quotes")
    simulator.add_fault("503", 1, agency="harbor", endpoint="token")

    first = project.elt("load", "qqcatalyst")

    assert simulator.faults() == [], "every fault was met and survived"
    landed = load_summary(first.stdout)
    for agency in AGENCIES:
        for table in TABLES:
            expected = truth(simulator, agency, table)
            assert expected or table == "terminations", f"{agency} {table}: the sandbox must hold records"
            assert raw_latest(project, agency, table) == expected, f"{agency} {table}"
            assert landed[(agency, table)] == len(expected)
        several = [t for t in WINDOWED if len(truth(simulator, agency, t)) > LOADER["page_size"]]
        assert several, "some windows must span several pages"

    # The ledger: every batch completed, TotalItems equal to the records it read, and the
    # windows of an entity add up to every record it has.
    events = latest_events(project)
    assert {event[4] for event in events.values()} == {"completed"}
    completed = project.query(
        "select total_items, records_read from raw_qqcatalyst.sync_batches where status = 'completed'"
    )
    assert completed and all(total == read for total, read in completed)
    for agency in AGENCIES:
        for table in WINDOWED:
            windows = [e for e in events.values() if e[0] == agency and e[1] == table]
            assert sum(e[6] for e in windows) == len(truth(simulator, agency, table))
            assert min(e[2] for e in windows) == D("2026-01-01")

    # Tokens: renewed as they expired (and once on the 401 the expire_token fault caused),
    # never per request; summit only ever used its refresh token, harbor its password once.
    state = {a["name"]: a for a in simulator.state()["agencies"]}
    for agency in AGENCIES:
        grants = [r["grant_type"] for r in simulator.request_log(agency, "token") if r["status"] == "ok"]
        calls = [r for r in simulator.request_log(agency) if r["endpoint"] != "token"]
        assert 2 <= state[agency]["tokens_issued"] == len(grants) < len(calls) / 4, (agency, grants)
        assert grants[0] == ("password" if agency == "harbor" else "refresh_token")
        assert set(grants[1:]) == {"refresh_token"}
    assert state["summit"]["unauthorized"] >= 1

    # A past range read again: the same windows' records, nothing new lands.
    before = {t: project.scalar(f"select count(*) from raw_qqcatalyst.{t}") for t in TABLES}
    simulator.clear_requests()
    again = project.elt("load", "qqcatalyst", "--since", "2026-03-01", "--until", "2026-04-20")
    assert all(count == 0 for count in load_summary(again.stdout).values())
    assert {t: project.scalar(f"select count(*) from raw_qqcatalyst.{t}") for t in TABLES} == before
    for agency in AGENCIES:
        assert windowed_requests(simulator, agency, "policies") == [
            ("2026-03-01", "2026-04-14"),
            ("2026-04-15", "2026-04-20"),
        ]
    rerun = latest_events(project)["harbor/policies/2026-03-01/2026-04-14"]
    assert rerun[4] == "completed" and rerun[5] == rerun[6]
    swept = project.scalar("select count(distinct sweep_id) from raw_qqcatalyst.id_sweep_runs")
    assert swept == 2, "the first load swept each agency (none before); a re-run does not"

    # Days pass: records change, a few vanish. A sweep (asked for now) misses exactly those.
    ticked = simulator.tick(4)
    assert sum(ticked["deleted"].values()) > 0, "the tick must hard-delete records"
    project.elt(
        "load",
        "qqcatalyst",
        *(arg for table in TABLES for arg in ("--entity", table)),
        "--entity",
        "id_sweeps",
    )
    for agency in AGENCIES:
        gone = {(table, record_id) for table, record_id in simulator.hard_deleted(agency)}
        assert gone
        for table in WINDOWED:
            current = truth(simulator, agency, table)
            latest = raw_latest(project, agency, table)
            assert {i: latest[i] for i in current} == current, f"{agency} {table} converged"
            assert set(latest) - set(current) == {i for t, i in gone if t == table}
            (sweep,) = project.query(
                "select sweep_id from raw_qqcatalyst.id_sweep_runs "
                f"where _agency = '{agency}' and entity = '{table}' order by completed_at desc limit 1"
            )[0]
            ids = project.query(
                "select _record_id from raw_qqcatalyst.id_sweeps "
                f"where sweep_id = '{sweep}' and entity = '{table}'"
            )
            assert {i for (i,) in ids} == set(current), (
                f"{agency} {table}: the sweep saw exactly the live ids"
            )

    # Refused credentials fail their agency alone, in one line, recorded in the ledger.
    harbor = project.simulator_sections["qqcatalyst"]["sources.qqcatalyst.agencies.harbor"]
    harbor["password"] = "not-the-password"
    project.write_config()
    refused = project.elt("load", "qqcatalyst", check=False)
    assert refused.returncode == 2
    failed = [line for line in refused.stdout.splitlines() if "FAILED" in line]
    # (The sandbox writes the token URL to secrets.toml, so the CLI masks its path too.)
    assert len(failed) == 1, refused.stdout
    assert re.fullmatch(r"  FAILED harbor: agency harbor POST \S+: HTTP 400 \(invalid_grant\)", failed[0])
    assert load_summary(refused.stdout)[("summit", "policies")] == 0, "summit read its windows"
    ((error,),) = project.query(
        "select error from raw_qqcatalyst.sync_batches where status = 'failed' and _agency = 'harbor'"
    )
    assert "HTTP 400 (invalid_grant)" in error

    secrets = [value for values in simulator.credentials().values() for value in values.values()]
    secrets += [
        issued_token(simulator.seed, agency["name"], kind, n)
        for agency in simulator.state()["agencies"]
        for kind in ("access", "refresh")
        for n in range(1, agency["tokens_issued"] + 1)
    ]
    assert_no_secrets(project, secrets)


def attention_lines(project: Project, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What `elt status` lists for qqcatalyst, read from the project's warehouse."""
    from loaders.common.warehouse import Reader
    from loaders.qqcatalyst.pipeline import attention

    monkeypatch.setenv("ELT_TARGET", "duckdb")
    monkeypatch.setenv("ELT_DUCKDB_PATH", str(project.warehouse))
    with Reader() as reader:
        return attention(reader)


def test_a_failed_window_is_recorded_and_read_again_first_while_the_other_agency_lands(
    tmp_path: Path, make_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, simulator = qq_project(tmp_path, make_sandbox, "failures", seed=22, max_attempts=2)
    # Harbor's first policies window fails every attempt (ServerBusy, twice: max_attempts).
    simulator.add_fault("envelope_error", 2, agency="harbor", endpoint="Policies")

    broken = project.elt("load", "qqcatalyst", check=False)

    assert broken.returncode == 2
    failed = [line for line in broken.stdout.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and re.fullmatch(
        r"  FAILED harbor: agency harbor GET \S+/v1/Policies/LastModifiedCreated: "
        r"IsSuccess false \(ServerBusy: .+\) \(gave up after 2 attempts\)",
        failed[0],
    ), broken.stdout
    for table in TABLES:
        assert raw_latest(project, "summit", table) == truth(simulator, "summit", table), table
    failed_windows = [(b, e) for b, e in latest_events(project).items() if e[4] == "failed"]
    assert len(failed_windows) == 1
    batch_id, (agency, entity, start, end, _, _, _, error) = failed_windows[0]
    assert (agency, entity, start) == ("harbor", "policies", D("2026-01-01"))
    assert batch_id == f"harbor/policies/{start}/{end}" and "gave up after 2 attempts" in error
    # What harbor read before the failure landed; what comes after policies waits.
    assert raw_latest(project, "harbor", "contacts") == truth(simulator, "harbor", "contacts")
    assert project.scalar("select count(*) from raw_qqcatalyst.quotes where _agency = 'harbor'") == 0
    # `elt status` lists it for a person to look at.
    assert attention_lines(project, monkeypatch) == [
        f"agency harbor policies {start}..{end} failed: {error} (each run reads it again)"
    ]

    # The next run reads the failed window first, with the same dates, then goes on.
    simulator.clear_requests()
    project.elt("load", "qqcatalyst")
    requests = windowed_requests(simulator, "harbor", "policies")
    assert requests[0] == (start.isoformat(), end.isoformat())
    assert requests[1][0] == end.isoformat(), "then from the retried window's end (the overlap day)"
    assert latest_events(project)[batch_id][4] == "completed"
    assert attention_lines(project, monkeypatch) == []
    for agency in AGENCIES:
        for table in TABLES:
            assert raw_latest(project, agency, table) == truth(simulator, agency, table), (agency, table)


def test_no_agency_configured_skips_the_source_in_one_line(tmp_path: Path) -> None:
    project = Project(tmp_path, "http://127.0.0.1:9", [], sources=("qqcatalyst",))
    project.write_config()

    result = project.elt("load", "qqcatalyst")

    skipped = [line for line in result.stdout.splitlines() if "not configured" in line]
    assert len(skipped) == 1 and "[sources.qqcatalyst.agencies.<name>]" in skipped[0], result.stdout
