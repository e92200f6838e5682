"""eval_async, JsFunction.call_async, async host functions, timeouts, cancellation."""

import asyncio
import datetime

from harness import attempt, attempt_async, case
from observe import error_record, js_error_async


@case
async def promise_result(js):
    with js.Runtime() as rt:
        return await rt.eval_async("Promise.resolve(42)")


@case
async def non_promise_value(js):
    with js.Runtime() as rt:
        return {"int": await rt.eval_async("1 + 1"), "str": await rt.eval_async("'x'"),
                "obj": await rt.eval_async("({a: [1]})")}


@case
async def async_function_result(js):
    with js.Runtime() as rt:
        return await rt.eval_async("(async () => { await null; return 'done'; })()")


@case
async def timer_promise(js):
    with js.Runtime() as rt:
        return await rt.eval_async("new Promise(r => setTimeout(() => r('late'), 5))")


@case
async def nested_promise(js):
    with js.Runtime() as rt:
        return await rt.eval_async("Promise.resolve(Promise.resolve([1, 2]))")


@case
async def promise_of_undefined(js):
    with js.Runtime() as rt:
        return await rt.eval_async("Promise.resolve()")


@case
async def promise_of_function(js):
    with js.Runtime() as rt:
        fn = await rt.eval_async("Promise.resolve((a) => a * 2)")
        return {"type": type(fn).__name__, "call": fn(4)}


@case
async def rejected_error(js):
    with js.Runtime() as rt:
        return await js_error_async(lambda: rt.eval_async("Promise.reject(new TypeError('rejected here'))"))


@case
async def rejected_string(js):
    with js.Runtime() as rt:
        result = await js_error_async(lambda: rt.eval_async("Promise.reject('just a string')"))
        return {"raises": result.get("raises"), "name": result.get("name")}


@case
async def async_throw(js):
    with js.Runtime() as rt:
        return await js_error_async(lambda: rt.eval_async("(async () => { throw new RangeError('inside'); })()"))


@case
async def sync_throw_in_eval_async(js):
    with js.Runtime() as rt:
        return await js_error_async(lambda: rt.eval_async("throw new Error('sync part')"))


@case
async def syntax_error(js):
    with js.Runtime() as rt:
        result = await js_error_async(lambda: rt.eval_async("1 +"))
        return {"raises": result.get("raises"), "name": result.get("name"), "usable": rt.eval("1")}


@case
async def code_not_str(js):
    with js.Runtime() as rt:
        result = await attempt_async(lambda: rt.eval_async(5))
        return {"raises": getattr(result, "type", None)}


@case
async def after_close(js):
    rt = js.Runtime()
    rt.close()
    return await attempt_async(lambda: rt.eval_async("1"))


@case
def sync_eval_settled_promise(js):
    with js.Runtime() as rt:
        return rt.eval("Promise.resolve(5)")


@case
def sync_eval_async_function(js):
    with js.Runtime() as rt:
        value = rt.eval("(async () => 3)()")
        return type(value).__name__ if not isinstance(value, (int, dict)) else value


# ------------------------------------------------------------------ timeout validation


async def _timeout(js, value):
    with js.Runtime() as rt:
        result = await attempt_async(lambda: rt.eval_async("1", timeout=value))
        return {"eval": result, "usable": rt.eval("2")}


@case
async def timeout_negative(js):
    return await _timeout(js, -1)


@case
async def timeout_negative_float(js):
    return await _timeout(js, -0.5)


@case
async def timeout_zero(js):
    return await _timeout(js, 0)


@case
async def timeout_zero_float(js):
    return await _timeout(js, 0.0)


@case
async def timeout_nan(js):
    return await _timeout(js, float("nan"))


@case
async def timeout_inf(js):
    return await _timeout(js, float("inf"))


@case
async def timeout_neg_inf(js):
    return await _timeout(js, float("-inf"))


@case
async def timeout_str(js):
    return await _timeout(js, "1")


@case
async def timeout_list(js):
    return await _timeout(js, [1])


@case
async def timeout_none(js):
    return await _timeout(js, None)


@case
async def timeout_true(js):
    return await _timeout(js, True)


@case
async def timeout_false(js):
    return await _timeout(js, False)


@case
async def timeout_int(js):
    return await _timeout(js, 5)


@case
async def timeout_float(js):
    return await _timeout(js, 2.5)


@case
async def timeout_timedelta(js):
    return await _timeout(js, datetime.timedelta(seconds=3))


@case
async def timeout_timedelta_zero(js):
    return await _timeout(js, datetime.timedelta(0))


@case
async def timeout_timedelta_negative(js):
    return await _timeout(js, datetime.timedelta(seconds=-2))


@case
async def timeout_huge(js):
    return await _timeout(js, 1e300)


@case
async def timeout_positional(js):
    with js.Runtime() as rt:
        return {"raised": getattr(await attempt_async(lambda: rt.eval_async("1", 1)), "type", None)}


# ------------------------------------------------------------------ timeout expiry


@case
async def timeout_expires_pending_promise(js):
    # (Afterwards the published runtime answers "execution terminated"; not recorded.)
    with js.Runtime() as rt:
        return await attempt_async(lambda: rt.eval_async("new Promise(r => setTimeout(r, 5000))", timeout=0.05))


@case
async def timeout_expires_timedelta(js):
    with js.Runtime() as rt:
        return await attempt_async(lambda: rt.eval_async(
            "new Promise(r => setTimeout(r, 5000))", timeout=datetime.timedelta(milliseconds=40)))


@case
async def timeout_expires_busy_loop(js):
    with js.Runtime() as rt:
        result = await attempt_async(lambda: rt.eval_async("while (true) {}", timeout=0.05))
        return {"eval": result, "usable": rt.eval("3")}


@case
async def timeout_not_reached(js):
    with js.Runtime() as rt:
        return await rt.eval_async("new Promise(r => setTimeout(() => r('in time'), 1))", timeout=5)


# ------------------------------------------------------------------ call_async


@case
async def call_async_sync_function(js):
    with js.Runtime() as rt:
        fn = rt.eval("(a, b) => a + b")
        return await fn.call_async(1, 2)


@case
async def call_async_async_function(js):
    with js.Runtime() as rt:
        fn = rt.eval("async (x) => { await null; return x * 10; }")
        return await fn.call_async(4)


@case
async def call_async_throws(js):
    with js.Runtime() as rt:
        fn = rt.eval("() => { throw new SyntaxError('called') }")
        return await js_error_async(lambda: fn.call_async())


@case
async def call_async_rejects(js):
    with js.Runtime() as rt:
        fn = rt.eval("async () => { throw new Error('async called') }")
        return await js_error_async(lambda: fn.call_async())


@case
async def call_async_timeout_bad(js):
    with js.Runtime() as rt:
        fn = rt.eval("() => 1")
        return {
            "negative": await attempt_async(lambda: fn.call_async(timeout=-1)),
            "zero": await attempt_async(lambda: fn.call_async(timeout=0)),
            "nan": await attempt_async(lambda: fn.call_async(timeout=float("nan"))),
            "str": await attempt_async(lambda: fn.call_async(timeout="x")),
        }


@case
async def call_async_timeout_expires(js):
    with js.Runtime() as rt:
        fn = rt.eval("() => new Promise(r => setTimeout(r, 5000))")
        return await attempt_async(lambda: fn.call_async(timeout=0.05))


@case
async def call_async_returns_awaitable(js):
    with js.Runtime() as rt:
        fn = rt.eval("() => 1")
        pending = fn.call_async()
        result = {"awaitable": hasattr(pending, "__await__"), "value": await pending}
        return result


@case
async def call_pending_promise_is_awaitable(js):
    with js.Runtime() as rt:
        fn = rt.eval("() => new Promise(r => setTimeout(() => r('later'), 1))")
        pending = fn()
        return {"awaitable": hasattr(pending, "__await__"), "value": await pending}


@case
async def call_async_after_close(js):
    rt = js.Runtime()
    fn = rt.eval("() => 1")
    rt.close()
    return await attempt_async(lambda: fn.call_async())


# ------------------------------------------------------------------ async host functions


@case
async def host_async_function(js):
    async def fetch(x):
        await asyncio.sleep(0)
        return x + 1

    with js.Runtime() as rt:
        rt.bind_function("fetch1", fetch)
        return await rt.eval_async("(async () => (await fetch1(1)) + (await fetch1(10)))()")


@case
async def host_async_returns_promise(js):
    async def later():
        return "v"

    with js.Runtime() as rt:
        rt.bind_function("later", later)
        return await rt.eval_async(
            "(async () => { const p = later(); const seen = [p instanceof Promise, typeof p.then]; "
            "seen.push(await p); return seen; })()"
        )


@case
async def host_async_raises(js):
    async def broken():
        raise ValueError("host failed")

    with js.Runtime() as rt:
        rt.bind_function("broken", broken)
        return await rt.eval_async(
            "broken().then(() => 'no', e => [e instanceof Error, String(e.message).includes('host failed')])"
        )


@case
async def host_async_from_call_async(js):
    async def one():
        return 1

    with js.Runtime() as rt:
        rt.bind_function("one", one)
        fn = rt.eval("async () => (await one()) + 1")
        return await fn.call_async()


@case
async def host_sync_from_async_eval(js):
    with js.Runtime() as rt:
        rt.bind_function("plain", lambda x: x * 2)
        return await rt.eval_async("Promise.resolve(plain(21))")


@case
async def host_async_gather(js):
    async def wait(ms, v):
        await asyncio.sleep(ms / 1000)
        return v

    with js.Runtime() as rt:
        rt.bind_function("wait", wait)
        return await rt.eval_async("Promise.all([wait(5, 'a'), wait(1, 'b'), wait(3, 'c')])")


# ------------------------------------------------------------------ cancellation and concurrency


@case
async def cancel_eval_async(js):
    with js.Runtime() as rt:
        task = asyncio.ensure_future(rt.eval_async("new Promise(r => setTimeout(r, 5000))"))
        await asyncio.sleep(0.02)
        task.cancel()
        try:
            await task
            outcome = "finished"
        except asyncio.CancelledError:
            outcome = "CancelledError"
        return {"outcome": outcome, "usable": rt.eval("4"), "async_usable": await rt.eval_async("5")}


@case
async def cancel_before_start(js):
    with js.Runtime() as rt:
        task = asyncio.ensure_future(rt.eval_async("6"))
        task.cancel()
        try:
            await task
            outcome = "finished"
        except asyncio.CancelledError:
            outcome = "CancelledError"
        return {"outcome": outcome, "usable": rt.eval("7")}


@case
async def wait_for_timeout(js):
    with js.Runtime() as rt:
        try:
            await asyncio.wait_for(rt.eval_async("new Promise(r => setTimeout(r, 5000))"), 0.05)
            outcome = "finished"
        except asyncio.TimeoutError:
            outcome = "TimeoutError"
        return {"outcome": outcome, "usable": rt.eval("8")}


@case
async def concurrent_eval_async(js):
    with js.Runtime() as rt:
        return await asyncio.gather(
            rt.eval_async("new Promise(r => setTimeout(() => r('slow'), 10))"),
            rt.eval_async("new Promise(r => setTimeout(() => r('fast'), 1))"),
            rt.eval_async("'now'"),
        )


@case
async def concurrent_shared_state(js):
    with js.Runtime() as rt:
        rt.eval("globalThis.log = []")
        await asyncio.gather(
            rt.eval_async("new Promise(r => setTimeout(() => { log.push('b'); r(); }, 10))"),
            rt.eval_async("new Promise(r => setTimeout(() => { log.push('a'); r(); }, 1))"),
        )
        # (The order is not recorded: the published jsrun's differs from run to run.)
        return sorted(rt.eval("log"))


@case
async def concurrent_one_rejects(js):
    with js.Runtime() as rt:
        results = await asyncio.gather(
            rt.eval_async("Promise.resolve('fine')"),
            rt.eval_async("Promise.reject(new Error('bad one'))"),
            return_exceptions=True,
        )
        return [r if not isinstance(r, Exception) else error_record(r) for r in results]


@case
async def stats_async_counts(js):
    with js.Runtime() as rt:
        await rt.eval_async("1")
        await rt.eval_async("Promise.resolve(2)")
        fn = rt.eval("() => 3")
        await fn.call_async()
        stats = rt.get_stats()
        return {"eval_async_count": stats.eval_async_count, "eval_sync_count": stats.eval_sync_count,
                "call_function_async_count": stats.call_function_async_count,
                "last_execution_kind": stats.last_execution_kind}


@case
def eval_async_without_loop(js):
    with js.Runtime() as rt:
        coro = attempt(rt.eval_async, "1")
        if hasattr(coro, "close"):
            coro.close()  # not awaited: no "never awaited" warning
        return {"call": coro, "usable": rt.eval("1")}
