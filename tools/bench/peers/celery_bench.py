#!/usr/bin/python3
"""rayc-bench's workloads on Celery (redis broker + redis result backend).

Starts a private redis-server on a free loopback port and ONE celery worker
(--concurrency --slots, prefork pool) importing celery_tasks.py beside this
file, runs the requested workloads, prints one JSON line per figure
(common.emit) and stops both, removing its temp dir, also on error or ^C.

Choices, to give Celery its best idiomatic shot. Each was measured on this
2-core box against its alternatives (5000 no-op tasks, 500 round trips,
1000 64 KiB-argument tasks, 2 repetitions, 3 runs each, machine otherwise
idle); the RC_CELERY_* variables below re-run those measurements:
- Worker flags --without-gossip --without-mingle --without-heartbeat: a
  single worker needs no cluster events; they only add broker traffic.
- Pool prefork (Celery's default): as many worker processes as rayc has
  executor slots. RC_CELERY_POOL=threads was no faster at prefetch 16 or 64
  and stalled badly at 4 (66-115 tasks/s on single_client_tasks_async).
- --prefetch-multiplier 4 (Celery's default, RC_CELERY_PREFETCH): 1, 16
  and 64 (Celery's docs advise high values for short tasks) were all within
  the run-to-run noise (about +-15 %) of 4.
- Serializer pickle (RC_CELERY_BENCH_SERIALIZER): json, Celery's default,
  cannot carry the bytes argument of tasks_with_1mib_args; msgpack can
  too; json, msgpack and pickle were within the noise on the no-op
  workloads, pickle was no slower on the 64 KiB arguments.
- Submitting: apply_async in a loop with one producer acquired for the
  whole loop (app.producer_or_acquire()); getting: one ResultSet.get(),
  which waits on the redis backend's pub/sub natively. A plain delay()
  loop (RC_CELERY_SUBMIT=loop) measured the same; group(...).apply_async()
  (RC_CELERY_SUBMIT=group) 10-25 % slower.
- Results stay on (they are what the workloads get); result_expires=600 s.
- fanout_fanin is Celery's canvas: chain(fan_root.s(), chord(group(
  fan_add.s(i) for i), fan_sum.s())). The chain passes the root's result to
  every header task as its first argument (a dependency resolved on the
  worker, not a value copied by the client); the chord's body gets the list
  of header results once the redis backend's chord counter reaches fanout.
- queued_1m routes the tasks to a queue no worker consumes (bench_never);
  "accepted" is LLEN of that redis list reaching the count. Redis holds the
  broker AND the result backend, so its RSS growth also includes the
  per-task pub/sub subscription the client's result consumer makes at
  submit (that is what a queued Celery task with a result costs). Both RSS
  readings follow MEMORY PURGE, so pages the earlier workloads freed but
  jemalloc still held do not skew the difference (it even came out
  negative without).
"""
import ctypes
import gc
import multiprocessing
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
# Keep the source tree clean: no __pycache__ beside these files, from us,
# the worker or the client processes (which inherit the environment).
sys.dont_write_bytecode = True
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
sys.path.insert(0, HERE)
import common  # noqa: E402

SYSTEM = "celery"
QUEUE_NEVER = "bench_never"
WAIT_MAX_S = 600.0  # no wait of ours lasts longer than this
START_MAX_S = 60.0
STOP_GRACE_S = 15.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

POOL = os.environ.get("RC_CELERY_POOL", "prefork")
PREFETCH = int(os.environ.get("RC_CELERY_PREFETCH", "4"))
SUBMIT = os.environ.get("RC_CELERY_SUBMIT", "producer")


class BenchError(Exception):
    """A cluster that would not start or a result that is wrong: exit 1."""


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so it unwinds like ^C does."""


def on_sigterm(signum, frame):
    raise Terminated()


def stop_group(proc, name):
    """SIGTERM the process group proc leads, SIGKILL it after a grace period.

    The worker and redis run in sessions of their own so prefork children
    are reached too, and so ^C at the terminal reaches only us (we then stop
    them in order)."""
    if proc is None:
        return
    pgid = proc.pid
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        common.log(f"celery_bench: {name} did not stop in {STOP_GRACE_S:.0f} s; killing it")
    # Whatever remains of the group: a leader that ignored SIGTERM, or
    # children that outlived a leader that died first.
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(STOP_GRACE_S)


def die_with_parent(sig):
    """Have the kernel send this process sig when its parent dies, even by
    SIGKILL, so not even a killed driver leaves redis, the worker or a
    client behind."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig))


def tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class Cluster:
    """A private redis-server plus one celery worker, and the client app."""

    def __init__(self, slots):
        self.slots = slots
        self.tmp = None
        self.redis_proc = None
        self.worker_proc = None
        self.app = None
        self.redis = None

    def start(self):
        import redis

        self.tmp = tempfile.mkdtemp(prefix="rc-celery-bench-")
        port = common.free_port()
        self.url = f"redis://127.0.0.1:{port}/0"
        redis_log = os.path.join(self.tmp, "redis.log")
        self.redis_proc = subprocess.Popen(
            ["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.tmp,
             "--logfile", redis_log, "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=lambda: die_with_parent(signal.SIGKILL))
        self.redis = redis.Redis(host="127.0.0.1", port=port, db=0, socket_timeout=WAIT_MAX_S,
                                 socket_connect_timeout=5)
        deadline = time.monotonic() + START_MAX_S
        while True:
            if self.redis_proc.poll() is not None:
                raise BenchError(f"redis-server exited with {self.redis_proc.returncode}:\n"
                                 + tail(redis_log))
            try:
                if self.redis.ping():
                    break
            except redis.exceptions.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"redis-server not answering on port {port} after "
                                 f"{START_MAX_S:.0f} s")
            time.sleep(0.05)
        common.log(f"celery_bench: redis-server pid {self.redis_proc.pid} on port {port}")

        # celery_tasks reads the address when imported: set it first.
        os.environ["RC_CELERY_BENCH_URL"] = self.url
        env = dict(os.environ)
        env["PYTHONPATH"] = HERE + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                    else "")
        # Celery refuses to run a pickle-accepting worker as root unless told
        # to; this broker is private to the run, on loopback, so no stranger
        # can send it a message.
        env.setdefault("C_FORCE_ROOT", "1")
        worker_log = os.path.join(self.tmp, "worker.log")
        with open(worker_log, "ab") as out:
            self.worker_proc = subprocess.Popen(
                ["/usr/bin/python3", "-m", "celery", "-A", "celery_tasks", "worker",
                 "--pool", POOL, "--concurrency", str(self.slots),
                 "--prefetch-multiplier", str(PREFETCH),
                 "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--loglevel", "WARNING", "--hostname", f"bench{port}@%h"],
                cwd=HERE, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True, preexec_fn=lambda: die_with_parent(signal.SIGTERM))
        import celery_tasks

        self.app = celery_tasks.app
        deadline = time.monotonic() + START_MAX_S
        while True:
            if self.worker_proc.poll() is not None:
                raise BenchError(f"celery worker exited with {self.worker_proc.returncode}:\n"
                                 + tail(worker_log))
            if self.app.control.ping(timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise BenchError(f"celery worker not answering ping after {START_MAX_S:.0f} s:\n"
                                 + tail(worker_log))
        # Warm up before any clock runs: the pool processes run their first
        # tasks, the client's producer and result consumer connect.
        warm = [celery_tasks.noop.delay() for _ in range(4 * self.slots)]
        self.app.ResultSet(warm).get(timeout=START_MAX_S)
        common.log(f"celery_bench: worker pid {self.worker_proc.pid} ready "
                   f"(pool {POOL}, concurrency {self.slots}, prefetch {PREFETCH}, "
                   f"serializer {celery_tasks.SERIALIZER}, submit {SUBMIT})")

    def stop(self):
        if self.app is not None:
            # Results still referenced only from cycles would otherwise die
            # at interpreter exit, after redis, and each would try to
            # reconnect to unsubscribe (for tens of seconds).
            gc.collect()
            consumer = self.app.backend.result_consumer
            try:
                consumer.stop()
            except Exception:  # already broken: we are tearing down anyway
                pass
            # Any result still alive then (e.g. held by a traceback) would
            # unsubscribe when freed; with no pub/sub it skips that.
            consumer._pubsub = None
        stop_group(self.worker_proc, "celery worker")
        stop_group(self.redis_proc, "redis-server")
        if self.redis is not None:
            self.redis.close()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def submit_many(app, sig_apply, n, **options):
    """n submits of one task with the same args, in the style SUBMIT names."""
    if SUBMIT == "loop":
        return [sig_apply(**options) for _ in range(n)]
    if SUBMIT == "producer":
        with app.producer_or_acquire() as producer:
            return [sig_apply(producer=producer, **options) for _ in range(n)]
    raise ValueError(SUBMIT)


def run_tasks(app, task, n, args=()):
    """Submit n tasks without waiting, then get them all: (results, seconds)."""
    t0 = time.perf_counter()
    if SUBMIT == "group":
        from celery import group

        values = group(task.s(*args) for _ in range(n)).apply_async().get(timeout=WAIT_MAX_S)
    else:
        handles = submit_many(app, lambda **o: task.apply_async(args, **o), n)
        values = app.ResultSet(handles).get(timeout=WAIT_MAX_S)
    return values, time.perf_counter() - t0


def check(workload, ok, what):
    if not ok:
        raise BenchError(f"{workload}: wrong result: {what}")


def w_async(cluster, args, rep):
    import celery_tasks

    values, secs = run_tasks(cluster.app, celery_tasks.noop, args.tasks)
    check("single_client_tasks_async", len(values) == args.tasks and
          all(v is None for v in values), f"{len(values)} results")
    common.emit(SYSTEM, "single_client_tasks_async", rep, "tasks_per_s", args.tasks / secs,
                "tasks/s", "higher", args.tasks)


def w_sync(cluster, args, rep):
    import celery_tasks

    lat = []
    for _ in range(args.sync_tasks):
        t0 = time.perf_counter()
        v = celery_tasks.noop.delay().get(timeout=WAIT_MAX_S)
        lat.append(time.perf_counter() - t0)
        check("single_client_tasks_sync", v is None, repr(v))
    lat.sort()
    for metric, q in (("p50_us", 50), ("p99_us", 99)):
        common.emit(SYSTEM, "single_client_tasks_sync", rep, metric,
                    common.percentile(lat, q) * 1e6, "us", "lower", args.sync_tasks)


def client_proc(n, barrier, out):
    """One multi_client_tasks_async client: its own process and connections."""
    try:
        die_with_parent(signal.SIGKILL)
        import celery_tasks

        # Connect (producer, result consumer) before the barrier.
        celery_tasks.noop.delay().get(timeout=START_MAX_S)
        barrier.wait(START_MAX_S)
        t0 = time.monotonic()
        values, _ = run_tasks(celery_tasks.app, celery_tasks.noop, n)
        t1 = time.monotonic()
        ok = len(values) == n and all(v is None for v in values)
        out.put((t0, t1, ok, f"{len(values)} results"))
    except BaseException as e:  # report to the parent rather than die silently
        out.put((0.0, 0.0, False, f"{type(e).__name__}: {e}"))


def w_multi(cluster, args, rep):
    # spawn, not fork: each client must build its own connections, and a
    # forked copy of our connected app would share our sockets.
    ctx = multiprocessing.get_context("spawn")
    per = [args.tasks // args.clients + (1 if i < args.tasks % args.clients else 0)
           for i in range(args.clients)]
    barrier = ctx.Barrier(args.clients)
    out = ctx.Queue()
    procs = [ctx.Process(target=client_proc, args=(per[i], barrier, out), daemon=True)
             for i in range(args.clients)]
    try:
        for p in procs:
            p.start()
        reports = []
        deadline = time.monotonic() + WAIT_MAX_S
        while len(reports) < len(procs):
            try:
                reports.append(out.get(timeout=1.0))
            except queue.Empty:
                # A client that died without a word (killed, crashed) would
                # otherwise keep us waiting for the full timeout.
                dead = sum(1 for p in procs if p.exitcode is not None)
                if dead > len(reports) + out.qsize():
                    raise BenchError("multi_client_tasks_async: a client process died: exit "
                                     + ", ".join(str(p.exitcode) for p in procs))
                if time.monotonic() > deadline:
                    raise BenchError(f"multi_client_tasks_async: clients not done after "
                                     f"{WAIT_MAX_S:.0f} s")
        for p in procs:
            p.join(STOP_GRACE_S)
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(STOP_GRACE_S)
    for t0, t1, ok, what in reports:
        check("multi_client_tasks_async", ok, what)
    secs = max(r[1] for r in reports) - min(r[0] for r in reports)
    common.emit(SYSTEM, "multi_client_tasks_async", rep, "tasks_per_s", args.tasks / secs,
                "tasks/s", "higher", args.tasks)


def w_args(cluster, args, rep):
    import celery_tasks

    data = os.urandom(args.arg_bytes)
    values, secs = run_tasks(cluster.app, celery_tasks.arg_len, args.arg_tasks, (data,))
    check("tasks_with_1mib_args", len(values) == args.arg_tasks and
          all(v == args.arg_bytes for v in values), f"{len(values)} results")
    common.emit(SYSTEM, "tasks_with_1mib_args", rep, "tasks_per_s", args.arg_tasks / secs,
                "tasks/s", "higher", args.arg_tasks)


def w_fanout(cluster, args, rep):
    from celery import chain, chord, group
    import celery_tasks as t

    f = args.fanout
    t0 = time.perf_counter()
    graph = chain(t.fan_root.s(), chord(group(t.fan_add.s(i) for i in range(f)), t.fan_sum.s()))
    total = graph.apply_async().get(timeout=WAIT_MAX_S)
    secs = time.perf_counter() - t0
    want = f + f * (f - 1) // 2
    check("fanout_fanin", total == want, f"sum {total!r}, want {want}")
    common.emit(SYSTEM, "fanout_fanin", rep, "seconds", secs, "s", "lower", f)


def settled_rss(r, pid):
    """redis-server's RSS (and its own used_memory count) with the pages
    jemalloc holds freed but not yet returned handed back first: otherwise
    what the previous workloads freed makes the before figure float (the
    difference even came out negative)."""
    r.execute_command("MEMORY PURGE")
    return common.rss_bytes(pid), r.info("memory")["used_memory"]


def w_queued(cluster, args, rep):
    import celery_tasks

    n = args.queued
    r = cluster.redis
    pid = cluster.redis_proc.pid
    check("queued_1m", r.llen(QUEUE_NEVER) == 0, "queue not empty before the run")
    rss0, mem0 = settled_rss(r, pid)
    t0 = time.perf_counter()
    handles = submit_many(cluster.app, celery_tasks.noop.apply_async, n, queue=QUEUE_NEVER)
    deadline = time.monotonic() + WAIT_MAX_S
    while r.llen(QUEUE_NEVER) < n:
        if time.monotonic() > deadline:
            raise BenchError(f"queued_1m: broker has {r.llen(QUEUE_NEVER)} of {n} tasks "
                             f"after {WAIT_MAX_S:.0f} s")
        time.sleep(0.001)
    secs = time.perf_counter() - t0
    rss1, mem1 = settled_rss(r, pid)
    common.log(f"celery_bench: queued_1m rep {rep}: redis RSS +{(rss1 - rss0) / n:.0f} B/task, "
               f"used_memory +{(mem1 - mem0) / n:.0f} B/task")
    common.emit(SYSTEM, "queued_1m", rep, "submit_tasks_per_s", n / secs, "tasks/s", "higher", n)
    common.emit(SYSTEM, "queued_1m", rep, "bytes_per_queued_task", (rss1 - rss0) / n, "B",
                "lower", n)
    # Clean for the next repetition: purge the queue and drop the result
    # subscriptions the client made for tasks that will never run.
    with cluster.app.connection_for_write() as conn:
        purged = conn.default_channel.queue_purge(QUEUE_NEVER)
    backend = cluster.app.backend
    for h in handles:
        backend.remove_pending_result(h)  # unsubscribes, drops the backend's reference
    check("queued_1m", purged == n and r.llen(QUEUE_NEVER) == 0, f"purged {purged} of {n}")


WORKLOADS = {
    "single_client_tasks_async": w_async,
    "single_client_tasks_sync": w_sync,
    "multi_client_tasks_async": w_multi,
    "tasks_with_1mib_args": w_args,
    "fanout_fanin": w_fanout,
    "queued_1m": w_queued,
}


def main():
    args = common.parse_args(SYSTEM)
    # A SIGTERM (e.g. from run.sh) unwinds like ^C, so the finally below
    # still stops the worker and redis.
    signal.signal(signal.SIGTERM, on_sigterm)
    cluster = Cluster(args.slots)
    t_all = time.monotonic()
    try:
        cluster.start()
        for name in args.workloads:
            for rep in range(args.repeat):
                t0 = time.monotonic()
                WORKLOADS[name](cluster, args, rep)
                common.log(f"celery_bench: {name} rep {rep} took {time.monotonic() - t0:.1f} s")
    except BenchError as e:
        common.log(f"celery_bench: error: {e}")
        return 1
    except KeyboardInterrupt:
        common.log("celery_bench: interrupted")
        return 130
    except Terminated:
        common.log("celery_bench: terminated")
        return 143
    except Exception:
        # Print it here, not after the finally: the traceback would keep the
        # workload's results alive past the cluster's stop.
        traceback.print_exc()
        return 1
    finally:
        # Stopping is bounded (STOP_GRACE_S per process); a second ^C or
        # SIGTERM must not cut it short and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()
        common.log(f"celery_bench: done in {time.monotonic() - t_all:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
