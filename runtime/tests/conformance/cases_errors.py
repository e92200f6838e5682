"""JavaScriptError attributes, thrown non-Error values, eval input types, timeouts.

Engine message texts (V8 vs QuickJS) are not recorded: the JS error `name`, jsrun's own
prefix and the message of errors the case itself throws are.
"""

import asyncio

from harness import Raised, attempt, attempt_async, case


def js_error(rt, code):
    try:
        rt.eval(code)
    except Exception as e:  # noqa: BLE001
        return {"type": type(e).__name__, "str": str(e), "name": getattr(e, "name", "-"),
                "message": getattr(e, "message", "-"),
                "stack0": (getattr(e, "stack", None) or "").splitlines()[:1],
                "frames": type(getattr(e, "frames", None)).__name__}
    return "no error"


@case
def error_attributes(js):
    with js.Runtime() as rt:
        return js_error(rt, "throw new TypeError('Invalid value')")


@case
def error_subclasses(js):
    with js.Runtime() as rt:
        return [js_error(rt, f"throw new {n}('m')")["str"] for n in ("Error", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError")]


@case
def error_empty_message(js):
    with js.Runtime() as rt:
        return js_error(rt, "throw new Error()")


@case
def error_custom_name(js):
    with js.Runtime() as rt:
        return js_error(rt, "const e = new Error('custom'); e.name = 'MyError'; throw e")


@case
def error_custom_class(js):
    with js.Runtime() as rt:
        return js_error(rt, "class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } }; throw new ValidationError('bad field')")


@case
def error_with_cause(js):
    with js.Runtime() as rt:
        return js_error(rt, "throw new Error('outer', { cause: new Error('inner') })")


@case
def throw_string(js):
    with js.Runtime() as rt:
        return js_error(rt, "throw 'plain string'")


@case
def throw_number(js):
    with js.Runtime() as rt:
        return js_error(rt, "throw 42")


@case
def throw_object(js):
    with js.Runtime() as rt:
        return js_error(rt, "throw {code: 7, message: 'obj'}")


@case
def throw_null(js):
    with js.Runtime() as rt:
        return js_error(rt, "throw null")


@case
def throw_undefined(js):
    with js.Runtime() as rt:
        return js_error(rt, "throw undefined")


@case
def throw_class_instance_and_symbol(js):
    with js.Runtime() as rt:
        return [js_error(rt, "class K {}; throw new K()"), js_error(rt, "throw {name: 'X', message: 'y'}")]


@case
def function_throw_string(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval("() => { throw 'str'; }"))
        return [r.type, r.message]


@case
def module_error_prefix(js):
    with js.Runtime() as rt:
        rt.add_static_module("m", "throw new Error('in module')")
        r = attempt(rt.eval_module, "m")
        return [r.type, r.message]


@case
def engine_error_names(js):
    with js.Runtime() as rt:
        out = []
        for code in ("undefinedVariable", "null.x", "1 +", "new Array(-1)"):
            e = js_error(rt, code)
            out.append([e["type"], e["name"], e["str"].split(":")[0]])
        return out


@case
def error_is_exception(js):
    with js.Runtime() as rt:
        try:
            rt.eval("throw new Error('x')")
        except Exception as e:  # noqa: BLE001
            return [isinstance(e, js.JavaScriptError), isinstance(e, RuntimeError), e.args[:1] == (str(e),)]


@case
def error_frames_shape(js):
    with js.Runtime() as rt:
        try:
            rt.eval("function inner() { throw new Error('deep'); }\nfunction outer() { inner(); }\nouter()")
        except js.JavaScriptError as e:
            frames = e.frames
            keys = set()
            for fr in frames:
                keys.update(fr)
            return [type(frames).__name__, len(frames) > 0, all(isinstance(f, dict) for f in frames),
                    sorted(keys - {"function_name", "file_name", "line_number", "column_number"})]


@case
def eval_non_str(js):
    with js.Runtime() as rt:
        return [type(attempt(rt.eval, v)).__name__ == "Raised" and attempt(rt.eval, v).type for v in (b"1", None, 1, ["1"])]


@case
async def eval_async_non_str(js):
    with js.Runtime() as rt:
        out = []
        for v in (b"1", None, 1):
            r = await attempt_async(lambda: rt.eval_async(v))
            out.append(r.type if isinstance(r, Raised) else r)
        return out


@case
def eval_lone_surrogate_in_code(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval, "'\ud800'")
        return r.type if isinstance(r, Raised) else r


@case
def eval_escaped_surrogate(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval, "'\\ud800'")
        return r.type if isinstance(r, Raised) else r


@case
def eval_non_bmp(js):
    with js.Runtime() as rt:
        return [rt.eval("'😀'"), rt.eval("'😀'.length"), rt.eval("'\\u{1F600}'")]


@case
def eval_empty_and_comment(js):
    with js.Runtime() as rt:
        return [type(rt.eval("")).__name__, type(rt.eval("// nothing")).__name__]


@case
def eval_nul_in_code(js):
    with js.Runtime() as rt:
        return rt.eval("'a\x00b'.length")


@case
async def eval_async_timeout(js):
    with js.Runtime() as rt:
        r = await attempt_async(rt.eval_async("new Promise(() => {})", timeout=0.05))
        return [r.type, "Evaluation failed" in r.message, "timed out" in r.message.lower() or "timeout" in r.message.lower()]


@case
async def eval_async_timeout_loop(js):
    with js.Runtime() as rt:
        r = await attempt_async(rt.eval_async("while (true) {}", timeout=0.05))
        after = await rt.eval_async("1 + 1")
        return ["Evaluation failed" in r.message, after]


@case
def eval_timeout_config(js):
    with js.Runtime(js.RuntimeConfig(timeout=0.05)) as rt:
        r = attempt(rt.eval, "while (true) {}")
        return ["Evaluation failed" in r.message, "timed out" in r.message, rt.is_closed(), rt.eval("2")]


@case
async def eval_async_rejection(js):
    with js.Runtime() as rt:
        r = await attempt_async(rt.eval_async("Promise.reject(new Error('rejected'))"))
        return [r.type, r.message]


@case
async def eval_async_reject_non_error(js):
    with js.Runtime() as rt:
        r = await attempt_async(rt.eval_async("Promise.reject('just a string')"))
        return [r.type, r.message]


@case
def error_repr_args(js):
    with js.Runtime() as rt:
        try:
            rt.eval("throw new Error('boom')")
        except js.JavaScriptError as e:
            return [len(e.args), e.args[0]]


@case
def error_named_empty(js):
    with js.Runtime() as rt:
        return js_error(rt, "const e = new Error('m'); e.name = ''; throw e")


@case
def error_message_with_newline_and_aggregate(js):
    with js.Runtime() as rt:
        agg = js_error(rt, "throw new AggregateError([new Error('x')], 'agg')")
        return [js_error(rt, "throw new Error('a\\nb')")["str"], agg["name"], agg["str"]]


@case
def error_extra_attributes(js):
    with js.Runtime() as rt:
        try:
            rt.eval("throw Object.assign(new TypeError('t', {cause: 'c'}), {code: 'E1'})")
        except js.JavaScriptError as e:
            return [hasattr(e, "code"), hasattr(e, "cause"), e.__cause__ is None, hasattr(e, "errors")]


@case
def function_error_attributes(js):
    with js.Runtime() as rt:
        fn = rt.eval("() => { throw new Error('in fn'); }")
        try:
            fn()
        except js.JavaScriptError as e:
            return [str(e), e.name, e.message, (e.stack or "").splitlines()[:1]]


@case
def javascript_error_constructed_by_hand(js):
    e = js.JavaScriptError("by hand")
    return [str(e), e.args, hasattr(e, "name")]


def frames_without_columns(e):
    """Frames as recorded: the column is where each engine points in the line, so left out."""
    return [{k: v for k, v in f.items() if k != "column_number"} for f in e.frames]


@case
def error_frames_eval(js):
    with js.Runtime() as rt:
        try:
            rt.eval("function inner() { throw new Error('deep'); }\nfunction outer() { inner(); }\nouter()")
        except js.JavaScriptError as e:
            return frames_without_columns(e)


@case
def error_frames_function_call(js):
    with js.Runtime() as rt:
        f = rt.eval("(function named(x) { throw new TypeError('t' + x) })")
        try:
            f(1)
        except js.JavaScriptError as e:
            return [frames_without_columns(e), (e.stack or "").splitlines()[:1]]


@case
async def error_frames_eval_async(js):
    with js.Runtime() as rt:
        try:
            await rt.eval_async("(async () => { await 0; throw new RangeError('r') })()")
        except js.JavaScriptError as e:
            return [frames_without_columns(e), (e.stack or "").splitlines()[:1]]


@case
def eval_timeout_config_message(js):
    with js.Runtime(js.RuntimeConfig(timeout=0.05)) as rt:
        r = attempt(rt.eval, "while (true) {}")
        return [r.type, r.message]


@case
async def eval_async_timeout_pending_message(js):
    with js.Runtime() as rt:
        r = await attempt_async(rt.eval_async("new Promise(() => {})", timeout=0.05))
        return [r.type, r.message]
