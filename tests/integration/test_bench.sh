#!/usr/bin/env bash
# Smoke run of the benchmark (tools/bench/run.sh --tiny): every workload at tiny
# size on rayc, Dask and Celery, then the table, results.json and the chart.
# Checks that each system produced a figure for every row and that every ratio
# is a positive number; the figures themselves are not judged here.
# Needs the bench packages (tools/setup-deps.sh --bench); not in the default suite.
# labels: bench
# timeout: 300
source "$(dirname "$0")/lib.sh"

OUT="$T_DIR/bench"
log=$(bash "$RC_SRC/tools/bench/run.sh" --tiny --no-setup --build "$RC_BUILD" --out "$OUT" 2>&1) &&
  rc=0 || rc=$?
t_check "run.sh exit" "0" "$rc"
[ $rc -eq 0 ] || echo "$log" | tail -40

rows='single_client_tasks_async/tasks_per_s single_client_tasks_sync/p50_us
single_client_tasks_sync/p99_us multi_client_tasks_async/tasks_per_s
tasks_with_1mib_args/tasks_per_s fanout_fanin/seconds queued_1m/submit_tasks_per_s
queued_1m/bytes_per_queued_task gcs/set_rps gcs/get_rps'
for row in $rows; do
  w=${row%/*} m=${row#*/}
  t_match "table row $w $m" "^\| $w \| $m " "$(grep "^| $w | $m " "$OUT/table.md" || true)"
done

# Every row: a rayc figure, each peer's figure (redis-server for gcs), a ratio.
check=$(/usr/bin/python3 - "$OUT/results.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
for r in d["rows"]:
    want = {"redis"} if r["workload"] == "gcs" else {"dask", "celery"}
    name = f'{r["workload"]}/{r["metric"]}'
    # bytes_per_queued_task is an RSS difference and may be 0 or below at tiny size.
    positive = r["metric"] != "bytes_per_queued_task"
    for s in {"rayc"} | want:
        v = r["median"].get(s)
        if v is None or (positive and not v > 0):
            bad.append(f"{name}: {s} figure {v}")
    if positive and not (r["ratio_vs_best_peer"] or 0) > 0:
        bad.append(f"{name}: ratio {r['ratio_vs_best_peer']}")
print(len(d["rows"]), "; ".join(bad) or "ok")
EOF
)
t_check "results.json rows all complete" "10 ok" "$check"
t_check "chart is a PNG" "PNG" "$(head -c 4 "$OUT/ratios.png" 2>/dev/null | tail -c 3)"
t_match "machine line" '^Machine: [0-9]+ cores' "$(head -1 "$OUT/table.md")"
t_done
