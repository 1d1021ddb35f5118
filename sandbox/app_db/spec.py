"""How the application database plugs into the sandbox: a generated SQLite file, no process.

`elt sandbox up` builds `<state dir>/app_db.sqlite` for (seed, scale, day) (state.json records
`app_db_path`, `app_db_url`, `app_db_day`, `app_db_rows`) and points the loader's database `app` at
it; `elt sandbox tick` applies the next days to the file; `down` leaves it for inspection (the
next `up` rebuilds it). The file itself records the day it holds (PRAGMA user_version), so a
tick resumes from there even if an earlier one failed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from sandbox.framework import ExternalContext, ExternalSpec, LoaderContext, Option, SandboxError

DB_FILE = "app_db.sqlite"
DATABASE = "app"  # the scope name the loader lands as `_database`
PII_SALT = "sandbox-pii-salt-not-for-production"


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).resolve()}"


class AppDbSpec(ExternalSpec):
    name: ClassVar[str] = "app_db"
    title: ClassVar[str] = "application database (SQLite file)"
    options: ClassVar[dict[str, Option]] = {
        "history_days": Option(180, "days of bookings before day 0 in the generated database", minimum=1),
    }

    def start(self, ctx: ExternalContext) -> dict[str, Any]:
        from sandbox.app_db import generator

        path = (ctx.state_dir / DB_FILE).resolve()
        building = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # a reader never sees half a file
        history_days = int(ctx.options.get("history_days", 180))
        try:
            built = generator.build(sqlite_url(building), ctx.day, seed=ctx.seed, scale=ctx.scale,
                                    history_days=history_days)  # fmt: skip
            os.replace(building, path)
        except Exception as error:
            building.unlink(missing_ok=True)
            raise SandboxError(f"could not build the app_db sandbox database {path}: {error}") from error
        return {"app_db_path": str(path), "app_db_url": sqlite_url(path), "app_db_day": ctx.day,
                "app_db_rows": built["rows"]}  # fmt: skip

    def status(self, state: Mapping[str, Any]) -> dict[str, Any]:
        path = state.get("app_db_path")
        if not path:
            return {}
        exists = Path(path).exists()
        result: dict[str, Any] = {"app_db_exists": exists}
        if exists:
            from sandbox.app_db import generator

            result["app_db_day"] = generator.recorded_day(sqlite_url(path))
        return result

    def stop(self, state: Mapping[str, Any]) -> None:
        """Nothing runs; the file stays for inspection."""

    def tick(self, state: Mapping[str, Any], from_day: int, to_day: int) -> dict[str, Any]:
        """Apply days from_day+1..to_day (from the day the file holds, if it says)."""
        path = state.get("app_db_path")
        if not path or not Path(path).exists():
            return {}
        from sandbox.app_db import generator

        url = sqlite_url(path)
        held = generator.recorded_day(url)
        start = from_day if held is None else held
        if to_day <= start:
            return {}
        result = generator.tick(url, start, to_day, seed=int(state.get("seed", 42)),
                                scale=float(state.get("scale", 1.0)))  # fmt: skip
        changed = {table: sum(n for kind, n in counts.items() if kind != "late")
                   for table, counts in result["tables"].items()}  # fmt: skip
        return {
            "app_db_day": to_day,
            "app_db_changes": {table: n for table, n in changed.items() if n},
            "app_db_hard_deletes": sum(c["hard_deleted"] for c in result["tables"].values()),
            "app_db_late_commits": sum(c["late"] for c in result["tables"].values()),
        }

    def loader_sections(self, ctx: LoaderContext) -> dict[str, dict[str, Any]]:
        sections: dict[str, dict[str, Any]] = {"sources.app_db": {"pii_salt": PII_SALT}}
        path = ctx.state.get("app_db_path")
        if ctx.started and path:
            sections[f"sources.app_db.databases.{DATABASE}"] = {"credentials": sqlite_url(path)}
        return sections

    def describe(self, ctx: LoaderContext) -> str:
        state = ctx.state
        if not ctx.started or not state.get("app_db_path"):
            return "app_db: not built"
        bookings = (state.get("app_db_rows") or {}).get("bookings", 0)
        return f"app_db: {self.title} {state['app_db_path']} (database `{DATABASE}`, {bookings} bookings)"


SPEC = AppDbSpec()
