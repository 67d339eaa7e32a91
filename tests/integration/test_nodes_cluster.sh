#!/usr/bin/env bash
# Worker nodes as a user sees them: a head and three workers in two groups are
# ALIVE with the right totals in `rayc status` and `rayc list nodes --format json`
# (the dashboard's State API);
# kill -9 of a worker makes it DEAD within period x threshold (+1 s) with a
# published event; SIGTERM drains a worker, which exits 0.
# labels: integration
# timeout: 120
source "$(dirname "$0")/lib.sh"

export RAY_health_check_period_ms=500
export RAY_health_check_failure_threshold=3
t_start_head
t_start_worker --num-cpus 2 --memory 2000000000 --object-store-memory 500000000 --group g1 \
  --resources '{"disk": 4}' --labels '{"zone": "a"}'
t_start_worker --num-cpus 2 --memory 2000000000 --object-store-memory 500000000 --group g1
t_start_worker --num-cpus 4 --num-gpus 1 --memory 4000000000 --object-store-memory 1000000000 --group g2
t_match "worker start prints its registration" "g1" "$(cat "$T_DIR/workers.out")"

L() { "$RAYC" list nodes --address "$DASH_URL" --format json --detail; }
nodes=$(L)
t_check "three nodes" "3" "$(echo "$nodes" | t_json 'len(d)')"
t_check "all ALIVE" "ALIVE ALIVE ALIVE" "$(echo "$nodes" | t_json '" ".join(n["state"] for n in d)')"
t_check "groups" "g1 g1 g2" "$(echo "$nodes" | t_json '" ".join(sorted(n["group"] for n in d))')"
t_check "CPU totals" "2 2 4" "$(echo "$nodes" | t_json '" ".join(str(int(n["resources_total"]["CPU"])) for n in sorted(d, key=lambda n: n["resources_total"]["CPU"]))')"
t_check "GPU on g2" "1" "$(echo "$nodes" | t_json '[int(n["resources_total"].get("GPU", 0)) for n in d if n["group"] == "g2"][0]')"
t_check "custom resource" "4" "$(echo "$nodes" | t_json '[int(n["resources_total"]["disk"]) for n in d if "disk" in n["resources_total"]][0]')"
t_check "labels" "a" "$(echo "$nodes" | t_json '[n["labels"]["zone"] for n in d if n["labels"]][0]')"
t_check "memory total" "2000000000" "$(echo "$nodes" | t_json '[int(n["resources_total"]["memory"]) for n in d if n["group"] == "g1"][0]')"

status=$("$RAYC" status --address "127.0.0.1:$HEAD_PORT")
t_match "status: g1 active" " 2 g1" "$status"
t_match "status: g2 active" " 1 g2" "$status"
t_match "status: CPU total" "/8.0 CPU" "$status"
t_match "status: GPU total" "/1.0 GPU" "$status"
t_check "filter by group" "2" "$("$RAYC" list nodes --address "$DASH_URL" --format json --filter group=g1 | t_json 'len(d)')"

# kill -9: DEAD within period x threshold + 1 s, and a NODE_DEAD event on the channel
redis-cli -p "$HEAD_PORT" SUBSCRIBE rayc:node_events >"$T_DIR/events.out" 2>&1 &
T_PIDS+=($!)
t_wait_for 5 bash -c "[ \"\$(redis-cli -p $HEAD_PORT PUBSUB NUMSUB rayc:node_events | tail -1)\" = 1 ]"
victim_id=$(echo "$nodes" | t_json '[n["node_id"] for n in d if n["group"] == "g2"][0]')
victim_pid=$(echo "$nodes" | t_json '[n["pid"] for n in d if n["group"] == "g2"][0]')
kill -9 "$victim_pid"
start=$(date +%s%N)
# Timed on the NODE_DEAD event (a grep every 0.1 s): polling `rayc list` costs a
# CLI and a python run per look, which on a loaded machine ate the margin.
dead_event() { grep -Eq "NODE_DEAD.*$victim_id|$victim_id.*NODE_DEAD" "$T_DIR/events.out"; }
t_wait_for 6 dead_event || true
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
t_check "killed node DEAD" "DEAD" "$(L | t_json "[n['state'] for n in d if n['node_id'] == '$victim_id'][0]")"
t_check "DEAD within 1.5 s + 1 s (took ${elapsed_ms} ms)" "1" "$((elapsed_ms <= 2500))"
t_match "death reason" "health check" "$(L | t_json "[n['state_message'] for n in d if n['node_id'] == '$victim_id'][0]")"
sleep 0.2
t_match "NODE_DEAD event published" "NODE_DEAD.*$victim_id|$victim_id.*NODE_DEAD" "$(cat "$T_DIR/events.out")"
t_match "status shows the dead node" "Dead:"$'\n'" 1 g2" "$("$RAYC" status --address "127.0.0.1:$HEAD_PORT")"

# SIGTERM: a foreground worker drains, deregisters and exits 0
"$RAYC" start --address "127.0.0.1:$HEAD_PORT" --temp-dir "$T_DIR" --node-ip-address 127.0.0.1 \
  --num-cpus 1 --group drainers --block >"$T_DIR/block.out" 2>&1 &
bpid=$!
T_PIDS+=($bpid)
t_wait_for 10 bash -c "$RAYC list nodes --address $DASH_URL --format json --filter group=drainers | grep -q ALIVE"
kill -TERM $bpid
wait $bpid && rc=0 || rc=$?
t_check "drained worker exit code" "0" "$rc"
drained=$(L | t_json '[n for n in d if n["group"] == "drainers"][0]')
t_match "drained node DEAD" "'state': 'DEAD'" "$drained"
t_match "drained reason" "drain" "$drained"

# NODE.DRAIN from the head side: the worker learns it from its next report and exits
pid1=$(L | t_json '[n["pid"] for n in d if n["group"] == "g1" and n["state"] == "ALIVE"][0]')
id1=$(L | t_json "[n['node_id'] for n in d if n['pid'] == $pid1][0]")
t_check "NODE.DRAIN" "1" "$(redis-cli -p "$HEAD_PORT" NODE.DRAIN "$id1" 2>&1)"
gone() { ! t_alive "$pid1"; }
t_wait_for 5 gone
t_check "worker drained by NODE.DRAIN exited" "0" "$(t_alive "$pid1" && echo 1 || echo 0)"
t_check "its node is DEAD" "DEAD" "$(L | t_json "[n['state'] for n in d if n['node_id'] == '$id1'][0]")"

# NODE.DRAIN, then SIGTERM while a task runs there (rayc-operator drains a node,
# then Kubernetes deletes its pod): the drain goes on, the task finishes, the
# worker unregisters and exits 0 instead of dying at the "second signal".
t_start_worker --num-cpus 1 --group g9 --resources '{"g9": 1}'
t_wait_for 10 sh -c "\"$RAYC\" list nodes --address $DASH_URL --format json | grep -q '\"group\": \"g9\"'"
id9=$(L | t_json '[n["node_id"] for n in d if n["group"] == "g9"][0]')
pid9=$(L | t_json '[n["pid"] for n in d if n["group"] == "g9"][0]')
RAY_ADDRESS="$DASH_URL" "$RAYC" job submit --submission-id drain-sigterm --entrypoint-resources '{"g9": 1}' \
  -- sleep 2 '&&' echo finished-under-drain >"$T_DIR/job9.out" 2>&1 &
job9=$!
running9() { RAY_ADDRESS="$DASH_URL" "$RAYC" job status drain-sigterm 2>/dev/null | grep -q RUNNING; }
t_wait_for 15 running9
t_check "NODE.DRAIN of the busy node" "1" "$(redis-cli -p "$HEAD_PORT" NODE.DRAIN "$id9" 2>&1)"
sleep 0.5 # its next report (at most 100 ms while changing) learns the drain
kill -TERM "$pid9"
wait $job9 && rc=0 || rc=$?
t_check "the job on the drained node succeeded" "0" "$rc"
t_match "its output" "finished-under-drain" "$(cat "$T_DIR/job9.out")"
gone9() { ! t_alive "$pid9"; }
t_wait_for 10 gone9
t_match "the worker went on draining after SIGTERM" "the drain goes on" "$(cat "$T_DIR"/logs/rayc-worker-"$pid9".log)"
t_match "and unregistered" "exiting: drained and unregistered" "$(cat "$T_DIR"/logs/rayc-worker-"$pid9".log)"
t_done
