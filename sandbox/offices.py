"""The sandbox's offices and their deterministic credentials.

Credentials are derived from the seed so the sandbox server, the manager (which writes them to
`.dlt/secrets.toml`) and tests agree without sharing a file. They only unlock the local sandbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# The first three offices have names people can remember in docs and tests; more are numbered.
_NAMED_OFFICES: tuple[tuple[str, str], ...] = (
    ("north", "America/Los_Angeles"),
    ("south", "America/Denver"),
    ("east", "America/Chicago"),
)
_TIMEZONE_ROTATION: tuple[str, ...] = (
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
)

# A negotiated key's budget (the contract's default key allows 60/min and 3,000/day).
DEFAULT_READS_PER_MINUTE = 600
DEFAULT_READS_PER_DAY = 20_000


@dataclass(frozen=True)
class OfficeSpec:
    """One simulated office: its URL name, numeric officeID, clock, credentials and read budget."""

    name: str
    office_id: int
    timezone: str
    key: str
    token: str
    reads_per_minute: int = DEFAULT_READS_PER_MINUTE
    reads_per_day: int = DEFAULT_READS_PER_DAY


def office_credentials(seed: int, name: str) -> tuple[str, str]:
    """The (authenticationKey, authenticationToken) pair of office `name` for `seed`."""
    key = "sbx_" + hashlib.sha256(f"{seed}:{name}:key".encode()).hexdigest()[:24]
    token = "sbx_" + hashlib.sha256(f"{seed}:{name}:token".encode()).hexdigest()[:32]
    return key, token


def sandbox_offices(
    seed: int,
    count: int = 3,
    *,
    reads_per_minute: int = DEFAULT_READS_PER_MINUTE,
    reads_per_day: int = DEFAULT_READS_PER_DAY,
) -> list[OfficeSpec]:
    """The first `count` sandbox offices: north, south, east, then office04, office05, ..."""
    if count < 1:
        raise ValueError(f"a sandbox needs at least one office, got {count}")
    offices = []
    for index in range(count):
        if index < len(_NAMED_OFFICES):
            name, timezone = _NAMED_OFFICES[index]
        else:
            name, timezone = f"office{index + 1:02d}", _TIMEZONE_ROTATION[index % len(_TIMEZONE_ROTATION)]
        key, token = office_credentials(seed, name)
        offices.append(
            OfficeSpec(
                name=name,
                office_id=index + 1,
                timezone=timezone,
                key=key,
                token=token,
                reads_per_minute=reads_per_minute,
                reads_per_day=reads_per_day,
            )
        )
    return offices
