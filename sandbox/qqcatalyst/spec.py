"""How the QQCatalyst simulator plugs into the sandbox: its options, its agencies and its loader config."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from sandbox.framework import LoaderContext, MountedSpec, Option
from sandbox.qqcatalyst.agencies import (
    DEFAULT_TOKEN_TTL_SECONDS,
    REFRESH_TOKEN,
    AgencySpec,
    sandbox_agencies,
)

SANDBOX_REQUESTS_PER_MINUTE = 1_200


class QQCatalystSpec(MountedSpec):
    name: ClassVar[str] = "qqcatalyst"
    title: ClassVar[str] = "QQCatalyst API v1"
    options: ClassVar[dict[str, Option]] = {
        "token_ttl_seconds": Option(DEFAULT_TOKEN_TTL_SECONDS, "seconds an access token lives", minimum=1),
        # The API's one published figure is 60 a minute (DEFAULT_REQUESTS_PER_MINUTE, the loader's
        # default too): a first backfill is then about 10 minutes per agency. The sandbox runs at
        # 1,200 so the demo stays quick, and tells the loader (loader_sections);
        # `--set qqcatalyst.requests_per_minute=60` simulates the published limit.
        "requests_per_minute": Option(
            SANDBOX_REQUESTS_PER_MINUTE, "each agency credential's data requests per minute", minimum=1
        ),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def build(
        self,
        *,
        seed: int = 42,
        scale: float = 1.0,
        day: int = 0,
        token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
        requests_per_minute: int = SANDBOX_REQUESTS_PER_MINUTE,
        fault_timeout: float = 30.0,
        agencies: list[AgencySpec] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> Any:
        from sandbox.qqcatalyst.server import QQCatalystSimulator

        return QQCatalystSimulator(
            agencies or sandbox_agencies(seed, requests_per_minute=requests_per_minute),
            seed=seed,
            scale=scale,
            day=day,
            token_ttl_seconds=token_ttl_seconds,
            fault_timeout=fault_timeout,
            clock=clock,
        )

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        # The mount stands for both hosts: the loader calls {base_url}/v1/... and posts to token_url.
        sections: dict[str, dict[str, Any]] = {
            "sources.qqcatalyst": {"base_url": ctx.mount_url, "token_url": f"{ctx.mount_url}/oauth/token"}
        }
        if "requests_per_minute" in ctx.options:  # the loader's budget follows the simulator's limit
            sections["sources.qqcatalyst"]["requests_per_minute"] = ctx.options["requests_per_minute"]
        for agency in sandbox_agencies(ctx.seed):
            sections[f"sources.qqcatalyst.agencies.{agency.name}"] = agency.config()
        return sections

    def owned_sections(self) -> tuple[str, ...]:
        return ("sources.qqcatalyst", "sources.qqcatalyst.agencies.*")

    def describe(self, ctx: LoaderContext) -> str:
        grants = ", ".join(
            f"{a.name} ({'refresh token' if a.auth == REFRESH_TOKEN else 'password grant'})"
            for a in sandbox_agencies(ctx.seed)
        )
        return (
            f"qqcatalyst: agencies {grants} at {ctx.mount_url} (OAuth2 token at {ctx.mount_url}/oauth/token)"
        )


SPEC = QQCatalystSpec()
