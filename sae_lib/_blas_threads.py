"""numpy's BLAS on one thread while any background training runs -- safely from many threads.

The rho/beta explorer trains a 25-unit network in a background thread. Its matrix
products are small: a second BLAS thread gains little on an idle machine and, on a busy
one, loses badly (OpenBLAS threads spin against the other processes: on a 2-core
machine under load, one evaluation of the objective took over ten times longer with two
threads than with one). So numpy's BLAS runs single-threaded while the training runs.

Why this module exists (and what it cannot do):

* **No per-thread limit exists for numpy's OpenBLAS.** ``openblas_set_num_threads_local``
  sounds thread-local, but in OpenBLAS's pthreads builds (numpy's wheels) it sets the
  process-wide thread count and returns the previous one (OpenBLAS PR #4425; measured:
  a value set in one thread is what every other thread sees). MKL has a true
  per-thread limit, but numpy's wheels do not use MKL. So the limit is process-wide: the
  kernel's main thread also multiplies on one thread while a training runs, which costs
  nothing for drawing four small panels.
* **threadpoolctl sets the limit** (its library controllers: OpenBLAS, MKL, BLIS and
  Accelerate, on Linux, macOS and Windows); nothing here calls a BLAS library directly.
* **What threadpoolctl cannot do is overlapping scopes in several threads.** Its
  ``limit()`` restores, on exit, the count it saw on entry; and since version 3.8, for a
  process-wide OpenBLAS pool, only one Python thread at a time may change the count --
  the others are silently ignored. So if thread A enters (2 -> 1), thread B enters (it
  sees 1, and saves 1), A leaves (back to 2 while B still trains) and B leaves, B
  "restores" 1: the limit is lost early and then kept for the rest of the session.
  :func:`one_blas_thread` counts the open scopes under a lock instead: the first to
  enter sets the limit, the last to leave restores the count from before the first entry,
  each time taking threadpoolctl's control of the pool for that one change
  (``OpenBLASController.clear_controlling_thread``) and handing it back at once.

Where threadpoolctl finds no BLAS belonging to numpy, :func:`one_blas_thread` does
nothing: training is then merely slower, never wrong.
"""

from __future__ import annotations

import contextlib
import functools
import threading

__all__ = ["blas_limit_available", "numpy_blas_threads", "one_blas_thread"]

_lock = threading.Lock()
_open_scopes = 0
_saved_counts = None   # numpy's BLAS thread counts from before the first open scope


@functools.lru_cache(maxsize=1)
def _numpy_blas_pools():
    """threadpoolctl's selection of numpy's BLAS libraries, or None where there is none."""
    import numpy as np  # noqa: F401  (loads numpy's BLAS so threadpoolctl can see it)
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController().select(user_api="blas")
    numpy_paths = [lib.filepath for lib in controller.lib_controllers
                   if "numpy" in lib.filepath]
    return controller.select(filepath=numpy_paths) if numpy_paths else None


def blas_limit_available():
    """True when :func:`one_blas_thread` can limit numpy's BLAS (threadpoolctl sees it)."""
    return _numpy_blas_pools() is not None


def numpy_blas_threads():
    """The thread count of numpy's BLAS now (the largest if several), or None if unknown."""
    pools = _numpy_blas_pools()
    if pools is None:
        return None
    return max(lib.num_threads for lib in pools.lib_controllers)


def _set_counts(pools, counts):
    """Set numpy's BLAS libraries to ``counts`` (one per library) from this thread.

    threadpoolctl >= 3.8 lets one Python thread at a time change a process-wide OpenBLAS
    pool and ignores the others; take that control for this one change and give it back.
    """
    try:
        from threadpoolctl import OpenBLASController
        release = OpenBLASController.clear_controlling_thread   # threadpoolctl >= 3.8
    except (ImportError, AttributeError):
        release = None
    if release is not None:
        release(force=True)
    try:
        for lib, n in zip(pools.lib_controllers, counts):
            lib.set_num_threads(n)
    finally:
        if release is not None:
            release()


@contextlib.contextmanager
def one_blas_thread():
    """Run numpy's matrix products on one thread inside the block -- process-wide.

    Safe to enter from several threads at once: the limit holds from the first entry to
    the last exit, and the thread counts from before the first entry come back then.
    Does nothing where numpy's BLAS cannot be found (see :func:`blas_limit_available`).
    """
    global _open_scopes, _saved_counts
    pools = _numpy_blas_pools()
    if pools is None:
        yield
        return
    with _lock:
        if _open_scopes == 0:
            _saved_counts = [lib.num_threads for lib in pools.lib_controllers]
            _set_counts(pools, [1] * len(_saved_counts))
        _open_scopes += 1
    try:
        yield
    finally:
        with _lock:
            _open_scopes -= 1
            if _open_scopes == 0:
                _set_counts(pools, _saved_counts)
                _saved_counts = None
