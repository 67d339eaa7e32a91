#!/usr/bin/python3
"""dask_bench.py: rayc-bench's workloads run on Dask distributed (issue 9).

  /usr/bin/python3 tools/bench/peers/dask_bench.py [--slots N] [--tasks N] ... WORKLOAD... | all

Starts a distributed.LocalCluster on 127.0.0.1 (--slots worker processes with
one thread each, scheduler inside this process, no dashboard), runs each
workload --repeat times, prints one JSON line per figure (common.emit), and
stops everything it started. Workload definitions: tools/bench peer spec; the
task functions are in dask_tasks.py beside this file.

Choices, to give Dask its best idiomatic shot. Measured on the 2-core box,
4 slots, --tasks 10000 --arg-tasks 2000 (tasks/s; fanout_fanin in s):

                       map+inf  map+1.1  loop+inf  loop+1.1
  single_client async    ~1800     ~800     ~900      ~600
  multi_client async     ~1750     ~800     ~900      ~600
  tasks_with_1mib_args    ~700     ~600     ~600      ~460
  fanout_fanin (s)        ~0.75    ~1.1     ~1.2      ~2.2
  queued_1m submit       ~10000   ~11000    ~2300     ~2300

- Many independent tasks go in with client.map(..., pure=False), one graph
  message per batch, rather than client.submit in a loop ("loop" above: each
  call packs and sends its own graph). pure=False is required anyway: with
  Dask's default pure=True identical calls share one key and run once.
- distributed.scheduler.worker-saturation = inf ("inf" above), i.e. task
  queuing off, as Dask before 2022.11 did by default: the scheduler hands a
  worker all its tasks at once instead of ~1.1 per thread and one more per
  completion. The documented knob for workloads of many small tasks, not a
  patch; it does not affect queued_1m (restricted tasks are never queued).
- Results come back with client.gather after distributed.wait (wait gives the
  bounded timeout that gather lacks). gather(direct=True) and as_completed
  were tried: no better, and as_completed much worse.
- Everything else at Dask's defaults (pickle/msgpack, compression auto,
  scheduler in this process as LocalCluster has it, work stealing on:
  turning it off measured the same within noise).
- single_client_tasks_sync is client.submit(noop, pure=False).result(). Its
  ~10.7 ms p50 is Dask's own floor: the client batches what it sends to the
  scheduler every 10 ms, hard-coded (distributed/client.py, BatchedSend
  interval="10ms"), so a new submit waits for the previous send's slot; no
  setting changes it.
- tasks_with_1mib_args passes the bytes by value in the map call (no scatter):
  each task's argument travels client -> scheduler -> worker inside its task,
  the path rayc's arguments take. The bytes are random (nothing to compress).
- fanout_fanin uses futures: submit(one), map(add_index, [root] * F, range(F)),
  submit(total, mids): the middle tasks depend on the root's future, the
  fan-in on all middle futures; only the sum comes back to the client.
- multi_client_tasks_async and queued_1m use client processes of their own
  (multiprocessing, spawn) connected to cluster.scheduler_address. For
  queued_1m that keeps the client-side futures out of the scheduler process,
  whose RSS is what bytes_per_queued_task measures (that process also holds
  this driver's own client, idle meanwhile). "Accepted" means the scheduler
  has every task in its unrunnable set (state no-worker), read from the
  in-process Scheduler object. The first repetition shows more bytes per task
  than later ones: the scheduler's dicts keep their grown size and its
  transition log (100k entries) fills once.

DASK_BENCH_SUBMIT=loop and DASK_BENCH_WORKER_SATURATION=1.1 in the
environment reproduce the other columns; run.sh sets neither.
"""
import ctypes
import gc
import logging
import multiprocessing
import multiprocessing.resource_tracker
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
# Worker and client processes are spawned, not forked: they find dask_tasks
# through PYTHONPATH. Dask reads DASK_* at import, and the children inherit it.
if HERE not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (HERE, os.environ.get("PYTHONPATH")) if p)
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")

import common  # noqa: E402
import dask  # noqa: E402
import dask_tasks  # noqa: E402
import psutil  # noqa: E402
from distributed import Client, LocalCluster, wait  # noqa: E402

# The scheduler (this process) logs "full garbage collections took N% CPU
# time recently" by the dozen in queued_1m: Dask's self-diagnosis, noise here.
logging.getLogger("distributed.utils_perf").setLevel(logging.ERROR)

SYSTEM = "dask"
TIMEOUT = 600          # the longest any single wait may take, seconds
START_TIMEOUT = 120    # cluster or client process start
IDLE_TIMEOUT = 60      # scheduler draining its tasks between repetitions

# The two options measured (see the header); the environment overrides exist
# only to reproduce that comparison, run.sh does not set them.
# distributed.scheduler.worker-saturation: "inf" (kept) or "1.1" (the default).
WORKER_SATURATION = os.environ.get("DASK_BENCH_WORKER_SATURATION", "inf")
# "map" (kept) or "loop" (client.submit in a loop).
SUBMIT_STYLE = os.environ.get("DASK_BENCH_SUBMIT", "map")


class BenchError(Exception):
    """A wrong result, a timeout or a failed client: exit 1."""


class Interrupted(BaseException):
    """SIGINT/SIGTERM/SIGHUP, or the start watchdog: unwind through finally."""


def _on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def submit_many(client, fn, n, *iterables, **kw):
    """n tasks fn(i, *iterable items), in the style chosen above."""
    if not iterables:
        iterables = (range(n),)
    if SUBMIT_STYLE == "loop":
        return [client.submit(fn, *a, pure=False, **kw) for a in zip(*iterables)]
    return client.map(fn, *iterables, pure=False, **kw)


def trim_heap():
    """Collect garbage and hand free heap pages back to the kernel, so that
    an RSS baseline is not inflated by memory an earlier workload freed but
    the allocator kept (the queued tasks would then reuse it and look free)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def gather_all(client, futs):
    done, not_done = wait(futs, timeout=TIMEOUT)
    if not_done:
        raise BenchError(f"{len(not_done)} tasks not done after {TIMEOUT} s")
    return client.gather(futs)


# --------------------------------------------------------------------------
# Client processes (multi_client_tasks_async, queued_1m)


def _child_main(address, conn):
    """A client process: connect, say ready, then obey the parent's messages.
    Every message back is a tuple; ("error", text) on any failure."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    client = None
    held = None
    try:
        client = Client(address, timeout=START_TIMEOUT)
        conn.send(("ready", os.getpid()))
        while conn.poll(TIMEOUT):
            msg = conn.recv()
            if msg[0] == "map":
                n = msg[1]
                t0 = time.monotonic()
                futs = submit_many(client, dask_tasks.noop, n)
                res = gather_all(client, futs)
                t1 = time.monotonic()
                ok = len(res) == n and all(r is None for r in res)
                del futs, res
                conn.send(("done", t0, t1, ok))
            elif msg[0] == "queue":
                n = msg[1]
                t0 = time.monotonic()
                held = submit_many(client, dask_tasks.noop, n,
                                   resources={"bench_never_available": 1})
                conn.send(("queued", t0))
            elif msg[0] == "cancel":
                if held is not None:
                    client.cancel(held)
                    held = None
                conn.send(("cancelled",))
            else:
                break
    except (EOFError, BrokenPipeError):
        pass  # the parent went away
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        try:
            conn.send(("error", f"{type(e).__name__}: {e}"))
        except (OSError, EOFError):
            pass
    finally:
        held = None
        if client is not None:
            client.close(timeout=30)


class ClientProc:
    def __init__(self, proc, conn):
        self.proc, self.conn = proc, conn

    def send(self, *msg):
        self.conn.send(msg)

    def recv(self, want, timeout=TIMEOUT):
        if not self.conn.poll(timeout):
            raise BenchError(f"client process {self.proc.pid}: no '{want}' within {timeout} s")
        try:
            msg = self.conn.recv()
        except EOFError:
            raise BenchError(f"client process {self.proc.pid} died "
                             f"(exit code {self.proc.exitcode})") from None
        if msg[0] == "error":
            raise BenchError(f"client process {self.proc.pid}: {msg[1]}")
        if msg[0] != want:
            raise BenchError(f"client process {self.proc.pid}: got {msg[0]}, wanted {want}")
        return msg

    def stop(self, graceful=True):
        """graceful: ask it to close its client and wait for that. Otherwise
        (error, Ctrl-C) it may be busy with a batch: terminate it at once."""
        if graceful:
            try:
                self.conn.send(("stop",))
            except OSError:
                pass
            self.proc.join(30)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


# --------------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmpdir = None
        self.cluster = None
        self.client = None
        self.kids = []

    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix="dask_bench-")
        dask.config.set({"distributed.scheduler.worker-saturation": float(WORKER_SATURATION),
                         "temporary-directory": self.tmpdir})
        t0 = time.monotonic()
        # dashboard_address=None turns the dashboard off, but the scheduler
        # and each worker still serve /health and /metrics over HTTP: on
        # 0.0.0.0:8787 and 0.0.0.0:<random> unless told otherwise. Keep them
        # on loopback, on free ports (bokeh is not installed, so no
        # dashboard either way).
        self.cluster = LocalCluster(n_workers=self.args.slots, threads_per_worker=1,
                                    processes=True, host="127.0.0.1", dashboard_address=None,
                                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                    worker_dashboard_address="127.0.0.1:0",
                                    silence_logs=logging.WARNING, local_directory=self.tmpdir)
        self.client = Client(self.cluster, timeout=START_TIMEOUT)
        self.client.wait_for_workers(self.args.slots, timeout=START_TIMEOUT)
        common.log(f"dask_bench: dask {dask.__version__}, scheduler "
                   f"{self.cluster.scheduler_address}, {self.args.slots} workers x 1 thread, "
                   f"worker-saturation {WORKER_SATURATION}, submit {SUBMIT_STYLE}, "
                   f"started in {time.monotonic() - t0:.1f} s")

    def spawn_clients(self, k):
        ctx = multiprocessing.get_context("spawn")
        kids = []
        for _ in range(k):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_child_main, args=(self.cluster.scheduler_address, child),
                            daemon=True)
            p.start()
            child.close()
            kid = ClientProc(p, parent)
            kids.append(kid)
            self.kids.append(kid)
        t0 = time.monotonic()
        for kid in kids:
            kid.recv("ready", START_TIMEOUT)
        common.log(f"dask_bench: {k} client processes connected in {time.monotonic() - t0:.1f} s")
        return kids

    def stop_clients(self, kids):
        for kid in kids:
            kid.stop()
            self.kids.remove(kid)

    def wait_idle(self):
        """Wait until the scheduler has forgotten every task, so that one
        repetition does not pay for the previous one's releases."""
        sched = self.cluster.scheduler
        deadline = time.monotonic() + IDLE_TIMEOUT
        while sched.tasks:
            if time.monotonic() > deadline:
                raise BenchError(f"scheduler still holds {len(sched.tasks)} tasks "
                                 f"{IDLE_TIMEOUT} s after a workload")
            time.sleep(0.005)

    def emit(self, workload, rep, metric, value, unit, better, n):
        common.emit(SYSTEM, workload, rep, metric, value, unit, better, n)

    def stop(self):
        t0 = time.monotonic()
        for kid in list(self.kids):  # only left here by an error or a signal
            try:
                kid.stop(graceful=False)
            except Exception as e:  # noqa: BLE001 - keep cleaning up
                common.log(f"dask_bench: stopping client process: {e}")
        self.kids = []
        if self.client is not None:
            try:
                self.client.close(timeout=30)
            except Exception as e:  # noqa: BLE001
                common.log(f"dask_bench: closing the client: {e}")
        if self.cluster is not None:
            try:
                self.cluster.close(timeout=30)
            except Exception as e:  # noqa: BLE001
                common.log(f"dask_bench: closing the cluster: {e}")
        # Whatever survived (a worker process a failed close left): stop it.
        # multiprocessing's resource tracker ignores SIGTERM and leaves by
        # itself when this process exits (end of file on its pipe).
        tracker = getattr(multiprocessing.resource_tracker._resource_tracker, "_pid", None)
        left = [p for p in psutil.Process().children(recursive=True) if p.pid != tracker]
        for p in left:
            try:
                p.terminate()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(left, timeout=5)
        for p in alive:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=5)
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        common.log(f"dask_bench: stopped in {time.monotonic() - t0:.1f} s"
                   + (f" ({len(left)} leftover processes killed)" if left else ""))


# --------------------------------------------------------------------------
# Workloads


def single_client_tasks_async(b):
    n = b.args.tasks
    for rep in range(b.args.repeat):
        t0 = time.monotonic()
        futs = submit_many(b.client, dask_tasks.noop, n)
        res = gather_all(b.client, futs)
        t1 = time.monotonic()
        if len(res) != n or any(r is not None for r in res):
            raise BenchError(f"single_client_tasks_async: {len(res)} results, wanted {n} Nones")
        del futs, res
        b.emit("single_client_tasks_async", rep, "tasks_per_s", round(n / (t1 - t0), 1),
               "tasks/s", "higher", n)
        b.wait_idle()


def single_client_tasks_sync(b):
    n = b.args.sync_tasks
    for rep in range(b.args.repeat):
        lat = []
        for _ in range(n):
            t0 = time.monotonic()
            f = b.client.submit(dask_tasks.noop, pure=False)
            r = f.result(timeout=60)
            lat.append(time.monotonic() - t0)
            if r is not None:
                raise BenchError(f"single_client_tasks_sync: got {r!r}, wanted None")
            del f
        lat.sort()
        for metric, q in (("p50_us", 50), ("p99_us", 99)):
            b.emit("single_client_tasks_sync", rep, metric,
                   round(common.percentile(lat, q) * 1e6, 1), "us", "lower", n)
        b.wait_idle()


def multi_client_tasks_async(b):
    n, k = b.args.tasks, b.args.clients
    shares = [n // k + (1 if i < n % k else 0) for i in range(k)]
    kids = b.spawn_clients(k)  # on an error Bench.stop terminates them
    for rep in range(b.args.repeat):
        # All connected: the go messages are the barrier.
        for kid, share in zip(kids, shares):
            kid.send("map", share)
        done = [kid.recv("done") for kid in kids]
        if not all(d[3] for d in done):
            raise BenchError("multi_client_tasks_async: a client got wrong results")
        span = max(d[2] for d in done) - min(d[1] for d in done)
        b.emit("multi_client_tasks_async", rep, "tasks_per_s", round(n / span, 1), "tasks/s",
               "higher", n)
        b.wait_idle()
    b.stop_clients(kids)


def tasks_with_1mib_args(b):
    n, size = b.args.arg_tasks, b.args.arg_bytes
    payload = os.urandom(size)  # random: nothing for compression to win on
    for rep in range(b.args.repeat):
        t0 = time.monotonic()
        futs = submit_many(b.client, dask_tasks.arg_len, n, [payload] * n)
        res = gather_all(b.client, futs)
        t1 = time.monotonic()
        if len(res) != n or any(r != size for r in res):
            bad = next((r for r in res if r != size), None)
            raise BenchError(f"tasks_with_1mib_args: {len(res)} results (e.g. {bad!r}), "
                             f"wanted {n} times {size}")
        del futs, res
        b.emit("tasks_with_1mib_args", rep, "tasks_per_s", round(n / (t1 - t0), 1), "tasks/s",
               "higher", n)
        b.wait_idle()


def fanout_fanin(b):
    f = b.args.fanout
    want = f + f * (f - 1) // 2
    for rep in range(b.args.repeat):
        t0 = time.monotonic()
        root = b.client.submit(dask_tasks.one, pure=False)
        mids = submit_many(b.client, dask_tasks.add_index, f, [root] * f, range(f))
        top = b.client.submit(dask_tasks.total, mids, pure=False)
        got = top.result(timeout=TIMEOUT)
        t1 = time.monotonic()
        if got != want:
            raise BenchError(f"fanout_fanin: sum {got!r}, wanted {want}")
        del root, mids, top
        b.emit("fanout_fanin", rep, "seconds", round(t1 - t0, 4), "s", "lower", f)
        b.wait_idle()


def queued_1m(b):
    n = b.args.queued
    sched = b.cluster.scheduler
    (kid,) = b.spawn_clients(1)  # on an error Bench.stop terminates it
    for rep in range(b.args.repeat):
        trim_heap()
        before = common.rss_bytes(os.getpid())
        kid.send("queue", n)
        deadline = time.monotonic() + TIMEOUT
        t0 = None
        while len(sched.unrunnable) < n:
            if time.monotonic() > deadline:
                raise BenchError(f"queued_1m: scheduler has {len(sched.unrunnable)} of {n} "
                                 f"tasks after {TIMEOUT} s")
            if t0 is None and kid.conn.poll(0):
                t0 = kid.recv("queued")[1]  # client side done; not yet the scheduler
            if not kid.proc.is_alive():
                raise BenchError(f"client process {kid.proc.pid} died")
            time.sleep(0.002)
        t1 = time.monotonic()
        after = common.rss_bytes(os.getpid())
        if t0 is None:
            t0 = kid.recv("queued")[1]
        if len(sched.unrunnable) != n:
            raise BenchError(f"queued_1m: scheduler has {len(sched.unrunnable)} queued "
                             f"tasks, wanted {n}")
        b.emit("queued_1m", rep, "submit_tasks_per_s", round(n / (t1 - t0), 1), "tasks/s",
               "higher", n)
        b.emit("queued_1m", rep, "bytes_per_queued_task", round((after - before) / n, 1),
               "B", "lower", n)
        kid.send("cancel")
        kid.recv("cancelled")
        b.wait_idle()
    b.stop_clients([kid])


WORKLOADS = {
    "single_client_tasks_async": single_client_tasks_async,
    "single_client_tasks_sync": single_client_tasks_sync,
    "multi_client_tasks_async": multi_client_tasks_async,
    "tasks_with_1mib_args": tasks_with_1mib_args,
    "fanout_fanin": fanout_fanin,
    "queued_1m": queued_1m,
}


def main():
    args = common.parse_args(SYSTEM)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    b = Bench(args)
    rc = 0
    watchdog = threading.Timer(START_TIMEOUT + 10, os.kill, (os.getpid(), signal.SIGTERM))
    watchdog.daemon = True
    phase = "start"
    try:
        watchdog.start()
        try:
            b.start()
        except Exception as e:  # noqa: BLE001 - any start failure is fatal
            common.log(f"dask_bench: cannot start the Dask cluster: {type(e).__name__}: {e}")
            return 1
        finally:
            watchdog.cancel()
        phase = "run"
        t0 = time.monotonic()
        for w in args.workloads:
            tw = time.monotonic()
            WORKLOADS[w](b)
            common.log(f"dask_bench: {w} done in {time.monotonic() - tw:.1f} s")
        common.log(f"dask_bench: all workloads done in {time.monotonic() - t0:.1f} s")
    except BenchError as e:
        common.log(f"dask_bench: error: {e}")
        rc = 1
    except Interrupted as e:
        if phase == "start":
            common.log(f"dask_bench: cannot start the Dask cluster: not up after "
                       f"{START_TIMEOUT} s ({e})")
        else:
            common.log(f"dask_bench: interrupted ({e}), stopping")
        rc = 1
    except Exception:  # noqa: BLE001
        common.log("dask_bench: unexpected error:\n" + traceback.format_exc())
        rc = 1
    finally:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)  # let the cleanup finish
        b.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())
