"""PestRoutes API client: office configuration, the search-then-get paging, envelope handling.

dlt's REST paginators assume one request returns one page of records; PestRoutes needs two
calls per page (search returns IDs, get returns records) and pages past the search cap by
primary-key windows, so the paging loop is written here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests

from loaders.common.budget import ReadBudget
from loaders.common.config import SourceConfig, env_var
from loaders.common.errors import ConfigError, PermanentError, TransientError
from loaders.common.http import CallStats, RetryPolicy, call_json
from loaders.pestroutes import settings
from loaders.pestroutes.settings import Entity

log = logging.getLogger(__name__)

NULL_DATES = {"", "0000-00-00", "0000-00-00 00:00:00"}
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

# success:false messages that mean "try again", everything else fails the office. The API has
# no error codes, so this is matched on text; assumed wording, configurable per deployment.
TRANSIENT_ERROR_MARKERS = ("temporar", "try again", "timeout", "timed out", "busy")


@dataclass(frozen=True)
class OfficeConfig:
    name: str
    base_url: str
    authentication_key: str = field(repr=False)
    authentication_token: str = field(repr=False)
    timezone: str = settings.DEFAULT_TIMEZONE
    office_id: int | None = None
    reads_per_minute: int = settings.READS_PER_MINUTE
    reads_per_day: int = settings.READS_PER_DAY

    @property
    def secrets(self) -> tuple[str, str]:
        return (self.authentication_key, self.authentication_token)


@dataclass(frozen=True)
class LoadSettings:
    overlap_minutes: int = settings.OVERLAP_MINUTES
    search_cap: int = settings.SEARCH_CAP
    get_batch_size: int = settings.GET_BATCH_SIZE
    retry: RetryPolicy = field(default_factory=RetryPolicy)


CONFIG = SourceConfig("sources.pestroutes")


def load_settings() -> LoadSettings:
    return LoadSettings(
        overlap_minutes=CONFIG.get_int("overlap_minutes", settings.OVERLAP_MINUTES),
        search_cap=CONFIG.get_int("search_cap", settings.SEARCH_CAP),
        get_batch_size=min(
            CONFIG.get_int("get_batch_size", settings.GET_BATCH_SIZE), settings.GET_BATCH_SIZE
        ),
        retry=RetryPolicy(
            max_attempts=CONFIG.get_int("max_attempts", 6),
            backoff_seconds=CONFIG.get_float("backoff_seconds", 0.5),
            timeout_seconds=CONFIG.get_float("timeout_seconds", 30),
        ),
    )


def configured_office_names() -> list[str]:
    """Every office named in any provider: config.toml, secrets.toml or the environment."""
    return CONFIG.names("offices")


def load_offices(names: list[str] | None = None) -> list[OfficeConfig]:
    """Read each office's settings and credentials; an office missing either fails with one line
    naming the key (no configured office is ever skipped silently)."""
    known = configured_office_names()
    if not known:
        raise ConfigError(
            "no PestRoutes offices configured: add [sources.pestroutes.offices.<name>] "
            "tables to .dlt/config.toml (see loaders/pestroutes/README.md)"
        )
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise ConfigError(f"unknown office {', '.join(unknown)}; configured: {', '.join(known)}")
    offices = []
    for name in names or known:
        office = CONFIG.sub("offices", name)
        base_url = office.get("base_url")
        if not base_url:
            raise ConfigError(
                f"office `{name}` has no base_url: set {office.key('base_url')} in .dlt/config.toml "
                f"or {env_var(office.key('base_url'))}"
            )
        office_id = office.get("office_id")
        offices.append(
            OfficeConfig(
                name=name,
                base_url=str(base_url).rstrip("/"),
                authentication_key=office.secret("authentication_key"),
                authentication_token=office.secret("authentication_token"),
                timezone=str(office.get("timezone", settings.DEFAULT_TIMEZONE)),
                office_id=int(office_id) if office_id is not None else None,
                reads_per_minute=office.get_int("reads_per_minute", settings.READS_PER_MINUTE),
                reads_per_day=office.get_int("reads_per_day", settings.READS_PER_DAY),
            )
        )
    return offices


def _operator(op: str, value: Any) -> str:
    # The API accepts PHP-style nested fields or a JSON string; JSON keeps the body flat.
    return json.dumps({"operator": op, "value": value})


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class PestRoutesClient:
    """One office's API: budgeted, retried calls and the search-then-get paging."""

    def __init__(self, office: OfficeConfig, load_settings: LoadSettings) -> None:
        self.office = office
        self.settings = load_settings
        self.budget = ReadBudget(office.reads_per_minute, office.reads_per_day, name=f"office {office.name}")
        self.stats = CallStats()
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def _check_envelope(self, body: dict[str, Any]) -> None:
        usage = body.get("tokenUsage") or {}
        limits = body.get("tokenLimits") or {}
        self.budget.observe_server_usage(
            _as_int(usage.get("requestsReadToday")),
            _as_int(usage.get("requestsReadInLastMinute")),
            _as_int(limits.get("limitReadRequestsPerMinute")),
            _as_int(limits.get("limitReadRequestsPerDay")),
        )
        if body.get("success") in (True, "true", 1, "1"):
            return
        message = str(body.get("errorMessage") or "request failed without an error message")
        lowered = message.lower()
        if "daily" in lowered and "limit" in lowered:
            raise PermanentError(message)
        if "per minute" in lowered:
            # Someone else spent the shared key's minute: wait for the window to pass.
            raise TransientError(message, retry_after=60)
        if any(marker in lowered for marker in TRANSIENT_ERROR_MARKERS):
            raise TransientError(message)
        raise PermanentError(message)

    def call(self, endpoint: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        data = dict(params)
        data["authenticationKey"] = self.office.authentication_key
        data["authenticationToken"] = self.office.authentication_token
        if self.office.office_id is not None:
            data.setdefault("officeIDs", self.office.office_id)
        body = call_json(
            self.session,
            "POST",
            f"{self.office.base_url}/{endpoint}/{action}",
            budget=self.budget,
            policy=self.settings.retry,
            stats=self.stats,
            check_body=self._check_envelope,
            describe=f"office {self.office.name} {endpoint}/{action}",
            data=data,
        )
        # The envelope echoes the credentials in `params`: drop it before anything can keep it.
        body.pop("params", None)
        return body

    def search_ids(self, entity: Entity, filters: dict[str, Any]) -> Iterator[list[int]]:
        """Yield ID windows of at most `search_cap`, paging past the cap by primary key."""
        last_id: int | None = None
        while True:
            params = dict(filters)
            if last_id is not None:
                params[entity.id_param] = _operator(">", last_id)
            body = self.call(entity.endpoint, "search", params)
            key = body.get("propertyName") or entity.search_key
            ids = sorted(int(i) for i in body.get(key) or [])
            if ids:
                yield ids
            if len(ids) < self.settings.search_cap:
                return
            last_id = ids[-1]

    def get_records(self, entity: Entity, ids: list[int]) -> list[dict[str, Any]]:
        body = self.call(entity.endpoint, "get", {f"{entity.id_param}[]": ids})
        key = body.get("propertyName") or f"{entity.endpoint}s"
        records = body.get(key)
        if records is None:
            raise TransientError(
                f"office {self.office.name} {entity.endpoint}/get: no `{key}` in the response"
            )
        return list(records)

    def records(self, entity: Entity, since: str | None) -> Iterator[list[dict[str, Any]]]:
        """Yield pages of full records changed after `since` (all records when None)."""
        filters: dict[str, Any] = {}
        if since is not None and entity.cursor:
            filters[entity.cursor] = _operator(">", since)
        batch = self.settings.get_batch_size
        for window in self.search_ids(entity, filters):
            for start in range(0, len(window), batch):
                chunk = window[start : start + batch]
                records = self.get_records(entity, chunk)
                if len(records) < len(chunk):
                    # The API drops IDs silently past its get cap; never assume a short page is fine.
                    missing = set(chunk) - {_as_int(r.get(entity.primary_key)) for r in records}
                    if missing:
                        log.warning(
                            "office %s %s/get returned %d of %d records (%d IDs missing, e.g. deleted)",
                            self.office.name,
                            entity.endpoint,
                            len(records),
                            len(chunk),
                            len(missing),
                        )
                yield records


def cursor_value(record: dict[str, Any], cursor: str) -> str | None:
    value = record.get(cursor)
    if value is None or value in NULL_DATES:
        return None
    return str(value)


def since_with_overlap(watermark: str | None, overlap_minutes: int) -> str | None:
    """The lower bound of the next incremental request: the watermark minus the overlap."""
    if watermark is None:
        return None
    try:
        moment = datetime.strptime(watermark, TIMESTAMP_FORMAT)
    except ValueError:
        moment = datetime.strptime(watermark[:10], "%Y-%m-%d")
    return (moment - timedelta(minutes=overlap_minutes)).strftime(TIMESTAMP_FORMAT)
