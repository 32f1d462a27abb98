"""The one process pool of the book tooling (sweeps and scenario books execute notebooks on it)."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Hashable, Iterator
from typing import Any

__all__ = ["pool_size", "run_in_pool"]


def pool_size(workers: int | None, jobs: int) -> int:
    """Workers to start: ``workers`` (default: the number of cores), at most one per job, at least one."""
    return max(1, min(workers or os.cpu_count() or 1, jobs))


def run_in_pool(
    fn: Callable[..., Any], jobs: dict[Hashable, tuple], workers: int | None = None
) -> Iterator[tuple[Hashable, Any, BaseException | None]]:
    """Run ``fn(*args)`` for every ``key: args`` of ``jobs`` on a process pool; yield results as they finish.

    Parameters
    ----------
    fn : callable
        A module-level (picklable) function.
    jobs : dict
        Job key -> positional arguments.
    workers : int, optional
        Pool size (see :func:`pool_size`).

    Yields
    ------
    (key, result, error)
        ``error`` is the exception when ``fn`` raised or its worker process died, else None.

    Notes
    -----
    Workers are forked on Linux (the parent's imports are inherited, so a worker starts in
    milliseconds). Ctrl-C cancels every job not yet started and re-raises.
    """
    if not jobs:
        return
    ctx = mp.get_context("fork") if sys.platform.startswith("linux") else None
    with cf.ProcessPoolExecutor(max_workers=pool_size(workers, len(jobs)), mp_context=ctx) as pool:
        futs = {pool.submit(fn, *args): key for key, args in jobs.items()}
        try:
            for fut in cf.as_completed(futs):
                try:
                    yield futs[fut], fut.result(), None
                except Exception as exc:  # noqa: BLE001 - reported per job
                    yield futs[fut], None, exc
        except KeyboardInterrupt:
            for f in futs:
                f.cancel()
            raise
