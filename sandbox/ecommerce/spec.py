"""How the Shopify simulator plugs into the sandbox: its options, its shops and its loader config."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from sandbox.ecommerce.shops import DEFAULT_TOKEN_TTL_SECONDS, ShopSpec, sandbox_shops
from sandbox.framework import LoaderContext, MountedSpec, Option


class EcommerceSpec(MountedSpec):
    name: ClassVar[str] = "ecommerce"
    title: ClassVar[str] = "Shopify GraphQL Admin API"
    options: ClassVar[dict[str, Option]] = {
        "token_ttl_seconds": Option(
            DEFAULT_TOKEN_TTL_SECONDS, "seconds a client-credentials access token lives", minimum=1
        ),
        "bucket_size": Option(2000, "each shop's query cost bucket (points)", minimum=1),
        "restore_rate": Option(100.0, "cost points a shop's bucket refills per second", float, minimum=0),
        "bulk_seconds": Option(0.5, "seconds a bulk operation runs before it completes", float, minimum=0),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def build(
        self,
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
        bucket_size: int = 2000,
        restore_rate: float = 100.0,
        bulk_seconds: float = 0.5,
        fault_timeout: float = 30.0,
        shops: list[ShopSpec] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> Any:
        from sandbox.ecommerce.server import EcommerceSimulator

        return EcommerceSimulator(
            shops or sandbox_shops(seed),
            seed=seed,
            scale=scale,
            day=day,
            token_ttl_seconds=token_ttl_seconds,
            bucket_size=bucket_size,
            restore_rate=restore_rate,
            bulk_seconds=bulk_seconds,
            fault_timeout=fault_timeout,
            clock=clock,
        )

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        # Each shop's URL stands for https://{shop}.myshopify.com: the loader appends
        # /admin/api/{api_version}/graphql.json (and /admin/oauth/access_token) to it.
        # Only the shops: these sections go to secrets.toml, and every string there is masked in
        # logs (an API version like 2026-10 would mask dates). The loader's default version is
        # the sandbox's current one.
        sections: dict[str, dict[str, Any]] = {}
        for shop in sandbox_shops(ctx.seed):
            sections[f"sources.ecommerce.shops.{shop.name}"] = shop.config(f"{ctx.mount_url}/{shop.name}")
        return sections

    def owned_sections(self) -> tuple[str, ...]:
        return ("sources.ecommerce", "sources.ecommerce.shops.*")

    def describe(self, ctx: LoaderContext) -> str:
        shops = ", ".join(f"{s.name} ({s.auth.replace('_', ' ')})" for s in sandbox_shops(ctx.seed))
        return f"ecommerce: Shopify shops {shops} at {ctx.mount_url}/<shop> (X-Shopify-Access-Token)"


SPEC = EcommerceSpec()
