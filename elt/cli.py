"""`elt`: load sources into RAW, run the local sandbox, release audited builds, show status."""

from __future__ import annotations

import functools
import importlib
import logging
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from elt import warehouse
from loaders import SOURCES
from loaders.common.errors import ConfigError, LoaderError

log = logging.getLogger("elt.cli")

SANDBOX_DIR = Path(os.environ.get("ELT_SANDBOX_DIR", warehouse.REPO_ROOT / ".sandbox"))
SECRETS_PATH = warehouse.REPO_ROOT / ".dlt" / "secrets.toml"


class UserError(click.ClickException):
    """Printed as one line `error: ...` with exit code 2, never a traceback."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        from elt.logs import redact

        click.echo(f"error: {redact(self.message)}", err=True)


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the errors a user can cause into one clear line and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sandbox.manager import SandboxError

        try:
            return func(*args, **kwargs)
        except (LoaderError, SandboxError) as exc:
            raise UserError(str(exc)) from None

    return wrapper


def _configure_logging(verbose: bool) -> None:
    from elt import logs

    logs.configure(verbose)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """ELT warehouse: dlt loaders into RAW, dbt models, a release gate before analysts see a build.

    Nightly: `make load && dbt build && make release` (ELT_TARGET picks the warehouse).
    """
    os.chdir(warehouse.REPO_ROOT)  # dlt reads .dlt/ from here; dbt reads dbt_project.yml
    _configure_logging(verbose)


@main.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("-e", "--entity", "entities", multiple=True, help="Load only this entity (repeatable).")
@click.option("-o", "--office", "offices", multiple=True, help="Load only this office (repeatable).")
@click.option("--full-refresh", is_flag=True, help="Ignore watermarks and read every record again.")
@user_errors
def load(
    sources: tuple[str, ...], entities: tuple[str, ...], offices: tuple[str, ...], full_refresh: bool
) -> None:
    """Load SOURCE(s) into their RAW schemas (default: every source).

    Incremental by watermark per office and entity; RAW keeps each distinct version once, so
    re-running a load adds nothing. Exits non-zero if any office or source failed.
    """
    chosen = list(sources) or list(SOURCES)
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown:
        raise UserError(f"unknown source {', '.join(unknown)}; known sources: {', '.join(SOURCES)}")
    warehouse.target()
    warehouse.check_available()
    click.echo(f"loading {', '.join(chosen)} into {warehouse.describe()}", err=True)
    from elt import runs as runs_module
    from elt.logs import redact
    from loaders.common.report import LoadReport

    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    selection = " ".join([*(f"--entity {e}" for e in entities), *(f"--office {o}" for o in offices)])
    runs: list[runs_module.SourceRun] = []
    stopped: LoaderError | None = None
    for name in chosen:
        module = importlib.import_module(SOURCES[name])
        if not sources and (offices or entities) and not getattr(module, "ACCEPTS_OFFICE_AND_ENTITY", True):
            # `elt load --office X` means "every source that has offices": skip the ones without.
            click.echo(f"{name}: skipped (--office/--entity do not apply to it)", err=True)
            continue
        started = datetime.now(UTC)
        try:
            report = module.load(
                offices=offices or None, entities=entities or None, full_refresh=full_refresh
            )
            error = None
        except ConfigError:
            raise  # a setup mistake found before anything ran: one error line, no run to record
        except LoaderError as exc:
            report, error, stopped = LoadReport(name), str(exc), exc
        run = runs_module.SourceRun(
            run_id, name, started, datetime.now(UTC), full_refresh, selection, report, error
        )
        runs.append(run)
        click.echo(redact(report.render()))
        click.echo(run.render())
        if stopped is not None:
            break
    _after_load(runs)
    if stopped is not None:
        raise stopped
    failed = [run.source for run in runs if run.status != "ok"]
    if failed:
        raise UserError(f"load failed for {', '.join(failed)}: see FAILED lines above; the rest was landed")


def _after_load(runs: list[Any]) -> None:
    """Judge the runs against their history, record them in `ops`, then send any alerts.

    Neither recording nor alerting can fail the load: what landed has landed.
    """
    from elt import alerts
    from elt import runs as runs_module

    if not runs:
        return
    messages: list[str] = []
    try:
        with runs_module.open_history() as history:
            messages = alerts.load_alerts(
                runs, history, alerts.Thresholds.from_config(), warehouse.describe()
            )
    except Exception:  # noqa: BLE001 - a broken history must not hide the load's own result
        log.exception("could not compare this run with past runs")
    try:
        runs_module.record(runs)
    except Exception:  # noqa: BLE001
        log.exception("could not record the run summary in %s", runs_module.DATASET)
    notifier = alerts.Notifier()
    for message in messages:
        notifier.send(message)


@main.group()
def sandbox() -> None:
    """The local simulators standing in for the real APIs (no network, no credentials)."""


@sandbox.command("up")
@click.option("--scale", default=1.0, show_default=True, help="Data volume multiplier.")
@click.option("--seed", default=42, show_default=True, help="Seed: same seed, same data.")
@click.option("--port", default=8701, show_default=True, help="Port on 127.0.0.1.")
@click.option("--offices", default=3, show_default=True, help="Number of PestRoutes offices.")
@click.option("--s3-port", default=8702, show_default=True, help="Port of the S3 sandbox (service_csv).")
@user_errors
def sandbox_up(scale: float, seed: int, port: int, offices: int, s3_port: int) -> None:
    """Start the sandbox in the background and write its credentials to .dlt/secrets.toml."""
    from sandbox import manager

    state = manager.up(
        SANDBOX_DIR,
        port=port,
        seed=seed,
        scale=scale,
        offices=offices,
        s3_port=s3_port,
        secrets_path=SECRETS_PATH,
    )
    click.echo(
        f"sandbox running at {state['url']} "
        f"(pid {state['pid']}, seed {state['seed']}, scale {state['scale']})"
    )
    if state.get("s3_url"):
        click.echo(f"S3 sandbox at {state['s3_url']} (pid {state['s3_pid']}), bucket {state['s3_bucket']}")
    for warning in state.get("warnings", []):
        click.echo(f"warning: {warning}", err=True)


@sandbox.command("down")
@user_errors
def sandbox_down() -> None:
    """Stop the sandbox this repository started."""
    from sandbox import manager

    manager.down(SANDBOX_DIR)
    click.echo("sandbox stopped")


@sandbox.command("status")
@user_errors
def sandbox_status() -> None:
    """Say whether the sandbox runs, where, and which simulated day it is."""
    from sandbox import manager

    state = manager.status(SANDBOX_DIR)
    if not state:
        raise UserError("sandbox is not running: start it with `elt sandbox up`")
    for key, value in state.items():
        click.echo(f"{key}: {value}")


@sandbox.command("tick")
@click.option("--days", default=1, show_default=True, help="Simulated days to advance.")
@user_errors
def sandbox_tick(days: int) -> None:
    """Move the simulated systems forward: new, updated and cancelled records."""
    from sandbox import manager

    result = manager.tick(SANDBOX_DIR, days=days)
    click.echo(f"sandbox advanced {days} day(s): {result}")


@main.command()
@user_errors
def release() -> None:
    """Validate the audit build with the GX checkpoints; publish it only if every check passes."""
    from elt import release as release_module
    from elt.logs import redact

    warehouse.check_available()
    outcome = release_module.run_release()
    click.echo(redact(outcome.render()))
    if not outcome.published:
        from elt import alerts

        alerts.Notifier().send(
            alerts.release_alert(
                outcome.release_id,
                outcome.checks_passed,
                outcome.checks_total,
                outcome.failures(),
                warehouse.describe(),
            )
        )
        raise UserError("release blocked: the previous release is still what analysts read")


@main.command()
@click.option("-n", "--last", default=10, show_default=True, help="How many past runs and releases.")
@user_errors
def status(last: int) -> None:
    """Show the last runs, freshness per source and the current release."""
    from elt import status as status_module
    from elt.logs import redact

    warehouse.check_available()
    click.echo(redact(status_module.render_status(last=last)))


@main.command()
@user_errors
def docs() -> None:
    """Build the dbt docs site and the GX data docs; print where they are."""
    from elt import docs as docs_module

    for line in docs_module.build_docs():
        click.echo(line)


if __name__ == "__main__":
    main()
