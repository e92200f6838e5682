"""Every test runs under a watchdog: a hang dumps all stacks and exits the process."""

import faulthandler
import os
import sys

import pytest

WATCHDOG_SECONDS = float(os.environ.get("JSRUN_TEST_WATCHDOG", "120"))


_REAL_STDERR = None


def pytest_configure(config):
    # pytest captures fd 2 while a test runs: the dump must go to the real stderr.
    global _REAL_STDERR
    fd = None
    capman = config.pluginmanager.getplugin("capturemanager")
    try:
        fd = capman._global_capturing.err.targetfd_save  # the original fd 2
    except Exception:
        fd = None
    try:
        _REAL_STDERR = os.fdopen(os.dup(fd if fd is not None else sys.__stderr__.fileno()), "w")
    except Exception:
        _REAL_STDERR = sys.__stderr__


@pytest.fixture(autouse=True)
def _watchdog(request):
    marker = request.node.get_closest_marker("watchdog")
    seconds = float(marker.args[0]) if marker else WATCHDOG_SECONDS
    faulthandler.dump_traceback_later(seconds, exit=True, file=_REAL_STDERR or sys.__stderr__)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def rt():
    import jsrun

    r = jsrun.Runtime()
    try:
        yield r
    finally:
        r.close()


FREE_THREADED = bool(getattr(sys, "_is_gil_enabled", None)) and not sys._is_gil_enabled()
