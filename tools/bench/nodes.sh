#!/usr/bin/env bash
# The `nodes` benchmark: what N worker nodes heart-beating every interval cost
# the head. Starts a head on free loopback ports, registers N simulated nodes
# with rayc-sim-nodes (one connection each, NODE.REPORT every --interval-ms,
# varying available resources), waits until all are registered, then measures
# over --seconds:
#   - the head's CPU (utime+stime from /proc/PID/stat, % of one core),
#   - its RSS (VmRSS at the end, VmHWM the peak, and the idle RSS before the
#     nodes came, so the cost per node shows),
#   - reports/s the head actually processed (deltas of INFO nodes' node_reports,
#     or of INFO stats total_commands_processed on a head without it) against
#     what the nodes asked for,
#   - report round-trip latency and CPU as the simulator saw them (both
#     processes share this machine's cores, so a busy simulator inflates the
#     latency).
#
#   tools/bench/nodes.sh [--nodes 1000] [--interval-ms 100] [--seconds 20] [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
nodes=1000
interval=100
seconds=20
build="$top/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift ;;
    --interval-ms) interval=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --build) build=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "nodes.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
bin="$build/bin"
for p in rayc rayc-head rayc-sim-nodes; do
  [ -x "$bin/$p" ] || { echo "nodes.sh: $bin/$p missing: build first (cmake --build build)" >&2; exit 1; }
done
command -v redis-cli >/dev/null || { echo "nodes.sh: redis-cli missing: tools/setup-deps.sh" >&2; exit 1; }

tmp=$(mktemp -d)
. "$top/tools/bench/lib.sh"
port=$(free_port)
simpid=""
cleanup() {
  [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null || true
  "$bin/rayc" stop --temp-dir "$tmp" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The head needs a descriptor per node too.
start_cluster "$bin" "$tmp" "$port" 0 0 --include-dashboard=false
hpid=$(head_pid "$tmp")
[ -n "$hpid" ] && [ -d "/proc/$hpid" ] || { echo "nodes.sh: cannot find the head's pid under $tmp/pids" >&2; exit 1; }

tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; } # utime+stime after ")"
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# Reports the head processed: INFO nodes' node_reports when the head has it,
# else every command (INFO stats total_commands_processed; ours add one).
counted=node_reports
redis-cli -p "$port" INFO nodes | grep -q '^node_reports:' || counted=total_commands_processed
commands() { redis-cli -p "$port" INFO | tr -d '\r' | awk -F: -v k="$counted" '$1 == k { print $2 }'; }
now() { date +%s.%N; }

idle_rss=$(status_kib "$hpid" VmRSS)
"$bin/rayc-sim-nodes" --address "127.0.0.1:$port" --nodes "$nodes" --interval-ms "$interval" \
  --vary --progress-s 0 >"$tmp/sim.out" 2>"$tmp/sim.err" &
simpid=$!

# Wait for every node to be registered (the simulator says so), at most 60 s.
for i in $(seq 600); do
  grep -q "all $nodes nodes registered" "$tmp/sim.err" 2>/dev/null && break
  kill -0 "$simpid" 2>/dev/null || { echo "nodes.sh: rayc-sim-nodes exited early:" >&2; cat "$tmp/sim.err" >&2; exit 1; }
  sleep 0.1
done
grep -q "all $nodes nodes registered" "$tmp/sim.err" || { echo "nodes.sh: not all nodes registered in 60 s:" >&2; tail -5 "$tmp/sim.err" >&2; exit 1; }
reg_s=$(sed -n "s/.*all $nodes nodes registered in \([0-9.]*\) s.*/\1/p" "$tmp/sim.err")
sleep 1 # let the report phases spread out

t0=$(now); c0=$(cpu_ticks "$hpid"); s0=$(cpu_ticks "$simpid"); n0=$(commands)
sleep "$seconds"
t1=$(now); c1=$(cpu_ticks "$hpid"); s1=$(cpu_ticks "$simpid"); n1=$(commands)
rss=$(status_kib "$hpid" VmRSS)
hwm=$(status_kib "$hpid" VmHWM)
alive=$(redis-cli -p "$port" CLUSTER.STATUS | python3 -c 'import json,sys; print(json.load(sys.stdin)["nodes"]["alive"])')

kill -INT "$simpid"
wait "$simpid" || true
simpid=""
summary=$(grep '^summary ' "$tmp/sim.out" || true)
field() { echo "$summary" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }

awk -v nodes="$nodes" -v interval="$interval" -v secs="$seconds" -v t0="$t0" -v t1="$t1" \
    -v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" -v tck="$tck" -v n0="$n0" -v n1="$n1" -v idle="$idle_rss" \
    -v rss="$rss" -v hwm="$hwm" -v alive="$alive" -v reg="$reg_s" -v counted="$counted" \
    -v p50="$(field p50_ms)" -v p99="$(field p99_ms)" -v late="$(field late)" \
    -v errs="$(field errors)" -v unreg="$(field unregistered)" 'BEGIN {
  dt = t1 - t0
  cpu = (c1 - c0) / tck / dt * 100
  rps = (n1 - n0 - (counted == "node_reports" ? 0 : 1)) / dt
  want = nodes * 1000 / interval
  printf "%-34s %s\n", "nodes (alive at the end)", nodes " (" alive ")"
  printf "%-34s %s ms\n", "report interval", interval
  printf "%-34s %.1f s\n", "measured over", dt
  printf "%-34s %.2f s\n", "all registered within", reg
  printf "%-34s %.0f/s of %.0f/s asked (%.1f%%)\n", "reports processed by the head", rps, want, rps / want * 100
  printf "%-34s %.1f%% of one core\n", "head CPU", cpu
  printf "%-34s %.1f MiB (idle %.1f MiB, +%.1f KiB/node), peak %.1f MiB\n", "head RSS", rss / 1024, idle / 1024, (rss - idle) / nodes, hwm / 1024
  printf "%-34s p50 %s ms, p99 %s ms\n", "report round trip (simulator)", p50, p99
  printf "%-34s %.1f%% of one core; %s late, %s errors, %s unregistered at the end\n", "simulator", (s1 - s0) / tck / dt * 100, late, errs, unreg
}'
