#!/usr/bin/env bash
# Tasks end to end through the public SDK against a real head and two workers:
# 10,000 function tasks checked by value, a chain of 100 dependent tasks,
# fan-out 1 -> 1,000 -> 1, command tasks (output, exit codes), application
# errors, put values, cancel of pending and running tasks, a nested task
# submitted from inside a task (rayc_task_client), the Monte-Carlo
# example, an infeasible task placed when a fitting worker joins, and the
# client port (ray://).
# labels: integration
# timeout: 300
source "$(dirname "$0")/lib.sh"

t_start_head
LIB="$RC_BUILD/lib/librayc_testtasks.so"
export RAYC_TESTTASKS_LIB="$LIB" # read by the nested_echo task, inherited by the executors
t_start_worker --num-cpus 2
t_start_worker --num-cpus 2
drv() { "$RC_BUILD/tests/rayc-test-driver" "127.0.0.1:$HEAD_PORT" "$LIB" "$@"; }
for t in "echo 10000" "chain 100" "fanout 1000" cmd fail put cancel nested; do
  out=$(drv $t 2>&1) && rc=0 || rc=$?
  t_check "driver $t" "0" "$rc"
  [ $rc -eq 0 ] || echo "$out"
done
out=$("$RC_BUILD/tests/rayc-test-driver" "ray://127.0.0.1:$HEAD_CLIENT_PORT" "$LIB" echo 100 2>&1) && rc=0 || rc=$?
t_check "through the client port (ray://)" "0" "$rc"

out=$(RAY_ADDRESS="127.0.0.1:$HEAD_PORT" "$RC_BIN/rayc-example-montecarlo" --tasks 50 --samples 200000 2>&1)
t_match "Monte-Carlo example" "pi ≈ 3\.1[0-9]* \(50 tasks" "$out"

# infeasible, reported, then placed when a node with the resource joins
drv needs gizmo >"$T_DIR/needs.out" 2>&1 &
needs=$!
T_PIDS+=($needs)
t_wait_for 20 grep -q submitted "$T_DIR/needs.out"
t_match "status reports the infeasible demand" "gizmo" "$("$RAYC" status --address "127.0.0.1:$HEAD_PORT")"
t_start_worker --num-cpus 1 --resources '{"gizmo": 1}'
wait $needs && rc=0 || rc=$?
t_check "infeasible task placed after the worker joined" "0" "$rc"
[ $rc -eq 0 ] || cat "$T_DIR/needs.out"
t_match "task counts" '"FINISHED":[1-9]' "$(redis-cli -p "$HEAD_PORT" TASK.STATS)"
t_match "INFO tasks" "tasks_finished:[1-9]" "$(redis-cli -p "$HEAD_PORT" INFO tasks)"
t_done
