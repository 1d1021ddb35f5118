"""QQCatalyst agencies and the loader's settings, from every dlt config provider.

The entities are kept as data: the RAW table, the API's name for it (the path segment), the key
inside each record, and whether it is read in date windows (`LastModifiedCreated`) or whole (a
small reference list). Paths are configuration (`[sources.qqcatalyst.paths]`, keyed by RAW
table): the public integrations disagree on them, and the vendor's own sample uses older ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from loaders.common.config import SourceConfig
from loaders.common.errors import ConfigError

CONFIG = SourceConfig("sources.qqcatalyst")
DEFAULT_BASE_URL = "https://api.qqcatalyst.com"
DEFAULT_TOKEN_URL = "https://login.qqcatalyst.com/oauth/token"
# Every public integration pages by 100; 500 is the unverified maximum (the sandbox refuses more).
DEFAULT_PAGE_SIZE = 100
PAGE_SIZE_MAX = 500
# No limit is published; one third-party table says 60 requests a minute per credential.
DEFAULT_REQUESTS_PER_MINUTE = 60
DEFAULT_START_DATE = "2026-01-01"


@dataclass(frozen=True)
class Entity:
    table: str  # the RAW table (and what `--entity` takes)
    api_name: str  # the API's name: the path segment, and what the sandbox's faults match on
    primary_key: str  # the id inside each record
    windowed: bool  # read in date windows of DateLastModified; else whole every run

    @property
    def default_path(self) -> str:
        return f"v1/{self.api_name}/LastModifiedCreated" if self.windowed else f"v1/{self.api_name}"


ENTITIES: tuple[Entity, ...] = (
    # Reference lists first: small, read whole, and what the windowed records point at.
    Entity("agencies", "Agency", "AgencyId", windowed=False),
    Entity("carriers", "Carriers", "CarrierId", windowed=False),
    Entity("locations", "Locations", "LocationId", windowed=False),
    Entity("departments", "Departments", "DepartmentId", windowed=False),
    Entity("employees", "Employees", "EmployeeId", windowed=False),
    Entity("contacts", "Contacts", "EntityID", windowed=True),
    Entity("policies", "Policies", "PolicyId", windowed=True),
    Entity("quotes", "Quotes", "QuoteId", windowed=True),
    Entity("claims", "Claims", "ClaimId", windowed=True),
    Entity("applications", "Applications", "ApplicationId", windowed=True),
    Entity("renewals", "Renewals", "RenewalId", windowed=True),
    Entity("terminations", "Terminations", "TerminationId", windowed=True),
    Entity("billing_records", "BillingRecords", "BillingRecordId", windowed=True),
    Entity("commission_rules", "CommissionRules", "CommissionRuleId", windowed=True),
    Entity("commissions", "Commissions", "CommissionId", windowed=True),
    Entity("fees", "Fees", "FeeId", windowed=True),
    Entity("documents", "Documents", "DocumentId", windowed=True),
    Entity("acord_forms", "AcordForms", "AcordFormId", windowed=True),
)
BY_TABLE = {entity.table: entity for entity in ENTITIES}
# What `--entity id_sweeps` names: the ID sweep (every windowed entity's ids, to find hard deletes).
SWEEP = "id_sweeps"


@dataclass(frozen=True)
class Agency:
    name: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    username: str | None = field(default=None, repr=False)  # the password grant, or
    password: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)  # the refresh-token grant
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE

    @property
    def secrets(self) -> list[str]:
        values = (self.client_id, self.client_secret, self.username, self.password, self.refresh_token)
        return [value for value in values if value]


@dataclass(frozen=True)
class Settings:
    base_url: str = DEFAULT_BASE_URL
    token_url: str = DEFAULT_TOKEN_URL
    paths: dict[str, str] = field(default_factory=lambda: {e.table: e.default_path for e in ENTITIES})
    page_size: int = DEFAULT_PAGE_SIZE
    window_days: int = 7  # a window (one batch) covers at most this many days: bounded paging
    overlap_days: int = 1  # each run starts this many days before the watermark
    start_date: date = date.fromisoformat(DEFAULT_START_DATE)  # the first run's lower bound
    sweep_every_days: int = 7  # 0: never sweep (unless `--entity id_sweeps` asks)
    max_attempts: int = 6
    backoff_seconds: float = 0.5
    timeout_seconds: float = 30.0


def configured_agencies() -> list[str]:
    return CONFIG.names("agencies")


def _at_least(name: str, default: int, minimum: int, why: str = "") -> int:
    value = CONFIG.get_int(name, default)
    if value < minimum:
        raise ConfigError(f"sources.qqcatalyst.{name} must be at least {minimum}{why}, got {value}")
    return value


def _date(name: str, default: str) -> date:
    value = CONFIG.get(name, default)
    if isinstance(value, datetime):  # a TOML date-time
        return value.date()
    if isinstance(value, date):  # a TOML date (unquoted)
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"sources.qqcatalyst.{name} must be a date (YYYY-MM-DD), got {value!r}") from None


def load_settings() -> Settings:
    page_size = CONFIG.get_int("page_size", DEFAULT_PAGE_SIZE)
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise ConfigError(
            f"sources.qqcatalyst.page_size must be between 1 and {PAGE_SIZE_MAX}, got {page_size}"
        )
    paths = CONFIG.sub("paths")
    return Settings(
        base_url=str(CONFIG.get("base_url", DEFAULT_BASE_URL)).rstrip("/"),
        token_url=str(CONFIG.get("token_url", DEFAULT_TOKEN_URL)),
        paths={e.table: str(paths.get(e.table, e.default_path)).strip("/") for e in ENTITIES},
        page_size=page_size,
        window_days=_at_least("window_days", 7, 1),
        # The API filters by calendar DATE: with no overlap, what changes later on the day a run
        # ends (today) would never be read.
        overlap_days=_at_least("overlap_days", 1, 1, " (the API filters by date)"),
        start_date=_date("start_date", DEFAULT_START_DATE),
        sweep_every_days=_at_least("sweep_every_days", 7, 0, " (0: never)"),
        max_attempts=_at_least("max_attempts", 6, 1),
        backoff_seconds=CONFIG.get_float("backoff_seconds", 0.5),
        timeout_seconds=CONFIG.get_float("timeout_seconds", 30.0),
    )


def load_agencies(names: list[str] | None = None) -> list[Agency]:
    default_rpm = _at_least("requests_per_minute", DEFAULT_REQUESTS_PER_MINUTE, 1)
    agencies = []
    for name in names or configured_agencies():
        section = CONFIG.sub("agencies", name)
        refresh_token = section.optional_secret("refresh_token")
        username = section.optional_secret("username")
        password = section.optional_secret("password")
        if not refresh_token and not (username and password):
            missing = "password" if username else "username"
            raise ConfigError(
                f"sources.qqcatalyst.agencies.{name} needs username and password (the password grant) "
                f"or a refresh_token: `{section.key(missing)}` is not set (.dlt/secrets.toml or "
                f"{section.key(missing).upper().replace('.', '__')})"
            )
        rpm = section.get_int("requests_per_minute", default_rpm)
        if rpm < 1:
            raise ConfigError(f"{section.key('requests_per_minute')} must be at least 1, got {rpm}")
        agencies.append(
            Agency(
                name=name,
                client_id=section.secret("client_id"),
                client_secret=section.secret("client_secret"),
                username=username,
                password=password,
                refresh_token=refresh_token,
                requests_per_minute=rpm,
            )
        )
    return agencies
