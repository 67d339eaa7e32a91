#!/usr/bin/env bash
# rayc-synth as a user runs it: `rayc job submit` of a synthesis job on a head
# and two workers (fit shards, reduce tasks, generate shards through the SDK).
# Checks: marginals and rank correlations of the synthetic table against the
# 100,000-row sample input (a stdlib python script: KS < 0.05 per numeric
# column, category frequencies within 1 %, Spearman within 0.05); progress
# lines and the JSON summary in `rayc job logs`; the same seed gives the same
# bytes (on the cluster and with --local); a worker kill -9'ed mid-generation
# still yields the complete, identical table; malformed CSV fails the job with
# the file and line in its log; a damaged model is refused clearly.
# labels: integration
# timeout: 180
source "$(dirname "$0")/lib.sh"

export RAY_health_check_period_ms=500
export RAY_health_check_failure_threshold=3
t_start_head
t_start_worker --num-cpus 2
t_start_worker --num-cpus 2
SYNTH="$RC_BIN/rayc-synth"
D="$T_DIR/shared"
mkdir -p "$D"
submit() { "$RAYC" job submit --address "$DASH_URL" "$@"; }
logs() { "$RAYC" job logs --address "$DASH_URL" "$1" 2>&1; }

"$SYNTH" sample --rows 100000 --output "$D/data.csv" --seed 7 >/dev/null
t_check "sample rows (+ header; 'note' has line breaks)" "100001" \
  "$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' "$D/data.csv")"

# --- fit + generate as one job ----------------------------------------------------
out=$(submit --submission-id synth-run -- "$SYNTH" run --input "$D/data.csv" --rows 100000 \
  --output "$D/out1.csv" --model "$D/model.bin" --seed 11 2>&1) && rc=0 || rc=$?
t_check "run job succeeds" "0" "$rc"
[ "$rc" = 0 ] || echo "$out" | tail -20
log=$(logs synth-run)
t_match "fit pass 1 progress" "fit 1/2 +\[#{20}\] 10/10 shards +100000 rows +[0-9]+ rows/s" "$log"
t_match "fit pass 2 progress" "fit 2/2 +\[#{20}\] 10/10 shards" "$log"
t_match "generate progress" "generate +\[#{20}\] 10/10 shards +100000 rows" "$log"
t_match "types detected" "age \(integer\) income \(numeric\).*city \(categorical, 6 values\)" "$log"
summary=$(echo "$log" | grep '^{"event":"summary"' || true)
t_check "summary rows" "100000" "$(echo "$summary" | t_json 'd["rows"]')"
t_check "summary columns" "8" "$(echo "$summary" | t_json 'd["columns"]')"
t_check "summary seconds" "True" "$(echo "$summary" | t_json 'd["seconds"] > 0')"
t_check "summary mode" "cluster" "$(echo "$summary" | t_json 'd["mode"]')"
# The figures are in the job's metadata too (Jobs API), next to what the submitter gave.
meta=$(curl -s "$DASH_URL/api/jobs/synth-run" | t_json 'd["metadata"]')
t_check "job metadata rows, columns" "100000 8 run" \
  "$(curl -s "$DASH_URL/api/jobs/synth-run" | t_json '" ".join([d["metadata"]["rows"], d["metadata"]["columns"], d["metadata"]["synth_command"]])')"
t_check "job metadata seconds" "True" \
  "$(curl -s "$DASH_URL/api/jobs/synth-run" | t_json 'float(d["metadata"]["seconds"]) > 0')"
echo "job metadata: $meta"
t_check "no part files left" "" "$(ls "$D" | grep -E 'parts|tmp' || true)"
stats=$(redis-cli -p "$HEAD_PORT" TASK.STATS)
t_match "tasks ran on the cluster" '"FINISHED":[1-9]' "$stats"

check=$(/usr/bin/python3 - "$D/data.csv" "$D/out1.csv" <<'EOF'
# Compares a synthetic table with its input: KS per numeric column, category
# frequencies, missing fractions, Spearman of every pair (categories coded in
# byte order, complete rows only). Prints the worst figures; exit 1 on a miss.
import csv, sys, math, itertools, operator
def load(p):
    with open(p, newline='') as f:
        r = csv.reader(f)
        h = next(r)
        return h, [x for x in r if x]
def isnum(v):
    try:
        return math.isfinite(float(v))
    except ValueError:
        return False
def ks(a, b):
    a = sorted(a); b = sorted(b); i = j = 0; d = 0.0
    while i < len(a) and j < len(b):
        x = a[i] if a[i] < b[j] else b[j]
        while i < len(a) and a[i] <= x: i += 1
        while j < len(b) and b[j] <= x: j += 1
        d = max(d, abs(i / len(a) - j / len(b)))
    return d
def zranks(v):
    o = sorted(range(len(v)), key=v.__getitem__); r = [0.0] * len(v); i = 0
    while i < len(o):
        j = i
        while j + 1 < len(o) and v[o[j + 1]] == v[o[i]]: j += 1
        for k in range(i, j + 1): r[o[k]] = (i + j) / 2.0
        i = j + 1
    m = sum(r) / len(r); r = [x - m for x in r]; s = math.sqrt(sum(x * x for x in r))
    return [x / s for x in r] if s > 0 else r
hi, ri = load(sys.argv[1]); ho, ro = load(sys.argv[2])
bad = [] if hi == ho else [f"headers differ: {hi} vs {ho}"]
if len(ri) != len(ro): bad.append(f"rows {len(ri)} vs {len(ro)}")
n = len(hi)
kinds = ['n' if all(r[c] == '' or isnum(r[c]) for r in ri) else 'c' for c in range(n)]
codes = {c: {v: k for k, v in enumerate(sorted(set(r[c] for r in ri)))} for c in range(n) if kinds[c] == 'c'}
worst = [0.0, 0.0, 0.0]
for c in range(n):
    if kinds[c] == 'n':
        a = [float(r[c]) for r in ri if r[c] != '']; b = [float(r[c]) for r in ro if r[c] != '']
        d = ks(a, b); worst[0] = max(worst[0], d)
        if d >= 0.05: bad.append(f"{hi[c]}: KS {d:.4f}")
        if abs(len(a) / len(ri) - len(b) / len(ro)) > 0.01: bad.append(f"{hi[c]}: missing fraction")
    else:
        fi, fo = {}, {}
        for r in ri: fi[r[c]] = fi.get(r[c], 0) + 1
        for r in ro: fo[r[c]] = fo.get(r[c], 0) + 1
        for v in set(fi) | set(fo):
            d = abs(fi.get(v, 0) / len(ri) - fo.get(v, 0) / len(ro)); worst[1] = max(worst[1], d)
            if d > 0.01: bad.append(f"{hi[c]}={v!r}: frequency off by {d:.4f}")
def zcols(rows):
    rows = [r for r in rows if all(r[c] != '' for c in range(n) if kinds[c] == 'n')]
    return [zranks([float(r[c]) for r in rows]) if kinds[c] == 'n'
            else zranks([codes[c].get(r[c], -1) for r in rows]) for c in range(n)]
zi, zo = zcols(ri), zcols(ro)
for a, b in itertools.combinations(range(n), 2):
    x = sum(map(operator.mul, zi[a], zi[b])); y = sum(map(operator.mul, zo[a], zo[b]))
    worst[2] = max(worst[2], abs(x - y))
    if abs(x - y) >= 0.05: bad.append(f"spearman({hi[a]},{hi[b]}): {x:.3f} vs {y:.3f}")
print(f"kinds {''.join(kinds)}; worst KS {worst[0]:.4f}, category frequency {worst[1]:.4f}, "
      f"Spearman {worst[2]:.4f}")
for b in bad: print("MISS", b)
sys.exit(1 if bad else 0)
EOF
) && rc=0 || rc=$?
echo "statistics: $check"
t_check "marginals and rank correlations within tolerance" "0" "$rc"
t_match "numeric and categorical columns" "kinds nnnnccnc" "$check"

# --- same seed, same bytes --------------------------------------------------------
submit --submission-id synth-again -- "$SYNTH" generate --model "$D/model.bin" --rows 100000 \
  --output "$D/out2.csv" --seed 11 >/dev/null 2>&1 && rc=0 || rc=$?
t_check "generate job succeeds" "0" "$rc"
t_check "same seed: identical output" "0" "$(cmp -s "$D/out1.csv" "$D/out2.csv"; echo $?)"
"$SYNTH" generate --local --model "$D/model.bin" --rows 100000 --output "$D/local.csv" \
  --seed 11 >/dev/null
t_check "--local gives the cluster's bytes" "0" "$(cmp -s "$D/out1.csv" "$D/local.csv"; echo $?)"
"$SYNTH" generate --local --model "$D/model.bin" --rows 1000 --output "$D/other.csv" --seed 12 >/dev/null
t_check "another seed: other rows" "1" "$(cmp -s <(head -50 "$D/out1.csv") <(head -50 "$D/other.csv"); echo $?)"

# --- kill -9 of a worker while it generates ---------------------------------------
# 20 shards of 800 ms each on 4 slots: the kill lands mid-generation.
"$SYNTH" generate --local --model "$D/model.bin" --rows 100000 --output "$D/ref.csv" --seed 5 \
  --shard-rows 5000 >/dev/null
submit --no-wait --submission-id synth-kill -- "$SYNTH" generate --model "$D/model.bin" \
  --rows 100000 --output "$D/killed.csv" --seed 5 --shard-rows 5000 --task-delay-ms 800 >/dev/null 2>&1
# Mid-generation: some part files are written, not all (counted on the volume,
# not from progress lines: a node may report finished tasks in batches).
parts_written() { n=$(ls "$D/killed.csv.parts" 2>/dev/null | grep -c '^part-.*csv$'); [ "$n" -ge 2 ]; }
t_wait_for 30 parts_written
t_check "killed mid-generation" "1" "$(($(ls "$D/killed.csv.parts" | grep -c '^part-.*csv$') < 20))"
victim=$("$RAYC" list nodes --address "$DASH_URL" --format json --detail | t_json 'd[0]["pid"]')
kill -9 "$victim"
t_wait_for 60 bash -c "'$RAYC' job status --address '$DASH_URL' synth-kill 2>&1 | grep -Eq 'SUCCEEDED|FAILED|STOPPED'" || true
grep -E "^generate " "$T_DIR/storage/jobs/synth-kill/driver.log" | sed 's/^/  killed job: /'
t_match "job survives the kill" "SUCCEEDED" "$("$RAYC" job status --address "$DASH_URL" synth-kill 2>&1)"
t_check "complete and identical after the kill" "0" "$(cmp -s "$D/ref.csv" "$D/killed.csv"; echo $?)"
t_match "retries happened" '"retries":[1-9]' "$(redis-cli -p "$HEAD_PORT" TASK.STATS)"
t_check "killed run: no part files left" "" "$(ls "$D" | grep -E 'parts|tmp' || true)"

# --- malformed input: the job fails with file and line ----------------------------
printf 'a,b,c\n1,2,x\n3,"two\nlines",y\n5,6\n7,8,z\n' >"$D/ragged.csv"
submit --submission-id synth-ragged -- "$SYNTH" fit --input "$D/ragged.csv" --model "$D/m.bin" \
  >/dev/null 2>&1 && rc=0 || rc=$?
t_check "ragged CSV: job fails" "1" "$rc"
t_match "ragged CSV: file and line" "ragged.csv:5: ragged row: 2 fields, but the header has 3" \
  "$(logs synth-ragged)"
printf 'a,b\n1,"open\n2,3\n' >"$D/quote.csv"
submit --submission-id synth-quote -- "$SYNTH" fit --input "$D/quote.csv" --model "$D/m.bin" \
  >/dev/null 2>&1 && rc=0 || rc=$?
t_check "unterminated quote: job fails" "1" "$rc"
t_match "unterminated quote: line" "quote.csv:2: unterminated quoted field" "$(logs synth-quote)"
printf 'a,b\n1,x\n2,caf\xe9\n' >"$D/latin1.csv"
out=$("$SYNTH" fit --local --input "$D/latin1.csv" --model "$D/m.bin" 2>&1) && rc=0 || rc=$?
t_check "bad UTF-8: exit 1" "1" "$rc"
t_match "bad UTF-8: line" "latin1.csv:3: invalid UTF-8 \(byte 0xE9 in field 2\)" "$out"
: >"$D/empty.csv"
t_match "empty file" "empty.csv: the file is empty" "$("$SYNTH" fit --local --input "$D/empty.csv" --model "$D/m.bin" 2>&1)"
printf '1,2\n3,4\n' >"$D/nohead.csv"
t_match "no header" "nohead.csv:1: no header" "$("$SYNTH" fit --local --input "$D/nohead.csv" --model "$D/m.bin" 2>&1)"
# An error only a task can see (the file changed after the driver's scan): the
# task's message, with file and line, reaches the job log.
printf 'a,b\n1,x\n2,y\n3,z\n' >"$D/changing.csv"
submit --no-wait --submission-id synth-task-err -- "$SYNTH" fit --input "$D/changing.csv" \
  --model "$D/m.bin" --shard-rows 2 --task-delay-ms 1500 >/dev/null 2>&1
t_wait_for 20 grep -q "^fit: " "$T_DIR/storage/jobs/synth-task-err/driver.log"
printf '\xff' | dd of="$D/changing.csv" bs=1 seek=10 conv=notrunc 2>/dev/null
t_wait_for 30 bash -c "'$RAYC' job status --address '$DASH_URL' synth-task-err 2>&1 | grep -Eq 'SUCCEEDED|FAILED'" || true
t_match "task error: job fails" "FAILED" "$("$RAYC" job status --address "$DASH_URL" synth-task-err 2>&1)"
t_match "task error: file and line in the log" "changing.csv:3: invalid UTF-8 \(byte 0xFF in field 2\)" \
  "$(logs synth-task-err)"
t_check "no model written after errors" "0" "$(ls "$D"/m.bin 2>/dev/null | wc -l)"

# --- a damaged model is refused -------------------------------------------------------
cp "$D/model.bin" "$D/bad.bin"
printf '\x42' | dd of="$D/bad.bin" bs=1 seek=200 conv=notrunc 2>/dev/null
out=$("$SYNTH" generate --local --model "$D/bad.bin" --rows 10 --output "$D/x.csv" 2>&1) && rc=0 || rc=$?
t_check "damaged model: exit 1" "1" "$rc"
t_match "damaged model: message" "bad.bin: model checksum mismatch" "$out"
head -c 100 "$D/model.bin" >"$D/short.bin"
t_match "truncated model" "short.bin: model is truncated" \
  "$("$SYNTH" generate --local --model "$D/short.bin" --rows 10 --output "$D/x.csv" 2>&1)"
# --- --timeout gives up a phase ---------------------------------------------------------
mkdir -p "$T_DIR/slow"
out=$("$SYNTH" generate --address "127.0.0.1:$HEAD_PORT" --model "$D/model.bin" --rows 1000 \
  --output "$T_DIR/slow/x.csv" --task-delay-ms 3000 --timeout 1 2>&1) && rc=0 || rc=$?
t_check "--timeout: exit 1" "1" "$rc"
t_match "--timeout: message" "1 of 1 tasks still unfinished after --timeout 1 s" "$out"
t_done
