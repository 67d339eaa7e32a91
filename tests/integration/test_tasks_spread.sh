#!/usr/bin/env bash
# RAY_SCHEDULER_SPREAD_THRESHOLD=0.0 with 4 equal workers: 400 tasks of a
# fraction of a second land roughly evenly (each node 60-140).
# labels: integration
# timeout: 300
source "$(dirname "$0")/lib.sh"

export RAY_SCHEDULER_SPREAD_THRESHOLD=0.0
t_start_head
for i in 1 2 3 4; do t_start_worker --num-cpus 2; done
out=$("$RC_BUILD/tests/rayc-test-driver" "127.0.0.1:$HEAD_PORT" "$RC_BUILD/lib/librayc_testtasks.so" spread 400 200 2>&1)
echo "$out"
t_check "four nodes used" "4" "$(echo "$out" | grep -c '^node ')"
while read -r _ id count; do
  t_check "node ${id:0:8} got 60-140 tasks ($count)" "1" "$((count >= 60 && count <= 140))"
done < <(echo "$out" | grep '^node ')
t_done
