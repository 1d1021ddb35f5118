"""`elt docs` / `make docs`: the dbt docs site, the release report and the GX data docs, built
and located."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loaders.common.errors import LoaderError
from loaders.common.report import heartbeat
from loaders.common.warehouse import REPO_ROOT

if TYPE_CHECKING:
    from elt.release import ReleaseOutcome

# The servable copy of the docs site (index.html, manifest.json, catalog.json), beside dbt's own
# artifacts in the target folder: `dbt docs serve --target-path` serves it.
SITE_DIR = "docs_site"


def target_path() -> Path:
    """dbt's target folder (DBT_TARGET_PATH overrides the project's `target`; dbt reads a
    relative one from the project root, where it runs)."""
    return REPO_ROOT / os.environ.get("DBT_TARGET_PATH", "target")


def _published_relations(manifest: dict[str, Any], catalog: dict[str, Any]) -> None:
    """Name each released model by the relation analysts read (`analytics.fct_…`, `ml.…`), not
    the audit copy dbt built (`audit_marts.fct_…`): the audit schemas hold a build that may not
    be released yet, and consumers cannot read them.

    Only the copies the site shows are renamed: target/manifest.json stays dbt's own (state
    comparisons and `elt release`'s contract check read it), and dbt's docs have no setting for
    a relation other than the one a model builds."""
    from elt.release import PUBLISH_SCHEMAS

    published = {audit.lower(): public for audit, public in PUBLISH_SCHEMAS.values()}

    def rename(schema: str) -> str:
        public = published[schema.lower()]
        return public.upper() if schema.isupper() else public  # Snowflake names are upper case

    for unique_id, node in manifest.get("nodes", {}).items():
        schema = str(node.get("schema") or "")
        if node.get("resource_type") != "model" or schema.lower() not in published:
            continue
        node["schema"] = rename(schema)
        if node.get("relation_name"):
            node["relation_name"] = re.sub(
                rf'(?<=\.)("?){re.escape(schema)}("?)(?=\.)',
                rf"\g<1>{rename(schema)}\g<2>",
                node["relation_name"],
                count=1,
            )
        metadata = catalog.get("nodes", {}).get(unique_id, {}).get("metadata")
        if metadata and str(metadata.get("schema") or "").lower() in published:
            metadata["schema"] = rename(str(metadata["schema"]))


def _inline(data: dict[str, Any]) -> str:
    # Inside the page's <script>: a "</script>" in a description or in SQL must not end it.
    return json.dumps(data).replace("</", "<\\/")


def build_dbt_docs() -> Path:
    from dbt.task.docs import DOCS_INDEX_FILE_PATH

    dbt = Path(sys.executable).with_name("dbt")
    with heartbeat("docs: dbt docs generate"):
        completed = subprocess.run(
            [str(dbt), "docs", "generate"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
    target = target_path()
    if completed.returncode != 0 or not (target / "catalog.json").exists():
        errors = [line for line in completed.stdout.splitlines() if "rror" in line] or ["see logs/dbt.log"]
        raise LoaderError(f"dbt docs generate failed: {errors[-1].strip()}")
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    _published_relations(manifest, catalog)

    site_dir = target / SITE_DIR
    site_dir.mkdir(exist_ok=True)
    (site_dir / "manifest.json").write_text(json.dumps(manifest))
    (site_dir / "catalog.json").write_text(json.dumps(catalog))
    shutil.copyfile(DOCS_INDEX_FILE_PATH, site_dir / "index.html")
    # What `dbt docs generate --static` writes, from the renamed copies.
    page = Path(DOCS_INDEX_FILE_PATH).read_text()
    page = page.replace('"MANIFEST.JSON INLINE DATA"', _inline(manifest), 1)
    page = page.replace('"CATALOG.JSON INLINE DATA"', _inline(catalog), 1)
    site = target / "static_index.html"
    site.write_text(page)
    return site


def build_docs() -> list[str]:
    from expectations.checkpoints import Validator

    site = build_dbt_docs()
    with heartbeat("docs: building the GX data docs"):
        gx_site = Validator().build_docs()
    report = release_reports_dir() / "index.html"
    return [
        f"dbt docs:  {site}  (one self-contained page: open it in a browser,",
        f"           or run `dbt docs serve --target-path {site.parent / SITE_DIR} --port 8080`",
        "           and browse http://localhost:8080)",
        f"release report: {report.as_uri() if report.exists() else 'none yet (run `elt release`)'}",
        f"GX data docs: {gx_site}  (its styles and scripts load from the internet)",
    ]


# --- the release report ------------------------------------------------------------------------


def release_reports_dir() -> Path:
    """Beside GX's results (git-ignored): one page per release, and index.html, the newest."""
    from expectations import checkpoints

    return checkpoints.GX_ROOT / "gx" / "uncommitted" / "release_reports"


_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d2330; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.1rem; margin-top: 2rem; }
.status { display: inline-block; padding: .1rem .6rem; border-radius: 3px; color: #fff; font-weight: 600; }
.status.published { background: #1d7a46; }
.status.blocked { background: #b3261e; }
table { border-collapse: collapse; margin-top: 1rem; }
th, td { text-align: left; padding: .35rem .8rem; border-bottom: 1px solid #dde1e8; vertical-align: top; }
th { background: #f1f3f7; }
td.result { font-weight: 600; }
tr.fail td.result, li.fail { color: #b3261e; }
tr.pass td.result { color: #1d7a46; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dt { color: #5a6375; }
details { margin: .3rem 0; }
summary { cursor: pointer; }
code { font-size: 12px; }
"""


def _tables(outcome: ReleaseOutcome) -> list[tuple[str, str, Any, list[str]]]:
    """(layer, table, its validation or None, its contract problems), by layer and table."""
    validations = {(v.layer, v.table): v for v in outcome.validations}
    keys = sorted(set(validations) | set(outcome.contract_problems))
    return [(*key, validations.get(key), outcome.contract_problems.get(key, [])) for key in keys]


def render_release_report(outcome: ReleaseOutcome, earlier: list[str]) -> str:
    """One HTML page, with no script and nothing fetched: it reads the same offline, from a
    file, as on a web server."""
    from loaders.common.warehouse import describe

    e = html.escape
    status = "published" if outcome.published else "blocked"
    met = outcome.contracts_checked - len(outcome.contract_problems)
    rows, sections = [], []
    for layer, table, validation, contract in _tables(outcome):
        ok = (validation is None or validation.success) and not contract
        name = f"{layer}.{table}"
        expected = "not run"
        if validation:
            expected = f"{validation.evaluated - len(validation.failures)}/{validation.evaluated}"
        rows.append(
            f'<tr class="{"pass" if ok else "fail"}" data-table="{e(name)}"><td>{e(name)}</td>'
            f'<td class="result">{"pass" if ok else "FAIL"}</td><td>{e(expected)}</td>'
            f"<td>{'<br>'.join(e(p) for p in contract) or 'met'}</td></tr>"
        )
        if validation:
            items = "".join(
                f'<li class="{"pass" if passed else "fail"}">{"pass" if passed else "FAIL"}: '
                f"<code>{e(text)}</code></li>"
                for text, passed in validation.results
            )
            sections.append(
                f"<details><summary>{e(name)}: {e(expected)} expectations passed</summary>"
                f"<ul>{items}</ul></details>"
            )
    problems = "".join(f"<li>{e(p)}</li>" for p in outcome.problems)
    links = "".join(f'<li><a href="{e(name)}.html">{e(name)}</a></li>' for name in earlier)
    verdict = (
        "Published: analysts read this build in <code>analytics</code> and <code>ml</code>."
        if outcome.published
        else "NOT published: analysts keep reading the previous release."
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Release {e(outcome.release_id)}: {status}</title>
<style>{_STYLE}</style></head>
<body>
<h1>Release {e(outcome.release_id)} <span class="status {status}">{status}</span></h1>
<p>{verdict}</p>
<dl>
<dt>checked at</dt><dd>{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC</dd>
<dt>warehouse</dt><dd>{e(describe())}</dd>
<dt>expectations</dt><dd>{outcome.checks_passed}/{outcome.checks_total} passed</dd>
<dt>contracts</dt><dd>{met}/{outcome.contracts_checked} met</dd>
<dt>build</dt><dd><code>{e(outcome.build_id)}</code></dd>
</dl>
{f"<h2>Problems</h2><ul>{problems}</ul>" if problems else ""}
<h2>Tables</h2>
<table><thead><tr><th>table</th><th>result</th><th>expectations passed</th><th>contract</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<h2>Expectations</h2>
{"".join(sections)}
{f"<h2>Earlier releases</h2><ul>{links}</ul>" if links else ""}
</body></html>
"""


def write_release_report(outcome: ReleaseOutcome) -> Path:
    """Write this release's page and make it the index; keep as many pages as GX keeps runs."""
    from expectations.checkpoints import configured_results_kept

    folder = release_reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    kept = max(1, configured_results_kept())
    # Release ids are UTC timestamps: by name is by age.
    pages = sorted(p for p in folder.glob("*.html") if p.name != "index.html")
    for page in pages[: max(0, len(pages) - (kept - 1))]:
        page.unlink(missing_ok=True)
    earlier = sorted((p.stem for p in folder.glob("*.html") if p.name != "index.html"), reverse=True)
    text = render_release_report(outcome, earlier)
    (folder / f"{outcome.release_id}.html").write_text(text)
    (folder / "index.html").write_text(text)
    return folder / "index.html"
