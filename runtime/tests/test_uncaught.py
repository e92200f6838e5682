"""Errors nobody awaits go to the "jsrun" logger; errors the host consumes do not."""

import asyncio
import logging
import threading
import time

import pytest

import jsrun

# caplog collects records of the whole process: parallel copies of a test would see
# each other's records.
pytestmark = pytest.mark.thread_unsafe(reason="caplog collects process-wide log records")


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.ERROR, logger="jsrun")
    return caplog


def messages(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "jsrun"]


def wait_messages(caplog, n=1, timeout=10.0):
    """Timer callbacks run on the engine thread whenever they are due: poll."""
    deadline = time.monotonic() + timeout
    while len(messages(caplog)) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    return messages(caplog)


def barrier(rt):
    """The engine serves commands in order and reports after each one: once this
    returns, whatever the previous commands left unhandled has been logged."""
    assert rt.eval("0") == 0


def test_timer_throw_is_logged_and_runtime_keeps_working(rt, log):
    rt.eval("setTimeout(function boom() { null.x; }, 0); 0")
    msgs = wait_messages(log)
    assert len(msgs) == 1
    assert msgs[0].startswith("Uncaught TypeError: ")
    assert "boom" in msgs[0]  # the JS stack
    assert [r.levelno for r in log.records if r.name == "jsrun"] == [logging.ERROR]
    assert rt.eval("1 + 1") == 2
    rt.eval("globalThis.later = 0; setTimeout(() => { later = 1; }, 0); 0")
    deadline = time.monotonic() + 10
    while rt.eval("later") != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rt.eval("later") == 1
    assert len(messages(log)) == 1


def test_interval_throw_is_logged_each_time(rt, log):
    rt.eval("globalThis.n = 0; globalThis.iv = setInterval(() => { n++; throw new RangeError('tick ' + n); }, 1); 0")
    msgs = wait_messages(log, 2)
    rt.eval("clearInterval(iv)")
    assert msgs[0].startswith("Uncaught RangeError: tick 1")
    assert msgs[1].startswith("Uncaught RangeError: tick 2")


def test_thrown_non_error_is_logged_as_its_string(rt, log):
    rt.eval("setTimeout(() => { throw 42; }, 0); 0")
    assert wait_messages(log) == ["Uncaught 42"]


def test_unhandled_rejection_is_logged_once(rt, log):
    assert rt.eval("Promise.reject(new Error('x')); 0") == 0
    barrier(rt)
    barrier(rt)
    msgs = messages(log)
    assert len(msgs) == 1
    assert msgs[0].startswith("Unhandled promise rejection: Error: x")


def test_unhandled_rejection_in_timer_is_logged(rt, log):
    rt.eval("setTimeout(() => Promise.reject(new Error('late')), 0); 0")
    msgs = wait_messages(log)
    assert len(msgs) == 1
    assert msgs[0].startswith("Unhandled promise rejection: Error: late")


def test_unhandled_rejection_of_a_non_error(rt, log):
    rt.eval("Promise.reject(1); 0")
    barrier(rt)
    assert messages(log) == ["Unhandled promise rejection: 1"]


def test_rejection_handled_in_the_same_tick_is_not_logged(rt, log):
    rt.eval("const p = Promise.reject(new Error('x')); p.catch(() => {}); 0")
    # handled a few microtasks later, still before the job queue drained
    rt.eval(
        """(async () => {
            const q = Promise.reject(new Error('y'));
            await null; await null;
            try { await q; } catch {}
        })(); 0"""
    )
    rt.eval("setTimeout(() => { const r = Promise.reject(1); Promise.resolve().then(() => r.catch(() => {})); }, 0); 0")
    time.sleep(0.05)
    barrier(rt)
    assert messages(log) == []


def test_rejected_promise_returned_to_sync_eval_is_not_logged(rt, log):
    # A sync eval gives any promise as {} (as the published jsrun); its rejection is
    # handled. A sync call unwraps a settled promise.
    assert rt.eval("Promise.reject(new Error('x'))") == {}
    assert rt.eval("(async () => { throw new Error('y'); })()") == {}
    assert rt.eval("new Promise((_, rej) => setTimeout(() => rej(new Error('w')), 5))") == {}
    time.sleep(0.05)
    f = rt.eval("async () => { throw new TypeError('z'); }")
    with pytest.raises(jsrun.JavaScriptError, match="z"):
        f()
    barrier(rt)
    assert messages(log) == []


def test_eval_async_of_a_rejecting_promise_raises_and_is_not_logged(rt, log):
    async def main():
        with pytest.raises(jsrun.JavaScriptError, match="now"):
            await rt.eval_async("Promise.reject(new Error('now'))")
        with pytest.raises(jsrun.JavaScriptError, match="later"):
            await rt.eval_async("new Promise((_, rej) => setTimeout(() => rej(new Error('later')), 5))")
        f = rt.eval("async () => { throw new Error('call'); }")
        with pytest.raises(jsrun.JavaScriptError, match="call"):
            await f.call_async()

    asyncio.run(main())
    barrier(rt)
    assert messages(log) == []


def test_rejection_held_by_a_js_promise_is_not_logged(rt, log):
    p = rt.eval("() => new Promise((_, rej) => setTimeout(() => rej(new Error('held')), 5))")()
    assert isinstance(p, jsrun.JsPromise)
    time.sleep(0.1)
    barrier(rt)
    assert messages(log) == []

    async def main():
        with pytest.raises(jsrun.JavaScriptError, match="held"):
            await p

    asyncio.run(main())
    barrier(rt)
    assert messages(log) == []


def test_failed_module_evaluation_is_not_logged(rt, log):
    rt.add_static_module("bad", "throw new Error('mod');")
    with pytest.raises(jsrun.JavaScriptError, match="mod"):
        rt.eval_module("bad")
    rt.add_static_module("bad_tla", "await null; throw new Error('tla');")
    with pytest.raises(jsrun.JavaScriptError, match="tla"):
        asyncio.run(rt.eval_module_async("bad_tla"))
    barrier(rt)
    assert messages(log) == []


def test_timeouts_are_not_logged(rt, log):
    for code in [
        "while (true) {}",
        "Promise.resolve().then(() => { while (true) {} }); 1",
        "(async () => { while (true) {} })()",
    ]:
        with pytest.raises(RuntimeError, match="timed out"):
            rt.eval(code, timeout=0.1)
    with pytest.raises(RuntimeError, match="timed out"):
        asyncio.run(rt.eval_async("new Promise(() => {})", timeout=0.1))
    barrier(rt)
    assert messages(log) == []


def test_terminate_is_not_logged(log):
    with jsrun.Runtime() as r:
        r.eval("setTimeout(() => { Promise.reject(new Error('never')); while (true) {} }, 0); 0")
        time.sleep(0.2)
        r.terminate()
        with pytest.raises(jsrun.RuntimeTerminated):
            r.eval("0")
    assert messages(log) == []


def test_terminate_during_eval_is_not_logged(log):
    with jsrun.Runtime() as r:
        t = threading.Timer(0.2, r.terminate)
        t.start()
        with pytest.raises(jsrun.RuntimeTerminated):
            r.eval("(async () => { await null; while (true) {} })(); while (true) {}")
        t.join()
    assert messages(log) == []


def test_python_error_inside_timer_callback_is_logged(rt, log):
    def fail():
        raise ValueError("nope")

    rt.bind_function("fail", fail)
    rt.eval("setTimeout(function cb() { fail(); }, 0); 0")
    msgs = wait_messages(log)
    assert len(msgs) == 1
    assert msgs[0].startswith("Uncaught ValueError: nope")
    assert rt.eval("2") == 2


def test_unawaited_failing_async_python_handler_is_logged(rt, log):
    async def fail():
        raise KeyError("gone")

    rt.bind_function("fail", fail)

    async def main():
        # JS handles the first rejection, leaves the second one alone
        await rt.eval_async("fail().catch(() => {}); fail(); new Promise(r => setTimeout(r, 50))")

    asyncio.run(main())
    msgs = wait_messages(log)
    assert len(msgs) == 1
    assert msgs[0].startswith("Unhandled promise rejection: KeyError: ")


def test_failing_cancel_of_a_closed_js_stream_is_not_logged(rt, log):
    s = rt.eval("new ReadableStream({ cancel() { throw new Error('cancel failed'); } })")
    s.close()
    t = rt.eval("new ReadableStream({ cancel() { return Promise.reject(new Error('async cancel failed')); } })")
    t.close()
    barrier(rt)
    assert messages(log) == []


def test_many_unhandled_rejections_are_summed_up(rt, log):
    t0 = time.monotonic()
    rt.eval("for (let i = 0; i < 100000; i++) Promise.reject(i); 0")
    barrier(rt)
    assert time.monotonic() - t0 < 20
    msgs = messages(log)
    assert len(msgs) == 101
    assert msgs[0] == "Unhandled promise rejection: 0"
    assert msgs[99] == "Unhandled promise rejection: 99"
    assert msgs[100] == "... and 99900 more unhandled promise rejections"


def test_rejected_promise_inside_a_returned_value_is_not_logged(rt, log):
    out = rt.eval("({ p: Promise.reject(new Error('inside')) })")
    assert isinstance(out["p"], jsrun.JsPromise)
    barrier(rt)
    assert messages(log) == []

    async def main():
        with pytest.raises(jsrun.JavaScriptError, match="inside"):
            await out["p"]

    asyncio.run(main())
