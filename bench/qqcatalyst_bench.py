"""Benchmark of `elt load qqcatalyst` against the in-process QQCatalyst simulator.

    .venv/bin/python bench/qqcatalyst_bench.py           # full: about 5 minutes
    .venv/bin/python bench/qqcatalyst_bench.py --quick   # under 2 minutes (smaller, 600/min)

Both agencies of the sandbox (harbor on the password grant, summit on the refresh-token grant),
each with its own credentials and limit, loaded by one `elt load qqcatalyst` (agencies in
parallel, one agency's reads one after the other), every run in a throwaway project (its own
DuckDB file and dlt pipelines dir) against a simulator started in this process on a port the OS
picks; nothing touches the repository's warehouse. Each run is a first run: every window from
`start_date` to today (UTC), the reference lists, then the ID sweep (due, none has run yet).

1. extract: records/s with the rate limits off (simulator and loader at 10^9 requests a
   minute; the simulator adds no latency of its own), at the loader's default windows and page
   size, over the extraction span (first to last API request, from the simulator's request
   log) and over the whole command (start-up, normalise, load and the ledger's second load
   included). Records are the ground truth's (every record once); the ID sweep reads them all
   a second time, which the JSON reports beside them.
2. rate_limited: L requests a minute per agency (60, the API's one published figure; `--quick`
   600) in both the simulator and the loader, and the whole load's wall time against the floor
   that limit imposes. Agency a must make R_a data requests, computed from the ground truth
   before the run: per windowed entity and window, max(1, ceil(records in the window /
   page_size)) pages (an empty window is one call); per reference list max(1, ceil(n /
   page_size)); the ID sweep's one window start_date..today per windowed entity, paged the same.
   Token requests go to the login server and do not count against the API's limit (the
   simulator counts data calls only), so they are not in R_a (the loader's own budget counts
   them, one per agency per run with the default hour-long tokens: the JSON reports them). R_a
   is checked against the data requests the simulator logged. With at most L requests in any
   60 s, request k (1-based) cannot be answered before 60 * floor((k - 1) / L) s, so agency a
   needs at least 60 * floor((R_a - 1) / L) s; the agencies load concurrently, so the run's
   floor is the largest agency's. Target: the whole command within 1.1x the floor at 60/min.

Results go to bench/results/qqcatalyst.json, with the host's load average (others may share it:
the wall times move with it) and the CPU seconds of the loader's process and of this one (the
simulator's threads).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RESULTS = REPO / "bench" / "results" / "qqcatalyst.json"
BIN = Path(sys.executable).parent
SEED = 42
UNLIMITED = 1_000_000_000  # requests per minute: the limits switched off
LOG_SIZE = 10_000  # the simulator keeps its last 10,000 requests (sandbox/qqcatalyst/server.py)

# (quick, full). Extraction: about 4,700 records per agency at scale 1 (harbor 4,877, summit
# 4,489), at the loader's defaults (page_size 100, window_days 7). Rate-limited: month-wide
# windows at 60 a minute keep the floor at a few minutes; quick, 600 a minute with weekly
# windows (more requests than the limit allows in one minute, so the floor is 60 s).
SIZES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "extract": (
        {"scale": 1.0, "page_size": 100, "window_days": 7},
        {"scale": 5.0, "page_size": 100, "window_days": 7},
    ),
    "rate_limited": (
        {"scale": 0.5, "requests_per_minute": 600, "page_size": 100, "window_days": 7},
        {"scale": 0.5, "requests_per_minute": 60, "page_size": 100, "window_days": 31},
    ),
}
START_DATE = date(2026, 1, 1)  # the loader's default, the sandbox's first day of history
TARGET_VS_FLOOR = 1.1


# ------------------------------------------------------------------------------------------
# The project, the command, the simulator's log
# ------------------------------------------------------------------------------------------


def _project(root: Path, sandbox: Any, settings: dict[str, Any]) -> dict[str, str]:
    """A throwaway project reading the sandbox's agencies with `settings` (requests_per_minute,
    page_size, window_days ...)."""
    simulator = sandbox.simulators["qqcatalyst"]
    mount = sandbox.mount_url("qqcatalyst")
    dlt_dir = root / ".dlt"
    dlt_dir.mkdir(parents=True, exist_ok=True)
    source = {
        "base_url": mount,
        "token_url": f"{mount}/oauth/token",
        "start_date": START_DATE.isoformat(),
        **settings,
    }
    config = [
        '[runtime]\nlog_level = "WARNING"\ndlthub_telemetry = false\n',
        '[normalize]\nloader_file_format = "parquet"\n',
        "[sources.qqcatalyst]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in source.items()),
    ]
    secrets = [
        f"[sources.qqcatalyst.agencies.{name}]\n"
        + "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items())
        for name, keys in simulator.credentials().items()
    ]
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
            "ELT_SANDBOX_DIR": str(root / "sandbox"),
            "ELT_GX_DIR": str(root / "gx_project"),
            "DBT_TARGET_PATH": str(root / "target"),
            "DBT_LOG_PATH": str(root / "logs"),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load(env: dict[str, str], label: str) -> dict[str, Any]:
    """`elt load qqcatalyst`, timed: wall and CPU seconds of its process, CPU seconds of this
    process (the simulator's threads) meanwhile, and what its summary line says."""
    began = time.time()  # the request log's clock
    started, cpu, own = time.perf_counter(), _children_cpu(), time.process_time()
    done = subprocess.run(
        [str(BIN / "elt"), "load", "qqcatalyst"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    cpu, own = _children_cpu() - cpu, time.process_time() - own
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"{label} failed with exit code {done.returncode}")
    result: dict[str, Any] = {
        "began": began,
        "seconds": round(seconds, 2),
        "loader_cpu_seconds": round(cpu, 2),
        "simulator_cpu_seconds": round(own, 2),
    }
    found = re.search(
        r"load \S+ in ([\d.]+)s, (\d+) API calls, (\d+) retries, ([\d.]+)s waiting on rate limits",
        done.stdout,
    )
    if found:
        result |= {
            "pipeline_seconds": float(found.group(1)),
            "loader_api_calls": int(found.group(2)),
            "loader_retries": int(found.group(3)),
            "loader_wait_seconds_all_agencies": float(found.group(4)),
        }
    warnings = [line.strip() for line in done.stdout.splitlines() if "WARN" in line.upper()]
    if warnings:
        result["warnings"] = warnings[:10]
    print(
        f"{label}: {seconds:.1f} s ({cpu:.1f} s CPU in the loader's process, {own:.1f} s in the simulator's)",
        flush=True,
    )
    return result


def _landed(env: dict[str, str]) -> dict[str, int]:
    """Distinct records per RAW entity table, both agencies (a first run lands one version each)."""
    import duckdb

    from loaders.qqcatalyst.settings import ENTITIES

    with duckdb.connect(env["ELT_DUCKDB_PATH"], read_only=True) as conn:
        return {
            entity.table: conn.execute(
                f"select count(distinct (_agency, _record_id)) from raw_qqcatalyst.{entity.table}"
            ).fetchone()[0]
            for entity in ENTITIES
        }


def _log_summary(simulator: Any) -> dict[str, Any]:
    """What the simulator logged: the span from the first to the last request, and per agency its
    answered data requests, refusals (429s of the limit), other errors and token requests."""
    log = simulator.request_log()
    if len(log) >= LOG_SIZE:
        raise SystemExit(f"the simulator's request log is full ({LOG_SIZE}): lower the scale")
    stamps = [entry["ts"] for entry in log]
    per_agency: dict[str, dict[str, int]] = {}
    for entry in log:
        counts = per_agency.setdefault(
            str(entry.get("agency")),
            {"data_requests": 0, "refused_429": 0, "other_errors": 0, "token_requests": 0},
        )
        if entry["endpoint"] == "token":
            counts["token_requests"] += 1
        elif entry["status"] == "ok":
            counts["data_requests"] += 1
        elif entry.get("http_status") == 429:
            counts["refused_429"] += 1
        else:
            counts["other_errors"] += 1
    return {
        "first": min(stamps, default=0.0),
        "last": max(stamps, default=0.0),
        "span_seconds": max(stamps) - min(stamps) if stamps else 0.0,
        "requests_logged": len(log),
        "per_agency": per_agency,
    }


def _phases(load: dict[str, Any], logged: dict[str, Any]) -> dict[str, Any]:
    """The whole command split at its first and last API request: start-up (imports, the
    ledger's read, the first token) before, the API span, and after it the rest (the last
    pages' normalise and load, the ledger's second load, the process's exit)."""
    before = logged["first"] - load["began"]
    return {
        "seconds_before_first_request": round(before, 2),
        "seconds_after_last_request": round(load["seconds"] - before - logged["span_seconds"], 2),
    }


# ------------------------------------------------------------------------------------------
# The requests a first run must make, from the ground truth
# ------------------------------------------------------------------------------------------


def _windows(first: date, last: date, days: int) -> list[tuple[str, str]]:
    """first..last in consecutive windows of at most `days` days, both ends inclusive (ISO)."""
    windows = []
    start = first
    while start <= last:
        end = min(start + timedelta(days=days - 1), last)
        windows.append((start.isoformat(), end.isoformat()))
        start = end + timedelta(days=1)
    return windows


def required_requests(
    simulator: Any, agency: str, page_size: int, window_days: int, today: date
) -> dict[str, int]:
    """Data requests a first run of `agency` must make (see the module docstring), by kind."""
    from sandbox.qqcatalyst.catalog import ENTITIES

    def pages(n: int) -> int:
        return max(1, math.ceil(n / page_size))

    windows = _windows(START_DATE, today, window_days)
    sweep = (START_DATE.isoformat(), today.isoformat())
    counts = {"reference": 0, "windows": 0, "sweep": 0}
    for entity in ENTITIES:
        records = simulator.records(agency, entity.table)
        if not entity.windowed:
            counts["reference"] += pages(len(records))
            continue
        days = sorted(record["DateLastModified"][:10] for record in records)

        def within(start: str, end: str, days: list[str] = days) -> int:
            return sum(1 for day in days if start <= day <= end)

        counts["windows"] += sum(pages(within(start, end)) for start, end in windows)
        counts["sweep"] += pages(within(*sweep))
    counts["total"] = counts["reference"] + counts["windows"] + counts["sweep"]
    return counts


def _records(simulator: Any) -> int:
    return sum(sum(world.counts().values()) for world in simulator.worlds.values())


# ------------------------------------------------------------------------------------------
# The two benches
# ------------------------------------------------------------------------------------------


def bench_extract(work: Path, size: dict[str, Any]) -> dict[str, Any]:
    from sandbox.server import start_sandbox_server

    started = time.perf_counter()
    sandbox = start_sandbox_server(
        seed=SEED,
        scale=size["scale"],
        simulators=("qqcatalyst",),
        qqcatalyst={"requests_per_minute": UNLIMITED},
    )
    try:
        simulator = sandbox.simulators["qqcatalyst"]
        records = _records(simulator)
        generated = time.perf_counter() - started
        today = datetime.now(UTC).date()
        required = {
            name: required_requests(simulator, name, size["page_size"], size["window_days"], today)
            for name in simulator.agencies
        }
        settings = {
            "requests_per_minute": UNLIMITED,
            "page_size": size["page_size"],
            "window_days": size["window_days"],
        }
        env = _project(work / "extract", sandbox, settings)
        load = _load(env, f"extract, scale {size['scale']}, {records:,} records, limits off")
        logged = _log_summary(simulator)
    finally:
        sandbox.stop()
    landed = _landed(env)
    if sum(landed.values()) != records:
        raise SystemExit(f"extract: RAW holds {sum(landed.values())} records, the simulator {records}")
    span = logged["span_seconds"]
    return {
        **size,
        "start_date": START_DATE.isoformat(),
        "today": today.isoformat(),
        "records": records,
        # The ID sweep reads every windowed record a second time (ids kept only).
        "records_read_with_sweep": records + sum(n for t, n in landed.items() if t not in _REFERENCE),
        "generate_seconds": round(generated, 2),
        "required_requests": required,
        "requests_made": logged["per_agency"],
        "requests_made_match_required": all(
            logged["per_agency"].get(name, {}).get("data_requests") == r["total"]
            for name, r in required.items()
        ),
        "extract_seconds": round(span, 2),
        "extract_records_per_second": round(records / span) if span else None,
        "load_seconds": load["seconds"],
        "load_records_per_second": round(records / load["seconds"]),
        **_phases(load, logged),
        **{k: v for k, v in load.items() if k not in ("seconds", "began")},
    }


_REFERENCE = ("agencies", "carriers", "locations", "departments", "employees")


def bench_rate_limited(work: Path, size: dict[str, Any]) -> dict[str, Any]:
    from sandbox.server import start_sandbox_server

    per_minute = size["requests_per_minute"]
    sandbox = start_sandbox_server(
        seed=SEED,
        scale=size["scale"],
        simulators=("qqcatalyst",),
        qqcatalyst={"requests_per_minute": per_minute},
    )
    try:
        simulator = sandbox.simulators["qqcatalyst"]
        records = _records(simulator)
        today = datetime.now(UTC).date()
        required = {
            name: required_requests(simulator, name, size["page_size"], size["window_days"], today)
            for name in simulator.agencies
        }
        floors = {name: 60.0 * ((r["total"] - 1) // per_minute) for name, r in required.items()}
        floor = max(floors.values())
        busiest = max(required, key=lambda name: required[name]["total"])
        print(
            f"rate-limited: {per_minute}/min, requests per agency "
            f"{ {name: r['total'] for name, r in required.items()} }, floor {floor:.0f} s",
            flush=True,
        )
        settings = {
            "requests_per_minute": per_minute,
            "page_size": size["page_size"],
            "window_days": size["window_days"],
        }
        env = _project(work / "rate_limited", sandbox, settings)
        load_average_before = os.getloadavg()
        load = _load(env, f"rate-limited, {per_minute}/min, scale {size['scale']}, {records:,} records")
        load_average_after = os.getloadavg()
        logged = _log_summary(simulator)
        state = {a["name"]: a for a in simulator.state()["agencies"]}
    finally:
        sandbox.stop()
    landed = _landed(env)
    if sum(landed.values()) != records:
        raise SystemExit(f"rate_limited: RAW holds {sum(landed.values())} records, the simulator {records}")
    made = logged["per_agency"]
    span, seconds = logged["span_seconds"], load["seconds"]
    return {
        **size,
        "start_date": START_DATE.isoformat(),
        "today": today.isoformat(),
        "records": records,
        "required_requests": required,
        "requests_made": made,
        "requests_made_match_required": all(
            made.get(name, {}).get("data_requests") == r["total"] for name, r in required.items()
        ),
        "refused_requests": sum(counts["refused_429"] for counts in made.values()),
        "simulator_rate_limited": {name: a["rate_limited"] for name, a in state.items()},
        "tokens_issued": {name: a["tokens_issued"] for name, a in state.items()},
        "floor_seconds_per_agency": floors,
        "floor_seconds": floor,
        "floor_rule": (
            f"60 s x floor(({required[busiest]['total']} - 1) / {per_minute}), busiest agency {busiest}"
        ),
        "extract_seconds": round(span, 2),
        "extract_vs_floor": round(span / floor, 3) if floor else None,
        "load_seconds": seconds,
        "load_vs_floor": round(seconds / floor, 3) if floor else None,
        "target_vs_floor": TARGET_VS_FLOOR,
        "load_average_before": [round(x, 2) for x in load_average_before],
        "load_average_after": [round(x, 2) for x in load_average_after],
        **_phases(load, logged),
        **{k: v for k, v in load.items() if k not in ("seconds", "began")},
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and 600 requests/min: under 2 minutes"
    )
    parser.add_argument(
        "--only", nargs="+", choices=("extract", "rate_limited"), default=["extract", "rate_limited"]
    )
    args = parser.parse_args()
    index = 0 if args.quick else 1
    result: dict[str, Any] = {
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": args.quick,
        # Others share the host: its load (1, 5, 15 minutes) at the start and the end, and its cores.
        "cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    work = Path(tempfile.mkdtemp(prefix="elt-bench-qqcatalyst-"))
    started = time.perf_counter()
    try:
        if "extract" in args.only:
            result["extract"] = bench_extract(work, SIZES["extract"][index])
        if "rate_limited" in args.only:
            result["rate_limited"] = bench_rate_limited(work, SIZES["rate_limited"][index])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for line in table(result):
        print(line)
    print(f"wrote {RESULTS.relative_to(REPO)} in {result['seconds']} s", flush=True)
    return 0


def table(result: dict[str, Any]) -> list[str]:
    """The figures, one line each (bench/run.py prints its own rows from the JSON)."""
    lines = []
    label = " (quick)" if result.get("quick") else ""
    if "extract" in result:
        r = result["extract"]
        lines += [
            f"extract{label}: {r['extract_records_per_second']:,} records/s over the API span "
            f"({r['extract_seconds']} s), {r['load_records_per_second']:,} records/s over the whole "
            f"command ({r['load_seconds']} s); {r['records']:,} records, scale {r['scale']}, limits off",
        ]
    if "rate_limited" in result:
        r = result["rate_limited"]
        required = ", ".join(f"{name} {req['total']}" for name, req in r["required_requests"].items())
        lines += [
            f"rate-limited{label}: {r['load_seconds']} s = {r['load_vs_floor']}x the floor of "
            f"{r['floor_seconds']:.0f} s at {r['requests_per_minute']}/min (target <= {TARGET_VS_FLOOR}x); "
            f"API span {r['extract_seconds']} s = {r['extract_vs_floor']}x; requests {required} "
            f"(made as computed: {r['requests_made_match_required']}); {r['refused_requests']} refused",
        ]
    lines.append(
        f"load average {result['load_average_at_start']} at start, {result['load_average_at_end']} at end"
    )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
