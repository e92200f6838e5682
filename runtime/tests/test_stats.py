"""RuntimeStats: every field not about streams or modules reports a real figure.

Each test makes its own runtime, so exact counts hold under pytest-run-parallel too.
"""

import asyncio
import gc

import jsrun

STREAM_OR_MODULE_FIELDS = {
    "eval_module_sync_count", "eval_module_async_count", "active_js_streams", "active_py_streams",
    "total_js_streams", "total_py_streams", "bytes_streamed_js_to_py", "bytes_streamed_py_to_js",
}


def fresh():
    return jsrun.Runtime()


def test_fields_and_types():
    with fresh() as rt:
        s = rt.get_stats()
    fields = [n for n in dir(s) if not n.startswith("_")]
    assert len(fields) == 23
    for n in fields:
        v = getattr(s, n)
        assert v is None or isinstance(v, (int, str)), n
    assert s.last_execution_kind is None
    for n in set(fields) - STREAM_OR_MODULE_FIELDS - {"last_execution_kind"}:
        assert getattr(s, n) >= 0, n


def test_eval_counters_and_kind():
    with fresh() as rt:
        rt.eval("1")
        rt.eval("2")
        s = rt.get_stats()
        assert (s.eval_sync_count, s.eval_async_count, s.last_execution_kind) == (2, 0, "eval_sync")
        asyncio.run(rt.eval_async("3"))
        s = rt.get_stats()
        assert (s.eval_sync_count, s.eval_async_count, s.last_execution_kind) == (2, 1, "eval_async")
        f = rt.eval("(x) => x + 1")  # the third eval
        assert f(1) == 2
        s = rt.get_stats()
        assert (s.call_function_sync_count, s.last_execution_kind) == (1, "call_function_sync")
        assert asyncio.run(f.call_async(2)) == 3
        s = rt.get_stats()
        assert (s.call_function_async_count, s.last_execution_kind) == (1, "call_function_async")
        # A failing evaluation still counts.
        try:
            rt.eval("throw 1")
        except jsrun.JavaScriptError:
            pass
        assert rt.get_stats().eval_sync_count == 4


def test_execution_time():
    with fresh() as rt:
        rt.eval("const until = Date.now() + 60; while (Date.now() < until) {}")
        s = rt.get_stats()
        assert 50 <= s.last_execution_time_ms < 5000
        assert s.total_execution_time_ms >= s.last_execution_time_ms
        rt.eval("1")
        s2 = rt.get_stats()
        assert s2.last_execution_time_ms < 50
        assert s2.total_execution_time_ms >= s.total_execution_time_ms


def test_heap_figures_move():
    with fresh() as rt:
        before = rt.get_stats()
        assert 0 < before.heap_used_bytes
        assert 0 < before.heap_total_bytes == before.physical_total_bytes
        rt.eval("globalThis.big = Array.from({length: 200000}, (_, i) => ({i, s: 'x' + i}))")
        grown = rt.get_stats()
        assert grown.heap_used_bytes > before.heap_used_bytes + 5_000_000
        assert grown.heap_total_bytes > before.heap_total_bytes + 5_000_000
        rt.eval("globalThis.big = null")
        rt.eval("1")  # QuickJS frees by reference counting at once
        after = rt.get_stats()
        assert after.heap_used_bytes < grown.heap_used_bytes - 5_000_000


def test_external_memory_is_zero_array_buffers_count_in_the_heap():
    with fresh() as rt:
        before = rt.get_stats()
        rt.eval("globalThis.buf = new ArrayBuffer(8 << 20)")
        s = rt.get_stats()
        assert s.external_memory_bytes == 0
        assert s.heap_used_bytes >= before.heap_used_bytes + (8 << 20)


def test_timers_intervals_and_async_ops():
    with fresh() as rt:
        rt.eval("globalThis.t = [setTimeout(() => {}, 1e6), setTimeout(() => {}, 1e6)]; globalThis.i = setInterval(() => {}, 1e6)")
        s = rt.get_stats()
        assert (s.active_timers, s.active_intervals) == (2, 1)
        rt.eval("t.forEach(clearTimeout); clearInterval(i)")
        s = rt.get_stats()
        assert (s.active_timers, s.active_intervals) == (0, 0)

        async def main():
            release = asyncio.Event()

            async def slow():
                await release.wait()
                return 5

            rt.bind_function("slow", slow)
            pending = asyncio.ensure_future(rt.eval_async("slow()"))
            for _ in range(200):
                if rt.get_stats().active_async_ops == 1:
                    break
                await asyncio.sleep(0.01)
            assert rt.get_stats().active_async_ops == 1
            release.set()
            assert await pending == 5
            assert rt.get_stats().active_async_ops == 0

        asyncio.run(main())


def test_open_resources_follow_handles():
    with fresh() as rt:
        base = rt.get_stats().open_resources
        # Function proxies are not resources (as published) ...
        fs = [rt.eval("() => 1") for _ in range(10)]
        assert rt.get_stats().open_resources == base
        # ... pending promises held by Python are, until released.
        ps = [rt.eval("new Promise(() => {})") for _ in range(10)]
        assert rt.get_stats().open_resources == base + 10
        del fs, ps
        gc.collect()
        rt.eval("1")  # the releases are queued before this
        assert rt.get_stats().open_resources == base
