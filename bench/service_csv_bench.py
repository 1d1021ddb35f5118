"""Benchmark of `elt load service_csv` + the staging build: S3 -> RAW -> staging, against the
lossless floor measured in the same run (and DuckDB's lossy `read_csv`, for reference).

    .venv/bin/python bench/service_csv_bench.py                 # 500 files x 8,400 rows (4.3M), then 200
    .venv/bin/python bench/service_csv_bench.py --also-files 0  # the 500 alone
    .venv/bin/python bench/service_csv_bench.py --quick         # 40 files x 2,000 rows (a few minutes)
    .venv/bin/python bench/service_csv_bench.py --memory-check  # + peak RSS at 50 and 200 files
    .venv/bin/python bench/service_csv_bench.py --scale-up 2000  # + builds at 2,000 files
    .venv/bin/python bench/service_csv_bench.py --quick --memory-check --memory-files 100,400

From another script: `run(quick=True)` returns the report as a dict (and writes the JSON).

One run: generate the messy corpus (default `Mess` proportions, deterministic) into a fresh
in-process moto bucket and the same bytes into a local directory; then, in a temporary project
(its own DuckDB file, pipelines dir, dbt target and log paths - never the repository's):

(a) end to end, as the schedule runs it: `elt load service_csv` (S3 -> RAW), then the 4-hourly
    `dbt build --select staging.service_csv` (RAW -> staging, no unit tests, no `raw_audit`
    tests), each timed: wall seconds, rows/s, CPU seconds (user + sys of the process and its
    children, so the loader's parse workers count) per 100k records, and peak RSS; dlt's
    extract / normalize / load step times from the pipeline trace, and dbt's slowest nodes from
    run_results.json. dbt parses the project first (`dbt parse`, timed apart): scheduled runs
    reuse that parse. The `raw_audit` tests the daily build adds are timed after it, apart;
(b) the lossless floor, the same records to the same RAW and staging with nothing but the work
    that cannot be skipped (see lossless_floor): the project's parser in the machine's workers
    over the local files, one INSERT of the parsed rows, the staging models' SQL without dbt;
    the end-to-end rows/s as a ratio of the floor's;
(c) DuckDB `read_csv` (all_varchar, ignore_errors) of the local files into a table, timed
    inside its process: lossy (it skips the records it cannot read, counted), so a reference
    for the reader alone, not a floor;
(d) the incremental build, as the 4-hourly schedule runs it: with nothing new, then after a new
    day of exports holding 1 % of the files (new requests) is loaded, as a fraction of the full
    build (a); with --scale-up, the same again on a fresh warehouse of that many files (its full
    build too);
(e) with --also-files N (200 by default), (a) and (b) again at N files.

The moto server runs in this process, so S3 serving competes with the loader for the CPUs
(real S3 would not). On a shared machine wall times vary with the load average (reported);
CPU seconds per 100k records are the steadier figure. The commands run with Python's bytecode
cache on (under the corpus cache), as in a deployment: with PYTHONDONTWRITEBYTECODE=1 every
`elt` and `dbt` process compiles dlt or dbt from source again (about 3 CPU-s each).

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
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
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
_LAST_STDOUT: dict[str, str] = {"text": ""}
# Python's bytecode cache for the commands the bench runs (see the module docstring).
PYCACHE = Path(tempfile.gettempdir()) / "service_csv_bench_corpus" / "pycache"


def with_bytecode_cache(env: dict[str, str]) -> dict[str, str]:
    """`env` with Python's bytecode cache on, kept under PYCACHE (never in the repository or the
    virtualenv), as a deployment's interpreter keeps it in __pycache__."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


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
    _LAST_STDOUT["text"] = completed.stdout
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
    return with_bytecode_cache(env)


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
# tagged raw_audit read all of RAW and run in the daily build only. End to end is measured with
# this build; the raw_audit tests are timed after it, apart (DBT_RAW_AUDIT).
DBT_BUILD_STAGING_INCREMENTAL = [*DBT_BUILD_STAGING, "--exclude", "tag:raw_audit"]
DBT_RAW_AUDIT = ["test", "--select", "staging.service_csv,tag:raw_audit", "--quiet"]


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
    if landed != expected or landed + rejected != records or failed:
        raise SystemExit(
            f"RAW holds {landed} rows and {rejected} rejects (expected {expected} of {records} "
            f"records), {failed} failed files"
        )
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
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    if dbt:
        # dbt parses the project in full on its first command in a new target dir and reuses
        # that parse later (partial parsing), as every scheduled run does: parsed first, apart.
        parse_s, _, _ = measured([str(BIN / "dbt"), "parse", "--quiet"], env, "dbt parse")
        dbt_s, dbt_mb, dbt_cpu = measured(
            [str(BIN / "dbt"), *DBT_BUILD_STAGING_INCREMENTAL], env, "dbt build"
        )
        nodes = dbt_nodes(env)
        audit_s, _, audit_cpu = measured([str(BIN / "dbt"), *DBT_RAW_AUDIT], env, "dbt test raw_audit")
        result |= {
            "dbt_build_command": " ".join(["dbt", *DBT_BUILD_STAGING_INCREMENTAL]),
            "dbt_parse_seconds": round(parse_s, 2),
            "dbt_seconds": round(dbt_s, 2),
            "dbt_rows_per_second": round(landed / dbt_s),
            "dbt_peak_rss_mb": round(dbt_mb),
            "dbt_cpu_seconds": round(dbt_cpu, 2),
            "dbt_cpu_seconds_per_100k_rows": _per_100k(dbt_cpu, landed),
            "dbt_slowest_nodes": nodes,
            "end_to_end_seconds": round(load_s + dbt_s, 2),
            "end_to_end_rows_per_second": round(records / (load_s + dbt_s)),
            "end_to_end_cpu_seconds_per_100k_rows": _per_100k(load_cpu + dbt_cpu, records),
            "end_to_end_cpu_seconds_per_100k_rows_incl_moto": _per_100k(
                load_cpu + dbt_cpu + moto_cpu, records
            ),
            "raw_audit_command": " ".join(["dbt", *DBT_RAW_AUDIT]),
            "raw_audit_seconds": round(audit_s, 2),
            "raw_audit_cpu_seconds_per_100k_rows": _per_100k(audit_cpu, records),
            "load_average_1m_after_build": round(os.getloadavg()[0], 2),
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
            # Lossy: the records read_csv could not read (Windows-1252 lines, over-long and
            # truncated records) are skipped silently.
            "records_skipped": records - rows,
            "rows_per_second": round(records / seconds),
            "cpu_seconds": round(cpu, 2),
            "cpu_seconds_per_100k_rows": _per_100k(cpu, records),
            "peak_rss_mb": round(peak),
        }
    # The headline reference is the fair one: columns matched by name, as the loader does.
    return {**result["union_by_name"], "variants": result}


# The lossless floor: the work this pipeline cannot skip, done the plainest way, in one process
# and its workers. (1) parse: the loader's own parser and RAW tables (records with their lineage,
# rejects with their reasons: `files.process` minus the download) over the local copies of the
# files, in as many worker processes as the machine has cores (the loader's default), a few files
# per task; (2) one INSERT of all the parsed records (and one of the rejects) into an empty DuckDB
# warehouse; (3) the staging models' SQL, as dbt compiled it in the same run, each run straight
# on that warehouse (no dbt), two at a time as dbt runs them. RAW comes out identical to the
# loader's but for `_dlt_load_id` and `_extracted_at`. No S3, no dlt (extract, normalize, load
# packages, state, manifest), no dbt (start-up, materializations, tests), no process start-ups.
STAGING_MODELS = ("service_requests", "customers", "tasks", "parts_used", "sr_notes")
DBT_THREADS = 2  # profiles.yml's `threads` for DuckDB


def _floor_parse(task: tuple[list[tuple[str, str, str]], list[str]]) -> tuple[Any, Any, int]:
    """One task of the floor's workers: (records, rejects, records read) of a few files."""
    import hashlib
    from datetime import datetime

    import pyarrow as pa

    from loaders.service_csv.parsing import parse_bytes
    from loaders.service_csv.tables import REJECT_SCHEMA, records_table, rejects_table

    files, stamps = task
    records, rejects, read = [], [], 0
    for (path, key, _), stamp in zip(files, stamps, strict=True):
        data = Path(path).read_bytes()
        etag = hashlib.md5(data).hexdigest()  # noqa: S324 - what S3 gives a single-part upload
        parsed = parse_bytes(data)
        extracted_at = datetime.fromisoformat(stamp)
        records.append(records_table(key, etag, parsed, extracted_at))
        if parsed.rejects:
            rejects.append(rejects_table(key, etag, parsed, extracted_at))
        read += parsed.records_read
    empty = REJECT_SCHEMA.empty_table()
    return pa.concat_tables(records), pa.concat_tables(rejects) if rejects else empty, read


def _floor_main(argv: list[str]) -> int:
    """`--_floor CORPUS_DIR COMPILED_DIR WORK WORKERS`: the floor; prints its figures as JSON."""
    import multiprocessing
    from datetime import UTC, datetime, timedelta

    import duckdb
    import pyarrow as pa

    from loaders.service_csv.tables import IMPORT_RECORD_SCHEMA
    from loaders.service_csv.workers import CHUNK_BYTES

    corpus, compiled, work, workers = Path(argv[0]), Path(argv[1]), Path(argv[2]), int(argv[3])
    meta = json.loads((corpus / "index.json").read_text())
    files = [(str(corpus / "csv" / e["file"]), e["key"], e["bytes"]) for e in meta["entries"]]
    files.sort(key=lambda f: f[1])  # key order, as the loader stamps them
    start = datetime(2026, 12, 7, tzinfo=UTC)
    stamps = [(start + timedelta(microseconds=n)).isoformat() for n in range(len(files))]
    tasks, current, size = [], [], 0
    for n, file in enumerate(files):
        current.append(n)
        size += file[2]
        if size >= CHUNK_BYTES:
            tasks.append(current)
            current, size = [], 0
    if current:
        tasks.append(current)

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    figures: dict[str, Any] = {}
    wall, cpu0 = time.perf_counter(), cpu()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        parsed = list(
            pool.map(_floor_parse, [([files[n] for n in t], [stamps[n] for n in t]) for t in tasks])
        )
    records = pa.concat_tables([r for r, _, _ in parsed])
    rejects = pa.concat_tables([j for _, j, _ in parsed])
    read = sum(n for _, _, n in parsed)
    del parsed
    figures["parse"] = (time.perf_counter() - wall, cpu() - cpu0)

    wall, cpu0 = time.perf_counter(), cpu()
    # Named as the warehouse the staging SQL was compiled against (its catalog is the file name).
    conn = duckdb.connect(str(work / "warehouse.duckdb"))
    conn.execute("set preserve_insertion_order = false")
    conn.execute("create schema raw_service_csv")
    load_id = pa.repeat(pa.scalar("1765065600.0", pa.string()), records.num_rows)
    records = records.append_column(IMPORT_RECORD_SCHEMA.field("_dlt_load_id"), load_id)
    conn.register("parsed_records", records)
    conn.execute("create table raw_service_csv.service_records as select * from parsed_records")
    rejects = rejects.append_column(
        IMPORT_RECORD_SCHEMA.field("_dlt_load_id"), pa.repeat(pa.scalar("1765065600.0"), rejects.num_rows)
    )
    conn.register("parsed_rejects", rejects)
    conn.execute("create table raw_service_csv.rejected_lines as select * from parsed_rejects")
    conn.execute("checkpoint")
    landed, rejected = records.num_rows, rejects.num_rows
    del records, rejects
    conn.unregister("parsed_records")
    conn.unregister("parsed_rejects")
    figures["insert"] = (time.perf_counter() - wall, cpu() - cpu0)

    wall, cpu0 = time.perf_counter(), cpu()
    conn.execute("create schema staging")

    def build(model: str) -> None:
        sql = (compiled / f"stg_service_csv__{model}.sql").read_text()
        cursor = conn.cursor()  # a connection of its own to the same database, for this thread
        cursor.execute(f"create table staging.stg_service_csv__{model} as {sql}")
        cursor.close()

    # Two models at a time, as dbt runs them (the profile's `threads`).
    with ThreadPoolExecutor(max_workers=DBT_THREADS) as threads:
        list(threads.map(build, STAGING_MODELS))
    conn.execute("checkpoint")
    staged = {
        model: conn.execute(f"select count(*) from staging.stg_service_csv__{model}").fetchone()[0]
        for model in STAGING_MODELS
    }
    conn.close()
    figures["staging"] = (time.perf_counter() - wall, cpu() - cpu0)
    print(
        json.dumps(
            {
                "records": read,
                "landed": landed,
                "rejected": rejected,
                "staged": staged,
                "seconds": {k: v[0] for k, v in figures.items()},
                "cpu": {k: v[1] for k, v in figures.items()},
            }
        )
    )
    return 0


def lossless_floor(corpus_dir: Path, root: Path, raw_rows: int) -> dict[str, Any]:
    """The floor's wall seconds, rows/s and CPU seconds per 100k records, in total and per
    step (see _floor_main). Needs the run's dbt target (`root`: built, its compiled full-build
    SQL) and the files on local disk; checks that RAW came out as the loader's."""
    compiled = root / "target" / "compiled" / "elt_warehouse" / "dbt" / "models" / "staging" / "service_csv"
    work = Path(tempfile.mkdtemp(prefix="floor_", dir=root))
    cores = os.cpu_count() or 1
    try:
        _, peak, cpu = measured(
            [sys.executable, __file__, "--_floor", str(corpus_dir), str(compiled), str(work), str(cores)],
            with_bytecode_cache(dict(os.environ)),
            "lossless floor",
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    found = json.loads(_LAST_STDOUT["text"].strip().splitlines()[-1])
    if found["landed"] != raw_rows:
        raise SystemExit(f"the floor landed {found['landed']} rows, the loader {raw_rows}")
    records = found["records"]
    seconds = sum(found["seconds"].values())
    return {
        "records": records,
        "raw_rows": found["landed"],
        "rejected": found["rejected"],
        "staged_rows": found["staged"],
        "workers": cores,
        "seconds": round(seconds, 2),
        "rows_per_second": round(records / seconds),
        "cpu_seconds_per_100k_rows": _per_100k(sum(found["cpu"].values()), records),
        "peak_rss_mb": round(peak),
        "steps": {
            step: {
                "seconds": round(found["seconds"][step], 2),
                "cpu_seconds_per_100k_rows": _per_100k(found["cpu"][step], records),
            }
            for step in ("parse", "insert", "staging")
        },
    }


def versus_floor(run: dict[str, Any], floor: dict[str, Any]) -> dict[str, Any]:
    """End to end against the floor: the ratio of rows/s (target >= 0.8) and of CPU."""
    return {
        "rows_per_second_ratio": round(run["end_to_end_rows_per_second"] / floor["rows_per_second"], 3),
        "cpu_ratio": round(
            floor["cpu_seconds_per_100k_rows"] / run["end_to_end_cpu_seconds_per_100k_rows"], 3
        ),
    }


def warm_up(endpoint: str, corpus_dir: Path, meta: dict[str, Any], work: Path) -> None:
    """One small untimed load (two files), so the timed commands find Python's bytecode cache
    (PYCACHE) as a deployment's second run does."""
    small = {**meta, "entries": meta["entries"][:2]}
    bucket = "bench-warmup"
    upload(endpoint, bucket, corpus_dir, small)
    env = project_env(work / "warmup", endpoint, bucket)
    measured([str(BIN / "elt"), "load", "service_csv"], env, "elt load service_csv (warm-up)")


def summary(run: dict[str, Any], floor: dict[str, Any] | None) -> dict[str, Any]:
    """One size's line of the headline table: end to end, the floor, their ratio."""
    line = {
        "files": run["files"],
        "records": run["records"],
        "end_to_end_rows_per_second": run.get("end_to_end_rows_per_second"),
        "end_to_end_cpu_seconds_per_100k_rows": run.get("end_to_end_cpu_seconds_per_100k_rows"),
        "load_average_1m": run.get("load_average_1m_after_build", run["load_average_1m"]),
    }
    if floor is not None:
        line |= {
            "floor_rows_per_second": floor["rows_per_second"],
            "floor_cpu_seconds_per_100k_rows": floor["cpu_seconds_per_100k_rows"],
            **versus_floor(run, floor),
        }
    return line


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
    also_files: tuple[int, ...] = (200,),
) -> dict[str, Any]:
    """Run the benchmark and return its report (also written to bench/results/service_csv.json).
    `quick`: 40 files x 2,000 rows, no other size. `also_files`: end to end and the floor again
    at these sizes (files of `rows_per_file` rows), each in a fresh warehouse. `memory_check`:
    also load and build `memory_files` files (50 and 200 by default) of 2,000 rows, each in a
    fresh warehouse, for peak RSS at two corpus sizes. `scale_up`: also load and build that many
    files (of `rows_per_file` rows) in a fresh warehouse and measure the incremental build there:
    its fixed cost hardly grows with RAW, so its fraction of the full build falls as the
    warehouse grows."""
    from sandbox.service_csv import s3 as sandbox_s3

    if quick:
        files, rows_per_file, also_files = 40, 2000, ()

    def corpus(n_files: int, rows: int) -> tuple[Path, dict[str, Any]]:
        return cached_corpus(n_files, rows, seed, unique_files, corpus_cache)

    moto = sandbox_s3.start_moto(port=0)
    work = Path(tempfile.mkdtemp(prefix="service_csv_bench_"))
    try:
        corpus_dir, meta = corpus(files, rows_per_file)
        warm_up(moto.endpoint_url, corpus_dir, meta, work)
        main_run = load_and_build(moto.endpoint_url, corpus_dir, meta, work, "main", dbt=dbt)
        # Before the incremental build: the floor runs the main build's compiled (full) SQL.
        floor = lossless_floor(corpus_dir, work / "main", main_run["raw_rows"]) if dbt else None
        sol = speed_of_light(corpus_dir, work, main_run["records"])
        report: dict[str, Any] = {
            "command": command,
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "run": main_run,
            "duckdb_read_csv": sol,
            "load_vs_read_csv": round(sol["seconds"] / main_run["load_seconds"], 3),
        }
        report["end_to_end"] = [summary(main_run, floor)]
        if floor is not None:
            report["lossless_floor"] = floor
            report["versus_floor"] = versus_floor(main_run, floor)
            report["incremental"] = incremental_build(moto.endpoint_url, work, meta, main_run["dbt_seconds"])
        for n_files in [n for n in also_files if n and n != files]:
            directory, other = corpus(n_files, rows_per_file)
            name = f"f{n_files}"
            run_at = load_and_build(moto.endpoint_url, directory, other, work, name, dbt=dbt)
            floor_at = lossless_floor(directory, work / name, run_at["raw_rows"]) if dbt else None
            report.setdefault("other_sizes", []).append({"run": run_at, "lossless_floor": floor_at})
            report["end_to_end"].append(summary(run_at, floor_at))
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
        "",
        "end to end (elt load service_csv + the 4-hourly staging build) against the lossless floor:",
        f"{'files':>6}{'records':>12}{'rows/s':>10}{'CPU s/100k':>12}{'floor rows/s':>14}"
        f"{'floor CPU':>11}{'ratio':>8}{'load avg':>10}",
    ]
    for line in report["end_to_end"]:
        if line.get("end_to_end_rows_per_second") is None:
            continue
        lines.append(
            f"{line['files']:>6}{line['records']:>12,}{line['end_to_end_rows_per_second']:>10,}"
            f"{line['end_to_end_cpu_seconds_per_100k_rows']:>12.2f}"
            + (
                f"{line['floor_rows_per_second']:>14,}{line['floor_cpu_seconds_per_100k_rows']:>11.2f}"
                f"{line['rows_per_second_ratio']:>8.2f}"
                if "floor_rows_per_second" in line
                else " " * 33
            )
            + f"{line['load_average_1m']:>10.2f}"
        )
    lines += [
        "",
        f"{run['files']} files, step by step:",
        f"{'step':<40}{'seconds':>9}{'rows/s':>12}{'CPU s/100k':>12}{'peak RSS MiB':>14}",
        f"{'S3 -> RAW (elt load service_csv)':<40}{run['load_seconds']:>9.2f}"
        f"{run['load_rows_per_second']:>12,}{run['load_cpu_seconds_per_100k_rows']:>12.2f}"
        f"{run['load_peak_rss_mb']:>14,}",
    ]
    if "dbt_seconds" in run:
        lines += [
            f"{'RAW -> staging (4-hourly dbt build)':<40}{run['dbt_seconds']:>9.2f}"
            f"{run['dbt_rows_per_second']:>12,}{run['dbt_cpu_seconds_per_100k_rows']:>12.2f}"
            f"{run['dbt_peak_rss_mb']:>14,}",
            f"{'end to end':<40}{run['end_to_end_seconds']:>9.2f}{run['end_to_end_rows_per_second']:>12,}"
            f"{run['end_to_end_cpu_seconds_per_100k_rows']:>12.2f}",
            f"{'  + raw_audit tests (daily build only)':<40}{run['raw_audit_seconds']:>9.2f}{'':>12}"
            f"{run['raw_audit_cpu_seconds_per_100k_rows']:>12.2f}",
        ]
    floor = report.get("lossless_floor")
    if floor:
        for step, figures in floor["steps"].items():
            lines.append(
                f"{'lossless floor: ' + step:<40}{figures['seconds']:>9.2f}{'':>12}"
                f"{figures['cpu_seconds_per_100k_rows']:>12.2f}"
            )
        lines.append(
            f"{'lossless floor (' + str(floor['workers']) + ' workers, one INSERT, SQL)':<40}"
            f"{floor['seconds']:>9.2f}{floor['rows_per_second']:>12,}"
            f"{floor['cpu_seconds_per_100k_rows']:>12.2f}{floor['peak_rss_mb']:>14,}"
        )
    lines += [
        "",
        "lossy reference (skips the records it cannot read):",
        *(
            f"{'duckdb read_csv ' + name:<40}{v['seconds']:>9.2f}{v['rows_per_second']:>12,}"
            f"{v['cpu_seconds_per_100k_rows']:>12.2f}{v['peak_rss_mb']:>14,}"
            f"  skipped {v['records_skipped']:,} of {run['records']:,} records"
            for name, v in sol.get("variants", {"reference": sol}).items()
        ),
        "",
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
    ]
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
    if len(sys.argv) > 1 and sys.argv[1] == "--_floor":
        return _floor_main(sys.argv[2:])
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--rows-per-file", type=int, default=8400)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="40 files x 2,000 rows, no other size")
    parser.add_argument(
        "--also-files",
        default="200",
        help="end to end and the floor again at these sizes (comma-separated; 0: none)",
    )
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
        also_files=tuple(int(n) for n in args.also_files.split(",") if n.strip()),
    )
    print(format_report(report))
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
