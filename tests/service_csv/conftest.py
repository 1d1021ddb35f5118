"""Fixtures for the service_csv tests: one moto S3 server in this process, a bucket per test,
and isolated projects whose `elt load service_csv` subprocess reads that bucket."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.service_csv import s3 as sandbox_s3
from tests.conftest import Project

_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def moto() -> Iterator[sandbox_s3.RunningMoto]:
    server = sandbox_s3.start_moto(port=0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bucket(moto: sandbox_s3.RunningMoto) -> str:
    name = f"service-exports-{next(_buckets)}"
    sandbox_s3.client(moto.endpoint_url).create_bucket(Bucket=name)
    return name


def csv_project(root: Path, endpoint_url: str, bucket: str, **config: Any) -> Project:
    """A project configured for the sandbox S3 (no PestRoutes offices)."""
    project = Project(
        root,
        "http://127.0.0.1:9",
        [],
        service_csv={
            "bucket": bucket,
            "prefix": sandbox_s3.PREFIX,
            "region": sandbox_s3.REGION,
            "endpoint_url": endpoint_url,
            "max_attempts": 2,
            "connect_timeout_seconds": 2,
            **config,
        },
        service_csv_secrets={
            "aws_access_key_id": sandbox_s3.ACCESS_KEY_ID,
            "aws_secret_access_key": sandbox_s3.SECRET_ACCESS_KEY,
        },
    )
    project.write_config()
    return project
