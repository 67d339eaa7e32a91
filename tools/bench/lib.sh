# lib.sh — helpers shared by the benchmark scripts of tools/bench (sourced).

# Prints a free TCP port on 127.0.0.1 (the kernel picks it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
