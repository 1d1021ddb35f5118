"""Benchmark of `elt load app_db` against a generated PostgreSQL application database.

    .venv/bin/python bench/app_db_bench.py              # about 1,000,000 bookings (scale 170)
    .venv/bin/python bench/app_db_bench.py --scale 10   # quick

One run, against a throwaway PostgreSQL 15 server it starts itself (elt.pgserver; stopped by PID
at the end), into a fresh DuckDB warehouse:

1. the source: sandbox/app_db's generator builds Clutter Haven's database at `--scale` (COPY);
   a role with SELECT only reads it, as in production;
2. full load: `elt load app_db` (dlt's `sql_database`, pyarrow backend) of every table, timed,
   in rows/s over every table's rows;
3. reference, in the same run: the same tables read with a plain `COPY (SELECT * FROM t) TO
   STDOUT` (CSV, psycopg2) into a file and loaded into DuckDB with `read_csv` (types as
   PostgreSQL's), timed; the ratio is reference time / full-load time (target >= 0.5);
4. incremental: `generator.tick` applies one simulated day (about 1 % of the bookings touched,
   every kind of change), then `elt load app_db` again, timed, with the rows it read. Its cost
   should follow the change (rows read within the lag), not the tables' size.

Each load also reports its CPU time (the `elt` process, DuckDB's threads included, not
PostgreSQL's) and `*_source_seconds`, the source's own time in `elt load` (without the process's
start and the run's record); the host's load average and cores are in the results, since others
may share the host and the wall times move with them.

Results go to bench/results/app_db.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RESULTS = REPO / "bench" / "results" / "app_db.json"
BIN = REPO / ".venv" / "bin"
SEED = 42


def _summary_rows(stdout: str) -> dict[str, int]:
    """Rows read from the tables and from the key sets, from the load summary's lines
    (`app <entity> <mode> <fetched> <landed> <status>`)."""
    rows = {"table_rows": 0, "key_rows": 0}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[0] == "app" and parts[3].replace(",", "").isdigit():
            kind = "key_rows" if parts[1].startswith("keys_") else "table_rows"
            rows[kind] += int(parts[3].replace(",", ""))
    if not rows["table_rows"]:
        raise SystemExit(f"no rows in the load summary:\n{stdout[-2000:]}")
    return rows


def _project(root: Path, reader_url: str) -> dict[str, str]:
    dlt_dir = root / ".dlt"
    dlt_dir.mkdir(parents=True, exist_ok=True)
    (dlt_dir / "config.toml").write_text(
        '[runtime]\nlog_level = "WARNING"\ndlthub_telemetry = false\n\n'
        '[normalize]\nloader_file_format = "parquet"\n'
    )
    (dlt_dir / "secrets.toml").write_text(f'[sources.app_db.databases.app]\ncredentials = "{reader_url}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "ELT_", "DLT_", "DBT_"))}
    env.update(
        {
            "DLT_PROJECT_DIR": str(root),
            "ELT_TARGET": "duckdb",
            "ELT_DUCKDB_PATH": str(root / "warehouse.duckdb"),
            "ELT_PIPELINES_DIR": str(root / "pipelines"),
            "ELT_SANDBOX_DIR": str(root / "sandbox"),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load(env: dict[str, str], label: str) -> dict[str, Any]:
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [str(BIN / "elt"), "load", "app_db"], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{label} failed with exit code {done.returncode}")
    rows = _summary_rows(done.stdout)
    # `app_db: run <id> ok in 12.3s`: the source's own time, without the process's start (imports)
    # and the run's recording in ops.load_runs.
    inside = re.search(r"^app_db: run \S+ \w+ in ([\d.]+)s", done.stdout, re.M)
    print(
        f"{label}: {seconds:.1f} s ({cpu:.1f} s CPU in the loader's process), {rows['table_rows']:,} table "
        f"rows and {rows['key_rows']:,} keys read",
        flush=True,
    )
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "source_seconds": float(inside.group(1)) if inside else None,
        **rows,
    }


def _copy_reference(admin_dsn: str, tables: list[str], work: Path) -> dict[str, Any]:
    """COPY (SELECT * FROM t) TO STDOUT of every table into DuckDB, timed as a whole."""
    import duckdb
    import psycopg2

    warehouse = work / "reference.duckdb"
    started = time.perf_counter()
    rows = 0
    with psycopg2.connect(admin_dsn) as conn, duckdb.connect(str(warehouse)) as duck:
        for table in tables:
            path = work / f"{table}.csv"
            with conn.cursor() as cursor, path.open("wb") as out:
                cursor.copy_expert(f"copy (select * from {table}) to stdout with (format csv, header)", out)
            duck.execute(f"create table {table} as select * from read_csv(?, header = true)", [str(path)])
            rows += duck.execute(f"select count(*) from {table}").fetchone()[0]
            path.unlink()
    seconds = time.perf_counter() - started
    print(f"COPY reference: {seconds:.1f} s, {rows:,} rows", flush=True)
    return {"seconds": round(seconds, 2), "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=170.0, help="generator scale (170: about 1,000,000 bookings)"
    )
    args = parser.parse_args()

    from elt import pgserver
    from sandbox.app_db import generator
    from sandbox.app_db.schema import TABLES

    pg_root = Path(tempfile.mkdtemp(prefix="elt-bench-appdb-pg-"))
    work = Path(tempfile.mkdtemp(prefix="elt-bench-appdb-"))
    server = pgserver.start_cluster(pg_root, port=0, database=None)
    try:
        server.admin_execute("postgres", 'create database "app"')
        admin_dsn = (
            f"host={server.host} port={server.port} user=postgres password={server.admin_password} dbname=app"
        )
        admin_url = f"postgresql+psycopg2://postgres:{server.admin_password}@{server.host}:{server.port}/app"
        started = time.perf_counter()
        built = generator.build(admin_url, day=0, seed=SEED, scale=args.scale)
        print(f"generated: {built['rows']} in {time.perf_counter() - started:.0f} s", flush=True)
        password = "bench-reader"
        server.admin_execute(
            "app",
            ("create role reader login password %s", (password,)),
            'grant connect on database "app" to reader',
            "grant usage on schema public to reader",
            "grant select on all tables in schema public to reader",
        )
        reader_url = f"postgresql+psycopg2://reader:{password}@{server.host}:{server.port}/app"
        env = _project(work / "project", reader_url)
        total_rows = sum(built["rows"].values())

        full = _load(env, "full load")
        reference = _copy_reference(admin_dsn, list(TABLES), work)
        changes = generator.tick(admin_url, 0, 1, seed=SEED, scale=args.scale)
        changed = sum(sum(counts.values()) for counts in changes["tables"].values())
        incremental = _load(env, "incremental load")
    finally:
        server.stop()
        import shutil

        shutil.rmtree(pg_root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)

    result = {
        "scale": args.scale,
        # Others share the host: its load (1, 5, 15 minutes) when the run ended, and its cores.
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "cores": os.cpu_count(),
        "bookings": built["rows"]["bookings"],
        "source_rows": built["rows"],
        "source_rows_total": total_rows,
        "full_load_seconds": full["seconds"],
        "full_load_cpu_seconds": full["cpu_seconds"],
        "full_load_source_seconds": full["source_seconds"],
        "full_load_rows_per_second": round(total_rows / full["seconds"]),
        "copy_reference_seconds": reference["seconds"],
        "copy_reference_rows_per_second": round(reference["rows"] / reference["seconds"]),
        "full_load_vs_copy": round(reference["seconds"] / full["seconds"], 2),
        "tick_changes": changed,
        "incremental_seconds": incremental["seconds"],
        "incremental_cpu_seconds": incremental["cpu_seconds"],
        "incremental_source_seconds": incremental["source_seconds"],
        "incremental_rows_read": incremental["table_rows"],
        "incremental_keys_read": incremental["key_rows"],
        "incremental_rows_per_second": round(incremental["table_rows"] / incremental["seconds"]),
        "incremental_vs_full_time": round(incremental["seconds"] / full["seconds"], 3),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
