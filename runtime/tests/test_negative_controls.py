"""Negative controls: show that the failures the other tests guard against are real,
and that the harness would catch them.

1. Waiting *attached* for work that needs a bound Python handler deadlocks on a GIL
   build: a thread that waits holding the GIL (a C call through `ctypes.PyDLL`, which
   does not release it) keeps the engine thread from running the handler. jsrun's own
   waits are detached, which is why `test_functions`/`test_concurrency` complete.
2. The watchdog fixture turns a hang into a failing run with stacks, not a stuck CI.
"""

import ctypes
import ctypes.util
import os
import subprocess
import sys
import sysconfig
import textwrap
import time

import pytest

import jsrun

GIL_BUILD = not sysconfig.get_config_var("Py_GIL_DISABLED")


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _wait_for_handler(dll, rt, seconds):
    """Binds a handler that posts a semaphore, schedules it from a JS timer, and waits
    for the semaphore through `dll`. True when the handler ran in time."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    sem = ctypes.create_string_buffer(64)  # sizeof(sem_t) is 32 on x86_64 Linux
    assert libc.sem_init(sem, 0, 0) == 0
    rt.bind_function("post", lambda: libc.sem_post(sem))
    rt.eval("setTimeout(() => post(), 20); 0")
    deadline = _Timespec()
    libc.clock_gettime(0, ctypes.byref(deadline))  # CLOCK_REALTIME
    deadline.tv_sec += seconds
    wait = dll.sem_timedwait
    wait.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Timespec)]
    rc = wait(sem, ctypes.byref(deadline))
    return rc == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses glibc semaphores")
@pytest.mark.thread_unsafe(reason="holds the GIL on purpose")
def test_waiting_attached_blocks_the_handler_on_gil_builds():
    if not GIL_BUILD:
        pytest.skip("free-threaded build: there is no GIL to hold")
    libc_name = ctypes.util.find_library("c")
    with jsrun.Runtime() as rt:
        # Detached wait (CDLL releases the GIL): the handler runs.
        assert _wait_for_handler(ctypes.CDLL(libc_name), rt, 5)
        # Attached wait (PyDLL keeps the GIL): the handler cannot run until the wait
        # gives up. This is the published library's hang, reproduced in miniature.
        t0 = time.monotonic()
        assert not _wait_for_handler(ctypes.PyDLL(libc_name), rt, 1)
        assert time.monotonic() - t0 >= 0.9
        # Once the waiter lets go, the engine thread gets in and the runtime recovers.
        assert rt.eval("1 + 1") == 2


def test_watchdog_turns_a_hang_into_a_failure(tmp_path):
    here = os.path.dirname(os.path.abspath(__file__))
    (tmp_path / "conftest.py").write_text(open(os.path.join(here, "conftest.py")).read())
    (tmp_path / "test_hang.py").write_text(
        textwrap.dedent(
            """
            import threading
            def test_hangs():
                threading.Event().wait()
            """
        )
    )
    env = dict(os.environ, JSRUN_TEST_WATCHDOG="2")
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
    )
    assert r.returncode != 0
    assert time.monotonic() - t0 < 30
    assert "Timeout" in r.stderr or "Thread" in r.stderr, r.stderr[-2000:]
