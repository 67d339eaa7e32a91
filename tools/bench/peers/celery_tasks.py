"""The Celery app and task functions of celery_bench.py.

Imported by the driver (client side) and by the worker it starts
(`python3 -m celery -A celery_tasks worker`, cwd and PYTHONPATH set to this
directory), so both see the same task names (celery_tasks.<function>) and the
same settings. The driver passes the broker/backend address in the
environment because the worker is a separate program that must import this
module before any command line of ours could reach it.

Environment:
  RC_CELERY_BENCH_URL         redis://127.0.0.1:<port>/0, broker and result backend
  RC_CELERY_BENCH_SERIALIZER  task and result serializer (default pickle; see
                              celery_bench.py for why)
"""
import os

from celery import Celery

URL = os.environ.get("RC_CELERY_BENCH_URL", "redis://127.0.0.1:6379/0")
SERIALIZER = os.environ.get("RC_CELERY_BENCH_SERIALIZER", "pickle")

app = Celery("celery_tasks", broker=URL, backend=URL)
app.conf.update(
    task_serializer=SERIALIZER,
    result_serializer=SERIALIZER,
    accept_content=[SERIALIZER],
    result_accept_content=[SERIALIZER],
    # A benchmark must fail, not retry for minutes, when its private redis
    # is gone; the default retries the broker connection 100 times.
    broker_connection_max_retries=3,
    # Results live only as long as the run needs them; the one-day default
    # would only make redis keep keys the next repetition does not read.
    result_expires=600,
)


@app.task
def noop():
    return None


@app.task
def arg_len(data):
    return len(data)


@app.task
def fan_root():
    return 1


@app.task
def fan_add(root, i):
    return root + i


@app.task
def fan_sum(values):
    return sum(values)
