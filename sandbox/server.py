"""The sandbox HTTP server: every registered simulator behind one local port, plus admin endpoints.

Run it as `python -m sandbox.server --port 8701 --seed 42 --scale 1.0 --state-dir .sandbox`
(`elt sandbox up` does this through sandbox.manager), or in-process for tests with
`start_sandbox_server()`. Each simulator in sandbox/registry.py is mounted under `/<source>/`.
`/_sandbox/...` is the admin API: `health`, `tick` (advance every simulator together) and `state`
for the whole server, `/_sandbox/<source>/<route>` for one simulator's own routes (faults,
request log, ...); the first mounted simulator also answers its routes without the prefix.
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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox import manager, registry
from sandbox.framework import AdminError, SandboxError, SimResponse, Simulator, json_response, simulated_date

log = logging.getLogger("sandbox")

MAX_BODY_BYTES = 10 * 1024 * 1024


class SandboxApp:
    """Routes requests to the mounted simulators and serves the admin API."""

    def __init__(
        self,
        simulators: Mapping[str, Simulator],
        *,
        state_dir: Path | None = None,
        on_persist: Callable[[Path, dict[str, Any]], None] | None = None,
        world: Mapping[str, Any] | None = None,
        day: int = 0,
    ) -> None:
        self.simulators = dict(simulators)
        self.primary = next(iter(self.simulators), None)
        self.state_dir = state_dir
        self.started_at = time.time()
        self.server_info: dict[str, Any] = {}
        self.world = dict(world or {})  # seed, scale, settings: recorded with the day
        self._on_persist = on_persist
        self._day = day  # only counts when no simulator is mounted

    @property
    def day(self) -> int:
        if self.primary is not None:
            return self.simulators[self.primary].day
        return self._day

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> SimResponse:
        url = urlsplit(target)
        path = url.path
        if path.startswith("/_sandbox/"):
            try:
                return self._admin(method, path.removeprefix("/_sandbox/").strip("/"), url.query, body)
            except (AdminError, ValueError) as error:
                return json_response({"error": str(error)}, 400)
        for name, simulator in self.simulators.items():
            prefix = f"/{name}"
            if path.startswith(prefix + "/"):
                return simulator.handle(method, path.removeprefix(prefix), url.query, headers, body)
        sources = ", ".join(self.simulators) or "none"
        return json_response({"error": f"not found: {path} (sources: {sources}; admin: /_sandbox/)"}, 404)

    # ----- admin API ----------------------------------------------------------------------------

    def _admin(self, method: str, route: str, query: str, body: bytes) -> SimResponse:
        args = {key: values[-1] for key, values in parse_qs(query).items()}
        if (method, route) == ("GET", "health"):
            day = self.day
            health = {"status": "ok", "day": day, "date": simulated_date(day).isoformat()}
            return json_response({**health, "sources": list(self.simulators)})
        if (method, route) == ("POST", "tick"):
            return json_response(self.tick(_int(_body(body).get("days", 1), "days")))
        if (method, route) == ("GET", "state"):
            return json_response(self.state())
        name, _, rest = route.partition("/")
        if name in self.simulators:
            return self._simulator_admin(name, method, rest, args, body)
        if self.primary is not None:
            return self._simulator_admin(self.primary, method, route, args, body)
        raise AdminError(f"no admin route {method} /_sandbox/{route}")

    def _simulator_admin(
        self, name: str, method: str, route: str, args: dict[str, str], body: bytes
    ) -> SimResponse:
        simulator = self.simulators[name]
        if route == "state" and method == "GET":
            return json_response(simulator.state())
        if route == "tick":
            raise AdminError("simulators move together: POST /_sandbox/tick")
        result = simulator.admin(method, route, args, _body(body) if method == "POST" else {})
        if method == "POST":
            self.persist()
        return json_response(result)

    def tick(self, days: int) -> dict[str, Any]:
        """Advance every simulator `days` days; the first one's result also sits at the top level."""
        if days < 1:
            raise AdminError(f"days must be at least 1, got {days}")
        results = {name: simulator.tick(days) for name, simulator in self.simulators.items()}
        self._day += days
        self.persist()
        primary = results.get(self.primary, {}) if self.primary else {}
        return {**primary, "day": self.day, "date": simulated_date(self.day).isoformat(), "days": days,
                "simulators": results}  # fmt: skip

    def state(self) -> dict[str, Any]:
        states = {name: simulator.state() for name, simulator in self.simulators.items()}
        primary = states.get(self.primary, {}) if self.primary else {}
        return {**primary, "day": self.day, "date": simulated_date(self.day).isoformat(),
                "started_at": self.started_at, **self.server_info, "simulators": states}  # fmt: skip

    def persist(self) -> None:
        """Record the simulated day so a restarted sandbox can resume from it."""
        if self.state_dir is None or self._on_persist is None:
            return
        day = self.day
        self._on_persist(
            self.state_dir,
            {**self.server_info, **self.world, "day": day, "date": simulated_date(day).isoformat()},
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
    protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs behind their load balancers
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
            self._send(json_response({"error": "request body too large"}, 413))
            return
        body = self.rfile.read(length) if length else b""
        app = self.server.app
        if app is None:
            self._send(json_response({"status": "starting"}, 503))
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


# --------------------------------------------------------------------------------------------
# In-process sandboxes (tests, benchmarks)
# --------------------------------------------------------------------------------------------


@dataclass
class RunningSandbox:
    """A sandbox server running in a daemon thread of this process.

    `simulators` holds each mounted simulator by source name (also reachable as an attribute:
    `server.pestroutes`, `server.incidents`); `simulator` is the first one.
    """

    url: str
    simulators: dict[str, Simulator]
    app: SandboxApp
    _server: _SandboxHTTPServer
    _thread: threading.Thread

    @property
    def simulator(self) -> Any:
        return self.simulators[self.app.primary] if self.app.primary else None

    def __getattr__(self, name: str) -> Any:
        simulators = self.__dict__.get("simulators", {})
        if name in simulators:
            return simulators[name]
        raise AttributeError(
            f"{type(self).__name__} has no attribute {name!r} (simulators: {', '.join(simulators)})"
        )

    def mount_url(self, source: str) -> str:
        """Where a simulator is mounted, e.g. `http://127.0.0.1:PORT/<source>`."""
        if source not in self.simulators:
            raise KeyError(f"{source} is not mounted here (simulators: {', '.join(self.simulators)})")
        return f"{self.url}/{source}"

    def scope_url(self, source: str, scope: str) -> str:
        """The base URL a loader is configured with for one scope (an office, a workspace)."""
        return self.simulators[source].scope_url(self.mount_url(source), scope)

    def office_url(self, office: str) -> str:
        """`scope_url` of the first simulator: kept for the tests written when it was the only one."""
        return self.scope_url(self.app.primary, office)  # type: ignore[arg-type]

    def stop(self) -> None:
        for simulator in self.simulators.values():
            simulator.close()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def build_simulators(
    names: Iterable[str] | None = None,
    *,
    seed: int = 42,
    scale: float = 1.0,
    day: int = 0,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Simulator]:
    """The mounted simulators `names` (default: every registered one), in registry order."""
    wanted = list(names) if names is not None else [spec.name for spec in registry.mounted()]
    for name in wanted:
        spec = registry.get(name)
        if spec.external:
            raise SandboxError(f"{name} runs as its own process: the manager starts it, not the server")
    options = options or {}
    return {
        spec.name: spec.build(seed=seed, scale=scale, day=day, **dict(options.get(spec.name, {})))
        for spec in registry.mounted(wanted)
    }


def start_sandbox_server(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    state_dir: Path | str | None = None,
    seed: int = 42,
    scale: float = 1.0,
    day: int = 0,
    simulators: Iterable[str] | None = None,
    **options: Any,
) -> RunningSandbox:
    """Start a sandbox in a daemon thread, with `simulators` mounted (default: every registered one).

    A keyword named after a simulator takes that simulator's options
    (`incidents={"requests_per_minute": 5}`); other keywords (`offices=`, `search_cap=`, `clock=`,
    ...) go to the first simulator, as they did when PestRoutes was the only one.
    """
    names = list(simulators) if simulators is not None else [spec.name for spec in registry.mounted()]
    per_simulator: dict[str, dict[str, Any]] = {}
    for name in list(options):
        if name in registry.names() and isinstance(options[name], Mapping):
            per_simulator[name] = dict(options.pop(name))
    if options:
        ordered = [spec.name for spec in registry.mounted(names)]
        if not ordered:
            raise TypeError(f"options {sorted(options)} given but no simulator is mounted")
        per_simulator.setdefault(ordered[0], {}).update(options)
    built = build_simulators(names, seed=seed, scale=scale, day=day, options=per_simulator)
    server = _SandboxHTTPServer((host, port))
    app = SandboxApp(built, state_dir=Path(state_dir) if state_dir is not None else None, day=day)
    server.app = app
    bound_port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sandbox-{bound_port}", daemon=True
    )
    thread.start()
    return RunningSandbox(f"http://{host}:{bound_port}", built, app, server, thread)


# --------------------------------------------------------------------------------------------
# The detached server (`elt sandbox up`)
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--day", type=int, default=0, help="start this many simulated days after day 0")
    parser.add_argument("--state-dir", type=Path, default=None, help="where to record the day for restarts")
    parser.add_argument(
        "--simulators",
        default=None,
        help=f"comma-separated simulators to mount (default: {','.join(s.name for s in registry.mounted())})",
    )
    parser.add_argument(
        "--set", dest="assignments", action="append", default=[], metavar="SOURCE.OPTION=VALUE",
        help="a simulator option (repeatable), e.g. pestroutes.offices=5",
    )  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    try:
        settings = registry.resolve_settings(registry.parse_assignments(args.assignments))
        names = [n for n in args.simulators.split(",") if n] if args.simulators is not None else None
        for name in names or []:
            registry.get(name)
    except SandboxError as error:
        log.error("%s", error)
        return 2

    # Bind before generating so a taken port fails at once; early requests wait in the backlog.
    try:
        server = _SandboxHTTPServer((args.host, args.port))
    except OSError as error:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, error)
        return 2
    started = time.perf_counter()
    simulators = build_simulators(names, seed=args.seed, scale=args.scale, day=args.day, options=settings)
    url = f"http://{args.host}:{server.server_address[1]}"
    app = SandboxApp(
        simulators,
        state_dir=args.state_dir,
        on_persist=manager.record_state,
        world={"seed": args.seed, "scale": args.scale, "settings": settings},
        day=args.day,
    )
    app.server_info = {"pid": os.getpid(), "port": server.server_address[1], "url": url}
    app.persist()
    server.app = app
    log.info(
        "generated %s at scale %s, day %d (%s) in %.1fs; serving %s",
        ", ".join(simulators) or "no simulators",
        args.scale,
        app.day,
        simulated_date(app.day),
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
    for simulator in simulators.values():
        simulator.close()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
