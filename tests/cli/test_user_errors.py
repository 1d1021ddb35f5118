"""A user's mistake gets one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import duckdb

from sandbox.offices import sandbox_offices
from tests.conftest import Project


def one_line_error(result: Any) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ")
    return last


def offline_project(tmp_path: Path) -> Project:
    """A PestRoutes project configured for a sandbox that is not running (port 9 discards)."""
    project = Project(
        tmp_path, "http://127.0.0.1:9", sandbox_offices(seed=1, count=2), sources=("pestroutes",)
    )
    project.write_config()
    return project


def test_unknown_source(tmp_path: Path) -> None:
    line = one_line_error(offline_project(tmp_path).elt("load", "salesforce", check=False))
    known = "pestroutes, service_csv, incidents, ecommerce, app_db, qqcatalyst, ai_tools"
    assert line == f"error: unknown source salesforce; known sources: {known}"


def test_unknown_entity_and_office(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    assert "unknown pestroutes entity invoices" in one_line_error(
        project.elt("load", "pestroutes", "--entity", "invoices", check=False)
    )
    assert "unknown pestroutes office west; configured: north, south" in one_line_error(
        project.elt("load", "pestroutes", "--office", "west", check=False)
    )


def test_missing_credential_names_the_key_and_where_to_put_it(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    secrets = (tmp_path / ".dlt" / "secrets.toml").read_text()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        secrets.replace("authentication_token", "auth_token_typo")
    )
    line = one_line_error(project.elt("load", check=False))
    assert "missing credential `sources.pestroutes.offices.north.authentication_token`" in line
    assert "SOURCES__PESTROUTES__OFFICES__NORTH__AUTHENTICATION_TOKEN" in line


def test_unreachable_api_fails_after_retries_with_one_line(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    (tmp_path / ".dlt" / "config.toml").write_text(
        (tmp_path / ".dlt" / "config.toml")
        .read_text()
        .replace("[sources.pestroutes]", "[sources.pestroutes]\nmax_attempts = 2\nbackoff_seconds = 0.1")
    )
    result = project.elt("load", "--entity", "region", check=False)
    # Nothing listens: one FAILED line per office, no retry chatter, and no claim that anything
    # landed.
    assert "connection refused" in result.stdout
    assert len([line for line in result.stdout.splitlines() if "FAILED" in line]) == 2
    assert "retry" not in result.stderr
    line = one_line_error(result)
    assert line.startswith("error: load failed for pestroutes") and "nothing was landed" in line


def test_locked_or_unreachable_warehouse(tmp_path: Path) -> None:
    """DuckDB: another process holds the file. PostgreSQL: nothing listens where ELT_PG_* point."""
    project = offline_project(tmp_path)
    if project.target == "duckdb":
        with duckdb.connect(str(project.warehouse)):
            line = one_line_error(project.elt("load", check=False))
        assert "is locked by another process" in line
        return
    with socket.socket() as closed:  # a port that was free a moment ago: connection refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    project.postgres = {**project.postgres, "ELT_PG_PORT": str(port)}
    for command in (["load"], ["release"], ["status"]):
        line = one_line_error(project.elt(*command, check=False))
        assert f"cannot connect to PostgreSQL at 127.0.0.1:{port}" in line, command
        assert project.postgres["ELT_PG_PASSWORD"] not in line


def test_sandbox_not_running(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    env_dir = str(tmp_path / "no-sandbox")
    project.extra_env = {"ELT_SANDBOX_DIR": env_dir}
    line = one_line_error(project.elt("sandbox", "tick", check=False))
    assert "sandbox is not running" in line and "elt sandbox up" in line


def test_every_command_has_help(tmp_path: Path) -> None:
    project = offline_project(tmp_path)
    for command in (
        ["--help"],
        ["load", "--help"],
        ["sandbox", "--help"],
        ["sandbox", "up", "--help"],
        ["sandbox", "tick", "--help"],
        ["release", "--help"],
        ["status", "--help"],
        ["docs", "--help"],
    ):
        result = project.elt(*command)
        assert "Usage:" in result.stdout and len(result.stdout.splitlines()) > 3, command


def test_dbt_build_before_any_load_says_to_load_first(tmp_path: Path) -> None:
    project = offline_project(tmp_path)

    result = project.dbt("build", check=False)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "holds no RAW data yet" in output and "run `elt load` (or `make load`) first" in output
    assert "Catalog Error" not in output and "does not exist" not in output
    assert len(output.splitlines()) < 40, output


def test_elt_sources_switches_the_other_sources_off_and_a_typo_is_one_line(tmp_path: Path) -> None:
    """ELT_SOURCES names the sources a deployment runs: `elt load` loads only those (and refuses
    another by name), dbt builds only their models; an unknown name is one line from both,
    never a source silently switched off."""
    project = offline_project(tmp_path)
    incidents_only = {"ELT_SOURCES": "incidents"}
    line = one_line_error(project.elt("load", "pestroutes", check=False, env=incidents_only))
    assert line.startswith("error: pestroutes is switched off in this deployment (ELT_SOURCES=incidents)")
    typo = {"ELT_SOURCES": "incidents, quickbooks"}
    line = one_line_error(project.elt("load", check=False, env=typo))
    assert line == (
        "error: ELT_SOURCES names unknown source quickbooks; known sources: "
        "pestroutes, service_csv, incidents, ecommerce, app_db, qqcatalyst, ai_tools"
    )

    models = project.run(
        "dbt", "ls", "--resource-type", "model", "--output", "path", "-q", env=incidents_only
    ).stdout
    paths = sorted(line for line in models.splitlines() if line.strip())
    assert paths and all("/incident" in path for path in paths), paths
    # dbt stops on the name as it reads the project, whatever the command: one line.
    project._parse_reused = True  # no shared parse for a value dbt refuses
    listed = project.run("dbt", "ls", "-q", check=False, env=typo)
    assert listed.returncode != 0
    assert "ELT_SOURCES names unknown source quickbooks; known sources: pestroutes" in listed.stdout
