"""Observations shared by the case files: exceptions recorded engine-neutrally.

A ``JavaScriptError`` is recorded by its JS ``name`` and ``message`` attributes, not
``str()``: the text around them (and the messages of errors the engine itself throws)
differ between V8 and QuickJS. jsrun's own texts are recorded in full.
"""

import re


def error_record(exc):
    if type(exc).__name__ == "JavaScriptError":
        return {"raises": "JavaScriptError", "name": exc.name, "message": exc.message}
    return {"raises": type(exc).__name__, "message": str(exc)}


def js_error(fn, *args, **kwargs):
    """A call's result, or what it raised (``error_record``)."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the exception is the observation
        return error_record(exc)


async def js_error_async(awaitable_or_fn):
    """Awaits (a coroutine, or what a function returns); the result or ``error_record``."""
    try:
        if callable(awaitable_or_fn):
            awaitable_or_fn = awaitable_or_fn()
        return await awaitable_or_fn
    except Exception as exc:  # noqa: BLE001
        return error_record(exc)


def engine_neutral(message):
    """A jsrun message up to the engine's own part: the JS error name (``... 'm': Uncaught
    SyntaxError``) or the first line (stack frames differ between engines)."""
    found = re.match(r"^(.*?: )(Uncaught )?([A-Za-z]*Error)\b", message)
    return found.group(0) if found else message.split("\n")[0]


def neutral_error(fn, *args):
    """Like ``js_error``, with engine texts cut off (see ``engine_neutral``)."""
    result = js_error(fn, *args)
    if isinstance(result, dict) and result.get("raises") == "JavaScriptError":
        return {"raises": "JavaScriptError", "name": result["name"]}
    if isinstance(result, dict) and "raises" in result:
        return {"raises": result["raises"], "message": engine_neutral(result["message"])}
    return result
