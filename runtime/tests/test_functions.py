import asyncio
import gc
import threading

import pytest

import jsrun


def test_bind_function_sync(rt):
    rt.bind_function("add", lambda a, b: a + b)
    assert rt.eval("add(2, 3)") == 5
    assert rt.eval("typeof add") == "function"


def test_handler_receives_converted_values(rt):
    seen = []
    name = f"take_{threading.get_ident()}"
    rt.bind_function(name, lambda *a: seen.append(a) or len(a))
    assert rt.eval(f"{name}(1, 'x', [1], {{a: null}}, undefined)") == 5
    assert seen == [(1, "x", [1], {"a": None}, jsrun.undefined)]


def test_handler_exception_becomes_js_error(rt):
    def bad():
        raise ValueError("broken handler")

    rt.bind_function("bad", bad)
    # As the published jsrun: a TypeError carrying "PythonType: message".
    assert rt.eval("try { bad() } catch (e) { e.name + ': ' + e.message }") == "TypeError: ValueError: broken handler"
    assert rt.eval("try { bad() } catch (e) { e instanceof TypeError }") is True
    with pytest.raises(jsrun.JavaScriptError, match="^Evaluation failed: TypeError: ValueError: broken handler$"):
        rt.eval("bad()")
    assert rt.eval("1") == 1


def test_handler_returning_unconvertible(rt):
    rt.bind_function("obj", lambda: object())
    with pytest.raises(jsrun.JavaScriptError, match="RuntimeError: Unsupported Python type for JSValue conversion"):
        rt.eval("obj()")
    assert rt.eval("1") == 1


def test_bind_decorator_forms(rt):
    @rt.bind
    def triple(x):
        return x * 3

    @rt.bind(name="quad")
    def four(x):
        return x * 4

    def five(x):
        return x * 5

    assert rt.bind(five, name="penta") is five
    assert rt.eval("triple(2) + quad(2) + penta(2)") == 6 + 8 + 10


def test_bind_function_accepts_non_callable_that_fails_when_called(rt):
    # As the published jsrun: binding succeeds, the call throws Python's TypeError.
    rt.bind_function("x", 3)
    assert rt.eval("try { x() } catch (e) { e.name + ': ' + e.message }") == "TypeError: TypeError: 'int' object is not callable"
    assert rt.eval("1") == 1


def test_jsfunction_call_and_close(rt):
    f = rt.eval("(a, b) => a * b")
    assert f(6, 7) == 42
    assert f(2, 2) == 4

    async def close():
        await f.close()

    asyncio.run(close())
    with pytest.raises(RuntimeError, match="Function has been closed"):
        f(1, 2)


def test_jsfunction_gc_releases(rt):
    for _ in range(200):
        f = rt.eval("() => 1")
        assert f() == 1
        del f
    gc.collect()
    stats = rt.get_stats()
    assert stats.open_resources < 50


def test_jsfunction_returns_settled_promise_value(rt):
    f = rt.eval("async (x) => x + 1")
    assert f(1) == 2


def test_jsfunction_pending_promise_is_awaitable(rt):
    f = rt.eval("(x) => new Promise(r => setTimeout(() => r(x * 2), 20))")

    async def main():
        p = f(21)
        return await p

    assert asyncio.run(main()) == 42


def test_jsfunction_timeout(rt):
    f = rt.eval("() => { while (true) {} }")
    with pytest.raises(RuntimeError, match="timed out"):
        f(timeout=0.1)
    assert rt.eval("1") == 1


def test_jsfunction_whose_body_calls_python(rt):
    # The published library hangs here: the caller waits on a channel while attached.
    rt.bind_function("py_double", lambda x: x * 2)
    f = rt.eval("(x) => py_double(x) + 1")
    assert f(20) == 41


def test_reentrant_eval_runs_inline(rt):
    # A handler calling back into its own runtime runs inline on the engine thread
    # (the published library aborts the process here).
    name = f"reenter_{threading.get_ident()}"
    rt.bind_function(name, lambda x: rt.eval(f"{x} * 10"))
    assert rt.eval(f"{name}(4) + 2") == 42
    assert rt.eval("2") == 2


def test_handler_calls_js_callback_it_was_given(rt):
    rt.bind_function("each", lambda items, cb: [cb(x) for x in items])
    assert rt.eval("each([1, 2, 3], x => x * 2)") == [2, 4, 6]


def test_nested_reentrancy_and_handler_side_requests(rt):
    def outer(n):
        if n == 0:
            return rt.get_stats().eval_sync_count >= 1
        return rt.eval(f"outer({n - 1})")

    rt.bind_function("outer", outer)
    assert rt.eval("outer(5)") is True

    def binder():
        rt.bind_function("late", lambda: "late ok")
        return rt.eval("late()")

    rt.bind_function("binder", binder)
    assert rt.eval("binder()") == "late ok"


def test_reentrant_timeout_does_not_leak_into_outer(rt):
    def inner():
        with pytest.raises(RuntimeError, match="timed out"):
            rt.eval("while (true) {}", timeout=0.1)
        return "survived"

    rt.bind_function("inner_to", inner)
    assert rt.eval("inner_to() + '!'") == "survived!"
    assert rt.eval("for (let i = 0; i < 1e6; i++) {} 'no stale deadline'") == "no stale deadline"


def test_handler_from_other_runtime_works(rt):
    other = jsrun.Runtime()
    try:
        name = f"ask_other_{threading.get_ident()}"
        rt.bind_function(name, lambda: other.eval("40 + 2"))
        assert rt.eval(f"{name}()") == 42
    finally:
        other.close()


def test_jsfunction_from_other_runtime_rejected(rt):
    other = jsrun.Runtime()
    try:
        g = other.eval("() => 1")
        f = rt.eval("(x) => x")
        with pytest.raises(RuntimeError, match="another runtime"):
            f(g)
    finally:
        other.close()


def test_register_op_sync(rt):
    op = rt.register_op("sum", lambda *a: sum(a))
    assert isinstance(op, int)
    assert rt.eval(f"__host_op_sync__({op}, 1, 2, 3)") == 6
    with pytest.raises(jsrun.JavaScriptError):
        rt.eval("__host_op_sync__(99999)")


def test_register_op_modes(rt):
    async def co(x):
        return x

    with pytest.raises(RuntimeError, match="^Invalid mode 'weird', expected 'sync' or 'async'$"):
        rt.register_op("x", lambda: 1, mode="weird")
    with pytest.raises(RuntimeError, match="^Handler is async but mode='sync'; use mode='async'$"):
        rt.register_op("x", co, mode="sync")
    with pytest.raises(RuntimeError, match="^Handler is sync but mode='async'; use mode='sync'$"):
        rt.register_op("x", lambda: 1, mode="async")
    op = rt.register_op("co", co, mode="async")
    with jsrun.Runtime() as own:  # ids count from 0 per runtime; failed registrations take none
        for bad in ("weird", "async"):
            with pytest.raises(RuntimeError):
                own.register_op("x", lambda: 1, mode=bad)
        assert [own.register_op("a", lambda: 1), own.register_op("b", co, mode="async")] == [0, 1]

    async def main():
        return await rt.eval_async(f"__host_op_async__({op}, 5).then(v => v + 1)")

    assert asyncio.run(main()) == 6


def test_sync_handler_while_other_thread_waits(rt):
    # A Python thread waits (detached) in eval while the engine thread attaches to
    # run the handler: must not deadlock.
    rt.bind_function("slow", lambda: sum(range(10000)))
    results = []

    def worker():
        for _ in range(50):
            results.append(rt.eval("slow()"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [sum(range(10000))] * 200


def test_outer_timeout_applies_inside_reentrant_call(rt):
    name = f"spin_inside_{threading.get_ident()}"
    rt.bind_function(name, lambda: rt.eval("while (true) {}"))
    with pytest.raises(RuntimeError, match="timed out"):
        rt.eval(f"{name}()", timeout=0.2)
    assert rt.eval("3") == 3
