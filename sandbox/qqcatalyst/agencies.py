"""The sandbox's two QQCatalyst agencies and their deterministic OAuth2 credentials.

Each agency is its own QQCatalyst account, so each is one scope of the loader with its own app
(client id and secret) and API user. `harbor` (a Massachusetts agency, mostly personal lines) is
configured for the password grant ("passive authentication"); `summit` (a Colorado agency, more
commercial lines) with a refresh token from "active authentication", so the loader's
refresh-token grant is exercised too. The simulator knows every agency's user and password and
its standing refresh token, whichever its configuration uses. Credentials derive from the seed,
so the server, the manager (which writes them to `.dlt/secrets.toml`) and tests agree without
sharing a file; they only unlock the local sandbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

AGENCY_NAMES: tuple[str, ...] = ("harbor", "summit")
DEFAULT_TOKEN_TTL_SECONDS = 3_600  # about an hour, as the vendor's tokens live
DEFAULT_REQUESTS_PER_MINUTE = 60  # the one published figure (a third-party table), per credential
PASSWORD = "password"
REFRESH_TOKEN = "refresh_token"

_AUTH = {"harbor": PASSWORD, "summit": REFRESH_TOKEN}
_TITLE = {"harbor": "Harbor Insurance Group", "summit": "Summit Risk Partners"}
# Records over the history relative to ~5,000 at scale 1, share of commercial lines, id ranges.
_VOLUME = {"harbor": 1.1, "summit": 1.0}
_COMMERCIAL = {"harbor": 0.25, "summit": 0.5}
_AGENCY_ID = {"harbor": 31_877, "summit": 47_102}
_ID_BASE = {"harbor": 3_000_000, "summit": 7_000_000}


@dataclass(frozen=True)
class AgencySpec:
    """One agency: its config name, how it authenticates, its credentials and its book's shape."""

    name: str
    title: str
    auth: str  # PASSWORD or REFRESH_TOKEN: which grant its loader configuration uses
    client_id: str
    client_secret: str
    username: str
    password: str
    refresh_token: str  # valid for the simulator's whole life, whatever `auth` is
    agency_id: int
    id_base: int
    volume: float
    commercial_share: float
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE

    def config(self) -> dict[str, str]:
        """The loader's `sources.qqcatalyst.agencies.<name>` keys (secrets) for this agency."""
        keys = {"client_id": self.client_id, "client_secret": self.client_secret}
        if self.auth == REFRESH_TOKEN:
            return {**keys, "refresh_token": self.refresh_token}
        return {**keys, "username": self.username, "password": self.password}


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def issued_token(seed: int, agency: str, kind: str, number: int) -> str:
    """The `number`th access (or refresh) token the token endpoint hands out for `agency`."""
    return _digest(seed, "qqcatalyst", agency, kind, number)[:48]


def sandbox_agencies(
    seed: int, *, requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
) -> list[AgencySpec]:
    """The two sandbox agencies: harbor (password grant) and summit (refresh-token grant)."""
    agencies = []
    for name in AGENCY_NAMES:
        client = _digest(seed, "qqcatalyst", name, "client_id")
        agencies.append(
            AgencySpec(
                name=name,
                title=_TITLE[name],
                auth=_AUTH[name],
                # QQCatalyst app ids are GUIDs.
                client_id=f"{client[:8]}-{client[8:12]}-{client[12:16]}-{client[16:20]}-{client[20:32]}",
                client_secret=_digest(seed, "qqcatalyst", name, "client_secret")[:40],
                username=f"api.{name}@{name}-agency.example.com",
                password="Sbx!" + _digest(seed, "qqcatalyst", name, "password")[:20],
                refresh_token=issued_token(seed, name, "standing_refresh", 0),
                agency_id=_AGENCY_ID[name],
                id_base=_ID_BASE[name],
                volume=_VOLUME[name],
                commercial_share=_COMMERCIAL[name],
                requests_per_minute=requests_per_minute,
            )
        )
    return agencies
