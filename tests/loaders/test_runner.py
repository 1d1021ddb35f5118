"""One source's dlt settings never leak into the next source of the same `elt load`."""

from __future__ import annotations

import os

import pytest

from loaders.common.runner import scoped_environment

pytestmark = pytest.mark.no_warehouse

KEY = "LOAD__WORKERS"
USER_KEY = "NORMALIZE__WORKERS"


def test_settings_hold_for_one_source_and_are_restored_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY, raising=False)
    monkeypatch.setenv(USER_KEY, "3")  # the user's own setting

    with pytest.raises(RuntimeError), scoped_environment({KEY: "8", USER_KEY: "1"}):
        assert os.environ[KEY] == "8"
        assert os.environ[USER_KEY] == "3", "a value the user set wins over a source's default"
        raise RuntimeError("the source failed")

    # Restored even though the source failed: the next source starts from the user's settings.
    assert KEY not in os.environ
    assert os.environ[USER_KEY] == "3"
