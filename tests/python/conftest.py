"""Shared fixtures: a watchdog on every test, and a subprocess runner.

A deadlock must fail fast with stacks, never hang CI: every test runs under
`faulthandler.dump_traceback_later(exit=True)`, and scenarios that may hang run in a
subprocess with a timeout.
"""

import faulthandler
import gc
import threading
import time
import os
import subprocess
import sys
import sysconfig
import textwrap

import pytest

WATCHDOG_SECONDS = 120

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))

# GIL re-enabling on import only exists on free-threaded builds.
ft_only = pytest.mark.skipif(not FREE_THREADED, reason="GIL re-enabling exists only on free-threaded builds")


STORM_PAUSE = 0.002


class GcStorm:
    """Loops gc.collect() on a thread: a stop-the-world pause each time on the
    free-threaded build, where one attached waiter would hang the whole process.

    It pauses STORM_PAUSE between collections: hundreds of pauses a second are what
    the tests need, and a storm that never sleeps starves the threads under test on a
    2-core machine until their timeouts fire.
    """

    def __enter__(self):
        self.stop = threading.Event()
        self.rounds = 0

        def run():
            while not self.stop.is_set():
                gc.collect()
                self.rounds += 1
                time.sleep(STORM_PAUSE)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive()
        assert self.rounds > 0, "the storm never ran"


@pytest.fixture(autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def run_python(code, *, timeout, env=None, args=()):
    """Runs `code` in a fresh interpreter (this one). Returns CompletedProcess, or
    raises subprocess.TimeoutExpired after killing it."""
    full_env = dict(os.environ)
    full_env.pop("PYTHON_GIL", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, *args, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


@pytest.fixture
def python():
    return run_python
