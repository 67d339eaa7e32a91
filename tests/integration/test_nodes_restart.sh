#!/usr/bin/env bash
# GCS fault tolerance: a head on an external redis-server is killed and started
# again; the surviving workers reconnect and are ALIVE with the same ids.
# labels: integration;fault
# timeout: 180
source "$(dirname "$0")/lib.sh"

t_start_redis
STORAGE="redis://127.0.0.1:$REDIS_PORT"
t_start_head --gcs-storage "$STORAGE"
t_start_worker --num-cpus 1 --group a
t_start_worker --num-cpus 1 --group b
L() { "$RAYC" list nodes --address "$DASH_URL" --format json 2>/dev/null; }
before=$(L | t_json '" ".join(sorted(n["node_id"] for n in d))')
t_check "two workers" "2" "$(echo "$before" | wc -w)"

head_pid=$(basename "$(ls "$T_DIR"/pids/rayc-head-*.pid)" .pid | sed 's/rayc-head-//')
kill -9 "$head_pid"
rm -f "$T_DIR/pids/rayc-head-$head_pid.pid"
sleep 2
"$RAYC" start --head --dashboard-port "$DASH_PORT" --port "$HEAD_PORT" --ray-client-server-port 0 --temp-dir "$T_DIR" \
  --bind-host 127.0.0.1 --gcs-storage "$STORAGE" >/dev/null
both_alive() {
  [ "$(L | t_json '" ".join(sorted(n["node_id"] for n in d if n["state"] == "ALIVE"))')" = "$before" ]
}
start=$(date +%s)
t_wait_for 60 both_alive || true
t_check "same nodes ALIVE after the head restart" "$before" \
  "$(L | t_json '" ".join(sorted(n["node_id"] for n in d if n["state"] == "ALIVE"))')"
echo "reconnected within $(($(date +%s) - start)) s"
t_check "no duplicates" "2" "$(L | t_json 'len(d)')"
t_done
