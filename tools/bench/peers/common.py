"""Shared by the peer drivers (dask_bench.py, celery_bench.py): the command
line every driver takes, the JSON line every figure is printed as, and the
small statistics and process helpers they all need.

Each figure is one JSON object on its own stdout line:
  {"system": "dask", "workload": "single_client_tasks_async", "rep": 0,
   "metric": "tasks_per_s", "value": 1234.5, "unit": "tasks/s",
   "better": "higher", "n": 10000}
tools/bench/report.py reads these lines from rayc-bench and the peers alike.
Anything else a driver wants to say goes to stderr.
"""
import argparse
import json
import os
import socket
import sys

WORKLOADS = (
    "single_client_tasks_async",
    "single_client_tasks_sync",
    "multi_client_tasks_async",
    "tasks_with_1mib_args",
    "fanout_fanin",
    "queued_1m",
)


def parse_args(system):
    p = argparse.ArgumentParser(
        prog=f"{system}_bench.py",
        description=f"The rayc-bench workloads run on {system}; one JSON line per figure.")
    p.add_argument("--slots", type=int, default=4,
                   help="worker processes (one thread each), as many as rayc's executor slots")
    p.add_argument("--tasks", type=int, default=10000,
                   help="tasks for the async, multi-client workloads")
    p.add_argument("--sync-tasks", type=int, default=1000,
                   help="round trips for single_client_tasks_sync")
    p.add_argument("--arg-tasks", type=int, default=2000,
                   help="tasks for tasks_with_1mib_args")
    p.add_argument("--arg-bytes", type=int, default=1 << 20,
                   help="size of each task's argument in tasks_with_1mib_args")
    p.add_argument("--clients", type=int, default=4,
                   help="client processes for multi_client_tasks_async")
    p.add_argument("--fanout", type=int, default=1000, help="width of fanout_fanin")
    p.add_argument("--queued", type=int, default=20000, help="tasks for queued_1m")
    p.add_argument("--repeat", type=int, default=3, help="runs of each workload")
    p.add_argument("workloads", nargs="+", choices=WORKLOADS + ("all",))
    a = p.parse_args()
    for name in ("slots", "tasks", "sync_tasks", "arg_tasks", "clients", "fanout", "queued",
                 "repeat"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if a.arg_bytes < 0:
        p.error("--arg-bytes must be 0 or more")
    if "all" in a.workloads:
        a.workloads = list(WORKLOADS)
    return a


def emit(system, workload, rep, metric, value, unit, better, n):
    print(json.dumps({"system": system, "workload": workload, "rep": rep, "metric": metric,
                      "value": value, "unit": unit, "better": better, "n": n}), flush=True)


def percentile(sorted_values, q):
    """The q-th percentile (0..100) of an ascending list, nearest rank."""
    if not sorted_values:
        raise ValueError("percentile of nothing")
    k = min(len(sorted_values) - 1, int(len(sorted_values) * q / 100))
    return sorted_values[k]


def rss_bytes(pid):
    """Resident set size of a process, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg):
    print(msg, file=sys.stderr, flush=True)
