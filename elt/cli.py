"""`elt`: load sources into RAW, run the local sandbox, release audited builds, show status."""

from __future__ import annotations

import functools
import logging
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from loaders.common import warehouse
from loaders.common.errors import ConfigError, EltError, LoaderError

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
        from dlt.common.configuration.providers.toml import TomlProviderReadException

        from loaders.common.config import toml_error_line
        from sandbox.manager import SandboxError

        try:
            return func(*args, **kwargs)
        except (EltError, SandboxError) as exc:
            raise UserError(str(exc)) from None
        except TomlProviderReadException as exc:  # a .dlt/*.toml dlt cannot parse, read anywhere
            raise UserError(toml_error_line(exc)) from None

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
    _report_progress()


def _report_progress() -> None:
    """Long steps (loads, the release's checks, dbt's docs) report progress through logging:
    JSON lines in a cron log, text on a terminal, redacted; every ELT_PROGRESS_SECONDS (10)."""
    from loaders.common import report as report_module

    raw = os.environ.get("ELT_PROGRESS_SECONDS", "").strip()
    try:
        interval = float(raw) if raw else None
    except ValueError:
        raise click.UsageError(f"ELT_PROGRESS_SECONDS must be a number of seconds, got {raw!r}") from None
    report_module.set_progress_sink(logging.getLogger("elt.progress").info, interval)


@main.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option(
    "-s",
    "--scope",
    "-o",
    "--office",
    "scopes",
    multiple=True,
    help="Load only this scope: an office, workspace, bucket ... (repeatable; --office is PestRoutes' name).",
)
@click.option("-e", "--entity", "entities", multiple=True, help="Load only this entity (repeatable).")
@click.option("--full-refresh", is_flag=True, help="Ignore watermarks and read every record again.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Read this past range of dates again, from this day (YYYY-MM-DD; sources with date windows).",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Read up to this day (YYYY-MM-DD; default today; sources with date windows).",
)
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Exit 0 when a failure is confined to some scopes or sources and the rest landed "
    "(the failures are still printed, recorded and alerted): for cron chains.",
)
@user_errors
def load(
    sources: tuple[str, ...],
    scopes: tuple[str, ...],
    entities: tuple[str, ...],
    full_refresh: bool,
    since: datetime | None,
    until: datetime | None,
    allow_partial: bool,
) -> None:
    """Load SOURCE(s) into their RAW schemas (default: every source ELT_SOURCES names, or all).

    Incremental by watermark per scope and entity; RAW keeps each distinct version once, so
    re-running a load adds nothing. --since/--until read a past range of dates again (sources
    that read in date windows; without a source named, those sources). Exit 2 when the run
    failed as a whole (configuration, the warehouse, nothing landed) or, without
    --allow-partial, when any scope or source failed.
    """
    from loaders.common.config import check_readable
    from loaders.registry import SOURCES

    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise UserError(f"unknown source {', '.join(unknown)}; known sources: {', '.join(SOURCES)}")
    check_readable()
    dates = (since.date() if since else None, until.date() if until else None)
    chosen = _sources_for(list(sources), scopes, entities, dated=any(dates))
    for source in chosen:
        source.check_dates(*dates)
    warehouse.target()
    with warehouse.run_lock("elt load"):
        warehouse.check_available()
        click.echo(f"loading {', '.join(s.name for s in chosen)} into {warehouse.describe()}", err=True)
        _load(chosen, scopes, entities, full_refresh, allow_partial, dates)


def _sources_for(
    named: list[str], scopes: tuple[str, ...], entities: tuple[str, ...], dated: bool = False
) -> list[Any]:
    """The sources a load covers: those named, else every enabled source (ELT_SOURCES); with
    --scope/--entity (or --since/--until) and no source named, the enabled sources that know
    that scope or entity (or read in date windows): `elt load --office north`. A source
    ELT_SOURCES leaves out is never loaded: dbt would not build it."""
    from loaders.registry import ENABLED_ENV_VAR, SOURCES, enabled_sources

    enabled = enabled_sources()
    off = [name for name in named if name not in enabled]
    if off:
        raise UserError(
            f"{', '.join(off)} is switched off in this deployment ({ENABLED_ENV_VAR}={', '.join(enabled)}): "
            f"add it to {ENABLED_ENV_VAR} to load and build it"
        )
    if named:
        return [SOURCES[name] for name in named]
    if not scopes and not entities and not dated:
        return list(enabled.values())
    matching = [
        source
        for source in enabled.values()
        if all(e in source.entities or e in source.entity_aliases for e in entities)
        and (not scopes or set(scopes) <= set(source.configured_scopes()))
        and (not dated or source.date_windows)
    ]
    if not matching:
        wanted = " ".join(
            [
                *(f"--scope {s}" for s in scopes),
                *(f"--entity {e}" for e in entities),
                *(["--since/--until"] if dated else []),
            ]
        )
        raise UserError(f"no source has {wanted}: name the source, e.g. `elt load pestroutes {wanted}`")
    return matching


def _load(
    chosen: list[Any],
    scopes: tuple[str, ...],
    entities: tuple[str, ...],
    full_refresh: bool,
    allow_partial: bool,
    dates: tuple[Any, Any] = (None, None),
) -> None:
    from elt import runs as runs_module
    from elt.logs import redact
    from loaders.common.report import LoadReport

    since, until = dates
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    selection = " ".join(
        [
            *(f"--entity {e}" for e in entities),
            *(f"--scope {s}" for s in scopes),
            *([f"--since {since}"] if since else []),
            *([f"--until {until}"] if until else []),
        ]
    )
    runs: list[runs_module.SourceRun] = []
    for source in chosen:
        started = datetime.now(UTC)
        try:
            report = source.load(
                scopes=scopes or None,
                entities=entities or None,
                full_refresh=full_refresh,
                since=since,
                until=until,
            )
            error = None
        except ConfigError:
            raise  # a setup mistake found before anything ran: one error line, no run to record
        except LoaderError as exc:
            # This source failed as a whole (its warehouse step, say); the next sources still run.
            report, error = LoadReport(source.name), str(exc)
        run = runs_module.SourceRun(
            run_id, source.name, started, datetime.now(UTC), full_refresh, selection, report, error
        )
        runs.append(run)
        click.echo(redact(report.render()))
        click.echo(run.render())
        for scope, message in sorted(report.warnings.items()):
            click.echo(redact(f"warning: {source.name} {scope}: {message}"), err=True)
    if _after_load(runs):
        click.echo(f"run {run_id} recorded in {runs_module.DATASET}.{runs_module.RUNS}")
    else:
        click.echo(f"warning: run {run_id} could not be recorded in {runs_module.DATASET}", err=True)
    failed = [run.source for run in runs if run.status != "ok"]
    if not failed:
        return
    landed = sum(r.landed for run in runs for r in run.report.results.values())
    if len(failed) == len(runs) and not landed:
        raise UserError(f"load failed for {', '.join(failed)}: nothing was landed (see FAILED lines above)")
    message = f"load failed for {', '.join(failed)}: see FAILED lines above; the rest was landed"
    if not allow_partial:
        raise UserError(message)
    click.echo(f"warning: {message} (--allow-partial: exit 0, alerts sent)", err=True)


def _after_load(runs: list[Any]) -> bool:
    """Judge the runs against their history, record them in `ops`, then send any alerts; True
    when the runs were recorded (only then does the load say so).

    Neither recording nor alerting can fail the load: what landed has landed.
    """
    from elt import alerts
    from elt import runs as runs_module

    if not runs:
        return False
    recorded = False
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
        recorded = True
    except Exception:  # noqa: BLE001
        log.exception("could not record the run summary in %s", runs_module.DATASET)
    notifier = alerts.Notifier()
    for message in messages:
        notifier.send(message)
    return recorded


@main.group()
def sandbox() -> None:
    """The local simulators standing in for the real APIs (no network, no credentials)."""


@sandbox.command("up")
@click.option("--scale", default=1.0, show_default=True, help="Data volume multiplier.")
@click.option("--seed", default=42, show_default=True, help="Seed: same seed, same data.")
@click.option("--port", default=8701, show_default=True, help="Port of the simulators' server on 127.0.0.1.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="SOURCE.OPTION=VALUE",
    help="A simulator's option (repeatable), e.g. pestroutes.offices=5; `elt sandbox list` shows them all.",
)
@click.option("--without", multiple=True, metavar="SOURCE", help="Do not start this simulator (repeatable).")
@click.option("--reset", is_flag=True, help="Start again at day 0 instead of resuming the simulated day.")
# Deprecated spellings of --set pestroutes.offices=N and --set service_csv.port=N.
@click.option("--offices", type=int, default=None, hidden=True)
@click.option("--s3-port", type=int, default=None, hidden=True)
@user_errors
def sandbox_up(
    scale: float,
    seed: int,
    port: int,
    assignments: tuple[str, ...],
    without: tuple[str, ...],
    reset: bool,
    offices: int | None,
    s3_port: int | None,
) -> None:
    """Start every simulator in the background and point the loaders at them (.dlt/secrets.toml)."""
    from sandbox import manager, registry

    legacy = {"offices": offices, "s3_port": s3_port}
    for keyword, value in legacy.items():
        if value is not None:
            flag, replacement = "--" + keyword.replace("_", "-"), registry.LEGACY_OPTIONS[keyword]
            click.echo(f"warning: {flag} is deprecated: use --set {replacement}={value}", err=True)
    state = manager.up(
        SANDBOX_DIR,
        port=port,
        seed=seed,
        scale=scale,
        settings=registry.parse_assignments(assignments),
        without=without,
        reset=reset,
        secrets_path=SECRETS_PATH,
        **{keyword: value for keyword, value in legacy.items() if value is not None},
    )
    click.echo(
        f"sandbox running at {state['url']} "
        f"(pid {state['pid']}, seed {state['seed']}, scale {state['scale']}, day {state.get('day', 0)})"
    )
    for line in state.get("summary", []):
        click.echo(f"  {line}")
    if state.get("secrets_path"):
        click.echo(f"loaders pointed at the sandbox in {state['secrets_path']}")
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
    import json

    from sandbox import manager

    state = manager.status(SANDBOX_DIR)
    if not state:
        raise UserError("sandbox is not running: start it with `elt sandbox up`")
    for key, value in state.items():
        click.echo(f"{key}: {json.dumps(value) if isinstance(value, dict | list) else value}")


@sandbox.command("tick")
@click.option("--days", default=1, show_default=True, help="Simulated days to advance.")
@user_errors
def sandbox_tick(days: int) -> None:
    """Move every simulated system forward: new, updated and cancelled records."""
    import json

    from sandbox import manager

    result = manager.tick(SANDBOX_DIR, days=days)
    click.echo(f"sandbox advanced {days} day(s) to day {result.get('day')} ({result.get('date')})")
    for name, moved in (result.get("simulators") or {}).items():
        click.echo(f"  {name}: {json.dumps(moved.get('changes', moved), sort_keys=True)}")


@sandbox.command("list")
def sandbox_list() -> None:
    """The registered simulators and the options `elt sandbox up --set` takes."""
    from sandbox import registry

    for spec in registry.SIMULATORS:
        where = "its own process" if spec.external else f"mounted at /{spec.name}/"
        click.echo(f"{spec.name}: {spec.title} ({where})")
        for key, option in spec.options.items():
            setting = f"{spec.name}.{key}=<{option.type.__name__}>"
            click.echo(f"  --set {setting}  {option.help} [{option.default}]")


@main.command()
@user_errors
def release() -> None:
    """Validate the audit build with the GX checkpoints; publish it only if every check passes."""
    from elt import release as release_module
    from elt.logs import redact
    from loaders.common.config import check_readable

    check_readable()
    warehouse.check_available(create=False)
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
                outcome.previous_release,
            )
        )
        if outcome.previous_release:
            raise UserError(
                f"release blocked: release {outcome.previous_release} is still what analysts read"
            )
        raise UserError(
            "release blocked: nothing has been published yet, so analysts have no release to read; "
            "fix the failures above, `dbt build` and `elt release` again"
        )


@main.command()
@click.option(
    "-n",
    "--last",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many past runs and releases.",
)
@user_errors
def status(last: int) -> None:
    """Show the last runs, freshness per source and the current release."""
    from elt import status as status_module
    from elt.logs import redact
    from loaders.common.config import check_readable

    check_readable()
    warehouse.check_available(create=False)
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
