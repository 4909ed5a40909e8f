"""sae_lib.widgets.explorer_training: training between grid points, in the background.

train_explorer_model trains on the calling thread and stops within one evaluation of the
cost when cancelled; BackgroundTrainer runs one job at a time, newest first;
OwnerThreadQueue carries results back to the thread that draws.
"""

import threading
import time

import numpy as np
import pytest

from sae_lib.widgets import load_explorer_grid
from sae_lib.widgets.explorer_training import (
    BackgroundTrainer,
    OwnerThreadQueue,
    _kernel_event_loop,
    train_explorer_model,
)


@pytest.fixture(scope="module")
def grid():
    return load_explorer_grid()


# ---------------------------------------------------------------------------------------
# train_explorer_model
# ---------------------------------------------------------------------------------------
def test_default_recipe_reproduces_a_grid_model(grid):
    # rho = 0.001, beta = 3: the units switch off and L-BFGS stops early -- a quick run of
    # the full recipe (the grid's initial weights, the grid's stopping rule and limit)
    i, j = grid.find(0.001, 3.0)
    assert grid.n_iter[i, j] < 150, "pick a grid model that stops early for this test"
    m = grid.train_model(0.001, 3.0)
    assert m.source == "trained" and m.warm_start is None and m.max_iter == grid.max_iter
    assert m.trained_like(grid)
    assert m.n_iter == grid.n_iter[i, j]
    np.testing.assert_allclose(m.reconstruction_error, grid.reconstruction_error[i, j],
                               rtol=1e-4)
    np.testing.assert_allclose(m.rho_hat, grid.rho_hat[i, j], rtol=1e-3)
    np.testing.assert_allclose(m.theta, grid.theta[i, j], atol=1e-4)
    assert m.message


def test_warm_start_and_short_runs_are_not_like_the_grid(grid):
    start = grid.model(3, 3)
    m = grid.train_model(0.01, 3.0, start=(3, 3), max_iter=3)
    assert m.warm_start == (3, 3) and m.max_iter == 3 and 1 <= m.n_iter <= 3
    assert not m.trained_like(grid)
    # warm-started from the trained model at the same (rho, beta): little changes
    assert abs(m.cost - start.cost) < 0.01 * start.cost
    short = grid.train_model(0.015, 3.0, max_iter=2)
    assert short.warm_start is None and not short.trained_like(grid)
    with pytest.raises(ValueError, match="read-only"):
        short.W1[...] = 0


def test_progress_counts_evaluations(grid):
    seen = []
    m = grid.train_model(0.015, 3.0, max_iter=4, on_progress=seen.append)
    assert seen == list(range(1, len(seen) + 1))
    assert len(seen) >= m.n_iter + 1              # the initial cost, one or more per iteration


def test_cancel_stops_within_one_evaluation(grid):
    cancel = threading.Event()
    seen = []

    def on_progress(n):
        seen.append(n)
        if n == 5:
            cancel.set()                          # as a newer request would, mid-iteration

    assert grid.train_model(0.015, 3.0, max_iter=50, on_progress=on_progress,
                            cancel=cancel) is None
    assert seen == [1, 2, 3, 4, 5], "no evaluation of the cost may start after the cancel"
    # a function works as well as an Event, and a cancel before the start costs nothing
    seen.clear()
    assert grid.train_model(0.015, 3.0, on_progress=seen.append, cancel=lambda: True) is None
    assert seen == []


def test_cancel_from_another_thread(grid):
    cancel, started, seen = threading.Event(), threading.Event(), []

    def on_progress(n):
        seen.append(n)
        started.set()

    result = {}
    t = threading.Thread(target=lambda: result.update(m=grid.train_model(
        0.015, 3.0, on_progress=on_progress, cancel=cancel)))
    t.start()
    assert started.wait(60)
    cancel.set()
    at_cancel = len(seen)
    t.join(60)
    assert not t.is_alive() and result["m"] is None
    assert len(seen) <= at_cancel + 1, "stopped within one evaluation of the cancel"


@pytest.mark.parametrize("kwargs, message", [
    ({"start": None}, "start is None.*grid.nearest.*start='initial'"),
    ({"start": "nearest"}, "start='initial'"),
    ({"start": (9, 0)}, r"start \(9, 0\) is not a grid index"),
    ({"start": 3}, "not a grid index"),
    ({"max_iter": 0}, "max_iter must be a positive integer"),
    ({"max_iter": 2.5}, "max_iter must be a positive integer"),
    ({"cancel": "stop"}, "cancel must be a threading.Event"),
])
def test_bad_arguments_teach(grid, kwargs, message):
    with pytest.raises(ValueError, match=message):
        grid.train_model(0.015, 3.0, **kwargs)


def test_off_grid_find_as_start_is_a_teaching_error(grid):
    # the slip of issue 11: train_model(start=grid.find(off_grid_value))
    with pytest.raises(ValueError, match="returns None when .* between grid points"):
        train_explorer_model(grid, 0.015, 3.0, start=grid.find(0.015, 3.0))


# ---------------------------------------------------------------------------------------
# BackgroundTrainer
# ---------------------------------------------------------------------------------------
class Recorder:
    """Work functions that note how many run at once and wait to be cancelled."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0
        self.started = []
        self.threads = set()

    def work(self, seconds=5.0, result="done"):
        def run(job):
            with self.lock:
                self.running += 1
                self.most_at_once = max(self.most_at_once, self.running)
                self.started.append(job.id)
                self.threads.add(threading.current_thread().name)
            try:
                job.cancel.wait(seconds)
                return None if job.cancel.is_set() else result
            finally:
                with self.lock:
                    self.running -= 1
        return run


def test_one_job_at_a_time_and_the_newest_wins():
    trainer, rec, delivered = BackgroundTrainer(name="test-trainer"), Recorder(), []
    jobs = [trainer.submit(rec.work(), delivered.append) for _ in range(5)]
    last = trainer.submit(rec.work(seconds=0.05, result="latest"), delivered.append)
    assert trainer.wait_idle(30)
    assert not trainer.busy
    assert rec.most_at_once == 1
    assert last.state == "done" and last.result == "latest"
    for job in jobs:
        assert job.cancel.is_set() and job.state == "cancelled" and job.finished.is_set()
    # the worker only ever starts the newest job waiting, so the jobs it started are in
    # submission order and end with the last one (which of the earlier ones it caught
    # depends on when its thread woke up)
    assert rec.started == sorted(set(rec.started)) and rec.started[-1] == last.id
    assert rec.started[-1] == last.id
    assert delivered[-1] is last
    assert rec.threads == {"test-trainer"}


def test_a_running_job_is_cancelled_by_the_next():
    trainer, rec = BackgroundTrainer(), Recorder()
    first = trainer.submit(rec.work(seconds=30))
    deadline = time.monotonic() + 10
    while first.state != "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.state == "running"
    second = trainer.submit(rec.work(seconds=0.01))
    assert first.cancel.is_set()
    assert first.finished.wait(10), "the running job ends once cancelled"
    assert trainer.wait_idle(10) and second.state == "done"


def test_cancel_and_wait_idle():
    trainer, rec = BackgroundTrainer(), Recorder()
    job = trainer.submit(rec.work(seconds=30))
    assert trainer.busy
    assert trainer.wait_idle(0.05) is False
    trainer.cancel()
    assert trainer.wait_idle(10) and job.state == "cancelled"
    assert trainer.wait_idle(0) is True
    trainer.cancel()                               # nothing to cancel: no error


def test_failures_are_kept_and_the_trainer_goes_on(capsys):
    trainer, delivered = BackgroundTrainer(), []

    def broken(job):
        raise RuntimeError("no patches")

    failed = trainer.submit(broken, delivered.append)
    assert trainer.wait_idle(10)
    assert failed.state == "failed" and isinstance(failed.error, RuntimeError)
    assert delivered == [failed]

    def bad_deliver(job):
        raise KeyError("deliver broke")

    trainer.submit(lambda job: "x", bad_deliver)
    assert trainer.wait_idle(10)
    assert "deliver broke" in capsys.readouterr().err
    ok = trainer.submit(lambda job: "fine")
    assert trainer.wait_idle(10) and ok.state == "done"


def test_real_trainings_never_overlap(grid):
    # two real trainings submitted back to back: the first stops within an evaluation
    trainer, counts = BackgroundTrainer(), {}

    def training(rho):
        def run(job):
            def on_progress(n):
                counts[job.id] = n
            return grid.train_model(rho, 3.0, max_iter=5, on_progress=on_progress,
                                    cancel=job.cancel)
        return run

    first = trainer.submit(training(0.015))
    deadline = time.monotonic() + 60
    while first.id not in counts and time.monotonic() < deadline:
        time.sleep(0.005)
    second = trainer.submit(training(0.03))
    assert trainer.wait_idle(120)
    assert first.state == "cancelled" and first.result is None
    assert second.state == "done" and second.result.rho == 0.03


# ---------------------------------------------------------------------------------------
# OwnerThreadQueue
# ---------------------------------------------------------------------------------------
def test_posted_work_runs_on_the_owner_thread_in_order():
    inbox = OwnerThreadQueue(loop=None)
    ran = []

    def poster():
        for k in range(3):
            inbox.post(lambda k=k: ran.append((k, threading.current_thread().name)))

    t = threading.Thread(target=poster, name="worker")
    t.start()
    t.join()
    assert ran == [] and len(inbox) == 3          # nothing runs on the worker
    assert inbox.run_pending() == 3
    me = threading.current_thread().name
    assert ran == [(0, me), (1, me), (2, me)]
    assert inbox.run_pending() == 0


def test_run_pending_refuses_other_threads():
    inbox = OwnerThreadQueue(loop=None)
    inbox.post(lambda: None)
    errors = []

    def other():
        try:
            inbox.run_pending()
        except RuntimeError as exc:
            errors.append(str(exc))

    t = threading.Thread(target=other, name="intruder")
    t.start()
    t.join()
    assert errors and "intruder" in errors[0]
    assert len(inbox) == 1


class FakeLoop:
    """A stand-in for the kernel's tornado IOLoop: records add_callback calls."""

    def __init__(self):
        self.callbacks = []
        self.threads = []

    def add_callback(self, fn):
        self.callbacks.append(fn)
        self.threads.append(threading.current_thread().name)


def test_posting_schedules_the_owner_loop():
    loop = FakeLoop()
    inbox = OwnerThreadQueue(loop=loop)
    ran = []
    t = threading.Thread(target=lambda: inbox.post(lambda: ran.append(1)), name="worker")
    t.start()
    t.join()
    assert loop.threads == ["worker"] and ran == []
    for callback in loop.callbacks:                # what the kernel's loop then does
        callback()
    assert ran == [1]


def test_kernel_event_loop_is_found_only_in_a_kernel(monkeypatch):
    import IPython

    assert _kernel_event_loop() is None            # plain pytest: no kernel
    loop = FakeLoop()

    class Kernel:
        io_loop = loop

    class Shell:
        kernel = Kernel()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    assert _kernel_event_loop() is loop
    assert OwnerThreadQueue().loop is loop
    found = []
    t = threading.Thread(target=lambda: found.append(_kernel_event_loop()))
    t.start()
    t.join()
    assert found == [None], "only the kernel's main thread uses its loop"
