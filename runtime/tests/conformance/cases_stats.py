"""RuntimeStats: every field's type, and the counters after each kind of call.

Engine-dependent fields (heap and memory sizes, times) are recorded as type and > 0.
"""

from harness import attempt, case

ENGINE_DEPENDENT = ("heap_total_bytes", "heap_used_bytes", "external_memory_bytes",
                    "physical_total_bytes", "total_execution_time_ms", "last_execution_time_ms")
FIELDS = ("heap_total_bytes", "heap_used_bytes", "external_memory_bytes", "physical_total_bytes",
          "total_execution_time_ms", "last_execution_time_ms", "last_execution_kind",
          "eval_sync_count", "eval_async_count", "eval_module_sync_count", "eval_module_async_count",
          "call_function_async_count", "call_function_sync_count", "active_async_ops",
          "open_resources", "active_timers", "active_intervals", "active_js_streams",
          "active_py_streams", "total_js_streams", "total_py_streams", "bytes_streamed_js_to_py",
          "bytes_streamed_py_to_js")
COUNTERS = ("last_execution_kind", "eval_sync_count", "eval_async_count", "eval_module_sync_count",
            "eval_module_async_count", "call_function_sync_count", "call_function_async_count",
            "active_async_ops", "open_resources", "active_timers", "active_intervals")


def counters(rt):
    s = rt.get_stats()
    return {n: getattr(s, n) for n in COUNTERS}


@case
def field_types_fresh(js):
    with js.Runtime() as rt:
        s = rt.get_stats()
        return {n: type(getattr(s, n)).__name__ for n in FIELDS}


@case
def field_names(js):
    with js.Runtime() as rt:
        return sorted(n for n in dir(rt.get_stats()) if not n.startswith("_"))


@case
def fresh_counters(js):
    with js.Runtime() as rt:
        return counters(rt)


@case
def fresh_engine_dependent(js):
    with js.Runtime() as rt:
        s = rt.get_stats()
        return {n: type(getattr(s, n)).__name__ for n in ENGINE_DEPENDENT} | {
            "heap_used_positive": s.heap_used_bytes > 0, "heap_total_positive": s.heap_total_bytes > 0}


@case
def after_eval(js):
    with js.Runtime() as rt:
        rt.eval("1")
        rt.eval("2")
        s = rt.get_stats()
        return counters(rt) | {"time_type": type(s.total_execution_time_ms).__name__}


@case
def after_eval_errors(js):
    with js.Runtime() as rt:
        attempt(rt.eval, "throw new Error('x')")
        attempt(rt.eval, "1 +")
        return counters(rt)


@case
async def after_eval_async(js):
    with js.Runtime() as rt:
        await rt.eval_async("1")
        await rt.eval_async("Promise.resolve(2)")
        return counters(rt)


@case
def after_eval_module(js):
    with js.Runtime() as rt:
        rt.add_static_module("m", "export const a = 1")
        rt.eval_module("m")
        return counters(rt)


@case
async def after_eval_module_async(js):
    with js.Runtime() as rt:
        rt.add_static_module("m", "export const a = 1")
        await rt.eval_module_async("m")
        return counters(rt)


@case
def after_function_calls(js):
    with js.Runtime() as rt:
        f = rt.eval("(x) => x + 1")
        f(1)
        f(2)
        return counters(rt)


@case
async def after_function_call_async(js):
    with js.Runtime() as rt:
        f = rt.eval("async (x) => x + 1")
        await f.call_async(1)
        return counters(rt)


@case
def after_bound_function_called(js):
    with js.Runtime() as rt:
        rt.bind_function("f", lambda: 1)
        rt.eval("f()")
        return counters(rt)


@case
def timers_counted(js):
    with js.Runtime() as rt:
        rt.eval("globalThis.t = setTimeout(() => {}, 100000); globalThis.i = setInterval(() => {}, 100000)")
        armed = counters(rt)
        rt.eval("clearTimeout(t); clearInterval(i)")
        return {"armed": armed, "cleared": counters(rt)}


@case
def mixed_sequence_kinds(js):
    with js.Runtime() as rt:
        kinds = [rt.get_stats().last_execution_kind]
        rt.eval("1")
        kinds.append(rt.get_stats().last_execution_kind)
        f = rt.eval("() => 1")
        f()
        kinds.append(rt.get_stats().last_execution_kind)
        rt.add_static_module("m", "export default 1")
        rt.eval_module("m")
        kinds.append(rt.get_stats().last_execution_kind)
        return kinds


@case
def after_timeout(js):
    with js.Runtime(js.RuntimeConfig(timeout=0.05)) as rt:
        attempt(rt.eval, "for(;;){}")
        return counters(rt)


@case
def stats_are_a_snapshot(js):
    with js.Runtime() as rt:
        s = rt.get_stats()
        rt.eval("1")
        return [s.eval_sync_count, rt.get_stats().eval_sync_count]


@case
def stats_read_only(js):
    with js.Runtime() as rt:
        r = attempt(setattr, rt.get_stats(), "eval_sync_count", 5)
        return {"raises": getattr(r, "type", None)}


@case
def stats_not_constructible(js):
    r = attempt(js.RuntimeStats)
    return {"raises": getattr(r, "type", None)}


@case
def stats_after_close(js):
    rt = js.Runtime()
    rt.close()
    return attempt(rt.get_stats)


@case
def stats_repr_type(js):
    with js.Runtime() as rt:
        return [type(repr(rt.get_stats())).__name__, repr(rt.get_stats()).startswith("RuntimeStats(")]
