"""`python -m jsrun`: evaluate and print; errors to stderr with a non-zero status."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.thread_unsafe(reason="runs subprocesses; once is enough")


def cli(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "jsrun", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def test_command():
    r = cli("-c", "1 + 2")
    assert (r.returncode, r.stdout, r.stderr) == (0, "3\n", "")


def test_prints_str_of_the_python_value():
    r = cli("-c", "({a: [1, 'x', null, true]})")
    assert r.stdout == "{'a': [1, 'x', None, True]}\n"
    assert cli("-c", "'text'").stdout == "text\n"


def test_undefined_prints_nothing():
    r = cli("-c", "var x = 1")
    assert (r.returncode, r.stdout) == (0, "")


def test_promise_is_not_awaited():
    # As the published jsrun's CLI (a sync eval): a promise prints as {}.
    r = cli("-c", "new Promise(r => setTimeout(() => r('late'), 20))")
    assert (r.returncode, r.stdout) == (0, "{}\n")


def test_file(tmp_path):
    f = tmp_path / "prog.js"
    f.write_text("function sq(n) { return n * n }\nsq(12)\n", encoding="utf-8")
    r = cli(str(f))
    assert (r.returncode, r.stdout) == (0, "144\n")


def test_stdin():
    r = cli("-", stdin="[1, 2].map(x => x * 10)")
    assert (r.returncode, r.stdout) == (0, "[10, 20]\n")


def test_javascript_error():
    r = cli("-c", "function f() { throw new RangeError('bad value') }\nf()")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith("JavaScript Error: ")
    assert "RangeError: bad value" in r.stderr


def test_rejected_promise_is_not_awaited():
    r = cli("-c", "Promise.reject(new TypeError('nope'))")
    assert (r.returncode, r.stdout, r.stderr) == (0, "{}\n", "")


def test_missing_file(tmp_path):
    r = cli(str(tmp_path / "missing.js"))
    assert r.returncode == 1
    assert r.stderr == f"Error: File '{tmp_path / 'missing.js'}' not found\n"


def test_usage_errors():
    r = cli()
    assert r.returncode == 2 and "usage" in r.stderr
    assert r.stderr.splitlines()[-1] == "python -m jsrun: error: Must specify either -c or a file argument"
    r = cli("-c", "1", "file.js")
    assert r.returncode == 2
    assert r.stderr.splitlines()[-1] == "python -m jsrun: error: Cannot specify both -c and a file argument"


def test_help():
    r = cli("--help")
    assert r.returncode == 0
    assert "--command COMMAND" in r.stdout and "file" in r.stdout  # (3.13 shows "-c, --command COMMAND")


def test_console_flag():
    r = cli("--console", "-c", "console.log('hi'); console.error('oops'); 7")
    assert (r.stdout, r.stderr) == ("hi\n7\n", "oops\n")


def test_timeout_flag():
    r = cli("--timeout", "0.2", "-c", "while (true) {}")
    assert r.returncode == 1
    assert "timed out" in r.stderr
