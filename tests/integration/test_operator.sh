#!/usr/bin/env bash
# rayc-operator against a real head and a fake Kubernetes API server
# (fake_kube.py: HTTPS with a self-signed CA, Bearer token, a Deployment
# controller that starts real workers as "pods"):
#  - replicas 0 are clamped to minReplicas 1 (through injected 500s on the
#    scale PATCH and a 429 on the pod list: retried, the pass converges);
#  - 12 tasks of 3 s on 1 CPU scale the group up to maxReplicas 3 and no
#    further (the journal has no PATCH above 3) and every task finishes;
#  - once idle, the extra pods are annotated (pod-deletion-cost -1000),
#    drained through the head (DRAINING/DEAD) and the Deployment scaled back
#    to minReplicas 1, never below; Events and one log line per decision;
#  - /-/healthz answers 200; a bad configuration, a missing service account
#    token and an unreachable head give clear errors and no crash.
# labels: integration
# timeout: 240
source "$(dirname "$0")/lib.sh"

OP="$RC_BIN/rayc-operator"
FAKE="$RC_SRC/tests/integration/fake_kube.py"
LIB="$RC_BUILD/lib/librayc_testtasks.so"
DEPLOY=ray-cluster-ray-worker-workergroup
# With the default prefetch: tasks queued on a busy node ahead of its
# resources count as pending demand, as those queued in a raylet do in Ray.
t_start_head

# A self-signed certificate for 127.0.0.1 is the cluster CA; token and namespace.
SA="$T_DIR/sa"
mkdir -p "$SA"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$T_DIR/key.pem" -out "$SA/ca.crt" \
  >/dev/null 2>&1
echo "test-token-$RANDOM" >"$SA/token"
echo rayc-test >"$SA/namespace"

KPORT=$(t_free_port)
JOURNAL="$T_DIR/journal.jsonl"
/usr/bin/python3 "$FAKE" --port "$KPORT" --cert "$SA/ca.crt" --key "$T_DIR/key.pem" \
  --sa-dir "$SA" --journal "$JOURNAL" --head-port "$HEAD_PORT" --rayc "$RAYC" \
  --temp-dir "$T_DIR" --deployment "$DEPLOY=workergroup:0" \
  --fail 'PATCH /scale:500x2,GET /pods:429x1' >"$T_DIR/fake.out" 2>&1 &
FAKE_PID=$!
T_PIDS+=($FAKE_PID)
t_wait_port "$KPORT"

cat >"$T_DIR/operator.json" <<EOF
{"headAddress": "127.0.0.1:$HEAD_PORT", "periodSeconds": 1, "idleTimeoutSeconds": 3,
 "groups": [{"name": "workergroup", "deployment": "$DEPLOY", "minReplicas": 1,
   "maxReplicas": 3, "rayStartParams": {"num-cpus": "1", "block": "true"},
   "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
   "podSelector": "app=rayc,group=workergroup"}]}
EOF
HPORT=$(t_free_port)
OPLOG="$T_DIR/operator.out"
"$OP" --config "$T_DIR/operator.json" --kube-api "https://127.0.0.1:$KPORT" --sa-dir "$SA" \
  --health-port "$HPORT" --health-host 127.0.0.1 >"$OPLOG" 2>&1 &
OP_PID=$!
T_PIDS+=($OP_PID)

# jq-less journal queries: j EXPR prints EXPR over the list of entries `e`.
j() { python3 -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; print(eval(sys.argv[2]))' "$JOURNAL" "$1"; }
scale_patches() { j '[x["body"]["spec"]["replicas"] for x in e if x.get("method")=="PATCH" and x["path"].endswith("/scale") and x["status"]==200]'; }
alive_nodes() { redis-cli -p "$HEAD_PORT" NODE.LIST JSON | python3 -c 'import json,sys; print(sum(1 for n in json.load(sys.stdin) if n["state"]=="ALIVE" and n["group"]=="workergroup"))'; }
alive_is() { test "$(alive_nodes)" = "$1"; }
has_line() { grep -q -- "$1" "$OPLOG"; }

# 1. Clamp to minReplicas, through injected failures.
t_wait_for 30 has_line "msg=clamp .*from=0 to=1" || true
t_match "clamp to minReplicas logged" "msg=clamp group=workergroup deployment=$DEPLOY from=0 to=1 reason=\"replicas 0 below minReplicas 1\"" "$(cat "$OPLOG")"
t_check "the two injected 500s on the scale PATCH were retried" "[500, 500, 200]" \
  "$(j '[x["status"] for x in e if x.get("method")=="PATCH" and x["path"].endswith("/scale")][:3]')"
t_check "the injected 429 on the pod list was retried" "True" \
  "$(j 'any(x.get("status")==429 for x in e) and any(x.get("method")=="GET" and "/pods" in x["path"] and x["status"]==200 for x in e)')"
t_match "retries logged" 'msg=api-retry method=PATCH path=/apis/apps/v1/namespaces/rayc-test/deployments/[a-z-]+/scale status=500 attempt=1' "$(cat "$OPLOG")"
t_match "429 retry logged" 'msg=api-retry method=GET .*status=429' "$(cat "$OPLOG")"
t_check "requests carry the token (no 401)" "0" "$(j 'sum(1 for x in e if x.get("status")==401)')"
t_wait_for 30 alive_is 1 || true
t_check "one worker node registered" "1" "$(alive_nodes)"
t_check "the node is named after its pod" "True" \
  "$(redis-cli -p "$HEAD_PORT" NODE.LIST JSON | python3 -c 'import json,sys; print(all(n["hostname"].startswith("'"$DEPLOY"'-") for n in json.load(sys.stdin)))')"

# 2. Demand: 12 tasks of 3 s need more than 1 CPU; up to maxReplicas 3, no further.
"$RC_BUILD/tests/rayc-test-driver" "127.0.0.1:$HEAD_PORT" "$LIB" spread 12 3000 >"$T_DIR/drv.out" 2>&1 &
DRV=$!
T_PIDS+=($DRV)
t_wait_for 60 has_line "msg=scale-up" || true
t_match "scale-up logged with its reason" "msg=scale-up group=workergroup deployment=$DEPLOY from=1 to=3 reason=\"[0-9]+ pending tasks of \{CPU: 1\} do not fit on 1 node\"" "$(cat "$OPLOG")"
t_wait_for 30 alive_is 3 || true
t_check "three nodes while the demand lasts" "3" "$(alive_nodes)"
wait $DRV && rc=0 || rc=$?
t_check "every task finished" "0" "$rc"
[ $rc -eq 0 ] || cat "$T_DIR/drv.out"
t_match "the tasks ran on several nodes" "node [0-9a-f]+ [0-9]+.*node [0-9a-f]+ [0-9]+" "$(tr '\n' ' ' <"$T_DIR/drv.out")"
t_check "no scale PATCH beyond maxReplicas" "True" "$(j 'max([x["body"]["spec"]["replicas"] for x in e if x.get("method")=="PATCH" and x["path"].endswith("/scale")]) <= 3')"
t_match "blocked at maxReplicas is a logged no-op" "msg=no-op group=workergroup .*at maxReplicas" "$(cat "$OPLOG")"

# 3. Idle: annotate, drain, scale down to minReplicas 1 and not below. Nodes
# go idle as their last tasks end, so this may take one pass or two.
final_is() { test "$(j '(lambda p: len(p) >= 3 and p[-1] == 1)('"$(scale_patches)"')')" = True; }
t_wait_for 60 final_is || true
t_match "scale-down logged" "msg=scale-down group=workergroup deployment=$DEPLOY from=3 to=[12] reason=\"[12] nodes? idle for more than 3s \(idleTimeoutSeconds\)" "$(cat "$OPLOG")"
t_check "two drain lines" "2" "$(grep -c 'msg=drain ' "$OPLOG")"
t_match "drain line" "msg=drain group=workergroup deployment=$DEPLOY node=[0-9a-f]{32} node_name=$DEPLOY-[a-z0-9]+ pod=$DEPLOY-[a-z0-9]+ idle_s=[0-9]+ reason=\"idle for [0-9]+s: scaled down by rayc-operator\"" "$(cat "$OPLOG")"
t_check "each pod annotated with pod-deletion-cost -1000 before its scale-down" "True" \
  "$(j '(lambda a, s: len(a)==2 and all(any(p["t"] <= x["t"] for x in s) for p in a))([x for x in e if x.get("method")=="PATCH" and "/pods/" in x["path"] and x["body"]["metadata"]["annotations"].get("controller.kubernetes.io/pod-deletion-cost")=="-1000"], [x for x in e if x.get("method")=="PATCH" and x["path"].endswith("/scale") and x["status"]==200 and x["body"]["spec"]["replicas"] < 3])')"
t_check "the annotated pods are the ones deleted" "True" \
  "$(j 'sorted(x["path"].rsplit("/",1)[1] for x in e if x.get("method")=="PATCH" and "/pods/" in x["path"]) == sorted(x["pod"] for x in e if x.get("event")=="pod-deleted")')"
t_match "scale patches: 1, 3, then down to 1" "^\[1, 3, (2, )?1\]$" "$(scale_patches)"
DRAINED=$(grep -o 'msg=drain .*node=[0-9a-f]*' "$OPLOG" | grep -o '[0-9a-f]\{32\}' | tr '\n' ' ')
states=$(redis-cli -p "$HEAD_PORT" NODE.LIST JSON | python3 -c 'import json,sys; ids=sys.argv[1].split(); print(" ".join(sorted(n["state"] for n in json.load(sys.stdin) if n["node_id"] in ids)))' "$DRAINED")
t_match "drained nodes are DRAINING or DEAD in the head" "^(DEAD|DRAINING) (DEAD|DRAINING)$" "$states"
t_check "the drain reason reached the head" "2" \
  "$(grep -c 'NODE_DRAINING .*reason=idle for [0-9]*s: scaled down by rayc-operator' "$T_DIR"/logs/rayc-head*.log)"
t_wait_for 30 alive_is 1 || true
t_check "one node left" "1" "$(alive_nodes)"
before=$(scale_patches)
sleep 5 # more passes: the last node is idle but at minReplicas
t_check "never below minReplicas" "$before" "$(scale_patches)"
t_check "events posted" "True" \
  "$(j '(lambda r: r[:2]==["ScaledUp","ScaledUp"] and r.count("DrainedNode")==2 and 1 <= r.count("ScaledDown") <= 2 and len(r) <= 6)([x["body"]["reason"] for x in e if x.get("method")=="POST" and x["path"].endswith("/events")])')"
t_check "events are about the Deployment" "True" \
  "$(j 'all(x["body"]["involvedObject"]["kind"]=="Deployment" and x["body"]["involvedObject"]["name"]=="'"$DEPLOY"'" for x in e if x.get("method")=="POST")')"
t_check "a blocked no-op is logged once, not every pass" "1" "$(grep -c 'msg=no-op .*at maxReplicas' "$OPLOG")"

# 4. Health.
t_check "healthz" "ok" "$(curl -s "http://127.0.0.1:$HPORT/-/healthz")"
t_check "healthz status" "200" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/-/healthz")"
t_check "unknown path" "404" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/metrics")"
kill -TERM $OP_PID
wait $OP_PID && rc=0 || rc=$?
t_check "SIGTERM: exits 0" "0" "$rc"
t_match "stopped line" "msg=stopped reason=signal" "$(tail -1 "$OPLOG")"
t_check "no error lines in a clean run" "0" "$(grep -c 'level=error' "$OPLOG" || true)"

# 5. Errors: bad configuration, missing token, unreachable head.
once() { "$OP" --once --kube-api "https://127.0.0.1:$KPORT" --sa-dir "$SA" --health-port 0 "$@" 2>&1; }
echo '{"headAddress": "127.0.0.1:1", "groups": [{"name": "g", "deployment": "d", "minReplicas": 3, "maxReplicas": 2, "podSelector": "a=b"}]}' >"$T_DIR/bad.json"
out=$(once --config "$T_DIR/bad.json") && rc=0 || rc=$?
t_check "bad config: exit 1" "1" "$rc"
t_match "bad config: names the field" 'level=error msg=startup-failed reason=".*bad.json: groups\[0\]\.maxReplicas: 2 is below minReplicas \(3\)"' "$out"
out=$(once --config "$T_DIR/missing.json") && rc=0 || rc=$?
t_match "missing config" 'cannot read the configuration .*missing.json: No such file' "$out"
out=$("$OP" 2>&1) && rc=0 || rc=$?
t_check "no --config: usage error" "2" "$rc"
mkdir -p "$T_DIR/sa-empty"
out=$("$OP" --once --config "$T_DIR/operator.json" --kube-api "https://127.0.0.1:$KPORT" --sa-dir "$T_DIR/sa-empty" --health-port 0 2>&1) && rc=0 || rc=$?
t_match "missing token" 'cannot read the service account token .*sa-empty/token: No such file' "$out"
DEAD_PORT=$(t_free_port)
sed "s/127.0.0.1:$HEAD_PORT/127.0.0.1:$DEAD_PORT/" "$T_DIR/operator.json" >"$T_DIR/nohead.json"
out=$(once --config "$T_DIR/nohead.json") && rc=0 || rc=$?
t_check "unreachable head: exit 1, no crash" "1" "$rc"
t_match "unreachable head: said why" "level=error msg=error action=read reason=\"cannot reach the head at 127.0.0.1:$DEAD_PORT: connection refused" "$out"
n_before=$(j 'sum(1 for x in e if x.get("method")=="PATCH")')
HP2=$(t_free_port)
"$OP" --config "$T_DIR/nohead.json" --kube-api "https://127.0.0.1:$KPORT" --sa-dir "$SA" \
  --health-port "$HP2" --health-host 127.0.0.1 >"$T_DIR/nohead.out" 2>&1 &
NOHEAD=$!
T_PIDS+=($NOHEAD)
t_wait_port "$HP2"
sleep 3.5
body=$(curl -s "http://127.0.0.1:$HP2/-/healthz")
t_match "healthz 503 with the reason while the head is unreachable" "no pass completed since the start .*cannot reach the head" "$body"
t_check "still running" "0" "$(kill -0 $NOHEAD 2>/dev/null; echo $?)"
t_check "nothing scaled without the head" "$n_before" "$(j 'sum(1 for x in e if x.get("method")=="PATCH")')"
kill -TERM $NOHEAD
wait $NOHEAD || true
t_check "one error line per pass, no crash" "True" "$(test "$(grep -c 'action=read' "$T_DIR/nohead.out")" -ge 3 && echo True || echo False)"

out=$("$OP" --config "$T_DIR/bad.json" --check-config 2>&1) && rc=0 || rc=$?
t_check "--check-config of a bad file: exit 1" "1" "$rc"
t_match "--check-config names the field" "groups\[0\]\.maxReplicas: 2 is below minReplicas" "$out"

# 6. The chart's operator.json (charts/ray renders it) is what this operator reads:
# default values, every value set, and a KubeRay-style file.
CHART_RENDER="$RC_BIN/chart-render"
if [ -x "$CHART_RENDER" ]; then
  for vf in "" "$RC_SRC/tests/chart/values-full.yaml" "$RC_SRC/tests/chart/values-kuberay.yaml"; do
    name=${vf:+$(basename "$vf")}
    "$CHART_RENDER" ${vf:+--values "$vf"} --show-only templates/operator-configmap.yaml "$RC_SRC/charts/ray" |
      python3 -c 'import sys, yaml; print(yaml.safe_load(sys.stdin)["data"]["operator.json"])' >"$T_DIR/chart-op.json"
    out=$("$OP" --config "$T_DIR/chart-op.json" --check-config 2>&1) && rc=0 || rc=$?
    t_check "chart's operator.json (${name:-defaults}) is accepted" "0" "$rc"
    t_match "chart's operator.json (${name:-defaults}) has its groups" "group [^ ]+: deployment [a-z0-9-]+-ray-worker-" "$out"
  done
else
  t_check "chart-render built (golang-go: tools/setup-deps.sh)" present missing
fi

kill -TERM $FAKE_PID
wait $FAKE_PID || true
t_done
