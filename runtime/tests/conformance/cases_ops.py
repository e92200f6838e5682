"""Host ops: `register_op` ids, `__host_op_sync__` / `__host_op_async__`, modes, errors.

Argument-type errors raised by the binding layer (PyO3's "argument 'x': ..." texts, which
differ between PyO3 versions and are not jsrun's own words) are recorded by type only.
"""

from harness import Raised, attempt, attempt_async, case


def type_only(obs):
    """An exception reduced to its type (its message is the binding generator's text)."""
    return {"raises": obs.type} if isinstance(obs, Raised) else obs


def js_catch(rt, call):
    """Runs `call` (JS) and reports what a JS `catch` sees: [name, message] or the value."""
    return rt.eval(
        f"(() => {{ try {{ return ['ok', {call}]; }} catch (e) {{ return [e.name, e.message]; }} }})()"
    )


@case
def ids_start_at_zero(js):
    with js.Runtime() as rt:
        return [rt.register_op("a", lambda: 1), rt.register_op("b", lambda: 2), rt.register_op("c", lambda: 3)]


@case
def ids_per_runtime(js):
    with js.Runtime() as a, js.Runtime() as b:
        a.register_op("x", lambda: 1)
        a.register_op("y", lambda: 1)
        return [b.register_op("x", lambda: 1), a.register_op("z", lambda: 1)]


@case
def same_name_twice(js):
    with js.Runtime() as rt:
        first = rt.register_op("add", lambda a, b: a + b)
        second = rt.register_op("add", lambda a, b: a * b)
        return [first, second, rt.eval(f"__host_op_sync__({first}, 3, 4)"), rt.eval(f"__host_op_sync__({second}, 3, 4)")]


@case
def sync_call(js):
    with js.Runtime() as rt:
        op = rt.register_op("add", lambda a, b: a + b)
        return rt.eval(f"__host_op_sync__({op}, 10, 20)")


@case
def sync_call_no_args(js):
    with js.Runtime() as rt:
        op = rt.register_op("answer", lambda: 42)
        return rt.eval(f"__host_op_sync__({op})")


@case
def sync_call_varargs(js):
    with js.Runtime() as rt:
        op = rt.register_op("collect", lambda *a: list(a))
        return rt.eval(f"__host_op_sync__({op}, 1, 'two', [3], {{four: 4}}, null, true)")


@case
def host_op_globals_are_functions(js):
    with js.Runtime() as rt:
        return rt.eval("[typeof __host_op_sync__, typeof __host_op_async__]")


@case
def unknown_id(js):
    with js.Runtime() as rt:
        rt.register_op("a", lambda: 1)
        return {"caught": js_catch(rt, "__host_op_sync__(99)"), "uncaught": attempt(rt.eval, "__host_op_sync__(99)")}


@case
def unknown_id_no_ops(js):
    with js.Runtime() as rt:
        return js_catch(rt, "__host_op_sync__(0)")


@case
def id_negative(js):
    with js.Runtime() as rt:
        return js_catch(rt, "__host_op_sync__(-1)")


@case
def id_large(js):
    with js.Runtime() as rt:
        return [js_catch(rt, "__host_op_sync__(2**31)"), js_catch(rt, "__host_op_sync__(1e10)")]


@case
def id_fraction_truncates(js):
    with js.Runtime() as rt:
        rt.register_op("a", lambda: "zero")
        rt.register_op("b", lambda: "one")
        return [js_catch(rt, "__host_op_sync__(1.7)"), js_catch(rt, "__host_op_sync__(NaN)"), js_catch(rt, "__host_op_sync__(-0)")]


@case
def id_not_a_number(js):
    with js.Runtime() as rt:
        rt.register_op("a", lambda: 1)
        return [js_catch(rt, f"__host_op_sync__({v})") for v in ("'0'", "true", "null", "[0]", "undefined", "")]


@case
def async_mode_id_sync_call(js):
    async def handler(x):
        return x

    with js.Runtime() as rt:
        op = rt.register_op("later", handler, mode="async")
        return js_catch(rt, f"__host_op_sync__({op}, 1)")


@case
async def async_call(js):
    async def double(x):
        return x * 2

    with js.Runtime() as rt:
        op = rt.register_op("double", double, mode="async")
        return await rt.eval_async(f"__host_op_async__({op}, 21)")


@case
async def async_call_of_sync_op(js):
    with js.Runtime() as rt:
        op = rt.register_op("add", lambda a, b: a + b)
        return await attempt_async(rt.eval_async(f"(async () => {{ const p = __host_op_async__({op}, 2, 3); return [p instanceof Promise, await p]; }})()"))


@case
async def async_call_returns_promise(js):
    async def handler():
        return "done"

    with js.Runtime() as rt:
        op = rt.register_op("h", handler, mode="async")
        return await rt.eval_async(f"(async () => {{ const p = __host_op_async__({op}); const t = p instanceof Promise; return [t, await p]; }})()")


@case
async def async_handler_raises(js):
    async def handler():
        raise ValueError("async bad")

    with js.Runtime() as rt:
        op = rt.register_op("h", handler, mode="async")
        caught = await rt.eval_async(f"__host_op_async__({op}).then(v => ['ok', v], e => [e.name, e.message])")
        uncaught = await attempt_async(rt.eval_async(f"__host_op_async__({op})"))
        return {"caught": caught, "uncaught": uncaught}


@case
async def async_unknown_id(js):
    with js.Runtime() as rt:
        return await rt.eval_async("(async () => { try { await __host_op_async__(7); return 'ok'; } catch (e) { return [e.name, e.message]; } })()")


@case
def mode_invalid(js):
    with js.Runtime() as rt:
        return [attempt(rt.register_op, "x", lambda: 1, mode=m) for m in ("foo", "SYNC", "", "Async")]


@case
def mode_wrong_type(js):
    with js.Runtime() as rt:
        return [type_only(attempt(rt.register_op, "x", lambda: 1, mode=m)) for m in (None, 1, b"sync")]


@case
def mode_positional(js):
    with js.Runtime() as rt:
        return type_only(attempt(rt.register_op, "x", lambda: 1, "sync"))


@case
def mode_sync_with_coroutine_function(js):
    async def handler():
        return 1

    with js.Runtime() as rt:
        return attempt(rt.register_op, "x", handler, mode="sync")


@case
def mode_default_with_coroutine_function(js):
    async def handler():
        return 1

    with js.Runtime() as rt:
        return attempt(rt.register_op, "x", handler)


@case
def mode_async_with_plain_function(js):
    with js.Runtime() as rt:
        return attempt(rt.register_op, "x", lambda: 1, mode="async")


@case
def mode_error_leaves_runtime_usable(js):
    with js.Runtime() as rt:
        attempt(rt.register_op, "x", lambda: 1, mode="bogus")
        attempt(rt.register_op, "x", lambda: 1, mode="async")
        op = rt.register_op("y", lambda: "fine")
        return [op, rt.eval(f"__host_op_sync__({op})")]


@case
def name_wrong_type(js):
    with js.Runtime() as rt:
        return [type_only(attempt(rt.register_op, n, lambda: 1)) for n in (1, None, b"x")]


@case
def name_empty(js):
    with js.Runtime() as rt:
        op = rt.register_op("", lambda: "empty")
        return [op, rt.eval(f"__host_op_sync__({op})")]


@case
def handler_not_callable(js):
    with js.Runtime() as rt:
        ops = [attempt(rt.register_op, "x", 5), attempt(rt.register_op, "y", None)]
        called = js_catch(rt, "__host_op_sync__(0)")
        return {"ops": ops, "called": called}


@case
def handler_raises_js_view(js):
    def handler():
        raise ValueError("bad thing")

    with js.Runtime() as rt:
        op = rt.register_op("boom", handler)
        return rt.eval(f"(() => {{ try {{ __host_op_sync__({op}); }} catch (e) {{ return [e.name, e.message, e instanceof Error, e instanceof TypeError, String(e)]; }} }})()")


@case
def handler_raises_python_view(js):
    def handler():
        raise ValueError("bad thing")

    with js.Runtime() as rt:
        op = rt.register_op("boom", handler)
        try:
            rt.eval(f"__host_op_sync__({op})")
        except js.JavaScriptError as e:
            return {"str": str(e), "name": e.name, "message": e.message,
                    "stack0": (e.stack or "").splitlines()[:1], "cause": e.__cause__ is None}


@case
def handler_raises_custom_exception(js):
    class QuotaExceeded(Exception):
        pass

    def handler():
        raise QuotaExceeded("over")

    with js.Runtime() as rt:
        op = rt.register_op("boom", handler)
        return js_catch(rt, f"__host_op_sync__({op})")


@case
def handler_raises_keyerror_and_empty(js):
    def key():
        raise KeyError("k")

    def empty():
        raise RuntimeError()

    with js.Runtime() as rt:
        a = rt.register_op("key", key)
        b = rt.register_op("empty", empty)
        return [js_catch(rt, f"__host_op_sync__({a})"), js_catch(rt, f"__host_op_sync__({b})")]


@case
def handler_wrong_arity(js):
    with js.Runtime() as rt:
        op = rt.register_op("two", lambda a, b: a + b)
        name, message = js_catch(rt, f"__host_op_sync__({op}, 1)")
        return [name, message.split(":")[0], "missing 1 required positional argument" in message]


@case
def handler_error_leaves_runtime_usable(js):
    def handler():
        raise ValueError("x")

    with js.Runtime() as rt:
        op = rt.register_op("boom", handler)
        attempt(rt.eval, f"__host_op_sync__({op})")
        return rt.eval(f"1 + {op}")


@case
def args_special_numbers(js):
    with js.Runtime() as rt:
        op = rt.register_op("ident", lambda x: x)
        return [rt.eval(f"__host_op_sync__({op}, {v})") for v in ("NaN", "Infinity", "-Infinity", "1.5", "2**53", "-0")]


@case
def args_special_numbers_round_trip(js):
    with js.Runtime() as rt:
        op = rt.register_op("ident", lambda x: x)
        return rt.eval(f"[NaN, Infinity, -Infinity].map(v => Object.is(__host_op_sync__({op}, v), v))")


@case
def args_negative_zero(js):
    with js.Runtime() as rt:
        op = rt.register_op("ident", lambda x: x)
        seen = []
        op2 = rt.register_op("seen", lambda x: seen.append(repr(x)))
        rt.eval(f"__host_op_sync__({op2}, -0)")
        return {"python": seen, "js": rt.eval(f"Object.is(__host_op_sync__({op}, -0), -0)")}


@case
def args_null_and_undefined(js):
    seen = []
    with js.Runtime() as rt:
        op = rt.register_op("seen", lambda *a: seen.extend(a))
        rt.eval(f"__host_op_sync__({op}, null, undefined)")
        return [type(v).__name__ for v in seen]


@case
def args_nested(js):
    with js.Runtime() as rt:
        op = rt.register_op("ident", lambda x: x)
        return rt.eval(f"__host_op_sync__({op}, {{a: [1, {{b: 'c'}}], d: true, e: 1.25}})")


@case
def args_bigint_and_bytes(js):
    seen = []
    with js.Runtime() as rt:
        op = rt.register_op("seen", lambda *a: seen.extend(a))
        rt.eval(f"__host_op_sync__({op}, 10n, new Uint8Array([1, 2]))")
        return seen


@case
def result_nan_infinity(js):
    with js.Runtime() as rt:
        ops = [rt.register_op(n, (lambda v: lambda: v)(v)) for n, v in
               (("nan", float("nan")), ("inf", float("inf")), ("ninf", float("-inf")))]
        return rt.eval(f"[{', '.join(f'String(__host_op_sync__({o}))' for o in ops)}]")


@case
def result_negative_zero(js):
    with js.Runtime() as rt:
        op = rt.register_op("nz", lambda: -0.0)
        return rt.eval(f"Object.is(__host_op_sync__({op}), -0)")


@case
def result_none(js):
    with js.Runtime() as rt:
        op = rt.register_op("none", lambda: None)
        return rt.eval(f"[typeof __host_op_sync__({op}), __host_op_sync__({op}) === null]")


@case
def result_big_int(js):
    with js.Runtime() as rt:
        a = rt.register_op("a", lambda: 2**53 + 1)
        b = rt.register_op("b", lambda: 2**64)
        return rt.eval(f"[typeof __host_op_sync__({a}), String(__host_op_sync__({a})), typeof __host_op_sync__({b}), String(__host_op_sync__({b}))]")


@case
def result_bytes(js):
    with js.Runtime() as rt:
        op = rt.register_op("b", lambda: b"ab")
        return rt.eval(f"(() => {{ const r = __host_op_sync__({op}); return [r.constructor.name, Array.from(r)]; }})()")


@case
def result_tuple(js):
    with js.Runtime() as rt:
        op = rt.register_op("t", lambda: (1, 2))
        name, message = js_catch(rt, f"__host_op_sync__({op})")
        return name


@case
def result_unconvertible_object(js):
    with js.Runtime() as rt:
        op = rt.register_op("o", lambda: object())
        return js_catch(rt, f"__host_op_sync__({op})")[0]


@case
def result_circular_list(js):
    cyc = []
    cyc.append(cyc)
    with js.Runtime() as rt:
        op = rt.register_op("c", lambda: cyc)
        name, message = js_catch(rt, f"__host_op_sync__({op})")
        return [name, "ircular" in message]


@case
def result_circular_dict(js):
    cyc = {}
    cyc["self"] = cyc
    with js.Runtime() as rt:
        op = rt.register_op("c", lambda: cyc)
        name, message = js_catch(rt, f"__host_op_sync__({op})")
        return [name, "ircular" in message]


@case
def result_circular_uncaught(js):
    cyc = []
    cyc.append(cyc)
    with js.Runtime() as rt:
        op = rt.register_op("c", lambda: cyc)
        r = attempt(rt.eval, f"__host_op_sync__({op})")
        return [r.type, "ircular" in r.message]


@case
def result_shared_not_circular(js):
    shared = [1]
    with js.Runtime() as rt:
        op = rt.register_op("s", lambda: [shared, shared])
        return rt.eval(f"__host_op_sync__({op})")


@case
def result_depth_limit(js):
    deep = []
    cur = deep
    for _ in range(20):
        nxt = []
        cur.append(nxt)
        cur = nxt
    with js.Runtime(js.RuntimeConfig(max_serialization_depth=5)) as rt:
        op = rt.register_op("d", lambda: deep)
        # The limit's own words belong to the `limits` area; here: how an op reports it.
        name, message = js_catch(rt, f"__host_op_sync__({op})")
        return [name, message.split(": ")[0], "5" in message]


@case
def result_size_limit(js):
    with js.Runtime(js.RuntimeConfig(max_serialization_bytes=1000)) as rt:
        op = rt.register_op("s", lambda: "x" * 5000)
        name, message = js_catch(rt, f"__host_op_sync__({op}).length")
        return [name, message.split(": ")[0], "1000" in message]


@case
def args_size_limit(js):
    with js.Runtime(js.RuntimeConfig(max_serialization_bytes=1000)) as rt:
        op = rt.register_op("len", lambda s: len(s))
        return js_catch(rt, f"__host_op_sync__({op}, 'x'.repeat(5000))")


@case
def register_after_close(js):
    rt = js.Runtime()
    rt.close()
    return attempt(rt.register_op, "x", lambda: 1)


@case
def register_after_terminate(js):
    rt = js.Runtime()
    rt.terminate()
    try:
        return attempt(rt.register_op, "x", lambda: 1)
    finally:
        rt.close()


@case
def register_op_keywords(js):
    # name and handler are positional-only (the binding layer's text: type only).
    with js.Runtime() as rt:
        return type_only(attempt(lambda: rt.register_op(name="kw", handler=lambda: "kw", mode="sync")))


@case
def async_op_in_sync_eval(js):
    async def later():
        return 1

    with js.Runtime() as rt:
        op = rt.register_op("later", later, mode="async")
        return rt.eval(f"typeof __host_op_async__({op})")


@case
def result_int_keys_and_sets(js):
    with js.Runtime() as rt:
        a = rt.register_op("ik", lambda: {1: "a"})
        b = rt.register_op("st", lambda: {1, 2})
        c = rt.register_op("bt", lambda: True)
        d = rt.register_op("un", lambda: js.undefined)
        return [js_catch(rt, f"__host_op_sync__({a})"), rt.eval(f"__host_op_sync__({b}) instanceof Set"),
                rt.eval(f"typeof __host_op_sync__({c})"), rt.eval(f"typeof __host_op_sync__({d})")]


@case
def result_datetimes(js):
    tz = __import__("datetime").timezone(__import__("datetime").timedelta(hours=2))
    dt = __import__("datetime").datetime
    with js.Runtime() as rt:
        a = rt.register_op("naive", lambda: dt(2020, 1, 1, 12))
        b = rt.register_op("aware", lambda: dt(2020, 1, 1, 12, tzinfo=tz))
        c = rt.register_op("date", lambda: __import__("datetime").date(2020, 1, 1))
        return [rt.eval(f"__host_op_sync__({a}).toISOString()"), rt.eval(f"__host_op_sync__({b}).toISOString()"),
                js_catch(rt, f"__host_op_sync__({c})")]
