#!/usr/bin/env bash
# Ray's Jobs REST API on the dashboard port, driven with curl as Ray's docs do:
# a succeeding job, a failing one (exit code, FAILED message), env_vars and
# working_dir, a job whose driver uses the SDK to run tasks on two workers,
# stop of a job with children (none survive), delete rules, the log tail over
# a WebSocket, every bad request answered 4xx with a message, and a head
# restart (SIGKILL) that keeps the job list and logs and fails the job that
# was running.
# labels: integration
# timeout: 240
source "$(dirname "$0")/lib.sh"

t_start_head
t_start_worker --num-cpus 2
t_start_worker --num-cpus 2
U="$DASH_URL"
post() { curl -s -X POST -H 'Content-Type: application/json' "$U$1" -d "$2"; }
# code METHOD PATH [BODY]: the HTTP status, body in $T_DIR/body
code() {
  if [ $# -ge 3 ]; then
    curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$1" "$U$2" --data-binary "$3"
  else
    curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$1" "$U$2"
  fi
}
status() { curl -s "$U/api/jobs/$1" | t_json 'd["status"]'; }
finished() { [[ "$(status "$1")" =~ ^(SUCCEEDED|FAILED|STOPPED)$ ]]; }

# version
v=$(curl -s "$U/api/version")
t_check "version fields" "True" "$(echo "$v" | t_json 'set(d) >= {"version","ray_version","ray_commit"}')"

# a succeeding job, with metadata, as Ray's REST example submits it
r=$(post /api/jobs/ '{"entrypoint":"echo hello world","runtime_env":{},"job_id":null,"metadata":{"job_submission_id":"123"}}')
sid=$(echo "$r" | t_json 'd["submission_id"]')
t_check "submit answers job_id = submission_id" "$sid" "$(echo "$r" | t_json 'd["job_id"]')"
t_match "generated submission id" '^raysubmit_[A-Za-z0-9]{16}$' "$sid"
t_wait_for 20 finished "$sid"
d=$(curl -s "$U/api/jobs/$sid")
t_check "JobDetails fields" "[]" "$(echo "$d" | t_json 'sorted({"type","job_id","submission_id","driver_info","status","entrypoint","message","error_type","start_time","end_time","metadata","runtime_env","driver_agent_http_address","driver_node_id","driver_exit_code","entrypoint_num_cpus","entrypoint_num_gpus","entrypoint_memory","entrypoint_resources"} - set(d))')"
t_check "succeeded" "SUCCEEDED 0 SUBMISSION 123" "$(echo "$d" | t_json '" ".join([d["status"], str(d["driver_exit_code"]), d["type"], d["metadata"]["job_submission_id"]])')"
t_check "times in ms" "True" "$(echo "$d" | t_json 'd["start_time"] > 1.6e12 and d["end_time"] >= d["start_time"]')"
jid=$(echo "$d" | t_json 'd["job_id"]')
t_match "job id is Ray's hex" '^[0-9a-f]{8}$' "$jid"
t_check "logs" "hello world" "$(curl -s "$U/api/jobs/$sid/logs" | t_json 'd["logs"].strip()')"
t_check "found by job id" "$sid" "$(curl -s "$U/api/jobs/$jid" | t_json 'd["submission_id"]')"

# a failing job
post /api/jobs/ '{"entrypoint":"echo about to fail; exit 3","submission_id":"fails"}' >/dev/null
t_wait_for 20 finished fails
d=$(curl -s "$U/api/jobs/fails")
t_check "failed" "FAILED 3" "$(echo "$d" | t_json 'd["status"] + " " + str(d["driver_exit_code"])')"
t_match "failure message" "exit code 3.*about to fail" "$(echo "$d" | t_json 'd["message"]')"

# env_vars and working_dir (a directory on the shared volume)
mkdir -p "$T_DIR/storage/code" && echo 'echo "script says $GREETING from $(pwd)"' >"$T_DIR/storage/code/run.sh"
post /api/jobs/ "{\"entrypoint\":\"sh run.sh\",\"submission_id\":\"envwd\",\"runtime_env\":{\"working_dir\":\"$T_DIR/storage/code\",\"env_vars\":{\"GREETING\":\"bonjour\"}}}" >/dev/null
t_wait_for 20 finished envwd
t_check "env_vars and working_dir" "script says bonjour from $T_DIR/storage/code" "$(curl -s "$U/api/jobs/envwd/logs" | t_json 'd["logs"].strip()')"

# working_dir as a URL of a .zip (served from loopback)
mkdir -p "$T_DIR/zsrc/proj" && echo 'echo "zipped $1"' >"$T_DIR/zsrc/proj/main.sh"
(cd "$T_DIR/zsrc" && python3 -c 'import shutil; shutil.make_archive("../www/proj", "zip", ".")')
WPORT=$(t_free_port)
(cd "$T_DIR/www" && exec python3 -m http.server "$WPORT" --bind 127.0.0.1 >/dev/null 2>&1) &
T_PIDS+=($!)
t_wait_port "$WPORT"
post /api/jobs/ "{\"entrypoint\":\"sh main.sh ok\",\"submission_id\":\"zipwd\",\"runtime_env\":{\"working_dir\":\"http://127.0.0.1:$WPORT/proj.zip\"}}" >/dev/null
t_wait_for 30 finished zipwd
t_check "working_dir from a .zip URL" "SUCCEEDED zipped ok" "$(status zipwd) $(curl -s "$U/api/jobs/zipwd/logs" | t_json 'd["logs"].strip()')"
post /api/jobs/ "{\"entrypoint\":\"true\",\"submission_id\":\"zip404\",\"runtime_env\":{\"working_dir\":\"http://127.0.0.1:$WPORT/missing.zip\"}}" >/dev/null
t_wait_for 30 finished zip404
t_match "missing .zip fails with a message" "FAILED.*HTTP status 404" "$(curl -s "$U/api/jobs/zip404" | t_json 'd["status"] + " " + d["message"]')"

# a driver that uses the SDK (RAY_ADDRESS is set for it) to run tasks on the workers
post /api/jobs/ "{\"entrypoint\":\"$RC_BIN/rayc-example-montecarlo --tasks 20 --samples 100000\",\"submission_id\":\"sdk\"}" >/dev/null
t_wait_for 60 finished sdk
t_check "SDK job" "SUCCEEDED" "$(status sdk)"
t_match "SDK job output" "pi ≈ 3\.1[0-9]* \(20 tasks" "$(curl -s "$U/api/jobs/sdk/logs" | t_json 'd["logs"]')"

# entrypoint resources: the driver runs as a task on a worker that fits, with
# the same env, working_dir and log; one that fits nowhere waits and can be stopped
post /api/jobs/ "{\"entrypoint\":\"echo on \$(cat /proc/\$PPID/comm) \$GREETING \$RAY_SUBMISSION_ID; pwd\",\"submission_id\":\"placed\",\"entrypoint_num_cpus\":1,\"runtime_env\":{\"working_dir\":\"$T_DIR/storage/code\",\"env_vars\":{\"GREETING\":\"hey\"}}}" >/dev/null
t_wait_for 30 finished placed
t_check "placed driver succeeded" "SUCCEEDED" "$(status placed)"
t_check "placed driver ran on a worker" "on rayc-worker hey placed $T_DIR/storage/code" "$(echo $(curl -s "$U/api/jobs/placed/logs" | t_json 'd["logs"]'))"
post /api/jobs/ '{"entrypoint":"echo placed fails; exit 6","submission_id":"placedfail","entrypoint_num_cpus":0.5}' >/dev/null
t_wait_for 30 finished placedfail
t_check "placed driver's exit code" "FAILED 6" "$(curl -s "$U/api/jobs/placedfail" | t_json 'd["status"] + " " + str(d["driver_exit_code"])')"
post /api/jobs/ '{"entrypoint":"echo never","submission_id":"nofit","entrypoint_resources":{"special_hw":1}}' >/dev/null
sleep 1
t_check "a driver that fits nowhere waits" "RUNNING" "$(status nofit)"
curl -s -X POST "$U/api/jobs/nofit/stop" >/dev/null
t_wait_for 15 finished nofit
t_check "and can be stopped" "STOPPED" "$(status nofit)"
post /api/jobs/ '{"entrypoint":"sleep 300 & sleep 300 & echo started; wait","submission_id":"placedstop","entrypoint_num_cpus":1}' >/dev/null
t_wait_for 20 grep -q started "$T_DIR/storage/jobs/placedstop/driver.log"
curl -s -X POST "$U/api/jobs/placedstop/stop" >/dev/null
t_wait_for 15 finished placedstop
t_check "placed driver stopped" "STOPPED" "$(status placedstop)"
sleep 0.3
t_check "no process of the placed job survives" "" "$(pgrep -f 'sleep 300' -u "$(id -u)" | while read -r p; do tr '\0' ' ' </proc/$p/environ 2>/dev/null | grep -q 'RAY_SUBMISSION_ID=placedstop' && echo $p; done)"

# log tail over a WebSocket while the job runs: lines arrive live, then close 1000
post /api/jobs/ '{"entrypoint":"for i in 1 2 3; do echo tick $i; sleep 0.5; done","submission_id":"tail"}' >/dev/null
out=$(timeout 30 python3 "$RC_SRC/tests/integration/ws_tail.py" "ws://127.0.0.1:$DASH_PORT/api/jobs/tail/logs/tail") && rc=0 || rc=$?
t_check "tail closes with 1000" "0" "$rc"
t_check "tail content" "tick 1 tick 2 tick 3" "$(echo $out)"
t_check "tail of a finished job" "tick 1 tick 2 tick 3" "$(echo $(timeout 10 python3 "$RC_SRC/tests/integration/ws_tail.py" "ws://127.0.0.1:$DASH_PORT/api/jobs/tail/logs/tail"))"
t_check "tail without Upgrade" "400" "$(code GET /api/jobs/tail/logs/tail)"

# stop a job with children: none survive
post /api/jobs/ '{"entrypoint":"sleep 300 & sleep 300 & echo started; wait","submission_id":"stopme"}' >/dev/null
t_wait_for 20 grep -q started "$T_DIR/storage/jobs/stopme/driver.log"
pgid=$(curl -s "$U/api/jobs/stopme" | t_json 'd["status"]')
t_check "running before stop" "RUNNING" "$pgid"
t_check "delete of a running job refused" "400" "$(code DELETE /api/jobs/stopme)"
t_match "delete message" "non-terminal" "$(cat "$T_DIR/body")"
t_check "stop" "True" "$(curl -s -X POST "$U/api/jobs/stopme/stop" | t_json 'd["stopped"]')"
t_wait_for 10 finished stopme
t_check "stopped" "STOPPED" "$(status stopme)"
sleep 0.3
t_check "no process of the job survives" "" "$(pgrep -f 'sleep 300' -u "$(id -u)" | while read -r p; do tr '\0' ' ' </proc/$p/environ 2>/dev/null | grep -q 'RAY_SUBMISSION_ID=stopme' && echo $p; done)"
t_check "stop of a finished job" "False" "$(curl -s -X POST "$U/api/jobs/stopme/stop" | t_json 'd["stopped"]')"
t_check "delete finished" "True" "$(curl -s -X DELETE "$U/api/jobs/stopme" | t_json 'd["deleted"]')"
t_check "deleted job is gone" "404" "$(code GET /api/jobs/stopme)"
t_check "its directory too" "no" "$([ -e "$T_DIR/storage/jobs/stopme" ] && echo yes || echo no)"

# bad requests: 4xx with a message
t_check "bad JSON" "400" "$(code POST /api/jobs/ '{"entrypoint":')"
t_match "bad JSON message" "not valid JSON" "$(cat "$T_DIR/body")"
t_check "missing entrypoint" "400" "$(code POST /api/jobs/ '{"metadata":{}}')"
t_match "missing entrypoint message" "no \"entrypoint\"" "$(cat "$T_DIR/body")"
t_check "duplicate submission id" "400" "$(code POST /api/jobs/ '{"entrypoint":"true","submission_id":"fails"}')"
t_match "duplicate message" "already exists" "$(cat "$T_DIR/body")"
t_check "unknown id" "404" "$(code GET /api/jobs/nope)"
t_match "unknown id message" "nope does not exist" "$(cat "$T_DIR/body")"
t_check "unknown id logs" "404" "$(code GET /api/jobs/nope/logs)"
t_check "unknown id stop" "404" "$(code POST /api/jobs/nope/stop)"
t_check "unknown id delete" "404" "$(code DELETE /api/jobs/nope)"
t_check "unsupported runtime_env" "400" "$(code POST /api/jobs/ '{"entrypoint":"true","runtime_env":{"pip":["x"]}}')"
t_check "hostile submission id" "400" "$(code POST /api/jobs/ '{"entrypoint":"true","submission_id":"../../etc"}')"
t_check "wrong types" "400" "$(code POST /api/jobs/ '{"entrypoint":"true","entrypoint_num_cpus":"two"}')"
t_check "wrong method" "405" "$(code PUT /api/jobs/)"
head -c 2000000 /dev/zero | tr '\0' 'a' >"$T_DIR/big"
t_check "oversized body" "413" "$(curl -s -o "$T_DIR/body" -w '%{http_code}' -X POST "$U/api/jobs/" --data-binary @"$T_DIR/big")"
t_match "oversized message" "[Ll]arge|limit|bytes" "$(cat "$T_DIR/body")"
t_check "unknown path" "404" "$(code GET /api/nothing)"
t_check "healthz" "success" "$(curl -s "$U/-/healthz")"

# head restart: SIGKILL while a job runs, start again on the same storage
post /api/jobs/ '{"entrypoint":"echo before restart; sleep 300","submission_id":"orphan"}' >/dev/null
t_wait_for 20 grep -q "before restart" "$T_DIR/storage/jobs/orphan/driver.log"
opid=$(curl -s "$U/api/jobs/orphan" | t_json 'd["status"]')
njobs=$(curl -s "$U/api/jobs/" | t_json 'len(d)')
head_pid=$(basename "$(ls "$T_DIR"/pids/rayc-head-*.pid)" .pid | sed 's/rayc-head-//')
kill -9 "$head_pid"
rm -f "$T_DIR/pids/rayc-head-$head_pid.pid"
"$RAYC" start --head --port "$HEAD_PORT" --ray-client-server-port 0 --dashboard-port "$DASH_PORT" \
  --temp-dir "$T_DIR" --bind-host 127.0.0.1 >/dev/null
t_check "jobs listed after restart" "$njobs" "$(curl -s "$U/api/jobs/" | t_json 'len(d)')"
t_check "old logs served" "hello world" "$(curl -s "$U/api/jobs/$sid/logs" | t_json 'd["logs"].strip()')"
d=$(curl -s "$U/api/jobs/orphan")
t_check "running job marked FAILED" "FAILED" "$(echo "$d" | t_json 'd["status"]')"
t_match "with a message saying so" "head stopped while this job was RUNNING" "$(echo "$d" | t_json 'd["message"]')"
sleep 0.3
t_check "its driver was killed" "" "$(pgrep -f 'sleep 300' -u "$(id -u)" | while read -r p; do tr '\0' ' ' </proc/$p/environ 2>/dev/null | grep -q 'RAY_SUBMISSION_ID=orphan' && echo $p; done)"
r=$(post /api/jobs/ '{"entrypoint":"echo after","submission_id":"after"}')
t_wait_for 20 finished after
t_check "new jobs after restart" "SUCCEEDED" "$(status after)"
t_done
