"""The one retry loop every S3 request goes through."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from loaders.common.http import CallStats
from loaders.service_csv import s3
from loaders.service_csv.s3 import GaveUp, S3Settings, describe_error, is_connection_error, retrying

pytestmark = pytest.mark.no_warehouse


def _client_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "GetObject")


class _Flaky:
    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "body"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(s3.time, "sleep", slept.append)
    return slept


def test_transient_errors_are_retried_up_to_max_attempts_in_all(no_sleep: list[float]) -> None:
    stats = CallStats()
    flaky = _Flaky(
        _client_error("SlowDown", 503),
        EndpointConnectionError(endpoint_url="http://s3"),
        ReadTimeoutError(endpoint_url="http://s3"),
    )
    assert retrying(S3Settings("b", max_attempts=4), "get", flaky, stats) == "body"
    assert (flaky.calls, stats.calls, stats.retries, len(no_sleep)) == (4, 4, 3, 3)

    stats = CallStats()
    with pytest.raises(GaveUp) as gave_up:
        retrying(
            S3Settings("b", max_attempts=3), "get", _Flaky(*[_client_error("InternalError", 500)] * 3), stats
        )
    assert stats.calls == 3 and is_connection_error(gave_up.value)
    assert str(gave_up.value) == (
        "ClientError: An error occurred (InternalError) when calling the GetObject operation: m "
        "(gave up after 3 attempts)"
    )
    assert describe_error(gave_up.value) == str(gave_up.value)


def test_errors_retrying_cannot_help_are_raised_at_once() -> None:
    stats = CallStats()
    denied = _Flaky(_client_error("AccessDenied", 403))
    with pytest.raises(ClientError):
        retrying(S3Settings("b", max_attempts=5), "get", denied, stats)
    assert denied.calls == stats.calls == 1
    assert not is_connection_error(_client_error("AccessDenied", 403))


def test_botocores_own_retry_count_is_not_in_the_message() -> None:
    error: Any = ClientError(
        {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."},
         "ResponseMetadata": {"HTTPStatusCode": 503, "MaxAttemptsReached": True, "RetryAttempts": 0}},
        "ListObjectsV2",
    )  # fmt: skip
    assert describe_error(error) == (
        "ClientError: An error occurred (SlowDown) when calling the ListObjectsV2 operation: "
        "Please reduce your request rate."
    )
