"""The sandbox framework: the registry, one server for every simulator, and where loaders find them."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from sandbox import manager, registry
from sandbox.framework import ExternalSpec, FaultQueue, MountedSpec, RequestLog, SandboxError
from sandbox.incidents.workspaces import WORKSPACE_NAMES, workspace_key
from sandbox.offices import sandbox_offices
from sandbox.server import start_sandbox_server

pytestmark = pytest.mark.no_warehouse

SEED = 42
SANDBOX_DIR = Path(__file__).resolve().parents[2] / "sandbox"
# The AI tool simulators (issue 19): mounted in the server, after the older ones.
AI_TOOLS = ["litellm", "copilot", "cursor", "anthropic", "openai", "windsurf", "augment"]
MOUNTED = ["pestroutes", "incidents", "ecommerce", "qqcatalyst", *AI_TOOLS]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------


def test_every_simulator_is_registered_with_a_package_of_its_own() -> None:
    assert registry.names() == [
        "pestroutes",
        "incidents",
        "ecommerce",
        "qqcatalyst",
        "service_csv",
        "app_db",
        *AI_TOOLS,
    ]
    for spec in registry.SIMULATORS:
        assert isinstance(spec, MountedSpec | ExternalSpec)
        assert (SANDBOX_DIR / spec.name / "__init__.py").exists()
    assert [s.name for s in registry.external()] == ["service_csv", "app_db"]


def test_no_simulator_imports_the_server_back() -> None:
    # sandbox/server.py mounts simulators through the registry; a simulator that imported the
    # server would make the import circle the framework exists to remove.
    imports_server = re.compile(
        r"^\s*(from sandbox\.server |from sandbox import .*\bserver\b|import sandbox\.server)", re.M
    )
    for path in SANDBOX_DIR.glob("*/*.py"):
        assert not imports_server.search(path.read_text()), path
    shared = [p for p in SANDBOX_DIR.glob("*.py") if p.name not in ("registry.py",)]
    simulators = "|".join(registry.names())
    for path in shared:
        assert not re.search(rf"^\s*(from|import) sandbox\.({simulators})\b", path.read_text(), re.M), path


def test_settings_take_defaults_and_typed_overrides() -> None:
    settings = registry.resolve_settings(
        registry.parse_assignments(["pestroutes.offices=5", "incidents.fault_timeout=2"])
    )
    assert settings["pestroutes"]["offices"] == 5 and settings["pestroutes"]["search_cap"] == 50_000
    assert settings["incidents"]["fault_timeout"] == 2.0 and settings["service_csv"]["port"] == 8702
    for bad, message in (
        ({"nope.x": "1"}, "unknown simulator 'nope'"),
        ({"pestroutes.colour": "1"}, "pestroutes takes: pestroutes.offices"),
        ({"pestroutes.offices": "many"}, "expected int"),
        ({"pestroutes.offices": "0"}, "at least 1"),
    ):
        with pytest.raises(SandboxError, match=message):
            registry.resolve_settings(bad)
    with pytest.raises(SandboxError, match="--set takes"):
        registry.parse_assignments(["offices=5"])


# --------------------------------------------------------------------------------------------
# One server, every mounted simulator
# --------------------------------------------------------------------------------------------


def test_a_queued_fault_hits_only_the_requests_it_matches_and_only_count_times() -> None:
    faults = FaultQueue(("http503", "drop"), ("office", "endpoint"))
    faults.add("http503", 2, office="north")  # any endpoint of north
    faults.add("drop", 1, endpoint="customer")  # customer of any office

    assert faults.take(office="south", endpoint="ticket") is None
    assert faults.take(office="north", endpoint="customer") == "http503"  # the first rule first
    assert faults.take(office="south", endpoint="customer") == "drop"
    assert faults.pending() == [{"kind": "http503", "remaining": 1, "office": "north", "endpoint": None}]
    assert faults.take(office="north", endpoint="ticket") == "http503"
    assert faults.take(office="north", endpoint="ticket") is None and faults.pending() == []
    with pytest.raises(ValueError, match="unknown fault kind 'http418'"):
        faults.add("http418")
    with pytest.raises(ValueError, match="matches on office, endpoint, not workspace"):
        faults.add("drop", workspace="platform")


def test_the_request_log_filters_on_any_field_and_keeps_the_last_entries() -> None:
    log = RequestLog(size=3)
    for number, office in enumerate(("north", "south", "north", "north")):
        log.record(office=office, number=number)
    assert [e["number"] for e in log.entries()] == [1, 2, 3]  # the oldest fell out
    assert [e["number"] for e in log.entries(office="north")] == [2, 3]
    assert [e["number"] for e in log.entries(office=None)] == [1, 2, 3]
    log.clear()
    assert log.entries() == []


def test_in_process_server_mounts_every_registered_simulator() -> None:
    server = start_sandbox_server(seed=SEED, scale=0.05, offices=1, incidents={"requests_per_minute": 50})
    try:
        assert list(server.simulators) == MOUNTED
        assert server.simulator is server.pestroutes and server.incidents.keys["support"]
        assert server.office_url("north") == f"{server.url}/pestroutes/north/api"
        assert server.scope_url("incidents", "payments") == f"{server.url}/incidents"
        assert {w["requests_per_minute"] for w in server.incidents.state()["workspaces"]} == {50}

        health = requests.get(f"{server.url}/_sandbox/health", timeout=10).json()
        assert health["sources"] == MOUNTED and health["day"] == 0
        # Each simulator's admin routes under its name; the first one's also without it.
        queued = {"kind": "http503", "workspace": "platform"}
        assert requests.post(f"{server.url}/_sandbox/incidents/faults", json=queued, timeout=10).ok
        assert (
            requests.get(f"{server.url}/_sandbox/incidents/faults", timeout=10).json()[0]["kind"] == "http503"
        )
        assert requests.get(f"{server.url}/_sandbox/faults", timeout=10).json() == []
        assert requests.get(f"{server.url}/_sandbox/pestroutes/faults", timeout=10).json() == []
        assert requests.post(f"{server.url}/_sandbox/incidents/tick", timeout=10).status_code == 400

        tick = requests.post(f"{server.url}/_sandbox/tick", json={"days": 2}, timeout=60).json()
        assert tick["day"] == 2 and set(tick["simulators"]) == set(MOUNTED)
        assert "changes" in tick  # the first simulator's result, where older callers read it
        assert server.pestroutes.day == server.incidents.day == 2
        state = requests.get(f"{server.url}/_sandbox/state", timeout=10).json()
        assert state["day"] == 2 and set(state["simulators"]) == set(MOUNTED)
        assert {server.simulators[tool].day for tool in AI_TOOLS} == {2}
        assert requests.get(f"{server.url}/nope/x", timeout=10).status_code == 404
    finally:
        server.stop()


def test_in_process_server_mounts_only_the_simulators_asked_for() -> None:
    server = start_sandbox_server(seed=SEED, scale=0.05, simulators=("incidents",))
    try:
        assert list(server.simulators) == ["incidents"] and server.simulator is server.incidents
        assert requests.get(f"{server.url}/pestroutes/north/api/region/search", timeout=10).status_code == 404
        with pytest.raises(AttributeError, match="simulators: incidents"):
            _ = server.pestroutes
    finally:
        server.stop()
    with pytest.raises(SandboxError, match="its own process"):
        start_sandbox_server(simulators=("service_csv",))


# --------------------------------------------------------------------------------------------
# Where the loaders find the sandbox
# --------------------------------------------------------------------------------------------


def test_every_simulator_writes_its_own_sections() -> None:
    state = {"url": "http://127.0.0.1:9999", "seed": SEED, "scale": 1.0,
             "simulators": ["pestroutes", "incidents"], "enabled": ["pestroutes", "incidents"]}  # fmt: skip
    sections = manager.loader_sections(state)
    office = sandbox_offices(SEED, 1)[0]
    assert (
        sections["sources.pestroutes.offices.north"]["base_url"]
        == "http://127.0.0.1:9999/pestroutes/north/api"
    )
    assert sections["sources.pestroutes.offices.north"]["authentication_key"] == office.key
    assert sections["sources.incidents"] == {"base_url": "http://127.0.0.1:9999/incidents"}
    for workspace in WORKSPACE_NAMES:
        assert sections[f"sources.incidents.workspaces.{workspace}"] == {
            "api_key": workspace_key(SEED, workspace)
        }
    assert "sources.service_csv" not in sections  # not enabled


@pytest.mark.slow
def test_up_on_another_port_points_the_loaders_there(tmp_path: Path) -> None:
    """Issue 15: `up --port P` used to leave the loaders on the committed 8701/8702."""
    project = tmp_path / "project"
    (project / ".dlt").mkdir(parents=True)
    committed = Path(__file__).resolve().parents[2] / ".dlt" / "config.toml"
    (project / ".dlt" / "config.toml").write_text(committed.read_text())  # still says 8701 and 8702
    secrets = project / ".dlt" / "secrets.toml"
    port, s3_port = _free_port(), _free_port()
    state_dir = tmp_path / ".sandbox"
    started = manager.up(
        state_dir, port=port, scale=0.05, settings={"service_csv.port": s3_port}, secrets_path=secrets
    )
    try:
        assert started["warnings"] == [] and started["secrets_path"] == str(secrets)
        assert started["simulators"] == [*MOUNTED, "service_csv", "app_db"]  # the server's, then their own
        text = secrets.read_text()
        assert text.splitlines()[0] == manager.SECRETS_MARKER
        assert f'base_url = "http://127.0.0.1:{port}/pestroutes/north/api"' in text
        assert f'[sources.incidents]\nbase_url = "http://127.0.0.1:{port}/incidents"' in text
        assert f'endpoint_url = "http://127.0.0.1:{s3_port}"' in text
        assert ":8701" not in text and ":8702" not in text

        # dlt's own resolution, as a loader sees it: secrets.toml wins over config.toml.
        probe = (
            "import dlt, json; print(json.dumps({"
            "'north': dlt.config['sources.pestroutes.offices.north.base_url'],"
            "'incidents': dlt.config['sources.incidents.base_url'],"
            "'support_key': dlt.secrets['sources.incidents.workspaces.support.api_key'],"
            "'s3': dlt.config['sources.service_csv.endpoint_url'],"
            "'app_db': dlt.secrets['sources.app_db.databases.app.credentials'],"
            "'offices': sorted(dlt.config['sources.pestroutes.offices'])}))"
        )
        env = {"DLT_PROJECT_DIR": str(project), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        output = subprocess.run(
            [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
        ).stdout
        resolved = json.loads(output.strip().splitlines()[-1])
        assert resolved == {
            "north": f"http://127.0.0.1:{port}/pestroutes/north/api",
            "incidents": f"http://127.0.0.1:{port}/incidents",
            "support_key": workspace_key(SEED, "support"),
            "s3": f"http://127.0.0.1:{s3_port}",
            "app_db": f"sqlite:///{state_dir.resolve() / 'app_db.sqlite'}",
            "offices": ["east", "north", "south"],
        }

        key = workspace_key(SEED, "platform")
        answer = requests.get(
            f"{resolved['incidents']}/v2/incidents", headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        assert answer.status_code == 200 and "pagination_meta" in answer.json()
        ticked = manager.tick(state_dir)
        assert set(ticked["simulators"]) == set(registry.names())
        assert ticked["service_csv_files"] >= 1 and ticked["app_db_day"] == 1
    finally:
        manager.down(state_dir)
    assert manager.status(state_dir) is None
    assert not manager._alive(started["s3_pid"], b"moto.server")


def test_cli_lists_simulators_and_rejects_unknown_settings(tmp_path: Path, monkeypatch) -> None:
    from elt import cli

    monkeypatch.setattr(cli, "SANDBOX_DIR", tmp_path / ".sandbox")
    monkeypatch.setattr(cli, "SECRETS_PATH", tmp_path / ".dlt" / "secrets.toml")
    runner = CliRunner()
    listed = runner.invoke(cli.main, ["sandbox", "list"])
    assert listed.exit_code == 0 and "--set incidents.requests_per_minute=<int>" in listed.output
    rejected = runner.invoke(cli.main, ["sandbox", "up", "--set", "nope.x=1"])
    assert rejected.exit_code == 2 and "unknown simulator 'nope'" in rejected.output
    assert not (tmp_path / ".sandbox").exists()
