# lib.sh — helpers shared by the benchmark scripts of tools/bench (sourced).

# Prints a free TCP port on 127.0.0.1 (the kernel picks it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_cluster BIN TMP PORT WORKERS CPUS [HEAD_FLAG...]: a head on 127.0.0.1:PORT (no
# Ray client server; HEAD_FLAGs added, e.g. --include-dashboard=false) and WORKERS
# worker nodes of CPUS CPUs, all daemonised under TMP (`rayc stop --temp-dir TMP`
# ends them). Raises the open-file limit first: the head holds a socket per client.
start_cluster() {
  local bin=$1 tmp=$2 port=$3 workers=$4 cpus=$5 i
  shift 5
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  "$bin/rayc" start --head --port "$port" --ray-client-server-port 0 --bind-host 127.0.0.1 \
    --temp-dir "$tmp" "$@" >/dev/null
  for ((i = 0; i < workers; i++)); do
    "$bin/rayc" start --address "127.0.0.1:$port" --temp-dir "$tmp" --node-ip-address 127.0.0.1 \
      --num-cpus "$cpus" >/dev/null
  done
}

# head_pid TMP: the pid of the head started under TMP (from its pid file); nothing
# when there is none.
head_pid() { { ls "$1/pids" 2>/dev/null || true; } | sed -n 's/^rayc-head-\([0-9]*\)\.pid$/\1/p' | head -1; }
