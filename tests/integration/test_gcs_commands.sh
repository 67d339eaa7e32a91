#!/usr/bin/env bash
# The GCS through real redis-cli: every Redis-compatible command of the head,
# the internal KV, INFO/CLIENT/COMMAND/CONFIG, unknown commands and arity errors.
# labels: integration
# timeout: 120
source "$(dirname "$0")/lib.sh"

t_start_head
out=$(cat "$T_DIR/start.out")
t_match "start prints the address" "rayc start --address='[0-9.]+:$HEAD_PORT'" "$out"
r() { redis-cli -p "$HEAD_PORT" "$@" 2>&1; }

t_check "PING" "PONG" "$(r PING)"
t_check "PING msg" "hello" "$(r PING hello)"
t_check "ECHO" "a b" "$(r ECHO 'a b')"
t_check "SELECT 0" "OK" "$(r SELECT 0)"
t_check "SELECT 1" "ERR DB index is out of range" "$(r SELECT 1)"
t_check "AUTH without password" \
  "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?" \
  "$(r AUTH x)"

# strings
t_check "SET" "OK" "$(r SET k1 v1)"
t_check "GET" "v1" "$(r GET k1)"
t_check "GET missing" "" "$(r GET nope)"
t_check "SET NX existing" "" "$(r SET k1 v2 NX)"
t_check "SET XX missing" "" "$(r SET k9 v XX)"
t_check "SET EX" "OK" "$(r SET ke v EX 100)"
t_match "TTL" "^(100|99)$" "$(r TTL ke)"
t_check "SET PX" "OK" "$(r SET kp v PX 100000)"
t_match "PTTL via TTL" "^(100|99)$" "$(r TTL kp)"
t_check "SET bad EX" "ERR invalid expire time in 'set' command" "$(r SET ke v EX -5)"
t_check "MSET" "OK" "$(r MSET a 1 b 2 c 3)"
t_check "MGET" $'1\n2\n\n3' "$(r MGET a b missing c)"
t_check "INCR" "2" "$(r INCR a)"
t_check "INCRBY" "12" "$(r INCRBY a 10)"
t_check "DECR" "11" "$(r DECR a)"
t_check "INCR non-int" "ERR value is not an integer or out of range" "$(r INCR k1)"
t_check "EXISTS" "2" "$(r EXISTS a b nope)"
t_check "TYPE string" "string" "$(r TYPE a)"
t_check "TYPE none" "none" "$(r TYPE nope)"
t_check "DEL" "2" "$(r DEL a b nope)"
t_check "EXPIRE" "1" "$(r EXPIRE c 100)"
t_match "TTL after EXPIRE" "^(100|99)$" "$(r TTL c)"
t_check "PERSIST" "1" "$(r PERSIST c)"
t_check "TTL persistent" "-1" "$(r TTL c)"
t_check "TTL missing" "-2" "$(r TTL nope)"
t_check "PEXPIRE" "1" "$(r PEXPIRE c 150)"
sleep 0.4
t_check "expired by PEXPIRE" "" "$(r GET c)"
t_check "KEYS" $'k1\nke\nkp' "$(r KEYS 'k*' | sort)"
t_check "SCAN all" $'k1\nke\nkp' "$(r --scan --pattern 'k*' | sort)"
t_match "SCAN cursor shape" $'^[0-9]+\n' "$(r SCAN 0 COUNT 2)"
t_check "DBSIZE" "3" "$(r DBSIZE)"

# hashes
t_check "HSET" "2" "$(r HSET h f1 v1 f2 v2)"
t_check "HGET" "v1" "$(r HGET h f1)"
t_check "HLEN" "2" "$(r HLEN h)"
t_check "HKEYS" $'f1\nf2' "$(r HKEYS h | sort)"
t_check "HGETALL" $'f1\nf2\nv1\nv2' "$(r HGETALL h | sort)"
t_check "HDEL" "1" "$(r HDEL h f1 nope)"
t_check "WRONGTYPE" "WRONGTYPE Operation against a key holding the wrong kind of value" "$(r GET h)"

# lists
t_check "RPUSH" "3" "$(r RPUSH l a b c)"
t_check "LPUSH" "4" "$(r LPUSH l z)"
t_check "LRANGE" $'z\na\nb\nc' "$(r LRANGE l 0 -1)"
t_check "LLEN" "4" "$(r LLEN l)"
t_check "LPOP" "z" "$(r LPOP l)"
t_check "RPOP" "c" "$(r RPOP l)"
t_check "LRANGE tail" "b" "$(r LRANGE l -1 -1)"

# sets
t_check "SADD" "3" "$(r SADD s x y z)"
t_check "SADD dup" "0" "$(r SADD s x)"
t_check "SCARD" "3" "$(r SCARD s)"
t_check "SMEMBERS" $'x\ny\nz' "$(r SMEMBERS s | sort)"
t_check "SREM" "1" "$(r SREM s x)"
t_match "SPOP" "^(y|z)$" "$(r SPOP s)"
t_check "SCARD after SPOP" "1" "$(r SCARD s)"

# internal KV
t_check "KV.PUT new" "1" "$(r KV.PUT ns1 key1 val1)"
t_check "KV.PUT existing" "0" "$(r KV.PUT ns1 key1 val2)"
t_check "KV.GET kept" "val1" "$(r KV.GET ns1 key1)"
t_check "KV.PUT overwrite" "0" "$(r KV.PUT ns1 key1 val3 OVERWRITE)"
t_check "KV.GET overwritten" "val3" "$(r KV.GET ns1 key1)"
t_check "KV.GET other ns" "" "$(r KV.GET ns2 key1)"
t_check "KV.PUT 2" "1" "$(r KV.PUT ns1 key2 v)"
t_check "KV.KEYS" $'key1\nkey2' "$(r KV.KEYS ns1 key | sort)"
t_check "KV.EXISTS" "1" "$(r KV.EXISTS ns1 key2)"
t_check "KV.DEL" "1" "$(r KV.DEL ns1 key2)"
t_check "KV.EXISTS gone" "0" "$(r KV.EXISTS ns1 key2)"

# server commands
info=$(r INFO)
for section in Server Clients Memory Stats Keyspace; do
  t_match "INFO has $section" "# $section" "$info"
done
t_match "INFO memory from the allocator" "used_memory:[0-9]+" "$(r INFO memory)"
t_match "INFO keyspace" "db0:keys=[0-9]+,expires=" "$(r INFO keyspace)"
t_match "COMMAND COUNT" "^[0-9]+$" "$(r COMMAND COUNT)"
t_match "COMMAND INFO get" "get" "$(r COMMAND INFO get)"
t_check "CLIENT SETNAME" "OK" "$(r CLIENT SETNAME tester)"
t_match "CLIENT ID" "^[0-9]+$" "$(r CLIENT ID)"
t_match "CLIENT LIST" "id=[0-9]+ addr=127.0.0.1:[0-9]+ .*cmd=client" "$(r CLIENT LIST)"
t_check "CLIENT GETNAME unset" "" "$(r CLIENT GETNAME)"
t_check "CONFIG GET save" "save" "$(r CONFIG GET save)"
t_check "unknown command" "ERR unknown command 'NOSUCH', with args beginning with: 'x' " "$(r NOSUCH x)"
t_check "wrong arity" "ERR wrong number of arguments for 'get' command" "$(r GET)"
t_check "FLUSHALL" "OK" "$(r FLUSHALL)"
t_check "DBSIZE after FLUSHALL" "0" "$(r DBSIZE)"
t_check "client port refuses data commands" \
  "ERR command 'SET' is not served on the client port $HEAD_CLIENT_PORT; node and admin commands use the GCS port $HEAD_PORT" \
  "$(redis-cli -p "$HEAD_CLIENT_PORT" SET a b 2>&1)"
t_check "client port PING" "PONG" "$(redis-cli -p "$HEAD_CLIENT_PORT" PING 2>&1)"
t_done
