"""Task functions for dask_bench.py.

They live in their own small module, next to the driver, so the Dask worker
processes import them by name: cloudpickle then sends a reference to
dask_tasks.noop with each task, where a function defined in the driver's
__main__ would be shipped by value (its code) every time. The workers find
this module because the driver puts this directory on PYTHONPATH before it
starts them.
"""


def noop(*_):
    """The no-op task; ignores the index client.map hands it."""
    return None


def arg_len(data):
    """tasks_with_1mib_args: proves the argument arrived whole."""
    return len(data)


def one():
    """fanout_fanin's root."""
    return 1


def add_index(root, i):
    """fanout_fanin's middle layer: takes the root's result as a dependency."""
    return root + i


def total(values):
    """fanout_fanin's fan-in: Dask resolves the list of futures to values."""
    return sum(values)
