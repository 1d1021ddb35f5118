"""The incident.io simulator against the contract notes (shared/sources/incidents.md)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from sandbox.incidents.generator import MODES, IncidentWorld
from sandbox.incidents.server import IncidentsSimulator
from sandbox.incidents.workspaces import TIMESTAMP_NAMES, WORKSPACE_NAMES, sandbox_workspaces
from sandbox.server import RunningSandbox, start_sandbox_server

# Never touches a warehouse: CI runs it once, in the DuckDB leg (pytest -m "not no_warehouse").
pytestmark = pytest.mark.no_warehouse

SEED = 42
SCALE = 0.2  # about 60 incidents per workspace: fast, yet every kind of incident is there
ALL_MODES = {"mode[one_of]": list(MODES)}
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class IncidentsClient:
    """GETs from one workspace of a running sandbox with its bearer key."""

    def __init__(self, sandbox: RunningSandbox, workspace: str | None) -> None:
        self.sandbox = sandbox
        self.base_url = sandbox.mount_url("incidents")
        self.key = sandbox.incidents.keys[workspace] if workspace else None
        self.session = requests.Session()

    def raw(self, path: str, params: Any = None, key: str | None = None) -> requests.Response:
        key = key or self.key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.session.get(f"{self.base_url}{path}", params=params, headers=headers, timeout=30)

    def get(self, path: str, params: Any = None) -> dict[str, Any]:
        response = self.raw(path, params)
        assert response.status_code == 200, response.text[:300]
        return response.json()

    def every(self, path: str, key: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Follow `after` cursors to the last page."""
        items: list[dict[str, Any]] = []
        after = None
        while True:
            page = self.get(path, {**(params or {}), **({"after": after} if after else {})})
            items += page[key]
            after = page["pagination_meta"].get("after")
            if after is None:
                return items
            assert after == page[key][-1]["id"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    server = start_sandbox_server(seed=SEED, scale=SCALE, simulators=("incidents",))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def platform(sandbox: RunningSandbox) -> Iterator[IncidentsClient]:
    yield IncidentsClient(sandbox, "platform")
    sandbox.incidents.clear_faults()


def _world(sandbox: RunningSandbox, workspace: str) -> IncidentWorld:
    return sandbox.incidents.worlds[workspace]


# --------------------------------------------------------------------------------------------
# Paging
# --------------------------------------------------------------------------------------------


def test_paging_to_the_last_page_returns_every_incident_once(sandbox, platform) -> None:
    expected = [r["id"] for r in _world(sandbox, "platform").records]
    first = platform.get("/v2/incidents", {**ALL_MODES, "page_size": 7})
    assert first["pagination_meta"] == {"after": first["incidents"][-1]["id"], "page_size": 7,
                                        "total_record_count": len(expected)}  # fmt: skip
    seen = [r["id"] for r in platform.every("/v2/incidents", "incidents", {**ALL_MODES, "page_size": 7})]
    assert seen == expected == sorted(expected)  # every one once, in id order
    assert len(set(seen)) == len(seen) > 25

    default = platform.get("/v2/incidents", ALL_MODES)
    assert default["pagination_meta"]["page_size"] == 25 and len(default["incidents"]) == 25
    last = platform.get("/v2/incidents", {**ALL_MODES, "page_size": 250})
    assert "after" not in last["pagination_meta"] and len(last["incidents"]) == len(expected)


def test_page_size_over_250_is_a_validation_error(platform) -> None:
    for bad in ("251", "0", "ten"):
        response = platform.raw("/v2/incidents", {"page_size": bad})
        assert response.status_code == 422, bad
        body = response.json()
        assert body["type"] == "validation_error" and body["status"] == 422 and body["request_id"]
        assert body["errors"][0]["source"] == {"field": "page_size"}
    assert platform.raw("/v2/incidents", {"page_size": 250}).status_code == 200


def test_test_and_tutorial_incidents_only_when_the_mode_filter_asks(sandbox, platform) -> None:
    records = _world(sandbox, "platform").records
    default = platform.every("/v2/incidents", "incidents", {"page_size": 250})
    assert {r["mode"] for r in default} == {"standard", "retrospective"}
    assert len(default) == sum(r["mode"] in ("standard", "retrospective") for r in records)
    tests = platform.every("/v2/incidents", "incidents", {"mode[one_of]": "test", "page_size": 250})
    assert tests and {r["mode"] for r in tests} == {"test"}
    both = platform.every("/v2/incidents", "incidents", {"mode[one_of]": ["test", "tutorial"]})
    assert {r["mode"] for r in both} == {"test", "tutorial"}
    assert platform.raw("/v2/incidents", {"mode[one_of]": "practice"}).status_code == 422


# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------


def test_updated_at_gte_compares_dates_not_timestamps(sandbox, platform) -> None:
    records = _world(sandbox, "platform").records
    # An incident updated late in its day: a timestamp filter would drop it, a date filter keeps it.
    late = max((r for r in records if r["mode"] == "standard"), key=lambda r: r["updated_at"][11:])
    day = late["updated_at"][:10]
    assert late["updated_at"][11:19] > "00:00:00"
    matched = platform.every("/v2/incidents", "incidents", {"updated_at[gte]": day, "page_size": 250})
    assert late["id"] in {r["id"] for r in matched}
    expected = [r["id"] for r in records if r["updated_at"][:10] >= day and r["mode"] != "test"
                and r["mode"] != "tutorial"]  # fmt: skip
    assert [r["id"] for r in matched] == expected
    next_day = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    later = platform.every("/v2/incidents", "incidents", {"updated_at[gte]": next_day, "page_size": 250})
    assert late["id"] not in {r["id"] for r in later}

    for bad in ("2026-11-01T10:00:00Z", "yesterday", "2026-13-01"):
        response = platform.raw("/v2/incidents", {"updated_at[gte]": bad})
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["source"] == {"field": "updated_at[gte]"}


def test_created_at_range_and_status_category_filters(sandbox, platform) -> None:
    records = [r for r in _world(sandbox, "platform").records if r["mode"] in ("standard", "retrospective")]
    low, high = records[5]["created_at"][:10], records[-5]["created_at"][:10]
    ranged = platform.every("/v2/incidents", "incidents", {"created_at[gte]": low, "created_at[lte]": high})
    assert [r["id"] for r in ranged] == [r["id"] for r in records if low <= r["created_at"][:10] <= high]
    same = platform.every("/v2/incidents", "incidents", {"created_at[date_range]": f"{low}~{high}"})
    assert same == ranged

    closed = platform.every("/v2/incidents", "incidents", {"status_category[one_of]": "closed"})
    assert closed and {r["incident_status"]["category"] for r in closed} == {"closed"}
    open_ = platform.every("/v2/incidents", "incidents", {"status_category[not_in]": ["closed", "declined"]})
    assert len(closed) + len(open_) + sum(
        r["incident_status"]["category"] == "declined" for r in records
    ) == len(records)
    assert platform.raw("/v2/incidents", {"status_category[one_of]": "done"}).status_code == 422


# --------------------------------------------------------------------------------------------
# Keys, scopes and limits
# --------------------------------------------------------------------------------------------


def test_bad_or_missing_key_is_401(platform) -> None:
    for key in (None, "inc_sbx_not_a_key"):
        response = platform.session.get(
            f"{platform.base_url}/v2/incidents",
            headers={"Authorization": f"Bearer {key}"} if key else {},
            timeout=10,
        )
        assert response.status_code == 401
        assert response.json()["type"] == "authentication_error"


def test_private_incidents_are_silently_missing_without_the_scope(sandbox) -> None:
    for workspace in WORKSPACE_NAMES:
        client = IncidentsClient(sandbox, workspace)
        records = _world(sandbox, workspace).records
        private = {r["id"] for r in records if r["visibility"] == "private"}
        assert private, f"{workspace} has no private incident"
        seen = client.every("/v2/incidents", "incidents", {**ALL_MODES, "page_size": 250})
        updates = client.every("/v2/incident_updates", "incident_updates", {"page_size": 250})
        one = sorted(private)[0]
        shown = client.raw(f"/v2/incidents/{one}")
        if workspace == "support":  # its key lacks "view all incident data, including private incidents"
            assert not private & {r["id"] for r in seen} and len(seen) == len(records) - len(private)
            assert not private & {u["incident_id"] for u in updates}
            assert shown.status_code == 404
            assert client.get("/v2/incident_updates", {"incident_id": one})["incident_updates"] == []
        else:
            assert private <= {r["id"] for r in seen} and len(seen) == len(records)
            assert shown.status_code == 200 and shown.json()["incident"]["visibility"] == "private"


def test_rate_limit_answers_429_with_retry_after() -> None:
    now = [1000.0]
    server = start_sandbox_server(
        seed=SEED,
        scale=0.05,
        simulators=("incidents",),
        incidents={"requests_per_minute": 3, "clock": lambda: now[0]},
    )
    try:
        platform, payments = IncidentsClient(server, "platform"), IncidentsClient(server, "payments")
        assert [platform.raw("/v2/incidents").status_code for _ in range(3)] == [200, 200, 200]
        refused = platform.raw("/v2/incidents")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
        body = refused.json()
        assert body["type"] == "too_many_requests" and body["rate_limit"]["limit"] == 3
        assert payments.raw("/v2/incidents").status_code == 200  # per key
        now[0] += 30
        assert platform.raw("/v2/incidents").headers["Retry-After"] == "30"
        now[0] += 31
        assert platform.raw("/v2/incidents").status_code == 200
    finally:
        server.stop()


def test_the_default_limit_is_1200_a_minute(sandbox) -> None:
    assert {w["requests_per_minute"] for w in sandbox.incidents.state()["workspaces"]} == {1200}


# --------------------------------------------------------------------------------------------
# Incident updates and the record
# --------------------------------------------------------------------------------------------


def test_incident_updates_page_and_filter_by_incident(sandbox, platform) -> None:
    world = _world(sandbox, "platform")
    every = platform.every("/v2/incident_updates", "incident_updates", {"page_size": 40})
    assert [u["id"] for u in every] == [u["id"] for u in world.updates] == sorted(u["id"] for u in every)
    page = platform.get("/v2/incident_updates", {"page_size": 40})
    assert set(page["pagination_meta"]) == {"after", "page_size"}

    closed = next(
        r for r in world.records if r["incident_status"]["category"] == "closed" and r["mode"] == "standard"
    )
    updates = platform.get("/v2/incident_updates", {"incident_id": closed["id"]})["incident_updates"]
    assert updates and {u["incident_id"] for u in updates} == {closed["id"]}
    assert updates[-1]["new_incident_status"]["category"] == "closed"
    assert [u["created_at"] for u in updates] == sorted(u["created_at"] for u in updates)
    for update in updates:
        assert set(update) == {"id", "incident_id", "created_at", "message", "new_incident_status",
                               "new_severity", "updater"}  # fmt: skip
        assert set(update["updater"]["user"]) >= {"id", "name", "email"}
        assert RFC3339_UTC.match(update["created_at"])


def test_records_carry_the_fields_and_quirks_of_the_contract(sandbox) -> None:
    records = {name: _world(sandbox, name).records for name in WORKSPACE_NAMES}
    for workspace, items in records.items():
        names = [v["incident_timestamp"]["name"] for v in items[0]["incident_timestamp_values"]]
        renamed = ["Mitigated at" if n == "Fixed at" else n for n in TIMESTAMP_NAMES]
        assert names == (renamed if workspace == "payments" else list(TIMESTAMP_NAMES)), workspace
        assert {r["mode"] for r in items} == set(MODES), workspace
        for record in items:
            assert re.fullmatch(r"INC-\d+", record["reference"])
            assert RFC3339_UTC.match(record["created_at"]) and RFC3339_UTC.match(record["updated_at"])
            assert record["updated_at"] >= record["created_at"] or record["mode"] == "retrospective"
            assert record["visibility"] in ("public", "private")
            for value in record["incident_timestamp_values"]:
                assert value["value"] == {} or RFC3339_UTC.match(value["value"]["value"])
            assert all(m["value_seconds"] is None or isinstance(m["value_seconds"], int)
                       for m in record["duration_metrics"])  # fmt: skip
    everything = [r for items in records.values() for r in items]
    closed = [
        r for r in everything if r["incident_status"]["category"] == "closed" and r["mode"] == "standard"
    ]
    # Closed incidents with empty timestamps: the gaps incident_updates can fill.
    assert any(any(v["value"] == {} for v in r["incident_timestamp_values"]) for r in closed)
    assert any(r["severity"] is None for r in everything)
    categories = {r["incident_status"]["category"] for r in everything}
    assert {"closed", "declined", "canceled"} <= categories  # live and learning: see the tick test


# --------------------------------------------------------------------------------------------
# Ticks, faults, determinism
# --------------------------------------------------------------------------------------------


def test_tick_moves_statuses_and_updated_at() -> None:
    server = start_sandbox_server(seed=SEED, scale=1.0, simulators=("incidents",))
    try:
        platform = IncidentsClient(server, "platform")
        before = {
            r["id"]: r for r in platform.every("/v2/incidents", "incidents", {**ALL_MODES, "page_size": 250})
        }
        result = requests.post(f"{server.url}/_sandbox/tick", json={"days": 3}, timeout=60).json()
        assert result["day"] == 3 and result["date"] == "2026-11-04"
        after = {
            r["id"]: r for r in platform.every("/v2/incidents", "incidents", {**ALL_MODES, "page_size": 250})
        }
        new = set(after) - set(before)
        moved = {i for i in before if after[i]["updated_at"] != before[i]["updated_at"]}
        status_changed = {i for i in before if after[i]["incident_status"] != before[i]["incident_status"]}
        assert new and moved and status_changed <= moved
        assert any(before[i]["incident_status"]["category"] in ("live", "learning") for i in status_changed)
        assert result["simulators"]["incidents"]["changes"]["platform"] == len(new) + len(moved)
        # What an incremental load by updated_at finds is exactly what changed.
        changed = platform.every(
            "/v2/incidents", "incidents", {**ALL_MODES, "updated_at[gte]": "2026-11-02", "page_size": 250}
        )
        assert {r["id"] for r in changed} == new | moved
    finally:
        server.stop()


def test_faults_are_queued_per_workspace(sandbox, platform) -> None:
    admin = f"{sandbox.url}/_sandbox/incidents"
    requests.post(
        f"{admin}/faults", json={"kind": "http503", "workspace": "platform", "count": 2}, timeout=10
    )
    support = IncidentsClient(sandbox, "support")
    assert support.raw("/v2/incidents").status_code == 200
    assert [platform.raw("/v2/incidents").status_code for _ in range(3)] == [503, 503, 200]
    requests.post(f"{admin}/faults", json={"kind": "http429", "workspace": "platform"}, timeout=10)
    limited = platform.raw("/v2/incidents")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    requests.post(f"{admin}/faults", json={"kind": "http500", "endpoint": "incident_updates"}, timeout=10)
    assert platform.raw("/v2/incidents").status_code == 200
    assert platform.raw("/v2/incident_updates").status_code == 500
    assert requests.get(f"{admin}/faults", timeout=10).json() == []
    bad = requests.post(f"{admin}/faults", json={"kind": "meteor"}, timeout=10)
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]


def test_request_log(sandbox, platform) -> None:
    requests.post(f"{sandbox.url}/_sandbox/incidents/requests/clear", timeout=10)
    platform.raw("/v2/incidents", {"page_size": 5, "updated_at[gte]": "2026-10-01"})
    platform.raw("/v2/incidents", {"page_size": 500})
    log = requests.get(
        f"{sandbox.url}/_sandbox/incidents/requests", params={"workspace": "platform"}, timeout=10
    )
    entries = log.json()
    assert [e["http_status"] for e in entries] == [200, 422]
    assert entries[0]["path"] == "/v2/incidents" and entries[0]["endpoint"] == "incidents"
    assert entries[0]["query"] == {"page_size": "5", "updated_at[gte]": "2026-10-01"}
    assert entries[0]["returned"] == 5 and entries[1]["error"]


def test_same_seed_same_data_and_ticks_replay_identically() -> None:
    workspace = sandbox_workspaces(SEED)[0]
    one = IncidentWorld(workspace, seed=SEED, scale=SCALE)
    assert one.records == IncidentWorld(workspace, seed=SEED, scale=SCALE).records
    assert one.records != IncidentWorld(sandbox_workspaces(SEED + 1)[0], seed=SEED + 1, scale=SCALE).records
    ticked = IncidentWorld(workspace, seed=SEED, scale=SCALE)
    for _ in range(4):
        ticked.advance(1)
    at_once = IncidentWorld(workspace, seed=SEED, scale=SCALE)
    at_once.advance(4)
    started_later = IncidentWorld(workspace, seed=SEED, scale=SCALE, day=4)
    assert ticked.records == at_once.records == started_later.records
    assert ticked.updates == started_later.updates


def test_generation_is_fast() -> None:
    started = time.perf_counter()
    simulator = IncidentsSimulator(sandbox_workspaces(SEED), seed=SEED, scale=1.0)
    assert time.perf_counter() - started < 5  # typically 0.2 s; generous for slow CI machines
    counts = simulator.state()["counts"]
    assert 600 <= sum(c["incidents"] for c in counts.values()) <= 1200  # ~300 a workspace at scale 1
