#!/usr/bin/env bash
# kill -9 of a worker while 10,000 tasks run: every result is delivered exactly
# once, checked by value (the head retries the dead node's tasks elsewhere).
# labels: integration;fault
# timeout: 300
source "$(dirname "$0")/lib.sh"

export RAY_health_check_period_ms=500
export RAY_health_check_failure_threshold=3
t_start_head
t_start_worker --num-cpus 2
t_start_worker --num-cpus 2
LIB="$RC_BUILD/lib/librayc_testtasks.so"
"$RC_BUILD/tests/rayc-test-driver" "127.0.0.1:$HEAD_PORT" "$LIB" killtest 10000 >"$T_DIR/kill.out" 2>&1 &
drv=$!
T_PIDS+=($drv)
t_wait_for 30 grep -q submitted "$T_DIR/kill.out"
sleep 1
victim=$("$RAYC" list nodes --address "$DASH_URL" --format json --detail | t_json 'd[0]["pid"]')
kill -9 "$victim"
wait $drv && rc=0 || rc=$?
t_check "all 10,000 results right after kill -9" "0" "$rc"
cat "$T_DIR/kill.out"
stats=$(redis-cli -p "$HEAD_PORT" TASK.STATS)
t_match "retries happened" '"retries":[1-9]' "$stats"
t_match "nothing failed" '"FAILED":0' "$stats"
t_done
