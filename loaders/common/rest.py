"""The REST layer every HTTP API source uses: dlt's `RESTClient` on a budgeted, retrying session.

dlt's `RESTClient` brings the paginators (JSON cursor, header Link, page number, offset) and the
auth classes (bearer, API key, HTTP basic, OAuth2). What it lacks is put into the `requests`
session it is given, because dlt's own session retries below the point where we need control:
- every attempt is counted against the credential's read budget (`ReadBudget`) before it is sent;
- transient failures (connection errors, 408/425/429/5xx, a body that is not complete JSON, an
  error envelope on HTTP 200 that the source calls transient) are retried with backoff, honouring
  Retry-After; permanent ones (401/403 after one re-authentication, other 4xx, a permanent
  envelope error) raise `PermanentError` and fail only the scope that made the call;
- messages never hold a URL's query, a header or a body: they can carry credentials.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from dlt.common.configuration import configspec
from dlt.common.typing import TSecretStrValue
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import OAuth2ClientCredentials
from dlt.sources.helpers.rest_client.paginators import BasePaginator

from loaders.common.budget import ReadBudget
from loaders.common.errors import PermanentError, TransientError
from loaders.common.http import REFUSED_ATTEMPTS, RETRY_STATUS, CallStats, RetryPolicy, _retry_after

log = logging.getLogger(__name__)

# Inspects a decoded 2xx body; raises TransientError/PermanentError for an error envelope.
BodyCheck = Callable[[Any], None]


class BudgetedSession(requests.Session):
    """A `requests.Session` that spends a read budget per attempt and retries what is transient."""

    def __init__(
        self,
        *,
        name: str,
        budget: ReadBudget | None,
        policy: RetryPolicy,
        check_body: BodyCheck | None = None,
        reauthenticate: Callable[[requests.PreparedRequest], None] | None = None,
        body_format: str = "json",
    ) -> None:
        super().__init__()
        # "json" (a body that is not complete JSON is transient), "ndjson" (every line must be
        # complete JSON: a report file cut short is read again) or "any" (not checked).
        self.body_format = body_format
        self.name = name
        self.budget = budget
        self.policy = policy
        self.check_body = check_body
        self.reauthenticate = reauthenticate
        self.stats = CallStats()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.policy.timeout_seconds)
        path = requests.utils.urlparse(request.url or "").path
        describe = f"{self.name} {request.method} {path}"
        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            try:
                response = self._attempt(request, describe, kwargs)
                if response.status_code == 401 and self.reauthenticate and not reauthenticated:
                    # An expired or revoked token: fetch a new one once, then try again.
                    reauthenticated = True
                    self.reauthenticate(request)
                    attempt -= 1
                    continue
                self._classify(response, describe)
                return response
            except TransientError as exc:
                self.stats.errors.append(str(exc))
                if attempt >= self.policy.max_attempts or (exc.refused and attempt >= REFUSED_ATTEMPTS):
                    raise TransientError(f"{exc} (gave up after {attempt} attempts)") from None
                delay = self.policy.delay(attempt, exc.retry_after)
                self.stats.retries += 1
                self.stats.retry_wait_seconds += delay
                log.debug("%s; retry %d/%d in %.1fs", exc, attempt, self.policy.max_attempts - 1, delay)
                time.sleep(delay)

    def _attempt(self, request: requests.PreparedRequest, describe: str, kwargs: dict[str, Any]) -> Any:
        slot = self.budget.acquire() if self.budget is not None else None
        self.stats.calls += 1
        try:
            return super().send(request, **kwargs)
        except requests.Timeout:
            raise TransientError(f"{describe}: read timeout") from None
        except requests.ConnectionError as exc:
            reason = _connection_reason(exc)
            raise TransientError(f"{describe}: {reason}", refused=reason == "connection refused") from None
        finally:
            if slot is not None and self.budget is not None:
                self.budget.settle(slot)

    def _classify(self, response: requests.Response, describe: str) -> None:
        status = response.status_code
        if status in RETRY_STATUS:
            raise TransientError(f"{describe}: HTTP {status}", retry_after=_retry_after(response))
        if status in (401, 403):
            raise PermanentError(f"{describe}: HTTP {status}, check the credentials")
        if status == 404 or status == 410:
            raise PermanentError(f"{describe}: HTTP {status}: the endpoint is gone or was renamed")
        if status >= 400:
            raise PermanentError(f"{describe}: HTTP {status}{_error_detail(response)}")
        if self.body_format == "ndjson":
            try:
                [json.loads(line) for line in response.text.splitlines() if line.strip()]
            except ValueError:
                raise TransientError(f"{describe}: response was not complete NDJSON") from None
            return
        if self.body_format == "any":
            return
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            raise TransientError(f"{describe}: response was not complete JSON") from None
        if self.check_body is not None:
            try:
                self.check_body(body)
            except TransientError as exc:
                raise TransientError(f"{describe}: {exc}", exc.retry_after) from None
            except PermanentError as exc:
                raise PermanentError(f"{describe}: {exc}") from None


def _connection_reason(exc: requests.ConnectionError) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    return type(exc).__name__


def _endpoint(url: str | None) -> tuple[str, str, str]:
    """Scheme, host and path of a URL (its query and fragment left out)."""
    parts = requests.utils.urlparse(url or "")
    return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/")


def _error_detail(response: requests.Response) -> str:
    """A short reason from a JSON error body (e.g. a 422 validation message), never the request."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in ("message", "error", "errorMessage", "ErrorMessage", "type"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return f" ({' '.join(value.split())[:160]})"
    return ""


@dataclass
class ApiClient:
    """One scope's API: a dlt RESTClient over a BudgetedSession, with the stats a report needs."""

    rest: RESTClient
    session: BudgetedSession

    @classmethod
    def create(
        cls,
        *,
        name: str,
        base_url: str,
        auth: Any = None,
        paginator: BasePaginator | None = None,
        data_selector: str | None = None,
        budget: ReadBudget | None = None,
        policy: RetryPolicy | None = None,
        check_body: BodyCheck | None = None,
        headers: dict[str, str] | None = None,
        body_format: str = "json",
    ) -> ApiClient:
        reauthenticate = None
        if isinstance(auth, OAuth2ClientCredentials):

            def reauthenticate(request: requests.PreparedRequest) -> None:
                if _endpoint(request.url) == _endpoint(auth.access_token_url):
                    # The token request itself was refused: its credentials are wrong, and
                    # asking for a token to send it with would only ask again, forever.
                    path = _endpoint(request.url)[2]
                    raise PermanentError(f"{name} {request.method} {path}: HTTP 401, check the credentials")
                renew = getattr(auth, "reauthenticate", None)
                if renew is not None:
                    renew(request)
                    return
                auth.obtain_token()
                auth(request)

        session = BudgetedSession(
            name=name,
            budget=budget,
            policy=policy or RetryPolicy(),
            check_body=check_body,
            reauthenticate=reauthenticate,
            body_format=body_format,
        )
        if isinstance(auth, OAuth2ClientCredentials):
            auth.session = session  # token requests are budgeted and retried like the rest
        rest = RESTClient(
            base_url=base_url,
            headers=headers,
            auth=auth,
            paginator=paginator,
            data_selector=data_selector,
            session=session,
        )
        return cls(rest, session)

    def pages(self, path: str, **kwargs: Any) -> Any:
        """dlt's paginate, with every response already classified by the session: a response
        that reaches the paginator is a success."""
        return self.rest.paginate(path, hooks={"response": []}, **kwargs)

    def close(self) -> None:
        self.session.close()


@configspec
class OAuth2PasswordGrant(OAuth2ClientCredentials):
    """OAuth2's resource-owner password grant and refresh-token grant, which dlt lacks.

    dlt ships the client-credentials grant only. This one asks for a token with the user's name
    and password, or with `refresh_token` when it is given one (an app authorised once by the
    authorization-code flow keeps only that), then renews it with the newest refresh token the
    token endpoint answered, falling back to the password when a refresh is refused and a
    password is configured. A token is renewed `expiry_margin_seconds` before it expires (at most
    a tenth of its life, so a short-lived token is not renewed on every request) and once on a
    401 (`reauthenticate`, which ApiClient calls). Thread-safe: requests sharing one grant wait
    for a single token request instead of each asking for one.
    """

    username: TSecretStrValue = None
    password: TSecretStrValue = None
    refresh_token: TSecretStrValue = None
    expiry_margin_seconds: int = 60

    def __post_init__(self) -> None:
        super().__post_init__()
        self._lock = threading.Lock()
        self._margin_seconds = float(self.expiry_margin_seconds)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        with self._lock:
            if self.access_token is None or self.is_token_expired():
                self.obtain_token()
            token = self.access_token
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    def reauthenticate(self, request: requests.PreparedRequest) -> None:
        """A 401 on `request`: renew the token it carried (unless another request already did),
        then sign the request again."""
        with self._lock:
            if request.headers.get("Authorization") == f"Bearer {self.access_token}":
                self.obtain_token()
            token = self.access_token
        request.headers["Authorization"] = f"Bearer {token}"

    def is_token_expired(self) -> bool:
        import pendulum

        return pendulum.now().add(seconds=self._margin_seconds) >= self.token_expiry

    def build_access_token_request(self) -> dict[str, Any]:
        if self.refresh_token:
            grant = {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        else:
            grant = {"grant_type": "password", "username": self.username, "password": self.password}
        return {
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "data": {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                **grant,
                **self.access_token_request_data,
            },
        }

    def obtain_token(self) -> None:
        try:
            self._obtain()
        except PermanentError:
            if not (self.refresh_token and self.username and self.password):
                raise
            self.refresh_token = None  # a refused refresh token: sign in again with the password
            self._obtain()

    def _obtain(self) -> None:
        import pendulum

        response = self.session.post(self.access_token_url, **self.build_access_token_request())
        body = response.json()
        if not isinstance(body, dict) or not body.get("access_token"):
            path = requests.utils.urlparse(self.access_token_url).path
            raise PermanentError(f"POST {path}: the token endpoint answered without an access token")
        self.parse_native_representation(self.parse_access_token(body))
        self.refresh_token = body.get("refresh_token") or self.refresh_token
        lifetime = self.parse_expiration_in_seconds(body)
        self._margin_seconds = min(float(self.expiry_margin_seconds), lifetime / 10)
        self.token_expiry = pendulum.now().add(seconds=lifetime)
