"""`elt load incidents` against the incident.io simulator: every workspace, every mode, every page;
the next run reads from the watermark's date minus the overlap and lands only what changed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from loaders.incidents.helpers import ALL_MODES
from sandbox.offices import sandbox_offices
from tests.conftest import Project, load_summary, make_project

PAGE_SIZE = 10


def incidents_project(tmp_path: Path, make_sandbox: Any, seed: int) -> tuple[Project, Any]:
    offices = sandbox_offices(seed=seed, count=1)
    server = make_sandbox(offices, seed=seed, scale=0.2)
    project = make_project(tmp_path, server, offices)
    project.use_simulator(server, "incidents", page_size=PAGE_SIZE)
    project.write_config()
    return project, server


def visible(server: Any, workspace: str) -> dict[str, str]:
    """{incident id: updated_at} of what the workspace's key may read (private ones only with the
    scope), in every mode."""
    simulator = server.incidents
    records = simulator.worlds[workspace].records
    if not simulator.workspaces[workspace].private_scope:
        records = [r for r in records if r["visibility"] != "private"]
    return {r["id"]: r["updated_at"] for r in records}


def raw_latest(project: Project, workspace: str) -> dict[str, str]:
    """{incident id: the newest `updated_at` RAW holds} for one workspace."""
    rows = project.query(
        "select _record_id, max(_record_updated_at) from raw_incidents.incidents "
        f"where _workspace = '{workspace}' group by 1"
    )
    return {str(record_id): str(updated) for record_id, updated in rows}


def test_every_workspace_lands_every_mode_to_the_last_page(tmp_path: Path, make_sandbox: Any) -> None:
    project, server = incidents_project(tmp_path, make_sandbox, seed=41)

    result = project.elt("load", "incidents")

    simulator = server.incidents
    for workspace in simulator.workspaces:
        expected = visible(server, workspace)
        assert len(expected) > 3 * PAGE_SIZE, "the workspace must span several pages"
        modes = {r["mode"] for r in simulator.worlds[workspace].records if r["id"] in expected}
        assert {"test", "tutorial"} & modes, "the sandbox must hold practice incidents"
        # Every incident once, test and tutorial ones too: the list leaves them out unless
        # `mode[one_of]` asks for them, and the loader asks for every mode.
        assert raw_latest(project, workspace) == {i: str(u) for i, u in expected.items()}
        pages = [r for r in simulator.request_log(workspace, "incidents") if r["status"] == "ok"]
        assert len(pages) == len(expected) // PAGE_SIZE + 1
        assert all(set(r["query"]["mode[one_of]"]) == set(ALL_MODES) for r in pages)
        assert load_summary(result.stdout)[(workspace, "incidents")] == len(expected)

    # The support key lacks the private scope: its private incidents are missing, and every run
    # says so rather than under-counting silently.
    assert simulator.worlds["support"].counts()["private"] > 0
    assert "support" in result.stdout and "cannot see private incidents" in result.stdout
    assert "platform: the API key cannot see" not in result.stdout

    updates = project.query(
        "select _workspace, count(distinct _record_id) from raw_incidents.incident_updates group by 1"
    )
    for workspace, landed in updates:
        allowed = visible(server, workspace)
        expected_updates = [u for u in simulator.worlds[workspace].updates if u["incident_id"] in allowed]
        assert landed == len(expected_updates)


def test_the_next_run_reads_from_the_watermark_day_and_lands_only_changes(
    tmp_path: Path, make_sandbox: Any
) -> None:
    project, server = incidents_project(tmp_path, make_sandbox, seed=43)
    simulator = server.incidents
    project.elt("load", "incidents", "--entity", "incidents")
    before = {workspace: visible(server, workspace) for workspace in simulator.workspaces}

    simulator.clear_requests()
    simulator.tick(14)  # two weeks: at this scale a workspace opens an incident every few days
    project.elt("load", "incidents", "--entity", "incidents")

    (second_load,) = project.query("select max(_dlt_load_id) from raw_incidents.incidents")[0]
    changes = 0
    for workspace in simulator.workspaces:
        now = visible(server, workspace)
        changed = {i for i, updated in now.items() if before[workspace].get(i) != updated}
        changes += len(changed)
        # Converged: RAW's newest version of every incident is the simulator's current one.
        assert raw_latest(project, workspace) == {i: str(u) for i, u in now.items()}
        # Only the new versions landed: insert-only RAW drops what the overlap reads again.
        (landed,) = project.query(
            "select count(*) from raw_incidents.incidents "
            f"where _workspace = '{workspace}' and _dlt_load_id = '{second_load}'"
        )[0]
        assert landed == len(changed)
        # The filter is a date: the read starts a day (overlap_days) before the watermark's day,
        # so an incident updated later on that same day is read again, never skipped.
        watermark = date.fromisoformat(max(before[workspace].values())[:10])
        since = {r["query"].get("updated_at[gte]") for r in simulator.request_log(workspace, "incidents")}
        assert since == {(watermark - timedelta(days=1)).isoformat()}
    assert changes, "the tick must create or change incidents"

    again = project.elt("load", "incidents", "--entity", "incidents")
    assert all(count == 0 for count in load_summary(again.stdout).values())
