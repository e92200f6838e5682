"""The module-level API of ``jsrun``: default runtime helpers, ``undefined``, ``__all__``,
``Runtime.bind``. Every case that touches the default runtime closes it at the end."""

import asyncio
import threading

from harness import attempt, attempt_async, case

PUBLISHED_ALL = [
    "InspectorConfig", "InspectorEndpoints", "JavaScriptError", "JsFunction", "JsStream",
    "JsUndefined", "Runtime", "RuntimeConfig", "RuntimeStats", "RuntimeTerminated",
    "SnapshotBuilder", "bind_function", "bind_object", "close_default_runtime", "eval",
    "eval_async", "get_default_runtime", "undefined",
]


@case
def all_names(js):
    return sorted(js.__all__)


@case
def all_names_exist(js):
    return {name: hasattr(js, name) for name in PUBLISHED_ALL}


@case
def public_attributes(js):
    # Names beyond __all__ a user might reach for (ours has more, e.g. PyStreamSource: harmless).
    return {name: hasattr(js, name) for name in ["JsFrame", "__version__"]}


@case
def undefined_basics(js):
    u = js.undefined
    return {
        "repr": repr(u),
        "str": str(u),
        "bool": bool(u),
        "type": type(u).__name__,
        "isinstance": isinstance(u, js.JsUndefined),
        "is_none": u is None,
        "eq_none": u == None,  # noqa: E711 - the comparison is the observation
        "eq_self": u == u,
    }


@case
def undefined_hash(js):
    result = attempt(hash, js.undefined)
    return {"hashable": not isinstance(result, dict) and not hasattr(result, "type"),
            "stable": attempt(hash, js.undefined) == result}


@case
def undefined_constructor(js):
    made = attempt(js.JsUndefined)
    if type(made).__name__ == "JsUndefined":
        return {"made": True, "is_singleton": made is js.undefined, "eq": made == js.undefined}
    return {"made": made}


@case
def undefined_from_js(js):
    with js.Runtime() as rt:
        value = rt.eval("undefined")
        return {"is_undefined": value is js.undefined, "void": rt.eval("void 0") is js.undefined,
                "in_list": rt.eval("[undefined, null]")}


@case
def undefined_to_js(js):
    with js.Runtime() as rt:
        fn = rt.eval("(x) => [typeof x, x === undefined, x === null]")
        return {"undefined": fn(js.undefined), "none": fn(None)}


@case
def undefined_in_containers_to_js(js):
    with js.Runtime() as rt:
        fn = rt.eval("(o) => [typeof o.a, 'a' in o, typeof o.l[0]]")
        return fn({"a": js.undefined, "l": [js.undefined]})


@case
def undefined_bound_return(js):
    with js.Runtime() as rt:
        rt.bind_function("give", lambda: js.undefined)
        return rt.eval("typeof give()")


@case
def module_eval(js):
    try:
        return {"sum": js.eval("1 + 2"), "str": js.eval("'s'.repeat(2)")}
    finally:
        js.close_default_runtime()


@case
def module_eval_keeps_state(js):
    try:
        js.eval("globalThis.kept = 41")
        return js.eval("kept + 1")
    finally:
        js.close_default_runtime()


@case
def module_eval_error(js):
    try:
        result = attempt(js.eval, "throw new TypeError('top')")
        return {"type": getattr(result, "type", None), "usable": js.eval("2")}
    finally:
        js.close_default_runtime()


@case
async def module_eval_async(js):
    try:
        return {"promise": await js.eval_async("Promise.resolve(7)"), "value": await js.eval_async("8")}
    finally:
        js.close_default_runtime()


@case
async def module_eval_async_timeout(js):
    try:
        return {
            "bad": await attempt_async(lambda: js.eval_async("1", timeout=-1)),
            "ok": await js.eval_async("9", timeout=1),
        }
    finally:
        js.close_default_runtime()


@case
async def module_eval_async_unknown_kwarg(js):
    try:
        return {"raised": type(await attempt_async(lambda: js.eval_async("1", bogus=1))).__name__}
    finally:
        js.close_default_runtime()


@case
def module_bind_function(js):
    try:
        returned = js.bind_function("add", lambda a, b: a + b)
        return {"returned": returned, "call": js.eval("add(2, 3)")}
    finally:
        js.close_default_runtime()


@case
async def module_bind_async_function(js):
    async def double(x):
        return x * 2

    try:
        js.bind_function("double", double)
        return await js.eval_async("double(21)")
    finally:
        js.close_default_runtime()


@case
def module_bind_object(js):
    try:
        returned = js.bind_object("config", {"version": "1.0", "debug": True, "n": 3})
        return {"returned": returned, "read": js.eval("[config.version, config.debug, config.n]")}
    finally:
        js.close_default_runtime()


@case
def module_bind_object_not_dict(js):
    try:
        return attempt(js.bind_object, "config", 5)
    finally:
        js.close_default_runtime()


@case
def default_runtime_same_twice(js):
    try:
        a = js.get_default_runtime()
        b = js.get_default_runtime()
        return {"same": a is b, "type": type(a).__name__, "closed": a.is_closed()}
    finally:
        js.close_default_runtime()


@case
def default_runtime_is_used_by_eval(js):
    try:
        rt = js.get_default_runtime()
        rt.eval("globalThis.marker = 'm'")
        return js.eval("marker")
    finally:
        js.close_default_runtime()


@case
def default_runtime_new_after_close(js):
    try:
        a = js.get_default_runtime()
        js.close_default_runtime()
        b = js.get_default_runtime()
        return {"first_closed": a.is_closed(), "new": a is not b, "second_closed": b.is_closed()}
    finally:
        js.close_default_runtime()


@case
def default_runtime_new_after_runtime_close(js):
    try:
        a = js.get_default_runtime()
        a.close()
        b = js.get_default_runtime()
        return {"new": a is not b, "second_closed": b.is_closed()}
    finally:
        js.close_default_runtime()


@case
def default_runtime_per_thread(js):
    seen = {}

    def other():
        try:
            seen["rt"] = js.get_default_runtime()
            seen["twice"] = js.get_default_runtime() is seen["rt"]
        finally:
            js.close_default_runtime()

    try:
        mine = js.get_default_runtime()
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(10)
        return {"different": seen["rt"] is not mine, "same_in_thread": seen["twice"],
                "other_closed": seen["rt"].is_closed(), "mine_open": not mine.is_closed()}
    finally:
        js.close_default_runtime()


@case
async def default_runtime_per_task(js):
    async def get():
        rt = js.get_default_runtime()
        await asyncio.sleep(0)
        same = js.get_default_runtime() is rt
        return rt, same

    try:
        (a, same_a), (b, same_b) = await asyncio.gather(get(), get())
        await asyncio.sleep(0.01)  # the tasks' done-callbacks run
        return {"different": a is not b, "same_within": [same_a, same_b],
                "closed_after_task": [a.is_closed(), b.is_closed()]}
    finally:
        js.close_default_runtime()


@case
async def default_runtime_main_task(js):
    try:
        a = js.get_default_runtime()
        b = js.get_default_runtime()
        return {"same": a is b}
    finally:
        js.close_default_runtime()


@case
def close_default_runtime_when_none(js):
    return {"first": attempt(js.close_default_runtime), "second": attempt(js.close_default_runtime)}


@case
def close_default_runtime_twice(js):
    rt = js.get_default_runtime()
    first = attempt(js.close_default_runtime)
    second = attempt(js.close_default_runtime)
    return {"first": first, "second": second, "closed": rt.is_closed()}


@case
def close_default_runtime_from_non_owner(js):
    rt = js.get_default_runtime()

    async def in_task():
        # A task inherits (a copy of) the thread's context, so it sees the thread's runtime.
        return attempt(js.close_default_runtime)

    try:
        result = asyncio.run(in_task())
        return {"from_task": result, "still_open": not rt.is_closed()}
    finally:
        js.close_default_runtime()


@case
def close_default_runtime_other_thread(js):
    rt = js.get_default_runtime()
    seen = {}

    def other():
        seen["result"] = attempt(js.close_default_runtime)

    try:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(10)
        return {"from_thread": seen["result"], "still_open": not rt.is_closed()}
    finally:
        js.close_default_runtime()


# ------------------------------------------------------------------ Runtime.bind


@case
def bind_decorator_plain(js):
    with js.Runtime() as rt:
        def triple(x):
            return x * 3

        returned = rt.bind(triple)
        return {"returns_func": returned is triple, "call": rt.eval("triple(4)")}


@case
def bind_decorator_named(js):
    with js.Runtime() as rt:
        @rt.bind(name="renamed")
        def original(x):
            return x + 1

        return {"is_func": callable(original), "call": rt.eval("renamed(1)"),
                "old_name": rt.eval("typeof original")}


@case
def bind_decorator_bare_call(js):
    with js.Runtime() as rt:
        @rt.bind()
        def neg(x):
            return -x

        return rt.eval("neg(5)")


@case
def bind_not_callable(js):
    with js.Runtime() as rt:
        return attempt(rt.bind, 42)


@case
def bind_no_name(js):
    class Callable:
        def __call__(self, x):
            return x

    with js.Runtime() as rt:
        return attempt(rt.bind, Callable())


@case
def runtime_context_manager(js):
    rt = js.Runtime()
    with rt as entered:
        same = entered is rt
    return {"same": same, "closed": rt.is_closed()}
