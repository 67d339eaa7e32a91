#!/usr/bin/env bash
# Bad worker starts are refused with clear messages: wrong password, malformed
# resources and labels, no head; bad NODE.REGISTER payloads from a raw client.
# labels: integration
# timeout: 120
source "$(dirname "$0")/lib.sh"

t_start_head --redis-password pw1
w() { "$RAYC" start --address "127.0.0.1:$HEAD_PORT" --temp-dir "$T_DIR" --node-ip-address 127.0.0.1 "$@" 2>&1; }

out=$(w --redis-password wrong --num-cpus 1) && rc=0 || rc=$?
t_check "wrong password exit code" "1" "$rc"
t_match "wrong password message" "(WRONGPASS|password)" "$out"
out=$(w --num-cpus 1) && rc=0 || rc=$?
t_check "missing password exit code" "1" "$rc"
t_match "missing password message" "(NOAUTH|password)" "$out"
out=$(w --redis-password pw1 --resources '{"disk": -1}') && rc=0 || rc=$?
t_check "negative resource exit code" "2" "$rc"
t_match "negative resource message" "negative|disk" "$out"
out=$(w --redis-password pw1 --resources '{"disk": 1') && rc=0 || rc=$?
t_check "malformed JSON exit code" "2" "$rc"
t_match "malformed JSON message" "resources" "$out"
out=$(w --redis-password pw1 --resources '{"CPU": 1}') && rc=0 || rc=$?
t_check "CPU inside --resources exit code" "2" "$rc"
t_match "CPU inside --resources message" "num-cpus" "$out"
out=$(w --redis-password pw1 --labels '{"k": 1}') && rc=0 || rc=$?
t_check "non-string label exit code" "2" "$rc"
out=$(w --redis-password pw1 --num-cpus abc) && rc=0 || rc=$?
t_check "bad --num-cpus exit code" "2" "$rc"
t_match "bad --num-cpus message" "num-cpus" "$out"
out=$(RAYC_WORKER_RECONNECT_TIMEOUT_S=2 "$RAYC" start --address "127.0.0.1:$(t_free_port)" \
  --temp-dir "$T_DIR" --num-cpus 1 2>&1) && rc=0 || rc=$?
t_check "no head exit code" "1" "$rc"
t_match "no head message" "127.0.0.1" "$out"
out=$(env -u RAY_ADDRESS "$RAYC" start --temp-dir "$T_DIR" --num-cpus 1 2>&1) && rc=0 || rc=$?
t_check "no address exit code" "2" "$rc"
t_match "no address message" "RAY_ADDRESS" "$out"

r() { redis-cli -p "$HEAD_PORT" -a pw1 --no-auth-warning "$@" 2>&1; }
t_match "garbage NodeInfo refused" "^ERR" "$(r NODE.REGISTER 'not a protobuf at all')"
t_match "report from an unknown node" "^NOTFOUND" "$(r NODE.REPORT "$(printf '\x0a\x10%s' 0123456789abcdef)")"
t_check "no node got in" "0" "$(r NODE.LIST JSON | t_json 'len(d)')"
t_check "NODE.* refused on the client port" "1" "$(redis-cli -p "$HEAD_CLIENT_PORT" -a pw1 --no-auth-warning NODE.REGISTER x 2>&1 | grep -c 'client port')"
t_done
