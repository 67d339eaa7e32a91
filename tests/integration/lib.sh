# lib.sh — helpers for integration tests (sourced). Each test gets its own temp
# dir and free loopback ports, starts real binaries, and stops them on exit.
set -euo pipefail

: "${RC_BIN:?RC_BIN must point at build/bin (set by CTest)}"
RAYC="$RC_BIN/rayc"
T_DIR=$(mktemp -d /tmp/rayc-test.XXXXXX)
T_PIDS=()
T_FAILS=0
T_PASSES=0

t_cleanup() {
  local rc=$?
  "$RAYC" stop --temp-dir "$T_DIR" --grace-period 5 >/dev/null 2>&1 || true
  for p in "${T_PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  if [ $rc -ne 0 ] || [ $T_FAILS -ne 0 ]; then
    echo "--- logs under $T_DIR/logs:"
    for f in "$T_DIR"/logs/*.log; do [ -f "$f" ] && { echo "== $f"; tail -30 "$f"; }; done
  fi
  rm -rf "$T_DIR"
}
trap t_cleanup EXIT

# Prints a free TCP port on 127.0.0.1 (the kernel picks it).
t_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits until HOST:PORT accepts TCP connections, up to $2 seconds (default 10).
t_wait_port() {
  local port=$1 secs=${2:-10} i
  for ((i = 0; i < secs * 20; i++)); do
    (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "port $port did not open within ${secs}s" >&2
  return 1
}

# Starts a head on free ports (daemonized through `rayc start --head`); sets
# HEAD_PORT and HEAD_CLIENT_PORT. Extra flags are passed through.
t_start_head() {
  HEAD_PORT=$(t_free_port)
  HEAD_CLIENT_PORT=$(t_free_port)
  DASH_PORT=$(t_free_port)
  DASH_URL="http://127.0.0.1:$DASH_PORT"
  "$RAYC" start --head --port "$HEAD_PORT" --ray-client-server-port "$HEAD_CLIENT_PORT" \
    --dashboard-port "$DASH_PORT" --temp-dir "$T_DIR" --bind-host 127.0.0.1 "$@" \
    >"$T_DIR/start.out"
}

# t_alive PID: 0 if the process runs (a zombie, whose parent has not reaped it, does not).
t_alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null | tr -d ' ') || return 1
  [ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

# Starts a redis-server on a free loopback port in the background; sets REDIS_PORT.
t_start_redis() {
  REDIS_PORT=$(t_free_port)
  mkdir -p "$T_DIR/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$T_DIR/redis" "$@" >"$T_DIR/redis/out.log" 2>&1 &
  T_PIDS+=($!)
  REDIS_PID=$!
  t_wait_port "$REDIS_PORT"
}

# t_check NAME EXPECTED ACTUAL: one assertion, reported on one line.
t_check() {
  if [ "$2" == "$3" ]; then
    T_PASSES=$((T_PASSES + 1))
  else
    T_FAILS=$((T_FAILS + 1))
    printf 'FAIL %s\n  expected: %q\n  actual:   %q\n' "$1" "$2" "$3"
  fi
}

# t_match NAME REGEX ACTUAL
t_match() {
  if [[ "$3" =~ $2 ]]; then
    T_PASSES=$((T_PASSES + 1))
  else
    T_FAILS=$((T_FAILS + 1))
    printf 'FAIL %s\n  expected to match: %s\n  actual: %q\n' "$1" "$2" "$3"
  fi
}

# Ends the test: prints the tally and exits non-zero on any failure.
t_done() {
  echo "$T_PASSES passed, $T_FAILS failed"
  [ $T_FAILS -eq 0 ]
}

# Starts a worker node against the test's head (detached, through rayc start);
# extra flags are passed through. Prints nothing; fails the test if start fails.
t_start_worker() {
  "$RAYC" start --address "127.0.0.1:$HEAD_PORT" --temp-dir "$T_DIR" --node-ip-address 127.0.0.1 \
    "$@" >>"$T_DIR/workers.out" 2>&1
}

# t_json EXPR: evaluates a Python expression over the JSON on stdin, bound to `d`.
t_json() {
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# t_wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds.
t_wait_for() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
