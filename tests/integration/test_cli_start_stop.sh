#!/usr/bin/env bash
# `rayc start --head` and `rayc stop` as a user runs them: detached start that
# returns once the port answers, a pid file, clear errors for bad flags and a
# busy port, --block in the foreground, and stop with SIGTERM.
# labels: integration
# timeout: 120
source "$(dirname "$0")/lib.sh"

t_start_head
t_check "detached head answers" "PONG" "$(redis-cli -p "$HEAD_PORT" PING)"
t_check "one pid file" "1" "$(ls "$T_DIR"/pids/*.pid | wc -l)"
pid=$(cat "$T_DIR"/pids/*.pid)
t_check "pid file names a rayc-head" "rayc-head" "$(cat /proc/$pid/comm)"

out=$("$RAYC" start --head --include-dashboard=false --port "$HEAD_PORT" --ray-client-server-port 0 --temp-dir "$T_DIR/second" \
  --bind-host 127.0.0.1 2>&1) && rc=0 || rc=$?
t_check "busy port exit code" "1" "$rc"
t_match "busy port message" "address already in use .*rayc stop" "$out"

out=$("$RAYC" start --head --prot 1 2>&1) && rc=0 || rc=$?
t_check "unknown flag exit code" "2" "$rc"
t_match "unknown flag suggestion" "unknown flag --prot.*--port" "$out"
out=$("$RAYC" start --head --port abc 2>&1) && rc=0 || rc=$?
t_check "bad value exit code" "2" "$rc"
t_match "bad value message" "--port" "$out"
t_match "help" "--redis-password" "$("$RAYC" start --head --help)"
out=$("$RAYC" frobnicate 2>&1) && rc=0 || rc=$?
t_check "unknown command exit code" "2" "$rc"

t_match "stop" "Stopped all 1 rayc processes" "$("$RAYC" stop --temp-dir "$T_DIR")"
t_check "head gone" "0" "$(t_alive "$pid" && echo 1 || echo 0)"
t_check "pid file removed" "0" "$(ls "$T_DIR"/pids/ | wc -l)"
t_match "stop with nothing running" "Did not find any active rayc processes" "$("$RAYC" stop --temp-dir "$T_DIR")"

# --block: stays in the foreground; SIGTERM ends it cleanly (exit 0). Written
# as a chart's head.rayStartParams renders it (--KEY=VALUE), with Ray's node
# flags that the head accepts and ignores.
port=$(t_free_port)
"$RAYC" start --head --block=true --num-cpus=0 --object-store-memory=1g --include-dashboard=false --port "$port" --ray-client-server-port 0 --temp-dir "$T_DIR" \
  --bind-host 127.0.0.1 >"$T_DIR/block.out" 2>&1 &
bpid=$!
T_PIDS+=($bpid)
t_wait_port "$port"
t_check "blocking head answers" "PONG" "$(redis-cli -p "$port" PING)"
kill -TERM $bpid
wait $bpid && rc=0 || rc=$?
t_check "SIGTERM exit code" "0" "$rc"
t_match "blocking head printed the address" "rayc start --address=" "$(cat "$T_DIR/block.out")"
t_match "Ray's node flags are ignored, with the reason" "--num-cpus=0 ignored: the head runs no tasks" \
  "$(cat "$T_DIR"/logs/rayc-head.log)"
t_done
