"""What a run does with each file, from the manifest: load, skip, retry, quarantine."""

from __future__ import annotations

import pytest

from loaders.service_csv.files import FileOutcome
from loaders.service_csv.manifest import ManifestEntry, plan, quarantines
from loaders.service_csv.s3 import S3Object

pytestmark = pytest.mark.no_warehouse


def _obj(key: str, etag: str = "e1") -> S3Object:
    return S3Object(key, etag, 10, None)


def test_the_plan_skips_loaded_files_retries_failed_ones_and_leaves_quarantined_ones_alone() -> None:
    objects = [_obj("new"), _obj("loaded"), _obj("failed"), _obj("quarantined"), _obj("reuploaded", "e2")]
    previous = {
        "loaded": ManifestEntry("e1", "loaded", 1),
        "failed": ManifestEntry("e1", "failed", 1, "format", "bad"),
        "quarantined": ManifestEntry("e1", "quarantined", 3, "encoding", "neither UTF-8 nor ..."),
        "reuploaded": ManifestEntry("e1", "quarantined", 3, "encoding", "neither UTF-8 nor ..."),
    }
    chosen = plan(objects, previous, full_refresh=False)
    assert [(job.obj.key, job.attempts) for job in chosen.todo] == [
        ("new", 1),
        ("failed", 2),
        ("reuploaded", 1),
    ]
    assert [o.key for o in chosen.skipped] == ["loaded"]
    assert [(o.key, entry.attempts) for o, entry in chosen.quarantined] == [("quarantined", 3)]

    # --full-refresh tries everything; a quarantined file keeps counting its attempts.
    everything = plan(objects, previous, full_refresh=True)
    assert [(job.obj.key, job.attempts) for job in everything.todo] == [
        ("new", 1), ("loaded", 1), ("failed", 2), ("quarantined", 4), ("reuploaded", 1),
    ]  # fmt: skip
    assert everything.skipped == [] and everything.quarantined == []


@pytest.mark.parametrize(
    ("error_class", "attempts", "quarantined"),
    [("encoding", 2, False), ("encoding", 3, True), ("format", 4, True), ("connection", 9, False)],
)
def test_a_file_is_quarantined_after_n_failures_of_its_own(
    error_class: str, attempts: int, quarantined: bool
) -> None:
    failed = FileOutcome(_obj("k"), "e1", "failed", error_class=error_class, error="x", attempts=attempts)
    assert quarantines(failed, quarantine_after=3) is quarantined
    loaded = FileOutcome(_obj("k"), "e1", "loaded", attempts=attempts)
    assert not quarantines(loaded, quarantine_after=3)
