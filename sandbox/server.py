"""The sandbox HTTP server: every simulated source API behind one local port, plus admin endpoints.

Run it as `python -m sandbox.server --port 8701 --seed 42 --scale 1.0 --state-dir .sandbox` (the
`elt sandbox up` command does this through sandbox.manager), or in-process for tests with
`start_sandbox_server()`. Source simulators are mounted under a path prefix (`/pestroutes/...`);
`/_sandbox/...` is the admin API: health, tick (advance simulated days), state, the request log,
fault injection, read budgets and `touch` (change a fraction of the records).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox import manager
from sandbox.offices import OfficeSpec, sandbox_offices
from sandbox.pestroutes.generator import simulated_date
from sandbox.pestroutes.server import PestRoutesSimulator, SimResponse

log = logging.getLogger("sandbox")

MAX_BODY_BYTES = 10 * 1024 * 1024


class AdminError(Exception):
    """A bad admin request: answered with HTTP 400 and the message."""


def _json(payload: Any, status: int = 200) -> SimResponse:
    return SimResponse(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})


class SandboxApp:
    """Routes requests to the mounted simulators and serves the admin API."""

    def __init__(self, pestroutes: PestRoutesSimulator, *, state_dir: Path | None = None) -> None:
        self.pestroutes = pestroutes
        self.state_dir = state_dir
        self.started_at = time.time()
        # Later sources mount here under their own prefixes.
        self.mounts = {PestRoutesSimulator.prefix: pestroutes}
        self.server_info: dict[str, Any] = {}

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> SimResponse:
        url = urlsplit(target)
        path = url.path
        if path.startswith("/_sandbox/"):
            try:
                return self._admin(method, path.removeprefix("/_sandbox/").strip("/"), url.query, body)
            except (AdminError, ValueError) as error:
                return _json({"error": str(error)}, 400)
        for prefix, simulator in self.mounts.items():
            if path.startswith(prefix + "/"):
                if method not in ("GET", "POST"):
                    return _json({"success": False, "errorMessage": "Method not allowed"}, 405)
                return simulator.handle(method, path.removeprefix(prefix), url.query, headers, body)
        return _json(
            {"error": f"not found: {path} (sources: {', '.join(self.mounts)}; admin: /_sandbox/)"}, 404
        )

    # ----- admin API ----------------------------------------------------------------------------

    def _admin(self, method: str, route: str, query: str, body: bytes) -> SimResponse:
        args = {key: values[-1] for key, values in parse_qs(query).items()}
        sim = self.pestroutes
        if (method, route) == ("GET", "health"):
            return _json({"status": "ok", "day": sim.day, "date": simulated_date(sim.day).isoformat(),
                          "sources": [prefix.strip("/") for prefix in self.mounts]})  # fmt: skip
        if (method, route) == ("POST", "tick"):
            days = _int(_body(body).get("days", 1), "days")
            result = sim.tick(days)
            self.persist()
            return _json(result)
        if (method, route) == ("POST", "touch"):
            # Change a fraction of every office's records (benchmarks of incremental runs).
            fraction = _body(body).get("fraction", 0.01)
            try:
                result = sim.touch(float(fraction))
            except (TypeError, ValueError) as error:
                raise AdminError(f"fraction must be a number in (0, 1], got {fraction!r}") from error
            self.persist()
            return _json(result)
        if (method, route) == ("GET", "state"):
            return _json({**sim.state(), "started_at": self.started_at, **self.server_info})
        if (method, route) == ("GET", "requests"):
            return _json(sim.request_log(args.get("office"), args.get("endpoint"), args.get("action")))
        if (method, route) == ("POST", "requests/clear"):
            sim.clear_requests()
            return _json({"cleared": True})
        if (method, route) == ("POST", "faults"):
            spec = _body(body)
            if "kind" not in spec:
                raise AdminError('a fault needs a "kind"')
            rule = sim.add_fault(
                str(spec["kind"]),
                _int(spec.get("count", 1), "count"),
                office=spec.get("office"),
                endpoint=spec.get("endpoint"),
                action=spec.get("action"),
            )
            return _json({"queued": rule.as_dict(), "faults": sim.faults()})
        if (method, route) == ("GET", "faults"):
            return _json(sim.faults())
        if (method, route) == ("POST", "faults/clear"):
            sim.clear_faults()
            return _json({"cleared": True})
        if (method, route) == ("POST", "latency"):
            sim.set_latency(float(_body(body).get("seconds", 0)))
            return _json({"latency": sim.latency})
        if (method, route) == ("POST", "budget"):
            spec = _body(body)
            per_minute, per_day = spec.get("reads_per_minute"), spec.get("reads_per_day")
            sim.set_budget(
                spec.get("office"),
                None if per_minute is None else _int(per_minute, "reads_per_minute"),
                None if per_day is None else _int(per_day, "reads_per_day"),
            )
            return _json({"offices": sim.state()["offices"]})
        raise AdminError(f"no admin route {method} /_sandbox/{route}")

    def persist(self) -> None:
        """Record the simulated day so a restarted sandbox can resume from it."""
        if self.state_dir is None:
            return
        sim = self.pestroutes
        manager.record_state(
            self.state_dir,
            {
                **self.server_info,
                "seed": sim.seed,
                "scale": sim.scale,
                "offices": len(sim.offices),
                "day": sim.day,
                "date": simulated_date(sim.day).isoformat(),
            },
        )


def _body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as error:
        raise AdminError(f"admin requests take a JSON object body: {error}") from error
    if not isinstance(parsed, dict):
        raise AdminError("admin requests take a JSON object body")
    return parsed


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise AdminError(f"{name} must be an integer, got {value!r}") from error


# --------------------------------------------------------------------------------------------
# HTTP transport
# --------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API behind its load balancer
    # Headers and body go out as separate writes; without this, Nagle's algorithm and delayed
    # ACKs add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: _SandboxHTTPServer

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(_json({"error": "request body too large"}, 413))
            return
        body = self.rfile.read(length) if length else b""
        app = self.server.app
        if app is None:
            self._send(_json({"status": "starting"}, 503))
            return
        response = app.handle(method, self.path, dict(self.headers.items()), body)
        if response.drop:
            # Close without a byte of response: the client sees a dropped connection.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(response)

    def _send(self, response: SimResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's signature)
        log.debug("%s - %s", self.address_string(), format % args)


class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int]) -> None:
        self.app: SandboxApp | None = None
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeouts, dropped connections) is expected in a fault simulator.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@dataclass
class RunningSandbox:
    """A sandbox server running in a daemon thread of this process."""

    url: str
    simulator: PestRoutesSimulator
    app: SandboxApp
    _server: _SandboxHTTPServer
    _thread: threading.Thread

    @property
    def pestroutes_url(self) -> str:
        return self.url + PestRoutesSimulator.prefix

    def office_url(self, office: str) -> str:
        """The base URL the loader uses for an office (it appends `/{endpoint}/{action}`)."""
        return f"{self.pestroutes_url}/{office}/api"

    def stop(self) -> None:
        self.simulator.close()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def build_simulator(
    *,
    seed: int = 42,
    scale: float = 1.0,
    offices: int | list[OfficeSpec] | None = None,
    search_cap: int = 50_000,
    get_cap: int = 1_000,
    day: int = 0,
    fault_timeout: float = 30.0,
    latency: float = 0.0,
    reads_per_minute: int | None = None,
    reads_per_day: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> PestRoutesSimulator:
    """A PestRoutes simulator for `offices` (a count of sandbox offices, or explicit specs)."""
    if offices is None or isinstance(offices, int):
        budget = {}
        if reads_per_minute is not None:
            budget["reads_per_minute"] = reads_per_minute
        if reads_per_day is not None:
            budget["reads_per_day"] = reads_per_day
        offices = sandbox_offices(seed, offices or 3, **budget)
    return PestRoutesSimulator(
        offices,
        seed=seed,
        scale=scale,
        search_cap=search_cap,
        get_cap=get_cap,
        day=day,
        fault_timeout=fault_timeout,
        latency=latency,
        clock=clock,
    )


def start_sandbox_server(
    port: int = 0, *, host: str = "127.0.0.1", state_dir: Path | str | None = None, **kwargs: Any
) -> RunningSandbox:
    """Start a sandbox in a daemon thread; `kwargs` go to `build_simulator` (seed, scale, offices, ...)."""
    simulator = build_simulator(**kwargs)
    server = _SandboxHTTPServer((host, port))
    app = SandboxApp(simulator, state_dir=Path(state_dir) if state_dir is not None else None)
    server.app = app
    bound_port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sandbox-{bound_port}", daemon=True
    )
    thread.start()
    return RunningSandbox(f"http://{host}:{bound_port}", simulator, app, server, thread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--offices", type=int, default=3, help="number of simulated offices")
    parser.add_argument("--day", type=int, default=0, help="start this many simulated days after day 0")
    parser.add_argument("--state-dir", type=Path, default=None, help="where to record the day for restarts")
    parser.add_argument("--search-cap", type=int, default=50_000)
    parser.add_argument("--get-cap", type=int, default=1_000)
    parser.add_argument("--reads-per-minute", type=int, default=None)
    parser.add_argument("--reads-per-day", type=int, default=None)
    parser.add_argument("--fault-timeout", type=float, default=30.0, help="seconds a `timeout` fault stalls")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every API request waits")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )

    # Bind before generating so a taken port fails at once; early requests wait in the backlog.
    try:
        server = _SandboxHTTPServer((args.host, args.port))
    except OSError as error:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, error)
        return 2
    started = time.perf_counter()
    simulator = build_simulator(
        seed=args.seed,
        scale=args.scale,
        offices=args.offices,
        search_cap=args.search_cap,
        get_cap=args.get_cap,
        day=args.day,
        fault_timeout=args.fault_timeout,
        latency=args.latency,
        reads_per_minute=args.reads_per_minute,
        reads_per_day=args.reads_per_day,
    )
    url = f"http://{args.host}:{server.server_address[1]}"
    app = SandboxApp(simulator, state_dir=args.state_dir)
    app.server_info = {"pid": os.getpid(), "port": server.server_address[1], "url": url}
    app.persist()
    server.app = app
    log.info(
        "generated %d office(s) at scale %s, day %d (%s) in %.1fs; serving %s",
        len(simulator.offices),
        args.scale,
        simulator.day,
        simulated_date(simulator.day),
        time.perf_counter() - started,
        url,
    )

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="sandbox-http", daemon=True)
    thread.start()
    while not stop.wait(1.0):  # a timed wait keeps the main thread responsive to signals
        pass
    log.info("stopping")
    simulator.close()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
