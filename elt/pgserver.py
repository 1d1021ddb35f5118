"""A throwaway local PostgreSQL server for development, `make demo` and the tests.

`python -m elt.pgserver up|down|status|env` (and `make pg-up` / `pg-down` / `pg-status`) start one
PostgreSQL 15 cluster owned by this repository: initdb'd as the `postgres` OS user when running as
root (initdb refuses root), data and socket directories under the state directory (default `.pg/`
at the repo root, `ELT_PG_STATE_DIR` overrides), listening on 127.0.0.1 only on a private port,
password (SCRAM) authentication everywhere. It creates the `warehouse` database and four roles:

- `loader`      writes the RAW schemas (dlt creates `raw_<source>`); the transformer can read them
- `transformer` runs dbt (staging, audit builds, the publish); reads RAW
- `analyst`     read-only consumer of the published `analytics` schema, granted by the release's
                publish macro (dbt var `release_reader_roles`)
- `data_scientist` read-only consumer of the published `ml` schema (the feature tables), likewise

Passwords are generated at start and kept only in `<state>/env` (mode 0600, git-ignored, one
`export ELT_PG_...=` line each), so `source .pg/env` points `elt` and `dbt` (profiles.yml reads the
same ELT_PG_* variables) at this server. The superuser's password stays in `<state>/state.json`
(also 0600): it is needed to create databases (the tests get a fresh one each) and never reaches
`elt` or `dbt`. A user with their own server sets the ELT_PG_* variables and never runs this.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.common.warehouse import REPO_ROOT

STATE_FILE = "state.json"
ENV_FILE = "env"
# role -> ELT_PG_<X>_ prefix of its settings
ROLES = {"loader": "LOADER", "transformer": "", "analyst": "ANALYST", "data_scientist": "DATA_SCIENTIST"}
CONSUMER_ROLES = ("analyst", "data_scientist")
DEFAULT_DATABASE = "warehouse"
DEFAULT_PORT = 9132  # private: never 5432


class PgServerError(Exception):
    """The throwaway server could not start or stop; the message says what to do."""


def state_dir() -> Path:
    return Path(os.environ.get("ELT_PG_STATE_DIR", REPO_ROOT / ".pg")).resolve()


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    # Debian keeps the server binaries outside PATH.
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise PgServerError(f"`{name}` not found: install PostgreSQL 15 (e.g. apt-get install postgresql-15)")


def _as_owner(args: list[str]) -> list[str]:
    """Run server binaries as the `postgres` OS user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _chown_to_owner(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


@dataclass
class PgServer:
    """A running throwaway cluster: where it listens and how to administer it."""

    root: Path
    port: int
    pid: int
    admin_password: str
    passwords: dict[str, str]
    host: str = "127.0.0.1"

    def admin_connect(self, database: str = "postgres") -> Any:
        import psycopg2

        conn = psycopg2.connect(
            host=self.host, port=self.port, user="postgres", password=self.admin_password, dbname=database
        )
        conn.autocommit = True
        return conn

    def env(self, database: str = DEFAULT_DATABASE) -> dict[str, str]:
        """The ELT_PG_* variables `elt` and `dbt` read, for `database` on this server."""
        values = {
            "ELT_PG_HOST": self.host,
            "ELT_PG_PORT": str(self.port),
            "ELT_PG_DATABASE": database,
        }
        for role, prefix in ROLES.items():
            key = f"ELT_PG_{prefix}_" if prefix else "ELT_PG_"
            values[f"{key}USER"] = role
            values[f"{key}PASSWORD"] = self.passwords[role]
        return values

    def admin_execute(self, database: str, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
        """Run statements as the superuser, each in its own transaction (autocommit)."""
        conn = self.admin_connect(database)
        try:
            with conn.cursor() as cursor:
                for statement in statements:
                    sql, params = statement if isinstance(statement, tuple) else (statement, None)
                    cursor.execute(sql, params)
        finally:
            conn.close()

    def create_database(self, name: str, template: str | None = None) -> dict[str, str]:
        """A new database set up for the roles (see `prepare_database`); returns its ELT_PG_* env."""
        self.admin_execute(
            "postgres", f'create database "{name}"' + (f' template "{template}"' if template else "")
        )
        prepare_database(self, name, copied=template is not None)
        return self.env(name)

    def drop_database(self, name: str) -> None:
        self.admin_execute("postgres", f'drop database if exists "{name}" with (force)')

    def stop(self) -> None:
        stop_cluster(self.root / "cluster" / "data", self.pid)


def prepare_database(server: PgServer, database: str, copied: bool = False) -> None:
    """Privileges of the roles in one database.

    The loader and the transformer may create schemas (dlt creates `raw_<source>`; dbt creates
    staging, audit and published schemas). Whatever the loader creates is readable by the
    transformer (default privileges, so new RAW tables need no grant). The consumers get nothing
    here: the publish macro grants each its published schema, and PostgreSQL 15 no longer lets
    PUBLIC create in `public`. A copy (`copied`, CREATE DATABASE ... TEMPLATE) keeps everything
    inside the database, but privileges on the database itself belong to it and are granted again.
    """
    statements = [
        f'grant connect, create, temporary on database "{database}" to loader, transformer',
        *(f'grant connect on database "{database}" to {role}' for role in CONSUMER_ROLES),
    ]
    if not copied:
        statements += [
            "revoke all on schema public from public",
            "grant usage, create on schema public to loader, transformer",
            "alter default privileges for role loader grant usage on schemas to transformer",
            "alter default privileges for role loader grant select on tables to transformer",
        ]
    server.admin_execute(database, *statements)


def stop_cluster(data_dir: Path, pid: int | None = None, timeout: float = 30.0) -> None:
    """Fast shutdown (SIGINT) of the postmaster with this PID (or the one postmaster.pid names)."""
    if pid is None:
        try:
            pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
    if not _alive(pid):
        return
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGQUIT)  # immediate shutdown; the cluster is throwaway anyway


def start_cluster(root: Path, port: int = 0, database: str | None = DEFAULT_DATABASE) -> PgServer:
    """initdb a new cluster under `root`, start it on 127.0.0.1:`port` (0: any free port),
    create the roles and (unless None) `database`."""
    root = Path(root)
    cluster = root / "cluster"
    if cluster.exists():
        shutil.rmtree(cluster)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o711)  # the postgres user must reach cluster/; nothing else here is theirs
    cluster.mkdir()
    _chown_to_owner(cluster)
    if os.geteuid() == 0 and subprocess.run(_as_owner(["test", "-x", str(cluster)]), check=False).returncode:
        raise PgServerError(
            f"the postgres OS user cannot reach {cluster}: choose a directory every parent of which "
            "it may enter (not a private temporary directory)"
        )
    admin_password = secrets.token_urlsafe(24)
    passwords = {role: secrets.token_urlsafe(24) for role in ROLES}
    # initdb reads the superuser's password from a file only the postgres user can read, removed after.
    pwfile = cluster / ".pw"
    _write_private(pwfile, admin_password + "\n")
    _chown_to_owner(pwfile)
    data = cluster / "data"
    sockets = cluster / "socket"
    for path in (data, sockets):
        path.mkdir(mode=0o700)
        _chown_to_owner(path)
    initdb = subprocess.run(
        _as_owner(
            [
                _binary("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    pwfile.unlink()
    if initdb.returncode != 0:
        raise PgServerError(f"initdb failed: {(initdb.stderr.strip().splitlines() or ['?'])[-1]}")
    port = port or _free_port()
    if not _port_free(port):
        raise PgServerError(f"port {port} on 127.0.0.1 is in use: pass another one (--port)")
    settings = {
        "listen_addresses": "'127.0.0.1'",
        "port": str(port),
        "unix_socket_directories": f"'{sockets}'",
        "fsync": "off",  # throwaway: speed over durability
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "60",
        "shared_buffers": "128MB",
        "logging_collector": "off",
    }
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("\n# elt.pgserver\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
    log = cluster / "server.log"
    log.touch()
    _chown_to_owner(log)
    started = subprocess.run(
        _as_owner([_binary("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"]),
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        tail = log.read_text().strip().splitlines()[-1:] or [started.stderr.strip()]
        raise PgServerError(f"postgres did not start: {tail[-1]}")
    pid = int((data / "postmaster.pid").read_text().split()[0])
    server = PgServer(root, port, pid, admin_password, passwords)
    try:
        server.admin_execute(
            "postgres",
            *[(f"create role {role} login password %s", (password,)) for role, password in passwords.items()],
        )
        if database:
            server.create_database(database)
    except Exception:
        server.stop()
        raise
    return server


# --------------------------------------------------------------------------------------------
# The repository's server (`make pg-up`): state in <state>/state.json and <state>/env
# --------------------------------------------------------------------------------------------


def _read_state(root: Path) -> dict[str, Any] | None:
    try:
        return json.loads((root / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None


def running(root: Path | None = None) -> PgServer | None:
    root = root or state_dir()
    state = _read_state(root)
    if not state or not _alive(int(state["pid"])):
        return None
    return PgServer(root, int(state["port"]), int(state["pid"]), state["admin_password"], state["passwords"])


def up(root: Path | None = None, port: int = DEFAULT_PORT) -> tuple[PgServer, bool]:
    """Start the repository's server unless it runs; returns it and whether it was started now."""
    root = root or state_dir()
    existing = running(root)
    if existing:
        return existing, False
    server = start_cluster(root, port=port)
    state = {
        "pid": server.pid,
        "port": server.port,
        "admin_password": server.admin_password,
        "passwords": server.passwords,
        "data_dir": str(root / "cluster" / "data"),
    }
    _write_private(root / STATE_FILE, json.dumps(state, indent=2) + "\n")
    env = {"ELT_TARGET": "postgres", **server.env()}
    _write_private(
        root / ENV_FILE,
        "# generated by `make pg-up` (elt.pgserver); `source` it to point elt and dbt at this server\n"
        + "".join(f"export {k}={v}\n" for k, v in env.items()),
    )
    return server, True


def down(root: Path | None = None) -> bool:
    """Stop the repository's server by its PID and remove its files; False if none ran."""
    root = root or state_dir()
    state = _read_state(root)
    data_dir = root / "cluster" / "data"
    was_running = bool(state and _alive(int(state["pid"])))
    stop_cluster(data_dir, int(state["pid"]) if state else None)
    for name in (STATE_FILE, ENV_FILE):
        (root / name).unlink(missing_ok=True)
    shutil.rmtree(root / "cluster", ignore_errors=True)
    return was_running


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m elt.pgserver", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("up", help="start the throwaway server (no-op if it runs)")
    start.add_argument("--port", type=int, default=int(os.environ.get("ELT_PG_SERVER_PORT", DEFAULT_PORT)))
    sub.add_parser("down", help="stop it (by PID) and delete its data")
    sub.add_parser("status", help="say whether it runs and where")
    sub.add_parser("env", help="print the path of the env file to `source`")
    args = parser.parse_args(argv)
    root = state_dir()
    try:
        if args.command == "up":
            server, started = up(root, args.port)
            verb = "started" if started else "already running"
            print(
                f"postgres {verb}: 127.0.0.1:{server.port} (pid {server.pid}), database "
                f"{DEFAULT_DATABASE}, roles {'/'.join(ROLES)}; settings in {root / ENV_FILE}"
            )
        elif args.command == "down":
            print("postgres stopped" if down(root) else "postgres was not running")
        elif args.command == "status":
            server = running(root)
            if not server:
                print("postgres is not running: start it with `make pg-up`")
                return 1
            print(
                f"postgres running: 127.0.0.1:{server.port} (pid {server.pid}); settings in {root / ENV_FILE}"
            )
        else:
            print(root / ENV_FILE)
    except PgServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
