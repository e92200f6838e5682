"""bind_function / bind / bind_object and the module-level helpers that use them.

Argument-type errors raised by the binding layer (PyO3's "argument 'x': ..." texts) are
recorded by type only.
"""

from harness import Raised, attempt, attempt_async, case


def type_only(obs):
    return {"raises": obs.type} if isinstance(obs, Raised) else obs


def bind_name_error(rt, fn, *args, **kw):
    """A rejected binding name: exception type and JS error name (the text is the engine's)."""
    try:
        return ["ok", fn(*args, **kw)]
    except Exception as e:  # noqa: BLE001
        return [type(e).__name__, getattr(e, "name", None)]


def js_catch(rt, call):
    return rt.eval(
        f"(() => {{ try {{ return ['ok', {call}]; }} catch (e) {{ return [e.name, e.message]; }} }})()"
    )


@case
def bind_function_call(js):
    with js.Runtime() as rt:
        rt.bind_function("add", lambda a, b: a + b)
        return [rt.eval("add(2, 3)"), rt.eval("typeof add")]


@case
def bind_function_returns_none(js):
    with js.Runtime() as rt:
        return rt.bind_function("f", lambda: 1)


@case
def bind_function_result_none(js):
    with js.Runtime() as rt:
        rt.bind_function("f", lambda: None)
        return rt.eval("[typeof f(), f() === null]")


@case
def bind_function_args_null_undefined(js):
    seen = []
    with js.Runtime() as rt:
        rt.bind_function("f", lambda *a: seen.extend(a))
        rt.eval("f(null, undefined)")
        return [type(v).__name__ for v in seen]


@case
def bind_function_arg_count(js):
    with js.Runtime() as rt:
        rt.bind_function("n", lambda *a: len(a))
        return [rt.eval("n()"), rt.eval("n(1, 2, 3)"), rt.eval("n(undefined)")]


@case
def bind_function_nested_values(js):
    with js.Runtime() as rt:
        rt.bind_function("f", lambda x: {"got": x, "list": [1, 2.5, "s", None, True]})
        return rt.eval("f({a: [1, {b: 2}]})")


@case
def bind_function_name_wrong_type(js):
    with js.Runtime() as rt:
        return [type_only(attempt(rt.bind_function, n, lambda: 1)) for n in (1, None, b"f")]


@case
def bind_function_name_empty(js):
    with js.Runtime() as rt:
        r = bind_name_error(rt, rt.bind_function, "", lambda: 7)
        return [r, rt.eval("typeof globalThis['']")]


@case
def bind_function_name_not_identifier(js):
    with js.Runtime() as rt:
        r = bind_name_error(rt, rt.bind_function, "my func", lambda: 7)
        return [r, rt.eval("typeof globalThis['my func']")]


@case
def bind_function_not_callable(js):
    with js.Runtime() as rt:
        r = [attempt(rt.bind_function, "f", 5), attempt(rt.bind_function, "g", None)]
        return {"bind": r, "typeof": rt.eval("[typeof f, typeof g]")}


@case
def bind_function_name_starts_with_digit(js):
    with js.Runtime() as rt:
        return bind_name_error(rt, rt.bind_function, "1abc", lambda: 7)


@case
def bind_function_name_unicode_and_dollar(js):
    with js.Runtime() as rt:
        rt.bind_function("π", lambda: 3)
        rt.bind_function("$_x", lambda: 4)
        rt.bind_function("class", lambda: 5)
        return rt.eval("[π(), $_x(), globalThis['class']()]")


@case
def bind_function_dotted_name(js):
    with js.Runtime() as rt:
        rt.eval("globalThis.ns = {}")
        rt.bind_function("ns.f", lambda: 5)
        return [rt.eval("ns.f()"), bind_name_error(rt, rt.bind_function, "missing.f", lambda: 1)]


@case
def bind_consumes_op_ids(js):
    with js.Runtime() as rt:
        rt.bind_function("f", lambda: 1)
        first = rt.register_op("x", lambda: 1)
        rt.bind_object("o", {"a": lambda: 1, "b": lambda: 2, "c": 3})
        return [first, rt.register_op("y", lambda: 1)]


@case
def bind_object_existing_global(js):
    with js.Runtime() as rt:
        rt.eval("globalThis.num = 5; globalThis.fn = function () { return 9; }")
        rt.bind_object("num", {"a": 1})
        rt.bind_object("fn", {"a": 1})
        return rt.eval("[typeof num, typeof fn, fn.a, fn()]")


@case
def bind_function_rebind(js):
    with js.Runtime() as rt:
        rt.bind_function("f", lambda: 1)
        first = rt.eval("f()")
        rt.bind_function("f", lambda: 2)
        return [first, rt.eval("f()")]


@case
def bind_function_overrides_global(js):
    with js.Runtime() as rt:
        rt.eval("globalThis.f = 'js'")
        rt.bind_function("f", lambda: "py")
        return rt.eval("f()")


@case
def bind_function_raises_js_view(js):
    def handler():
        raise ValueError("bad input")

    with js.Runtime() as rt:
        rt.bind_function("f", handler)
        return rt.eval("(() => { try { f(); } catch (e) { return [e.name, e.message, e instanceof Error, e instanceof TypeError, String(e)]; } })()")


@case
def bind_function_raises_python_view(js):
    def handler():
        raise ValueError("bad input")

    with js.Runtime() as rt:
        rt.bind_function("f", handler)
        try:
            rt.eval("f()")
        except js.JavaScriptError as e:
            return {"str": str(e), "name": e.name, "message": e.message,
                    "stack0": (e.stack or "").splitlines()[:1], "cause": e.__cause__ is None}


@case
def bind_function_raises_custom(js):
    class Denied(Exception):
        pass

    def handler():
        raise Denied("nope")

    with js.Runtime() as rt:
        rt.bind_function("f", handler)
        return js_catch(rt, "f()")


@case
def bind_function_raises_type_error(js):
    def handler(x):
        raise TypeError(f"wanted int, got {type(x).__name__}")

    with js.Runtime() as rt:
        rt.bind_function("f", handler)
        return js_catch(rt, "f('s')")


@case
def bind_function_error_rethrown_from_js(js):
    def handler():
        raise ValueError("inner")

    with js.Runtime() as rt:
        rt.bind_function("f", handler)
        return attempt(rt.eval, "try { f(); } catch (e) { throw new Error('outer: ' + e.message); }")


@case
def bind_function_error_leaves_runtime_usable(js):
    def handler():
        raise ValueError("x")

    with js.Runtime() as rt:
        rt.bind_function("f", handler)
        attempt(rt.eval, "f()")
        return rt.eval("'still ' + 'fine'")


@case
def bind_function_result_unconvertible(js):
    with js.Runtime() as rt:
        rt.bind_function("f", lambda: object())
        return js_catch(rt, "f()")[0]


@case
def bind_function_result_circular(js):
    cyc = []
    cyc.append(cyc)
    with js.Runtime() as rt:
        rt.bind_function("f", lambda: cyc)
        name, message = js_catch(rt, "f()")
        return [name, "ircular" in message]


@case
async def bind_function_async_handler(js):
    async def handler(x):
        return x + 1

    with js.Runtime() as rt:
        rt.bind_function("inc", handler)
        return await rt.eval_async("(async () => { const p = inc(1); return [p instanceof Promise, await p]; })()")


@case
async def bind_function_async_handler_raises(js):
    async def handler():
        raise ValueError("async nope")

    with js.Runtime() as rt:
        rt.bind_function("f", handler)
        caught = await rt.eval_async("f().then(v => ['ok', v], e => [e.name, e.message])")
        uncaught = await attempt_async(rt.eval_async("f()"))
        return {"caught": caught, "uncaught": uncaught}


@case
async def bind_async_callable_object(js):
    class Handler:
        async def __call__(self, x):
            return x * 3

    with js.Runtime() as rt:
        rt.bind_function("f", Handler())
        return await rt.eval_async("(async () => { const p = f(2); return [p instanceof Promise, await p]; })()")


@case
def bind_sync_callable_object(js):
    class Handler:
        def __call__(self, x):
            return x * 3

    with js.Runtime() as rt:
        rt.bind_function("f", Handler())
        return rt.eval("f(2)")


@case
def bind_decorator_plain(js):
    with js.Runtime() as rt:
        @rt.bind
        def greet(name):
            return f"hi {name}"

        return [greet("py"), rt.eval("greet('js')"), greet.__name__]


@case
def bind_decorator_with_name(js):
    with js.Runtime() as rt:
        @rt.bind(name="hello")
        def greet(name):
            return f"hi {name}"

        return [rt.eval("hello('js')"), rt.eval("typeof greet"), greet("py")]


@case
def bind_direct_returns_function(js):
    def triple(x):
        return x * 3

    with js.Runtime() as rt:
        out = rt.bind(triple)
        return [out is triple, rt.eval("triple(3)")]


@case
def bind_direct_with_name(js):
    with js.Runtime() as rt:
        out = rt.bind(lambda x: x, name="ident")
        return [callable(out), rt.eval("ident(5)")]


@case
def bind_lambda_without_name(js):
    with js.Runtime() as rt:
        return [bind_name_error(rt, rt.bind, lambda: 1), rt.eval("typeof globalThis['<lambda>']")]


@case
def bind_object_without_name(js):
    class NoName:
        def __call__(self):
            return 1

    with js.Runtime() as rt:
        return attempt(rt.bind, NoName())


@case
def bind_name_empty(js):
    with js.Runtime() as rt:
        return attempt(rt.bind, lambda: 1, name="")


@case
def bind_not_callable(js):
    with js.Runtime() as rt:
        return [attempt(rt.bind, 5), attempt(rt.bind, "text")]


@case
def bind_decorator_not_callable(js):
    with js.Runtime() as rt:
        deco = rt.bind(name="x")
        return attempt(deco, 5)


@case
async def bind_decorator_async(js):
    with js.Runtime() as rt:
        @rt.bind
        async def fetch(x):
            return [x]

        return await rt.eval_async("fetch(1)")


@case
def bind_object_values(js):
    with js.Runtime() as rt:
        rt.bind_object("cfg", {"version": "1.0", "debug": True, "n": 3, "ratio": 0.5, "none": None, "list": [1, [2]]})
        return rt.eval("[cfg.version, cfg.debug, cfg.n, cfg.ratio, cfg.none, cfg.list, Object.keys(cfg)]")


@case
def bind_object_callables(js):
    with js.Runtime() as rt:
        rt.bind_object("api", {"add": lambda a, b: a + b, "value": 42})
        return [rt.eval("api.add(1, 2)"), rt.eval("api.value"), rt.eval("typeof api.add")]


@case
def bind_object_nested_callable(js):
    with js.Runtime() as rt:
        r = attempt(rt.bind_object, "api", {"inner": {"f": lambda: 1}})
        return [type_only(r) if isinstance(r, Raised) else r, rt.eval("typeof api")]


@case
async def bind_object_async_callable(js):
    async def later():
        return "later"

    with js.Runtime() as rt:
        rt.bind_object("api", {"later": later})
        return await rt.eval_async("api.later()")


@case
def bind_object_non_str_keys(js):
    with js.Runtime() as rt:
        r = attempt(rt.bind_object, "o", {1: "one", "b": 2})
        return [r, rt.eval("typeof o")]


@case
def bind_object_not_mapping(js):
    with js.Runtime() as rt:
        return [type_only(attempt(rt.bind_object, "o", v)) for v in ([("a", 1)], 5, None, "ab")]


@case
def bind_object_empty(js):
    with js.Runtime() as rt:
        rt.bind_object("o", {})
        return rt.eval("[typeof o, Object.keys(o).length]")


@case
def bind_object_rebind(js):
    with js.Runtime() as rt:
        rt.bind_object("o", {"a": 1})
        rt.bind_object("o", {"b": 2})
        return rt.eval("[o.a, o.b]")


@case
def bind_object_name_wrong_type(js):
    with js.Runtime() as rt:
        return type_only(attempt(rt.bind_object, 5, {"a": 1}))


@case
def bind_object_unconvertible_value(js):
    with js.Runtime() as rt:
        r = attempt(rt.bind_object, "o", {"a": object()})
        return [type_only(r), rt.eval("typeof o")]


@case
def bind_object_circular_value(js):
    cyc = {}
    cyc["self"] = cyc
    with js.Runtime() as rt:
        r = attempt(rt.bind_object, "o", {"a": cyc})
        return [r.type if isinstance(r, Raised) else r, "ircular" in getattr(r, "message", ""), rt.eval("typeof o")]


@case
def bind_after_close(js):
    rt = js.Runtime()
    rt.close()
    return [attempt(rt.bind_function, "f", lambda: 1), attempt(rt.bind_object, "o", {}),
            attempt(rt.bind, lambda: 1, name="g")]


@case
def bind_after_terminate(js):
    rt = js.Runtime()
    rt.terminate()
    try:
        return [attempt(rt.bind_function, "f", lambda: 1), attempt(rt.bind_object, "o", {})]
    finally:
        rt.close()


@case
def module_bind_function_and_object(js):
    try:
        js.bind_function("mod_add", lambda a, b: a + b)
        js.bind_object("mod_cfg", {"v": 1})
        return js.eval("[mod_add(1, 2), mod_cfg.v]")
    finally:
        js.close_default_runtime()


@case
def bind_keywords(js):
    with js.Runtime() as rt:
        rt.bind_function(name="f", handler=lambda: 1)
        rt.bind_object(name="o", obj={"v": 2})
        return rt.eval("[f(), o.v]")


@case
def bind_async_handler_in_sync_eval(js):
    async def later():
        return 1

    with js.Runtime() as rt:
        rt.bind_function("later", later)
        return rt.eval("(() => { const p = later(); return [typeof p, p instanceof Promise]; })()")
