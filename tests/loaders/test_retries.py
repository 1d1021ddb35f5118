"""Transient faults are retried until the load lands exactly what a clean load lands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import requests

from loaders.pestroutes.settings import ENTITIES
from sandbox.offices import sandbox_offices
from tests.conftest import Project, make_project

FAULTS = ["http500", "http502", "http503", "http429", "success_false", "truncated", "drop", "timeout"]


def landed_versions(project: Project) -> set[tuple[str, str, str, str]]:
    rows: set[tuple[str, str, str, str]] = set()
    for entity in ENTITIES:
        rows |= {
            (entity.table, *r)
            for r in project.query(
                f"select _office, _record_id, _record_hash from raw_pestroutes.{entity.table}"
            )
        }
    return rows


def test_faults_are_retried_and_change_nothing(tmp_path: Path, make_sandbox: Any) -> None:
    offices = sandbox_offices(seed=21, count=2)
    server = make_sandbox(offices, seed=21, scale=0.2, fault_timeout=3.0)
    # Offices load entities concurrently, so one request may meet several queued faults in a row.
    settings = {"max_attempts": len(FAULTS) + 1, "backoff_seconds": 0.05, "timeout_seconds": 1.5}
    clean = make_project(tmp_path / "clean", server, offices, **settings)
    clean.elt("load")

    for kind in FAULTS:
        # Every kind twice, spread over both offices and over searches and gets.
        for office in ("north", "south"):
            requests.post(
                f"{server.url}/_sandbox/faults", json={"office": office, "kind": kind, "count": 1}, timeout=10
            ).raise_for_status()
    faulty = make_project(tmp_path / "faulty", server, offices, **settings)
    output = faulty.elt("load").stdout

    assert requests.get(f"{server.url}/_sandbox/faults", timeout=10).json() == [], "every fault was served"
    retries = int(output.split(" retries")[0].rsplit(", ", 1)[1])
    assert retries >= 2 * len(FAULTS)
    assert landed_versions(faulty) == landed_versions(clean)


def test_retries_exhausted_fail_the_office_with_one_line(tmp_path: Path, make_sandbox: Any) -> None:
    offices = sandbox_offices(seed=21, count=2)
    server = make_sandbox(offices, seed=21, scale=0.2)
    requests.post(
        f"{server.url}/_sandbox/faults", json={"office": "south", "kind": "http503", "count": 50}, timeout=10
    ).raise_for_status()
    project = make_project(tmp_path, server, offices, max_attempts=3, backoff_seconds=0.05)

    result = project.elt("load", check=False)

    assert result.returncode == 2
    # Entities load concurrently, so whichever call met the faults first names the failure.
    assert re.search(
        r"FAILED south: office south \w+/search: HTTP 503 \(gave up after 3 attempts\)", result.stdout
    )
    assert project.scalar("select count(distinct _office) from raw_pestroutes.customers") == 1
