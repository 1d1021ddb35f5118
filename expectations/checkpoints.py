"""Run the declared expectations as GX checkpoints, one per audited table, with data docs.

The GX project lives in expectations/gx/ (generated, git-ignored): suites, validation
definitions and checkpoints are (re)declared from code on every run, so the code is the single
source of truth. DuckDB tables are validated as dataframes, one at a time: GX 1.x has no
working DuckDB SQL datasource (measured: duckdb-engine returns empty results to it). PostgreSQL
tables are validated where they are, through GX's SQL datasource: nothing is read into memory.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expectations.spec import TableExpectations

# The generated GX project (suites, checkpoints, results, data docs); ELT_GX_DIR moves it.
GX_ROOT = Path(os.environ.get("ELT_GX_DIR", Path(__file__).resolve().parent))
DATASOURCE = "warehouse"
# PostgreSQL tables are validated in place, through GX's SQL datasource.
SQL_DATASOURCE = "warehouse_sql"
SQL_URL_VARIABLE = "ELT_GX_WAREHOUSE_URL"
# Releases whose results (JSON) and result pages (HTML, ~200 KB per table) are kept on disk; the
# older ones are deleted at each release, so a release every 4 hours does not fill the disk
# (17 tables x 6 releases a day was ~20 MB a day). `[release] results_kept` in .dlt/config.toml.
RESULTS_KEPT = 30


@dataclass
class TableValidation:
    table: str
    layer: str
    success: bool
    evaluated: int
    failures: list[str] = field(default_factory=list)
    # Every expectation run, as (description, passed), for the release report.
    results: list[tuple[str, bool]] = field(default_factory=list)


def _context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(GX_ROOT))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _list_on_index(context: Any, results: int) -> None:
    """Make the data docs index list (at most) the newest `results` validation results: GX reads
    every result it lists to build the page, and lists every stored one by default."""
    sites = context.variables.data_docs_sites or {}
    index = sites.get("local_site", {}).get("site_index_builder")
    if index is not None and index.get("validation_results_limit") != results:
        index["validation_results_limit"] = results
        context.variables.data_docs_sites = sites
        context.variables.save()


def _describe(result: Any) -> str:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    unexpected = (result.result or {}).get("unexpected_count")
    observed = (result.result or {}).get("observed_value")
    error = _error(result.exception_info)
    detail = (
        f" ({error})"
        if error
        else f" ({unexpected} unexpected)"
        if unexpected
        else (f" (observed {observed})" if observed is not None else "")
    )
    return f"{config.type}({args}){detail}"


def _error(info: Any) -> str:
    """Why an expectation could not be evaluated (a missing column, say), from GX's exception_info:
    one {raised_exception, exception_message} or a dict of them per metric. Without it a failure
    names the expectation and nothing else."""
    if not isinstance(info, dict):
        return ""
    found = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for entry in found:
        if entry.get("raised_exception") and entry.get("exception_message"):
            message = " ".join(str(entry["exception_message"]).split())
            return message.removeprefix("Error: ")[:300]
    return ""


class Validator:
    """Declares and runs checkpoints; `build_docs` refreshes the GX data docs site.

    Tables are validated as dataframes (`validate`: DuckDB, which GX cannot query) or, given a
    SQLAlchemy URL, in the warehouse itself (`validate_table`: PostgreSQL), where GX runs each
    expectation as SQL and no table is read into this process.
    """

    def __init__(self, sql_url: str | None = None) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        self._gx = gx
        self._suite_id = ExpectationSuiteIdentifier
        if sql_url:
            # GX keeps the datasource in great_expectations.yml: it stores the ${reference},
            # and the URL (with its password) lives only in this process's environment.
            os.environ[SQL_URL_VARIABLE] = sql_url
        self.context = _context()
        self.datasource = self.context.data_sources.add_or_update_pandas(DATASOURCE)
        self.sql_datasource: Any = None
        if sql_url:
            self.sql_datasource = self.context.data_sources.add_or_update_postgres(
                SQL_DATASOURCE, connection_string="${" + SQL_URL_VARIABLE + "}"
            )
        # What this run validated: its result pages and suite pages are the ones to render.
        self._rendered: list[Any] = []

    def close(self) -> None:
        """Forget the SQL URL (so no child process inherits it)."""
        os.environ.pop(SQL_URL_VARIABLE, None)

    def validate(self, spec: TableExpectations, frame: Any) -> TableValidation:
        """Validate `frame`, the whole table, in this process."""
        name = f"{spec.layer}__{spec.table}"
        try:
            asset = self.datasource.get_asset(name)
        except LookupError:
            asset = self.datasource.add_dataframe_asset(name)
        try:
            batch = asset.get_batch_definition("whole_table")
        except KeyError:
            batch = asset.add_batch_definition_whole_dataframe("whole_table")
        return self._run(spec, batch, {"dataframe": frame}, name)

    def validate_table(self, spec: TableExpectations, schema: str) -> TableValidation:
        """Validate `schema.<spec.table>` in the warehouse (needs `sql_url`)."""
        if self.sql_datasource is None:
            raise ValueError("validate_table needs the Validator's sql_url")
        name = f"{spec.layer}__{spec.table}"
        try:
            asset = self.sql_datasource.get_asset(name)
        except LookupError:
            asset = self.sql_datasource.add_table_asset(name, table_name=spec.table, schema_name=schema)
        try:
            batch = asset.get_batch_definition("whole_table")
        except KeyError:
            batch = asset.add_batch_definition_whole_table("whole_table")
        # Its own validation definition and checkpoint: GX re-reads a definition before it
        # replaces one, and a dataframe one from a DuckDB run names an asset of the dataframe
        # datasource, which is redeclared empty on every run (a project moved from DuckDB to
        # PostgreSQL could not release).
        return self._run(spec, batch, None, f"{SQL_DATASOURCE}__{name}")

    def _run(
        self, spec: TableExpectations, batch: Any, parameters: dict[str, Any] | None, run_name: str
    ) -> TableValidation:
        """Run the table's suite on `batch` through the checkpoint (and validation definition)
        named `run_name`."""
        gx = self._gx
        name = f"{spec.layer}__{spec.table}"
        suite = self.context.suites.add_or_update(
            gx.ExpectationSuite(name=name, expectations=spec.expectations())
        )
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=run_name, data=batch, suite=suite)
        )
        # No UpdateDataDocsAction: it rebuilds the whole site after each checkpoint. The
        # results are stored by the run itself; build_docs renders the run's pages once.
        checkpoint = self.context.checkpoints.add_or_update(
            gx.Checkpoint(name=run_name, validation_definitions=[definition], actions=[])
        )
        outcome = checkpoint.run(batch_parameters=parameters)
        self._rendered.extend(outcome.run_results)
        self._rendered.append(self._suite_id(name=name))
        failures: list[str] = []
        results: list[tuple[str, bool]] = []
        for run_result in outcome.run_results.values():
            for result in run_result.results:
                description = _describe(result)
                results.append((description, bool(result.success)))
                if not result.success:
                    failures.append(description)
        return TableValidation(spec.table, spec.layer, bool(outcome.success), len(results), failures, results)

    def build_docs(self, results_kept: int | None = None) -> str:
        """Drop the results of all but the last `results_kept` runs of each suite, then render
        this run's validation results and suites, and the index of the runs kept.

        Only this run's pages: a full build re-renders every result ever stored, so each
        release would take longer than the one before it.
        """
        kept = configured_results_kept() if results_kept is None else results_kept
        prune_results(Path(self.context.root_directory), kept)
        # Every result left is listed: `kept` runs of each suite (a fixed 500 listed only about
        # 29 of the 30 releases kept by default, with 17 tables).
        _list_on_index(self.context, kept * max(1, len(self.context.suites.all())))
        self.context.build_data_docs(resource_identifiers=self._rendered or None)
        sites = self.context.get_docs_sites_urls()
        return sites[0]["site_url"] if sites else ""


def configured_results_kept() -> int:
    """`[release] results_kept` from dlt's config (.dlt/config.toml or RELEASE__RESULTS_KEPT)."""
    import dlt

    try:
        value = dlt.config["release.results_kept"]
    except KeyError:
        value = None
    return RESULTS_KEPT if value is None else int(value)


def prune_results(gx_dir: Path, kept: int) -> list[Path]:
    """Delete the validation results of each suite but its newest `kept` runs, with their data
    docs pages; return the run folders deleted.

    GX (its project folder `gx_dir`) stores a result as
    `uncommitted/validations/<suite>/<run name>/<run time>/<batch>.json` and renders it to the
    same path under `uncommitted/data_docs/local_site/validations/` with `.html`. Run times are
    ISO timestamps (`20261204T140741.946396Z`): by name is by age.
    """
    if kept < 1:
        raise ValueError("at least the newest run's results are kept")
    results = gx_dir / "uncommitted" / "validations"
    pages = gx_dir / "uncommitted" / "data_docs" / "local_site" / "validations"
    deleted: list[Path] = []
    if not results.is_dir():
        return deleted
    for suite in sorted(p for p in results.iterdir() if p.is_dir()):
        run_names = [run_name for run_name in suite.iterdir() if run_name.is_dir()]
        runs = sorted((t for run_name in run_names for t in run_name.iterdir()), key=lambda t: t.name)
        for run_time in runs[:-kept]:
            relative = run_time.relative_to(results)
            shutil.rmtree(run_time, ignore_errors=True)
            shutil.rmtree(pages / relative, ignore_errors=True)
            deleted.append(relative)
    return deleted
