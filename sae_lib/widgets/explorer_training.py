"""Training for notebook 06's rho/beta explorer: in the background, one model at a time.

Three pieces, each usable and testable alone:

* :func:`train_explorer_model` trains one model at (rho, beta) as the grid's models were
  trained (or warm-started from a grid model), on the calling thread, cancellable between
  two evaluations of the cost -- that is, within an L-BFGS iteration.
* :class:`BackgroundTrainer` runs such trainings in a background thread: never two at
  once, and the newest request wins (submitting cancels the running job and drops a
  waiting one).
* :class:`OwnerThreadQueue` carries results back to the thread that owns the widgets.
  matplotlib is not thread-safe, so the background thread only trains; everything that
  draws runs on the kernel's main thread. In a Jupyter kernel a posted callable is run by
  the kernel's event loop as soon as the kernel is idle (tornado's ``add_callback``, which
  may be called from any thread); elsewhere (scripts, tests) when the owner calls
  :meth:`OwnerThreadQueue.run_pending` -- as the explorer's ``wait()`` does.

How cancellation works: :func:`sae_lib.train` accepts an ``objective``; here it is the
library's ``cost_and_grad`` behind a check of the cancel flag, which raises a private
exception out of scipy's L-BFGS when the flag is set. (A per-iteration ``callback`` in
:func:`sae_lib.train` would let progress count iterations instead of evaluations.)
"""

from __future__ import annotations

import collections as _collections
import numbers as _numbers
import threading as _threading

from .._blas_threads import one_blas_thread as _one_blas_thread
from ..objective import cost_and_grad as _cost_and_grad
from .explorer_grid import ExplorerModel, model_figures

__all__ = ["BackgroundTrainer", "OwnerThreadQueue", "TrainingJob", "train_explorer_model"]


class _Cancelled(Exception):
    """Raised inside the objective to leave L-BFGS when a training is cancelled."""


def _stop_test(cancel):
    if cancel is None:
        return lambda: False
    if isinstance(cancel, _threading.Event):
        return cancel.is_set
    if callable(cancel):
        return lambda: bool(cancel())
    raise ValueError(f"cancel must be a threading.Event or a function returning True to "
                     f"stop, got {cancel!r}.")


def _start_weights(grid, start):
    """(theta0, warm_start) for ``start``: "initial" or a grid index (i, j)."""
    if isinstance(start, str):
        if start != "initial":
            raise ValueError(f"start={start!r}: use start='initial' (the grid's own initial "
                             "weights) or a grid index (i, j) such as grid.nearest(rho, beta).")
        return grid.initial_theta(), None
    i, j = grid.check_index(
        start, "start", fix="To warm-start from the nearest grid model pass "
        "start=grid.nearest(rho, beta); to train as the grid's models were trained, leave "
        "start out (start='initial').")
    return grid.theta[i, j], (i, j)


def train_explorer_model(grid, rho, beta, *, start="initial", max_iter=None,
                         on_progress=None, cancel=None):
    """Train the sparse autoencoder at (rho, beta) on ``grid``'s patches and settings.

    ``start="initial"``: from the grid's initial weights, with the grid's iteration limit
    (``max_iter`` None) and :func:`sae_lib.train`'s stopping rule -- the recipe of every
    grid model, so the result is comparable with them. ``start=(i, j)``: warm-started from
    the grid model (i, j). ``on_progress(evaluations)`` after each evaluation of the cost;
    ``cancel`` (a :class:`threading.Event` or a function) is checked before each one, and a
    cancelled training returns None. numpy's BLAS runs on one thread meanwhile
    (:func:`sae_lib._blas_threads.one_blas_thread`). Returns an
    :class:`~sae_lib.widgets.ExplorerModel` with ``source="trained"``.
    """
    from ..training import train
    from .explorer_grid import _check_rho_beta

    rho, beta = _check_rho_beta(rho, beta)
    theta0, warm_start = _start_weights(grid, start)
    if max_iter is None:
        max_iter = grid.max_iter
    if (isinstance(max_iter, bool) or not isinstance(max_iter, _numbers.Integral)
            or max_iter < 1):
        raise ValueError(f"max_iter must be a positive integer (the grid used "
                         f"{grid.max_iter}), got {max_iter!r}.")
    should_stop = _stop_test(cancel)
    evaluations = 0

    def objective(theta, visible_size, hidden_size, lambda_, sparsity_param, beta_, data):
        nonlocal evaluations
        if should_stop():
            raise _Cancelled
        out = _cost_and_grad(theta, visible_size, hidden_size, lambda_, sparsity_param,
                             beta_, data)
        evaluations += 1
        if on_progress is not None:
            on_progress(evaluations)
        return out

    data = grid.training_patches()
    with _one_blas_thread():
        try:
            result = train(data, grid.hidden_size, lambda_=grid.lambda_, sparsity_param=rho,
                           beta=beta, max_iter=max_iter, theta0=theta0, progress=False,
                           objective=objective)
        except _Cancelled:
            return None
        if should_stop():
            return None
        figures = model_figures(result.theta, rho, beta, grid.lambda_, data,
                                grid.hidden_size)
    return ExplorerModel(rho=rho, beta=beta, lambda_=grid.lambda_, theta=result.theta,
                         visible_size=grid.visible_size, hidden_size=grid.hidden_size,
                         source="trained", warm_start=warm_start, n_iter=result.n_iter,
                         max_iter=int(max_iter), message=result.message, **figures)


class TrainingJob:
    """One request to :class:`BackgroundTrainer`: what to run, and what became of it.

    ``id`` grows with every submission; ``cancel`` is the job's
    :class:`threading.Event`; ``state`` is ``"waiting"``, ``"running"``, ``"done"``,
    ``"cancelled"`` or ``"failed"``; ``result`` / ``error`` hold the outcome and
    ``finished`` is set once the job has ended, whichever way.
    """

    def __init__(self, id, work, deliver):
        self.id = id
        self.work = work
        self.deliver = deliver
        self.cancel = _threading.Event()
        self.finished = _threading.Event()
        self.state = "waiting"
        self.result = None
        self.error = None

    def __repr__(self):
        return f"TrainingJob(id={self.id}, state={self.state!r})"


class BackgroundTrainer:
    """Runs jobs in one background thread, newest first: never two at once.

    :meth:`submit` cancels the running job (its ``cancel`` event is set, which
    :func:`train_explorer_model` checks before every evaluation of the cost) and replaces
    any job still waiting, so at most one job runs and at most one waits. The thread is
    started when a job arrives and ends when none is left.

    ``work(job)`` runs in the background thread and returns the result (None for
    "cancelled"); ``deliver(job)`` is then called in the same thread, whatever the outcome
    -- it must not draw: post to the owner's thread instead (:class:`OwnerThreadQueue`).
    """

    def __init__(self, name="sae-explorer-training"):
        self.name = name
        self._cond = _threading.Condition()
        self._waiting = None
        self._running = None
        self._thread = None
        self._last_id = 0

    def submit(self, work, deliver=None):
        """Queue ``work`` as the next job, cancelling the others; returns the
        :class:`TrainingJob`."""
        with self._cond:
            self._last_id += 1
            job = TrainingJob(self._last_id, work, deliver)
            self._cancel_locked()
            self._waiting = job
            if self._thread is None:
                self._thread = _threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return job

    def cancel(self):
        """Cancel the running job and drop the waiting one."""
        with self._cond:
            self._cancel_locked()
            self._cond.notify_all()

    def _cancel_locked(self):
        if self._running is not None:
            self._running.cancel.set()
        if self._waiting is not None:
            dropped, self._waiting = self._waiting, None
            dropped.cancel.set()
            dropped.state = "cancelled"
            dropped.finished.set()

    @property
    def busy(self):
        """True while a job runs or waits."""
        with self._cond:
            return self._thread is not None

    def wait_idle(self, timeout=None):
        """Block until no job runs or waits; True if so (False when ``timeout`` passed)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._thread is None, timeout)

    def _run(self):
        while True:
            with self._cond:
                job = self._waiting
                if job is None:
                    self._thread = None
                    self._cond.notify_all()
                    return
                self._waiting = None
                self._running = job
                job.state = "running"
            try:
                if job.cancel.is_set():
                    job.state = "cancelled"
                else:
                    job.result = job.work(job)
                    job.state = ("cancelled" if job.result is None or job.cancel.is_set()
                                 else "done")
            except Exception as exc:  # kept for the owner to show, not lost in a thread
                job.error, job.state = exc, "failed"
            try:
                if job.deliver is not None:
                    job.deliver(job)
            except Exception:  # a broken deliver must not stop the trainer
                import traceback

                traceback.print_exc()
            finally:
                with self._cond:
                    self._running = None
                    job.finished.set()
                    self._cond.notify_all()


def _kernel_event_loop():
    """The Jupyter kernel's event loop if we are on the kernel's main thread, else None."""
    if _threading.current_thread() is not _threading.main_thread():
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    loop = getattr(kernel, "io_loop", None)
    return loop if callable(getattr(loop, "add_callback", None)) else None


class OwnerThreadQueue:
    """Callables posted from any thread, run on the thread that created the queue.

    ``loop``: an event loop with a thread-safe ``add_callback`` (tornado's IOLoop) that runs
    on the owner thread; ``"auto"`` (default) finds the Jupyter kernel's when created on
    the kernel's main thread, else None. With a loop, :meth:`post` also schedules
    :meth:`run_pending` on it, so posted work runs as soon as the owner thread is free;
    without one, it runs when the owner calls :meth:`run_pending`.
    """

    def __init__(self, loop="auto"):
        self.owner = _threading.current_thread()
        self.loop = _kernel_event_loop() if loop == "auto" else loop
        self._items = _collections.deque()
        self._lock = _threading.Lock()

    def post(self, fn):
        """Run ``fn()`` on the owner thread soon (safe to call from any thread)."""
        with self._lock:
            self._items.append(fn)
        if self.loop is not None:
            self.loop.add_callback(self.run_pending)

    def run_pending(self):
        """Run everything posted so far, in order; only on the owner thread. Returns how many."""
        if _threading.current_thread() is not self.owner:
            raise RuntimeError(f"posted work runs on the thread that owns it "
                               f"({self.owner.name}), not on "
                               f"{_threading.current_thread().name}.")
        done = 0
        while True:
            with self._lock:
                if not self._items:
                    return done
                fn = self._items.popleft()
            fn()
            done += 1

    def __len__(self):
        with self._lock:
            return len(self._items)
