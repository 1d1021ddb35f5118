"""Snowflake configuration from the environment: loads are staged on S3 and copied in, never
inserted row by row; credentials (password or key pair) come from ELT_SNOWFLAKE_* variables."""

from __future__ import annotations

import os

import pytest

from loaders.common import warehouse
from loaders.common.errors import ConfigError

SNOWFLAKE_ENV = {
    "ELT_TARGET": "snowflake",
    "ELT_SNOWFLAKE_ACCOUNT": "acme-xy12345",
    "ELT_SNOWFLAKE_USER": "ELT_LOADER",
    "ELT_SNOWFLAKE_DATABASE": "ANALYTICS",
    "ELT_SNOWFLAKE_STAGING_BUCKET_URL": "s3://acme-elt-staging/snowflake",
}


@pytest.fixture
def snowflake_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ELT_"):
            monkeypatch.delenv(name)
    for name, value in SNOWFLAKE_ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_only_snowflake_stages_loads(monkeypatch, target):
    monkeypatch.setenv("ELT_TARGET", target)
    assert warehouse.dlt_staging() is None


def test_snowflake_loads_go_through_the_s3_staging_bucket(snowflake_env, tmp_path):
    import dlt

    staging = warehouse.dlt_staging()
    assert staging.destination_name == "filesystem"
    assert staging.config_params["bucket_url"] == "s3://acme-elt-staging/snowflake"
    pipeline = dlt.pipeline(
        "staging_check",
        destination=warehouse.dlt_destination(),
        staging=staging,
        dataset_name="raw_check",
        pipelines_dir=str(tmp_path),
    )
    # With a staging destination dlt writes files there and loads them with COPY INTO.
    assert pipeline.staging is not None and pipeline.destination.destination_name == "snowflake"


def test_missing_staging_bucket_is_a_clear_error(snowflake_env):
    snowflake_env.delenv("ELT_SNOWFLAKE_STAGING_BUCKET_URL")
    with pytest.raises(ConfigError, match="ELT_SNOWFLAKE_STAGING_BUCKET_URL"):
        warehouse.dlt_staging()


def test_key_pair_and_load_role_come_from_the_environment(snowflake_env, tmp_path):
    key = tmp_path / "rsa_key.p8"
    key.write_text("-----BEGIN ENCRYPTED PRIVATE KEY-----\n...\n")
    snowflake_env.setenv("ELT_SNOWFLAKE_PRIVATE_KEY_PATH", str(key))
    snowflake_env.setenv("ELT_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "pass")
    snowflake_env.setenv("ELT_SNOWFLAKE_LOADER_ROLE", "RAW_LOADER")
    snowflake_env.setenv("ELT_SNOWFLAKE_STAGE", "RAW.PUBLIC.ELT_STAGING")
    params = warehouse.dlt_destination().config_params
    credentials = params["credentials"]
    assert credentials["private_key_path"] == str(key)
    assert credentials["private_key_passphrase"] == "pass"
    assert "password" not in credentials
    assert credentials["role"] == "RAW_LOADER"
    assert params["stage_name"] == "RAW.PUBLIC.ELT_STAGING"
    assert '"load_id": "{{load_id}}"' in params["query_tag"]
