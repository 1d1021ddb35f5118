"""`elt release`: validate the audit build with the GX checkpoints, then publish it atomically.

dbt builds marts into `audit_marts` and ML tables into `audit_ml`. Only when every checkpoint
passes are they copied, in one transaction, to `analytics` and `ml` (the schemas analysts and
models read). A failing check publishes nothing, names what failed, and is recorded in
`quality.release_history` beside the successful releases.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from elt.warehouse import REPO_ROOT, Reader, postgres_sqlalchemy_url, target
from expectations.checkpoints import TableValidation, Validator
from expectations.spec import TableExpectations
from expectations.suites import SUITES
from loaders.common.errors import LoaderError

# audit schema (written by dbt build) -> published schema (read by consumers)
PUBLISH_SCHEMAS = {"marts": ("audit_marts", "analytics"), "ml": ("audit_ml", "ml")}


class ReleaseError(LoaderError):
    """The release step itself could not run (not a failed check)."""


@dataclass
class ReleaseOutcome:
    release_id: str
    validations: list[TableValidation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    published: bool = False
    docs_url: str = ""

    @property
    def checks_total(self) -> int:
        return sum(v.evaluated for v in self.validations)

    @property
    def checks_passed(self) -> int:
        return sum(v.evaluated - len(v.failures) for v in self.validations)

    def failures(self) -> list[str]:
        lines = list(self.problems)
        for v in self.validations:
            lines.extend(f"{v.layer}.{v.table}: {failure}" for failure in v.failures)
        return lines

    def render(self) -> str:
        lines = [f"release {self.release_id}: {self.checks_passed}/{self.checks_total} expectations passed"]
        for v in self.validations:
            lines.append(
                f"  {'ok  ' if v.success else 'FAIL'} {v.layer}.{v.table} ({v.evaluated} expectations)"
            )
        for failure in self.failures():
            lines.append(f"  failed: {failure}")
        if self.published:
            lines.append("  published: audit_marts -> analytics, audit_ml -> ml")
        else:
            lines.append("  NOT published: the previous release stays in place")
        if self.docs_url:
            lines.append(f"  data docs: {self.docs_url}")
        return "\n".join(lines)


def _dbt(*args: str) -> None:
    dbt = Path(sys.executable).with_name("dbt")
    completed = subprocess.run([str(dbt), *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        tail = [line for line in completed.stdout.splitlines() if "Error" in line or "error" in line]
        raise ReleaseError(f"dbt {args[0]} {args[1]} failed: {(tail or ['see logs/dbt.log'])[-1].strip()}")


def _audit(
    reader: Reader, suites: list[TableExpectations], outcome: ReleaseOutcome, validator: Validator
) -> None:
    by_layer: dict[str, set[str]] = {
        layer: set(reader.tables(schema)) for layer, (schema, _) in PUBLISH_SCHEMAS.items()
    }
    declared = {(s.layer, s.table) for s in suites}
    for layer, tables in by_layer.items():
        for table in sorted(tables):
            if (layer, table) not in declared:
                outcome.problems.append(
                    f"{layer}.{table}: built but has no expectations declared in expectations/suites.py"
                )
    for spec in suites:
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


def run_release(suites: list[TableExpectations] | None = None) -> ReleaseOutcome:
    outcome = ReleaseOutcome(release_id=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    # PostgreSQL: GX checks each table in the warehouse, as SQL. DuckDB (no GX SQL datasource
    # works with it) and Snowflake (GX's datasource for it needs snowflake-sqlalchemy, which
    # this project does not install yet): each table is read and checked here, one at a time.
    validator = Validator(sql_url=postgres_sqlalchemy_url() if target() == "postgres" else None)
    try:
        with Reader() as reader:
            _audit(reader, list(SUITES if suites is None else suites), outcome, validator)
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
        }
        _dbt("run-operation", "publish_release", "--args", json.dumps(args))
        outcome.published = True
    else:
        args = {
            "release_id": outcome.release_id,
            "failures": "; ".join(outcome.failures())[:7000],
            "checks_passed": outcome.checks_passed,
            "checks_total": outcome.checks_total,
        }
        _dbt("run-operation", "record_blocked_release", "--args", json.dumps(args))
    return outcome
