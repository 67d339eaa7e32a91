#!/usr/bin/env bash
# Installs what is missing, builds, and starts a local rayc cluster: a head on
# the usual ports (GCS 6379, client 10001) and two worker nodes in two groups;
# shows `rayc status`, talks to the GCS with redis-cli, and leaves the cluster
# running (`build/bin/rayc stop` ends it).
#
# Then it runs the SDK example (Monte-Carlo pi: 100 tasks fanned out over the
# workers and a reduce task over their results). Jobs and the dashboard join
# this demo as their issues land.
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
"$RAYC" stop --temp-dir "$TEMP_DIR" >/dev/null 2>&1 || true
if (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null; then
  echo "demo: port $PORT is taken by another program; stop it or run with RAYC_DEMO_PORT=<port>" >&2
  exit 1
fi

echo
echo "\$ rayc start --head --port $PORT"
"$RAYC" start --head --port "$PORT" --temp-dir "$TEMP_DIR"

echo
echo "\$ rayc start --address=127.0.0.1:$PORT --num-cpus 2 --group cpu   (twice: two worker nodes)"
"$RAYC" start --address "127.0.0.1:$PORT" --temp-dir "$TEMP_DIR" --num-cpus 2 --group cpu \
  --node-ip-address 127.0.0.1 >/dev/null
"$RAYC" start --address "127.0.0.1:$PORT" --temp-dir "$TEMP_DIR" --num-cpus 2 --group cpu-large \
  --resources '{"disk": 4}' --node-ip-address 127.0.0.1 >/dev/null

echo
echo "\$ rayc status --address 127.0.0.1:$PORT"
"$RAYC" status --address "127.0.0.1:$PORT"

echo
echo "\$ RAY_ADDRESS=127.0.0.1:$PORT build/bin/rayc-example-montecarlo --tasks 100 --samples 1000000"
RAY_ADDRESS="127.0.0.1:$PORT" "$top/build/bin/rayc-example-montecarlo" --tasks 100 --samples 1000000
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
echo "The cluster is running: head at 127.0.0.1:$PORT (client port 10001), two workers; logs in $TEMP_DIR/logs."
echo "Stop it with: $RAYC stop${RAYC_DEMO_TEMP_DIR:+ --temp-dir $TEMP_DIR}"
