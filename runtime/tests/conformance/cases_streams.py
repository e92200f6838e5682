"""Streams: JsStream (a JS ReadableStream in Python) and PyStreamSource (a Python async
iterable in JS), and the stream counters of get_stats()."""

from harness import attempt, attempt_async, case
from observe import error_record


async def read_all(stream, limit=20):
    """The chunks until the end, or the chunks and what the next read raised."""
    chunks = []
    try:
        async for chunk in stream:
            chunks.append(chunk)
            if len(chunks) >= limit:
                break
    except Exception as exc:  # noqa: BLE001 - the exception is the observation
        return {"chunks": chunks, "error": error_record(exc)}
    return {"chunks": chunks}


def stream_js(body):
    return f"new ReadableStream({{ {body} }})"


ABC = stream_js("start(c) { c.enqueue('a'); c.enqueue('b'); c.enqueue('c'); c.close(); }")


def stream_counters(stats):
    return {
        "active_js_streams": stats.active_js_streams,
        "active_py_streams": stats.active_py_streams,
        "total_js_streams": stats.total_js_streams,
        "total_py_streams": stats.total_py_streams,
        "bytes_streamed_js_to_py": stats.bytes_streamed_js_to_py,
        "bytes_streamed_py_to_js": stats.bytes_streamed_py_to_js,
    }


# ------------------------------------------------------------------ JsStream


@case
async def js_stream_type(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(ABC)
        result = {"type": type(stream).__name__, "is_JsStream": isinstance(stream, js.JsStream),
                  "aiter_is_self": stream.__aiter__() is stream}
        stream.close()
        return result


@case
def js_stream_from_sync_eval(js):
    with js.Runtime() as rt:
        stream = rt.eval(ABC)
        result = type(stream).__name__
        if hasattr(stream, "close"):
            stream.close()
        return result


@case
async def js_stream_strings(js):
    with js.Runtime() as rt:
        return await read_all(await rt.eval_async(ABC))


@case
async def js_stream_chunk_types(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(stream_js(
            "start(c) { c.enqueue(1); c.enqueue(1.5); c.enqueue(true); c.enqueue(null); "
            "c.enqueue({ k: [1, 2] }); c.enqueue([3, 'x']); c.close(); }"
        ))
        return await read_all(stream)


@case
async def js_stream_bytes(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(stream_js("start(c) { c.enqueue(new Uint8Array([1, 2, 255])); c.close(); }"))
        return await read_all(stream)


@case
async def js_stream_undefined_chunk(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(stream_js("start(c) { c.enqueue(undefined); c.close(); }"))
        return await read_all(stream)


@case
async def js_stream_empty(js):
    with js.Runtime() as rt:
        return await read_all(await rt.eval_async(stream_js("start(c) { c.close(); }")))


@case
async def js_stream_pull(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(
            "let i = 0; " + stream_js("pull(c) { i += 1; if (i > 3) c.close(); else c.enqueue(i * 10); }")
        )
        return await read_all(stream)


@case
async def js_stream_async_pull(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(
            "let n = 0; " + stream_js(
                "async pull(c) { await new Promise(r => setTimeout(r, 1)); n += 1; "
                "if (n > 2) c.close(); else c.enqueue('t' + n); }"
            )
        )
        return await read_all(stream)


@case
async def js_stream_errors(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(stream_js(
            "start(c) { c.enqueue('first'); }, pull(c) { c.error(new TypeError('stream broke')); }"
        ))
        return await read_all(stream)


@case
async def js_stream_pull_throws(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(stream_js("pull(c) { throw new RangeError('pull threw'); }"))
        return await read_all(stream)


@case
async def js_stream_read_after_end(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(ABC)
        await read_all(stream)
        return {"again": await attempt_async(lambda: stream.__anext__()), "usable": rt.eval("1")}


@case
async def js_stream_close_then_read(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(ABC)
        closed = stream.close()
        return {"close": closed, "next": await attempt_async(lambda: stream.__anext__())}


@case
async def js_stream_close_twice(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(ABC)
        return {"first": attempt(stream.close), "second": attempt(stream.close)}


@case
async def js_stream_close_mid(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(
            "globalThis.cancelled = null; let i = 0; "
            + stream_js("pull(c) { c.enqueue(i++); }, cancel(reason) { globalThis.cancelled = 'yes'; }")
        )
        first = await stream.__anext__()
        stream.close()
        after = await attempt_async(lambda: stream.__anext__())
        await rt.eval_async("new Promise(r => setTimeout(r, 5))")
        return {"first": first, "after": after}


@case
async def js_stream_after_runtime_close(js):
    rt = js.Runtime()
    stream = await rt.eval_async(ABC)
    rt.close()
    return {"next": await attempt_async(lambda: stream.__anext__()), "close": attempt(stream.close)}


@case
async def js_stream_nested_in_object(js):
    with js.Runtime() as rt:
        value = await rt.eval_async("({ s: " + ABC + ", n: 1 })")
        result = {"keys": sorted(value), "type": type(value["s"]).__name__}
        if hasattr(value["s"], "close"):
            value["s"].close()
        return result


@case
async def js_stream_stats(js):
    with js.Runtime() as rt:
        before = stream_counters(rt.get_stats())
        stream = await rt.eval_async(ABC)
        during = stream_counters(rt.get_stats())
        await read_all(stream)
        after = stream_counters(rt.get_stats())
        return {"before": before, "during": during, "after": after}


@case
async def js_stream_stats_closed(js):
    with js.Runtime() as rt:
        stream = await rt.eval_async(ABC)
        stream.close()
        await rt.eval_async("new Promise(r => setTimeout(r, 1))")
        return stream_counters(rt.get_stats())


# ------------------------------------------------------------------ PyStreamSource


async def agen(items):
    for item in items:
        yield item


READ_ALL_JS = """(async (s) => {
  const reader = s.getReader(); const out = [];
  for (;;) { const { done, value } = await reader.read(); if (done) break; out.push(value); }
  return out;
})"""

READ_SAFE_JS = """(async (s) => {
  const reader = s.getReader(); const out = [];
  try {
    for (;;) { const { done, value } = await reader.read(); if (done) break; out.push(value); }
  } catch (e) { return { out, error: [e instanceof Error, e.name, e.message] }; }
  return { out };
})"""


@case
def py_source_without_loop(js):
    with js.Runtime() as rt:
        return {"call": attempt(rt.stream_from_async_iterable, agen([1])), "usable": rt.eval("1")}


@case
async def py_source_type(js):
    with js.Runtime() as rt:
        source = rt.stream_from_async_iterable(agen([1]))
        result = {"type": type(source).__name__}
        source.close()
        return result


@case
async def py_source_not_iterable_int(js):
    with js.Runtime() as rt:
        return {"call": attempt(rt.stream_from_async_iterable, 42), "usable": rt.eval("1")}


@case
async def py_source_sync_list(js):
    with js.Runtime() as rt:
        return {"call": attempt(rt.stream_from_async_iterable, [1, 2]), "usable": rt.eval("1")}


@case
async def py_source_none(js):
    with js.Runtime() as rt:
        return attempt(rt.stream_from_async_iterable, None)


async def _read_source_of(js, value):
    with js.Runtime() as rt:
        source = attempt(rt.stream_from_async_iterable, value)
        if type(source).__name__ != "PyStreamSource":
            return {"call": source}
        reader = await rt.eval_async(READ_SAFE_JS)
        return {"js": await attempt_async(lambda: reader.call_async(source)), "usable": rt.eval("1")}


@case
async def py_source_read_int(js):
    return await _read_source_of(js, 42)


@case
async def py_source_read_sync_list(js):
    return await _read_source_of(js, [1, 2])


@case
async def py_source_read_sync_generator(js):
    return await _read_source_of(js, (i for i in range(2)))


@case
async def py_source_read_from_js(js):
    with js.Runtime() as rt:
        source = rt.stream_from_async_iterable(agen(["x", 2, {"k": [1]}]))
        reader = await rt.eval_async(READ_ALL_JS)
        return await reader.call_async(source)


@case
async def py_source_is_readable_stream(js):
    with js.Runtime() as rt:
        source = rt.stream_from_async_iterable(agen([1]))
        check = await rt.eval_async("(s) => [s instanceof ReadableStream, typeof s.getReader]")
        result = await check.call_async(source)
        source.close()
        return result


@case
async def py_source_raises(js):
    async def failing():
        yield 1
        raise ValueError("generator failed")

    with js.Runtime() as rt:
        source = rt.stream_from_async_iterable(failing())
        reader = await rt.eval_async(READ_SAFE_JS)
        return {"js": await reader.call_async(source), "usable": rt.eval("2")}


@case
async def py_source_close_before_read(js):
    with js.Runtime() as rt:
        source = rt.stream_from_async_iterable(agen([1, 2, 3]))
        closed = source.close()
        reader = await rt.eval_async(READ_SAFE_JS)
        return {"close": closed, "js": await attempt_async(lambda: reader.call_async(source))}


@case
async def py_source_close_twice(js):
    with js.Runtime() as rt:
        source = rt.stream_from_async_iterable(agen([1]))
        return {"first": attempt(source.close), "second": attempt(source.close)}


@case
async def py_source_bytes(js):
    with js.Runtime() as rt:
        source = rt.stream_from_async_iterable(agen([b"\x01\x02"]))
        reader = await rt.eval_async(
            "(async (s) => { const r = s.getReader(); const { value } = await r.read(); "
            "return [value instanceof Uint8Array, Array.from(value)]; })"
        )
        return await attempt_async(reader.call_async(source))


@case
async def py_source_roundtrip(js):
    with js.Runtime() as rt:
        source = rt.stream_from_async_iterable(agen(["p", "q"]))
        identity = await rt.eval_async("(s) => s")
        back = await attempt_async(identity.call_async(source))
        if type(back).__name__ != "JsStream":
            return {"type": type(back).__name__}
        return {"type": "JsStream", "read": await read_all(back)}


@case
async def py_source_stats(js):
    with js.Runtime() as rt:
        before = stream_counters(rt.get_stats())
        source = rt.stream_from_async_iterable(agen(["ab", "cd"]))
        reader = await rt.eval_async(READ_ALL_JS)
        await reader.call_async(source)
        after = stream_counters(rt.get_stats())
        return {"before": before, "after": after}


@case
async def py_source_after_runtime_close(js):
    rt = js.Runtime()
    rt.close()
    return attempt(rt.stream_from_async_iterable, agen([1]))
