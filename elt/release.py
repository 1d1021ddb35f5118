"""`elt release`: validate the audit build with the GX checkpoints, then publish it atomically.

dbt builds marts into `audit_marts` and ML tables into `audit_ml`. Only when every checkpoint
passes, and every table's columns and types are those of its dbt model contract, are they
copied, in one transaction, to `analytics` and `ml` (the schemas analysts and models read). A
failing check publishes nothing, names what failed, and is recorded in `quality.release_history`
beside the successful releases. Releasing the build that is already published does nothing.

Contracts: every released table must come from a model with an enforced contract
(`contract: {enforced: true}` and each column's `data_type` in its models YAML), read from dbt's
target/manifest.json. A table without one blocks the release, as a table without expectations
does: the contract is what analysts may rely on, so a table that has none is not released.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from expectations.checkpoints import TableValidation, Validator
from expectations.spec import TableExpectations
from expectations.suites import SUITES
from loaders.common.errors import EltError
from loaders.common.report import Ticker, heartbeat
from loaders.common.warehouse import REPO_ROOT, Reader, postgres_sqlalchemy_url, target

# audit schema (written by dbt build) -> published schema (read by consumers)
PUBLISH_SCHEMAS = {"marts": ("audit_marts", "analytics"), "ml": ("audit_ml", "ml")}


class ReleaseError(EltError):
    """The release step itself could not run (not a failed check)."""


@dataclass
class ReleaseOutcome:
    release_id: str
    validations: list[TableValidation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # (layer, table) -> how its columns differ from its model contract; each blocks the release.
    contract_problems: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    contracts_checked: int = 0
    published: bool = False
    docs_url: str = ""
    report_path: Path | None = None
    build_id: str = ""
    # The release that already published this very build (then nothing was checked or recorded).
    already_published: str = ""
    # The release analysts read now ('' when nothing has ever been published).
    previous_release: str = ""
    # Sources whose RAW schema does not exist (not configured here): their tables may be empty.
    sources_not_loaded: list[str] = field(default_factory=list)
    # Sources ELT_SOURCES switches off: dbt does not build their tables, nothing checks them.
    sources_switched_off: list[str] = field(default_factory=list)

    @property
    def checks_total(self) -> int:
        return sum(v.evaluated for v in self.validations)

    @property
    def checks_passed(self) -> int:
        return sum(v.evaluated - len(v.failures) for v in self.validations)

    def failures(self) -> list[str]:
        """Every reason the build is not published: failed expectations first, then broken
        contracts, then the rest (tables without a suite or contract, leftovers of switched-off
        sources), so the release history, which keeps the first 7,000 characters, keeps the
        failed checks."""
        lines = []
        for v in self.validations:
            lines.extend(f"{v.layer}.{v.table}: {failure}" for failure in v.failures)
        for (layer, table), problems in sorted(self.contract_problems.items()):
            lines.extend(f"{layer}.{table}: {problem}" for problem in problems)
        lines.extend(self.problems)
        return lines

    def render(self) -> str:
        if self.already_published:
            return (
                f"release: nothing to do, this audit build is already published as release "
                f"{self.already_published} (run `dbt build` to make a new one)"
            )
        met = self.contracts_checked - len(self.contract_problems)
        lines = [
            f"release {self.release_id}: {self.checks_passed}/{self.checks_total} expectations passed, "
            f"{met}/{self.contracts_checked} contracts met"
        ]
        for v in self.validations:
            ok = v.success and (v.layer, v.table) not in self.contract_problems
            lines.append(f"  {'ok  ' if ok else 'FAIL'} {v.layer}.{v.table} ({v.evaluated} expectations)")
        if self.sources_switched_off:
            switched_off = ", ".join(self.sources_switched_off)
            lines.append(f"  note: {switched_off} switched off by ELT_SOURCES: not built, not checked")
        for source in self.sources_not_loaded:
            lines.append(f"  note: source {source} has never been loaded here: its tables are checked empty")
        for failure in self.failures():
            lines.append(f"  failed: {failure}")
        if self.published:
            lines.append("  published: audit_marts -> analytics, audit_ml -> ml")
        elif self.previous_release:
            lines.append(f"  NOT published: release {self.previous_release} stays in place")
        else:
            lines.append("  NOT published: nothing has been published yet")
        if self.report_path:
            lines.append(f"  release report: {self.report_path.as_uri()}")
        if self.docs_url:
            lines.append(f"  data docs: {self.docs_url}")
        return "\n".join(lines)


def _dbt(*args: str) -> None:
    dbt = Path(sys.executable).with_name("dbt")
    completed = subprocess.run([str(dbt), *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        tail = [line for line in completed.stdout.splitlines() if "Error" in line or "error" in line]
        raise ReleaseError(f"dbt {' '.join(args[:2])} failed: {(tail or ['see logs/dbt.log'])[-1].strip()}")


# --- contracts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contract:
    enforced: bool
    columns: dict[str, str]  # column -> data_type as declared, in the YAML's order


def load_contracts() -> dict[tuple[str, str], Contract]:
    """The model contract of every table dbt builds into an audit schema, by (layer, table).

    Read from target/manifest.json (every dbt command writes it) rather than the YAML: dbt has
    resolved there whatever sets the contract (a model's config, a folder's in dbt_project.yml).
    """
    from elt.docs import target_path

    path = target_path() / "manifest.json"
    if not path.exists():
        _dbt("parse")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"cannot read dbt's manifest {path} ({exc}): run `dbt parse` and retry") from None
    layers = {audit.lower(): layer for layer, (audit, _) in PUBLISH_SCHEMAS.items()}
    contracts = {}
    for node in manifest.get("nodes", {}).values():
        layer = layers.get(str(node.get("schema", "")).lower())
        if node.get("resource_type") != "model" or layer is None:
            continue
        config = node.get("config") or {}
        contracts[(layer, str(node.get("alias") or node["name"]).lower())] = Contract(
            enforced=bool((config.get("contract") or {}).get("enforced")),
            columns={
                name.lower(): str(column.get("data_type") or "")
                for name, column in (node.get("columns") or {}).items()
            },
        )
    return contracts


# Type names that mean the same type, to one name per type. Applied after the adapter's own
# table (_ADAPTER_TYPES), which settles the names each warehouse reads differently.
_TYPES = {
    **dict.fromkeys(("varchar", "character varying", "text", "string", "char", "bpchar"), "text"),
    "character": "text",
    **dict.fromkeys(("integer", "int", "int4", "signed"), "integer"),
    **dict.fromkeys(("bigint", "int8", "long"), "bigint"),
    **dict.fromkeys(("smallint", "int2", "short"), "smallint"),
    **dict.fromkeys(("boolean", "bool", "logical"), "boolean"),
    **dict.fromkeys(("timestamp", "timestamp without time zone", "datetime", "timestamp_ntz"), "timestamp"),
    **dict.fromkeys(("timestamptz", "timestamp with time zone", "timestamp_tz"), "timestamptz"),
    **dict.fromkeys(("double", "double precision", "float8"), "double"),
    **dict.fromkeys(("real", "float4"), "real"),
    **dict.fromkeys(("numeric", "decimal", "number"), "numeric"),
}
_ADAPTER_TYPES = {
    "duckdb": {"float": "real"},  # DuckDB's FLOAT is 4 bytes
    "postgres": {"float": "double"},  # PostgreSQL's FLOAT is float8
    # Snowflake has one float (8 bytes) and stores every integer type as NUMBER(38,0).
    "snowflake": {
        **dict.fromkeys(("float", "float4", "float8", "real", "double", "double precision"), "double"),
        "timestamp_ltz": "timestamptz",
    },
}
_ARGS = re.compile(r"\(([^)]*)\)")


def _type_key(name: str, adapter: str) -> tuple[str, tuple[str, ...]]:
    """(type, its parameters) with synonyms folded: `DECIMAL(18,2)` and `numeric(18,2)` match."""
    text = name.strip().lower()
    args = tuple(a.strip() for group in _ARGS.findall(text) for a in group.split(",") if a.strip())
    base = " ".join(_ARGS.sub(" ", text).split())
    base = _ADAPTER_TYPES.get(adapter, {}).get(base, base)
    base = _TYPES.get(base, base)
    if adapter == "snowflake" and base in ("integer", "bigint", "smallint"):
        base, args = "numeric", ("38", "0")
    if base == "numeric" and len(args) == 1:
        args = (args[0], "0")
    return base, args


def _same_type(declared: str, actual: str, adapter: str) -> bool:
    """A declared type without parameters (`varchar`, `numeric`) accepts any of its kind; with
    them, a numeric's precision and scale must be equal, and a length too where the warehouse
    keeps one (DuckDB's VARCHAR has none)."""
    want, got = _type_key(declared, adapter), _type_key(actual, adapter)
    if want[0] != got[0]:
        return False
    if not want[1]:
        return True
    return want[1] == got[1] or (not got[1] and want[0] != "numeric")


def contract_problems(contract: Contract | None, columns: dict[str, str], adapter: str) -> list[str]:
    """How a built table's columns (name -> type as the warehouse names it) differ from its
    contract, one line each; none when they match."""
    if contract is None:
        return ["no dbt model builds it (not in target/manifest.json): drop the table, or run `dbt build`"]
    if not contract.enforced:
        return [
            "its model has no enforced contract: set `contract: {enforced: true}` and every column's "
            "data_type in its models YAML"
        ]
    problems = []
    for column, declared in contract.columns.items():
        actual = columns.get(column)
        if actual is None:
            problems.append(f"column {column} is missing (contract: {declared})")
        elif not _same_type(declared, actual, adapter):
            problems.append(f"column {column} is {actual} (contract: {declared})")
    problems.extend(
        f"column {column} is not in the contract (built as {actual})"
        for column, actual in columns.items()
        if column not in contract.columns
    )
    return problems


# --- the audit build ---------------------------------------------------------------------------


@dataclass
class AuditBuild:
    tables: dict[str, list[str]]  # layer -> tables in its audit schema
    columns: dict[tuple[str, str], dict[str, str]]  # (layer, table) -> column -> type
    build_id: str = ""


def _optional(reader: Reader, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on a table that may not exist yet (before the first build or release)."""
    try:
        return reader.query(sql)
    except Exception:  # each driver raises its own "no such table"
        return []


def _columns(reader: Reader) -> dict[tuple[str, str], dict[str, str]]:
    layers = {audit.lower(): layer for layer, (audit, _) in PUBLISH_SCHEMAS.items()}
    rows = reader.query(
        "select table_schema, table_name, column_name, data_type, numeric_precision, numeric_scale, "
        "character_maximum_length from information_schema.columns where lower(table_schema) in ("
        + ", ".join(f"'{schema}'" for schema in layers)
        + ") order by table_schema, table_name, ordinal_position"
    )
    found: dict[tuple[str, str], dict[str, str]] = {}
    for schema, table, column, data_type, precision, scale, length in rows:
        name = str(data_type).lower()
        # PostgreSQL and Snowflake keep a numeric's precision and a string's length apart from
        # the type's name (DuckDB writes the first into it and has no second).
        if "(" not in name and _TYPES.get(name) == "numeric" and precision is not None:
            name = f"{name}({precision},{scale or 0})"
        elif "(" not in name and _TYPES.get(name) == "text" and length is not None:
            name = f"{name}({length})"
        found.setdefault((layers[str(schema).lower()], str(table).lower()), {})[str(column).lower()] = name
    return found


def _checksum_sql(adapter: str, relation: str) -> str:
    """Row count and an order-independent checksum of every row's content."""
    if adapter == "snowflake":
        return f"select count(*), hash_agg(*) from {relation}"
    if adapter == "postgres":
        return f"select count(*), sum(hashtext(t::text)) from {relation} t"
    return f"select count(*), sum(hash(t)) from {relation} t"


def inspect_build(reader: Reader) -> AuditBuild:
    """The audit build's tables and columns, and its identity (`build_id`).

    A build is the dbt invocation that last wrote each table (recorded by the on-run-end hook
    dbt/macros/release/record_audit_build.sql in quality.audit_builds) together with each table's
    columns, row count and a checksum of its rows. The invocations tell a new `dbt build` from
    the last one even when it wrote the same rows (its release is still recorded: it is what
    analysts read from then on); the content tells apart an audit build changed outside dbt (a
    row fixed or deleted by hand, a dropped column), which run_results.json or the manifest
    cannot: they are rewritten by every dbt command, including the release's own run-operation.
    """
    tables = {layer: reader.tables(schema) for layer, (schema, _) in PUBLISH_SCHEMAS.items()}
    build = AuditBuild(tables=tables, columns=_columns(reader))
    invocations = {
        (str(schema).lower(), str(table).lower()): str(invocation)
        for schema, table, invocation in _optional(
            reader, "select table_schema, table_name, invocation_id from quality.audit_builds"
        )
    }
    parts = []
    for layer, (schema, _) in PUBLISH_SCHEMAS.items():
        for table in tables[layer]:
            rows, checksum = reader.query(_checksum_sql(reader.target, f"{schema}.{table}"))[0]
            columns = sorted(build.columns.get((layer, table), {}).items())
            parts.append([schema, table, invocations.get((schema, table), ""), columns, rows, str(checksum)])
    build.build_id = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
    return build


def _current_release(reader: Reader) -> tuple[str, str]:
    """(release id, build id) of the release analysts read now; ('', '') before the first."""
    rows = _optional(
        reader,
        "select release_id, build_id from quality.release_history where status = 'published' "
        "order by released_at desc limit 1",
    )
    return (str(rows[0][0]), str(rows[0][1])) if rows else ("", "")


def _release_of(reader: Reader, build: AuditBuild) -> str:
    """The current release's id when it published this very build (and its tables are still
    there to read), else ''."""
    release_id, build_id = _current_release(reader)
    if not release_id or build_id != build.build_id:
        return ""
    for layer, (_, public) in PUBLISH_SCHEMAS.items():
        if set(reader.tables(public)) != set(build.tables[layer]):
            return ""
    return release_id


def _audit(
    reader: Reader,
    suites: list[TableExpectations],
    outcome: ReleaseOutcome,
    validator: Validator,
    build: AuditBuild,
    contracts: dict[tuple[str, str], Contract],
) -> None:
    from loaders.registry import SOURCES, enabled_sources

    by_layer = {layer: set(tables) for layer, tables in build.tables.items()}
    declared = {(s.layer, s.table) for s in suites}
    enabled = enabled_sources()
    switched_off = {(s.layer, s.table): s.source for s in suites if s.source and s.source not in enabled}
    outcome.sources_switched_off = [name for name in SOURCES if name in set(switched_off.values())]
    suites = [s for s in suites if (s.layer, s.table) not in switched_off]
    for layer, tables in by_layer.items():
        for table in sorted(tables):
            if (layer, table) in switched_off:
                # Built before its source was switched off: published, it would go unchecked.
                outcome.problems.append(
                    f"{layer}.{table}: its source {switched_off[(layer, table)]} is switched off by "
                    f"ELT_SOURCES, but an older build left it in the audit schema: drop table "
                    f"{PUBLISH_SCHEMAS[layer][0]}.{table}"
                )
                continue
            if (layer, table) not in declared:
                outcome.problems.append(
                    f"{layer}.{table}: built but has no expectations declared in expectations/suites.py"
                )
            outcome.contracts_checked += 1
            problems = contract_problems(
                contracts.get((layer, table)), build.columns.get((layer, table), {}), reader.target
            )
            if problems:
                outcome.contract_problems[(layer, table)] = problems
    ticker = Ticker()
    for done, spec in enumerate(suites):
        ticker.update(
            lambda done=done: (
                f"release: {done}/{len(suites)} tables checked, {outcome.checks_total:,} "
                f"expectations evaluated, {len(outcome.failures())} failing ({ticker.elapsed:.0f}s)"
            )
        )
        spec = _for_sources_loaded(reader, spec, outcome)
        if spec.table not in by_layer.get(spec.layer, set()):
            outcome.problems.append(
                f"{spec.layer}.{spec.table}: not in the audit build (did `dbt build` run?)"
            )
            continue
        audit_schema = PUBLISH_SCHEMAS[spec.layer][0]
        if validator.sql_datasource is not None:
            outcome.validations.append(validator.validate_table(spec, audit_schema))
            continue
        frame = reader.frame(audit_schema, spec.table)
        outcome.validations.append(validator.validate(spec, frame))
        del frame


def _for_sources_loaded(
    reader: Reader, spec: TableExpectations, outcome: ReleaseOutcome
) -> TableExpectations:
    """The table's expectations, without the non-empty check when its source has never landed
    in this warehouse: a deployment without that source still releases the others."""
    if spec.source is None or spec.min_rows == 0:
        return spec
    from loaders.registry import SOURCES

    if reader.tables(SOURCES[spec.source].dataset):
        return spec
    if spec.source not in outcome.sources_not_loaded:
        outcome.sources_not_loaded.append(spec.source)
    return replace(spec, min_rows=0)


def run_release(suites: list[TableExpectations] | None = None) -> ReleaseOutcome:
    from elt.docs import write_release_report

    outcome = ReleaseOutcome(release_id=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    contracts = load_contracts()
    with Reader() as reader:
        build = inspect_build(reader)
        outcome.build_id = build.build_id
        outcome.previous_release = _current_release(reader)[0]
        outcome.already_published = _release_of(reader, build)
        if outcome.already_published:
            outcome.published = True
            return outcome
        # PostgreSQL: GX checks each table in the warehouse, as SQL. DuckDB (no GX SQL datasource
        # works with it) and Snowflake (GX's datasource for it needs snowflake-sqlalchemy, which
        # this project does not install yet): each table is read and checked here, one at a time.
        validator = Validator(sql_url=postgres_sqlalchemy_url() if target() == "postgres" else None)
        try:
            _audit(reader, list(SUITES if suites is None else suites), outcome, validator, build, contracts)
            with heartbeat("release: building the GX data docs"):
                outcome.docs_url = validator.build_docs()
        finally:
            validator.close()
    passed = not outcome.failures() and all(v.success for v in outcome.validations)
    # The reader is closed before dbt runs: DuckDB allows one writing process at a time.
    if passed:
        args = {
            "release_id": outcome.release_id,
            "schemas": {audit: public for audit, public in PUBLISH_SCHEMAS.values()},
            "checks_passed": outcome.checks_passed,
            "checks_total": outcome.checks_total,
            "build_id": outcome.build_id,
        }
        with heartbeat("release: publishing"):
            _dbt("run-operation", "publish_release", "--args", json.dumps(args))
        outcome.published = True
    else:
        args = {
            "release_id": outcome.release_id,
            "failures": "; ".join(outcome.failures())[:7000],
            "checks_passed": outcome.checks_passed,
            "checks_total": outcome.checks_total,
            "build_id": outcome.build_id,
        }
        _dbt("run-operation", "record_blocked_release", "--args", json.dumps(args))
    outcome.report_path = write_release_report(outcome)
    return outcome
