"""Structured logs, and no configured secret anywhere: logs, output, artefacts, warehouse, alerts."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from elt import logs
from sandbox.offices import sandbox_offices
from sandbox.service_csv import s3 as sandbox_s3
from sandbox.service_csv.generator import CorpusConfig
from tests.conftest import assert_no_secrets, make_project
from tests.ops.conftest import EchoingApi, Webhook

TOML_SECRET = "toml-secret-Zq81x"
ENV_SECRET = "env-secret-Pw77k"


@pytest.fixture
def secrets_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        f'[sources.x.offices.a]\nauthentication_key = "{TOML_SECRET}"\n'
    )
    monkeypatch.setenv("DLT_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("ELT_PG_PASSWORD", ENV_SECRET)
    logs.secret_values.cache_clear()
    yield
    logs.secret_values.cache_clear()


def _emit(formatter: logging.Formatter, *records: tuple[str, tuple[Any, ...], bool]) -> list[str]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(logs.RedactingFilter())
    logger = logging.getLogger("tests.ops.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for message, args, with_exc in records:
            if with_exc:
                try:
                    raise RuntimeError(f"boom with {TOML_SECRET}")
                except RuntimeError:
                    logger.exception(message, *args)
            else:
                logger.warning(message, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue().splitlines()


def test_json_lines_mask_every_configured_secret(secrets_configured: None) -> None:
    lines = _emit(
        logs.JsonFormatter(),
        ("calling with key %s", (TOML_SECRET,), False),
        (f"password {ENV_SECRET} refused", (), False),
        ("it broke", (), True),
    )
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert [e["message"] for e in entries] == ["calling with key ***", "password *** refused", "it broke"]
    assert entries[0]["level"] == "WARNING" and entries[0]["logger"] == "tests.ops.redaction"
    assert "RuntimeError: boom with ***" in entries[2]["exc"]
    text = "\n".join(lines)
    assert TOML_SECRET not in text and ENV_SECRET not in text


def test_text_on_a_terminal_json_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("ELT_LOG_FORMAT", raising=False)
    assert logs.use_json(io.StringIO()) and not logs.use_json(Tty())
    monkeypatch.setenv("ELT_LOG_FORMAT", "json")
    assert logs.use_json(Tty())
    monkeypatch.setenv("ELT_LOG_FORMAT", "text")
    assert not logs.use_json(io.StringIO())


CLI_LINES = ("loading ", "error: ", "warning: ")  # the commands' own one-line messages on stderr


def test_no_secret_survives_a_failing_load_a_build_and_a_release(
    tmp_path: Path, make_sandbox: Any, webhook: Webhook, echoing_api: EchoingApi
) -> None:
    offices = sandbox_offices(seed=31, count=1)
    server = make_sandbox(offices, seed=31, scale=0.1)
    moto = sandbox_s3.start_moto(port=0)
    try:
        sandbox_s3.seed_bucket(
            moto.endpoint_url,
            CorpusConfig(seed=31, initial_files=2, rows_per_file=100),
            range(1),
            bucket="ops-secrets-exports",
        )
        # A second office whose API refuses every call and echoes its credentials in the error.
        rogue = replace(offices[0], name="rogue", key="rogue-key-8817", token="rogue-tok-5523")
        # ELT_SOURCES: incident.io on but not configured, Shopify and the app database off.
        project = make_project(tmp_path, server, [*offices, rogue], sources=("pestroutes", "incidents"))
        project.office_overrides = {"rogue": {"base_url": f"{echoing_api.url}/api"}}
        project.read_exports_from(moto.endpoint_url, "ops-secrets-exports")
        # A secret in the environment the product reads (on PostgreSQL, the real connection
        # passwords are checked below instead of being replaced).
        env_secret = "ELT_PG_PASSWORD" if project.target == "duckdb" else "ELT_SNOWFLAKE_PASSWORD"
        project.extra_env = {env_secret: ENV_SECRET}
        project.write_config()
        with (project.root / ".dlt" / "secrets.toml").open("a") as handle:
            handle.write(f'\n[alerts]\nwebhook_url = "{webhook.url}/services/T0/B0/{TOML_SECRET}"\n')

        # Verbose: every logger at DEBUG (urllib3 logs each request's path) must still be masked.
        load = project.elt("-v", "load", check=False)
        project.build()
        release = project.elt("release")
        status = project.elt("status")
    finally:
        moto.stop()

    assert load.returncode == 2
    assert re.search(
        r"FAILED rogue: office rogue \w+/search: Account suspended for key \*\*\* and token \*\*\*",
        load.stdout,
    )
    assert "published" in release.stdout
    # incident.io is not configured in this project: the load skips it with its reason, its
    # models build empty and the release publishes the other sources' marts.
    assert "not configured: add [sources.incidents.workspaces.<name>]" in load.stdout
    assert "note: source incidents has never been loaded here" in release.stdout
    # Switched off (ELT_SOURCES): not loaded, not built, not checked.
    switched_off = (
        "note: ecommerce, app_db, qqcatalyst, ai_tools switched off by ELT_SOURCES: not built, not checked"
    )
    assert switched_off in release.stdout
    assert "ecommerce" not in load.stdout and "app_db" not in load.stdout
    assert "rogue" in status.stdout
    # Logs are JSON lines (stderr is not a terminal), apart from the commands' own one-liners.
    for completed in (load, release, status):
        for line in completed.stderr.splitlines():
            if not line.startswith(CLI_LINES):
                entry = json.loads(line)
                assert {"ts", "level", "logger", "message"} <= set(entry), line
    assert any(
        json.loads(line)["logger"] == "elt.alerts" for line in load.stderr.splitlines() if line[:1] == "{"
    )
    # The alert itself was delivered, masked.
    assert webhook.posts and all("***" in text for text in webhook.texts if "rogue" in text)
    secrets = [
        rogue.key,
        rogue.token,
        offices[0].key,
        offices[0].token,
        *project.service_csv_secrets.values(),
        TOML_SECRET,
        ENV_SECRET,
        *(value for name, value in project.env.items() if name.startswith("ELT_PG_") and "PASSWORD" in name),
    ]
    for text in webhook.texts:
        assert not any(secret in text for secret in secrets), text
    assert_no_secrets(project, secrets)
