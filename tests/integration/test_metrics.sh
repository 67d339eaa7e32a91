#!/usr/bin/env bash
# GET /metrics on a real head with one worker after some tasks ran: promtool
# accepts the answer without a single lint problem, the task counts per name
# are exact, the node and its resources are there, the scheduling-latency
# histogram counted every task, and anything but GET is 405.
# labels: integration
# timeout: 120
source "$(dirname "$0")/lib.sh"

t_start_head
LIB="$RC_BUILD/lib/librayc_testtasks.so"
t_start_worker --num-cpus 2 --memory 1073741824 --resources '{"gizmo": 3}' --group metrics-g
t_wait_for 20 sh -c "curl -sf '$DASH_URL/metrics' | grep -q '^rayc_nodes{state=\"ALIVE\"'"
drv() { "$RC_BUILD/tests/rayc-test-driver" "127.0.0.1:$HEAD_PORT" "$LIB" "$@"; }
N=30
for t in "echo $N" cmd; do
  out=$(drv $t 2>&1) && rc=0 || rc=$?
  t_check "driver $t" "0" "$rc"
  [ $rc -eq 0 ] || echo "$out"
done

# A node's available resources are what its last report said: wait for the
# report sent after the last task released its CPU.
t_wait_for 20 sh -c "curl -sf '$DASH_URL/metrics' |
  grep -Eq '^rayc_node_resources_available\{[^}]*resource=\"CPU\"\} 2$'" || true
M="$T_DIR/metrics.txt"
h=$(curl -s -D - -o "$M" "$DASH_URL/metrics" | tr -d '\r')
t_match "status" '^HTTP/1.1 200' "$h"
t_match "content type" $'\n''Content-Type: text/plain; version=0.0.4; charset=utf-8'$'\n' "$h"
lint=$(promtool check metrics <"$M" 2>&1) && rc=0 || rc=$?
t_check "promtool check metrics exit" "0" "$rc"
t_check "promtool check metrics problems" "" "$lint"

# val SELECTOR: the value of the one sample whose name{labels} is SELECTOR.
val() { awk -v s="$1" 'index($0, s " ") == 1 { print substr($0, length(s) + 2) }' "$M"; }

t_check "FINISHED echo tasks" "$N" "$(val 'rayc_tasks{state="FINISHED",name="echo"}')"
t_check "FINISHED sh tasks" "1" "$(val 'rayc_tasks{state="FINISHED",name="sh"}')"
t_check "FAILED sh tasks" "1" "$(val 'rayc_tasks{state="FAILED",name="sh"}')"
t_check "FAILED missing program" "1" "$(val 'rayc_tasks{state="FAILED",name="/nonexistent/program"}')"
t_check "no RUNNING echo row" "" "$(val 'rayc_tasks{state="RUNNING",name="echo"}')"
t_check "by state FINISHED" "$((N + 1))" "$(val 'rayc_tasks_by_state{state="FINISHED"}')"
t_check "by state RUNNING (zero rows kept)" "0" "$(val 'rayc_tasks_by_state{state="RUNNING"}')"
t_check "ended FINISHED" "$((N + 1))" "$(val 'rayc_tasks_ended_total{state="FINISHED"}')"
t_check "ended FAILED" "2" "$(val 'rayc_tasks_ended_total{state="FAILED"}')"
t_check "submitted" "$((N + 3))" "$(val rayc_tasks_submitted_total)"
count=$(val rayc_task_scheduling_latency_seconds_count)
t_match "latency histogram counted every task ($count)" '^[0-9]+$' "$count"
[ "${count:-0}" -ge $((N + 3)) ] && ok=yes || ok=no
t_check "latency count >= tasks run" "yes" "$ok"
t_check "+Inf bucket = count" "$count" "$(val 'rayc_task_scheduling_latency_seconds_bucket{le="+Inf"}')"
t_check "infeasible" "0" "$(val rayc_tasks_infeasible)"

t_check "nodes ALIVE" "1" "$(val 'rayc_nodes{state="ALIVE",group="metrics-g"}')"
node=$(curl -s "$DASH_URL/api/v0/nodes" | t_json 'd["data"]["result"]["result"][0]["node_id"]')
r() { echo "rayc_node_resources_$1{node_id=\"$node\",group=\"metrics-g\",resource=\"$2\"}"; }
t_check "CPU capacity" "2" "$(val "$(r capacity CPU)")"
t_check "CPU available" "2" "$(val "$(r available CPU)")"
t_check "memory capacity (bytes)" "1073741824" "$(val "$(r capacity memory)")"
t_check "custom capacity" "3" "$(val "$(r capacity gizmo)")"
t_check "custom available" "3" "$(val "$(r available gizmo)")"

for s in PENDING RUNNING SUCCEEDED FAILED STOPPED; do
  t_check "jobs $s" "0" "$(val "rayc_jobs{status=\"$s\"}")"
done
t_match "commands counted" '^[1-9][0-9]*$' "$(val rayc_gcs_commands_total)"
t_match "connections counted" '^[1-9][0-9]*$' "$(val rayc_gcs_connections_total)"
t_match "connected clients" '^[0-9]+$' "$(val rayc_gcs_connected_clients)"
t_check "websockets" "0" "$(val rayc_dashboard_websockets)"
t_match "rss" '^[1-9][0-9]*$' "$(val rayc_head_rss_bytes)"
t_match "uptime" '^[0-9]+(\.[0-9]+)?$' "$(val rayc_head_uptime_seconds)"
t_match "build info" '^rayc_build_info\{version="[^"]+",allocator="[^"]+"\} 1$' \
  "$(grep '^rayc_build_info' "$M")"
if grep -q 'allocator="jemalloc' "$M"; then
  t_match "allocator bytes" '^[1-9][0-9]*$' "$(val 'rayc_head_memory_bytes{kind="allocated"}')"
fi

t_check "POST is 405" "405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$DASH_URL/metrics")"
t_match "405 says Allow: GET" $'\n''Allow: GET' "$(curl -s -D - -o /dev/null -X DELETE "$DASH_URL/metrics" | tr -d '\r')"
t_done
