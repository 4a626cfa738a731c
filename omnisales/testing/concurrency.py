"""Real concurrency: calls in threads, each on its own database connection, released at one barrier."""

import threading
from functools import partial

from django.db import connection


def run_together(*calls, timeout: float = 120) -> list:
    """Runs each call in its own thread, all released at the same moment; returns each call's result
    (or the exception it raised), in the order of `calls`. Fails if a thread is still running after
    `timeout` seconds."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except Exception as exc:  # the caller asserts on every outcome
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck"
    return results


def race(worker, count: int, **options) -> list:
    """Runs worker(index) for index in range(count), together (see run_together)."""
    return run_together(*(partial(worker, index) for index in range(count)), **options)
