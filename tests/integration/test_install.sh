#!/usr/bin/env bash
# `cmake --install` (what the Dockerfile runs) gives a working layout: the
# installed head serves the web UI from PREFIX/share/rayc, finds the job runner
# beside it; the installed worker finds its executor; an installed SDK program
# finds librayc.so and its task library under PREFIX/lib; and the SDK reaches
# the head by a host name in the Ray Client form (RAY_ADDRESS=ray://NAME:PORT),
# as a pod reaches ray-cluster-ray-head:10001.
# labels: integration
# timeout: 180
source "$(dirname "$0")/lib.sh"

PREFIX="$T_DIR/prefix"
out=$(cmake --install "$RC_BUILD" --prefix "$PREFIX" 2>&1) && rc=0 || rc=$?
t_check "cmake --install succeeds" "0" "$rc"
[ $rc -eq 0 ] || { echo "$out"; exit 1; }
for f in bin/rayc bin/rayc-head bin/rayc-worker bin/rayc-executor bin/rayc-job-runner \
  lib/librayc.so include/rayc.h share/rayc/dashboard/web/index.html; do
  [ -e "$PREFIX/$f" ] && t_check "installed $f" ok ok || t_check "installed $f" present missing
done

# Everything below runs the installed programs only.
RAYC="$PREFIX/bin/rayc"
t_start_head
t_match "the installed head serves the UI from the prefix" \
  "web UI served from $PREFIX/bin/../share/rayc/dashboard/web" "$(cat "$T_DIR"/logs/rayc-head.log)"
t_match "GET / answers the UI's page" "<html" "$(curl -sf "$DASH_URL/")"
t_start_worker --num-cpus 2
t_wait_for 10 sh -c "\"$RAYC\" status --address 127.0.0.1:$HEAD_PORT | grep -q '^ 1 default'"

out=$(RAY_ADDRESS="$DASH_URL" "$RAYC" job submit -- echo installed-job-ok 2>&1) && rc=0 || rc=$?
t_check "a job through the installed job runner" "0" "$rc"
t_match "the job's output" "installed-job-ok" "$out"

# Function tasks: the installed worker's executor loads the installed task library.
out=$(RAY_ADDRESS="ray://localhost:$HEAD_CLIENT_PORT" "$PREFIX/bin/rayc-example-montecarlo" \
  --tasks 8 --samples 10000 2>&1) && rc=0 || rc=$?
t_check "installed SDK program over ray://localhost (a host name)" "0" "$rc"
t_match "its result" "pi ≈ 3\.[0-9]* \(8 tasks" "$out"

out=$(RAY_ADDRESS="ray://no-such-host.invalid:$HEAD_CLIENT_PORT" "$PREFIX/bin/rayc-example-montecarlo" \
  --tasks 1 --samples 10 --timeout 5 2>&1) && rc=0 || rc=$?
t_check "an unknown host name fails" "1" "$([ $rc -ne 0 ] && echo 1 || echo 0)"
t_match "and says which address" "no-such-host.invalid" "$out"
t_done
