"""The sandbox's S3: moto's server holding bucket `service-exports` of generated exports.

`elt sandbox up` runs `moto_server` as a detached process (see sandbox.manager); tests start one
in-process on a free port with `start_moto()`. Either way `seed_bucket` creates the bucket and
uploads the generated files with real boto3 calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.service_csv.generator import CorpusConfig, ExportFile, corpus

BUCKET = "service-exports"
PREFIX = "exports/service_requests"
REGION = "us-east-1"
DEFAULT_PORT = 8702
# moto accepts any keys; these only look like AWS keys so the loader's credential path is real.
ACCESS_KEY_ID = "AKIASANDBOX000000000"
SECRET_ACCESS_KEY = "sandbox-secret-access-key-not-a-real-one"


def client(endpoint_url: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


def upload(s3: Any, bucket: str, files: Iterable[ExportFile]) -> list[str]:
    keys = []
    for export in files:
        s3.put_object(Bucket=bucket, Key=export.key, Body=export.data, ContentType="text/csv")
        keys.append(export.key)
    return keys


def seed_bucket(
    endpoint_url: str, config: CorpusConfig, days: range, bucket: str = BUCKET
) -> list[ExportFile]:
    """Create `bucket` (if needed) and upload every export of `days` in upload order."""
    s3 = client(endpoint_url)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    files = corpus(config, days)
    upload(s3, bucket, files)
    return files


@dataclass
class RunningMoto:
    """A moto S3 server in a thread of this process (for tests); `stop()` ends it."""

    server: Any
    host: str
    port: int

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.stop()


def start_moto(port: int = 0, host: str = "127.0.0.1") -> RunningMoto:
    """Start moto's S3 on `port` (0: a free one). Backends are process-global, so a server
    restarted on the same port in this process still holds the buckets."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return RunningMoto(server, host, bound_port)
