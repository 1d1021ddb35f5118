"""`make bench`: every performance figure of the warehouse, as one table and JSON files.

    .venv/bin/python bench/run.py            # the full benches (larger sizes)
    .venv/bin/python bench/run.py --quick    # a short version (under 5 minutes)
    .venv/bin/python bench/run.py --only pestroutes_rate_limited dbt

Benches (each writes bench/results/<name>.json; bench/results/summary.json holds them all, with
the machine and the git commit, so runs can be compared):

- pestroutes_extract: records/second `elt load pestroutes` extracts from the simulator with its
  read limits switched off (the simulator adds no latency of its own; every request is answered
  as fast as the process can), both over the extraction span (first to last API request, from the
  simulator's request log) and over the whole command (start-up, normalise, load included).
- pestroutes_rate_limited: many offices (17, like docs/examples/config.17-offices.toml), each key
  allowed L reads per minute, and the wall time relative to the floor that limit imposes.
  The floor: office o must make R_o requests (per entity: floor(n / search_cap) + 1 searches, and
  ceil(n / get_batch_size) gets per search window - computed from the simulator's record counts
  before the run, then checked against the requests it logged). With at most L requests in any
  60 s window, request k (1-based) cannot be sent before 60 * floor((k - 1) / L) seconds, so an
  office needs at least 60 * floor((R_o - 1) / L) s; offices have separate keys and load
  concurrently, so the run's floor is the largest office's. The per-day limit only binds if
  R_o exceeds it (then no run can finish in one day; the bench keeps R_o below it and says so).
- ecommerce: orders/s of `elt load ecommerce` against the Shopify simulator (two shops) with the
  cost bucket out of the way, by the bulk backfill and by the cursor walk (every nested
  connection paged to its end); then the cursor walk at Shopify's standard bucket (2,000 points
  refilled at 100/s) against its floor: the points the queries actually cost, less the full
  bucket at the start, over the restore rate (from the simulator's request log), busiest shop.
- app_db: `elt load app_db` from a generated PostgreSQL application database (about a million
  bookings) into DuckDB, full and after one simulated day, beside a plain `COPY (SELECT ...) TO
  STDOUT` of the same tables read into DuckDB in the same run (bench/app_db_bench.py).
- qqcatalyst: bench/qqcatalyst_bench.py (run as a subprocess; its own JSON is folded in):
  `elt load qqcatalyst` of both sandbox agencies in records/s with the rate limits off (API span
  and whole command), then the whole load at 60 requests a minute per agency (the API's published
  figure; --quick: 600) against its floor: agency a must make R_a data requests (per windowed
  entity and window max(1, ceil(records / page_size)) pages, the reference lists, the first run's
  ID sweep; token calls do not count against the API's limit), computed from the simulator's
  ground truth and checked against its request log; the floor is 60 * floor((R_a - 1) / L) s for
  the busiest agency (target <= 1.1x).
- dbt: `dbt build` of the whole project (both sources), as the schedules run it (without unit
  tests: `--exclude-resource-type unit_test`), on a fresh warehouse at two sizes s and 2s (full
  run: PestRoutes at scale 2 and 4 beside 1,500 and 3,000 service-export files, 12.9 and 25.8
  million RAW rows, a production warehouse's volume; quick run: 11k and 23k RAW rows)
  (growth in time vs growth in RAW rows, and the exponent log(time ratio) / log(data ratio):
  1 is linear, below 1 is fixed cost dominating), then the same build with nothing new (what
  every build costs whatever the change), then an incremental `dbt build` after 1 % of the
  records changed (the simulator's `touch` admin operation changes 1 % of every office's updatable
  PestRoutes records; new CSV exports holding 1 % of the service rows land in S3), as a fraction
  of the full build at the same scale; the incremental builds run as the 4-hourly schedule runs
  them (without the raw_audit tests, which read all of RAW and run daily). dbt's
  run_results.json timings say where the time goes
  (per resource type: count, seconds and the median node, about the fixed cost per node).
- service_csv: bench/service_csv_bench.py (run as a subprocess; its own JSON is folded in):
  end to end (`elt load service_csv` + the 4-hourly staging build) at the seed's 500 files and
  at 200, against the lossless floor measured in the same run, and its incremental staging
  build after 1 % new records at the seed's 4.3 million RAW rows (the dbt bench measures the
  whole project's incremental build at four times that).

Everything runs in temporary projects (own DuckDB file, dlt pipelines dir, dbt target) against
in-process simulators on ports the OS picks; nothing touches the repository's warehouse.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BIN = Path(sys.executable).parent
RESULTS = REPO / "bench" / "results"
SEED = 42
SERVICE_ROWS_PER_FILE = 8400  # the service_csv bench's files (its default corpus)
UNLIMITED = 1_000_000_000  # reads per minute / per day: the limits switched off

# Sizes: (quick, full). Chosen so the quick run stays under 5 minutes on 2 busy cores.
SIZES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # Shopify: two shops of about 600 x scale orders. The rate-limited read is a cursor walk over
    # every order at Shopify's standard bucket (2,000 points, 100 per second).
    "ecommerce": ({"scale": 1.0}, {"scale": 4.0}),
    "pestroutes_extract": ({"offices": 3, "scale": 1.0}, {"offices": 3, "scale": 4.0}),
    # At these scales every office needs 50 requests (a search and a get per entity): the floor
    # is 60 s x floor(49 / 25) = 60 s (quick) and 60 s x floor(49 / 15) = 180 s (full).
    "pestroutes_rate_limited": (
        {"offices": 17, "scale": 0.2, "reads_per_minute": 25, "reads_per_day": 3000},
        {"offices": 17, "scale": 0.5, "reads_per_minute": 15, "reads_per_day": 3000},
    ),
    # dbt: the builds run at sizes s and 2s. The quick sizes (11k and 23k RAW rows) show only
    # dbt's fixed costs (start-up, ~340 nodes). The full sizes are a production warehouse's:
    # the service-request exports at the seed's volume (`service_files` files of 8,400 rows, the
    # service_csv bench's corpus: 1,500 and 3,000 files are 12.9 and 25.7 million RAW rows, three
    # and six days at the seed's "4M+ rows per run"; --service-files sets another size), beside
    # PestRoutes at scale 2 and 4 (3 offices; the simulator serves about 5,000 records/s, so
    # millions of PestRoutes rows would cost the bench an hour of loading). The full build's
    # peak memory is measured under the profile's default DuckDB memory_limit.
    "dbt": (
        {"offices": 3, "scale": 0.25, "change": 0.01},
        {"offices": 3, "scale": 2.0, "change": 0.01, "service_files": 1500},
    ),
}
# What the scheduled builds run (Makefile `build`, docs/cron.example): unit tests check the SQL
# logic against fixed inputs, so they belong in CI (`make test` runs them all), not in every
# production build. The bench measures full and incremental builds the same way.
DBT_BUILD = ["build", "--quiet", "--exclude-resource-type", "unit_test"]
# The 4-hourly build (docs/cron.example): the same minus the data tests tagged raw_audit, which
# read all of RAW to audit the incremental merges and run in the daily build only. The
# incremental builds are timed as it (the full build is the daily one).
DBT_BUILD_INCREMENTAL = [*DBT_BUILD, "--exclude", "tag:raw_audit"]
BENCHES = (
    "pestroutes_extract",
    "pestroutes_rate_limited",
    "ecommerce",
    "qqcatalyst",
    "dbt",
    "service_csv",
    "app_db",
)


# ------------------------------------------------------------------------------------------
# The machine and the code measured
# ------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    os_name = platform.platform()
    try:
        release = dict(
            line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
        )
        os_name = (
            f"{release.get('PRETTY_NAME', '').strip(chr(34))} ({platform.system()} {platform.release()})"
        )
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram_gib,
        "os": os_name,
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


# ------------------------------------------------------------------------------------------
# A temporary project: its own warehouse, dlt config, pipelines dir and dbt target
# ------------------------------------------------------------------------------------------


def project_env(
    root: Path, sandbox: Any, offices: dict[str, tuple[int, int]], s3: str | None
) -> dict[str, str]:
    """Environment for `elt` and `dbt` run against `sandbox` (offices: name -> (per minute,
    per day) the loader is told) and, when given, the S3 endpoint `s3`."""
    from sandbox.service_csv import s3 as sandbox_s3

    dlt_dir = root / ".dlt"
    dlt_dir.mkdir(parents=True, exist_ok=True)
    config = [
        '[runtime]\nlog_level = "WARNING"\ndlthub_telemetry = false\n',
        '[normalize]\nloader_file_format = "parquet"\n',
        "[sources.pestroutes]\noverlap_minutes = 60\nsearch_cap = 50000\nget_batch_size = 1000\n",
    ]
    secrets = []
    for name, (per_minute, per_day) in offices.items():
        spec = sandbox.simulator.offices[name]
        config.append(
            f'[sources.pestroutes.offices.{name}]\nbase_url = "{sandbox.office_url(name)}"\n'
            f'timezone = "{spec.timezone}"\nreads_per_minute = {per_minute}\nreads_per_day = {per_day}\n'
        )
        secrets.append(
            f'[sources.pestroutes.offices.{name}]\nauthentication_key = "{spec.key}"\n'
            f'authentication_token = "{spec.token}"\n'
        )
    if s3 is not None:
        config.append(
            f'[sources.service_csv]\nbucket = "{sandbox_s3.BUCKET}"\nprefix = "{sandbox_s3.PREFIX}"\n'
            f'region = "{sandbox_s3.REGION}"\nendpoint_url = "{s3}"\n'
        )
        secrets.append(
            f'[sources.service_csv]\naws_access_key_id = "{sandbox_s3.ACCESS_KEY_ID}"\n'
            f'aws_secret_access_key = "{sandbox_s3.SECRET_ACCESS_KEY}"\n'
        )
    (dlt_dir / "config.toml").write_text("\n".join(config))
    (dlt_dir / "secrets.toml").write_text("\n".join(secrets))
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "ELT_", "DLT_", "AWS_", "DBT_"))
    }
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


# Peak resident memory (MiB) of the last command `timed` ran, the command itself (dbt and elt are
# one process each), from the kernel's accounting of that child (wait4), not a sampling loop.
LAST_PEAK_MIB: dict[str, float] = {}


def timed(cmd: list[str], env: dict[str, str], label: str) -> tuple[float, str]:
    """(seconds, stdout) of `cmd` run from the repository root; a failure stops the bench. Its
    peak memory is left in LAST_PEAK_MIB[label]."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    LAST_PEAK_MIB[label] = round(usage.ru_maxrss / 1024, 1)  # Linux reports KiB
    if process.returncode != 0:
        sys.stderr.write(stdout[-4000:] + stderr[-4000:])
        raise SystemExit(f"{label} failed with exit code {process.returncode}")
    return seconds, stdout


def raw_rows(env: dict[str, str]) -> dict[str, int]:
    """Rows per RAW schema of a project's warehouse (not dlt's `_staging` copies of merges)."""
    import duckdb

    with duckdb.connect(env["ELT_DUCKDB_PATH"], read_only=True) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'raw_%' and table_schema not like '%\\_staging' escape '\\' "
            "and table_name not like '\\_dlt%' escape '\\'"
        ).fetchall()
        counts: dict[str, int] = {}
        for schema, table in tables:
            if schema == "raw_service_csv" and table != "service_records":
                continue  # the manifest and rejected lines are bookkeeping, not records
            (rows,) = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            counts[schema] = counts.get(schema, 0) + rows
    return counts


def _load_summary(stdout: str) -> dict[str, float]:
    """API calls, seconds waiting on rate limits and the pipeline's own duration (extract,
    normalise, load: the command minus start-up) from the summary `elt load pestroutes` prints."""
    found = re.search(
        r"load \S+ in ([\d.]+)s, (\d+) API calls, (\d+) retries, ([\d.]+)s waiting on rate limits", stdout
    )
    if not found:
        return {}
    return {
        "pipeline_seconds": float(found.group(1)),
        "loader_api_calls": int(found.group(2)),
        "loader_retries": int(found.group(3)),
        "loader_wait_seconds_all_offices": float(found.group(4)),
    }


# ------------------------------------------------------------------------------------------
# PestRoutes: extraction speed, and wall time against the rate-limit floor
# ------------------------------------------------------------------------------------------


def required_requests(world: Any) -> int:
    """Requests a full load of one office must make (see the module docstring)."""
    from loaders.pestroutes.settings import ENTITIES, GET_BATCH_SIZE, SEARCH_CAP

    total = 0
    for entity in ENTITIES:
        n = len(world.tables[entity.endpoint])
        windows = [SEARCH_CAP] * (n // SEARCH_CAP) + [n % SEARCH_CAP]
        total += len(windows) + sum(math.ceil(w / GET_BATCH_SIZE) for w in windows)
    return total


def _extraction_span(sandbox: Any) -> tuple[float, int, int]:
    """(seconds from the first to the last API request, requests, refused or failed requests)."""
    log = sandbox.simulator.request_log()
    if not log:
        return 0.0, 0, 0
    stamps = [entry["ts"] for entry in log]
    return max(stamps) - min(stamps), len(log), sum(entry["status"] != "ok" for entry in log)


def bench_pestroutes_extract(work: Path, size: dict[str, Any]) -> dict[str, Any]:
    from sandbox.server import start_sandbox_server

    started = time.perf_counter()
    sandbox = start_sandbox_server(
        seed=SEED,
        scale=size["scale"],
        offices=size["offices"],
        reads_per_minute=UNLIMITED,
        reads_per_day=UNLIMITED,
    )
    generated = time.perf_counter() - started
    try:
        records = sum(sum(world.counts().values()) for world in sandbox.simulator.worlds.values())
        env = project_env(
            work / "extract",
            sandbox,
            {name: (UNLIMITED, UNLIMITED) for name in sandbox.simulator.offices},
            None,
        )
        seconds, stdout = timed([str(BIN / "elt"), "load", "pestroutes"], env, "elt load pestroutes")
        span, requests_logged, refused = _extraction_span(sandbox)
    finally:
        sandbox.stop()
    landed = raw_rows(env).get("raw_pestroutes", 0)
    if landed != records:
        raise SystemExit(f"pestroutes_extract: RAW holds {landed} rows, the simulator {records}")
    return {
        **size,
        "records": records,
        "generate_seconds": round(generated, 2),
        "api_requests": requests_logged,
        "refused_requests": refused,
        "extract_seconds": round(span, 2),
        "extract_records_per_second": round(records / span) if span else None,
        "load_seconds": round(seconds, 2),
        "load_records_per_second": round(records / seconds),
        **_load_summary(stdout),
    }


def bench_pestroutes_rate_limited(work: Path, size: dict[str, Any]) -> dict[str, Any]:
    from sandbox.server import start_sandbox_server

    per_minute, per_day = size["reads_per_minute"], size["reads_per_day"]
    sandbox = start_sandbox_server(
        seed=SEED,
        scale=size["scale"],
        offices=size["offices"],
        reads_per_minute=per_minute,
        reads_per_day=per_day,
    )
    try:
        required = {name: required_requests(world) for name, world in sandbox.simulator.worlds.items()}
        if max(required.values()) > per_day:
            raise SystemExit(
                f"an office needs {max(required.values())} requests, more than its {per_day} per day: "
                "no single run can finish; lower the scale"
            )
        floors = {name: 60.0 * ((r - 1) // per_minute) for name, r in required.items()}
        floor = max(floors.values())
        records = sum(sum(world.counts().values()) for world in sandbox.simulator.worlds.values())
        env = project_env(
            work / "rate_limited",
            sandbox,
            {name: (per_minute, per_day) for name in sandbox.simulator.offices},
            None,
        )
        seconds, stdout = timed([str(BIN / "elt"), "load", "pestroutes"], env, "elt load pestroutes")
        span, requests_logged, refused = _extraction_span(sandbox)
        per_office = {name: len(sandbox.simulator.request_log(name)) for name in sandbox.simulator.offices}
    finally:
        sandbox.stop()
    landed = raw_rows(env).get("raw_pestroutes", 0)
    if landed != records:
        raise SystemExit(f"pestroutes_rate_limited: RAW holds {landed} rows, the simulator {records}")
    busiest = max(required, key=required.get)
    return {
        **size,
        "records": records,
        "required_requests_per_office": {"min": min(required.values()), "max": required[busiest]},
        "requests_made_match_required": per_office == required,
        "api_requests": requests_logged,
        "refused_requests": refused,
        "floor_seconds": floor,
        "floor_rule": f"60 s x floor(({required[busiest]} - 1) / {per_minute}), busiest office {busiest}",
        "extract_seconds": round(span, 2),
        "extract_vs_floor": round(span / floor, 3) if floor else None,
        "load_seconds": round(seconds, 2),
        "load_vs_floor": round(seconds / floor, 3) if floor else None,
        **_load_summary(stdout),
        "target_vs_floor": 1.2,
    }


# ------------------------------------------------------------------------------------------
# Shopify: orders/s with the cost bucket out of the way, and the cursor walk against its floor
# ------------------------------------------------------------------------------------------


def _shop_project(root: Path, sandbox: Any, backfill: str) -> dict[str, str]:
    """A project whose only source is the sandbox's Shopify shops, read by `backfill`."""
    from sandbox.ecommerce.spec import SPEC
    from sandbox.framework import LoaderContext

    env = project_env(root, sandbox, {}, None)
    context = LoaderContext(
        server_url=sandbox.url,
        mount_url=sandbox.mount_url("ecommerce"),
        seed=SEED,
        scale=sandbox.simulators["ecommerce"].scale,
        options={},
        state={},
    )
    secrets = []
    for section, values in SPEC.loader_sections(context).items():
        secrets.append(f"[{section}]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items()))
    dlt_dir = root / ".dlt"
    (dlt_dir / "secrets.toml").write_text("\n".join(secrets))
    with (dlt_dir / "config.toml").open("a") as config:
        config.write(f'\n[sources.ecommerce]\nbackfill = "{backfill}"\n')
    return env


def _shop_orders(sandbox: Any) -> int:
    return sum(world.counts()["orders"] for world in sandbox.simulators["ecommerce"].worlds.values())


def bench_ecommerce(work: Path, size: dict[str, Any]) -> dict[str, Any]:
    from sandbox.server import start_sandbox_server

    results: dict[str, Any] = {**size}
    # 1. Limits off (a bucket that never runs dry): what the loader itself costs per order, by
    #    the bulk backfill and by the cursor walk (every nested connection read to its end).
    sandbox = start_sandbox_server(
        seed=SEED,
        scale=size["scale"],
        simulators=("ecommerce",),
        ecommerce={"bucket_size": 10**9, "restore_rate": 1e9},
    )
    try:
        orders = _shop_orders(sandbox)
        results["orders"] = orders
        for backfill in ("bulk", "pages"):
            env = _shop_project(work / f"ecommerce_{backfill}", sandbox, backfill)
            seconds, stdout = timed(
                [str(BIN / "elt"), "load", "ecommerce"], env, f"elt load ecommerce {backfill}"
            )
            landed = raw_rows(env).get("raw_ecommerce", 0)
            results[f"{backfill}_load_seconds"] = round(seconds, 2)
            results[f"{backfill}_orders_per_second"] = round(orders / seconds)
            results[f"{backfill}_raw_rows"] = landed
    finally:
        sandbox.stop()
    # 2. Shopify's standard bucket: the cursor walk can go no faster than the bucket refills
    #    what the queries actually cost, less what the full bucket holds at the start.
    sandbox = start_sandbox_server(seed=SEED, scale=size["scale"], simulators=("ecommerce",))
    try:
        env = _shop_project(work / "ecommerce_limited", sandbox, "pages")
        seconds, stdout = timed([str(BIN / "elt"), "load", "ecommerce"], env, "elt load ecommerce limited")
        simulator = sandbox.simulators["ecommerce"]
        floors = {}
        for shop in simulator.worlds:
            log = [e for e in simulator.request_log(shop) if e.get("operation") == "graphql"]
            spent = sum(e.get("actual_cost") or 0 for e in log)
            bucket = simulator.state()["shops"]
            status = next(b["bucket"] for b in bucket if b["name"] == shop)
            floors[shop] = max(0.0, spent - status["maximumAvailable"]) / status["restoreRate"]
        throttled = sum(c["throttled"] for c in simulator.state()["counts"].values())
    finally:
        sandbox.stop()
    floor = max(floors.values())
    results.update(
        limited_load_seconds=round(seconds, 2),
        floor_seconds=round(floor, 2),
        floor_rule="(actual cost charged - bucket size) / restore rate, busiest shop",
        load_vs_floor=round(seconds / floor, 3) if floor else None,
        throttled_requests=throttled,
        **_load_summary(stdout),
    )
    return results


# ------------------------------------------------------------------------------------------
# dbt: full build at two scales, incremental build after a 1 % change
# ------------------------------------------------------------------------------------------


def run_results(env: dict[str, str]) -> dict[str, Any]:
    """Where a dbt run's time went: per resource type, and the ten slowest nodes."""
    data = json.loads((Path(env["DBT_TARGET_PATH"]) / "run_results.json").read_text())
    by_type: dict[str, dict[str, Any]] = {}
    nodes = []
    for result in data["results"]:
        kind = result["unique_id"].split(".", 1)[0]
        entry = by_type.setdefault(kind, {"count": 0, "seconds": 0.0})
        entry["count"] += 1
        entry["seconds"] += result["execution_time"]
        entry.setdefault("times", []).append(result["execution_time"])
        nodes.append((result["execution_time"], result["unique_id"], result["status"]))
    nodes.sort(reverse=True)
    return {
        "elapsed_seconds": round(data.get("elapsed_time", 0.0), 2),
        # The median node of a type is about its fixed cost (most nodes touch little data).
        "by_type": {
            k: {
                "count": v["count"],
                "seconds": round(v["seconds"], 2),
                "median_seconds": round(sorted(v["times"])[len(v["times"]) // 2], 3),
            }
            for k, v in sorted(by_type.items())
        },
        "slowest": [{"node": uid, "seconds": round(t, 2), "status": s} for t, uid, s in nodes[:10]],
        "nodes": {uid: round(t, 3) for t, uid, _ in nodes},
    }


def _csv_change(s3_url: str, scale: float, fraction: float) -> int:
    """Upload one new export holding `fraction` of the service rows already in the bucket: the
    next file of day 0, generated with the same (messy) proportions. Returns its record count."""
    from dataclasses import replace

    from sandbox.service_csv import s3 as sandbox_s3
    from sandbox.service_csv.generator import CorpusConfig, generate_file

    config = CorpusConfig(seed=SEED, scale=scale)
    rows = max(5, round(config.files_on(0) * config.rows_per_file * fraction))
    export = generate_file(replace(config, rows_per_file=rows), 0, config.files_on(0) + 1, pool=[])
    sandbox_s3.upload(sandbox_s3.client(s3_url), sandbox_s3.BUCKET, [export])
    return len(export.records)


def dbt_scale(
    work: Path, name: str, offices: int, scale: float, change: float | None, service_files: int | None = None
) -> dict[str, Any]:
    """Load both sources into a fresh warehouse (PestRoutes at `scale`; the service exports
    either one day generated at `scale` or, with `service_files`, the service_csv bench's
    corpus of that many files) and time a full `dbt build`; with `change`, then change that
    fraction of the records, load, and time `dbt build` again."""
    import requests
    import service_csv_bench  # importing it also spools moto's objects to disk (see there)

    from sandbox.server import start_sandbox_server
    from sandbox.service_csv import s3 as sandbox_s3
    from sandbox.service_csv.generator import CorpusConfig

    sandbox = start_sandbox_server(seed=SEED, scale=scale, offices=offices)
    moto = sandbox_s3.start_moto(port=0)
    result: dict[str, Any] = {"scale": scale, "offices": offices}
    corpus: dict[str, Any] | None = None
    try:
        if service_files:
            directory, corpus = service_csv_bench.cached_corpus(service_files, SERVICE_ROWS_PER_FILE, SEED)
            service_csv_bench.upload(moto.endpoint_url, sandbox_s3.BUCKET, directory, corpus)
            result["service_files"] = service_files
        else:
            sandbox_s3.seed_bucket(moto.endpoint_url, CorpusConfig(seed=SEED, scale=scale), range(0, 1))
        limits = {o.name: (o.reads_per_minute, o.reads_per_day) for o in sandbox.simulator.offices.values()}
        env = project_env(work / name, sandbox, limits, moto.endpoint_url)
        load_s, _ = timed([str(BIN / "elt"), "load"], env, "elt load")
        rows = raw_rows(env)
        parse_s, _ = timed([str(BIN / "dbt"), "parse", "--quiet"], env, "dbt parse")
        build_s, _ = timed([str(BIN / "dbt"), *DBT_BUILD], env, "dbt build")
        full = run_results(env)
        result |= {
            "raw_rows": rows,
            "raw_rows_total": sum(rows.values()),
            "load_seconds": round(load_s, 2),
            "parse_seconds": round(parse_s, 2),
            "build_command": " ".join(["dbt", *DBT_BUILD]),
            "build_seconds": round(build_s, 2),
            # Under the profile's default DuckDB memory_limit (profiles.yml) unless
            # ELT_DUCKDB_MEMORY_LIMIT is set for the bench.
            "build_peak_memory_mib": LAST_PEAK_MIB["dbt build"],
            "build_memory_limit": os.environ.get("ELT_DUCKDB_MEMORY_LIMIT", "profile default"),
            "build_run_results": full,
        }
        if change:
            # The same build with nothing new: what every build costs whatever the change.
            unchanged_s, _ = timed([str(BIN / "dbt"), *DBT_BUILD_INCREMENTAL], env, "dbt build (nothing new)")
            touched = requests.post(f"{sandbox.url}/_sandbox/touch", json={"fraction": change}, timeout=60)
            touched.raise_for_status()
            pestroutes_changed = touched.json()["total"]
            if corpus is None:
                csv_changed = _csv_change(moto.endpoint_url, scale, change)
            else:
                _, csv_changed = service_csv_bench.add_new_exports(
                    moto.endpoint_url, sandbox_s3.BUCKET, corpus, change
                )
            incr_load_s, _ = timed([str(BIN / "elt"), "load"], env, "elt load (incremental)")
            after = raw_rows(env)
            incr_s, _ = timed([str(BIN / "dbt"), *DBT_BUILD_INCREMENTAL], env, "dbt build (incremental)")
            incr = run_results(env)
            full_nodes = full.pop("nodes")
            slowest_share = [
                {**node, "full_seconds": full_nodes.get(node["node"])} for node in incr["slowest"]
            ]
            incr.pop("nodes")
            result["incremental"] = {
                "build_command": " ".join(["dbt", *DBT_BUILD_INCREMENTAL]),
                "fraction_changed": change,
                "pestroutes_records_changed": pestroutes_changed,
                "service_csv_records_added": csv_changed,
                "raw_rows_added": sum(after.values()) - sum(rows.values()),
                "load_seconds": round(incr_load_s, 2),
                "build_seconds": round(incr_s, 2),
                "unchanged_build_seconds": round(unchanged_s, 2),
                "build_vs_full": round(incr_s / build_s, 3),
                "target_vs_full": 0.15,
                "build_run_results": {**incr, "slowest": slowest_share},
            }
        else:
            full.pop("nodes")
    finally:
        moto.stop()
        sandbox.stop()
        shutil.rmtree(work / name, ignore_errors=True)  # its warehouse: gigabytes at the full sizes
    return result


def bench_dbt(work: Path, size: dict[str, Any]) -> dict[str, Any]:
    files = size.get("service_files")
    small = dbt_scale(work, "dbt_small", size["offices"], size["scale"], None, files)
    large = dbt_scale(
        work, "dbt_large", size["offices"], 2 * size["scale"], size["change"], files and 2 * files
    )
    data_ratio = large["raw_rows_total"] / small["raw_rows_total"]
    time_ratio = large["build_seconds"] / small["build_seconds"]
    return {
        "small": small,
        "large": large,
        "data_ratio": round(data_ratio, 3),
        "time_ratio": round(time_ratio, 3),
        # 1: time grows like the data; below 1: fixed costs dominate; above 1: worse than linear.
        "growth_exponent": round(math.log(time_ratio) / math.log(data_ratio), 3),
    }


# ------------------------------------------------------------------------------------------
# service_csv: the existing bench, as a subprocess
# ------------------------------------------------------------------------------------------


def bench_service_csv(quick: bool) -> dict[str, Any]:
    # Its --scale-up (the staging build alone on a larger warehouse) is left out: the dbt bench
    # builds the whole project on 1,500 and 3,000 of the same files.
    size = ["--quick"] if quick else []
    cmd = [sys.executable, str(REPO / "bench" / "service_csv_bench.py"), *size]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"service_csv bench failed with exit code {done.returncode}")
    print(done.stdout.rstrip(), flush=True)  # its own table (peak memory, read_csv reference)
    return json.loads((RESULTS / "service_csv.json").read_text())


def bench_app_db(quick: bool) -> dict[str, Any]:
    """bench/app_db_bench.py as a subprocess: it starts its own PostgreSQL server."""
    size = ["--scale", "10"] if quick else []
    cmd = [sys.executable, str(REPO / "bench" / "app_db_bench.py"), *size]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"app_db bench failed with exit code {done.returncode}")
    return json.loads((RESULTS / "app_db.json").read_text())


def bench_qqcatalyst(quick: bool) -> dict[str, Any]:
    """bench/qqcatalyst_bench.py as a subprocess: it starts its own QQCatalyst simulator."""
    size = ["--quick"] if quick else []
    cmd = [sys.executable, str(REPO / "bench" / "qqcatalyst_bench.py"), *size]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"qqcatalyst bench failed with exit code {done.returncode}")
    print(done.stdout.rstrip(), flush=True)  # its own lines (CPU seconds of the loader and simulator)
    return json.loads((RESULTS / "qqcatalyst.json").read_text())


# ------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, str, str]] = []
    if "pestroutes_extract" in results:
        r = results["pestroutes_extract"]
        where = f"{r['offices']} offices, scale {r['scale']}, {r['records']:,} records, limits off"
        rows += [
            ("pestroutes extract (API span)", f"{r['extract_records_per_second']:,} records/s", where),
            (
                "pestroutes `elt load` whole",
                f"{r['load_records_per_second']:,} records/s",
                f"{r['load_seconds']} s",
            ),
        ]
    if "pestroutes_rate_limited" in results:
        r = results["pestroutes_rate_limited"]
        where = (
            f"{r['offices']} offices x {r['reads_per_minute']}/min, scale {r['scale']}, "
            f"{r['required_requests_per_office']['max']} requests/office, floor {r['floor_seconds']:.0f} s"
        )
        rows += [
            (
                "pestroutes rate-limited load",
                f"{r['load_vs_floor']}x floor",
                f"{r['load_seconds']} s; {where}",
            ),
            (
                "  of which API span",
                f"{r['extract_vs_floor']}x floor",
                f"{r['extract_seconds']} s (target <= 1.2x)",
            ),
        ]
    if "ecommerce" in results:
        r = results["ecommerce"]
        where = f"scale {r['scale']}, {r['orders']:,} orders in 2 shops, bucket out of the way"
        rows += [
            ("ecommerce bulk backfill", f"{r['bulk_orders_per_second']:,} orders/s", where),
            ("ecommerce cursor walk", f"{r['pages_orders_per_second']:,} orders/s", where),
            (
                "ecommerce at Shopify's bucket",
                f"{r['load_vs_floor']}x floor",
                f"{r['limited_load_seconds']} s, floor {r['floor_seconds']} s (2,000 points, 100/s); "
                f"{r['throttled_requests']} throttled",
            ),
        ]
    if "qqcatalyst" in results:
        quick = " (quick)" if results["qqcatalyst"].get("quick") else ""
        r = results["qqcatalyst"].get("extract")
        if r:
            where = f"2 agencies, scale {r['scale']}, {r['records']:,} records, limits off{quick}"
            rows += [
                ("qqcatalyst extract (API span)", f"{r['extract_records_per_second']:,} records/s", where),
                (
                    "qqcatalyst `elt load` whole",
                    f"{r['load_records_per_second']:,} records/s",
                    f"{r['load_seconds']} s",
                ),
            ]
        r = results["qqcatalyst"].get("rate_limited")
        if r:
            busiest = max(req["total"] for req in r["required_requests"].values())
            rows.append(
                (
                    f"qqcatalyst at {r['requests_per_minute']}/min",
                    f"{r['load_vs_floor']}x floor",
                    f"{r['load_seconds']} s, floor {r['floor_seconds']:.0f} s ({busiest} requests, busiest "
                    f"agency; target <= {r['target_vs_floor']}x{quick}); API span {r['extract_vs_floor']}x; "
                    f"{r['refused_requests']} refused; load average {r['load_average_after'][0]}",
                )
            )
    if "dbt" in results:
        r = results["dbt"]
        for key in ("small", "large"):
            s = r[key]
            files = f", {s['service_files']:,} service files" if s.get("service_files") else ""
            rows.append(
                (
                    f"dbt build, scale {s['scale']}{files}",
                    f"{s['build_seconds']} s",
                    f"{s['raw_rows_total']:,} RAW rows",
                )
            )
        rows.append(
            (
                "dbt growth",
                f"{r['time_ratio']}x time",
                f"for {r['data_ratio']}x data (exponent {r['growth_exponent']}; 1 = linear)",
            )
        )
        incr = r["large"].get("incremental")
        if incr:
            rows.append(
                (
                    "dbt incremental after 1 %",
                    f"{incr['build_seconds']} s",
                    f"{incr['build_vs_full']:.1%} of full (target <= 15 %); "
                    f"{incr['raw_rows_added']:,} new RAW rows; "
                    f"nothing new: {incr['unchanged_build_seconds']} s",
                )
            )
    if "service_csv" in results:
        r = results["service_csv"]["run"]
        for line in results["service_csv"].get("end_to_end", []):
            if "rows_per_second_ratio" not in line:
                continue
            rows.append(
                (
                    f"service_csv end to end, {line['files']} files",
                    f"{line['end_to_end_rows_per_second']:,} rows/s",
                    f"{line['rows_per_second_ratio']:.2f}x the lossless floor "
                    f"({line['floor_rows_per_second']:,} rows/s; target >= 0.8x); "
                    f"{line['end_to_end_cpu_seconds_per_100k_rows']} CPU-s per 100k records "
                    f"(floor {line['floor_cpu_seconds_per_100k_rows']}); "
                    f"load average {line['load_average_1m']}",
                )
            )
        rows += [
            ("service_csv S3 -> RAW", f"{r['load_rows_per_second']:,} rows/s", f"{r['records']:,} records"),
            (
                "service_csv RAW -> staging",
                f"{r.get('dbt_rows_per_second', 0):,} rows/s",
                f"{r.get('dbt_seconds')} s",
            ),
        ]
        incr = results["service_csv"].get("incremental")
        if incr:
            rows.append(
                (
                    "service_csv staging incremental",
                    f"{incr['dbt_seconds']} s",
                    f"{incr['dbt_vs_full']:.1%} of full (target <= 15 %) after {incr['records_added']:,} "
                    f"new records ({incr['fraction_of_records']:.1%}); nothing new: "
                    f"{incr['unchanged_dbt_seconds']} s",
                )
            )
        up = results["service_csv"].get("incremental_scaled_up")
        if up:
            rows.append(
                (
                    f"  same at {up['files']:,} files",
                    f"{up['dbt_seconds']} s",
                    f"{up['dbt_vs_full']:.1%} of full ({up['full_dbt_seconds']} s, {up['raw_rows']:,} RAW "
                    f"rows) after {up['records_added']:,} new records; nothing new: "
                    f"{up['unchanged_dbt_seconds']} s",
                )
            )
    if "app_db" in results:
        r = results["app_db"]
        where = f"{r['source_rows_total']:,} rows, {r['bookings']:,} bookings (PostgreSQL -> DuckDB)"
        rows += [
            ("app_db full load", f"{r['full_load_rows_per_second']:,} rows/s", where),
            (
                "  vs COPY (SELECT ...) TO STDOUT",
                f"{r['full_load_vs_copy']}x",
                f"reference {r['copy_reference_rows_per_second']:,} rows/s (target >= 0.5x)",
            ),
            (
                "app_db incremental after a day",
                f"{r['incremental_seconds']} s",
                f"{r['incremental_rows_read']:,} rows read ({r['tick_changes']:,} changed) + "
                f"{r['incremental_keys_read']:,} keys; {r['incremental_vs_full_time']:.1%} of the full load",
            ),
        ]
    width = max(len(a) for a, _, _ in rows) if rows else 10
    value = max(len(b) for _, b, _ in rows) if rows else 10
    return [f"{a:<{width}}  {b:>{value}}  {c}" for a, b, c in rows]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: the whole run in under 5 minutes")
    parser.add_argument(
        "--only", nargs="+", choices=BENCHES, default=list(BENCHES), help="run only these benches"
    )
    parser.add_argument(
        "--service-files",
        type=int,
        metavar="N",
        help="the dbt bench's smaller size holds N service-export files and the larger 2N "
        "(full run: 1,500; 500 files are one day at the seed's volume)",
    )
    args = parser.parse_args()
    index = 0 if args.quick else 1
    if args.service_files:
        SIZES["dbt"][index]["service_files"] = args.service_files
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "git": git_commit(),
        "results": {},
    }
    work = Path(tempfile.mkdtemp(prefix="elt_bench_"))
    started = time.perf_counter()
    try:
        for name in BENCHES:
            if name not in args.only:
                continue
            print(f"bench {name} ...", flush=True)
            began = time.perf_counter()
            if name in ("service_csv", "app_db", "qqcatalyst"):  # standalone scripts writing their own file
                result = globals()[f"bench_{name}"](args.quick)
            else:
                result = globals()[f"bench_{name}"](work, SIZES[name][index])
            result["bench_seconds"] = round(time.perf_counter() - began, 1)
            summary["results"][name] = result
            if name not in ("service_csv", "app_db", "qqcatalyst"):
                (RESULTS / f"{name}.json").write_text(
                    json.dumps(
                        {
                            **{k: summary[k] for k in ("command", "started_at", "machine", "git")},
                            name: result,
                        },
                        indent=2,
                    )
                    + "\n"
                )
            print(f"bench {name}: {result['bench_seconds']} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    summary["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    m = summary["machine"]
    print()
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}; "
        f"load average {m['load_average_at_start'][0]} at start, {m['load_average_at_end'][0]} at end"
    )
    print(
        f"commit {summary['git']['commit'][:10]}{' (dirty)' if summary['git']['dirty'] else ''}; "
        f"{summary['command']}"
    )
    print("\n".join(table(summary["results"])))
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"wrote {(RESULTS / 'summary.json').relative_to(REPO)} (and one JSON per bench) "
        f"in {summary['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
