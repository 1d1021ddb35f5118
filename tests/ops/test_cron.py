"""docs/cron.example: the seed's schedules (full daily, incremental every 4 hours, one entity on
demand) as cron lines whose `elt load` commands work as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from sandbox.offices import sandbox_offices
from tests.conftest import INCREMENTAL_BUILD, REPO, SCHEDULED_BUILD, make_project

CRON = REPO / "docs" / "cron.example"
FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\d+(-\d+)?))*$")
RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def schedules() -> dict[str, str]:
    """{schedule: command} for every active line, plus the commented on-demand command."""
    found = {}
    for line in CRON.read_text().splitlines():
        if not line.strip() or line.startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        fields = line.split(None, 5)
        assert len(fields) == 6, line
        for value, (low, high) in zip(fields[:5], RANGES, strict=True):
            assert FIELD.match(value), value
            for number in re.findall(r"\d+", value.split("/")[0]):
                assert low <= int(number) <= high, value
        found[" ".join(fields[:5])] = fields[5]
    on_demand = [line for line in CRON.read_text().splitlines() if line.startswith("# cd ")]
    assert len(on_demand) == 1
    found["on demand"] = on_demand[0][2:]
    return found


def elt_loads(command: str) -> list[list[str]]:
    inner = " ".join(shlex.split(command))  # unquotes the `sh -c '...'` part
    return [shlex.split(part.strip()) for part in re.findall(r"(elt load[^&>]*)", inner)]


def dbt_build(command: str) -> list[str]:
    """The arguments of the line's `dbt build`, after `build`."""
    inner = " ".join(shlex.split(command))
    (found,) = re.findall(r"dbt build([^&>]*)", inner)
    return shlex.split(found)


def test_cron_lines_cover_the_seed_schedules_and_their_loads_run(tmp_path: Path, make_sandbox: Any) -> None:
    found = schedules()
    assert set(found) == {"0 2 * * *", "0 */4 * * *", "on demand"}
    loads = {schedule: elt_loads(command) for schedule, command in found.items()}
    assert loads == {
        "0 2 * * *": [["elt", "load", "--full-refresh", "--allow-partial"]],
        "0 */4 * * *": [["elt", "load", "--allow-partial"]],
        "on demand": [["elt", "load", "pestroutes", "--entity", "customer"]],
    }
    for command in found.values():
        assert "elt release" in command and "flock" in command
    builds = {schedule: ["build", *dbt_build(command)] for schedule, command in found.items()}
    assert builds["0 2 * * *"] == list(SCHEDULED_BUILD), "the daily build, as the tests run it"
    assert builds["0 */4 * * *"] == list(INCREMENTAL_BUILD), "the 4-hourly build, as the tests run it"
    assert builds["on demand"][: len(INCREMENTAL_BUILD)] == list(INCREMENTAL_BUILD)

    offices = sandbox_offices(seed=37, count=1)
    server = make_sandbox(offices, seed=37, scale=0.1)
    project = make_project(tmp_path, server, offices, sources=())  # selections over every source
    for schedule in ("0 2 * * *", "0 */4 * * *", "on demand"):
        (args,) = loads[schedule]
        project.run(*args)
    runs = project.query(
        "select full_refresh, selection, status from ops.load_runs "
        "where source = 'pestroutes' order by started_at"
    )
    assert runs == [(True, None, "ok"), (False, None, "ok"), (False, "--entity customer", "ok")]

    # What each build selects: the daily one every data test, the 4-hourly one every model and
    # data test but the raw_audit ones (which read all of RAW), so its cost follows the change.
    def selected(*args: str) -> set[str]:
        return set(project.dbt("ls", *args, "--output", "name", "--quiet").stdout.split())

    daily = selected(*builds["0 2 * * *"][1:])
    four_hourly = selected(*builds["0 */4 * * *"][1:])
    audits = selected("--select", "tag:raw_audit", "--exclude-resource-type", "unit_test")
    assert audits >= {
        "test_staging_holds_the_newest_version_of_every_raw_record",
        "test_service_requests_hold_their_latest_close_time",
        "test_staged_entities_exist_in_raw",
    }
    assert audits <= daily and not audits & four_hourly
    assert daily - audits == four_hourly
    assert selected("--resource-type", "model") <= four_hourly
