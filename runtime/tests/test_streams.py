"""Streams: the ReadableStream polyfill, JsStream (JS -> Python), PyStreamSource
(Python -> JS), back-pressure both ways, stats, concurrency and shutdown.

Each test makes its own runtime(s): under pytest-run-parallel the `rt` fixture is
shared by the threads, and these tests count things.
"""

import asyncio
import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import jsrun


def run(coro):
    return asyncio.run(coro)


def js_async(rt, code):
    return run(rt.eval_async(code))


def js_fresh(code):
    """`code`'s (awaited) value in a runtime of its own."""
    with jsrun.Runtime() as rt:
        return js_async(rt, code)


async def wait_for(cond, timeout=10.0):
    """Polls `cond()` on the loop (the iterator's clean-up runs there)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


# ---------------------------------------------------------------- polyfill semantics


def test_globals_present_and_no_extra_enumerable_globals():
    with jsrun.Runtime() as rt:
        assert rt.eval("typeof ReadableStream") == "function"
        assert rt.eval("typeof ReadableStreamDefaultReader") == "function"
        assert rt.eval("Object.keys(globalThis).filter(k => k.includes('Stream'))") == []
        assert rt.eval("Object.prototype.toString.call(new ReadableStream())") == "[object ReadableStream]"


def test_start_enqueue_close_then_read_after_close_is_done():
    out = js_fresh(
        """(async () => {
            const s = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
            const r = s.getReader();
            const got = [await r.read(), await r.read(), await r.read(), await r.read()];
            await r.closed;
            return [got, s.locked];
        })()""",
    )
    assert out == [
        [{"value": "a", "done": False}, {"value": "b", "done": False},
         {"value": jsrun.undefined, "done": True}, {"value": jsrun.undefined, "done": True}],
        True,
    ]


def test_error_rejects_pending_reads_and_closed():
    out = js_fresh(
        """(async () => {
            let ctl;
            const s = new ReadableStream({ start(c) { ctl = c; } });
            const r = s.getReader();
            const p1 = r.read(), p2 = r.read();
            ctl.error(new TypeError('boom'));
            const res = [];
            for (const p of [p1, p2, r.read(), r.closed]) {
                try { await p; res.push('ok'); } catch (e) { res.push(e.name + ':' + e.message); }
            }
            return [res, ctl.desiredSize];
        })()""",
    )
    assert out == [["TypeError:boom"] * 4, None]


def test_pull_error_and_start_rejection_error_the_stream():
    out = js_fresh(
        """(async () => {
            const res = [];
            for (const src of [
                { pull() { throw new Error('pull threw'); } },
                { pull() { return Promise.reject(new Error('pull rejected')); } },
                { start() { return Promise.reject(new Error('start rejected')); } },
            ]) {
                try { await new ReadableStream(src).getReader().read(); res.push('ok'); }
                catch (e) { res.push(e.message); }
            }
            try { new ReadableStream({ start() { throw new Error('sync'); } }); } catch (e) { res.push(e.message); }
            return res;
        })()""",
    )
    assert out == ["pull threw", "pull rejected", "start rejected", "sync"]


def test_promise_returning_pull_is_not_called_again_until_it_settles():
    out = js_fresh(
        """(async () => {
            let calls = 0, release;
            const s = new ReadableStream({
                pull(c) {
                    calls++;
                    return new Promise(r => { release = () => { c.enqueue(calls); r(); }; });
                },
            }, { highWaterMark: 5 });
            const r = s.getReader();
            const reads = [r.read(), r.read(), r.read()];
            await new Promise(r => setTimeout(r, 20));
            const before = calls;           // one pull in flight, whatever is asked
            release();
            await new Promise(r => setTimeout(r, 20));
            return [before, calls, (await reads[0]).value];
        })()""",
    )
    assert out == [1, 2, 1]


def test_high_water_mark_bounds_what_a_js_producer_makes_ahead():
    out = js_fresh(
        """(async () => {
            const counts = [];
            for (const hwm of [0, 1, 3]) {
                let pulls = 0;
                const s = new ReadableStream({ pull(c) { pulls++; c.enqueue(pulls); } }, { highWaterMark: hwm });
                await new Promise(r => setTimeout(r, 10));
                counts.push(pulls);
                const r = s.getReader();
                await r.read(); await r.read();
                await new Promise(r => setTimeout(r, 10));
                counts.push(pulls);
            }
            return counts;
        })()""",
    )
    # Nothing read: exactly hwm chunks made. After 2 reads: 2 more (hwm 0: read-driven).
    assert out == [0, 2, 1, 3, 3, 5]


def test_desired_size_size_strategy_and_invalid_arguments():
    out = js_fresh(
        """(async () => {
            let ctl;
            const s = new ReadableStream({ start(c) { ctl = c; } },
                                         { highWaterMark: 10, size: (ch) => ch.length });
            const sizes = [ctl.desiredSize];
            ctl.enqueue('abcd'); sizes.push(ctl.desiredSize);
            ctl.enqueue('xyz'); sizes.push(ctl.desiredSize);
            await s.getReader().read(); sizes.push(ctl.desiredSize);
            const errs = [];
            for (const f of [
                () => new ReadableStream({}, { highWaterMark: -1 }),
                () => new ReadableStream({}, { highWaterMark: NaN }),
                () => new ReadableStream({ type: 'nope' }),
                () => new ReadableStream({ pull: 42 }),
                () => new ReadableStream().getReader({ mode: 'byob' }),
                () => { const t = new ReadableStream(); t.getReader(); t.getReader(); },
                () => { const t = new ReadableStream({ start(c) { c.close(); } }); ctl = null; t; return new ReadableStream({ start(c) { c.close(); c.enqueue(1); } }); },
                () => ReadableStreamDefaultController(),
                () => new ReadableStreamDefaultController(),
            ]) { try { f(); errs.push('no error'); } catch (e) { errs.push(e.name); } }
            return [sizes, errs];
        })()""",
    )
    assert out == [
        [10, 6, 3, 7],
        ["RangeError", "RangeError", "RangeError", "TypeError", "TypeError", "TypeError",
         "TypeError", "TypeError", "TypeError"],
    ]


def test_cancel_release_lock_and_locked():
    out = js_fresh(
        """(async () => {
            const log = [];
            const s = new ReadableStream({
                start(c) { c.enqueue(1); },
                cancel(reason) { log.push('cancel:' + reason); return new Promise(r => setTimeout(r, 5)); },
            });
            const r = s.getReader();
            log.push('locked:' + s.locked);
            try { await s.cancel('x'); } catch (e) { log.push('locked cancel:' + e.name); }
            const pending = r.read().then(v => v, e => 'first:' + e.name);
            log.push('read:' + JSON.stringify(await pending));
            const p2 = r.read();
            r.releaseLock();
            try { await p2; } catch (e) { log.push('released read:' + e.name); }
            try { await r.read(); } catch (e) { log.push('read after release:' + e.name); }
            log.push('locked:' + s.locked);
            await s.cancel('why');
            log.push(JSON.stringify(await s.getReader().read()));
            return log;
        })()""",
    )
    assert out == [
        "locked:true",
        "locked cancel:TypeError",
        'read:{"value":1,"done":false}',
        "released read:TypeError",
        "read after release:TypeError",
        "locked:false",
        "cancel:why",
        '{"done":true}',
    ]


def test_async_iteration_break_cancels_and_prevent_cancel():
    out = js_fresh(
        """(async () => {
            const log = [];
            const make = (name) => {
                let i = 0;
                return new ReadableStream({
                    pull(c) { c.enqueue(i++); },
                    cancel() { log.push(name + ' cancelled'); },
                });
            };
            const a = make('a');
            for await (const x of a) { if (x === 2) break; }
            log.push('a locked:' + a.locked);
            const b = make('b');
            for await (const x of b.values({ preventCancel: true })) { if (x === 1) break; }
            const again = [];
            for await (const x of b) { again.push(x); if (x === 3) break; }
            log.push('b continued:' + again.join(','));
            return log;
        })()""",
    )
    assert out == ["a cancelled", "a locked:false", "b cancelled", "b continued:2,3"]


def test_readable_stream_from():
    out = js_fresh(
        """(async () => {
            async function* gen() { try { yield 1; yield 2; yield 3; } finally { log.push('gen closed'); } }
            const log = [];
            const all = [];
            for await (const x of ReadableStream.from([1, Promise.resolve(2), 3])) all.push(x);
            for await (const x of ReadableStream.from(gen())) { all.push(x); if (x === 2) break; }
            return [all, log];
        })()""",
    )
    assert out == [[1, 2, 3, 1, 2], ["gen closed"]]


# ---------------------------------------------------------------- JS -> Python


def test_js_stream_to_python_iteration():
    with jsrun.Runtime() as rt:
        s = rt.eval(
            """new ReadableStream({ start(c) {
                c.enqueue('text'); c.enqueue(new Uint8Array([1, 2, 3])); c.enqueue({ a: [1, null] });
                c.enqueue(undefined); c.close();
            } })"""
        )
        assert isinstance(s, jsrun.JsStream)

        async def main():
            return [x async for x in s]

        assert run(main()) == ["text", b"\x01\x02\x03", {"a": [1, None]}, jsrun.undefined]

        async def again():
            with pytest.raises(StopAsyncIteration):
                await s.__anext__()

        run(again())


def test_js_stream_async_producer_and_nested_in_values():
    with jsrun.Runtime() as rt:
        async def main():
            obj = await rt.eval_async(
                """({ name: 'x', body: new ReadableStream({
                    async pull(c) {
                        await new Promise(r => setTimeout(r, 1));
                        this.n = (this.n || 0) + 1;
                        if (this.n > 5) c.close(); else c.enqueue(this.n);
                    } }) })"""
            )
            assert obj["name"] == "x"
            return [x async for x in obj["body"]]

        assert run(main()) == [1, 2, 3, 4, 5]


def test_js_stream_error_raises_javascript_error():
    with jsrun.Runtime() as rt:
        s = rt.eval(
            """let n = 0; new ReadableStream({ pull(c) {
                if (++n > 2) throw new RangeError('producer broke'); c.enqueue(n);
            } })"""
        )

        async def main():
            got = []
            with pytest.raises(jsrun.JavaScriptError, match="producer broke") as ei:
                async for x in s:
                    got.append(x)
            assert ei.value.name == "RangeError"
            assert got == [1, 2]
            with pytest.raises(StopAsyncIteration):  # an errored iterator has ended
                await s.__anext__()

        run(main())


def test_js_stream_close_cancels_and_is_idempotent():
    with jsrun.Runtime() as rt:
        s, log = rt.eval(
            """const log = []; let i = 0;
            [new ReadableStream({ pull(c) { c.enqueue(i++); }, cancel(r) { log.push('cancelled'); } }), log]"""
        )
        assert log == []

        async def main():
            assert await s.__anext__() == 0
            assert s.close() is None
            s.close()
            with pytest.raises(StopAsyncIteration):
                await s.__anext__()

        run(main())
        assert rt.eval("log") == ["cancelled"]
        assert rt.get_stats().active_js_streams == 0

        unread = rt.eval("new ReadableStream({ cancel() { log.push('unread cancelled'); } })")
        unread.close()
        assert rt.eval("log") == ["cancelled", "unread cancelled"]


def test_js_stream_locked_by_js_gives_clear_error_and_goes_back_to_js():
    with jsrun.Runtime() as rt:
        s = rt.eval("globalThis.locked = new ReadableStream(); locked.getReader(); locked")

        async def main():
            with pytest.raises(jsrun.JavaScriptError, match="locked"):
                await s.__anext__()

        run(main())
        f = rt.eval("(x) => x === locked")
        assert f(s) is True  # a JsStream passed back is the original stream
        with jsrun.Runtime() as other:
            with pytest.raises(RuntimeError, match="another runtime"):
                other.eval("(x) => x")(s)
        s.close()
        with pytest.raises(RuntimeError, match="closed"):
            f(s)


def test_js_stream_released_when_garbage_collected():
    with jsrun.Runtime() as rt:
        rt.eval("globalThis.log = []")
        s = rt.eval("new ReadableStream({ pull(c) { c.enqueue(1); }, cancel() { log.push('gc cancel'); } })")
        t = rt.eval("new ReadableStream({ cancel() { log.push('never read: not cancelled'); } })")

        async def main():
            assert await s.__anext__() == 1

        run(main())
        assert rt.get_stats().active_js_streams == 2
        del s, t
        gc.collect()
        assert rt.get_stats().active_js_streams == 0
        assert rt.eval("log") == ["gc cancel"]


def test_cancelled_read_leaves_the_stream_usable():
    with jsrun.Runtime() as rt:
        s = rt.eval(
            """let k = 0; new ReadableStream({ async pull(c) {
                k++; await new Promise(r => setTimeout(r, k === 1 ? 300 : 1)); c.enqueue(k);
            } })"""
        )

        async def main():
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(s.__anext__(), 0.05)
            # The slow chunk went to the cancelled read; the stream goes on.
            return [await s.__anext__(), await s.__anext__()]

        assert run(main()) == [2, 3]


def test_slow_python_consumer_bounds_the_js_producer():
    hwm, k = 2, 6
    with jsrun.Runtime() as rt:
        s, produced = rt.eval(
            f"""let made = 0;
            [new ReadableStream({{ pull(c) {{ made++; c.enqueue(made); }} }}, {{ highWaterMark: {hwm} }}),
             () => made]"""
        )

        async def main():
            got = []
            for _ in range(k):
                got.append(await s.__anext__())
                await asyncio.sleep(0.01)
                assert produced() <= len(got) + hwm + 1
            await asyncio.sleep(0.05)
            return got

        assert run(main()) == list(range(1, k + 1))
        assert k <= produced() <= k + hwm + 1


# ---------------------------------------------------------------- Python -> JS


async def agen(n, log=None, delay=0.0):
    try:
        for i in range(n):
            if delay:
                await asyncio.sleep(delay)
            if log is not None:
                log.append(i)
            yield i
    finally:
        if log is not None:
            log.append("finally")


def test_python_stream_read_by_js_for_await():
    with jsrun.Runtime() as rt:
        collect = rt.eval("async (s) => { const out = []; for await (const x of s) out.push(x); return out; }")

        async def main():
            src = rt.stream_from_async_iterable(agen(5, delay=0.001))
            assert isinstance(src, jsrun.PyStreamSource)
            return await collect.call_async(src)

        assert run(main()) == [0, 1, 2, 3, 4]


def test_python_stream_of_various_chunks_and_plain_async_iterator():
    class Countdown:
        def __init__(self, n):
            self.n = n

        def __aiter__(self):
            return self

        async def __anext__(self):
            if self.n == 0:
                raise StopAsyncIteration
            self.n -= 1
            return self.n

    with jsrun.Runtime() as rt:
        collect = rt.eval(
            """async (s, t) => {
                const out = [];
                for await (const x of s) out.push(x instanceof Uint8Array ? 'u8:' + x.length : x);
                for await (const x of t) out.push(x);
                return out;
            }"""
        )

        async def chunks():
            for c in ["é", b"\x00\x01", {"k": [1, 2]}, None]:
                yield c

        async def main():
            return await collect.call_async(
                rt.stream_from_async_iterable(chunks()), rt.stream_from_async_iterable(Countdown(3))
            )

        assert run(main()) == ["é", "u8:2", {"k": [1, 2]}, None, 2, 1, 0]


def test_python_exception_rejects_the_js_reader():
    with jsrun.Runtime() as rt:
        f = rt.eval(
            """async (s) => {
                const out = [];
                try { for await (const x of s) out.push(x); }
                catch (e) { out.push(e.name + ': ' + e.message); }
                return out;
            }"""
        )

        async def failing():
            yield 1
            raise ValueError("bad item 2")

        async def main():
            return await f.call_async(rt.stream_from_async_iterable(failing()))

        # The published jsrun's wording: a TypeError naming the Python exception.
        assert run(main()) == [1, "TypeError: Python stream errored: ValueError: bad item 2"]


def test_not_an_async_iterable_fails_the_first_read_in_js():
    # As the published jsrun: accepted by stream_from_async_iterable, failed in JS.
    with jsrun.Runtime() as rt:
        f = rt.eval(
            """async (s) => {
                try { for await (const x of s) {} return 'read'; }
                catch (e) { return e.name + ': ' + e.message; }
            }"""
        )

        async def main():
            return [await f.call_async(rt.stream_from_async_iterable(v)) for v in (42, [1, 2])]

        assert run(main()) == [
            "TypeError: Failed to get __aiter__: AttributeError: 'int' object has no attribute '__aiter__'",
            "TypeError: Failed to get __aiter__: AttributeError: 'list' object has no attribute '__aiter__'",
        ]


def test_unconvertible_python_chunk_errors_the_js_stream_and_closes_the_iterator():
    with jsrun.Runtime() as rt:
        log = []

        async def gen():
            try:
                yield object()
                yield 2
            finally:
                log.append("finally")

        f = rt.eval("async (s) => { try { await s.getReader().read(); return 'read'; } catch (e) { return e.name; } }")

        async def main():
            assert await f.call_async(rt.stream_from_async_iterable(gen())) == "TypeError"
            await wait_for(lambda: "finally" in log)

        run(main())


def test_js_cancel_closes_the_python_iterator():
    with jsrun.Runtime() as rt:
        reader_cancel = rt.eval(
            "async (s) => { const r = s.getReader(); const a = await r.read(); await r.cancel('enough'); return a.value; }"
        )
        loop_break = rt.eval("async (s) => { for await (const x of s) { if (x === 2) return x; } }")

        async def main():
            log1, log2 = [], []
            assert await reader_cancel.call_async(rt.stream_from_async_iterable(agen(100, log1))) == 0
            assert await loop_break.call_async(rt.stream_from_async_iterable(agen(100, log2))) == 2
            await wait_for(lambda: "finally" in log1 and "finally" in log2)
            # Back-pressure: only what was read plus the high-water mark was produced.
            assert len(log1) - 1 <= 1 + 1 + 1
            assert len(log2) - 1 <= 3 + 1 + 1
            await wait_for(lambda: rt.get_stats().active_py_streams == 0)

        run(main())


def test_js_cancel_stops_a_slow_item_in_production():
    with jsrun.Runtime() as rt:
        log = []

        async def slow():
            try:
                yield "first"
                await asyncio.sleep(60)
                yield "never"
            finally:
                log.append("finally")

        f = rt.eval(
            """async (s) => {
                const r = s.getReader();
                const a = await r.read();
                r.read();              // waits for the slow item
                await r.cancel();
                return a.value;
            }"""
        )

        async def main():
            assert await f.call_async(rt.stream_from_async_iterable(slow())) == "first"
            await wait_for(lambda: log == ["finally"])

        run(main())


def test_back_pressure_python_producer_js_consumer():
    k, hwm = 5, 1
    with jsrun.Runtime() as rt:
        read_k = rt.eval(
            f"""async (s) => {{
                globalThis.reader = s.getReader();
                const out = [];
                for (let i = 0; i < {k}; i++) out.push((await reader.read()).value);
                return out;
            }}"""
        )

        async def main():
            produced = []
            src = rt.stream_from_async_iterable(agen(1000, produced))
            assert await read_k.call_async(src) == list(range(k))
            await asyncio.sleep(0.2)  # time for any extra pulls to happen
            assert k <= len(produced) <= k + hwm + 1
            await rt.eval_async("reader.cancel()")
            await wait_for(lambda: produced[-1:] == ["finally"])

        run(main())


def test_py_stream_source_close_ends_the_js_stream():
    with jsrun.Runtime() as rt:
        start = rt.eval("(s) => { globalThis.reader = s.getReader(); }")

        async def main():
            log = []
            src = rt.stream_from_async_iterable(agen(1000, log, delay=0.001))
            start(src)
            first = await rt.eval_async("reader.read()")
            assert first == {"value": 0, "done": False}
            src.close()
            src.close()  # idempotent
            await wait_for(lambda: "finally" in log)
            rest = await rt.eval_async(
                "(async () => { const out = []; for (;;) { const r = await reader.read(); if (r.done) return out; out.push(r.value); } })()"
            )
            assert len(rest) <= 2  # what was produced ahead before close()
            await wait_for(lambda: rt.get_stats().active_py_streams == 0)

        run(main())


def test_source_closed_before_use_cannot_be_passed_to_js():
    with jsrun.Runtime() as rt:
        collect = rt.eval("async (s) => { const out = []; for await (const x of s) out.push(x); return out; }")

        async def main():
            log = []
            src = rt.stream_from_async_iterable(agen(3, log))
            src.close()
            await asyncio.sleep(0.01)
            with pytest.raises(RuntimeError, match="^Stream has been closed$"):  # the published text
                await collect.call_async(src)
            return log

        log = run(main())
        assert "finally" not in log or log == ["finally"]
        assert rt.eval("1") == 1


def test_source_whose_loop_is_gone_fails_the_js_reader_instead_of_hanging():
    with jsrun.Runtime() as rt:
        read = rt.eval(
            "async (s) => { try { await s.getReader().read(); return 'read'; } catch (e) { return e.message; } }"
        )
        loop = asyncio.new_event_loop()

        async def make():
            return rt.stream_from_async_iterable(agen(3))

        stopped, closed = loop.run_until_complete(make()), loop.run_until_complete(make())

        async def main():
            # The loop exists but no longer runs: the request waits in its queue ...
            pending = asyncio.ensure_future(read.call_async(stopped))
            await asyncio.sleep(0.05)
            assert not pending.done()
            loop.close()  # ... and is dropped with it: the JS read fails.
            # Free-threaded builds free an object dropped by another thread than its
            # creator (here the engine thread) at the creator's next visit to Python or
            # at the next collection, one level of the request's objects per collection.
            for _ in range(50):
                if pending.done():
                    break
                gc.collect()
                await asyncio.sleep(0.01)
            assert "stopped before producing" in await asyncio.wait_for(pending, 10)
            assert "loop of this PyStreamSource is closed" in await read.call_async(closed)

        run(main())


def test_source_consumed_once_and_bound_to_its_runtime():
    with jsrun.Runtime() as rt, jsrun.Runtime() as other:
        ident = rt.eval("(s) => s instanceof ReadableStream")
        other_ident = other.eval("(s) => s")

        async def main():
            src = rt.stream_from_async_iterable(agen(2))
            with pytest.raises(RuntimeError, match="another runtime"):
                other_ident(src)
            assert ident(src) is True
            with pytest.raises(RuntimeError, match="already been consumed"):
                ident(src)
            assert "consumed" in repr(src)

        run(main())


def test_stream_from_async_iterable_needs_a_loop_and_an_async_iterable():
    with jsrun.Runtime() as rt:
        with pytest.raises(RuntimeError, match="^no running event loop$"):
            rt.stream_from_async_iterable(agen(1))
        # A sync handler called from a sync eval has no loop to run the iterator on.
        rt.bind_function("mk", lambda: rt.stream_from_async_iterable(agen(1)))
        with pytest.raises(jsrun.JavaScriptError, match="no running event loop"):
            rt.eval("mk()")
    with pytest.raises(RuntimeError, match="^Runtime has been closed$"):
        rt.stream_from_async_iterable(agen(1))


def test_py_stream_from_bound_function_and_bind_object():
    with jsrun.Runtime() as rt:
        async def main():
            async def later(n):
                await asyncio.sleep(0.001)
                return rt.stream_from_async_iterable(agen(n))

            rt.bind_function("numbers", lambda n: rt.stream_from_async_iterable(agen(n)))
            rt.bind_function("later", later)
            rt.bind_object("src", {"letters": rt.stream_from_async_iterable(agen(2))})
            return await rt.eval_async(
                """(async () => {
                    const out = [];
                    for await (const x of numbers(3)) out.push(x);
                    for await (const x of src.letters) out.push('L' + x);
                    for await (const x of await later(2)) out.push('A' + x);
                    return out;
                })()"""
            )

        assert run(main()) == [0, 1, 2, "L0", "L1", "A0", "A1"]


def test_round_trip_python_to_js_to_python():
    with jsrun.Runtime() as rt:
        same = rt.eval("(s) => s")
        double = rt.eval(
            """(s) => {
                const r = s.getReader();
                return new ReadableStream({ async pull(c) {
                    const { done, value } = await r.read();
                    if (done) c.close(); else c.enqueue(value * 2);
                } });
            }"""
        )

        async def main():
            back = same(rt.stream_from_async_iterable(agen(4)))
            assert isinstance(back, jsrun.JsStream)
            a = [x async for x in back]
            b = [x async for x in double(rt.stream_from_async_iterable(agen(4)))]
            return a, b

        assert run(main()) == ([0, 1, 2, 3], [0, 2, 4, 6])


def test_stream_stats():
    with jsrun.Runtime() as rt:
        s0 = rt.get_stats()
        assert (s0.active_js_streams, s0.active_py_streams, s0.total_js_streams, s0.total_py_streams) == (0, 0, 0, 0)
        assert (s0.bytes_streamed_js_to_py, s0.bytes_streamed_py_to_js) == (0, 0)
        s = rt.eval(
            """new ReadableStream({ start(c) {
                c.enqueue('héllo'); c.enqueue(new Uint8Array(10)); c.enqueue(12345); c.close();
            } })"""
        )
        assert rt.get_stats().active_js_streams == 1
        assert rt.get_stats().total_js_streams == 1

        async def chunks():
            yield "€uro"
            yield b"1234567"
            yield 3.5

        hold = rt.eval("(s) => { globalThis.held = s; }")
        collect = rt.eval("async () => { const out = []; for await (const x of held) out.push(x); return out.length; }")

        async def main():
            assert [x async for x in s] == ["héllo", bytes(10), 12345]
            hold(rt.stream_from_async_iterable(chunks()))
            await asyncio.sleep(0.05)
            st = rt.get_stats()
            assert (st.active_py_streams, st.total_py_streams) == (1, 1)
            assert await collect.call_async() == 3

        run(main())
        st = rt.get_stats()
        assert st.active_js_streams == 0  # ended (the handle itself is still alive)
        assert st.total_js_streams == 1
        assert st.active_py_streams == 0
        assert st.total_py_streams == 1
        # Binary chunks only, as the published jsrun counts.
        assert st.bytes_streamed_js_to_py == 10
        assert st.bytes_streamed_py_to_js == 7


# ---------------------------------------------------------------- concurrency, shutdown


@pytest.mark.watchdog(240)
def test_many_concurrent_streams_from_threads_with_own_loops():
    threads, streams, chunks = 4, 8, 40
    with jsrun.Runtime() as rt:
        make_js = rt.eval(
            """(tag, n) => { let i = 0; return new ReadableStream({ async pull(c) {
                await null; if (i < n) c.enqueue(tag + ':' + i++); else c.close();
            } }); }"""
        )
        consume = rt.eval(
            "async (s) => { let total = 0; for await (const x of s) total += x; return total; }"
        )

        def worker(w):
            async def py_to_js(j):
                async def gen():
                    for i in range(chunks):
                        if i % 7 == 0:
                            await asyncio.sleep(0)
                        yield i

                return await consume.call_async(rt.stream_from_async_iterable(gen()))

            async def js_to_py(j):
                return [x async for x in make_js(f"{w}.{j}", chunks)]

            async def main():
                return await asyncio.gather(
                    *(py_to_js(j) for j in range(streams)), *(js_to_py(j) for j in range(streams))
                )

            return asyncio.run(main())

        with ThreadPoolExecutor(threads) as ex:
            results = list(ex.map(worker, range(threads)))
        for w, res in enumerate(results):
            assert res[:streams] == [sum(range(chunks))] * streams
            for j, got in enumerate(res[streams:]):
                assert got == [f"{w}.{j}:{i}" for i in range(chunks)]
        st = rt.get_stats()
        assert st.total_py_streams == threads * streams
        assert st.total_js_streams == threads * streams
        assert st.active_py_streams == 0


def test_runtime_closed_while_a_stream_is_being_read():
    rt = jsrun.Runtime()
    s = rt.eval("new ReadableStream({ pull() { return new Promise(() => {}); } })")

    async def main():
        task = asyncio.ensure_future(s.__anext__())
        await asyncio.sleep(0.05)
        assert not task.done()
        rt.close()
        with pytest.raises(RuntimeError, match="closed"):
            await asyncio.wait_for(task, 10)
        with pytest.raises(RuntimeError, match="^Runtime has been shut down$"):  # the published text
            await s.__anext__()
        s.close()  # still fine

    run(main())


def test_runtime_close_closes_python_iterators_being_read():
    rt = jsrun.Runtime()
    hold = rt.eval("(s) => { globalThis.r = s.getReader(); r.read(); }")

    async def main():
        log = []
        hold(rt.stream_from_async_iterable(agen(100, log, delay=0.001)))
        await wait_for(lambda: len(log) >= 1)
        rt.close()
        await wait_for(lambda: "finally" in log)

    run(main())


def test_exports():
    assert "JsStream" in jsrun.__all__ and "PyStreamSource" not in jsrun.__all__  # as published
    assert jsrun.PyStreamSource is jsrun._jsrun.PyStreamSource
    assert jsrun.JsStream.__doc__ and jsrun.PyStreamSource.__doc__
    assert jsrun.Runtime.stream_from_async_iterable.__doc__
    with pytest.raises(TypeError):
        jsrun.JsStream()
    with pytest.raises(TypeError):
        jsrun.PyStreamSource()


def test_terminate_stops_a_pull_stuck_in_a_loop():
    rt = jsrun.Runtime()
    s = rt.eval("new ReadableStream({ pull(c) { while (true) {} } }, { highWaterMark: 0 })")

    async def main():
        task = asyncio.ensure_future(s.__anext__())
        await asyncio.sleep(0.05)
        rt.terminate()
        with pytest.raises(jsrun.RuntimeTerminated, match="host request"):
            await asyncio.wait_for(task, 10)
        with pytest.raises(jsrun.RuntimeTerminated):
            await s.__anext__()

    try:
        run(main())
    finally:
        rt.close()
