"""Process-level helpers for long batch tasks."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
