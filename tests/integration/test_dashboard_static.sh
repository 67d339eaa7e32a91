#!/usr/bin/env bash
# The dashboard's web UI files on a real head (--dashboard-web-dir, then
# $RAYC_DASHBOARD_WEB_DIR): types and headers, HEAD, 404/405, and no file
# outside the UI directory readable by any spelling of "..", an encoded
# slash or backslash, or a symlink (curl --path-as-is sends paths unchanged).
# A missing UI directory is a warning: the head starts and its APIs answer.
# labels: integration
# timeout: 60
source "$(dirname "$0")/lib.sh"

WEB="$T_DIR/web"
mkdir -p "$WEB/css" "$WEB/empty"
printf '<!doctype html><title>rayc</title>\n' >"$WEB/index.html"
printf 'console.log(1);\n' >"$WEB/app.js"
printf 'body{}\n' >"$WEB/css/site.css"
printf 'TOP-SECRET\n' >"$T_DIR/secret.txt"
ln -s ../secret.txt "$WEB/link-out"
ln -s app.js "$WEB/link-in.js"

t_start_head --dashboard-web-dir "$WEB"
U="$DASH_URL"
# get PATH [curl args...]: "status content-type" on stdout, body in $T_DIR/body
get() {
  local p=$1
  shift
  curl -s --path-as-is -o "$T_DIR/body" -w '%{http_code} %{content_type}' "$@" "$U$p"
}

t_check "index at /" "200 text/html; charset=utf-8" "$(get /)"
t_check "index body" "<!doctype html><title>rayc</title>" "$(cat "$T_DIR/body")"
t_check "js" "200 text/javascript; charset=utf-8" "$(get /app.js)"
t_check "nested css" "200 text/css; charset=utf-8" "$(get /css/site.css)"
t_check "symlink inside the root" "200 text/javascript; charset=utf-8" "$(get /link-in.js)"
h=$(curl -s -D - -o /dev/null "$U/app.js" | tr -d '\r')
t_match "no-cache" $'\n''Cache-Control: no-cache' "$h"
t_match "nosniff" $'\n''X-Content-Type-Options: nosniff' "$h"
h=$(curl -s -I "$U/app.js" | tr -d '\r')
t_match "HEAD status" '^HTTP/1.1 200' "$h"
t_match "HEAD length" $'\n''Content-Length: 16($|'$'\n'')' "$h"

t_check "unknown file" "404" "$(get /nope.js | cut -d' ' -f1)"
t_match "404 says what" "not found: /nope.js" "$(cat "$T_DIR/body")"
t_check "directory without index" "404" "$(get /empty/ | cut -d' ' -f1)"
t_check "POST" "405" "$(get / -X POST -d x | cut -d' ' -f1)"
t_check "Allow" "Allow: GET, HEAD" "$(curl -s -D - -o /dev/null -X PUT "$U/app.js" | tr -d '\r' | grep '^Allow:')"

for p in /../secret.txt /css/../../secret.txt /%2e%2e/secret.txt /%2E%2E%2Fsecret.txt \
  /css%2F..%2F..%2Fsecret.txt /..%5csecret.txt /%5c..%5csecret.txt //secret.txt \
  /link-out /../web/../secret.txt "/$T_DIR/secret.txt"; do
  code=$(get "$p" | cut -d' ' -f1)
  t_match "refused $p" '^40[04]$' "$code"
  t_check "no secret for $p" "" "$(grep -l TOP-SECRET "$T_DIR/body" || true)"
done

# the APIs keep their paths
t_check "healthz" "success" "$(curl -s "$U/-/healthz")"
t_check "Jobs API" "True" "$(curl -s "$U/api/version" | t_json '"version" in d')"

# the UI directory from the environment, and a missing one
"$RAYC" stop --temp-dir "$T_DIR" >/dev/null
RAYC_DASHBOARD_WEB_DIR="$WEB" t_start_head
U="$DASH_URL"
t_check "RAYC_DASHBOARD_WEB_DIR" "200 text/html; charset=utf-8" "$(get /)"
"$RAYC" stop --temp-dir "$T_DIR" >/dev/null
t_start_head --dashboard-web-dir "$T_DIR/absent"
U="$DASH_URL"
t_check "missing UI: the head runs" "success" "$(curl -s "$U/-/healthz")"
t_check "missing UI: / is 404" "404" "$(get / | cut -d' ' -f1)"
t_match "missing UI: a warning" "WARN .*no web UI: .*absent" "$(cat "$T_DIR"/logs/rayc-head.log)"
t_done
