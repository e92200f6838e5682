"""JsFunction: proxies of JS functions returned from eval (call, call_async, close, repr)."""

import gc

from harness import attempt, attempt_async, case


@case
def call_positional(js):
    with js.Runtime() as rt:
        f = rt.eval("(a, b) => a + b")
        return [type(f).__name__, f(2, 3)]


@case
def call_no_args_and_extra_args(js):
    with js.Runtime() as rt:
        f = rt.eval("(...a) => a.length")
        return [f(), f(1, 2, 3)]


@case
def call_with_kwargs(js):
    with js.Runtime() as rt:
        f = rt.eval("(a) => a")
        r = attempt(f, 1, x=2)
        return getattr(r, "type", r)


@case
def call_timeout_kwarg(js):
    with js.Runtime() as rt:
        f = rt.eval("(a) => a * 2")
        return f(4, timeout=5)


@case
def call_throws(js):
    with js.Runtime() as rt:
        f = rt.eval("() => { throw new RangeError('out of range'); }")
        r = attempt(f)
        return [r.type, getattr(r, "message", None)]


@case
def call_returns_function(js):
    with js.Runtime() as rt:
        make = rt.eval("(n) => (m) => n + m")
        add5 = make(5)
        return [type(add5).__name__, add5(1)]


@case
def call_passes_function_back(js):
    with js.Runtime() as rt:
        f = rt.eval("(x) => x * 10")
        apply = rt.eval("(g, v) => g(v)")
        return apply(f, 4)


@case
async def call_async_value(js):
    with js.Runtime() as rt:
        f = rt.eval("(x) => x + 1")
        return await f.call_async(1)


@case
async def call_async_promise(js):
    with js.Runtime() as rt:
        f = rt.eval("async (x) => x * 2")
        return await f.call_async(21)


@case
async def call_sync_returning_promise(js):
    with js.Runtime() as rt:
        f = rt.eval("async (x) => x * 2")
        r = f(4)
        return [hasattr(r, "__await__"), await r]


@case
async def call_async_rejects(js):
    with js.Runtime() as rt:
        f = rt.eval("async () => { throw new TypeError('nope'); }")
        r = await attempt_async(f.call_async())
        return [r.type, r.message]


@case
async def close_returns_awaitable(js):
    with js.Runtime() as rt:
        f = rt.eval("() => 1")
        c = f.close()
        return [hasattr(c, "__await__"), await c]


@case
async def call_after_close(js):
    with js.Runtime() as rt:
        f = rt.eval("() => 1")
        await f.close()
        return [attempt(f), await attempt_async(lambda: f.call_async())]


@case
async def close_twice(js):
    with js.Runtime() as rt:
        f = rt.eval("() => 1")
        await f.close()
        return await attempt_async(f.close())


@case
def call_after_runtime_close(js):
    rt = js.Runtime()
    f = rt.eval("() => 1")
    rt.close()
    return attempt(f)


@case
async def call_async_after_runtime_close(js):
    rt = js.Runtime()
    f = rt.eval("() => 1")
    rt.close()
    return await attempt_async(lambda: f.call_async())


@case
def repr_shape(js):
    with js.Runtime() as rt:
        f = rt.eval("function named() {}; named")
        r = repr(f)
        return [r.startswith("<"), r.endswith(">"), "JsFunction" in r]


@case
def tracked_function_count(js):
    with js.Runtime() as rt:
        before = rt._debug_tracked_function_count()
        fs = [rt.eval("() => 1") for _ in range(3)]
        during = rt._debug_tracked_function_count()
        del fs
        gc.collect()
        return [before, during]


@case
def tracked_function_count_after_close(js):
    with js.Runtime() as rt:
        f = rt.eval("() => 1")
        g = rt.eval("() => 2")
        return [rt._debug_tracked_function_count(), f() + g()]


@case
def tracked_function_count_runtime_closed(js):
    rt = js.Runtime()
    f = rt.eval("() => 1")
    rt.close()
    r = attempt(rt._debug_tracked_function_count)
    del f
    return r


@case
def functions_in_containers(js):
    with js.Runtime() as rt:
        r = rt.eval("({f: () => 1, list: [() => 2]})")
        return [type(r["f"]).__name__, type(r["list"][0]).__name__, r["f"](), r["list"][0]()]


@case
def method_keeps_this(js):
    with js.Runtime() as rt:
        obj = rt.eval("({v: 7, get() { return this === undefined ? 'undef' : typeof this; }})")
        return type(obj["get"]).__name__


@case
def function_not_callable_with_bad_arg(js):
    with js.Runtime() as rt:
        f = rt.eval("(x) => x")
        r = attempt(f, object())
        return r.type


@case
def call_keyword_argument(js):
    with js.Runtime() as rt:
        return attempt(lambda: rt.eval("(a) => a")(a=1))


@case
def proxy_identity_and_truth(js):
    with js.Runtime() as rt:
        g = rt.eval("() => 1")
        return [g == g, hash(g) == hash(g), bool(g), [hasattr(g, n) for n in ("__call__", "call_async", "close", "name", "length")]]


@case
def method_from_object(js):
    with js.Runtime() as rt:
        obj = rt.eval("({v: 7, get() { return 'called'; }})")
        return obj["get"]()
