"""Logging for `elt`: one JSON object per line off a terminal, text on one, never a secret.

`ELT_LOG_FORMAT=json|text` forces a format. Every configured secret value (each string in
`.dlt/secrets.toml` and each environment variable whose name says it holds a secret) is replaced
by `***` in every log record of every logger, and `redact()` does the same for command output
and for text written to the warehouse (run errors, alerts).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tomllib
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

MASK = "***"
# Environment variables whose value is a secret, by name (cloud, warehouse, API and alert keys;
# the PII salt, also as the PostgreSQL session setting PGOPTIONS carries).
SECRET_ENV_NAME = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|AUTHENTICATION_KEY|ACCESS_KEY|PRIVATE_KEY|API_KEY|CREDENTIALS|WEBHOOK_URL"
    r"|SALT|PGOPTIONS)",
    re.IGNORECASE,
)
# Shorter values ("true", "1", a port) are not credentials and would mask unrelated text.
MIN_SECRET_LENGTH = 6


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def secrets_toml_path() -> Path:
    """The secrets file dlt reads: `<DLT_PROJECT_DIR or cwd>/.dlt/secrets.toml`."""
    return Path(os.environ.get("DLT_PROJECT_DIR") or Path.cwd()) / ".dlt" / "secrets.toml"


@lru_cache(maxsize=1)
def secret_values() -> tuple[str, ...]:
    """Every configured secret, longest first (so a secret containing another is masked whole)."""
    found: set[str] = set()
    path = secrets_toml_path()
    if path.is_file():
        try:
            found.update(_strings(tomllib.loads(path.read_text())))
        except (OSError, tomllib.TOMLDecodeError):
            pass  # dlt reports a broken secrets file itself; we still mask the environment
    for name, value in os.environ.items():
        if SECRET_ENV_NAME.search(name):
            found.add(value)
    # A secret URL (a webhook's) carries its token in the path: HTTP libraries log the path
    # without the host ("POST /services/T0/B0/token"), so the path alone is a secret too.
    found |= {_url_secret_part(s) for s in found if s.startswith(("http://", "https://"))} - {""}
    # A URL-encoded or JSON-escaped copy of a secret is still the secret.
    found |= {json.dumps(s)[1:-1] for s in found} | {quote(s, safe="") for s in found}
    return tuple(sorted((s for s in found if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True))


def _url_secret_part(url: str) -> str:
    """The path and query of a URL, when long enough to be a credential (not `/` or `/hook`)."""
    parts = urlsplit(url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return tail if len(tail.strip("/")) >= 2 * MIN_SECRET_LENGTH else ""


def redact(text: str) -> str:
    for secret in secret_values():
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Masks secrets in the message, its arguments and any exception text of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as its raw message
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC), level, logger, message, exc, and any `extra` fields."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        for key, value in vars(record).items():
            if key not in self._standard and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        return json.dumps(entry, default=str)


class _KeepFormatHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stderr handler whose format cannot be replaced: dlt sets its own on the `dlt` logger's
    first handler (and stops it propagating), so we give that logger one of these."""

    def setFormatter(self, fmt: logging.Formatter | None) -> None:  # noqa: N802 - logging's name
        if self.formatter is None:
            super().setFormatter(fmt)


def use_json(stream: Any = None) -> bool:
    chosen = os.environ.get("ELT_LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    stream = stream or sys.stderr
    return not (hasattr(stream, "isatty") and stream.isatty())


def configure(verbose: bool = False) -> None:
    """Route every logger (ours, dlt's, GX's, botocore's) through one redacting stderr handler."""
    formatter = (
        JsonFormatter()
        if use_json()
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    dlt_logger = logging.getLogger("dlt")
    for logger in (root, dlt_logger):
        for old in list(logger.handlers):
            logger.removeHandler(old)
        handler = _KeepFormatHandler(sys.stderr)
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
    dlt_logger.propagate = False  # dlt does the same; its records go through its own handler
    logging.captureWarnings(True)  # Python warnings go through the same filter and format
    # Libraries only speak up for warnings; our own code reports progress.
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for own in ("elt", "loaders", "expectations", "sandbox"):
        logging.getLogger(own).setLevel(logging.DEBUG if verbose else logging.INFO)
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
