#!/usr/bin/env bash
# `rayc list` and `rayc summary tasks` against a real head (a head and two
# workers that ran tasks and a job), and the dashboard's State API under them
# with curl: the envelope, limit bounds, = and != filters, detail fields, the
# 400 and 404 answers, and the CLI's exit codes and messages.
# labels: integration
# timeout: 180
source "$(dirname "$0")/lib.sh"

t_start_head
t_start_worker --num-cpus 2
t_start_worker --num-cpus 2
LIB="$RC_BUILD/lib/librayc_testtasks.so"
drv() { "$RC_BUILD/tests/rayc-test-driver" "127.0.0.1:$HEAD_PORT" "$LIB" "$@"; }
out=$(drv echo 20 2>&1) && rc=0 || rc=$?
t_check "20 echo tasks ran" "0" "$rc"
out=$(drv fail 2>&1) && rc=0 || rc=$? # one "fail", one "no_such_function": both FAILED
t_check "2 failing tasks ran" "0" "$rc"
A=(--address "$DASH_URL")
list() { "$RAYC" list "$@" "${A[@]}"; }

# --- rayc list ---
out=$(list tasks --filter state=FINISHED --limit 5 --format json 2>"$T_DIR/err") && rc=0 || rc=$?
t_check "list tasks exit" "0" "$rc"
t_check "5 rows" "5" "$(echo "$out" | t_json 'len(d)')"
t_check "all FINISHED" "FINISHED" "$(echo "$out" | t_json '"".join(sorted(set(r["state"] for r in d)))')"
t_check "rows are echo tasks" "echo" "$(echo "$out" | t_json '"".join(sorted(set(r["name"] for r in d)))')"
t_match "cut by the limit: said on stderr" "showing 5 of 20 tasks.*--limit" "$(cat "$T_DIR/err")"
t_check "state filter ignores case" "2" "$(list tasks --filter state=failed --format json | t_json 'len(d)')"
t_check "!= filter" "fail no_such_function" \
  "$(list tasks --filter 'state!=FINISHED' --format json | t_json '" ".join(sorted(r["name"] for r in d))')"
t_check "two filters: all must hold" "1" \
  "$(list tasks --filter 'state!=FINISHED' --filter name=fail --format json | t_json 'len(d)')"
table=$(list tasks --filter name=fail)
t_match "table banner" "^======== List: [0-9-]+ [0-9:]+ ========"$'\n'"Stats:" "$table"
t_match "table total" "Total: 1"$'\n' "$table"
t_match "table columns" "TASK_ID +ATTEMPT_NUMBER +NAME +STATE +JOB_ID +NODE_ID +WORKER_PID +ERROR_TYPE" "$table"
t_match "table row" "[0-9a-f]{32} +0 +fail +FAILED +[0-9a-f]{32} +[0-9]+ +TASK_EXECUTION_EXCEPTION" "$table"
t_match "--detail adds the error message" "boom: disk on fire" "$(list tasks --filter name=fail --detail)"
t_check "--detail json has detail fields" "True True" \
  "$(list tasks --filter name=fail --detail --format json | t_json '"error_message" in d[0] and "required_resources" in d[0], "start_time_ms" in d[0]' | tr -d '(),')"
t_match "yaml" "^- task_id: \"?[0-9a-f]{32}\"?"$'\n'"  attempt_number: 0"$'\n'"  name: fail" \
  "$(list tasks --filter name=fail --format yaml)"

nodes=$(list nodes --format json)
t_check "2 nodes ALIVE" "ALIVE ALIVE" "$(echo "$nodes" | t_json '" ".join(n["state"] for n in d)')"
t_check "node rows without --detail have no pid" "False" "$(echo "$nodes" | t_json '"pid" in d[0]')"
t_check "nodes --detail have pids" "2" "$(list nodes --detail --format json | t_json 'sum(1 for n in d if n["pid"] > 0)')"
t_match "nodes table" "NODE_ID +NODE_IP +IS_HEAD_NODE +STATE +GROUP +CPU +MEMORY"$'\n'"[0-9a-f]{32} +127\.0\.0\.1 +false +ALIVE +default +2/2 " \
  "$(list nodes)"

# Executors' counters come with each node's next report (every second).
done22() { [ "$(list workers --format json | t_json 'sum(w["tasks_done"] for w in d)')" = 22 ]; }
t_wait_for 10 done22 || true
workers=$(list workers --format json)
t_check "workers are alive" "True" "$(echo "$workers" | t_json 'len(d) >= 2 and all(w["is_alive"] for w in d)')"
t_check "workers on both nodes" "2" "$(echo "$workers" | t_json 'len(set(w["node_id"] for w in d))')"
t_check "worker tasks_done add up" "22" "$(echo "$workers" | t_json 'sum(w["tasks_done"] for w in d)')"
alive=0
for pid in $(echo "$workers" | t_json '" ".join(str(w["pid"]) for w in d)'); do
  t_alive "$pid" && alive=$((alive + 1))
done
t_check "every worker pid is a running process" "$(echo "$workers" | t_json 'len(d)')" "$alive"

t_match "objects" "OBJECT_ID +OBJECT_SIZE +TASK_STATUS +REFERENCE_TYPE" "$(list objects)"

out=$("$RAYC" job submit "${A[@]}" --submission-id listed -- 'echo from a job' 2>&1) && rc=0 || rc=$?
t_check "job submit" "0" "$rc"
jobs=$(list jobs --format json)
t_check "list jobs" "listed SUCCEEDED echo from a job" \
  "$(echo "$jobs" | t_json '" ".join([d[0]["submission_id"], d[0]["status"], d[0]["entrypoint"]])')"
t_match "jobs table" "JOB_ID +SUBMISSION_ID +STATUS +ENTRYPOINT.*"$'\n'"[0-9a-f]+ +listed +SUCCEEDED +echo from a job" "$(list jobs)"
t_check "RAY_ADDRESS is used" "1" "$(RAY_ADDRESS="$DASH_URL" "$RAYC" list jobs --format json | t_json 'len(d)')"

# --- rayc summary tasks ---
summary=$("$RAYC" summary tasks "${A[@]}")
t_match "summary banner" "^======== Tasks Summary: [0-9-]+ [0-9:]+ ========" "$summary"
t_match "summary totals" "total_actor_scheduled: 0"$'\n'"total_actor_tasks: 0"$'\n'"total_tasks: 22" "$summary"
t_match "summary echo" "echo +FINISHED: 20 +NORMAL_TASK" "$summary"
t_match "summary fail" "fail +FAILED: 1 +NORMAL_TASK" "$summary"
t_check "summary json counts what ran" "22 20 1 1" \
  "$("$RAYC" summary tasks "${A[@]}" --format json | t_json '" ".join(str(x) for x in [d["cluster"]["total_tasks"], d["cluster"]["summary"]["echo"]["state_counts"]["FINISHED"], d["cluster"]["summary"]["fail"]["state_counts"]["FAILED"], d["cluster"]["summary"]["no_such_function"]["state_counts"]["FAILED"]])')"

# --- errors ---
out=$(list tasks --filter state 2>&1) && rc=0 || rc=$?
t_check "filter without operator exits 2" "2" "$rc"
t_match "filter without operator says how" "bad filter 'state': no operator; write KEY=VALUE or KEY!=VALUE" "$out"
out=$(list tasks --filter colour=red 2>&1) && rc=0 || rc=$?
t_check "unknown filter key exits 2" "2" "$rc"
t_match "unknown filter key: the head's message" "cannot filter by 'colour': the keys are task_id, " "$out"
out=$(list tasks --limit 0 2>&1) && rc=0 || rc=$?
t_check "--limit 0 exits 2" "2" "$rc"
t_match "--limit 0 message" "from 1 to 10000" "$out"
out=$(list actors 2>&1) && rc=0 || rc=$?
t_check "actors exit 2" "2" "$rc"
t_match "actors message" "rayc has no actors" "$out"
out=$("$RAYC" list nodes --address "http://127.0.0.1:$(t_free_port)" 2>&1) && rc=0 || rc=$?
t_check "unreachable dashboard exits 1" "1" "$rc"
t_match "unreachable dashboard message" "cannot reach the dashboard.*rayc start --head" "$out"
out=$("$RAYC" list nodes --address "127.0.0.1:$HEAD_PORT" 2>&1) && rc=0 || rc=$?
t_check "the GCS port is not the dashboard: exit 1" "1" "$rc"
t_match "the GCS port is not the dashboard: message" "does not answer as a Ray dashboard" "$out"

# --- the State API itself ---
get() { curl -s "$DASH_URL$1"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$DASH_URL$1"; }
t_check "envelope" "True  ['num_after_truncation', 'num_filtered', 'partial_failure_warning', 'result', 'total', 'warnings']" \
  "$(get '/api/v0/tasks?limit=3' | t_json '" ".join(str(x) for x in [d["result"], d["msg"], sorted(d["data"]["result"])])')"
t_check "counts" "22 22 22 3" \
  "$(get '/api/v0/tasks?limit=3' | t_json '" ".join(str(x) for x in [d["data"]["result"]["total"], d["data"]["result"]["num_after_truncation"], d["data"]["result"]["num_filtered"], len(d["data"]["result"]["result"])])')"
t_check "content type" "application/json" "$(curl -s -o /dev/null -w '%{content_type}' "$DASH_URL/api/v0/nodes")"
for l in 0 10001 x -1; do
  t_check "limit=$l is 400" "400" "$(code "/api/v0/tasks?limit=$l")"
done
t_check "limit=0 envelope" "False limit=0: give a whole number from 1 to 10000 {}" \
  "$(get '/api/v0/tasks?limit=0' | t_json '" ".join(str(x) for x in [d["result"], d["msg"], d["data"]])')"
t_check "limit=10000 is fine" "200" "$(code '/api/v0/tasks?limit=10000')"
t_check "limit=1" "1 22" "$(get '/api/v0/tasks?limit=1' | t_json '" ".join(str(x) for x in [len(d["data"]["result"]["result"]), d["data"]["result"]["num_filtered"]])')"
F='filter_keys=state&filter_predicates=%3D&filter_values=FINISHED'
t_check "= filter" "20" "$(get "/api/v0/tasks?$F" | t_json 'd["data"]["result"]["num_filtered"]')"
NF='filter_keys=state&filter_predicates=%21%3D&filter_values=FINISHED'
t_check "!= filter" "2" "$(get "/api/v0/tasks?$NF" | t_json 'd["data"]["result"]["num_filtered"]')"
t_check "two filters" "0" "$(get "/api/v0/tasks?$NF&filter_keys=name&filter_predicates=%3D&filter_values=echo" | t_json 'd["data"]["result"]["num_filtered"]')"
t_check "unknown key is 400" "400" "$(code '/api/v0/nodes?filter_keys=colour&filter_predicates=%3D&filter_values=x')"
t_check "bad predicate is 400" "400" "$(code '/api/v0/nodes?filter_keys=state&filter_predicates=%3C&filter_values=x')"
t_check "filters in triples" "400" "$(code '/api/v0/nodes?filter_keys=state')"
t_check "no detail fields by default" "False False" \
  "$(get '/api/v0/tasks?limit=1' | t_json '"error_message" in d["data"]["result"]["result"][0], "language" in d["data"]["result"]["result"][0]' | tr -d '(),')"
t_check "detail=true adds them" "True True" \
  "$(get '/api/v0/tasks?limit=1&detail=true' | t_json '"error_message" in d["data"]["result"]["result"][0], "language" in d["data"]["result"]["result"][0]' | tr -d '(),')"
t_check "node detail has pid" "False True" \
  "$(echo "$(get '/api/v0/nodes' | t_json '"pid" in d["data"]["result"]["result"][0]') $(get '/api/v0/nodes?detail=1' | t_json '"pid" in d["data"]["result"]["result"][0]')")"
t_check "offset pages" "True" \
  "$(echo "$(get '/api/v0/tasks?limit=2' | t_json 'd["data"]["result"]["result"][1]["task_id"]') $(get '/api/v0/tasks?limit=1&offset=1' | t_json 'd["data"]["result"]["result"][0]["task_id"]')" | awk '{print ($1 == $2) ? "True" : "False"}')"
S='d["data"]["result"]["node_id_to_summary"]["cluster"]'
t_check "summarize" "22 20" \
  "$(get '/api/v0/tasks/summarize' | t_json "' '.join(str(x) for x in [$S['total_tasks'], $S['summary']['echo']['state_counts']['FINISHED']])")"
t_check "actors is 404" "404" "$(code '/api/v0/actors')"
t_match "actors 404 says what exists" "no such State API resource: use /api/v0/nodes, jobs, tasks, workers, objects" \
  "$(get '/api/v0/actors' | t_json 'd["msg"]')"
t_check "POST is 405" "405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$DASH_URL/api/v0/tasks")"
t_done
