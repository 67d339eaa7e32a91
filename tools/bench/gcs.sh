#!/usr/bin/env bash
# The `gcs` benchmark: redis-benchmark against rayc's GCS and against a
# redis-server started beside it, in the same run, one after the other, with
# the same flags. Prints requests/s for each test and the ratio rayc/redis.
#
#   tools/bench/gcs.sh [-n REQUESTS] [-c CLIENTS] [-t TESTS] [--pipeline-too] [--rounds R] [--json FILE]
#                      [--build DIR]
#
# Each round runs redis then rayc, alternating which goes first; the table shows
# the median requests/s over the rounds (default 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
n=200000
c=50
tests="ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,lrange_100,mset"
pipelines="1"
json=""
rounds=3
build="$top/build"
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=$2; shift ;;
    -c) c=$2; shift ;;
    -t) tests=$2; shift ;;
    --pipeline-too) pipelines="1 16" ;;
    --json) json=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --build) build=$2; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "gcs.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
bin="$build/bin"
[ -x "$bin/rayc" ] || { echo "gcs.sh: build first (cmake --build build)" >&2; exit 1; }
command -v redis-benchmark >/dev/null || { echo "gcs.sh: redis-benchmark missing: tools/setup-deps.sh" >&2; exit 1; }

tmp=$(mktemp -d)
. "$top/tools/bench/lib.sh"
rport=$(free_port)
hport=$(free_port)
cleanup() {
  "$bin/rayc" stop --temp-dir "$tmp" >/dev/null 2>&1 || true
  [ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >/dev/null 2>&1 &
rpid=$!
start_cluster "$bin" "$tmp" "$hport" 0 0 --include-dashboard=false
for i in $(seq 100); do redis-cli -p "$rport" PING >/dev/null 2>&1 && break; sleep 0.05; done

run() { # port pipeline -> "TEST rps" lines
  redis-benchmark -p "$1" -n "$n" -c "$c" -P "$2" -t "$tests" --csv 2>/dev/null |
    awk -F'","' 'NR>1 { gsub(/"/, "", $1); gsub(/"/, "", $2); print $1 "\t" $2 }'
}

printf '%-22s %4s %14s %14s %8s\n' test P rayc redis rayc/redis
[ -n "$json" ] && echo "[" >"$json"
first=1
for p in $pipelines; do
  : >"$tmp/redis.$p.all"
  : >"$tmp/rayc.$p.all"
  for ((r = 0; r < rounds; r++)); do
    # Alternate which server goes first so neither always gets the quieter machine.
    if ((r % 2 == 0)); then
      run "$rport" "$p" >>"$tmp/redis.$p.all"
      run "$hport" "$p" >>"$tmp/rayc.$p.all"
    else
      run "$hport" "$p" >>"$tmp/rayc.$p.all"
      run "$rport" "$p" >>"$tmp/redis.$p.all"
    fi
  done
  for who in redis rayc; do # median per test, in first-seen test order
    awk -F'\t' '{ if (!($1 in n)) order[++k] = $1; v[$1, ++n[$1]] = $2 }
      END { for (i = 1; i <= k; i++) { t = order[i]; m = n[t]; delete a
              for (j = 1; j <= m; j++) a[j] = v[t, j] + 0
              for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] < a[x]) { z = a[x]; a[x] = a[y]; a[y] = z }
              printf "%s\t%.0f\n", t, a[int((m + 1) / 2)] } }' "$tmp/$who.$p.all" >"$tmp/$who.$p"
  done
  while IFS=$'\t' read -r name rps; do
    rrps=$(awk -F'\t' -v t="$name" '$1 == t { print $2 }' "$tmp/redis.$p")
    ratio=$(awk -v a="$rps" -v b="$rrps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    printf '%-22s %4s %14s %14s %8s\n' "$name" "$p" "$rps" "${rrps:-n/a}" "$ratio"
    if [ -n "$json" ]; then
      [ $first -eq 1 ] || echo "," >>"$json"
      first=0
      printf '{"workload":"gcs","test":"%s","pipeline":%s,"rayc_rps":%s,"redis_rps":%s}' \
        "$name" "$p" "$rps" "${rrps:-0}" >>"$json"
    fi
  done <"$tmp/rayc.$p"
done
[ -n "$json" ] && echo "]" >>"$json"
echo "median of $rounds rounds; redis-benchmark -n $n -c $c; redis-server $(redis-server --version | awk '{print $3}'), same machine, same run"
