#!/usr/bin/env bash
# The `dashboard` benchmark: the dashboard at cluster scale. Starts a head on
# free loopback ports and two real workers, runs --tasks no-op tasks to the end
# (rayc-bench single_client_tasks_async), registers --nodes simulated nodes
# (rayc-sim-nodes, 0 CPUs each so no task lands there, reporting every second),
# then measures, with everything still running:
#   - State API and /metrics answer times (curl's time_total, --samples each:
#     median and the slowest), e.g. /api/v0/tasks?limit=100;
#   - the web UI in Chromium: time from navigation start to the Overview, Nodes
#     and Tasks pages showing real data (tools/bench/dashboard_load.mjs; needs
#     tests/browser's node_modules, installed by tools/setup-deps.sh).
# Figures go to stdout and to build/bench/dashboard.json.
#
#   tools/bench/dashboard.sh [--nodes 1000] [--tasks 100000] [--samples 20] [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
nodes=1000
tasks=100000
samples=20
build="$top/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift ;;
    --tasks) tasks=$2; shift ;;
    --samples) samples=$2; shift ;;
    --build) build=$2; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "dashboard.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
bin="$build/bin"
lib="$build/lib/librayc_testtasks.so"
for p in "$bin/rayc" "$bin/rayc-head" "$bin/rayc-sim-nodes" "$bin/rayc-bench" "$lib"; do
  [ -e "$p" ] || { echo "dashboard.sh: $p missing: build first (cmake --build build)" >&2; exit 1; }
done

tmp=$(mktemp -d)
. "$top/tools/bench/lib.sh"
port=$(free_port)
dport=$(free_port)
url="http://127.0.0.1:$dport"
simpid=""
cleanup() {
  [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null || true
  "$bin/rayc" stop --temp-dir "$tmp" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

start_cluster "$bin" "$tmp" "$port" 2 2 --dashboard-port "$dport"
echo "dashboard.sh: running $tasks tasks" >&2
"$bin/rayc-bench" --library "$lib" --address "127.0.0.1:$port" --tasks "$tasks" \
  single_client_tasks_async >"$tmp/bench.out"
echo "dashboard.sh: registering $nodes simulated nodes" >&2
"$bin/rayc-sim-nodes" --address "127.0.0.1:$port" --nodes "$nodes" --num-cpus 0 --interval-ms 1000 \
  --group sim --progress-s 0 >"$tmp/sim.out" 2>"$tmp/sim.err" &
simpid=$!
alive() { curl -s "$url/api/cluster_status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["cluster"]["nodes"]["alive"])'; }
for i in $(seq 600); do
  [ "$(alive)" -ge $((nodes + 2)) ] && break
  kill -0 "$simpid" 2>/dev/null || { echo "dashboard.sh: rayc-sim-nodes exited:" >&2; cat "$tmp/sim.err" >&2; exit 1; }
  sleep 0.1
done
[ "$(alive)" -ge $((nodes + 2)) ] || { echo "dashboard.sh: not all nodes registered in 60 s" >&2; exit 1; }

# time_total of N GETs, in ms, sorted.
times() {
  local i
  for ((i = 0; i < samples; i++)); do
    curl -s -o /dev/null -w '%{time_total}\n' "$url$1"
  done | awk '{ printf "%.2f\n", $1 * 1000 }' | sort -n
}
declare -A api
paths=(
  "/api/v0/tasks?limit=100"
  "/api/v0/tasks?limit=100&detail=true"
  "/api/v0/tasks?limit=100&filter_keys=state&filter_predicates=%3D&filter_values=FAILED"
  "/api/v0/tasks/summarize"
  "/api/v0/nodes?limit=10000&detail=true"
  "/api/cluster_status"
  "/metrics"
)
json="{\"nodes\": $nodes, \"tasks\": $tasks, \"api_ms\": {"
sep=""
printf '%-78s %10s %10s %10s\n' "request ($samples samples)" "median ms" "max ms" "bytes"
for p in "${paths[@]}"; do
  t=$(times "$p")
  med=$(echo "$t" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  max=$(echo "$t" | tail -1)
  bytes=$(curl -s "$url$p" | wc -c)
  printf '%-78s %10s %10s %10s\n' "$p" "$med" "$max" "$bytes"
  json+="$sep\"$p\": {\"median\": $med, \"max\": $max, \"bytes\": $bytes}"
  sep=", "
done
json+="}"

if [ -d "$top/tests/browser/node_modules/playwright-core" ] && [ -x /usr/bin/chromium ]; then
  load=$(node "$top/tools/bench/dashboard_load.mjs" "$url" 5)
  echo "$load" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k, v in d.items():
    s = sorted(v)
    print("%-78s %10s %10s" % ("page " + k[:-3] + " (navigation start to data shown, 5 cold loads)", s[len(s) // 2], s[-1]))
'
  json+=", \"page_ms\": $load"
else
  echo "dashboard.sh: no Chromium or playwright-core (tools/setup-deps.sh installs them): page loads not measured" >&2
fi
json+="}"
mkdir -p "$build/bench"
echo "$json" | python3 -m json.tool >"$build/bench/dashboard.json"
echo "figures: $build/bench/dashboard.json" >&2
