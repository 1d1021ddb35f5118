"""Configuration from every provider, one-line errors for broken setups, one run per warehouse."""

from __future__ import annotations

import fcntl
import subprocess
from pathlib import Path
from typing import Any

from sandbox.offices import sandbox_offices
from tests.cli.test_user_errors import offline_project, one_line_error
from tests.conftest import BIN, REPO, load_summary, make_project


def test_offices_are_the_union_of_config_toml_secrets_toml_and_the_environment(
    tmp_path: Path, make_sandbox: Any
) -> None:
    """An office in config.toml with its credentials in environment variables, beside offices
    listed in secrets.toml, is configured (dlt alone would read only the first file's list)."""
    offices = sandbox_offices(seed=21, count=2)
    server = make_sandbox(offices, seed=21, scale=0.1)
    project = make_project(tmp_path, server, offices[:1])  # north: config.toml + secrets.toml
    acc = offices[1]
    with (tmp_path / ".dlt" / "config.toml").open("a") as handle:
        handle.write(
            f'\n[sources.pestroutes.offices.acc]\nbase_url = "{server.office_url(acc.name)}"\n'
            f'timezone = "{acc.timezone}"\n'
        )
    project.extra_env = {
        "SOURCES__PESTROUTES__OFFICES__ACC__AUTHENTICATION_KEY": acc.key,
        "SOURCES__PESTROUTES__OFFICES__ACC__AUTHENTICATION_TOKEN": acc.token,
    }

    loaded = project.elt("load", "pestroutes", "--office", "acc", "--entity", "region")
    assert load_summary(loaded.stdout)[("acc", "regions")] > 0

    everything = project.elt("load", "pestroutes", "--entity", "region")
    assert {office for office, _ in load_summary(everything.stdout)} == {"acc", "north"}


def test_an_office_without_credentials_fails_naming_the_key_never_skipped(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    with (tmp_path / ".dlt" / "config.toml").open("a") as handle:
        handle.write('\n[sources.pestroutes.offices.acc]\nbase_url = "http://127.0.0.1:9/api"\n')
    line = one_line_error(project.elt("load", "pestroutes", check=False))
    assert "missing credential `sources.pestroutes.offices.acc.authentication_key`" in line
    assert "SOURCES__PESTROUTES__OFFICES__ACC__AUTHENTICATION_KEY" in line


def test_a_config_file_with_a_syntax_error_is_one_line(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    config = tmp_path / ".dlt" / "config.toml"
    config.write_text("[sources.pestroutes\nsearch_cap = 5\n")
    for command in (["load"], ["release"]):
        line = one_line_error(project.elt(*command, check=False))
        assert ".dlt/config.toml is not valid TOML" in line and "line 1" in line, command


def test_read_only_commands_never_create_a_warehouse(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    if project.target != "duckdb":
        return
    mistyped = tmp_path / "wharehouse.duckdb"
    project.extra_env = {"ELT_DUCKDB_PATH": str(mistyped)}
    for command in (["status"], ["release"]):
        line = one_line_error(project.elt(*command, check=False))
        assert f"no warehouse at {mistyped}" in line, command
    assert not mistyped.exists()
    usage = project.elt("status", "-n", "0", check=False)
    assert usage.returncode == 2 and "Invalid value" in usage.stderr


def test_a_warehouse_file_that_cannot_be_written_is_not_called_locked(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    if project.target != "duckdb":
        return
    project.extra_env = {"ELT_DUCKDB_PATH": str(tmp_path / "missing-folder" / "warehouse.duckdb")}
    line = one_line_error(project.elt("load", check=False))
    assert "cannot open the warehouse file" in line and "locked" not in line


def test_a_second_load_on_the_same_warehouse_exits_naming_the_running_one(
    tmp_path: Path, make_sandbox: Any
) -> None:
    """The first run holds the warehouse's run lock for its whole length; the second exits 2 at
    once with one line naming the first's PID, and the first finishes and records its run."""
    offices = sandbox_offices(seed=23, count=1)
    server = make_sandbox(offices, seed=23, scale=0.1, latency=0.05)
    project = make_project(tmp_path, server, offices)
    first = subprocess.Popen(
        [str(BIN / "elt"), "load", "pestroutes"],
        cwd=REPO,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lock = Path(project.env["ELT_PIPELINES_DIR"] + ".lock")
        holder = ""
        for _ in range(200):  # wait until the first run holds the lock
            if lock.exists() and f"PID {first.pid}" in (holder := lock.read_text()):
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert f"elt load (PID {first.pid})" in holder
        second = project.elt("load", "pestroutes", check=False)
        line = one_line_error(second)
        assert f"elt load (PID {first.pid}) is running on this warehouse" in line
        out, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert "recorded in ops.load_runs" in out
    assert project.scalar("select count(*) from ops.load_runs where source = 'pestroutes'") == 1
    # Released with the run: a third run takes the lock.
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(handle, fcntl.LOCK_UN)
