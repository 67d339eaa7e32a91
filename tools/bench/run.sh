#!/usr/bin/env bash
# tools/bench/run.sh: rayc next to Dask and Celery on this machine, in one run.
#
#   tools/bench/run.sh [--quick | --tiny] [--repeat R] [--only W,W...] [--peers P,P...]
#                      [--build DIR] [--out DIR] [--no-setup]
#
# Installs what is missing (tools/setup-deps.sh --bench) and builds build/
# (RelWithDebInfo), then runs every workload on a fresh rayc cluster (a head
# and 2 workers on loopback, --num-cpus = cores each), then on Dask (a
# LocalCluster) and on Celery (Redis broker and backend), one after the other,
# each with as many single-threaded worker processes as rayc has executor
# slots; the gcs workload runs redis-benchmark against rayc's GCS and a
# redis-server. Prints one table (median of --repeat runs, rayc's ratio to the
# best peer) and writes results.json, the raw lines and ratios.png to --out
# (default build/bench/).
#   --quick   small sizes, under 5 minutes once built
#   --tiny    a smoke run of every workload in seconds (the `bench` ctest label)
# Workloads: single_client_tasks_async single_client_tasks_sync
# multi_client_tasks_async tasks_with_1mib_args fanout_fanin queued_1m gcs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=full repeat="" only="" peers="dask,celery" build="$top/build" out="" setup=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick ;;
    --tiny) mode=tiny ;;
    --repeat) repeat=$2; shift ;;
    --only) only=$2; shift ;;
    --peers) peers=$2; shift ;;
    --build) build=$(cd "$2" && pwd); shift ;;
    --out) out=$2; shift ;;
    --no-setup) setup=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$repeat" in ''|[1-9]|[1-9][0-9]) ;; *) echo "run.sh: --repeat takes 1 to 99" >&2; exit 2 ;; esac
all="single_client_tasks_async single_client_tasks_sync multi_client_tasks_async tasks_with_1mib_args fanout_fanin queued_1m gcs"
workloads=${only//,/ }
workloads=${workloads:-$all}
for w in $workloads; do
  case " $all " in *" $w "*) ;; *) echo "run.sh: unknown workload $w (one of: $all)" >&2; exit 2 ;; esac
done
for p in ${peers//,/ }; do
  case "$p" in dask|celery) ;; *) echo "run.sh: unknown peer $p (dask, celery)" >&2; exit 2 ;; esac
done

# Sizes: the same for every system in a run.
case "$mode" in
  full) sizes=(--tasks 100000 --sync-tasks 5000 --arg-tasks 10000 --queued 1000000 --fanout 1000)
        repeat=${repeat:-5}; gcs_args=(-n 200000 --rounds 3) ;;
  quick) sizes=(--tasks 5000 --sync-tasks 300 --arg-tasks 500 --queued 10000 --fanout 1000)
         repeat=${repeat:-3}; gcs_args=(-n 50000 -t set,get,incr,lpush,hset,lrange_100 --rounds 1) ;;
  tiny) sizes=(--tasks 200 --sync-tasks 50 --arg-tasks 50 --queued 500 --fanout 50)
        repeat=${repeat:-1}; gcs_args=(-n 2000 -c 4 -t set,get --rounds 1) ;;
esac
out=${out:-$top/build/bench}
mkdir -p "$out"
out=$(cd "$out" && pwd)
py=/usr/bin/python3

if [ $setup -eq 1 ]; then
  "$top/tools/setup-deps.sh" --bench
  cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" >/dev/null
fi
bin="$build/bin"
lib="$build/lib/librayc_testtasks.so"
for f in "$bin/rayc" "$bin/rayc-bench" "$lib" "$py"; do
  [ -e "$f" ] || { echo "run.sh: $f missing (run without --no-setup to build it)" >&2; exit 1; }
done

. "$top/tools/bench/lib.sh"
tmp=$(mktemp -d)
cleanup() {
  "$bin/rayc" stop --temp-dir "$tmp" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
lines="$out/lines.jsonl"
: >"$lines"
cores=$(nproc)
slots=$((2 * cores))
task_workloads=$(echo " $workloads " | sed 's/ gcs / /; s/^ *//; s/ *$//')
started=$(date +%s)
say() { echo "run.sh: $*" >&2; }

if [ -n "$task_workloads" ]; then
  say "rayc: a head and 2 workers ($slots executor slots) on loopback"
  port=$(free_port)
  start_cluster "$bin" "$tmp" "$port" 2 "$cores" --include-dashboard=false
  hpid=$(head_pid "$tmp")
  "$bin/rayc-bench" --library "$lib" --address "127.0.0.1:$port" --head-pid "${hpid:-0}" \
    --clients 4 --repeat "$repeat" "${sizes[@]}" --json $task_workloads >>"$lines"
  "$bin/rayc" stop --temp-dir "$tmp" >/dev/null
  for p in ${peers//,/ }; do
    say "$p: $slots worker processes, one thread each"
    "$py" "$top/tools/bench/peers/${p}_bench.py" --slots "$slots" --clients 4 \
      --repeat "$repeat" "${sizes[@]}" $task_workloads >>"$lines"
  done
fi

if [[ " $workloads " == *" gcs "* ]]; then
  say "gcs: redis-benchmark against rayc's GCS and a redis-server"
  "$top/tools/bench/gcs.sh" --build "$build" "${gcs_args[@]}" --json "$tmp/gcs.json" >&2
  "$py" - "$tmp/gcs.json" >>"$lines" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1])):
    if "needed to benchmark" in r["test"]:  # redis-benchmark's LPUSH filling LRANGE's list
        continue
    for system, key in (("rayc", "rayc_rps"), ("redis", "redis_rps")):
        print(json.dumps({"system": system, "workload": "gcs", "rep": 0,
                          "metric": r['test'].split()[0].lower() + "_rps", "value": r[key],
                          "unit": "req/s", "better": "higher", "n": 0}))
EOF
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
machine="$cores cores ($cpu), $mem, $(. /etc/os-release && echo "$PRETTY_NAME"), $mode run, $(date -u +%Y-%m-%d)"
"$py" "$top/tools/bench/report.py" --out "$out" --machine "$machine" "$lines" | tee "$out/table.md"
say "done in $(($(date +%s) - started)) s; figures in $out (results.json, lines.jsonl, ratios.png)"
