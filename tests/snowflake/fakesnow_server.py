"""The local fakesnow server of the Snowflake tests: fakesnow's own server with the shims of
fakesnow_shims.py, on a free port, stopped by PID when the test ends."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHIMS = Path(__file__).with_name("fakesnow_shims.py")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connect(port: int) -> Any:
    """A Snowflake connector session on the server, with short timeouts."""
    import snowflake.connector

    return snowflake.connector.connect(
        account="fakesnow",
        user="fake",
        password="snow",
        host="127.0.0.1",
        port=port,
        protocol="http",
        login_timeout=20,
        network_timeout=60,
        socket_timeout=60,
    )


@pytest.fixture
def fakesnow_port() -> Iterator[int]:
    """fakesnow's server with the shims, on a free port; stopped by PID after the test."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(SHIMS), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fakesnow did not start on port {port}") from None
                time.sleep(0.3)
        yield port
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
