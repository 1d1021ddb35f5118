"""`elt docs` / `make docs`: the dbt docs site and the GX data docs, built and located."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from elt.warehouse import REPO_ROOT
from loaders.common.errors import LoaderError


def target_path() -> Path:
    """dbt's target folder (DBT_TARGET_PATH overrides the project's `target`)."""
    return Path(os.environ.get("DBT_TARGET_PATH", REPO_ROOT / "target"))


def build_dbt_docs() -> Path:
    dbt = Path(sys.executable).with_name("dbt")
    completed = subprocess.run(
        [str(dbt), "docs", "generate", "--static"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    site = target_path() / "static_index.html"
    if completed.returncode != 0 or not site.exists():
        errors = [line for line in completed.stdout.splitlines() if "rror" in line] or ["see logs/dbt.log"]
        raise LoaderError(f"dbt docs generate failed: {errors[-1].strip()}")
    return site


def build_docs() -> list[str]:
    from expectations.checkpoints import Validator

    site = build_dbt_docs()
    gx_site = Validator().build_docs()
    return [
        f"dbt docs:  {site}  (one self-contained page: open it in a browser,",
        "           or run `dbt docs serve --port 8080` and browse http://localhost:8080)",
        f"GX data docs: {gx_site}",
    ]
