"""Running attempts at the same moment, and spreading them over service instances."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from service.bootstrap import Container


def race(attempts: int, attempt: Callable[[], object]) -> tuple[list[object], list[Exception]]:
    """Start ``attempts`` threads at one barrier; collect results and exceptions."""
    barrier = threading.Barrier(attempts)
    results: list[object] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            result = attempt()
        except Exception as error:
            with lock:
                errors.append(error)
        else:
            with lock:
                results.append(result)

    threads = [threading.Thread(target=run) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def on_each(instances: list[Container]) -> Callable[[], Container]:
    """Each call, the next instance."""
    turns = itertools.count()
    return lambda: instances[next(turns) % len(instances)]
