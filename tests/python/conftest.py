"""Shared fixtures: a watchdog on every test, and a subprocess runner.

A deadlock must fail fast with stacks, never hang CI: every test runs under
`faulthandler.dump_traceback_later(exit=True)`, and scenarios that may hang run in a
subprocess with a timeout.
"""

import faulthandler
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
