"""SnapshotBuilder and RuntimeConfig(snapshot=...): bytecode images (QuickJS-NG)."""

import struct
import subprocess
import sys
import threading

import pytest

import jsrun


def build(*scripts, bootstrap=None, enable_console=False):
    b = jsrun.SnapshotBuilder(bootstrap=bootstrap, enable_console=enable_console)
    for i, src in enumerate(scripts):
        b.execute_script(f"s{i}.js", src)
    return b.build()


def runtime(snapshot, **kw):
    return jsrun.Runtime(jsrun.RuntimeConfig(snapshot=snapshot, **kw))


def test_state_carries_over():
    snap = build(
        "var counter = 41; function next() { return ++counter; }",
        "class Point { constructor(x, y) { this.x = x; this.y = y } sum() { return this.x + this.y } }",
        "let lexical = 'let'; const K = Object.freeze({k: 1}); globalThis.viaGlobal = [1, 2, 3];",
        "const p = new Point(2, 3); var fromEarlier = p.sum() + next();",
    )
    with runtime(snap) as rt:
        assert rt.eval("next()") == 43
        assert rt.eval("new Point(1, 2).sum()") == 3
        assert rt.eval("[lexical, K.k, viaGlobal, fromEarlier]") == ["let", 1, [1, 2, 3], 47]
        assert rt.eval("next.toString()").startswith("function next")


def test_bootstrap_runs_first():
    snap = build("var seen = typeof fromBoot", bootstrap="var fromBoot = 'boot'")
    with runtime(snap) as rt:
        assert rt.eval("[fromBoot, seen]") == ["boot", "string"]


def test_each_runtime_gets_its_own_state():
    snap = build("var n = 0; function inc() { return ++n }")
    with runtime(snap) as a, runtime(snap) as b:
        assert a.eval("inc(); inc()") == 2
        assert b.eval("inc()") == 1


def test_state_is_recreated_not_copied():
    # Values computed at build time are computed again at start-up.
    snap = build("var r = Math.random(); var t = Date.now()")
    with runtime(snap) as a, runtime(snap) as b:
        assert a.eval("typeof r") == "number"
        assert a.eval("r") != b.eval("r")


def test_timers_and_microtasks_from_scripts():
    snap = build("var order = []; Promise.resolve().then(() => order.push('micro')); order.push('sync')")
    with runtime(snap) as rt:
        assert rt.eval("order") == ["sync", "micro"]


def test_error_surfaces_at_execute_script_with_name():
    b = jsrun.SnapshotBuilder()
    with pytest.raises(jsrun.JavaScriptError) as ei:
        b.execute_script("broken.js", "var before = 1; throw new TypeError('boom')")
    assert ei.value.name == "TypeError"
    assert ei.value.message == "boom"
    assert str(ei.value) == "TypeError: boom"  # as published; the stack names the script
    assert "broken.js" in (ei.value.stack or "")
    with pytest.raises(jsrun.JavaScriptError, match="^SyntaxError"):
        b.execute_script("syntax.js", "var = ;")
    # The builder stays usable (as in the published library); a script that threw
    # keeps its effects up to the throw, one that did not compile has none.
    b.execute_script("after.js", "var after = before + 1")
    with runtime(b.build()) as rt:
        assert rt.eval("[before, after]") == [1, 2]


def test_thrown_script_keeps_its_queued_jobs():
    b = jsrun.SnapshotBuilder()
    with pytest.raises(jsrun.JavaScriptError, match="late"):
        b.execute_script("t.js", "var q = []; Promise.resolve().then(() => q.push('job')); throw new Error('late')")
    b.execute_script("u.js", "var seen = q.slice()")
    with runtime(b.build()) as rt:
        assert rt.eval("[q, seen]") == [["job"], ["job"]]


def test_build_once():
    b = jsrun.SnapshotBuilder()
    b.execute_script("a.js", "var a = 1")
    b.build()
    with pytest.raises(RuntimeError, match="already built"):
        b.build()
    with pytest.raises(RuntimeError, match="already built"):
        b.execute_script("b.js", "var b = 1")


def test_empty_builder():
    with runtime(jsrun.SnapshotBuilder().build()) as rt:
        assert rt.eval("1 + 1") == 2


def test_bootstrap_error_raises_at_construction():
    with pytest.raises(jsrun.JavaScriptError, match="^Error: no$"):
        jsrun.SnapshotBuilder(bootstrap="throw new Error('no')")


@pytest.mark.thread_unsafe(reason="runs a subprocess that sends itself SIGINT")
def test_interrupted_script_breaks_the_builder():
    code = """
import os, signal, threading, time
import jsrun
b = jsrun.SnapshotBuilder()
b.execute_script("ok.js", "var ok = true")
threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    b.execute_script("loop.js", "while (true) {}")
except KeyboardInterrupt:
    print("KI")
try:
    b.build()
except RuntimeError as e:
    print("REFUSED", e)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "KI" in r.stdout, r.stdout + r.stderr
    assert "REFUSED" in r.stdout and "loop.js" in r.stdout, r.stdout + r.stderr


@pytest.mark.thread_unsafe(reason="capsys captures process-wide streams")
def test_builder_console(capsys):
    b = jsrun.SnapshotBuilder(enable_console=True)
    b.execute_script("log.js", "console.log('while building'); var logged = true")
    snap = b.build()
    assert "while building" in capsys.readouterr().out
    # A runtime without console enabled has a silent one ...
    with runtime(snap) as rt:
        assert rt.eval("[logged, typeof console.log]") == [True, "function"]
    assert capsys.readouterr().out == ""
    # ... one with a console keeps its own, and the re-run scripts print again.
    with runtime(snap, enable_console=True) as rt:
        assert rt.eval("typeof console.log") == "function"
    assert capsys.readouterr().out == "while building\n"


def test_console_polyfill_of_a_script_survives():
    b = jsrun.SnapshotBuilder(enable_console=True)
    b.execute_script("poly.js", "globalThis.console = {log() {}, mine: true}")
    with runtime(b.build()) as rt:
        assert rt.eval("console.mine") is True


@pytest.mark.thread_unsafe(reason="capsys captures process-wide streams")
def test_builder_without_console_is_silent(capsys):
    b = jsrun.SnapshotBuilder()
    b.execute_script("log.js", "console.log('x'); console.error('y')")
    assert capsys.readouterr() == ("", "")


def test_failing_replay_names_the_script():
    # Start-up re-runs the bytecode under the runtime's own timeout.
    b = jsrun.SnapshotBuilder()
    b.execute_script("slow.js", "var until = Date.now() + 300; while (Date.now() < until) {}")
    snap = b.build()
    with pytest.raises(RuntimeError, match="slow.js.*timed out"):
        runtime(snap, timeout=0.05)
    with runtime(snap) as rt:
        assert rt.eval("typeof until") == "number"


def test_snapshot_and_bootstrap_refused():
    snap = build("var a = 1")
    with pytest.raises(ValueError, match="bootstrap"):
        jsrun.RuntimeConfig(snapshot=snap, bootstrap="1")
    c = jsrun.RuntimeConfig(snapshot=snap)
    with pytest.raises(ValueError, match="bootstrap"):
        c.bootstrap = "1"
    c = jsrun.RuntimeConfig(bootstrap="1")
    with pytest.raises(ValueError, match="bootstrap"):
        c.snapshot = snap
    # As published, the bootstrap setter refuses None: it cannot be cleared.
    with pytest.raises(TypeError, match="argument 'source'"):
        c.bootstrap = None
    c = jsrun.RuntimeConfig()
    c.snapshot = snap
    assert c.snapshot == snap
    c.snapshot = None
    assert c.snapshot is None


def test_snapshot_type():
    with pytest.raises(TypeError, match="Can't extract `str` to `Vec`"):
        jsrun.RuntimeConfig(snapshot="not bytes")
    with pytest.raises(TypeError, match="'int' object cannot be cast as 'Sequence'"):
        jsrun.RuntimeConfig(snapshot=5)
    with pytest.raises(ValueError, match="Snapshot bytes cannot be empty"):
        jsrun.RuntimeConfig(snapshot=b"")
    # Bytes-like values are taken (read back as bytes), as published.
    snap = build("var a = 3")
    c = jsrun.RuntimeConfig(snapshot=bytearray(snap))
    assert type(c.snapshot) is bytes and c.snapshot == snap
    with runtime(c.snapshot) as rt:
        assert rt.eval("a") == 3


@pytest.mark.parametrize(
    "mangle, match",
    [
        (lambda s: b"garbage" * 10, "magic"),
        (lambda s: s[:-1], "truncated|checksum"),
        (lambda s: s[:12], "truncated"),
        (lambda s: s + b"\0", "checksum"),
        (lambda s: s[:-20] + bytes([s[-20] ^ 1]) + s[-19:], "checksum"),
        (lambda s: s[:8] + struct.pack("<H", 99) + s[10:], "version 99"),
        (lambda s: s.replace(b"QuickJS-NG", b"QuickJS-XX", 1), "another engine"),
        (lambda s: s[:10] + bytes([4]) + s[11:], "another engine"),
    ],
)
def test_bad_bytes_refused_before_the_engine_reads_them(mangle, match):
    # The config takes any bytes (as published); Runtime() checks them first.
    snap = build("var a = 1; function f() { return a }")
    c = jsrun.RuntimeConfig(snapshot=mangle(snap))
    with pytest.raises(RuntimeError, match=f"^Failed to spawn runtime: invalid snapshot: .*({match})"):
        jsrun.Runtime(c)
    c = jsrun.RuntimeConfig()
    c.snapshot = mangle(snap)
    with pytest.raises(RuntimeError, match="invalid snapshot"):
        jsrun.Runtime(c)


def test_every_single_bit_flip_is_caught():
    snap = build("var a = 1")
    for i in range(len(snap)):
        bad = snap[:i] + bytes([snap[i] ^ 0x10]) + snap[i + 1 :]
        with pytest.raises(RuntimeError, match="invalid snapshot"):
            jsrun.Runtime(jsrun.RuntimeConfig(snapshot=bad))


def test_concurrent_execute_script_keeps_engine_order():
    b = jsrun.SnapshotBuilder()
    b.execute_script("init.js", "var log = []")
    errors = []

    def worker(k):
        try:
            for j in range(20):
                b.execute_script(f"w{k}_{j}.js", f"log.push('{k}:{j}')")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    snap = b.build()
    with runtime(snap) as rt:
        log = rt.eval("log")
    assert len(log) == 80
    for k in range(4):
        mine = [x for x in log if x.startswith(f"{k}:")]
        assert mine == [f"{k}:{j}" for j in range(20)]


def test_snapshot_with_heap_limit_and_functions():
    snap = build("function greet(n) { return 'hi ' + n }")
    with runtime(snap, max_heap_size=32 << 20) as rt:
        f = rt.eval("greet")
        assert f("py") == "hi py"
