"""Fixtures for the operations tests: a webhook receiver and an API that echoes credentials."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Webhook(_Server):
    """Receives Slack-style alerts (`{"text": ...}`) on a free port; `status` sets the reply."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[dict[str, Any]] = []
        self.status = status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner = self.server.owner  # type: ignore[attr-defined]
                owner.posts.append(json.loads(body))
                self.send_response(owner.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)

    @property
    def texts(self) -> list[str]:
        return [post["text"] for post in self.posts]


class EchoingApi(_Server):
    """A PestRoutes-like API that refuses every call and echoes the credentials in its error."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                key, token = form.get("authenticationKey"), form.get("authenticationToken")
                answer = {
                    "success": False,
                    "errorMessage": f"Account suspended for key {key} and token {token}",
                    "params": form,
                }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    yield server
    server.stop()


@pytest.fixture
def failing_webhook() -> Iterator[Webhook]:
    server = Webhook(status=500)
    yield server
    server.stop()


@pytest.fixture
def echoing_api() -> Iterator[EchoingApi]:
    server = EchoingApi()
    yield server
    server.stop()
