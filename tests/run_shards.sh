#!/usr/bin/env bash
# `make test`: the suite as two pytest processes side by side, each with the session warehouse
# its tests share (the reliability reference in the first, the end-to-end warehouse in the
# second), so the two cores stay busy while one shard waits on a subprocess, a server or a rate
# limit. Usage: tests/run_shards.sh PYTEST [pytest arguments for both shards...]
# Each shard's output is printed whole when it ends; the exit code is non-zero if either failed
# ("no tests collected", when a -m expression leaves a shard empty, is not a failure).
set -uo pipefail
pytest=$1
shift
first=(
  tests/reliability tests/snowflake tests/sandbox tests/service_csv
  tests/test_portability.py tests/test_postgres.py tests/test_layering.py
  tests/loaders/test_ecommerce_load.py tests/loaders/test_pestroutes_load.py
  tests/loaders/test_qqcatalyst_load.py tests/loaders/ai_tools
)
ignored=()
for path in "${first[@]}"; do ignored+=("--ignore=$path"); done
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# --durations: each shard ends with its slowest tests, to keep CI within its 20 minutes.
"$pytest" --durations=15 "$@" "${first[@]}" > "$logs/1" 2>&1 &
one=$!
"$pytest" --durations=15 "$@" "${ignored[@]}" > "$logs/2" 2>&1 &
two=$!
status=0
for shard in 1 2; do
  pid=$one
  [ "$shard" = 2 ] && pid=$two
  rc=0
  wait "$pid" || rc=$?
  echo "=== shard $shard of 2 ==="
  cat "$logs/$shard"
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then status=1; fi
done
exit "$status"
