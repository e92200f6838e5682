"""The type stubs match the module (mypy's stubtest), when mypy is installed."""

import subprocess
import sys

import pytest

pytest.importorskip("mypy")


@pytest.mark.thread_unsafe(reason="runs a subprocess that imports the module; once is enough")
def test_stubtest():
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "jsrun", "--ignore-missing-stub"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_py_typed_present():
    import importlib.resources

    assert importlib.resources.files("jsrun").joinpath("py.typed").is_file()
