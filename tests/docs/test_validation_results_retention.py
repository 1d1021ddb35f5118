"""Release history on disk: each release stores a GX result and a data docs page per table; only
the newest `[release] results_kept` runs stay, and the docs index links only pages that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from expectations import checkpoints
from expectations.spec import TableExpectations

# Never touches a warehouse (GX validates a dataframe): CI runs it once, in the DuckDB leg.
pytestmark = pytest.mark.no_warehouse

SPEC = TableExpectations(table="dim_things", layer="marts", primary_key=("thing_id",), not_null=("name",))


def _release(frame: pd.DataFrame, kept: int) -> None:
    validator = checkpoints.Validator()
    validator.validate(SPEC, frame)
    validator.build_docs(results_kept=kept)


def test_only_the_newest_runs_results_and_pages_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "GX_ROOT", tmp_path / "gx")
    frame = pd.DataFrame({"thing_id": [1, 2, 3], "name": ["a", "b", "c"]})
    for _ in range(4):
        _release(frame, kept=2)

    results = tmp_path / "gx" / "gx" / "uncommitted" / "validations" / "marts__dim_things"
    site = tmp_path / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site"
    kept_runs = sorted(p.parent.name for p in results.rglob("*.json"))
    pages = sorted(p.parent.name for p in (site / "validations").rglob("*.html"))
    assert len(kept_runs) == 2, kept_runs
    assert pages == kept_runs, "a kept result has its page, a deleted one has none"

    index = (site / "index.html").read_text()
    linked = set(re.findall(r"validations/marts__dim_things/[^/\"]+/([0-9T.]+Z)/", index))
    assert linked == set(kept_runs), "the index links exactly the runs kept"


def test_results_kept_comes_from_the_release_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE__RESULTS_KEPT", "7")
    assert checkpoints.configured_results_kept() == 7
    monkeypatch.delenv("RELEASE__RESULTS_KEPT")
    assert checkpoints.configured_results_kept() == checkpoints.RESULTS_KEPT
