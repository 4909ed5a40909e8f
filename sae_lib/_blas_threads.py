"""A BLAS thread limit for the calling thread only -- the one thing threadpoolctl cannot do.

:func:`threadpoolctl.threadpool_limits` (used by :mod:`sae_lib.training`) changes a BLAS
library's thread count for the whole process. The rho/beta explorer trains a model in a
background thread while the kernel's main thread keeps drawing and answering the learner;
a process-wide limit would slow the main thread's work too, and restoring it when the
training ends would race with whatever the main thread set meanwhile.

OpenBLAS (>= 0.3.27, as bundled with numpy's wheels) has a per-thread setting,
``openblas_set_num_threads_local``, which this module calls through ctypes on the
OpenBLAS that numpy uses (found by threadpoolctl, so no platform-specific path search).
Where numpy uses another BLAS, or an older OpenBLAS, the limit is skipped: training is
then merely slower, never wrong.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools

__all__ = ["one_blas_thread", "thread_local_limit_available"]


@functools.lru_cache(maxsize=1)
def _numpy_openblas_local_setter():
    """numpy's OpenBLAS ``openblas_set_num_threads_local``, or None where there is none."""
    from threadpoolctl import threadpool_info

    import numpy as np  # noqa: F401  (loads numpy's BLAS so threadpoolctl can see it)

    for pool in threadpool_info():
        if pool.get("internal_api") != "openblas" or "numpy" not in pool.get("filepath", ""):
            continue
        try:
            setter = getattr(ctypes.CDLL(pool["filepath"]), "openblas_set_num_threads_local")
        except (OSError, AttributeError):
            return None
        setter.argtypes = [ctypes.c_int]
        setter.restype = ctypes.c_int
        return setter
    return None


def thread_local_limit_available():
    """True when :func:`one_blas_thread` can limit the calling thread's BLAS."""
    return _numpy_openblas_local_setter() is not None


@contextlib.contextmanager
def one_blas_thread():
    """Run numpy's matrix products on one thread -- for the calling thread only.

    Training a 25-unit network multiplies small matrices, where a second BLAS thread
    gains little on an idle machine and loses up to ten times on a busy one (threads
    spinning against other processes). A background training also leaves the other
    cores to the kernel's main thread, which draws the panels.
    """
    setter = _numpy_openblas_local_setter()
    if setter is None:
        yield
        return
    previous = setter(1)
    try:
        yield
    finally:
        setter(previous)
