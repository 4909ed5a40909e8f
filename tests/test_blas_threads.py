"""sae_lib._blas_threads: numpy's BLAS on one thread while any training scope is open.

The thread count is read back through threadpoolctl, the same way it is set. Scopes opened
and closed in several threads in a fixed order (driven by events) show the reference
counting that a plain threadpoolctl limit lacks.
"""

import threading

import pytest

from sae_lib import _blas_threads
from sae_lib._blas_threads import (
    blas_limit_available,
    numpy_blas_threads,
    one_blas_thread,
)


@pytest.fixture
def two_threads():
    """numpy's BLAS at two threads for the test (whatever the environment said), restored.

    Set by a plain threadpoolctl limit held open by the main thread for the whole test --
    with threadpoolctl >= 3.8 that makes the main thread the one "controlling" OpenBLAS,
    the situation in which a plain limit from another thread would be ignored.
    """
    pools = _blas_threads._numpy_blas_pools()
    assert pools is not None, "numpy's BLAS should be visible to threadpoolctl here"
    with pools.limit(limits=2):
        assert numpy_blas_threads() == 2
        yield


def test_numpy_blas_is_found():
    assert blas_limit_available()
    assert isinstance(numpy_blas_threads(), int) and numpy_blas_threads() >= 1


def test_limit_inside_and_restored_after(two_threads):
    with one_blas_thread():
        assert numpy_blas_threads() == 1
    assert numpy_blas_threads() == 2


def test_restored_when_the_block_raises(two_threads):
    with pytest.raises(KeyError), one_blas_thread():
        assert numpy_blas_threads() == 1
        raise KeyError("boom")
    assert numpy_blas_threads() == 2


def test_nested_scopes_in_one_thread(two_threads):
    with one_blas_thread():
        with one_blas_thread():
            assert numpy_blas_threads() == 1
        assert numpy_blas_threads() == 1, "the outer scope is still open"
    assert numpy_blas_threads() == 2


def test_the_limit_is_process_wide(two_threads):
    # OpenBLAS has no per-thread limit: what one thread sets, every thread sees.
    inside, release, seen = threading.Event(), threading.Event(), []

    def trainer():
        with one_blas_thread():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=trainer)
    t.start()
    assert inside.wait(10)
    seen.append(numpy_blas_threads())        # the main thread, during the other's scope
    release.set()
    t.join(10)
    assert seen == [1]
    assert numpy_blas_threads() == 2


def test_overlapping_scopes_in_two_threads_restore_once_at_the_end(two_threads):
    # A enters, B enters, A leaves (B still trains: the limit must hold), B leaves (the
    # original count comes back). A plain threadpoolctl limit would restore 2 when A left
    # and 1 -- for good -- when B left.
    steps = {name: threading.Event() for name in
             ("a_in", "b_in", "a_may_leave", "a_out", "b_may_leave")}
    seen = {}

    def a():
        with one_blas_thread():
            steps["a_in"].set()
            steps["a_may_leave"].wait(10)
        seen["after a left"] = numpy_blas_threads()
        steps["a_out"].set()

    def b():
        steps["a_in"].wait(10)
        with one_blas_thread():
            steps["b_in"].set()
            steps["b_may_leave"].wait(10)
            seen["b at its end"] = numpy_blas_threads()

    ta, tb = threading.Thread(target=a), threading.Thread(target=b)
    ta.start()
    tb.start()
    assert steps["b_in"].wait(10)
    steps["a_may_leave"].set()
    assert steps["a_out"].wait(10)
    steps["b_may_leave"].set()
    ta.join(10)
    tb.join(10)
    assert seen == {"after a left": 1, "b at its end": 1}
    assert numpy_blas_threads() == 2
    assert _blas_threads._open_scopes == 0


def test_without_a_visible_blas_it_does_nothing(monkeypatch):
    monkeypatch.setattr(_blas_threads, "_numpy_blas_pools", lambda: None)
    assert not blas_limit_available()
    assert numpy_blas_threads() is None
    ran = []
    with one_blas_thread():
        ran.append(True)
    assert ran == [True]
    assert _blas_threads._open_scopes == 0


def test_no_numpy_blas_among_the_libraries(monkeypatch):
    # threadpoolctl sees only a BLAS that is not numpy's (e.g. scipy's alone): no limit
    import threadpoolctl

    class FakeLib:
        filepath = "/somewhere/scipy.libs/libopenblas.so"
        num_threads = 4

    class FakeController:
        lib_controllers = [FakeLib()]

        def select(self, **kwargs):
            return self

    monkeypatch.setattr(threadpoolctl, "ThreadpoolController", FakeController)
    _blas_threads._numpy_blas_pools.cache_clear()
    try:
        assert _blas_threads._numpy_blas_pools() is None
        assert not blas_limit_available()
    finally:
        monkeypatch.undo()
        _blas_threads._numpy_blas_pools.cache_clear()
    assert blas_limit_available()
