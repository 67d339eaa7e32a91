#!/usr/bin/env bash
# bench.sh — rows/s that rayc-synth generates: single-process (--local, the
# baseline) and on a local rayc cluster with 1, 2 and 4 executor slots (one
# worker node started with --num-cpus 1, 2, 4), in one run, same model, seed,
# rows and shard size. Prints one table; the figures are end to end (tasks,
# then the driver's concatenation of the part files) plus the shard phase alone.
#
#   tools/synth/bench.sh [--build DIR] [--rows N] [--shard-rows N] [--slots "1 2 4"]
#
# Everything runs on loopback in a temporary directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build ROWS=2000000 SHARD=50000 SLOTS="1 2 4"
while [ $# -gt 0 ]; do
  case "$1" in
  --build) BUILD=$2; shift 2 ;;
  --rows) ROWS=$2; shift 2 ;;
  --shard-rows) SHARD=$2; shift 2 ;;
  --slots) SLOTS=$2; shift 2 ;;
  -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
  *) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
BIN=$(cd "$BUILD/bin" && pwd)
RAYC="$BIN/rayc" SYNTH="$BIN/rayc-synth"
W=$(mktemp -d /tmp/rayc-synth-bench.XXXXXX)
cleanup() {
  "$RAYC" stop --temp-dir "$W/ray" --grace-period 5 >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
# field NAME: that field of the JSON summary line on stdin.
field() { python3 -c 'import json,sys
for l in sys.stdin:
    if l.startswith("{\"event\":\"summary\""): print(json.loads(l)[sys.argv[1]])' "$1"; }

"$SYNTH" sample --rows 100000 --output "$W/data.csv" --seed 1 >/dev/null
"$SYNTH" fit --local --input "$W/data.csv" --model "$W/model.bin" >/dev/null
echo "rayc-synth generate: $ROWS rows, 8 columns, shards of $SHARD rows, $(nproc) cores"
printf '%-8s %5s %9s %12s %14s %9s\n' mode slots seconds rows/s "shard rows/s" "vs local"

gen() { "$SYNTH" generate --model "$W/model.bin" --rows "$ROWS" --shard-rows "$SHARD" --seed 3 \
  --output "$W/out.csv" "$@"; }
out=$(gen --local)
base=$(echo "$out" | field generate_seconds)
row() { # mode slots summary
  local s r p
  s=$(echo "$3" | field generate_seconds)
  p=$(echo "$3" | field generate_rows_per_s)
  r=$(python3 -c "print(round($ROWS / $s))")
  printf '%-8s %5s %9.2f %12d %14.0f %8.2fx\n' "$1" "$2" "$s" "$r" "$p" \
    "$(python3 -c "print($base / $s)")"
}
row local 1 "$out"
cp "$W/out.csv" "$W/local.csv"

for n in $SLOTS; do
  port=$(free_port) cport=$(free_port) dport=$(free_port)
  "$RAYC" start --head --port "$port" --ray-client-server-port "$cport" --dashboard-port "$dport" \
    --temp-dir "$W/ray" --bind-host 127.0.0.1 >/dev/null
  "$RAYC" start --address "127.0.0.1:$port" --temp-dir "$W/ray" --node-ip-address 127.0.0.1 \
    --num-cpus "$n" >/dev/null
  out=$(gen --address "127.0.0.1:$port")
  row cluster "$n" "$out"
  cmp -s "$W/out.csv" "$W/local.csv" || { echo "bench.sh: cluster output differs from --local" >&2; exit 1; }
  "$RAYC" stop --temp-dir "$W/ray" --grace-period 5 >/dev/null
done
