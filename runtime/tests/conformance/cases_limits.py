"""max_serialization_depth / max_serialization_bytes at conversion time, both directions,
and a max_heap_size that JavaScript exceeds.

Messages are jsrun's own texts. The operation prefix that wraps them ("Evaluation failed: ",
"Function call failed: ") is the errors area's convention and recorded there; here it is
stripped so that these cases pin the limit texts and thresholds only.
"""

from harness import Raised, attempt, case

PREFIXES = ("Evaluation failed: ", "Function call failed: ")


def _strip(r):
    if isinstance(r, Raised):
        for p in PREFIXES:
            if r.message.startswith(p):
                r.message = r.message[len(p):]
    return r


def _rt(js, **kw):
    return js.Runtime(js.RuntimeConfig(**kw))


def _nest_js(n, leaf="1", obj=False):
    wrap = "v={a:v}" if obj else "v=[v]"
    return f"(() => {{ let v={leaf}; for (let i = 0; i < {n}; i++) {wrap}; return v }})()"


def _nest_py(n, leaf=1):
    v = leaf
    for _ in range(n):
        v = [v]
    return v


def _eval(js, code, **kw):
    with _rt(js, **kw) as rt:
        r = _strip(attempt(rt.eval, code))
        return {"result": r, "usable": rt.eval("'k'")}


def _to_js(js, value, **kw):
    with _rt(js, **kw) as rt:
        f = rt.eval("(x) => { globalThis.seen = x; }")
        r = _strip(attempt(f, value))
        return {"result": r, "usable": rt.eval("typeof seen === 'undefined' ? 'u' : 'd'")}


def _returned(js, value, **kw):
    """A bound function's return value crossing into JS (the result of the eval is tiny)."""
    with _rt(js, **kw) as rt:
        rt.bind_function("give", lambda: value)
        try:
            rt.eval("give(), undefined")
            out = "ok"
        except Exception as exc:  # noqa: BLE001
            out = {"type": type(exc).__name__, "name": getattr(exc, "name", None),
                   "message": getattr(exc, "message", None)}
        return {"result": out, "usable": rt.eval("'k'")}


# -- depth, JS -> Python

@case
def depth_eval_below_limit(js):
    return _eval(js, _nest_js(3), max_serialization_depth=4)


@case
def depth_eval_at_limit(js):
    return _eval(js, _nest_js(4), max_serialization_depth=4)


@case
def depth_eval_over_limit(js):
    return _eval(js, _nest_js(6), max_serialization_depth=4)


@case
def depth_eval_objects_at_limit(js):
    return _eval(js, _nest_js(4, obj=True), max_serialization_depth=4)


@case
def depth_eval_objects_below_limit(js):
    return _eval(js, _nest_js(3, obj=True), max_serialization_depth=4)


@case
def depth_eval_empty_leaf(js):
    return {"fits": _eval(js, _nest_js(1, leaf="[]"), max_serialization_depth=2),
            "over": _eval(js, _nest_js(2, leaf="[]"), max_serialization_depth=2)}


@case
def depth_one_allows_scalars_only(js):
    return {"scalar": _eval(js, "7", max_serialization_depth=1),
            "empty": _eval(js, "[]", max_serialization_depth=1),
            "array": _eval(js, "[1]", max_serialization_depth=1)}


@case
def depth_default_boundary_eval(js):
    return {"99": _eval(js, _nest_js(99))["result"] is not None, "100": _eval(js, _nest_js(100))["result"]}


@case
def depth_default_very_deep_eval(js):
    return _eval(js, _nest_js(5000))["result"]


# -- depth, Python -> JS

@case
def depth_call_arg_below_limit(js):
    return _to_js(js, _nest_py(3), max_serialization_depth=4)


@case
def depth_call_arg_at_limit(js):
    return _to_js(js, _nest_py(4), max_serialization_depth=4)


@case
def depth_call_arg_dict_at_limit(js):
    v = 1
    for _ in range(4):
        v = {"a": v}
    return _to_js(js, v, max_serialization_depth=4)


@case
def depth_default_boundary_call_arg(js):
    return {"99": _to_js(js, _nest_py(99))["result"], "100": _to_js(js, _nest_py(100))["result"]}


@case
def depth_bind_object_value(js):
    with _rt(js, max_serialization_depth=4) as rt:
        over = _strip(attempt(rt.bind_object, "o", {"v": _nest_py(4)}))
        ok = attempt(rt.bind_object, "p", {"v": _nest_py(2)})
        return {"over": over, "ok": ok, "value": rt.eval("p.v"), "o": rt.eval("typeof o === 'undefined'")}


@case
def depth_bound_function_return(js):
    return {"below": _returned(js, _nest_py(3), max_serialization_depth=4)}


# -- bytes, JS -> Python

@case
def bytes_eval_string_at_limit(js):
    return _eval(js, "'x'.repeat(10)", max_serialization_bytes=10)


@case
def bytes_eval_string_over_limit(js):
    return _eval(js, "'x'.repeat(11)", max_serialization_bytes=10)


@case
def bytes_eval_string_utf8_counted(js):
    return {"fits": _eval(js, "'é'.repeat(5)", max_serialization_bytes=10),
            "over": _eval(js, "'é'.repeat(6)", max_serialization_bytes=10)}


@case
def bytes_eval_typed_array(js):
    return {"at": _eval(js, "new Uint8Array(10)", max_serialization_bytes=10),
            "over": _eval(js, "new Uint8Array(12)", max_serialization_bytes=10)}


@case
def bytes_eval_numbers(js):
    return {"int": _eval(js, "12345", max_serialization_bytes=10),
            "int_fits": _eval(js, "12345", max_serialization_bytes=20),
            "float": _eval(js, "1.5", max_serialization_bytes=20),
            "float_fits": _eval(js, "1.5", max_serialization_bytes=24)}


@case
def bytes_eval_scalars(js):
    return {"true": _eval(js, "true", max_serialization_bytes=4),
            "true_fits": _eval(js, "true", max_serialization_bytes=5),
            "null": _eval(js, "null", max_serialization_bytes=3),
            "null_fits": _eval(js, "null", max_serialization_bytes=4),
            "empty_string": _eval(js, "''", max_serialization_bytes=1),
            "empty_array": _eval(js, "[]", max_serialization_bytes=1)}


@case
def bytes_eval_array_of_numbers(js):
    return {"fits": _eval(js, "[1, 2]", max_serialization_bytes=40),
            "over": _eval(js, "[1, 2, 3]", max_serialization_bytes=40)}


@case
def bytes_eval_object(js):
    return {"fits": _eval(js, "({ab: 1})", max_serialization_bytes=22),
            "over": _eval(js, "({ab: 1})", max_serialization_bytes=21),
            "strings": _eval(js, "({a: 'xyz', b: 'z'})", max_serialization_bytes=5)}


@case
def bytes_eval_default_limit(js):
    with _rt(js) as rt:
        big = _strip(attempt(rt.eval, "'x'.repeat(11 * 1024 * 1024)"))
        fits = len(rt.eval("'x'.repeat(10 * 1024 * 1024)"))
        return {"big": big, "fits": fits}


# -- bytes, Python -> JS

@case
def bytes_call_arg_string(js):
    return {"short": _to_js(js, "x" * 4, max_serialization_bytes=20),
            "fits": _to_js(js, "x" * 4, max_serialization_bytes=24),
            "over_alone": _to_js(js, "x" * 11, max_serialization_bytes=10)}


@case
def bytes_call_arg_string_utf8(js):
    return _to_js(js, "é" * 60, max_serialization_bytes=100)


@case
def bytes_call_arg_bytes(js):
    return {"at": _to_js(js, b"x" * 10, max_serialization_bytes=10),
            "over": _to_js(js, b"x" * 11, max_serialization_bytes=10)}


@case
def bytes_call_arg_scalars(js):
    # The function itself costs 8 bytes coming back from eval: limits start at 8.
    return {"int": _to_js(js, [5], max_serialization_bytes=32),
            "int_over": _to_js(js, [5], max_serialization_bytes=31),
            "none": _to_js(js, [None], max_serialization_bytes=28),
            "none_over": _to_js(js, [None], max_serialization_bytes=27),
            "bool": _to_js(js, [True], max_serialization_bytes=25),
            "bool_over": _to_js(js, [True], max_serialization_bytes=24)}


@case
def bytes_call_arg_list(js):
    return {"fits": _to_js(js, [1, 2], max_serialization_bytes=48),
            "over": _to_js(js, [1, 2], max_serialization_bytes=47),
            "strings": _to_js(js, ["a", "b"], max_serialization_bytes=65)}


@case
def bytes_call_arg_dict(js):
    return {"fits": _to_js(js, {"a": 1}, max_serialization_bytes=57),
            "over": _to_js(js, {"a": 1}, max_serialization_bytes=56)}


@case
def bytes_call_arg_default_limit(js):
    return _to_js(js, "x" * (11 * 1024 * 1024))


@case
def bytes_bound_function_return(js):
    return {"fits": _returned(js, "abc", max_serialization_bytes=19),
            "over": _returned(js, "abc", max_serialization_bytes=18)}


@case
def bytes_bind_object_value(js):
    with _rt(js, max_serialization_bytes=10) as rt:
        return {"over": _strip(attempt(rt.bind_object, "o", {"v": "x" * 11})),
                "o": rt.eval("typeof o === 'undefined' ? 'u' : 'd'")}


# -- heap limit

HEAP = 16 << 20
GROW = "let a = []; for (;;) a.push(new Array(100000).fill(1))"


@case
def heap_limit_exceeded(js):
    rt = _rt(js, max_heap_size=HEAP)
    r = attempt(rt.eval, GROW)
    out = {"raises": r.type if isinstance(r, Raised) else r,
           "is_runtime_error": isinstance(r, Raised) and r.type in ("RuntimeTerminated",),
           "closed": rt.is_closed(), "later": _strip(attempt(rt.eval, "1"))}
    rt.close()
    return out


@case
def heap_limit_message(js):
    with _rt(js, max_heap_size=HEAP) as rt:
        r = _strip(attempt(rt.eval, GROW))
        return r


@case
def heap_limit_not_reached(js):
    with _rt(js, max_heap_size=HEAP) as rt:
        return [rt.eval("new Array(1000).fill(1).length"), rt.is_closed()]


@case
async def heap_limit_exceeded_async(js):
    rt = _rt(js, max_heap_size=HEAP)
    try:
        await rt.eval_async(GROW)
        r = "no error"
    except Exception as exc:  # noqa: BLE001
        r = type(exc).__name__
    out = {"raises": r, "closed": rt.is_closed()}
    rt.close()
    return out
