"""A fault-injecting HTTP proxy in front of the sandbox's S3 (moto): what a flaky network does.

boto3 talks to the proxy through `endpoint_url`; every request is forwarded unchanged to moto
(headers included, so SigV4 signatures still match) unless a fault is due, in which case the
proxy answers as a failing S3 front end or network would:

- `http500` / `http503`: S3's XML error bodies (`InternalError`, `SlowDown`);
- `http502`: a load balancer's HTML page;
- `drop`: the connection closes before a byte of response (a reset mid-request);
- `timeout`: the proxy stalls `fault_timeout` seconds, then closes (the client's read timeout);
- `truncated`: the real response is forwarded with its full Content-Length, but the body is cut
  in half and the connection closed (a download interrupted mid-stream).

Faults are queued (`add_fault(kind, count)`, optionally only for one HTTP method or for paths
containing a string), or drawn at random for a share of requests (`set_rate(0.1)`, seeded, so a
test is repeatable). The same controls are served over HTTP under `/_proxy/` (an S3 bucket name
cannot start with `_`), so a proxy run as `python -m sandbox.service_csv.fault_proxy` can be
driven from the outside. moto itself is left as is: the faults live where real ones do, between
the client and the store.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import random
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("sandbox.s3_proxy")

FAULT_KINDS = ("http500", "http502", "http503", "drop", "timeout", "truncated")

_XML_ERRORS = {
    500: ("InternalError", "We encountered an internal error. Please try again."),
    503: ("SlowDown", "Please reduce your request rate."),
}


@dataclass
class ProxyFault:
    """`remaining` upcoming requests matching `method` and `path_contains` (None: any) get `kind`."""

    kind: str
    remaining: int
    method: str | None = None
    path_contains: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and self.method in (None, method)
            and (self.path_contains is None or self.path_contains in path)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "remaining": self.remaining,
            "method": self.method,
            "path_contains": self.path_contains,
        }


class FaultPlan:
    """Queued and random faults, and a log of every request the proxy saw (thread-safe)."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._queued: list[ProxyFault] = []
        self._random = random.Random(seed)
        self.rate = 0.0
        self.rate_kinds: tuple[str, ...] = FAULT_KINDS
        self.log: list[dict[str, Any]] = []

    def add(
        self, kind: str, count: int = 1, method: str | None = None, path_contains: str | None = None
    ) -> ProxyFault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        fault = ProxyFault(kind, count, method.upper() if method else None, path_contains)
        with self._lock:
            self._queued.append(fault)
        return fault

    def set_rate(self, rate: float, kinds: tuple[str, ...] | list[str] | None = None, seed: int = 0) -> None:
        """Fail a share `rate` of requests (0 switches it off) with kinds drawn from `kinds`."""
        if not 0 <= rate <= 1:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        chosen = tuple(kinds or FAULT_KINDS)
        unknown = set(chosen) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kind {', '.join(sorted(unknown))}")
        with self._lock:
            self.rate, self.rate_kinds, self._random = rate, chosen, random.Random(seed)

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()
            self.rate = 0.0

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.as_dict() for f in self._queued if f.remaining > 0]

    def take(self, method: str, path: str) -> str | None:
        with self._lock:
            kind = None
            for fault in self._queued:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    kind = fault.kind
                    break
            self._queued = [f for f in self._queued if f.remaining > 0]
            if kind is None and self.rate and self._random.random() < self.rate:
                kind = self._random.choice(self.rate_kinds)
            self.log.append({"method": method, "path": path, "fault": kind, "ts": time.time()})
            return kind

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self.log]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _ProxyServer

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
        self._serve()

    def do_PUT(self) -> None:  # noqa: N802
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve()

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path
        if path.startswith("/_proxy/"):
            self._admin(path.removeprefix("/_proxy/").split("?")[0].strip("/"), body)
            return
        plan = self.server.plan
        fault = plan.take(self.command, path)
        if fault == "drop":
            self._drop()
            return
        if fault == "timeout":
            self.server.closing.wait(self.server.fault_timeout)
            self._drop()
            return
        if fault in ("http500", "http503"):
            code, message = _XML_ERRORS[int(fault[4:])]
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
            )
            self._reply(int(fault[4:]), xml.encode(), {"Content-Type": "application/xml"})
            return
        if fault == "http502":
            page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            self._reply(502, page, {"Content-Type": "text/html"})
            return
        status, headers, payload = self._forward(body)
        if fault == "truncated" and self.command != "HEAD" and len(payload) > 1:
            # Headers promise the whole body; half of it arrives, then the connection closes.
            self._reply(status, payload[: len(payload) // 2], headers, content_length=len(payload))
            self._drop()
            return
        self._reply(status, payload, headers)

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        upstream = urlsplit(self.server.upstream)
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        try:
            # Host and every signed header go through unchanged: the signature covers them.
            connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            response = connection.getresponse()
            payload = response.read()
            skip = {"content-length", "transfer-encoding", "connection", "keep-alive"}
            headers = {k: v for k, v in response.getheaders() if k.lower() not in skip}
            return response.status, headers, payload
        finally:
            connection.close()

    def _reply(
        self, status: int, payload: bytes, headers: dict[str, str], content_length: int | None = None
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload) if content_length is None else content_length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _admin(self, route: str, body: bytes) -> None:
        plan = self.server.plan
        try:
            spec = json.loads(body) if body.strip() else {}
            if (self.command, route) == ("POST", "faults"):
                plan.add(
                    str(spec["kind"]),
                    int(spec.get("count", 1)),
                    spec.get("method"),
                    spec.get("path_contains"),
                )
                answer: Any = plan.pending()
            elif (self.command, route) == ("GET", "faults"):
                answer = plan.pending()
            elif (self.command, route) == ("POST", "rate"):
                plan.set_rate(float(spec.get("rate", 0)), spec.get("kinds"), int(spec.get("seed", 0)))
                answer = {"rate": plan.rate, "kinds": list(plan.rate_kinds)}
            elif (self.command, route) == ("POST", "faults/clear"):
                plan.clear()
                answer = {"cleared": True}
            elif (self.command, route) == ("GET", "requests"):
                answer = plan.requests()
            else:
                raise ValueError(f"no proxy admin route {self.command} /_proxy/{route}")
        except (KeyError, ValueError, TypeError) as error:
            self._reply(400, json.dumps({"error": str(error)}).encode(), {"Content-Type": "application/json"})
            return
        self._reply(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's signature)
        log.debug("%s - %s", self.address_string(), format % args)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], upstream: str, plan: FaultPlan, fault_timeout: float
    ) -> None:
        super().__init__(address, _Handler)
        self.upstream = upstream
        self.plan = plan
        self.fault_timeout = fault_timeout
        self.closing = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that gave up (read timeouts, retries) are expected here.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


@dataclass
class RunningProxy:
    """A fault proxy in a daemon thread of this process; `stop()` ends it."""

    plan: FaultPlan
    host: str
    port: int
    _server: _ProxyServer
    _thread: threading.Thread

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.closing.set()  # wake requests stalled in a `timeout` fault
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_fault_proxy(
    upstream: str, port: int = 0, host: str = "127.0.0.1", *, seed: int = 0, fault_timeout: float = 10.0
) -> RunningProxy:
    """Proxy `host:port` (0: a free port) to `upstream` (moto's endpoint URL)."""
    plan = FaultPlan(seed)
    server = _ProxyServer((host, port), upstream.rstrip("/"), plan, fault_timeout)
    bound = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"s3-proxy-{bound}", daemon=True
    )
    thread.start()
    return RunningProxy(plan, host, bound, server, thread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.service_csv.fault_proxy", description=__doc__)
    parser.add_argument("--upstream", required=True, help="moto's endpoint, e.g. http://127.0.0.1:8702")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, default=0.0, help="share of requests that fail at random")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fault-timeout", type=float, default=10.0, help="seconds a `timeout` fault stalls")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    proxy = start_fault_proxy(
        args.upstream, args.port, args.host, seed=args.seed, fault_timeout=args.fault_timeout
    )
    proxy.plan.set_rate(args.rate, seed=args.seed)
    log.info("S3 fault proxy on %s -> %s (rate %s)", proxy.endpoint_url, args.upstream, args.rate)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
