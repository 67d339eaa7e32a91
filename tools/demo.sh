#!/usr/bin/env bash
# Installs what is missing, builds, and starts a local rayc cluster: a head on
# the usual ports (GCS 6379, client 10001, dashboard and Jobs API 8265) and two
# worker nodes in two groups; shows `rayc status`, submits the SDK example
# (Monte-Carlo pi: 100 tasks fanned out over the workers and a reduce task over
# their results) as a job with `rayc job submit`, which tails its output, talks
# to the GCS with redis-cli, submits a synthesis job (rayc-synth: fit a 20,000-row
# sample table, write a synthetic one) and prints its first lines, and leaves the
# cluster running (`build/bin/rayc stop` ends it).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

tools/setup-deps.sh
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)" >/dev/null
echo "built: $(ls "$top/build/bin" | tr '\n' ' ')"

RAYC="$top/build/bin/rayc"
TEMP_DIR=${RAYC_DEMO_TEMP_DIR:-/tmp/ray}
PORT=${RAYC_DEMO_PORT:-6379}
DASH_PORT=${RAYC_DEMO_DASHBOARD_PORT:-8265}
"$RAYC" stop --temp-dir "$TEMP_DIR" >/dev/null 2>&1 || true
for p in "$PORT:RAYC_DEMO_PORT" "$DASH_PORT:RAYC_DEMO_DASHBOARD_PORT"; do
  if (exec 3<>/dev/tcp/127.0.0.1/"${p%%:*}") 2>/dev/null; then
    echo "demo: port ${p%%:*} is taken by another program; stop it or run with ${p#*:}=<port>" >&2
    exit 1
  fi
done

echo
echo "\$ rayc start --head --port $PORT --dashboard-port $DASH_PORT"
"$RAYC" start --head --port "$PORT" --dashboard-port "$DASH_PORT" --temp-dir "$TEMP_DIR"

echo
echo "\$ rayc start --address=127.0.0.1:$PORT --num-cpus 2 --group cpu   (twice: two worker nodes)"
"$RAYC" start --address "127.0.0.1:$PORT" --temp-dir "$TEMP_DIR" --num-cpus 2 --group cpu \
  --node-ip-address 127.0.0.1 >/dev/null
"$RAYC" start --address "127.0.0.1:$PORT" --temp-dir "$TEMP_DIR" --num-cpus 2 --group cpu-large \
  --resources '{"disk": 4}' --node-ip-address 127.0.0.1 >/dev/null

echo
echo "\$ rayc status --address 127.0.0.1:$PORT"
"$RAYC" status --address "127.0.0.1:$PORT"

DASH="http://127.0.0.1:$DASH_PORT"
echo
echo "--- the SDK example, submitted as a job (the head runs it with RAY_ADDRESS set):"
echo "\$ rayc job submit --address $DASH -- build/bin/rayc-example-montecarlo --tasks 100 --samples 1000000"
"$RAYC" job submit --address "$DASH" -- "$top/build/bin/rayc-example-montecarlo" --tasks 100 \
  --samples 1000000
echo
echo "\$ rayc job list --address $DASH"
"$RAYC" job list --address "$DASH"
echo "task counts on the head: $(redis-cli -p "$PORT" TASK.STATS)"

echo
echo "--- the GCS speaks the Redis protocol:"
set -x
redis-cli -p "$PORT" PING
redis-cli -p "$PORT" KV.PUT demo greeting "hello from rayc"
redis-cli -p "$PORT" KV.GET demo greeting
redis-cli -p "$PORT" SET counter 41
redis-cli -p "$PORT" INCR counter
redis-cli -p "$PORT" INFO server | head -4
{ set +x; } 2>/dev/null

echo
echo "--- a synthesis job: learn a table's statistics on the cluster, write a synthetic table:"
SYN="$TEMP_DIR/synth"
mkdir -p "$SYN"
"$top/build/bin/rayc-synth" sample --rows 20000 --output "$SYN/people.csv" --seed 1
echo "\$ rayc job submit --address $DASH -- build/bin/rayc-synth run --input $SYN/people.csv --rows 20000 --output $SYN/synthetic.csv --model $SYN/model.bin --shard-rows 2000"
"$RAYC" job submit --address "$DASH" -- "$top/build/bin/rayc-synth" run --input "$SYN/people.csv" \
  --rows 20000 --output "$SYN/synthetic.csv" --model "$SYN/model.bin" --shard-rows 2000
echo "\$ head -n 6 $SYN/synthetic.csv"
head -n 6 "$SYN/synthetic.csv"

echo
echo "The cluster is running: head at 127.0.0.1:$PORT (client port 10001), two workers; logs in $TEMP_DIR/logs."
echo "Dashboard and Jobs API: $DASH  (job records and logs in $TEMP_DIR/storage/jobs)"
echo "Stop it with: $RAYC stop${RAYC_DEMO_TEMP_DIR:+ --temp-dir $TEMP_DIR}"
