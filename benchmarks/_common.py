"""Helpers shared by the benchmark scripts (timing, machine description, load)."""

import os
import platform
import time

import numpy as np


def median_seconds(fn, repeats, warmup=False):
    """Median wall-clock and CPU seconds (this process, all its threads) of fn()."""
    if warmup:
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), float(np.median(cpu))


def machine():
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        if names:
            cpu = names[0]
    except OSError:
        pass
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    return (f"{cpu}, {os.cpu_count()} cores, numpy {np.__version__}, Python "
            f"{platform.python_version()}, BLAS threads: {threads}")


def load():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
