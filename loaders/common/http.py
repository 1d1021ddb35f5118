"""HTTP calls with retries and backoff, gated by a read budget, shared by every API loader.

dlt's `requests.Client` retries below the point where we need control: every attempt must be
counted against the credential's read budget, and APIs that answer errors with HTTP 200 (an
envelope saying `success: false`) need their own transient/permanent classification. So this
is a small explicit loop: budget, send, classify, back off.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from loaders.common.budget import ReadBudget
from loaders.common.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
# Nothing listens at the address: a second try covers a service restarting; more only delays the
# one line that says the service is down.
REFUSED_ATTEMPTS = 2


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff_seconds)
        base = min(self.backoff_seconds * (2 ** (attempt - 1)), self.max_backoff_seconds)
        return base * (0.5 + random.random() / 2)  # jitter keeps offices from retrying in step


@dataclass
class CallStats:
    calls: int = 0
    retries: int = 0
    retry_wait_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value and value.strip().isdigit():
        return float(value)
    return None


def call_json(
    session: requests.Session,
    method: str,
    url: str,
    *,
    budget: ReadBudget | None,
    policy: RetryPolicy,
    stats: CallStats,
    check_body: Callable[[dict[str, Any]], None] | None = None,
    describe: str = "",
    **request_kwargs: Any,
) -> dict[str, Any]:
    """Send one logical request, retrying transient failures; return the decoded JSON body.

    `check_body` inspects a decoded body and raises TransientError/PermanentError for error
    envelopes. Error messages never include request bodies or headers (they hold credentials).
    """
    attempt = 0
    while True:
        attempt += 1
        slot = budget.acquire() if budget is not None else None
        stats.calls += 1
        try:
            try:
                response = session.request(method, url, timeout=policy.timeout_seconds, **request_kwargs)
            except requests.Timeout as exc:
                raise TransientError(f"{describe}: read timeout") from exc
            except requests.ConnectionError as exc:
                if "Connection refused" in str(exc):
                    raise TransientError(f"{describe}: connection refused", refused=True) from exc
                raise TransientError(f"{describe}: connection error ({type(exc).__name__})") from exc
            finally:
                if slot is not None:
                    budget.settle(slot)
            if response.status_code in RETRY_STATUS:
                raise TransientError(
                    f"{describe}: HTTP {response.status_code}", retry_after=_retry_after(response)
                )
            if response.status_code in (401, 403):
                raise PermanentError(f"{describe}: HTTP {response.status_code}, check the credentials")
            if response.status_code >= 400:
                raise PermanentError(f"{describe}: HTTP {response.status_code}")
            try:
                body = response.json()
            except (ValueError, json.JSONDecodeError) as exc:
                raise TransientError(f"{describe}: response was not complete JSON") from exc
            if not isinstance(body, dict):
                raise TransientError(f"{describe}: response was not a JSON object")
            if check_body is not None:
                try:
                    check_body(body)
                except TransientError as exc:
                    raise TransientError(f"{describe}: {exc}", exc.retry_after) from exc
                except PermanentError as exc:
                    raise type(exc)(f"{describe}: {exc}") from exc
            return body
        except TransientError as exc:
            stats.errors.append(str(exc))
            if attempt >= policy.max_attempts or (exc.refused and attempt >= REFUSED_ATTEMPTS):
                raise TransientError(f"{exc} (gave up after {attempt} attempts)") from exc
            delay = policy.delay(attempt, exc.retry_after)
            stats.retries += 1
            stats.retry_wait_seconds += delay
            log.debug("%s; retry %d/%d in %.1fs", exc, attempt, policy.max_attempts - 1, delay)
            time.sleep(delay)
