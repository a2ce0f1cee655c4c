"""Timing shared by the benchmarks: the best of repeated runs (the machine's noise only ever adds time)."""

from __future__ import annotations

import time

import numpy as np

#: Each timing: the best of at least 3 runs, more if they fit in this many seconds (after a warm-up).
RUN_SECONDS = 3.0


def best_of(work, seconds: float = RUN_SECONDS):
    """(smallest wall time in s, result) over repeated calls: at least 3, and enough to fill ``seconds``.

    The smallest is the truest figure; every side of a comparison gets the same treatment.
    """
    best, result, spent, runs = np.inf, None, 0.0, 0
    while runs < 3 or (spent < seconds and runs < 50):
        start = time.perf_counter()
        result = work()
        took = time.perf_counter() - start
        best, spent, runs = min(best, took), spent + took, runs + 1
    return best, result
