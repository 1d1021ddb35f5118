"""`elt load pestroutes` against the sandbox: paging, batches, budgets, failures, increments."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import requests

from loaders.pestroutes.settings import ENTITIES, ENTITIES_BY_NAME
from sandbox.offices import sandbox_offices
from tests.conftest import Project, load_summary, make_project

INCREMENTAL = [e for e in ENTITIES if e.incremental]


def request_log(server: Any, office: str) -> list[dict[str, Any]]:
    response = requests.get(f"{server.url}/_sandbox/requests", params={"office": office}, timeout=10)
    response.raise_for_status()
    return response.json()


def simulator_counts(server: Any) -> dict[str, dict[str, int]]:
    """{office: {endpoint: number of records the simulator holds}}"""
    state = requests.get(f"{server.url}/_sandbox/state", timeout=10).json()
    return state["counts"]


def raw_counts(project: Project, table: str) -> dict[str, int]:
    rows = project.query(f"select _office, count(distinct _record_id) from raw_pestroutes.{table} group by 1")
    return dict(rows)


def test_pages_past_the_search_cap_and_reads_in_get_batches(tmp_path: Path, make_sandbox: Any) -> None:
    offices = sandbox_offices(seed=3, count=1)
    server = make_sandbox(offices, seed=3, scale=0.5, search_cap=40, get_cap=1000)
    project = make_project(tmp_path, server, offices, search_cap=40, get_batch_size=15)

    project.elt("load", "pestroutes", "--entity", "customer", "--entity", "appointment")

    expected = simulator_counts(server)["north"]
    assert expected["customer"] > 2 * 40, "the sandbox must hold more customers than one search returns"
    assert raw_counts(project, "customers") == {"north": expected["customer"]}
    assert raw_counts(project, "appointments") == {"north": expected["appointment"]}
    log = request_log(server, "north")
    customer_searches = [r for r in log if r["endpoint"] == "customer" and r["action"] == "search"]
    assert len(customer_searches) == expected["customer"] // 40 + 1
    gets = [r for r in log if r["action"] == "get"]
    assert gets and max(r["ids_requested"] for r in gets) == 15


def test_get_batches_never_exceed_the_api_cap_of_1000(tmp_path: Path, make_sandbox: Any) -> None:
    offices = sandbox_offices(seed=3, count=1)
    server = make_sandbox(offices, seed=3, scale=1.0, search_cap=50_000, get_cap=1000)
    # A configured batch above the API's cap is clamped: the API would drop the extra IDs silently.
    project = make_project(tmp_path, server, offices, get_batch_size=5000)

    project.elt("load", "pestroutes", "--entity", "appointment")

    expected = simulator_counts(server)["north"]["appointment"]
    assert expected > 1000
    assert raw_counts(project, "appointments") == {"north": expected}
    gets = [r for r in request_log(server, "north") if r["action"] == "get"]
    assert max(r["ids_requested"] for r in gets) == 1000


def test_daily_budget_stops_the_office_before_the_server_refuses(tmp_path: Path, make_sandbox: Any) -> None:
    offices = sandbox_offices(seed=5, count=2)
    server = make_sandbox(offices, seed=5, scale=0.2)
    project = make_project(tmp_path, server, offices)
    project.office_overrides = {"north": {"reads_per_day": 7}}
    project.write_config()

    result = project.elt("load", "pestroutes", check=False)

    assert result.returncode != 0
    assert "north: daily read budget of 7 calls is spent" in result.stdout + result.stderr
    north = request_log(server, "north")
    assert len(north) == 7
    assert all(r["status"] == "ok" for r in north), "the loader must stop before the server refuses"
    # The other office was not held back by north's budget.
    assert raw_counts(project, "customers").get("south", 0) == simulator_counts(server)["south"]["customer"]


def test_server_reported_per_minute_limit_is_respected(tmp_path: Path, make_sandbox: Any) -> None:
    # The server allows 6 reads a minute; the loader is configured for more but must read
    # `tokenLimits` and `tokenUsage` and slow down instead of being refused.
    offices = sandbox_offices(seed=5, count=1, reads_per_minute=6)
    server = make_sandbox(offices, seed=5, scale=0.2, search_cap=8)
    project = make_project(tmp_path, server, offices, search_cap=8, get_batch_size=8)
    project.office_overrides = {"north": {"reads_per_minute": 600}}
    project.write_config()

    project.elt("load", "pestroutes", "--entity", "customer")

    log = request_log(server, "north")
    assert len(log) > 6, "the test needs more calls than one minute's budget"
    assert all(r["status"] == "ok" for r in log)
    stamps = sorted(r["ts"] for r in log)
    for start in stamps:
        assert sum(1 for t in stamps if start <= t < start + 60) <= 6
    assert raw_counts(project, "customers") == {"north": simulator_counts(server)["north"]["customer"]}


def test_an_office_with_bad_credentials_fails_alone(tmp_path: Path, make_sandbox: Any) -> None:
    offices = sandbox_offices(seed=9, count=3)
    server = make_sandbox(offices, seed=9, scale=0.2)
    project = make_project(tmp_path, server, offices)
    project.secret_overrides = {"south": {"authentication_token": "not-the-token"}}
    project.write_config()

    result = project.elt("load", "pestroutes", check=False)

    assert result.returncode == 2
    assert re.search(r"FAILED south: office south \w+/search: Invalid authentication", result.stdout)
    assert result.stderr.strip().splitlines()[-1].startswith("error: load failed for pestroutes")
    counts = simulator_counts(server)
    for table, endpoint in (
        ("customers", "customer"),
        ("appointments", "appointment"),
        ("regions", "region"),
    ):
        assert raw_counts(project, table) == {
            "north": counts["north"][endpoint],
            "east": counts["east"][endpoint],
        }


def test_a_second_run_lands_nothing_and_a_tick_lands_only_the_changes(
    tmp_path: Path, make_sandbox: Any
) -> None:
    offices = sandbox_offices(seed=13, count=2)
    server = make_sandbox(offices, seed=13, scale=0.2)
    project = make_project(tmp_path, server, offices)

    first = project.elt("load").stdout
    before = {e.table: project.scalar(f"select count(*) from raw_pestroutes.{e.table}") for e in ENTITIES}

    second = project.elt("load").stdout
    assert all(
        n == 0 for (_, table), n in load_summary(second).items() if ENTITIES_BY_NAME[table].incremental
    )
    # Only the overlap window before each watermark is read again, not the whole history.
    fetched_first, fetched_second = load_summary(first, "fetched"), load_summary(second, "fetched")
    for key, n in fetched_second.items():
        if ENTITIES_BY_NAME[key[1]].incremental:
            assert n <= max(5, fetched_first[key] // 10), (key, n, fetched_first[key])
    after = {e.table: project.scalar(f"select count(*) from raw_pestroutes.{e.table}") for e in ENTITIES}
    assert after == before

    tick = requests.post(f"{server.url}/_sandbox/tick", json={"days": 1}, timeout=60).json()
    third = load_summary(project.elt("load").stdout)
    changed = tick["changes"]  # {office: {endpoint: records created or updated}}
    for office, entity in itertools.product(("north", "south"), INCREMENTAL):
        assert third[(office, entity.table)] == changed[office].get(entity.endpoint, 0), (
            office,
            entity.table,
        )
    assert sum(third[(o, e.table)] for o in ("north", "south") for e in INCREMENTAL) > 0
