"""SnapshotBuilder: constructor, execute_script (bad input, throwing code), build (twice,
after an error), and the bytes used through RuntimeConfig(snapshot=...)."""

from harness import attempt, case


def _js_failure(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return exc
    return None


@case
def build_and_use(js):
    b = js.SnapshotBuilder()
    b.execute_script("a", "globalThis.answer = 41 + 1")
    data = b.build()
    with js.Runtime(js.RuntimeConfig(snapshot=data)) as rt:
        return {"type": type(data).__name__, "nonempty": len(data) > 0, "answer": rt.eval("answer")}


@case
def public_names(js):
    return sorted(n for n in dir(js.SnapshotBuilder()) if not n.startswith("_"))


@case
def build_twice(js):
    b = js.SnapshotBuilder()
    b.build()
    return attempt(b.build)


@case
def execute_after_build(js):
    b = js.SnapshotBuilder()
    b.build()
    return attempt(b.execute_script, "a", "1")


@case
def execute_returns_none(js):
    b = js.SnapshotBuilder()
    return [b.execute_script("a", "42"), b.execute_script(name="b", source="1")]


@case
def execute_throwing_script(js):
    b = js.SnapshotBuilder()
    e = _js_failure(lambda: b.execute_script("a", "throw new TypeError('bad')"))
    return {"type": type(e).__name__, "name": e.name, "message": e.message, "str": str(e),
            "builds": type(b.build()).__name__}


@case
def execute_syntax_error_then_build(js):
    b = js.SnapshotBuilder()
    e = _js_failure(lambda: b.execute_script("a", "1 +"))
    b.execute_script("b", "globalThis.b = 2")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        return {"type": type(e).__name__, "name": e.name, "b": rt.eval("b")}


@case
def execute_module_syntax_rejected(js):
    e = _js_failure(lambda: js.SnapshotBuilder().execute_script("a", "export const x = 1"))
    return {"type": type(e).__name__, "name": e.name}


@case
def execute_bad_arguments(js):
    b = js.SnapshotBuilder()
    return {"name_int": attempt(b.execute_script, 1, "1"),
            "source_int": attempt(b.execute_script, "a", 1),
            "source_none": attempt(b.execute_script, "a", None)}


@case
def execute_empty_name(js):
    b = js.SnapshotBuilder()
    b.execute_script("", "globalThis.e = 1")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        return rt.eval("e")


@case
def ctor_bootstrap(js):
    b = js.SnapshotBuilder(bootstrap="globalThis.x = 1")
    b.execute_script("a", "globalThis.y = x + 1")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        return rt.eval("[x, y]")


@case
def ctor_bootstrap_positional(js):
    b = js.SnapshotBuilder("globalThis.x = 3")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        return rt.eval("x")


@case
def ctor_bootstrap_throws(js):
    e = _js_failure(lambda: js.SnapshotBuilder(bootstrap="throw new Error('x')"))
    return {"type": type(e).__name__, "name": e.name, "message": e.message, "str": str(e)}


@case
def ctor_bootstrap_syntax_error(js):
    e = _js_failure(lambda: js.SnapshotBuilder(bootstrap="1 +"))
    return {"type": type(e).__name__, "name": e.name}


@case
def ctor_bad_arguments(js):
    return {"bootstrap_int": attempt(js.SnapshotBuilder, bootstrap=1),
            "enable_console_int": attempt(js.SnapshotBuilder, enable_console=1),
            "unknown": attempt(js.SnapshotBuilder, foo=1),
            "enable_console_none": type(js.SnapshotBuilder(enable_console=None)).__name__}


@case
def functions_survive(js):
    b = js.SnapshotBuilder()
    b.execute_script("lib", "globalThis.double = function (n) { return n * 2 }")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        return rt.eval("double(21)")


@case
def declarations_survive(js):
    b = js.SnapshotBuilder()
    b.execute_script("a", "var v = 5; let l = 6; const k = 7;")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        return rt.eval("[typeof v, typeof l, typeof k, v + l + k]")


@case
def several_scripts_in_order(js):
    b = js.SnapshotBuilder()
    b.execute_script("one", "globalThis.log = ['one']")
    b.execute_script("two", "log.push('two')")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        return rt.eval("log")


@case
def runtimes_from_one_snapshot_are_independent(js):
    b = js.SnapshotBuilder()
    b.execute_script("a", "globalThis.a = 1")
    data = b.build()
    with js.Runtime(js.RuntimeConfig(snapshot=data)) as r1, js.Runtime(js.RuntimeConfig(snapshot=data)) as r2:
        r1.eval("a = 5")
        return [r1.eval("a"), r2.eval("a")]


@case
def snapshot_via_setter(js):
    b = js.SnapshotBuilder()
    b.execute_script("a", "globalThis.a = 1")
    data = b.build()
    c = js.RuntimeConfig()
    c.snapshot = data
    with js.Runtime(c) as rt:
        return [rt.eval("a"), c.snapshot == data, type(c.snapshot).__name__]


@case
def snapshot_and_bootstrap(js):
    b = js.SnapshotBuilder()
    data = b.build()
    return attempt(js.RuntimeConfig, snapshot=data, bootstrap="1")


@case
def snapshot_truncated(js):
    b = js.SnapshotBuilder()
    b.execute_script("a", "globalThis.a = 1")
    data = b.build()
    r = attempt(js.Runtime, js.RuntimeConfig(snapshot=data[: len(data) // 2]))
    return {"raises": getattr(r, "type", None),
            "prefix": getattr(r, "message", "").startswith("Failed to spawn runtime")}


@case
def console_in_builder(js):
    b = js.SnapshotBuilder(enable_console=True)
    b.execute_script("a", "globalThis.c = typeof console.log")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        return rt.eval("c")


@case
def no_console_flag_in_builder(js):
    b = js.SnapshotBuilder()
    b.execute_script("a", "globalThis.c = typeof console")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        return rt.eval("c")


@case
def snapshot_runtime_with_bindings(js):
    b = js.SnapshotBuilder()
    b.execute_script("a", "globalThis.base = 10")
    with js.Runtime(js.RuntimeConfig(snapshot=b.build())) as rt:
        rt.bind_function("add", lambda a, b: a + b)
        return rt.eval("add(base, 5)")
