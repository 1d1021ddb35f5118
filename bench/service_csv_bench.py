"""Benchmark of `elt load service_csv`: S3 -> RAW -> staging, against DuckDB's own CSV reader.

    .venv/bin/python bench/service_csv_bench.py                 # 500 files x 8,400 rows (~4.2M)
    .venv/bin/python bench/service_csv_bench.py --quick         # 40 files x 2,000 rows (< 1 min)
    .venv/bin/python bench/service_csv_bench.py --memory-check  # + peak RSS at 50 and 200 files
    .venv/bin/python bench/service_csv_bench.py --scale-up 2000  # + builds at 2,000 files
    .venv/bin/python bench/service_csv_bench.py --quick --memory-check --memory-files 100,400

From another script: `run(quick=True)` returns the report as a dict (and writes the JSON).

One run: generate the messy corpus (default `Mess` proportions, deterministic) into a fresh
in-process moto bucket and the same bytes into a local directory; then, in a temporary project
(its own DuckDB file, pipelines dir, dbt target and log paths - never the repository's):

(a) `elt load service_csv` (S3 -> RAW) and `dbt build --select staging.service_csv`
    (RAW -> staging), each timed: wall seconds, rows/s, CPU seconds (user + sys of the process
    and its children, so the loader's parse workers count) per 100k rows, and peak RSS; dlt's
    extract / normalize / load step times from the pipeline trace, and dbt's slowest nodes
    from run_results.json. dbt parses the project first (`dbt parse`, timed apart): scheduled
    runs reuse that parse, so the build is timed as they run it;
(b) DuckDB `read_csv` (all_varchar, ignore_errors) of the local files into a table, timed
    inside its process: the speed-of-light reference, and the loader's ratio to it;
(c) the cost floors (parse, RAW insert, staging SQL, each alone: see cost_floors);
(d) the incremental build, as the 4-hourly schedule runs it (without the raw_audit tests, which
    read all of RAW and run in the daily build): with nothing new, then after a new day of exports
    holding 1 % of the files (new requests) is loaded, as a fraction of the full build (a); with
    --scale-up, the same again on a fresh warehouse of that many files (its full build too).

The moto server runs in this process, so S3 serving competes with the loader for the CPUs
(real S3 would not). On a shared machine wall times vary with the load average (reported);
CPU seconds per 100k rows are the steadier figure.

Prints a table and writes bench/results/service_csv.json. Peak memory is the largest single
process's maxrss (getrusage RUSAGE_CHILDREN of a wrapper process that only runs the command).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BIN = Path(sys.executable).parent
RESULTS = REPO / "bench" / "results" / "service_csv.json"
FILES_PER_DAY = 20
# moto keeps an object in memory up to this size and spools a larger one to a temporary file.
# Its default (5 MiB less 1 KiB) kept every ~3 MB export in this process: 9.2 GB at 3,000
# files, beside a warehouse DuckDB lets grow to 80 % of RAM, and the machine thrashed. Spooled,
# the bench's own S3 stays out of the memory the warehouse is measured against.
os.environ.setdefault("MOTO_S3_DEFAULT_KEY_BUFFER_SIZE", str(256 * 1024))
_LAST_STDERR: dict[str, str] = {"text": ""}


# ------------------------------------------------------------------------------------------
# The corpus
# ------------------------------------------------------------------------------------------


def _generate(args: tuple[int, int, int]) -> tuple[bytes, int, int]:
    """One export (bytes, records, records that should land); runs in a worker process."""
    from sandbox.service_csv.generator import CorpusConfig, generate_file

    seed, rows, number = args
    config = CorpusConfig(seed=seed, rows_per_file=rows)  # the default (seed) mess
    export = generate_file(config, number // FILES_PER_DAY, number % FILES_PER_DAY + 1, pool=[])
    return export.data, len(export.records), len(export.records) - len(export.by_status("rejected"))


def build_corpus(files: int, rows: int, seed: int, directory: Path, unique: int) -> dict[str, Any]:
    """The corpus in `directory` (reused when a complete one is already there). The generator
    makes about 8,000 rows/s per core, so at most `unique` distinct files are generated and the
    rest are copies of them under their own keys (same mess, same proportions)."""
    from sandbox.service_csv.generator import _file_key

    index = directory / "index.json"
    if index.exists():
        return json.loads(index.read_text())
    shutil.rmtree(directory, ignore_errors=True)
    (directory / "csv").mkdir(parents=True)
    distinct = min(files, max(1, unique))
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        made = list(pool.map(_generate, [(seed, rows, n) for n in range(distinct)], chunksize=2))
    entries = []
    for number in range(files):
        data, records, landing = made[number % distinct]
        key = _file_key("exports/service_requests", number // FILES_PER_DAY, number % FILES_PER_DAY + 1)
        name = key.replace("/", "__")
        (directory / "csv" / name).write_bytes(data)
        entries.append({"key": key, "file": name, "bytes": len(data), "records": records, "landing": landing})
    meta = {
        "files": files,
        "rows_per_file": rows,
        "seed": seed,
        "distinct_files": distinct,
        "entries": entries,
    }
    index.write_text(json.dumps(meta))
    return meta


def cached_corpus(
    files: int, rows: int, seed: int = 42, unique: int = 40, cache: Path | None = None
) -> tuple[Path, dict[str, Any]]:
    """(directory, index) of the corpus of `files` files x `rows` rows, built once per machine
    under the temporary directory and reused by later runs (this bench and bench/run.py's dbt
    bench share it)."""
    cache = cache or Path(tempfile.gettempdir()) / "service_csv_bench_corpus"
    directory = cache / f"{files}x{rows}-seed{seed}-u{unique}"
    started = time.perf_counter()
    meta = build_corpus(files, rows, seed, directory, unique)
    elapsed = time.perf_counter() - started
    print(f"corpus {files} files x {rows} rows: {directory} ({elapsed:.1f}s)", flush=True)
    return directory, meta


def add_new_exports(endpoint: str, bucket: str, meta: dict[str, Any], fraction: float) -> tuple[int, int]:
    """Upload a new day of exports holding `fraction` of the corpus's files (new content, not
    copies of the corpus's files) to `bucket`: (files, records) added."""
    from sandbox.service_csv import s3 as sandbox_s3
    from sandbox.service_csv.generator import _file_key

    count = max(1, round(meta["files"] * fraction))
    first = (meta["files"] // FILES_PER_DAY + 1) * FILES_PER_DAY  # file 1 of a day after the corpus
    client = sandbox_s3.client(endpoint)
    records = 0
    for number in range(first, first + count):
        data, made, _ = _generate((meta["seed"], meta["rows_per_file"], number))
        key = _file_key("exports/service_requests", number // FILES_PER_DAY, number % FILES_PER_DAY + 1)
        client.put_object(Bucket=bucket, Key=key, Body=data)
        records += made
    return count, records


# ------------------------------------------------------------------------------------------
# Measuring a command: wall time and the peak RSS of the largest process it ran
# ------------------------------------------------------------------------------------------


def _measure_main(argv: list[str]) -> int:
    """`--_measure CMD...`: run CMD, print its peak RSS (KiB) and the CPU seconds (user + sys)
    of it and every process it waited for, on the last line of stderr."""
    completed = subprocess.run(argv, check=False)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stderr.write(f"\n__peak_rss_kib={usage.ru_maxrss} __cpu_s={usage.ru_utime + usage.ru_stime:.3f}\n")
    return completed.returncode


def measured(cmd: list[str], env: dict[str, str], label: str) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MiB, CPU seconds user + sys) of `cmd`, run from the repository
    root. The machine may be shared: CPU seconds do not count time spent waiting for a core."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, __file__, "--_measure", *cmd],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    _LAST_STDERR["text"] = completed.stderr
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit(f"{label} failed with exit code {completed.returncode}")
    marker = completed.stderr.rsplit("__peak_rss_kib=", 1)[1].split()
    cpu = float(marker[1].removeprefix("__cpu_s="))
    return seconds, int(marker[0]) / 1024, cpu


# ------------------------------------------------------------------------------------------
# A temporary project
# ------------------------------------------------------------------------------------------


def project_env(root: Path, endpoint: str, bucket: str) -> dict[str, str]:
    from sandbox.service_csv import s3 as sandbox_s3

    dlt_dir = root / ".dlt"
    dlt_dir.mkdir(parents=True, exist_ok=True)
    (dlt_dir / "config.toml").write_text(
        '[runtime]\nlog_level = "WARNING"\ndlthub_telemetry = false\n\n'
        '[normalize]\nloader_file_format = "parquet"\n\n'
        f'[sources.service_csv]\nbucket = "{bucket}"\nprefix = "{sandbox_s3.PREFIX}"\n'
        f'region = "{sandbox_s3.REGION}"\nendpoint_url = "{endpoint}"\n'
    )
    (dlt_dir / "secrets.toml").write_text(
        f'[sources.service_csv]\naws_access_key_id = "{sandbox_s3.ACCESS_KEY_ID}"\n'
        f'aws_secret_access_key = "{sandbox_s3.SECRET_ACCESS_KEY}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "ELT_", "DLT_", "AWS_"))}
    env.update(
        {
            "DLT_PROJECT_DIR": str(root),
            "ELT_TARGET": "duckdb",
            "ELT_DUCKDB_PATH": str(root / "warehouse.duckdb"),
            "ELT_PIPELINES_DIR": str(root / "pipelines"),
            "DBT_TARGET_PATH": str(root / "target"),
            "DBT_LOG_PATH": str(root / "logs"),
            "ELT_SANDBOX_DIR": str(root / "sandbox"),
            "ELT_GX_DIR": str(root / "gx_project"),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


def upload(endpoint: str, bucket: str, corpus_dir: Path, meta: dict[str, Any]) -> None:
    from sandbox.service_csv import s3 as sandbox_s3

    client = sandbox_s3.client(endpoint)
    client.create_bucket(Bucket=bucket)
    for entry in meta["entries"]:
        client.put_object(
            Bucket=bucket, Key=entry["key"], Body=(corpus_dir / "csv" / entry["file"]).read_bytes()
        )


def _per_100k(cpu_seconds: float, rows: int) -> float:
    return round(cpu_seconds * 100_000 / max(rows, 1), 2)


def dlt_steps(env: dict[str, str]) -> dict[str, float]:
    """Wall seconds of dlt's extract / normalize / load steps, from the pipeline's saved trace."""
    import dlt

    pipeline = dlt.attach("service_csv", pipelines_dir=env["ELT_PIPELINES_DIR"])
    trace = pipeline.last_trace
    steps: dict[str, float] = {}
    for step in trace.steps if trace else []:
        if step.started_at and step.finished_at and step.step in ("extract", "normalize", "load"):
            steps[step.step] = round((step.finished_at - step.started_at).total_seconds(), 2)
    return steps


def dbt_nodes(env: dict[str, str], top: int = 8) -> list[dict[str, Any]]:
    """The slowest nodes of the last dbt command (target/run_results.json)."""
    results = json.loads((Path(env["DBT_TARGET_PATH"]) / "run_results.json").read_text())["results"]
    nodes = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)
    return [
        {"node": r["unique_id"].split(".", 2)[-1], "seconds": round(r.get("execution_time") or 0, 2)}
        for r in nodes[:top]
    ]


# RAW -> staging: the service_csv staging models and the data tests on them alone, as the
# schedules build them (unit tests run in CI: bench/run.py's DBT_BUILD).
DBT_BUILD_STAGING = [
    "build", "--select", "staging.service_csv", "--indirect-selection", "cautious",
    "--exclude-resource-type", "unit_test", "--quiet",
]  # fmt: skip
# The incremental build as the 4-hourly schedule runs it (docs/cron.example): the data tests
# tagged raw_audit read all of RAW and run in the daily build only.
DBT_BUILD_STAGING_INCREMENTAL = [*DBT_BUILD_STAGING, "--exclude", "tag:raw_audit"]


def load_and_build(
    endpoint: str, corpus_dir: Path, meta: dict[str, Any], work: Path, name: str, dbt: bool
) -> dict[str, Any]:
    import duckdb

    bucket = f"bench-{name}"
    upload(endpoint, bucket, corpus_dir, meta)
    root = work / name
    env = project_env(root, endpoint, bucket)
    records = sum(e["records"] for e in meta["entries"])
    # moto serves S3 from threads of this process, which only waits for the load meanwhile: this
    # process's CPU during the load is moto's (the loader's CPU is counted by `measured`).
    before = resource.getrusage(resource.RUSAGE_SELF)
    load_s, load_mb, load_cpu = measured(
        [str(BIN / "elt"), "load", "service_csv"], env, "elt load service_csv"
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    moto_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    with duckdb.connect(env["ELT_DUCKDB_PATH"], read_only=True) as conn:
        landed = conn.execute("select count(*) from raw_service_csv.service_records").fetchone()[0]
        rejected = conn.execute("select count(*) from raw_service_csv.rejected_lines").fetchone()[0]
        failed = conn.execute(
            "select count(*) from raw_service_csv.file_manifest where status <> 'loaded'"
        ).fetchone()[0]
    expected = sum(e["landing"] for e in meta["entries"])
    if landed != expected or failed:
        raise SystemExit(f"RAW holds {landed} rows (expected {expected}), {failed} failed files")
    result: dict[str, Any] = {
        "files": meta["files"],
        "records": records,
        "raw_rows": landed,
        "rejected": rejected,
        "bytes": sum(e["bytes"] for e in meta["entries"]),
        "load_seconds": round(load_s, 2),
        "load_rows_per_second": round(records / load_s),
        "load_peak_rss_mb": round(load_mb),
        "load_cpu_seconds": round(load_cpu, 2),
        "load_cpu_seconds_per_100k_rows": _per_100k(load_cpu, records),
        "moto_cpu_seconds": round(moto_cpu, 2),
        "moto_cpu_seconds_per_100k_rows": _per_100k(moto_cpu, records),
        "load_dlt_steps_seconds": dlt_steps(env),
    }
    if dbt:
        # dbt parses the project in full on its first command in a new target dir and reuses
        # that parse later (partial parsing), as every scheduled run does: parsed first, apart.
        parse_s, _, _ = measured([str(BIN / "dbt"), "parse", "--quiet"], env, "dbt parse")
        dbt_s, dbt_mb, dbt_cpu = measured([str(BIN / "dbt"), *DBT_BUILD_STAGING], env, "dbt build")
        result |= {
            "dbt_parse_seconds": round(parse_s, 2),
            "dbt_seconds": round(dbt_s, 2),
            "dbt_rows_per_second": round(landed / dbt_s),
            "dbt_peak_rss_mb": round(dbt_mb),
            "dbt_cpu_seconds": round(dbt_cpu, 2),
            "dbt_cpu_seconds_per_100k_rows": _per_100k(dbt_cpu, landed),
            "dbt_slowest_nodes": dbt_nodes(env),
            "end_to_end_seconds": round(load_s + dbt_s, 2),
            "end_to_end_rows_per_second": round(records / (load_s + dbt_s)),
            "end_to_end_cpu_seconds_per_100k_rows": _per_100k(load_cpu + dbt_cpu, records),
            "end_to_end_cpu_seconds_per_100k_rows_incl_moto": _per_100k(
                load_cpu + dbt_cpu + moto_cpu, records
            ),
        }
    return result


def incremental_build(
    endpoint: str,
    work: Path,
    meta: dict[str, Any],
    full_dbt_seconds: float,
    name: str = "main",
    fraction: float = 0.01,
) -> dict[str, Any]:
    """After the main run: the 4-hourly `dbt build` (the full one minus the raw_audit tests)
    with nothing new (its fixed cost), then a new day of exports holding `fraction` of the
    corpus's files (new content, not copies) uploaded, loaded and built again: the incremental
    staging models rank only new lines against kept versions, so the build's cost follows the
    change, not the warehouse."""
    bucket = f"bench-{name}"
    env = project_env(work / name, endpoint, bucket)
    dbt = [str(BIN / "dbt"), *DBT_BUILD_STAGING_INCREMENTAL]
    unchanged_s, _, _ = measured(dbt, env, "dbt build (nothing new)")
    count, records = add_new_exports(endpoint, bucket, meta, fraction)
    load = [str(BIN / "elt"), "load", "service_csv"]
    load_s, _, _ = measured(load, env, "elt load service_csv (new files)")
    dbt_s, dbt_mb, dbt_cpu = measured(dbt, env, "dbt build (incremental)")
    return {
        "build_command": " ".join(["dbt", *DBT_BUILD_STAGING_INCREMENTAL]),
        "files_added": count,
        "records_added": records,
        "fraction_of_records": round(records / sum(e["records"] for e in meta["entries"]), 4),
        "unchanged_dbt_seconds": round(unchanged_s, 2),
        "load_seconds": round(load_s, 2),
        "dbt_seconds": round(dbt_s, 2),
        "dbt_peak_rss_mb": round(dbt_mb),
        "dbt_cpu_seconds": round(dbt_cpu, 2),
        "dbt_vs_full": round(dbt_s / full_dbt_seconds, 3),
        "target_vs_full": 0.15,
        "dbt_slowest_nodes": dbt_nodes(env),
    }


# The reference read: one read_csv call over every file of the corpus, into a table of a DuckDB
# file (as the loader lands RAW), every column as text, the dialect given (no sniffing of
# delimiter or quoting), lines that do not fit skipped (ignore_errors) or padded (null_padding),
# parallel where the dialect allows. `union_by_name` lines columns up by header name, as the
# loader does across header drift (a renamed column becomes a column of its own); it binds every
# file on its own, which costs per file. The positional variant reads the 29 fields by position
# (a moved column lands in the wrong column), DuckDB's cheapest read of these files.
_READ_CSV_DIALECT = (
    "all_varchar=true, ignore_errors=true, header=true, delim=',', quote='\"', escape='\"', "
    "strict_mode=false, null_padding=true, parallel=true, filename=true"
)
READ_CSV_VARIANTS = {
    "union_by_name": f"union_by_name=true, {_READ_CSV_DIALECT}",
    "positional": "auto_detect=false, columns={"
    + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(29))
    + f"}}, {_READ_CSV_DIALECT}",
}


def speed_of_light(corpus_dir: Path, work: Path, records: int) -> dict[str, Any]:
    """DuckDB's read_csv of the same files into a table (no repair, no lineage, no manifest), in
    each variant of READ_CSV_VARIANTS. Timed inside the process (the interpreter's start is not
    DuckDB's work); CPU seconds are the process's (DuckDB's threads included)."""
    import duckdb

    files = str(corpus_dir / "csv" / "*.csv")
    result: dict[str, Any] = {}
    for name, options in READ_CSV_VARIANTS.items():
        database = work / f"sol_{name}.duckdb"
        sql = f"create table t as select * from read_csv('{files}', {options})"
        code = (
            "import resource, sys, time, duckdb\n"
            f"conn = duckdb.connect({str(database)!r})\n"
            "def cpu():\n"
            "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
            "    return u.ru_utime + u.ru_stime\n"
            f"started, cpu0 = time.perf_counter(), cpu()\nconn.execute({sql!r})\nconn.close()\n"
            "sys.stderr.write(f'__read_csv_s={time.perf_counter() - started:.3f} "
            "__read_csv_cpu={cpu() - cpu0:.3f}\\n')\n"
        )
        _, peak, _ = measured([sys.executable, "-c", code], dict(os.environ), f"duckdb read_csv {name}")
        marker = _LAST_STDERR["text"].split("__read_csv_s=", 1)[1].split()
        seconds, cpu = float(marker[0]), float(marker[1].removeprefix("__read_csv_cpu="))
        with duckdb.connect(str(database), read_only=True) as conn:
            rows = conn.execute("select count(*) from t").fetchone()[0]
        database.unlink()
        result[name] = {
            "seconds": round(seconds, 2),
            "rows": rows,
            "rows_per_second": round(records / seconds),
            "cpu_seconds": round(cpu, 2),
            "cpu_seconds_per_100k_rows": _per_100k(cpu, records),
            "peak_rss_mb": round(peak),
        }
    # The headline reference is the fair one: columns matched by name, as the loader does.
    return {**result["union_by_name"], "variants": result}


# The three steps this pipeline cannot skip while RAW is a warehouse table, each measured alone
# with nothing else running: parsing the files (the loader's own parser, one process, local
# files: no S3), inserting the parsed rows into a DuckDB table (no lineage columns, no dlt), and
# the five staging models' SQL (as dbt compiled it in the main run, run straight on a copy of its
# warehouse: no dbt). Their sum bounds the pipeline: on C cores it cannot pass C x 100,000 / sum
# rows per second.
_FLOORS_CODE = """
import glob, json, os, resource, shutil, sys
import duckdb, pyarrow as pa
from loaders.service_csv.parsing import parse_bytes

def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime

corpus, warehouse, compiled, work = sys.argv[1:5]
# Parse ~32 MiB of files (as the loader's tasks), then insert them in one statement: the two are
# timed apart, and only one group of files is in memory at a time.
conn = duckdb.connect(os.path.join(work, "floors_insert.duckdb"))
conn.execute("set preserve_insertion_order = false")
paths = sorted(glob.glob(os.path.join(corpus, "*.csv")))
parse = insert = 0.0
records, columns = 0, None
for offset in range(0, len(paths), 10):
    started, tables = cpu(), []
    for path in paths[offset:offset + 10]:
        with open(path, "rb") as handle:
            parsed = parse_bytes(handle.read())
        records += parsed.table.num_rows + len(parsed.rejects)
        tables.append(parsed.table)
    parse += cpu() - started
    if columns is None:
        columns = tables[0].schema
        conn.register("empty", tables[0].slice(0, 0))
        conn.execute("create table raw as select * from empty")
    started = cpu()
    chunk = pa.concat_tables([t.select(columns.names).cast(columns) for t in tables])
    conn.register("chunk", chunk)
    conn.execute("insert into raw select * from chunk")
    conn.unregister("chunk")
    insert += cpu() - started
    del chunk, tables
started = cpu()
conn.execute("checkpoint")
insert += cpu() - started
conn.close()

copy = os.path.join(work, os.path.basename(warehouse))  # the compiled SQL names its catalog
shutil.copyfile(warehouse, copy)
conn = duckdb.connect(copy)
conn.execute("set preserve_insertion_order = false")
staging = {}
for model in ("service_requests", "customers", "tasks", "parts_used", "sr_notes"):
    with open(os.path.join(compiled, f"stg_service_csv__{model}.sql")) as handle:
        sql = handle.read()
    started = cpu()
    conn.execute(f"create table main.floor_{model} as {sql}")
    staging[model] = cpu() - started
conn.close()
print(json.dumps({"records": records, "parse": parse, "insert": insert, "staging": staging}))
"""


def cost_floors(corpus_dir: Path, root: Path, cores: int) -> dict[str, Any]:
    """CPU seconds per 100k records of parse, RAW insert and staging SQL, and the ceiling they
    put on rows/s with `cores` cores (see _FLOORS_CODE). Needs the main run's warehouse (`root`:
    loaded and built) and the files from local disk."""
    compiled = root / "target" / "compiled" / "elt_warehouse" / "dbt" / "models" / "staging" / "service_csv"
    work = Path(tempfile.mkdtemp(prefix="floors_", dir=root))
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-c",
                _FLOORS_CODE,
                str(corpus_dir / "csv"),
                str(root / "warehouse.duckdb"),
                str(compiled),
                str(work),
            ],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    measured_cpu = json.loads(completed.stdout.strip().splitlines()[-1])
    records = measured_cpu["records"]
    floors = {
        "parse": _per_100k(measured_cpu["parse"], records),
        "raw_insert": _per_100k(measured_cpu["insert"], records),
        "staging_sql": _per_100k(sum(measured_cpu["staging"].values()), records),
    }
    total = round(sum(floors.values()), 2)
    return {
        "records": records,
        "cpu_seconds_per_100k_records": floors,
        "sum": total,
        "cores": cores,
        "ceiling_rows_per_second": round(cores * 100_000 / total),
    }


def run(
    quick: bool = False,
    *,
    files: int = 500,
    rows_per_file: int = 8400,
    seed: int = 42,
    unique_files: int = 40,
    dbt: bool = True,
    memory_check: bool = False,
    corpus_cache: Path | None = None,
    command: str = "service_csv_bench.run()",
    keep_work: bool = False,
    memory_files: tuple[int, ...] = (50, 200),
    scale_up: int | None = None,
) -> dict[str, Any]:
    """Run the benchmark and return its report (also written to bench/results/service_csv.json).
    `quick`: 40 files x 2,000 rows. `memory_check`: also load and build `memory_files` files
    (50 and 200 by default) of 2,000 rows, each in a fresh warehouse, for peak RSS at two corpus
    sizes. `scale_up`: also load and build that many files (of `rows_per_file` rows) in a fresh
    warehouse and measure the incremental build there: its fixed cost hardly grows with RAW,
    so its fraction of the full build falls as the warehouse grows."""
    from sandbox.service_csv import s3 as sandbox_s3

    if quick:
        files, rows_per_file = 40, 2000

    def corpus(n_files: int, rows: int) -> tuple[Path, dict[str, Any]]:
        return cached_corpus(n_files, rows, seed, unique_files, corpus_cache)

    moto = sandbox_s3.start_moto(port=0)
    work = Path(tempfile.mkdtemp(prefix="service_csv_bench_"))
    try:
        corpus_dir, meta = corpus(files, rows_per_file)
        main_run = load_and_build(moto.endpoint_url, corpus_dir, meta, work, "main", dbt=dbt)
        sol = speed_of_light(corpus_dir, work, main_run["records"])
        floors = cost_floors(corpus_dir, work / "main", os.cpu_count() or 1) if dbt else None
        report: dict[str, Any] = {
            "command": command,
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "run": main_run,
            "duckdb_read_csv": sol,
            "load_vs_read_csv": round(sol["seconds"] / main_run["load_seconds"], 3),
        }
        if floors is not None:
            report["cost_floors"] = floors
            # After the floors: they re-run the main build's compiled SQL from its target dir.
            report["incremental"] = incremental_build(moto.endpoint_url, work, meta, main_run["dbt_seconds"])
        if scale_up and dbt:
            directory, larger = corpus(scale_up, rows_per_file)
            name = f"x{scale_up}"
            run_at = load_and_build(moto.endpoint_url, directory, larger, work, name, dbt=True)
            report["incremental_scaled_up"] = {
                "files": scale_up,
                "records": run_at["records"],
                "raw_rows": run_at["raw_rows"],
                "full_load_seconds": run_at["load_seconds"],
                "full_dbt_seconds": run_at["dbt_seconds"],
                "full_dbt_peak_rss_mb": run_at["dbt_peak_rss_mb"],
                "full_dbt_slowest_nodes": run_at["dbt_slowest_nodes"],
                **incremental_build(moto.endpoint_url, work, larger, run_at["dbt_seconds"], name=name),
            }
        if "end_to_end_seconds" in main_run:
            report["end_to_end_vs_read_csv"] = round(sol["seconds"] / main_run["end_to_end_seconds"], 3)
        if memory_check:
            report["memory"] = []
            for n_files in memory_files:
                directory, small = corpus(n_files, 2000)
                mem = load_and_build(moto.endpoint_url, directory, small, work, f"mem{n_files}", dbt=True)
                report["memory"].append(
                    {
                        "files": n_files,
                        "records": mem["records"],
                        "load_peak_rss_mb": mem["load_peak_rss_mb"],
                        "dbt_peak_rss_mb": mem["dbt_peak_rss_mb"],
                    }
                )
    finally:
        moto.stop()
        if keep_work:
            print(f"kept the temporary projects (warehouse, dbt target) in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    return report


def format_report(report: dict[str, Any]) -> str:
    run, sol = report["run"], report["duckdb_read_csv"]
    lines = [
        f"service_csv bench: {run['files']} files, {run['records']:,} records, "
        f"{run['bytes'] / 2**20:,.0f} MiB, {report['cpus']} cpus (load average {report['load_average_1m']})",
        f"{'step':<34}{'seconds':>9}{'rows/s':>12}{'CPU s/100k':>12}{'peak RSS MiB':>14}",
        f"{'S3 -> RAW (elt load service_csv)':<34}{run['load_seconds']:>9.2f}"
        f"{run['load_rows_per_second']:>12,}{run['load_cpu_seconds_per_100k_rows']:>12.2f}"
        f"{run['load_peak_rss_mb']:>14,}",
    ]
    if "dbt_seconds" in run:
        lines += [
            f"{'RAW -> staging (dbt build)':<34}{run['dbt_seconds']:>9.2f}{run['dbt_rows_per_second']:>12,}"
            f"{run['dbt_cpu_seconds_per_100k_rows']:>12.2f}{run['dbt_peak_rss_mb']:>14,}",
            f"{'end to end':<34}{run['end_to_end_seconds']:>9.2f}{run['end_to_end_rows_per_second']:>12,}"
            f"{run['end_to_end_cpu_seconds_per_100k_rows']:>12.2f}",
        ]
    lines += [
        f"{'duckdb read_csv ' + name:<34}{v['seconds']:>9.2f}{v['rows_per_second']:>12,}"
        f"{v['cpu_seconds_per_100k_rows']:>12.2f}{v['peak_rss_mb']:>14,}"
        for name, v in sol.get("variants", {"reference": sol}).items()
    ]
    lines += [
        f"moto (S3 server) CPU s/100k: {run['moto_cpu_seconds_per_100k_rows']:.2f}"
        + (
            f"; end to end incl. moto: {run['end_to_end_cpu_seconds_per_100k_rows_incl_moto']:.2f}"
            if "end_to_end_cpu_seconds_per_100k_rows_incl_moto" in run
            else ""
        ),
        f"dlt steps (s): {run['load_dlt_steps_seconds']}"
        + (
            f"; dbt parse before the build (scheduled runs reuse it): {run['dbt_parse_seconds']:.2f} s"
            if "dbt_parse_seconds" in run
            else ""
        ),
        f"ratio read_csv/load = {report['load_vs_read_csv']}"
        + (
            f", read_csv/end to end = {report['end_to_end_vs_read_csv']}"
            if "end_to_end_vs_read_csv" in report
            else ""
        ),
    ]
    if "cost_floors" in report:
        floors = report["cost_floors"]
        steps = floors["cpu_seconds_per_100k_records"].items()
        parts = ", ".join(f"{name} {value:.2f}" for name, value in steps)
        lines.append(
            f"cost floors, CPU s/100k (each step alone, nothing else running): {parts}; sum "
            f"{floors['sum']:.2f} -> at most {floors['ceiling_rows_per_second']:,} rows/s "
            f"on {floors['cores']} cores"
        )
    if "incremental" in report:
        inc = report["incremental"]
        lines.append(
            "incremental (the 4-hourly build: raw_audit tests run daily): dbt build with nothing "
            f"new {inc['unchanged_dbt_seconds']:.2f} s; "
            f"{inc['files_added']} new files ({inc['records_added']:,} records, "
            f"{inc['fraction_of_records']:.1%}) loaded in {inc['load_seconds']:.2f} s, "
            f"built in {inc['dbt_seconds']:.2f} s = {inc['dbt_vs_full']:.1%} of the full build "
            f"(target <= {inc['target_vs_full']:.0%}); slowest nodes (s): "
            + ", ".join(f"{n['node']} {n['seconds']}" for n in inc["dbt_slowest_nodes"][:4])
        )
    if "incremental_scaled_up" in report:
        up = report["incremental_scaled_up"]
        lines.append(
            f"incremental at {up['files']} files ({up['raw_rows']:,} RAW rows): full build "
            f"{up['full_dbt_seconds']:.2f} s; with nothing new {up['unchanged_dbt_seconds']:.2f} s; "
            f"{up['files_added']} new files ({up['records_added']:,} records, "
            f"{up['fraction_of_records']:.1%}) built in {up['dbt_seconds']:.2f} s = "
            f"{up['dbt_vs_full']:.1%} of the full build (target <= {up['target_vs_full']:.0%})"
        )
    if "dbt_slowest_nodes" in run:
        lines.append(
            "slowest dbt nodes (s): "
            + ", ".join(f"{n['node']} {n['seconds']}" for n in run["dbt_slowest_nodes"])
        )
    for entry in report.get("memory", []):
        lines.append(
            f"memory: {entry['files']:>4} files ({entry['records']:,} records): "
            f"peak RSS load {entry['load_peak_rss_mb']:,} MiB, dbt {entry['dbt_peak_rss_mb']:,} MiB"
        )
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--_measure":
        return _measure_main(sys.argv[2:])
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--rows-per-file", type=int, default=8400)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="40 files x 2,000 rows")
    parser.add_argument(
        "--memory-check",
        action="store_true",
        help="also load and build 50 and 200 files (2,000 rows) and compare peak RSS",
    )
    parser.add_argument(
        "--unique-files", type=int, default=40, help="distinct files generated; the rest are copies"
    )
    parser.add_argument("--no-dbt", action="store_true", help="skip the RAW -> staging step")
    parser.add_argument(
        "--memory-files",
        default="50,200",
        help="corpus sizes (files of 2,000 rows) for --memory-check, comma-separated",
    )
    parser.add_argument(
        "--scale-up",
        type=int,
        default=None,
        metavar="FILES",
        help="also measure the incremental build on a warehouse of FILES files (e.g. 1000)",
    )
    parser.add_argument(
        "--keep-work", action="store_true", help="keep the temporary projects (to profile dbt on them)"
    )
    parser.add_argument(
        "--corpus-cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "service_csv_bench_corpus",
        help="where generated corpora are kept between runs (keyed by size and seed)",
    )
    args = parser.parse_args()
    report = run(
        args.quick,
        files=args.files,
        rows_per_file=args.rows_per_file,
        seed=args.seed,
        unique_files=args.unique_files,
        dbt=not args.no_dbt,
        memory_check=args.memory_check,
        corpus_cache=args.corpus_cache,
        command=" ".join(sys.argv),
        keep_work=args.keep_work,
        memory_files=tuple(int(n) for n in args.memory_files.split(",")),
        scale_up=args.scale_up,
    )
    print(format_report(report))
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
