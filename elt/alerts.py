"""Alerts to a Slack-compatible webhook (`{"text": ...}`) after loads and releases.

The URL is a secret: `[alerts] webhook_url` in `.dlt/secrets.toml`, or `ELT_ALERT_WEBHOOK_URL`
(which wins). Without one, nothing is sent. Alerts go out on: a failed source (one line per
source), a daily read budget exhausted, a volume anomaly (rows landed for a scope and entity far
from the median of its recent successful runs), a run much longer than its recent median, and a
blocked release. Thresholds live in `[alerts]` in `.dlt/config.toml` (see `Thresholds`). A
webhook that cannot be reached is logged once and never fails the command.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields
from typing import Any

import requests

from elt.logs import redact
from elt.runs import History, SourceRun, median

log = logging.getLogger(__name__)


@dataclass
class Thresholds:
    # Volume: compare rows landed with the median of the last `volume_window` successful runs of
    # the same scope and entity (the median, so a first backfill or one odd run does not skew it).
    volume_window: int = 7
    volume_min_history: int = 3  # fewer past runs than this: no volume alert yet
    volume_ratio: float = 5.0  # "far": more than ratio x the median, or less than median / ratio
    volume_min_rows: int = 50  # entities whose median is below this are too small to judge
    # Duration: compare with the median of the last `duration_window` successful runs.
    duration_window: int = 7
    duration_min_history: int = 3
    duration_ratio: float = 3.0
    duration_min_seconds: float = 60.0  # and at least this many seconds longer than the median

    @classmethod
    def from_config(cls) -> Thresholds:
        import dlt

        values: dict[str, Any] = {}
        for f in fields(cls):
            try:
                value = dlt.config[f"alerts.{f.name}"]
            except KeyError:
                value = None
            if value is not None:
                values[f.name] = type(f.default)(value)
        return cls(**values)


def webhook_url() -> str | None:
    url = os.environ.get("ELT_ALERT_WEBHOOK_URL")
    if url:
        return url
    import dlt

    try:
        value = dlt.secrets["alerts.webhook_url"]
    except KeyError:
        return None
    return str(value) if value else None


class Notifier:
    """Posts alerts; after the first delivery failure it logs once and stops trying."""

    def __init__(self, url: str | None = None, timeout: float = 10.0) -> None:
        self.url = url if url is not None else webhook_url()
        self.timeout = timeout
        self.sent: list[str] = []
        self._broken = False

    def send(self, text: str) -> None:
        text = redact(text)
        log.warning("alert: %s", text)
        if not self.url or self._broken:
            return
        try:
            response = requests.post(self.url, json={"text": text}, timeout=self.timeout)
            response.raise_for_status()
            self.sent.append(text)
        except requests.RequestException as error:
            self._broken = True
            status = getattr(getattr(error, "response", None), "status_code", None)
            # Never the URL itself: it is a secret (Slack's holds the token).
            log.error(
                "alert webhook failed (%s%s); further alerts of this run are only logged",
                type(error).__name__,
                f", HTTP {status}" if status else "",
            )


def load_alerts(runs: list[SourceRun], history: History, limits: Thresholds, target: str) -> list[str]:
    """The alert messages one `elt load` raises, judged against the runs before it."""
    messages: list[str] = []
    failed = [run for run in runs if run.status != "ok"]
    if failed:
        lines = [f"- {run.source} {run.status}: " + "; ".join(run.failure_lines())[:600] for run in failed]
        messages.append(
            f"elt load on {target}: {len(failed)} source(s) failed (run {runs[0].run_id})\n"
            + "\n".join(lines)
        )
    # Problems that did not fail the run but make its data incomplete (a key that cannot see
    # private incidents, a quarantined file): alerted on every run until someone acts.
    warned = [
        f"- {run.source} {scope}: {message}"[:600]
        for run in runs
        for scope, message in sorted(run.report.warnings.items())
    ]
    if warned:
        messages.append(f"elt load on {target}: incomplete data (run {runs[0].run_id})\n" + "\n".join(warned))
    exhausted = [
        f"- {run.source} {scope}: {s.reads_used_today}/{s.reads_per_day} reads"
        for run in runs
        for scope, s in sorted(run.scope_stats().items())
        if s.budget_exhausted or "daily read" in run.report.failures.get(scope, "").lower()
    ]
    if exhausted:
        messages.append(
            f"elt load on {target}: daily read budget exhausted; those scopes resume on the next run\n"
            + "\n".join(exhausted)
        )
    anomalies = []
    for run in runs:
        if run.status == "failed":
            continue
        past = history.landed(run.source, run.full_refresh, limits.volume_window)
        for (scope, entity), result in sorted(run.report.results.items()):
            values = past.get((scope, entity), [])
            if not result.status.startswith("ok") or len(values) < limits.volume_min_history:
                continue
            typical = median([float(v) for v in values])
            if typical < limits.volume_min_rows:
                continue
            if result.landed > typical * limits.volume_ratio or result.landed < typical / limits.volume_ratio:
                anomalies.append(
                    f"- {run.source} {scope} {entity}: landed {result.landed} rows, "
                    f"median {typical:.0f} over the last {len(values)} successful runs"
                )
    if anomalies:
        messages.append(f"elt load on {target}: volume anomaly\n" + "\n".join(anomalies))
    slow = []
    for run in runs:
        past = history.durations(run.source, run.full_refresh, limits.duration_window)
        if len(past) < limits.duration_min_history:
            continue
        typical = median(past)
        took = run.duration_seconds
        if took > typical * limits.duration_ratio and took - typical >= limits.duration_min_seconds:
            slow.append(
                f"- {run.source}: {took:.1f}s, median {typical:.1f}s "
                f"over the last {len(past)} successful runs"
            )
    if slow:
        messages.append(f"elt load on {target}: run took far longer than usual\n" + "\n".join(slow))
    return messages


def release_alert(
    release_id: str, passed: int, total: int, failures: list[str], target: str, previous_release: str = ""
) -> str:
    shown = "\n".join(f"- {f}" for f in failures[:10])
    more = f"\n- ... and {len(failures) - 10} more" if len(failures) > 10 else ""
    kept = (
        f"analysts keep reading release {previous_release}"
        if previous_release
        else "nothing has been published yet: analysts have no release to read"
    )
    head = f"elt release {release_id} on {target} BLOCKED ({passed}/{total} checks passed); {kept}"
    return f"{head}\n{shown}{more}"
