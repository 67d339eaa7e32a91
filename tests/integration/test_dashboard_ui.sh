#!/usr/bin/env bash
# The dashboard's web UI in a real browser: a head and two workers run the
# Monte-Carlo example as a job, then tests/browser/dashboard.mjs (Chromium driven
# by playwright-core) checks what a user sees on every page against the API:
# Overview counts, resource bars and live throughput while a second job runs
# tasks; the workers on the Nodes page; the Tasks list and its filters; a job
# listed, its log streamed live and stopped from its page; an error banner. A
# screenshot of each page is saved under $RC_BIN/../artifacts/dashboard.
# labels: integration browser
# timeout: 300
source "$(dirname "$0")/lib.sh"

BROWSER_DIR="$RC_SRC/tests/browser"
ART="$RC_BIN/../artifacts/dashboard"
for need in node /usr/bin/chromium "$BROWSER_DIR/node_modules/playwright-core/package.json"; do
  if ! command -v "$need" >/dev/null 2>&1 && [ ! -e "$need" ]; then
    echo "FAIL $need is missing: run tools/setup-deps.sh (it installs Chromium, Node and the npm packages)"
    exit 1
  fi
done

# Chromium runs with its profile under $T_DIR (TMPDIR below): whatever is left
# of it when the test ends, however it ends, is found by that path and killed.
ui_cleanup() {
  local rc=$? p
  for p in $(pgrep -u "$(id -u)" -f "$T_DIR/playwright" || true); do kill -9 "$p" 2>/dev/null || true; done
  (exit $rc)
  t_cleanup
}
trap ui_cleanup EXIT

t_start_head
t_start_worker --num-cpus 2
t_start_worker --num-cpus 2
workers() { [ "$(curl -s "$DASH_URL/api/v0/nodes?limit=10000" | t_json 'sum(1 for n in d["data"]["result"]["result"] if n["state"] == "ALIVE" and not n["is_head_node"])')" = 2 ]; }
t_wait_for 20 workers || t_check "two workers ALIVE" 2 "$(curl -s "$DASH_URL/api/v0/nodes?limit=10000")"

# Tasks for the pages to show: the SDK example as a job (100 tasks and a reduce).
out=$("$RAYC" job submit --address "$DASH_URL" -- "$RC_BIN/rayc-example-montecarlo" --tasks 100 \
  --samples 100000 2>&1) || true
t_match "Monte-Carlo job succeeded" "pi ≈ 3\.1.*succeeded" "$(echo $out)"

mkdir -p "$ART"
rm -f "$ART"/*.png
rc=0
TMPDIR="$T_DIR" DASH_URL="$DASH_URL" ARTIFACTS="$ART" UI_TEST_TIMEOUT_S=200 \
  LOAD_ENTRYPOINT="$RC_BIN/rayc-example-montecarlo --tasks 400 --samples 3000000" \
  timeout -k 5 220 node "$BROWSER_DIR/dashboard.mjs" || rc=$?
t_check "browser checks (dashboard.mjs exit code)" 0 "$rc"
t_check "screenshots saved" "yes" "$([ -s "$ART/overview.png" ] && [ -s "$ART/job-log.png" ] && echo yes || echo no)"
echo "screenshots: $(cd "$ART" && ls *.png | tr '\n' ' ')in $(cd "$ART" && pwd)"
t_done
