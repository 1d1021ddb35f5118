"""Benchmark of `elt load service_csv`: S3 -> RAW -> staging, against DuckDB's own CSV reader.

    .venv/bin/python bench/service_csv_bench.py                 # 500 files x 8,400 rows (~4.2M)
    .venv/bin/python bench/service_csv_bench.py --quick         # 40 files x 2,000 rows (< 1 min)
    .venv/bin/python bench/service_csv_bench.py --memory-check  # peak RSS at 50 and 200 files

One run: generate the messy corpus (default `Mess` proportions, deterministic) into a fresh
in-process moto bucket and the same bytes into a local directory; then, in a temporary project
(its own DuckDB file, pipelines dir, dbt target and log paths - never the repository's):

(a) `elt load service_csv` (S3 -> RAW) and `dbt build --select staging.service_csv`
    (RAW -> staging), each timed, rows/s, and the peak RSS of the process;
(b) DuckDB `read_csv` (all_varchar, ignore_errors) of the local files into a table: the
    speed-of-light reference, and the loader's ratio to it.

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


# ------------------------------------------------------------------------------------------
# Measuring a command: wall time and the peak RSS of the largest process it ran
# ------------------------------------------------------------------------------------------


def _measure_main(argv: list[str]) -> int:
    """`--_measure CMD...`: run CMD, print its peak RSS (KiB) on the last line of stderr."""
    completed = subprocess.run(argv, check=False)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"\n__peak_rss_kib={peak}\n")
    return completed.returncode


def measured(cmd: list[str], env: dict[str, str], label: str) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of `cmd`, run from the repository root."""
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
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit(f"{label} failed with exit code {completed.returncode}")
    marker = completed.stderr.rsplit("__peak_rss_kib=", 1)[1].split()[0]
    return seconds, int(marker) / 1024


# ------------------------------------------------------------------------------------------
# A temporary project
# ------------------------------------------------------------------------------------------


def project_env(root: Path, endpoint: str, bucket: str, extra: str = "") -> dict[str, str]:
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


def load_and_build(
    endpoint: str, corpus_dir: Path, meta: dict[str, Any], work: Path, name: str, dbt: bool, extra: str = ""
) -> dict[str, Any]:
    import duckdb

    bucket = f"bench-{name}"
    upload(endpoint, bucket, corpus_dir, meta)
    root = work / name
    env = project_env(root, endpoint, bucket, extra)
    records = sum(e["records"] for e in meta["entries"])
    load_s, load_mb = measured([str(BIN / "elt"), "load", "service_csv"], env, "elt load service_csv")
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
    }
    if dbt:
        dbt_s, dbt_mb = measured(
            [
                str(BIN / "dbt"),
                "build",
                "--select",
                "staging.service_csv",
                "--indirect-selection",
                "cautious",
                "--quiet",
            ],
            env,
            "dbt build",
        )
        result |= {
            "dbt_seconds": round(dbt_s, 2),
            "dbt_rows_per_second": round(landed / dbt_s),
            "dbt_peak_rss_mb": round(dbt_mb),
            "end_to_end_seconds": round(load_s + dbt_s, 2),
            "end_to_end_rows_per_second": round(records / (load_s + dbt_s)),
        }
    return result


def speed_of_light(corpus_dir: Path, work: Path, records: int) -> dict[str, Any]:
    """DuckDB's read_csv of the same files into a table (no repair, no lineage, no manifest)."""
    import duckdb

    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(29)) + "}"
    files = str(corpus_dir / "csv" / "*.csv")
    sql = (
        f"create table t as select * from read_csv('{files}', all_varchar=true, ignore_errors=true, "
        f"auto_detect=false, header=true, delim=',', quote='\"', escape='\"', columns={columns}, "
        "strict_mode=false, null_padding=true, filename=true)"
    )
    code = f"import duckdb\nduckdb.connect({str(work / 'sol.duckdb')!r}).execute({sql!r})\n"
    seconds, peak = measured([sys.executable, "-c", code], dict(os.environ), "duckdb read_csv")
    with duckdb.connect(str(work / "sol.duckdb"), read_only=True) as conn:
        rows = conn.execute("select count(*) from t").fetchone()[0]
    return {
        "seconds": round(seconds, 2),
        "rows": rows,
        "rows_per_second": round(records / seconds),
        "peak_rss_mb": round(peak),
    }


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
        help="also load 50 and 200 files (2,000 rows) and compare peak RSS",
    )
    parser.add_argument(
        "--unique-files", type=int, default=40, help="distinct files generated; the rest are copies"
    )
    parser.add_argument("--no-dbt", action="store_true", help="skip the RAW -> staging step")
    parser.add_argument(
        "--corpus-cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "service_csv_bench_corpus",
        help="where generated corpora are kept between runs (keyed by size and seed)",
    )
    args = parser.parse_args()
    if args.quick:
        args.files, args.rows_per_file = 40, 2000

    from sandbox.service_csv import s3 as sandbox_s3

    def corpus(files: int, rows: int) -> tuple[Path, dict[str, Any]]:
        directory = args.corpus_cache / f"{files}x{rows}-seed{args.seed}-u{args.unique_files}"
        started = time.perf_counter()
        meta = build_corpus(files, rows, args.seed, directory, args.unique_files)
        print(
            f"corpus {files} files x {rows} rows: {directory} ({time.perf_counter() - started:.1f}s)",
            flush=True,
        )
        return directory, meta

    extra = ""
    moto = sandbox_s3.start_moto(port=0)
    work = Path(tempfile.mkdtemp(prefix="service_csv_bench_"))
    try:
        corpus_dir, meta = corpus(args.files, args.rows_per_file)
        main_run = load_and_build(
            moto.endpoint_url, corpus_dir, meta, work, "main", dbt=not args.no_dbt, extra=extra
        )
        sol = speed_of_light(corpus_dir, work, main_run["records"])
        report: dict[str, Any] = {
            "command": " ".join(sys.argv),
            "cpus": os.cpu_count(),
            "run": main_run,
            "duckdb_read_csv": sol,
            "load_vs_read_csv": round(sol["seconds"] / main_run["load_seconds"], 3),
        }
        if args.memory_check:
            report["memory"] = []
            for files in (50, 200):
                directory, small = corpus(files, 2000)
                run = load_and_build(
                    moto.endpoint_url, directory, small, work, f"mem{files}", dbt=False, extra=extra
                )
                report["memory"].append(
                    {"files": files, "records": run["records"], "load_peak_rss_mb": run["load_peak_rss_mb"]}
                )
    finally:
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)

    run = main_run
    lines = [
        f"service_csv bench: {run['files']} files, {run['records']:,} records, "
        f"{run['bytes'] / 2**20:,.0f} MiB, {os.cpu_count()} cpus",
        f"{'step':<34}{'seconds':>9}{'rows/s':>12}{'peak RSS MiB':>14}",
        f"{'S3 -> RAW (elt load service_csv)':<34}{run['load_seconds']:>9.2f}"
        f"{run['load_rows_per_second']:>12,}{run['load_peak_rss_mb']:>14,}",
    ]
    if "dbt_seconds" in run:
        lines += [
            f"{'RAW -> staging (dbt build)':<34}{run['dbt_seconds']:>9.2f}{run['dbt_rows_per_second']:>12,}"
            f"{run['dbt_peak_rss_mb']:>14,}",
            f"{'end to end':<34}{run['end_to_end_seconds']:>9.2f}{run['end_to_end_rows_per_second']:>12,}",
        ]
    lines += [
        f"{'duckdb read_csv (speed of light)':<34}{sol['seconds']:>9.2f}{sol['rows_per_second']:>12,}"
        f"{sol['peak_rss_mb']:>14,}",
        f"load takes {run['load_seconds'] / sol['seconds']:.1f}x the time of a plain read_csv "
        f"(ratio read_csv/load = {report['load_vs_read_csv']})",
    ]
    for entry in report.get("memory", []):
        lines.append(
            f"memory: {entry['files']:>4} files ({entry['records']:,} records): "
            f"peak RSS {entry['load_peak_rss_mb']:,} MiB"
        )
    print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
