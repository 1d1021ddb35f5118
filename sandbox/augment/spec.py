"""How the Augment Analytics API simulator plugs into the sandbox: options, world, loader config."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from sandbox.ai_usage import AiToolSpec
from sandbox.framework import LoaderContext, Option

REQUESTS_PER_MINUTE = 10  # Augment's documented limit ...
BURST = 20  # ... with a burst allowance
# The sandbox's own, so `make demo` reads a month of days in seconds; `--set
# augment.per_minute=10 --set augment.burst=20` simulates the published limit (the tests do).
SANDBOX_PER_MINUTE = 1_200


def api_token(seed: int) -> str:
    """The sandbox service account's API token for `seed` (it unlocks only the local sandbox)."""
    return "aug_sa_" + hashlib.sha256(f"{seed}:augment:token".encode()).hexdigest()[:44]


class AugmentSpec(AiToolSpec):
    name: ClassVar[str] = "augment"
    title: ClassVar[str] = "Augment Code Analytics API"
    api: ClassVar[str] = "sandbox.augment.server:AugmentApi"
    options: ClassVar[dict[str, Option]] = {
        "per_minute": Option(SANDBOX_PER_MINUTE, "the token's requests per minute (429 beyond)", minimum=1),
        "burst": Option(SANDBOX_PER_MINUTE, "requests the token may make at once", minimum=1),
        "hour": Option(12, "the simulated UTC hour: before 02:00 yesterday is not ready yet", minimum=0),
        "retired": Option("", "endpoints answering 404 (daily-usage, user-activity, ...)", str),
        "fault_timeout": Option(30.0, "seconds a `timeout` fault stalls", float, minimum=0),
    }

    def loader_keys(self, ctx: LoaderContext) -> dict[str, Any]:
        # The loader appends /analytics/v0/<endpoint> to base_url, as to https://api.augmentcode.com.
        return {
            "api_token": api_token(ctx.seed),
            "requests_per_minute": int(ctx.options.get("per_minute", SANDBOX_PER_MINUTE)),
            "burst": int(ctx.options.get("burst", SANDBOX_PER_MINUTE)),
        }

    def describe(self, ctx: LoaderContext) -> str:
        return f"augment: {self.title} at {ctx.mount_url} (Authorization: Bearer <token>)"


SPEC = AugmentSpec()
