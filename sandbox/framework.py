"""What every sandbox simulator is built from: the spec a simulator registers and the types it shares.

A simulator is a package under `sandbox/<source>/` exposing one `SimulatorSpec` instance, listed in
`sandbox/registry.py`. A `MountedSpec` builds a `Simulator` that the sandbox server (sandbox/server.py)
mounts under `/<source>/` and whose admin routes it serves under `/_sandbox/<source>/`. An
`ExternalSpec` runs its own process (a real S3 endpoint, say) that the manager starts, stops and
ticks. Either kind tells the manager which `.dlt/secrets.toml` sections point the loaders at it.
Nothing here names a source.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar, Protocol

EPOCH = date(2026, 11, 1)  # simulated "today" at day 0, the same for every simulator


def simulated_date(day: int) -> date:
    """The calendar date of simulated day `day` (day 0 is 2026-11-01)."""
    return EPOCH + timedelta(days=day)


class SandboxError(Exception):
    """A mistake the user can fix; the message is one line saying what to do."""


class SimulatorUnavailable(SandboxError):
    """An external simulator that cannot start here (its port is taken): a warning, not a failure."""


class AdminError(Exception):
    """A bad admin request: answered with HTTP 400 and the message."""


@dataclass
class SimResponse:
    """An HTTP answer; `drop` asks the transport to close the connection without one."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> SimResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return SimResponse(status, body, {"Content-Type": "application/json", **(headers or {})})


class RateWindow:
    """One key's requests in a sliding 60-second window (an API's per-minute rate limit)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._window: deque[float] = deque()

    def consume(self, now: float) -> float | None:
        """Count one request, or return the seconds until one is allowed (a refusal counts nothing)."""
        while self._window and self._window[0] <= now - 60:
            self._window.popleft()
        if len(self._window) >= self.per_minute:
            return self._window[0] + 60 - now
        self._window.append(now)
        return None

    def remaining(self) -> int:
        return max(0, self.per_minute - len(self._window))


# --------------------------------------------------------------------------------------------
# Faults and the request log: what every simulator's admin API offers tests
# --------------------------------------------------------------------------------------------


@dataclass
class FaultRule:
    """The next `remaining` requests matching `where` get `kind` (a field that is None matches any)."""

    kind: str
    remaining: int
    where: dict[str, str | None]

    def matches(self, request: Mapping[str, str | None]) -> bool:
        return self.remaining > 0 and all(v is None or request.get(k) == v for k, v in self.where.items())

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "remaining": self.remaining, **self.where}


class FaultQueue:
    """Faults queued through a simulator's admin API (`POST /_sandbox/<source>/faults`), each taken
    by the requests it matches on the simulator's `fields` (office, workspace, endpoint ...).
    Thread-safe: the server answers requests from several threads."""

    def __init__(self, kinds: Sequence[str], fields: Sequence[str]) -> None:
        self.kinds = tuple(kinds)
        self.fields = tuple(fields)
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, kind: str, count: int = 1, **where: str | None) -> FaultRule:
        if kind not in self.kinds:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(self.kinds)}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        unknown = sorted(set(where) - set(self.fields))
        if unknown:
            raise ValueError(f"a fault matches on {', '.join(self.fields)}, not {', '.join(unknown)}")
        rule = FaultRule(kind, count, {name: where.get(name) for name in self.fields})
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, **request: str | None) -> str | None:
        """The kind of the first queued fault this request matches (using one of its count)."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(request):
                    rule.remaining -= 1
                    self._rules = [r for r in self._rules if r.remaining > 0]
                    return rule.kind
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_dict() for rule in self._rules if rule.remaining > 0]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()


class RequestLog:
    """The last `size` requests a simulator answered, as dicts (`GET /_sandbox/<source>/requests`)."""

    def __init__(self, size: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, **entry: Any) -> None:
        entry.setdefault("ts", time.time())
        with self._lock:
            self._entries.append(entry)

    def entries(self, **where: Any) -> list[dict[str, Any]]:
        """Copies of the entries whose fields equal `where` (a None value matches any)."""
        with self._lock:
            return [
                dict(e) for e in self._entries if all(v is None or e.get(k) == v for k, v in where.items())
            ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# The answer of `shared_admin` for a route it does not serve: the simulator's own routes go on.
NOT_SHARED = object()


def admin_int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise AdminError(f"{name} must be an integer, got {value!r}") from error


def shared_admin(
    simulator: Any, method: str, route: str, args: Mapping[str, str], body: Mapping[str, Any]
) -> Any:
    """The admin routes every simulator serves the same way, filtered by its fault fields (office,
    workspace, shop, endpoint ...): `GET requests`, `POST requests/clear`, `POST faults`, `GET
    faults`, `POST faults/clear`. Any other route: NOT_SHARED.

    `simulator` has a `FaultQueue` as `_faults` and `request_log(**fields)`, `clear_requests()`,
    `add_fault(kind, count, **fields)`, `faults()` and `clear_faults()`."""
    fields = simulator._faults.fields
    if (method, route) == ("GET", "requests"):
        return simulator.request_log(**{name: args.get(name) for name in fields})
    if (method, route) == ("POST", "requests/clear"):
        simulator.clear_requests()
        return {"cleared": True}
    if (method, route) == ("POST", "faults"):
        if "kind" not in body:
            raise AdminError('a fault needs a "kind"')
        rule = simulator.add_fault(
            str(body["kind"]),
            admin_int(body.get("count", 1), "count"),
            **{name: body.get(name) for name in fields},
        )
        return {"queued": rule.as_dict(), "faults": simulator.faults()}
    if (method, route) == ("GET", "faults"):
        return simulator.faults()
    if (method, route) == ("POST", "faults/clear"):
        simulator.clear_faults()
        return {"cleared": True}
    return NOT_SHARED


# --------------------------------------------------------------------------------------------
# Options: the generic `--set <source>.<option>=<value>` mechanism
# --------------------------------------------------------------------------------------------


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


@dataclass(frozen=True)
class Option:
    """One setting of a simulator, settable with `elt sandbox up --set <source>.<name>=<value>`."""

    default: Any
    help: str
    type: type = int
    minimum: float | None = None

    def parse(self, value: Any) -> Any:
        """`value` (a string from the command line, or already typed) as this option's type."""
        try:
            if isinstance(value, str):
                parsed = _parse_bool(value) if self.type is bool else self.type(value.strip())
            elif self.type is float and isinstance(value, int | float) and not isinstance(value, bool):
                parsed = float(value)
            elif isinstance(value, self.type) and not (self.type is int and isinstance(value, bool)):
                parsed = value
            else:
                raise ValueError(f"expected {self.type.__name__}")
        except ValueError as error:
            raise ValueError(f"expected {self.type.__name__}, got {value!r}") from error
        if self.minimum is not None and parsed < self.minimum:
            raise ValueError(f"must be at least {self.minimum:g}, got {parsed!r}")
        return parsed


# --------------------------------------------------------------------------------------------
# The spec a simulator registers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoaderContext:
    """What a spec needs to say where the loaders find it and with which credentials."""

    server_url: str  # the sandbox server, e.g. http://127.0.0.1:8701
    mount_url: str  # this simulator's mount on it, e.g. http://127.0.0.1:8701/<source>
    seed: int
    scale: float
    options: Mapping[str, Any]  # this simulator's resolved options
    state: Mapping[str, Any]  # state.json; an external simulator finds its own keys here
    started: bool = True  # False for an external simulator that could not start


@dataclass(frozen=True)
class ExternalContext:
    """What an external simulator gets to start: where to log, the world and its options."""

    state_dir: Path
    seed: int
    scale: float
    day: int
    options: Mapping[str, Any]


class Simulator(Protocol):
    """A live simulator mounted in the sandbox server; every method is called from many threads."""

    @property
    def day(self) -> int: ...

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        """Answer one API request; `path` is below the mount (`/<source>` removed)."""
        ...

    def admin(self, method: str, route: str, args: Mapping[str, str], body: Mapping[str, Any]) -> Any:
        """Answer `/_sandbox/<source>/<route>` with a JSON-able value; AdminError for a bad request."""
        ...

    def tick(self, days: int) -> dict[str, Any]:
        """Advance `days` simulated days (the server ticks every simulator together)."""
        ...

    def state(self) -> dict[str, Any]: ...

    def scope_url(self, mount_url: str, scope: str) -> str:
        """The base URL its loader is configured with for one scope (office, workspace, ...)."""
        ...

    def close(self) -> None:
        """Wake anything sleeping (a stalled fault) so the server can stop promptly."""
        ...


class SimulatorSpec(ABC):
    """A registered simulator: its name (the source key), options and loader configuration."""

    # The source key: mounted at `/<name>/`, admin at `/_sandbox/<name>/`, config in `sources.<name>`.
    name: ClassVar[str]
    title: ClassVar[str]  # for people: "PestRoutes API v1"
    options: ClassVar[Mapping[str, Option]] = {}
    external: ClassVar[bool] = False

    @abstractmethod
    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        """`.dlt/secrets.toml` sections (`"sources.<name>..."` -> keys) pointing the loaders here."""

    def owned_sections(self) -> tuple[str, ...]:
        """Sections of a generated secrets file this simulator rewrites (`x.*`: every `x.<...>`)."""
        return (f"sources.{self.name}", f"sources.{self.name}.*")

    def describe(self, ctx: LoaderContext) -> str:
        """One line for `elt sandbox up`: what runs where."""
        return f"{self.name}: {self.title} at {ctx.mount_url}"


class MountedSpec(SimulatorSpec):
    """A simulator served by the sandbox server process under `/<name>/`."""

    @abstractmethod
    def build(self, *, seed: int, scale: float, day: int, **options: Any) -> Simulator:
        """Generate the world for `day` and return the live simulator (options as in `options`,
        plus any in-process extras a test passes, such as a fake clock)."""


class ExternalSpec(SimulatorSpec):
    """A simulator running as its own process, started and moved by the manager."""

    external: ClassVar[bool] = True

    @abstractmethod
    def start(self, ctx: ExternalContext) -> dict[str, Any]:
        """Start detached and load days 0..ctx.day; returns state.json keys (prefixed, its own).

        Raise SimulatorUnavailable to be skipped with a warning, SandboxError to fail `up`."""

    @abstractmethod
    def status(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Keys for `elt sandbox status` (whether it still runs)."""

    @abstractmethod
    def stop(self, state: Mapping[str, Any]) -> None:
        """Stop it (nothing to do when it is not running); SandboxError when it will not stop."""

    @abstractmethod
    def tick(self, state: Mapping[str, Any], from_day: int, to_day: int) -> dict[str, Any]:
        """Bring it from `from_day` to `to_day`; keys merged into the tick's result."""

    def describe(self, ctx: LoaderContext) -> str:
        return f"{self.name}: {self.title}"


# --------------------------------------------------------------------------------------------
# Processes (the server and external simulators run detached)
# --------------------------------------------------------------------------------------------


def spawn_detached(
    command: list[str], log_path: Path, cwd: Path, env: Mapping[str, str] | None = None
) -> Any:
    """Start `command` in its own session, output appended to `log_path`; returns the Popen."""
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the CLI and its terminal's Ctrl-C
        )


def wait_until(
    ready: Callable[[], bool], process: Any, log_path: Path, what: str, timeout: float, marker: bytes
) -> None:
    """Poll `ready` until it holds; SandboxError (and the process stopped) if it exits or times out."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise SandboxError(f"{what} exited during start-up ({log_tail(log_path)}); see {log_path}")
        if time.monotonic() > deadline:
            terminate(process.pid, marker=marker)
            raise SandboxError(f"{what} did not answer within {timeout:.0f}s; see {log_path}")
        time.sleep(0.1)


def alive(pid: int, marker: bytes) -> bool:
    """Whether `pid` is a live (not zombie) process whose command line holds `marker`."""
    try:
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own exited child
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process reusing the PID
    proc = Path(f"/proc/{pid}")
    if proc.exists():
        try:
            status = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            return False
        return status != "Z" and marker in cmdline
    return True


def terminate(pid: int, grace: float = 5.0, *, marker: bytes) -> bool:
    """SIGTERM, then SIGKILL after `grace` seconds; True once the process is gone."""
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not alive(pid, marker):
                return True
            time.sleep(0.05)
    return not alive(pid, marker)


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def log_tail(path: Path, lines: int = 1) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])
