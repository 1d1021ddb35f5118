"""`elt docs` / `make docs`: the dbt docs site and the GX data docs, built and located."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from elt.warehouse import REPO_ROOT
from loaders.common.errors import LoaderError

DBT_DOCS = REPO_ROOT / "target" / "index.html"
DBT_STATIC_DOCS = REPO_ROOT / "target" / "static_index.html"


def build_dbt_docs() -> Path:
    dbt = Path(sys.executable).with_name("dbt")
    completed = subprocess.run(
        [str(dbt), "docs", "generate", "--static"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0 or not DBT_STATIC_DOCS.exists():
        errors = [line for line in completed.stdout.splitlines() if "rror" in line] or ["see logs/dbt.log"]
        raise LoaderError(f"dbt docs generate failed: {errors[-1].strip()}")
    return DBT_STATIC_DOCS


def build_docs() -> list[str]:
    from expectations.checkpoints import Validator

    site = build_dbt_docs()
    gx_site = Validator().build_docs()
    return [
        f"dbt docs:  {site}  (one self-contained page: open it in a browser,",
        "           or run `dbt docs serve --port 8080` and browse http://localhost:8080)",
        f"GX data docs: {gx_site}",
    ]
