"""Process-level helpers for long batch tasks."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from django.db import connection, connections

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (restored on exit, also on error).

    A nightly county task allocates some 100,000 short- and medium-lived objects (facts, results,
    tasks); they outlive the collector's youngest generation, so its full collections, which walk
    every object of the process (Django, the catalog), ran several times per task: 12 % of a cold
    night (docs/performance.md). Reference counting still frees everything the block drops; the
    few reference cycles it leaves are collected once the collector runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def in_lanes(func: Callable[[T], R], items: Sequence[T], lanes: int) -> list[R]:
    """``[func(item) for item in items]``, with up to ``lanes`` items in progress at once, each lane
    a thread with its own database connection (the calling thread is the first lane; the others'
    connections are closed when they end); results in the order of ``items``.

    For work that waits on the database about as long as it computes (a county of the nightly
    run): while one lane waits for PostgreSQL, another computes, so one process keeps its core
    and the database's busy together. Every item runs to its end even if another raised; the
    first exception is raised after all of them (a BaseException in the calling thread, the
    process stopping, is raised at once and the lanes take no further item). Runs in the calling
    thread, one item after the other, when there is one lane or one item, on SQLite, or inside a
    transaction (another connection would not see its uncommitted rows: a test's transaction, a
    caller's atomic)."""
    if lanes <= 1 or len(items) <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return [func(item) for item in items]
    results: list = [None] * len(items)
    errors: list[BaseException] = []
    queue = iter(enumerate(items))
    lock, stop = threading.Lock(), threading.Event()

    def lane() -> None:
        while not stop.is_set():
            with lock:
                picked = next(queue, None)
            if picked is None:
                return
            index, item = picked
            try:
                results[index] = func(item)
            except Exception as exc:  # noqa: BLE001 - re-raised by the caller's thread below
                errors.append(exc)

    def helper() -> None:
        try:
            lane()
        finally:
            connections.close_all()  # this thread's connections: a thread never reuses another's

    # The calling thread is the first lane (its connection is already open); the others are helpers.
    helpers = [threading.Thread(target=helper, name=f"lane-{n}", daemon=True)
               for n in range(1, min(lanes, len(items)))]
    for thread in helpers:
        thread.start()
    try:
        lane()
    except BaseException:  # the process is stopping (SystemExit, KeyboardInterrupt): no new items
        stop.set()
        raise
    for thread in helpers:
        thread.join()
    if errors:
        raise errors[0]
    return results
