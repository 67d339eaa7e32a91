#!/usr/bin/env bash
# --gcs-storage redis://: the internal KV is written through to a real
# redis-server, and a head restarted on the same backend comes back with it.
# labels: integration
# timeout: 120
source "$(dirname "$0")/lib.sh"

t_start_redis --requirepass backendpw
t_start_head --gcs-storage "redis://:backendpw@127.0.0.1:$REDIS_PORT/2"
r() { redis-cli -p "$HEAD_PORT" "$@" 2>&1; }
t_check "KV.PUT" "1" "$(r KV.PUT jobs job1 running)"
t_check "KV.PUT binary-ish" "1" "$(r KV.PUT 'ns with space' 'key:with:colons' 'v a l')"
t_check "KV.PUT then DEL" "1" "$(r KV.PUT jobs gone x)"
t_check "KV.DEL" "1" "$(r KV.DEL jobs gone)"
t_match "INFO gcs shows the backend" "gcs_storage:redis://127.0.0.1:$REDIS_PORT/2" "$(r INFO gcs)"
t_check "backend has the table" "2" "$(redis-cli -p "$REDIS_PORT" -a backendpw --no-auth-warning -n 2 HLEN rayc:default:kv)"

"$RAYC" stop --temp-dir "$T_DIR" >/dev/null
t_check "head is down" "fail" "$( (exec 3<>/dev/tcp/127.0.0.1/$HEAD_PORT) 2>/dev/null && echo up || echo fail)"
"$RAYC" start --head --include-dashboard=false --port "$HEAD_PORT" --ray-client-server-port 0 --temp-dir "$T_DIR" \
  --bind-host 127.0.0.1 --gcs-storage "redis://:backendpw@127.0.0.1:$REDIS_PORT/2" >/dev/null
t_check "KV survived the restart" "running" "$(r KV.GET jobs job1)"
t_check "second key survived" "v a l" "$(r KV.GET 'ns with space' 'key:with:colons')"
t_check "deleted key stayed deleted" "0" "$(r KV.EXISTS jobs gone)"

# bad backends are refused at start with a clear message
out=$("$RAYC" start --head --include-dashboard=false --port "$(t_free_port)" --ray-client-server-port 0 --temp-dir "$T_DIR/b" \
  --gcs-storage "redis://127.0.0.1:1/0" 2>&1) && rc=0 || rc=$?
t_check "unreachable backend exit code" "1" "$rc"
t_match "unreachable backend message" "127.0.0.1:1" "$out"
out=$("$RAYC" start --head --include-dashboard=false --port "$(t_free_port)" --ray-client-server-port 0 --temp-dir "$T_DIR/b" \
  --gcs-storage "mysql://x" 2>&1) && rc=0 || rc=$?
t_check "bad scheme exit code" "1" "$rc"
t_match "bad scheme message" "mysql" "$out"
"$RAYC" stop --temp-dir "$T_DIR/b" >/dev/null 2>&1 || true
t_done
