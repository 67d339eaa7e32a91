#!/usr/bin/env bash
# `rayc job …` against a real head, as a user runs it: submit that tails the
# log live and exits with the job's outcome, --no-wait, status, logs
# (--follow), list, stop, delete, --working-dir / --runtime-env-json /
# --metadata-json / --submission-id, RAY_ADDRESS, and the clear errors
# (duplicate id, unknown id, unreachable dashboard).
# labels: integration
# timeout: 180
source "$(dirname "$0")/lib.sh"

t_start_head
job() { "$RAYC" job "$@"; }
A=(--address "$DASH_URL")

out=$(job submit "${A[@]}" --submission-id ok -- 'echo first line; sleep 0.5; echo second line' 2>&1) && rc=0 || rc=$?
t_check "submit of a succeeding job exits 0" "0" "$rc"
t_match "submit names the job" "Job 'ok' submitted successfully" "$out"
t_match "submit tails the log" "first line.*second line" "$(echo $out)"
t_match "submit ends with the status" "Job 'ok' succeeded" "$out"

out=$(job submit "${A[@]}" -- 'echo bad input >&2; exit 5' 2>&1) && rc=0 || rc=$?
t_check "submit of a failing job exits 1" "1" "$rc"
t_match "failure reported with its message" "failed.*exit code 5" "$(echo $out)"

mkdir -p "$T_DIR/storage/app" && echo 'echo "$WHO in $(basename "$(pwd)") meta"' >"$T_DIR/storage/app/go.sh"
out=$(job submit "${A[@]}" --working-dir "$T_DIR/storage/app" --runtime-env-json '{"env_vars":{"WHO":"alice"}}' \
  --metadata-json '{"team":"synth"}' --submission-id wd -- sh go.sh 2>&1) && rc=0 || rc=$?
t_check "working dir + env exit" "0" "$rc"
t_match "working dir + env output" "alice in app meta" "$out"
t_check "metadata stored" "synth" "$(curl -s "$DASH_URL/api/jobs/wd" | t_json 'd["metadata"]["team"]')"

out=$(job submit "${A[@]}" --submission-id ok -- true 2>&1) && rc=0 || rc=$?
t_check "duplicate id exits 1" "1" "$rc"
t_match "duplicate id message" "already exists" "$out"
out=$(job submit "${A[@]}" --runtime-env-json '{bad' -- true 2>&1) && rc=0 || rc=$?
t_match "bad --runtime-env-json named" "runtime-env-json" "$out"

# --no-wait, then status / logs --follow / stop / delete; RAY_ADDRESS instead of --address
export RAY_ADDRESS="$DASH_URL"
out=$(job submit --no-wait --submission-id long -- 'echo working; sleep 300' 2>&1) && rc=0 || rc=$?
t_check "--no-wait returns at once" "0" "$rc"
t_wait_for 20 grep -q working "$T_DIR/storage/jobs/long/driver.log"
t_match "status RUNNING" "Status for job 'long': RUNNING" "$(job status long 2>&1)"
t_check "logs" "working" "$(job logs long 2>&1)"
out=$(job delete long 2>&1) && rc=0 || rc=$?
t_check "delete of a running job exits 1" "1" "$rc"
t_match "delete says why" "non-terminal" "$out"
(timeout 30 "$RAYC" job logs long --follow >"$T_DIR/follow.out" 2>&1; echo $? >"$T_DIR/follow.rc") &
sleep 0.5
out=$(job stop long 2>&1) && rc=0 || rc=$?
t_check "stop exits 0" "0" "$rc"
t_match "stop reports" "Job 'long' was stopped" "$out"
t_wait_for 20 test -s "$T_DIR/follow.rc"
t_check "logs --follow ends when the job ends" "0" "$(cat "$T_DIR/follow.rc")"
t_check "logs --follow printed the log" "working" "$(cat "$T_DIR/follow.out")"
t_match "status STOPPED" "STOPPED" "$(job status long 2>&1)"
list=$(job list 2>&1)
t_match "list shows the stopped job" "long +[0-9a-f]{8} +STOPPED" "$list"
t_match "list shows the succeeded job" "ok +[0-9a-f]{8} +SUCCEEDED" "$list"
t_check "list --format json" "4" "$(job list --format json | t_json 'len(d)')"
t_match "delete" "Job 'long' deleted successfully" "$(job delete long 2>&1)"
out=$(job status long 2>&1) && rc=0 || rc=$?
t_check "unknown id exits 1" "1" "$rc"
t_match "unknown id message" "long does not exist" "$out"
unset RAY_ADDRESS

out=$(job list --address "http://127.0.0.1:$(t_free_port)" 2>&1) && rc=0 || rc=$?
t_check "unreachable dashboard exits 1" "1" "$rc"
t_match "unreachable dashboard message" "cannot reach the dashboard.*rayc start --head" "$out"
t_done
