"""Run one callable from many threads at once (each thread uses its own pooled connection)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")


def at_once(count: int, action: Callable[[int], T]) -> list[T | BaseException]:
    """Call action(0..count-1) in `count` threads released together; returns results or raised errors."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T | BaseException:
        barrier.wait()
        try:
            return action(index)
        except BaseException as exc:  # the test inspects what each thread raised
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
