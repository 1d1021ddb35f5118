"""Faults: every simulator injects them on demand; loads survive them or fail cleanly and catch up.

PestRoutes' own fault kinds are proven retried one by one in tests/loaders/test_retries.py; here
S3 gets the same through a fault-injecting proxy in front of moto (sandbox/service_csv/
fault_proxy.py), and the cron chain is run as cron runs it when retries run out.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.config import Config

from sandbox.offices import sandbox_offices
from sandbox.service_csv import s3 as sandbox_s3
from sandbox.service_csv.fault_proxy import FAULT_KINDS, RunningProxy, start_fault_proxy
from tests.conftest import INCREMENTAL_BUILD, REPO, Project
from tests.reliability.conftest import (
    BUCKET,
    BUILD_SCHEMAS,
    PUBLISHED_SCHEMAS,
    RAW_SCHEMAS,
    Reference,
    Sources,
    differences,
    table_checksums,
)

pytestmark = pytest.mark.slow

# The incremental line of docs/cron.example, minus flock and logging.
CRON_CHAIN = f"elt load && dbt {' '.join(INCREMENTAL_BUILD)} && elt release"


@pytest.fixture
def proxy(sources: Sources) -> Iterator[RunningProxy]:
    running = start_fault_proxy(sources.moto.endpoint_url, seed=5, fault_timeout=2.0)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _clean_sandbox(sources: Sources) -> Iterator[None]:
    yield
    sources.reset()


def cron(project: Project) -> subprocess.CompletedProcess[str]:
    """The 4-hourly chain, in a shell, exactly as the crontab line runs it (tools from PATH)."""
    completed = subprocess.run(
        ["bash", "-c", CRON_CHAIN], cwd=REPO, env=project.env, capture_output=True, text=True, timeout=900
    )
    project.log(completed)
    return completed


def test_the_s3_proxy_injects_every_fault_kind_on_demand(proxy: RunningProxy, sources: Sources) -> None:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    key = sources.files[0].key
    # No retries and a short read timeout: each fault must reach the client as a failure.
    client = boto3.client(
        "s3",
        endpoint_url=proxy.endpoint_url,
        region_name=sandbox_s3.REGION,
        aws_access_key_id=sandbox_s3.ACCESS_KEY_ID,
        aws_secret_access_key=sandbox_s3.SECRET_ACCESS_KEY,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=1, connect_timeout=1),
    )
    whole = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    for kind in FAULT_KINDS:
        proxy.plan.add(kind, method="GET", path_contains=key.rsplit("/", 1)[1])
        with pytest.raises((BotoCoreError, ClientError)) as raised:
            client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        if kind.startswith("http"):
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == int(kind[4:]), kind
        assert client.get_object(Bucket=BUCKET, Key=key)["Body"].read() == whole, "only one request fails"
    served = [entry["fault"] for entry in proxy.plan.requests() if entry["fault"]]
    assert served == list(FAULT_KINDS) and proxy.plan.pending() == []


def test_an_s3_load_through_faults_lands_what_a_clean_load_lands(
    tmp_path: Path, sources: Sources, proxy: RunningProxy, reference: Reference
) -> None:
    # One of every kind on the first downloads, then one request in six fails at random.
    for kind in FAULT_KINDS:
        proxy.plan.add(kind, method="GET", path_contains="/sr_export_")
    proxy.plan.set_rate(1 / 6, seed=11)
    project = sources.project(tmp_path, proxy.endpoint_url, s3={"max_attempts": 6, "read_timeout_seconds": 1})

    result = project.elt("load", "service_csv")

    faults = [entry["fault"] for entry in proxy.plan.requests() if entry["fault"]]
    assert set(faults) == set(FAULT_KINDS), faults
    assert "FAILED" not in result.stdout
    raw = table_checksums(project, ("raw_service_csv",))
    expected = {t: v for t, v in reference.raw.items() if t.startswith("raw_service_csv.")}
    assert not differences(raw, expected)


def test_retries_exhausted_fail_each_source_in_one_line_publish_nothing_then_catch_up(
    tmp_path: Path, sources: Sources, proxy: RunningProxy, reference: Reference
) -> None:
    fast = {"max_attempts": 3, "backoff_seconds": 0.05, "timeout_seconds": 5}
    project = sources.project(tmp_path / "fresh", proxy.endpoint_url, s3={"max_attempts": 2}, **fast)
    # South's appointments fail after a few pages; S3 answers nothing but 503s.
    sources.server.simulator.add_fault("http503", 200, office="south", endpoint="appointment", action="get")
    proxy.plan.set_rate(1.0, kinds=["http503"])

    failed = cron(project)

    assert failed.returncode != 0
    reasons = [line.strip() for line in failed.stdout.splitlines() if "FAILED" in line]
    assert reasons == [
        "FAILED south: office south appointment/get: HTTP 503 (gave up after 3 attempts)",
        f"FAILED {BUCKET}: connection error listing the bucket: ClientError: An error occurred (SlowDown) "
        "when calling the ListObjectsV2 operation: Please reduce your request rate. "
        "(gave up after 2 attempts)",
    ], failed.stdout
    assert "load failed for pestroutes, service_csv" in failed.stderr
    assert "Completed successfully" not in failed.stdout, "dbt build must not run after a failed load"
    assert table_checksums(project, PUBLISHED_SCHEMAS) == {}, "nothing published"
    # North landed whole; south kept what it finished before the failure.
    assert project.scalar("select count(distinct _office) from raw_pestroutes.appointments") == 1

    sources.reset()
    proxy.plan.clear()
    caught_up = cron(project)

    assert caught_up.returncode == 0, caught_up.stdout[-3000:] + caught_up.stderr[-3000:]
    assert not differences(table_checksums(project, RAW_SCHEMAS), reference.raw)
    assert not differences(table_checksums(project, BUILD_SCHEMAS), reference.build)
    assert not differences(table_checksums(project, PUBLISHED_SCHEMAS), reference.published)


def test_a_failed_nightly_run_leaves_the_published_release_untouched(
    tmp_path: Path, sources: Sources, proxy: RunningProxy, reference: Reference
) -> None:
    project = reference.copy(tmp_path / "released")
    project.service_csv = {**project.service_csv, "endpoint_url": proxy.endpoint_url, "max_attempts": 2}
    project.settings = {**project.settings, "max_attempts": 2, "backoff_seconds": 0.05}
    project.write_config()
    releases = project.query("select release_id, status from quality.release_history order by released_at")
    sources.server.simulator.add_fault("http502", 200, office="north")
    proxy.plan.set_rate(1.0, kinds=["drop"])

    failed = cron(project)

    assert failed.returncode != 0
    assert len([line for line in failed.stdout.splitlines() if "FAILED" in line]) == 2
    assert not differences(table_checksums(project, PUBLISHED_SCHEMAS), reference.published)
    assert project.query("select release_id, status from quality.release_history order by released_at") == (
        releases
    )


def test_the_sandbox_latency_option_slows_every_api_request(make_sandbox: Any) -> None:
    """The crash tests widen their kill windows with it: it must really hold requests back."""
    server = make_sandbox(sandbox_offices(seed=3, count=1), seed=3, scale=0.05)
    office = server.simulator.offices["north"]
    url = f"{server.office_url('north')}/customer/search"
    credentials = {"authenticationKey": office.key, "authenticationToken": office.token}

    def timed() -> float:
        started = time.perf_counter()
        requests.post(url, data=credentials, timeout=10).raise_for_status()
        return time.perf_counter() - started

    fast = timed()
    requests.post(f"{server.url}/_sandbox/latency", json={"seconds": 0.4}, timeout=10).raise_for_status()
    assert timed() >= 0.4 > fast
    requests.post(f"{server.url}/_sandbox/latency", json={"seconds": 0}, timeout=10).raise_for_status()
    assert timed() < 0.4
