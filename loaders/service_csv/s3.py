"""The S3 side of service_csv: its settings, the boto3 client, listing the prefix, downloading a file.

Every request goes through one retry loop (`retrying`): botocore's own retries are switched off,
because they end when a response's headers arrive, and a body cut off while streaming (reset,
read timeout, fewer bytes than Content-Length) has to repeat the whole GET anyway.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from loaders.common.config import SourceConfig
from loaders.common.errors import ConfigError
from loaders.common.http import CallStats
from loaders.common.runner import one_line
from loaders.service_csv import SOURCE, settings

log = logging.getLogger(__name__)

T = TypeVar("T")

BACKOFF_SECONDS = 0.5  # before the first retry; doubled for each one after it
MAX_BACKOFF_SECONDS = 5.0
# Error codes S3 (or a compatible store) answers when asked to come back later.
_TRANSIENT_CODES = frozenset(
    {"SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError", "Throttling", "ThrottlingException"}
)


def config() -> SourceConfig:
    """[sources.service_csv]: every setting and secret of this source is read through it."""
    return SourceConfig(SOURCE.section)


@dataclass
class S3Settings:
    bucket: str
    prefix: str = settings.DEFAULT_PREFIX
    region: str | None = None
    endpoint_url: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    max_attempts: int = 4
    connect_timeout: float = 5.0
    read_timeout: float = 60.0

    @property
    def scope(self) -> str:
        """The report's scope column: the bucket (file names are shown below the prefix)."""
        return self.bucket


def load_s3_settings() -> S3Settings | None:
    """[sources.service_csv] from dlt config/secrets (or SOURCES__SERVICE_CSV__* variables).

    None when no bucket is configured. The endpoint may also come from AWS_ENDPOINT_URL_S3 or
    AWS_ENDPOINT_URL, which win over the config file (as they do for the AWS CLI); region and
    credentials fall back to boto3's own chain (AWS_* variables, ~/.aws, instance roles), so the
    two keys are given both or neither.
    """
    section = config()
    bucket = section.get("bucket")
    if not bucket:
        return None
    key_id = section.optional_secret("aws_access_key_id")
    secret = section.optional_secret("aws_secret_access_key")
    if bool(key_id) != bool(secret):
        given, missing = (
            ("aws_access_key_id", "aws_secret_access_key")
            if key_id
            else ("aws_secret_access_key", "aws_access_key_id")
        )
        try:
            section.secret(missing)
        except ConfigError as error:
            raise ConfigError(f"{error} (or remove `{given}` to use the AWS credential chain)") from None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    region = section.get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return S3Settings(
        bucket=str(bucket),
        prefix=str(section.get("prefix", settings.DEFAULT_PREFIX)),
        region=region or settings.DEFAULT_REGION,
        endpoint_url=endpoint or section.get("endpoint_url"),
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        max_attempts=max(1, section.get_int("max_attempts", 4)),
        connect_timeout=section.get_float("connect_timeout_seconds", 5.0),
        read_timeout=section.get_float("read_timeout_seconds", 60.0),
    )


def s3_client(s3: S3Settings) -> Any:
    import boto3
    from botocore.config import Config

    kwargs: dict[str, Any] = {}
    if s3.aws_access_key_id:
        kwargs = {
            "aws_access_key_id": s3.aws_access_key_id,
            "aws_secret_access_key": s3.aws_secret_access_key,
        }
    return boto3.client(
        "s3",
        region_name=s3.region,
        endpoint_url=s3.endpoint_url,
        config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},  # `retrying` is the one loop
            connect_timeout=s3.connect_timeout,
            read_timeout=s3.read_timeout,
        ),
        **kwargs,
    )


class GaveUp(Exception):
    """A request still failing transiently after `max_attempts`; its last error is `error`."""

    def __init__(self, error: BaseException, attempts: int) -> None:
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        super().__init__(f"{describe_error(error)} (gave up after {tries})")
        self.error = error
        self.attempts = attempts


def is_transient(error: BaseException) -> bool:
    """Worth another try: S3 busy or failing (5xx, throttling), or the connection broke."""
    import urllib3.exceptions
    from botocore.exceptions import (
        ChecksumError,
        ClientError,
        ConnectionError,
        FlexibleChecksumError,
        HTTPClientError,
        IncompleteReadError,
    )

    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return status >= 500 or status == 429 or code in _TRANSIENT_CODES
    broken = (ConnectionError, HTTPClientError, IncompleteReadError, ChecksumError, FlexibleChecksumError)
    return isinstance(error, (*broken, urllib3.exceptions.HTTPError, OSError))


def is_connection_error(error: BaseException) -> bool:
    """Whether a failure was S3's or the network's rather than the file's (error class `connection`)."""
    return isinstance(error, GaveUp) or is_transient(error)


def describe_error(error: BaseException) -> str:
    """`ClientError: An error occurred (SlowDown) ...`: one line (botocore's own retry count left out,
    since it never retries here)."""
    if isinstance(error, GaveUp):
        return str(error)
    text = re.sub(r" \(reached max retries: \d+\)", "", one_line(str(error), 300))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def retrying(s3: S3Settings, what: str, call: Callable[[], T], stats: CallStats) -> T:
    """`call()`, repeated on transient errors up to `s3.max_attempts` in all with a growing, jittered
    pause; GaveUp when they run out. Any other error is raised at once."""
    attempt = 0
    while True:
        attempt += 1
        stats.calls += 1
        try:
            return call()
        except Exception as error:
            if not is_transient(error):
                raise
            if attempt >= s3.max_attempts:
                raise GaveUp(error, attempt) from error
            delay = min(BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS) * (
                0.5 + random.random() / 2
            )
            stats.retries += 1
            stats.retry_wait_seconds += delay
            log.warning(
                "service_csv: %s: %s; retry %d/%d in %.1fs",
                what,
                describe_error(error),
                attempt,
                s3.max_attempts - 1,
                delay,
            )
            time.sleep(delay)


@dataclass
class S3Object:
    key: str
    etag: str
    size: int
    last_modified: datetime | None


def list_objects(client: Any, s3: S3Settings, stats: CallStats) -> list[S3Object]:
    """Every object under the prefix, in key order; each page retried on its own."""
    found = []
    token: str | None = None
    while True:
        request: dict[str, Any] = {"Bucket": s3.bucket, "Prefix": s3.prefix}
        if token:
            request["ContinuationToken"] = token
        page = retrying(s3, "listing the bucket", functools.partial(client.list_objects_v2, **request), stats)
        for item in page.get("Contents", []):
            if item["Key"].endswith("/"):
                continue
            found.append(
                S3Object(item["Key"], item["ETag"].strip('"'), int(item["Size"]), item.get("LastModified"))
            )
        token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
        if not token:
            return sorted(found, key=lambda o: o.key)


def download(client: Any, s3: S3Settings, obj: S3Object, stats: CallStats) -> tuple[bytes, str]:
    """The object's bytes and the ETag of what was read. One file is held at a time per worker
    (the parser needs it whole in memory anyway), never the corpus."""

    def get() -> tuple[bytes, str]:
        response = client.get_object(Bucket=s3.bucket, Key=obj.key)
        etag = str(response.get("ETag", obj.etag)).strip('"')
        return response["Body"].read(), etag

    return retrying(s3, f"{obj.key}: download", get, stats)
