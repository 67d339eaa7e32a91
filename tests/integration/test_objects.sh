#!/usr/bin/env bash
# Large objects (values over 100 KiB kept in node object stores), end to end on
# loopback with real heads, workers and executors: 1 MiB / 64 MiB / 1 GiB values
# made on one node, read by a task on another and by the client, byte-exact;
# put values; 1,000 transfers of 1 MiB; spilling under a 64 MiB store; a node
# holding the only copy killed (made again, or RAYC_EOBJECT_LOST); 10,000
# put/release cycles without growth of the head's or the agent's memory.
# labels: integration
# timeout: 600
source "$(dirname "$0")/lib.sh"

# Under AddressSanitizer freed memory waits in a quarantine, which would read as
# growth in the RSS check at the end: none here (leaks are LeakSanitizer's job).
if [ "${RC_SANITIZE:-}" = address ]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
fi
export RAY_health_check_period_ms=300
export RAY_health_check_failure_threshold=3
LIB="$RC_BUILD/lib/librayc_testtasks.so"
DRV="$RC_BUILD/tests/rayc-objects-driver"
GiB=1073741824
t_start_head
ADDR="127.0.0.1:$HEAD_PORT"
t_start_worker --num-cpus 2 --object-store-memory $((3 * GiB)) --node-name obj-a
t_start_worker --num-cpus 2 --object-store-memory $((3 * GiB)) --node-name obj-b
t_start_worker --num-cpus 1 --object-store-memory $((64 << 20)) --node-name obj-small \
  --storage "$T_DIR/storage"

node_field() { # node_field NAME FIELD
  "$RAYC" list nodes --address "$DASH_URL" --format json --detail |
    t_json "[n for n in d if n['node_name'] == '$1' and n['state'] == 'ALIVE'][0]['$2']"
}
A=$(node_field obj-a node_id)
B=$(node_field obj-b node_id)
S=$(node_field obj-small node_id)
t_check "workers report an object port" "1" \
  "$("$RAYC" list nodes --address "$DASH_URL" --format json --detail | t_json 'int(all(n["object_port"] > 0 for n in d))')"

run() { # run NAME ARGS...: the driver's output kept, its verdict checked
  local name=$1 rc=0
  shift
  "$DRV" "$ADDR" "$LIB" "$@" >"$T_DIR/$name.out" 2>&1 || rc=$?
  cat "$T_DIR/$name.out"
  t_check "$name" 0 "$rc"
}

run pass-1MiB "$A" "$B" pass $((1 << 20))
run pass-64MiB "$A" "$B" pass $((64 << 20))
run pass-1GiB "$A" "$B" pass $GiB
RAY_NODE_ID=$A run put-64MiB "$A" "$B" put $((64 << 20))
run many-1000x1MiB "$A" "$B" many 1000 $((1 << 20))

# rayc status and the State API show the store: object_store_memory in use.
status=$("$RAYC" status --address "$ADDR" 2>&1 || true)
t_match "rayc status shows object_store_memory" 'object_store_memory' "$status"

# 8 × 16 MiB put into a 64 MiB store: only possible by spilling to
# <storage>/spill/<node id>, and every value reads back (restored).
RAY_NODE_ID=$S run spill-8x16MiB "$S" "$S" spill 8 $((16 << 20))
slog=$(grep -l "node_id=$S" "$T_DIR"/logs/rayc-worker-*.log | head -1)
t_check "the small store spilled and restored" 1 \
  "$(grep -q "spilled object" "$slog" && grep -q "restored object" "$slog" && echo 1 || echo 0)"
t_check "spill files in <storage>/spill/<node id>" 1 \
  "$(grep -q "path=$T_DIR/storage/spill/$S/" "$slog" && echo 1 || echo 0)"
# Released values are deleted by the holder, spill files too (frees are asynchronous).
spill_files() { find "$T_DIR/storage/spill" -type f | wc -l; }
t_wait_for 10 sh -c "[ \$(find '$T_DIR/storage/spill' -type f | wc -l) -eq 0 ]" || true
t_check "spill files removed once released" 0 "$(spill_files)"

# More than the 64 MiB store can hold: a clear error at once, not a hang.
RAY_NODE_ID=$S run toobig-100MiB "$S" "$S" toobig $((100 << 20))
t_match "the error names the store" "cannot be kept in the object store.*capacity|object store" \
  "$(cat "$T_DIR/toobig-100MiB.out")"

# A node with the only copy killed: a retryable task makes it again elsewhere,
# a non-retryable one's value is lost with a clear error.
for retries in 2 0; do
  name="lost-r$retries"
  t_start_worker --num-cpus 1 --object-store-memory $((256 << 20)) --node-name "$name"
  V=$(node_field "$name" node_id)
  VPID=$(node_field "$name" pid)
  coproc DRVP { "$DRV" "$ADDR" "$LIB" "$V" "$B" lost "$retries" 2>&1; }
  drv_pid=$DRVP_PID
  T_PIDS+=("$drv_pid")
  read -r -t 120 line <&"${DRVP[0]}" || line=""
  t_check "$name: value made before the kill" "READY" "$line"
  kill -9 "$VPID"
  t_wait_for 30 sh -c "\"$RAYC\" list nodes --address \"$DASH_URL\" --format json --detail | grep -q '\"node_name\": \"$name\".*DEAD\\|DEAD.*\"node_name\": \"$name\"' || redis-cli -p $HEAD_PORT NODE.GET $V JSON | grep -q DEAD"
  echo go >&"${DRVP[1]}"
  out=$(cat <&"${DRVP[0]}")
  wait "$drv_pid" && rc=0 || rc=$?
  echo "$out"
  t_check "$name: driver verdict" 0 "$rc"
done

# 10,000 put/release cycles of 200 KiB: head and agent memory stay flat.
HEAD_PID=$(pgrep -f "rayc-head.*--port $HEAD_PORT" | head -1)
APID=$(node_field obj-a pid)
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
RAY_NODE_ID=$A run churn-warmup "$A" "$B" churn 1000 $((200 << 10))
h0=$(rss "$HEAD_PID")
a0=$(rss "$APID")
RAY_NODE_ID=$A run churn-10000 "$A" "$B" churn 10000 $((200 << 10))
sleep 1
h1=$(rss "$HEAD_PID")
a1=$(rss "$APID")
echo "RSS head ${h0} -> ${h1} KiB, agent ${a0} -> ${a1} KiB"
t_check "head RSS flat over 10,000 cycles (< 8 MiB growth)" 1 "$(( h1 - h0 < 8192 ))"
t_check "agent RSS flat over 10,000 cycles (< 8 MiB growth)" 1 "$(( a1 - a0 < 8192 ))"
objs=$(redis-cli -p "$HEAD_PORT" TASK.STATS | t_json 'd["objects"]')
t_check "no object left on the head after release" 0 "$objs"

# A job's driver that never releases its values: the job's end frees them, on
# the head and in the holder's store.
"$RAYC" job submit --address "$DASH_URL" --submission-id keep-job -- \
  "$DRV" "$ADDR" "$LIB" "$A" "$B" keep 3 $((1 << 20)) >"$T_DIR/keep.out" 2>&1 && rc=0 || rc=$?
t_check "keep job succeeds" 0 "$rc"
t_match "keep job put its values" "ok keep: 3 values" "$(cat "$T_DIR/keep.out")"
t_wait_for 10 sh -c "redis-cli -p $HEAD_PORT TASK.STATS | grep -q '\"objects\":0'" || true
t_check "the ended job's values are released" 0 \
  "$(redis-cli -p "$HEAD_PORT" TASK.STATS | t_json 'd["objects"]')"
t_done
