"""The example extension: free-threading declaration, detached waits, negative controls.

Each "X prevents a deadlock" test has its negative control: the same scenario
without X hangs (asserted as a subprocess that does not finish in time).
"""

import gc
import subprocess
import sys
import threading

import pytest

import detach_demo
from conftest import FREE_THREADED, GcStorm, ft_only

HANG_SECONDS = 8  # a scenario still running after this is a deadlock


# -- #[ft_module] --------------------------------------------------------------------


@ft_only
@pytest.mark.parametrize("gil_env", [{}, {"PYTHON_GIL": "0"}], ids=["default", "PYTHON_GIL=0"])
def test_import_keeps_gil_off(python, gil_env):
    r = python(
        "import sys, detach_demo; assert not sys._is_gil_enabled(), 'GIL re-enabled'; print('ok')",
        env=gil_env,
        args=("-W", "error::RuntimeWarning"),
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


@ft_only
def test_negative_control_module_reenables_gil(python):
    """The same kind of module without #[ft_module] (PyO3 0.27) turns the GIL back on."""
    r = python(
        """
        import sys, warnings
        warnings.simplefilter("always")
        with warnings.catch_warnings(record=True) as caught:
            import gil_control
        assert sys._is_gil_enabled(), "control module did not re-enable the GIL"
        assert any(issubclass(w.category, RuntimeWarning) and "GIL" in str(w.message) for w in caught), caught
        print("reenabled")
        """,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "reenabled"
    # And it is refused outright under the test suite's own warning policy.
    r = python("import gil_control", args=("-W", "error::RuntimeWarning"), timeout=60)
    assert r.returncode != 0 and "RuntimeWarning" in r.stderr


def test_gil_state_in_this_process():
    import sys

    if FREE_THREADED:
        assert not sys._is_gil_enabled()


# -- #[blocking_detached] -------------------------------------------------------------


def test_detached_wait_completes(python):
    r = python("import detach_demo; print(detach_demo.wait_detached(7))", timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "7"


def test_detached_wait_in_process():
    assert detach_demo.wait_detached(11) == 11


def test_attached_twin_deadlocks(python):
    """Negative control: the un-annotated twin waits attached for a producer that must
    attach first. It never finishes (on a GIL build the producer waits for the GIL, on
    a free-threaded build gc.collect() waits for the attached waiter)."""
    with pytest.raises(subprocess.TimeoutExpired):
        python("import detach_demo; detach_demo.wait_attached(7); print('finished')", timeout=HANG_SECONDS)


# A daemon thread whose detached wait ends while the interpreter finalizes. A
# `__del__` run by the module teardown keeps finalization going for 0.6 s, so one of
# the daemon's 50 ms waits surely ends inside it, well after `Py_FinalizeEx` marked
# the interpreter as finalizing.
EXIT_WHILE_WAITING = """
import threading, time, detach_demo

wait = detach_demo.{function}

def waiter():
    while True:
        wait(0.05)

class SlowTeardown:
    def __del__(self, sleep=time.sleep):
        sleep(0.6)

keep = SlowTeardown()
threading.Thread(target=waiter, daemon=True).start()
time.sleep(0.1)
print("exit")
"""


def test_wait_ending_during_exit_parks_the_thread(python):
    """Up to Python 3.13 a daemon thread that re-attaches during finalization is ended
    with pthread_exit, which aborts the process when it unwinds through the Rust frames
    of a method. The code #[blocking_detached] writes parks such a thread instead."""
    for _ in range(3):
        r = python(EXIT_WHILE_WAITING.format(function="idle"), timeout=HANG_SECONDS)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "exit"


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="Python 3.14 hangs such threads itself")
def test_wait_detached_by_hand_aborts_at_exit(python):
    """Negative control: the same wait in a plain `py.detach` kills the process. (On
    3.11 only about every other run aborts, so it gets up to 12 tries.)"""
    for _ in range(12):
        r = python(EXIT_WHILE_WAITING.format(function="idle_by_hand"), timeout=HANG_SECONDS)
        if r.returncode != 0:
            break
    assert r.returncode != 0, r.stdout
    assert "exception not rethrown" in r.stderr, r.stderr


def test_worker_round_trip():
    w = detach_demo.Worker(lambda x: x * 3)
    try:
        for i in range(20):
            w.submit(i)
        assert sorted(w.result() for _ in range(20)) == [i * 3 for i in range(20)]
        with pytest.raises(TimeoutError):
            w.result_timeout(0.05)
    finally:
        w.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        w.submit(1)


def test_worker_under_concurrent_load_and_gc_storm():
    """8 threads submit and wait while another thread collects garbage in a loop
    (stop-the-world pauses on free-threaded builds). Completes: every wait is detached."""
    w = detach_demo.Worker(lambda x: x + 1)

    def client(n):
        total = 0
        for i in range(25):
            w.submit(i)
            total += w.result_timeout(30)
        return total

    try:
        with GcStorm():
            results = []
            threads = [threading.Thread(target=lambda: results.append(client(0))) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        w.shutdown()
    # Results interleave between clients, but the sum over everything is fixed.
    assert sum(results) == 8 * sum(i + 1 for i in range(25))


def test_worker_shutdown_joins_while_worker_attached():
    """shutdown() joins a worker that is attached (running the Python callable)."""
    started = threading.Event()

    def slow(x):
        started.set()
        import time

        time.sleep(0.2)
        return x

    w = detach_demo.Worker(slow)
    w.submit(1)
    started.wait(10)
    w.shutdown()  # would deadlock if the join were attached on a GIL build
    assert w.result_timeout(5) == 1


# -- runtime check ------------------------------------------------------------------------


def test_runtime_check_fires_on_wrong_call():
    with pytest.raises(BaseException) as info:
        detach_demo.wrong_call(5)
    assert type(info.value).__name__ == "PanicException"
    message = str(info.value)
    assert "reached while attached" in message
    assert "lib.rs:" in message  # names the call site
