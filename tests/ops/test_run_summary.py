"""Every `elt load` leaves a run summary in the warehouse (`ops`), prints it, and `elt status` shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.offices import sandbox_offices
from tests.conftest import load_summary, make_project

ENTITIES = ("--entity", "customer", "--entity", "appointment", "--entity", "region")


def requests_made(server: Any, office: str) -> int:
    response = requests.get(f"{server.url}/_sandbox/requests", params={"office": office}, timeout=10)
    response.raise_for_status()
    return len(response.json())


def test_a_partly_failed_then_a_clean_load_are_recorded_printed_and_shown(
    tmp_path: Path, make_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    offices = sandbox_offices(seed=21, count=2)
    server = make_sandbox(offices, seed=21, scale=0.1)
    project = make_project(tmp_path, server, offices)
    project.secret_overrides = {"south": {"authentication_token": "not-the-token"}}
    project.write_config()

    first = project.elt("load", "pestroutes", *ENTITIES, check=False)

    assert first.returncode == 2
    north_calls = requests_made(server, "north")
    # The printed summary: per office API calls, and the run's status.
    assert f"north: {north_calls} API calls, 0 retries" in first.stdout
    assert "pestroutes: run " in first.stdout and " partial in " in first.stdout
    run_id, source, status, error, landed, calls, full_refresh, selection = project.query(
        "select run_id, source, status, error, rows_landed, api_calls, full_refresh, selection "
        "from ops.load_runs"
    )[0]
    assert (source, status, full_refresh) == ("pestroutes", "partial", False)
    assert error.startswith("south: office south") and "Invalid authentication" in error
    assert selection == "--entity customer --entity appointment --entity region"
    assert calls == north_calls + requests_made(server, "south")
    # Entity rows agree with what RAW holds; the failed office is recorded as such.
    raw = dict(project.query("select _office, count(*) from raw_pestroutes.customers group by _office"))
    recorded = dict(
        project.query(
            "select scope, rows_landed from ops.load_run_entities "
            f"where run_id = '{run_id}' and entity = 'customers'"
        )
    )
    assert recorded == {"north": raw["north"], "south": 0}
    assert landed == sum(load_summary(first.stdout).values()) > 0
    scopes = {
        r[0]: r[1:]
        for r in project.query(
            "select scope, api_calls, status, budget_exhausted, reads_per_day from ops.load_run_scopes"
        )
    }
    assert scopes["north"] == (north_calls, "ok", False, offices[0].reads_per_day)
    assert scopes["south"][1] == "failed"

    project.secret_overrides = {}
    project.write_config()
    second = project.elt("load", "pestroutes", *ENTITIES)
    assert " ok in " in second.stdout
    statuses = project.query("select status from ops.load_runs order by started_at")
    assert statuses == [("partial",), ("ok",)]

    status = project.elt("status").stdout
    runs = [line for line in status.splitlines() if line.startswith("  2")]
    assert len(runs) == 2 and " ok " in runs[0] and " partial " in runs[1], status
    assert "pestroutes   newest extract" in status and ": ok" in status
    assert "service_csv  never loaded" in status
    assert "current release: none published yet" in status

    # Freshness is judged against the dbt source thresholds (pestroutes: error after 36 hours).
    from elt import status as status_module

    for key, value in project.env.items():
        monkeypatch.setenv(key, value)
    later = status_module.render_status(now=datetime.now(UTC) + timedelta(hours=40))
    assert "pestroutes" in later and "ERROR (older than 36.0 h)" in later
