"""Alerts reach a Slack-compatible webhook: failures, budgets, volume, duration, blocked releases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.offices import sandbox_offices
from tests.conftest import Project, make_project
from tests.ops.conftest import Webhook

ENTITIES = ("--entity", "customer", "--entity", "appointment", "--entity", "region")


def with_webhook(project: Project, webhook: Webhook, **thresholds: Any) -> Project:
    project.extra_env = {
        "ELT_ALERT_WEBHOOK_URL": webhook.url,
        **{f"ALERTS__{k.upper()}": str(v) for k, v in thresholds.items()},
    }
    return project


def test_failure_budget_and_blocked_release_alerts(
    tmp_path: Path, make_sandbox: Any, webhook: Webhook
) -> None:
    offices = sandbox_offices(seed=23, count=2)
    server = make_sandbox(offices, seed=23, scale=0.1)
    project = with_webhook(make_project(tmp_path, server, offices), webhook)
    project.office_overrides = {"north": {"reads_per_day": 5}}
    project.write_config()

    result = project.elt("load", "pestroutes", *ENTITIES, check=False)

    assert result.returncode == 2
    assert len(webhook.posts) == 2, webhook.texts
    failure, budget = webhook.texts
    assert "1 source(s) failed" in failure
    failing = [line for line in failure.splitlines() if line.startswith("- ")]
    assert failing == [
        "- pestroutes partial: north: office north: daily read budget of 5 calls is spent; "
        "the next run resumes from the last completed watermark"
    ]
    assert "daily read budget exhausted" in budget
    assert budget.splitlines()[1:] == ["- pestroutes north: 5/5 reads"]

    # No dbt build ran, so the audit build is missing: the release is blocked, and says so
    # (nothing was ever published: no "previous release" to keep reading).
    release = project.elt("release", check=False)
    assert release.returncode == 2
    assert (
        release.stderr.strip()
        .splitlines()[-1]
        .startswith("error: release blocked: nothing has been published yet")
    )
    assert "NOT published: nothing has been published yet" in release.stdout
    blocked = webhook.texts[-1]
    assert len(webhook.posts) == 3
    assert "BLOCKED" in blocked and "nothing has been published yet" in blocked
    assert "not in the audit build" in blocked


def test_a_failing_webhook_is_logged_once_and_never_fails_the_load(
    tmp_path: Path, make_sandbox: Any, failing_webhook: Webhook
) -> None:
    offices = sandbox_offices(seed=23, count=2)
    server = make_sandbox(offices, seed=23, scale=0.1)
    project = with_webhook(make_project(tmp_path, server, offices), failing_webhook)
    project.office_overrides = {"north": {"reads_per_day": 5}}
    project.write_config()

    result = project.elt("load", "pestroutes", *ENTITIES, check=False)

    # Same outcome as with a working webhook: south landed, the run is recorded, exit 2 for north.
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: load failed for pestroutes")
    assert project.scalar("select count(*) from raw_pestroutes.customers where _office = 'south'") > 0
    assert project.scalar("select status from ops.load_runs") == "partial"
    assert len(failing_webhook.posts) == 1, "after the first failure the other alerts are only logged"
    assert result.stderr.count("alert webhook failed") == 1
    assert failing_webhook.url not in result.stderr


def test_steady_runs_send_nothing_then_volume_and_duration_anomalies_alert(
    tmp_path: Path, make_sandbox: Any, webhook: Webhook
) -> None:
    offices = sandbox_offices(seed=29, count=1)
    server = make_sandbox(offices, seed=29, scale=0.3, fault_timeout=30)
    project = make_project(tmp_path, server, offices, timeout_seconds=4, backoff_seconds=0.1)
    with_webhook(
        project,
        webhook,
        volume_min_history=3,
        volume_min_rows=5,
        duration_min_history=3,
        duration_ratio=2,
        duration_min_seconds=6,
    )
    project.write_config()

    # An initial load and three increments of five simulated days: nothing unusual, nothing sent.
    project.elt("load", "pestroutes", *ENTITIES)
    for _ in range(3):
        server.simulator.tick(5)
        project.elt("load", "pestroutes", *ENTITIES)
    assert webhook.posts == []
    assert project.scalar("select count(*) from ops.load_runs where status = 'ok'") == 4

    # No new day (so the incremental entities land nothing) and a stalling API (three customer
    # calls in a row time out after 4 s each before a retry succeeds): both anomalies are reported.
    server.simulator.add_fault("timeout", count=3, office="north", endpoint="customer")
    project.elt("load", "pestroutes", *ENTITIES)

    texts = webhook.texts
    assert len(texts) == 2, texts
    volume, duration = texts
    assert volume.startswith(f"elt load on {project.target}") and "volume anomaly" in volume
    flagged = {line.split(":")[0] for line in volume.splitlines()[1:]}
    assert flagged == {"- pestroutes north customers", "- pestroutes north appointments"}
    assert "landed 0 rows, median" in volume
    assert "regions" not in volume  # read whole every time: the same count each run
    assert "run took far longer than usual" in duration
    assert duration.splitlines()[1].startswith("- pestroutes: ")
