"""Benchmark of dlt's load into PostgreSQL against a plain `COPY` of the same rows.

    .venv/bin/python bench/postgres_load_bench.py            # 400,000 service_csv RAW rows
    .venv/bin/python bench/postgres_load_bench.py --rows 50000 --repeat 1   # quick

One run, against a throwaway PostgreSQL 15 server it starts itself (elt.pgserver: initdb as the
postgres user, a private port, password auth; stopped by PID at the end):

1. the rows: generated service-request exports (the default, messy `Mess`), parsed by the
   loader's own parser into the exact Arrow table `elt load service_csv` lands in
   `raw_service_csv.service_records` (29 text columns + file, line and parse lineage);
2. dlt: a pipeline as the `loader` role with the project's PostgreSQL settings (`csv` loader
   files, loaded by dlt's postgres destination with `COPY ... FROM STDIN`), timed per step:
   extract, normalize (Arrow -> CSV), load (COPY), and the whole run;
3. plain COPY: the same rows written once to a CSV file (not timed), then one
   `COPY ... FROM STDIN (FORMAT csv, HEADER)` into an empty table of the same shape
   (`CREATE TABLE ... (LIKE raw.service_records)`), timed.

Each is repeated (`--repeat`, best time kept) into fresh tables. The ratio is
COPY time / dlt time (1.0 = dlt as fast as COPY; the target is >= 0.5), printed for dlt's load
step and for its whole run. Results go to bench/results/postgres_load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RESULTS = REPO / "bench" / "results" / "postgres_load.json"
TABLE = "service_records"


def build_rows(rows: int, seed: int) -> Any:
    """Arrow table shaped exactly like raw_service_csv.service_records, from messy exports."""
    import pyarrow as pa

    from loaders.service_csv.parsing import parse_bytes
    from loaders.service_csv.tables import RECORD_SCHEMA, TIMESTAMP
    from sandbox.service_csv.generator import CorpusConfig, generate_file

    per_file = 5000
    distinct = 4  # generated files; the rest repeats them under other keys (generation is slow)
    parsed = [
        parse_bytes(generate_file(CorpusConfig(seed=seed, rows_per_file=per_file), 0, n + 1, pool=[]).data)
        for n in range(distinct)
    ]
    extracted_at = pa.scalar(time.time() * 1e6, pa.int64()).cast(TIMESTAMP)
    tables, total, number = [], 0, 0
    while total < rows:
        table = parsed[number % distinct].table.slice(0, rows - total)
        n = table.num_rows
        extras = {
            "_file_key": pa.repeat(pa.scalar(f"exports/service_requests/bench_{number:05d}.csv"), n),
            "_file_etag": pa.repeat(pa.scalar(f"etag-{number}"), n),
            "_file_encoding": pa.repeat(pa.scalar(parsed[number % distinct].encoding), n),
            "_extracted_at": pa.repeat(extracted_at, n),
        }
        columns = [table.column(c) if c in table.column_names else extras[c] for c in RECORD_SCHEMA.names]
        tables.append(pa.Table.from_arrays(columns, schema=RECORD_SCHEMA))
        total += n
        number += 1
    return pa.concat_tables(tables).combine_chunks()


def dlt_load(env: dict[str, str], rows: Any, dataset: str, work: Path) -> dict[str, float]:
    """dlt's load as `elt load` runs it on PostgreSQL (same destination, file format, hints)."""
    import dlt

    from loaders.common import warehouse
    from loaders.service_csv.parsing import iter_table_batches
    from loaders.service_csv.tables import RECORD_SCHEMA, column_hints

    os.environ.update({**env, "ELT_TARGET": "postgres"})
    # As loaders/service_csv/pipeline.py does: every RAW row gets _dlt_load_id and _dlt_id.
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")
    # As loaders/common/runner.py does for PostgreSQL: no gzip of load files COPY reads locally.
    os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{dataset}",
        destination=warehouse.dlt_destination(),
        dataset_name=dataset,
        pipelines_dir=str(work / "pipelines"),
    )
    resource = dlt.resource(
        iter_table_batches(rows), name=TABLE, columns=column_hints(RECORD_SCHEMA), write_disposition="append"
    )
    times = {}
    started = time.perf_counter()
    pipeline.extract(resource, loader_file_format=warehouse.loader_file_format())
    times["extract"] = time.perf_counter() - started
    mark = time.perf_counter()
    pipeline.normalize()
    times["normalize"] = time.perf_counter() - mark
    mark = time.perf_counter()
    info = pipeline.load()
    times["load"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - started
    info.raise_on_failed_jobs()
    formats = {
        job.job_file_info.file_format
        for package in info.load_packages
        for job in package.jobs["completed_jobs"]
    }
    times["file_formats"] = sorted(formats)  # type: ignore[assignment]
    return times


def plain_copy(server: Any, database: str, source: str, target: str, csv_path: Path) -> float:
    import psycopg2

    env = server.env(database)
    conn = psycopg2.connect(
        host=env["ELT_PG_HOST"],
        port=int(env["ELT_PG_PORT"]),
        user=env["ELT_PG_LOADER_USER"],
        password=env["ELT_PG_LOADER_PASSWORD"],
        dbname=database,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"create schema if not exists {target}")
            # Same shape as dlt's table, without its rows (dlt's own _dlt_* columns included).
            cursor.execute(f"create table {target}.{TABLE} (like {source}.{TABLE} including defaults)")
            conn.commit()
            header = csv_path.open(encoding="utf-8").readline().strip()
            started = time.perf_counter()
            with csv_path.open("rb") as handle:
                cursor.copy_expert(
                    f"copy {target}.{TABLE} ({header}) from stdin with (format csv, header true)", handle
                )
            conn.commit()
            return time.perf_counter() - started
    finally:
        conn.close()


def count(server: Any, database: str, relation: str) -> int:
    conn = server.admin_connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"select count(*) from {relation}")
            return int(cursor.fetchone()[0])
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best time is kept")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--port", type=int, default=0, help="port of the throwaway server (0: any free)")
    args = parser.parse_args()

    from elt import pgserver

    with tempfile.TemporaryDirectory(prefix="elt-bench-pg-") as scratch:
        work = Path(scratch)
        work.chmod(0o711)  # the server runs as the postgres OS user when we are root
        print(f"generating {args.rows:,} service_csv RAW rows ...", flush=True)
        rows = build_rows(args.rows, args.seed)
        server = pgserver.start_cluster(work / "server", port=args.port)
        try:
            env = server.env()
            dlt_runs, copy_runs = [], []
            csv_path = work / "rows.csv"
            for run in range(args.repeat):
                dataset = f"raw_bench_{run}"
                times = dlt_load(env, rows, dataset, work)
                landed = count(server, "warehouse", f"{dataset}.{TABLE}")
                assert landed == rows.num_rows, (landed, rows.num_rows)
                dlt_runs.append(times)
                steps = ", ".join(f"{k} {times[k]:.2f}s" for k in ("extract", "normalize", "load", "total"))
                print(f"dlt run {run + 1}: {steps} ({', '.join(times['file_formats'])} files)", flush=True)
                if run == 0:
                    # The same rows and columns dlt landed (its _dlt_load_id/_dlt_id included), as CSV.
                    conn = server.admin_connect("warehouse")
                    with conn.cursor() as cursor, csv_path.open("w", encoding="utf-8") as handle:
                        cursor.copy_expert(
                            f"copy {dataset}.{TABLE} to stdout with (format csv, header true)", handle
                        )
                    conn.close()
                seconds = plain_copy(server, "warehouse", dataset, f"copy_bench_{run}", csv_path)
                assert count(server, "warehouse", f"copy_bench_{run}.{TABLE}") == rows.num_rows
                copy_runs.append(seconds)
                csv_bytes = csv_path.stat().st_size
                print(f"plain COPY run {run + 1}: {seconds:.2f}s", flush=True)
        finally:
            server.stop()

    best = {key: min(r[key] for r in dlt_runs) for key in ("extract", "normalize", "load", "total")}
    copy_seconds = min(copy_runs)
    result = {
        "rows": rows.num_rows,
        "columns": rows.num_columns,
        "csv_bytes": csv_bytes,
        "dlt_seconds": best,
        "dlt_file_formats": dlt_runs[0]["file_formats"],
        "copy_seconds": copy_seconds,
        "ratio_copy_to_dlt_load_step": copy_seconds / best["load"],
        "ratio_copy_to_dlt_total": copy_seconds / best["total"],
        "repeat": args.repeat,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    print()
    print(f"{rows.num_rows:,} rows x {rows.num_columns} columns (raw_service_csv.service_records)")
    n = rows.num_rows
    for label, seconds in (
        ("dlt load step (COPY of csv load files)", best["load"]),
        ("dlt whole run (extract+normalize+load)", best["total"]),
        ("plain COPY of the same rows from one CSV", copy_seconds),
    ):
        print(f"  {label:<42} {seconds:7.2f} s  {n / seconds:>10,.0f} rows/s")
    print(
        f"  ratio COPY / dlt load step: {result['ratio_copy_to_dlt_load_step']:.2f}   "
        f"COPY / dlt whole run: {result['ratio_copy_to_dlt_total']:.2f}   (target >= 0.5)"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
