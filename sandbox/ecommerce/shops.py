"""The sandbox's Shopify shops, their API versions and their deterministic credentials.

Each shop is its own store (`{shop}.myshopify.com` in production), so each is one scope of the
loader. `outdoor-gear` has an app made in the Dev Dashboard, which gets its access token with the
client-credentials grant (tokens expire); `home-goods` still has a legacy custom app with a static
admin token, as stores set up before 2026 do. Credentials derive from the seed, so the server, the
manager (which writes them to `.dlt/secrets.toml`) and tests agree without sharing a file; they
only unlock the local sandbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SHOP_NAMES: tuple[str, ...] = ("outdoor-gear", "home-goods")
# Newest first: each quarterly version is supported for at least 12 months; a request naming any
# other version (older, or one that never existed) is answered by the oldest supported one.
API_VERSIONS: tuple[str, ...] = ("2026-10", "2026-07", "2026-04", "2026-01", "2025-10")
CURRENT_API_VERSION = API_VERSIONS[0]
OLDEST_API_VERSION = API_VERSIONS[-1]
DEFAULT_TOKEN_TTL_SECONDS = 86_400  # about a day, as reported for client-credentials tokens
TOKEN_SCOPE = "read_orders,read_all_orders"
CLIENT_CREDENTIALS = "client_credentials"
STATIC_TOKEN = "static_token"

_AUTH = {"outdoor-gear": CLIENT_CREDENTIALS, "home-goods": STATIC_TOKEN}
# Orders over the history relative to the ~600 per shop at scale 1, and where ids start.
_VOLUME = {"outdoor-gear": 1.1, "home-goods": 0.9}
_ID_BASE = {"outdoor-gear": 6_120_000_000_000, "home-goods": 6_340_000_000_000}
_SKU_PREFIX = {"outdoor-gear": "OG", "home-goods": "HG"}


@dataclass(frozen=True)
class ShopSpec:
    """One Shopify store: its config name, how its app authenticates and its credentials."""

    name: str
    auth: str  # CLIENT_CREDENTIALS or STATIC_TOKEN
    volume: float
    id_base: int
    sku_prefix: str
    access_token: str | None = None  # the static admin token (STATIC_TOKEN)
    client_id: str | None = None  # the Dev Dashboard app (CLIENT_CREDENTIALS)
    client_secret: str | None = None

    def config(self, shop_url: str) -> dict[str, str]:
        """The loader's `sources.ecommerce.shops.<name>` keys for this shop."""
        if self.auth == STATIC_TOKEN:
            return {"shop_url": shop_url, "access_token": str(self.access_token)}
        return {
            "shop_url": shop_url,
            "client_id": str(self.client_id),
            "client_secret": str(self.client_secret),
        }


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def issued_token(seed: int, shop: str, number: int) -> str:
    """The `number`th access token the client-credentials grant hands out for `shop`."""
    return "shpat_" + _digest(seed, "ecommerce", shop, "issued", number)[:32]


def sandbox_shops(seed: int) -> list[ShopSpec]:
    """The two sandbox shops: outdoor-gear (client credentials) and home-goods (static token)."""
    shops = []
    for name in SHOP_NAMES:
        common = {
            "name": name,
            "auth": _AUTH[name],
            "volume": _VOLUME[name],
            "id_base": _ID_BASE[name],
            "sku_prefix": _SKU_PREFIX[name],
        }
        if _AUTH[name] == STATIC_TOKEN:
            token = "shpat_" + _digest(seed, "ecommerce", name, "token")[:32]
            shops.append(ShopSpec(**common, access_token=token))
        else:
            shops.append(
                ShopSpec(
                    **common,
                    client_id=_digest(seed, "ecommerce", name, "client_id")[:32],
                    client_secret="shpss_" + _digest(seed, "ecommerce", name, "client_secret")[:32],
                )
            )
    return shops
