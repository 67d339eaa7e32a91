#!/usr/bin/env bash
# The GCS under real clients doing real things: AUTH required, pub/sub across two
# redis-cli processes, pipelining, malformed input, a client killed mid-request,
# a subscriber that never reads, and the max-clients limit.
# labels: integration
# timeout: 180
source "$(dirname "$0")/lib.sh"

t_start_head --redis-password s3cret --max-clients 50
r() { redis-cli -p "$HEAD_PORT" "$@" 2>&1; }
ra() { redis-cli -p "$HEAD_PORT" -a s3cret --no-auth-warning "$@" 2>&1; }

# AUTH
t_check "NOAUTH" "NOAUTH Authentication required." "$(r GET x)"
t_check "PING needs AUTH too" "NOAUTH Authentication required." "$(r PING)"
t_check "wrong password" "WRONGPASS invalid username-password pair or user is disabled." \
  "$(r AUTH wrong)"
t_check "AUTH ok" "OK" "$(ra SET x 1)"
t_check "after AUTH" "1" "$(ra GET x)"
t_check "AUTH default user" $'OK\n1' "$(printf 'AUTH default s3cret\nGET x\n' | r)"

# pub/sub across two clients
sub_out="$T_DIR/sub.out"
redis-cli -p "$HEAD_PORT" -a s3cret --no-auth-warning SUBSCRIBE news >"$sub_out" 2>&1 &
sub_pid=$!
T_PIDS+=($sub_pid)
redis-cli -p "$HEAD_PORT" -a s3cret --no-auth-warning PSUBSCRIBE 'ev.*' >"$T_DIR/psub.out" 2>&1 &
psub_pid=$!
T_PIDS+=($psub_pid)
for i in $(seq 100); do
  [ "$(ra PUBSUB NUMSUB news | tail -1)" = "1" ] && [ "$(ra PUBSUB NUMPAT)" = "1" ] && break
  sleep 0.05
done
t_check "PUBLISH reaches 1 subscriber" "1" "$(ra PUBLISH news hello-world)"
t_check "PUBLISH reaches the pattern" "1" "$(ra PUBLISH ev.node node-up)"
t_check "PUBLISH to nobody" "0" "$(ra PUBLISH quiet x)"
sleep 0.3
kill $sub_pid $psub_pid 2>/dev/null || true
wait $sub_pid $psub_pid 2>/dev/null || true
t_check "subscriber got the message" $'subscribe\nnews\n1\nmessage\nnews\nhello-world' "$(cat "$sub_out")"
t_check "pattern subscriber got it" $'psubscribe\nev.*\n1\npmessage\nev.*\nev.node\nnode-up' "$(cat "$T_DIR/psub.out")"
sleep 0.2
t_check "subscriptions gone with the clients" "0" "$(ra PUBSUB NUMPAT)"

# pipelining: 10,000 commands in one write, answered in order
{
  printf 'AUTH s3cret\r\n'
  for i in $(seq 1 10000); do printf 'RPUSH pl %d\r\n' "$i"; done
} >"$T_DIR/pipe.txt"
replies=$(redis-cli -p "$HEAD_PORT" <"$T_DIR/pipe.txt" 2>&1 | tail -1)
t_check "pipelined RPUSH last reply" "10000" "$replies"
t_check "pipelined order" $'1\n2\n3' "$(ra LRANGE pl 0 2)"
t_check "pipelined tail" "10000" "$(ra LRANGE pl -1 -1)"
t_match "redis-cli --pipe" "errors: 0, replies: 2001" \
  "$( { printf '*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n'; for i in $(seq 2000); do printf '*3\r\n$3\r\nSET\r\n$4\r\np%03d\r\n$1\r\nv\r\n' $((i % 1000)); done; } | redis-cli -p "$HEAD_PORT" --pipe 2>&1)"

# malformed input: the error comes back and the connection closes; the head lives on
raw() { # sends bytes, prints what came back within 2 s
  python3 - "$HEAD_PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode().decode('unicode_escape').encode('latin-1'))
s.settimeout(2)
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d: break
        out += d
except socket.timeout:
    out += b"<open>"
print(out.decode('latin-1').replace('\r\n', '|'))
PY
}
t_check "bad multibulk length" "-ERR Protocol error: invalid multibulk length|" "$(raw '*abc\r\n')"
t_check "bad bulk length" "-ERR Protocol error: invalid bulk length|" "$(raw '*1\r\n$-5\r\n')"
t_check "expected \$" "-ERR Protocol error: expected '\$', got 'x'|" "$(raw '*1\r\nx\r\n')"
t_check "unbalanced quotes" "-ERR Protocol error: unbalanced quotes in request|" "$(raw 'SET "a b\r\n')"
t_check "huge bulk refused" "-ERR Protocol error: invalid bulk length|" "$(raw '*1\r\n$99999999999\r\n')"
t_check "before AUTH, inline" "-NOAUTH Authentication required.|<open>" "$(raw 'GET x\r\n')"
t_check "head still serves" "PONG" "$(ra PING)"

# a client killed in the middle of a big request
python3 - "$HEAD_PORT" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$100000000\r\n" + b"x" * 1000000)
time.sleep(30)
PY
victim=$!
T_PIDS+=($victim)
sleep 0.5
kill -9 $victim
wait $victim 2>/dev/null || true
sleep 0.2
t_check "after a killed client" "PONG" "$(ra PING)"
t_check "half-sent SET did nothing" "0" "$(ra EXISTS big)"

# a subscriber that never reads is cut off; the head's memory stays bounded
python3 - "$HEAD_PORT" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(b"AUTH s3cret\r\nSUBSCRIBE flood\r\n")
time.sleep(60)
PY
slow=$!
T_PIDS+=($slow)
for i in $(seq 100); do [ "$(ra PUBSUB NUMSUB flood | tail -1)" = "1" ] && break; sleep 0.05; done
payload=$(head -c 100000 /dev/zero | tr '\0' 'p')
{
  printf 'AUTH s3cret\r\n'
  for i in $(seq 1 500); do printf 'PUBLISH flood %s\r\n' "$payload"; done
} | redis-cli -p "$HEAD_PORT" >/dev/null 2>&1
sleep 0.5
t_check "slow subscriber disconnected" "0" "$(ra PUBSUB NUMSUB flood | tail -1)"
kill $slow 2>/dev/null || true
t_match "head logged why" "does not read its replies" "$(cat "$T_DIR"/logs/rayc-head.log)"

# max clients (50): the 51st connection gets Redis's error
python3 - "$HEAD_PORT" <<'PY' >"$T_DIR/maxc.out"
import socket, sys, time
socks = []
for i in range(50):
    socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
time.sleep(0.3)
extra = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
extra.settimeout(3)
print(extra.recv(200).decode().strip())
PY
t_check "max clients reached" "-ERR max number of clients reached" "$(cat "$T_DIR/maxc.out")"
t_check "head fine after" "PONG" "$(ra PING)"
t_done
