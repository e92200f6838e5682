"""JavaScript has no door to the host but the ones Python opens.

The doors are: `bootstrap`/snapshots (code Python chose), bound functions and objects,
registered ops, and modules (only through a registered resolver/loader or static
modules). Everything else must be closed: no file system, network, process or
environment access. `EXPECTED_GLOBALS` is an allow-list: a new global shows up here
as a failure, to be reviewed (and added) on purpose.
"""

import asyncio

import pytest

import jsrun

# Object.getOwnPropertyNames(globalThis) of a default runtime.
EXPECTED_GLOBALS = {
    # ECMAScript
    "AggregateError", "Array", "ArrayBuffer", "AsyncDisposableStack", "Atomics", "BigInt",
    "BigInt64Array", "BigUint64Array", "Boolean", "DataView", "Date", "DisposableStack",
    "Error", "EvalError", "FinalizationRegistry", "Float16Array", "Float32Array",
    "Float64Array", "Function", "Infinity", "Int16Array", "Int32Array", "Int8Array",
    "Iterator", "JSON", "Map", "Math", "NaN", "Number", "Object", "Promise", "Proxy",
    "RangeError", "ReferenceError", "Reflect", "RegExp", "Set", "SharedArrayBuffer", "String",
    "SuppressedError", "Symbol", "SyntaxError", "TypeError", "URIError", "Uint16Array",
    "Uint32Array", "Uint8Array", "Uint8ClampedArray", "WeakMap", "WeakRef", "WeakSet",
    "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent", "escape", "eval",
    "globalThis", "isFinite", "isNaN", "parseFloat", "parseInt", "undefined", "unescape",
    # QuickJS-NG extras (pure computation / a monotonic clock)
    "InternalError", "DOMException", "atob", "btoa", "performance",
    # jsrun: timers and host ops (an op id is only callable once Python registered it)
    "setTimeout", "setInterval", "clearTimeout", "clearInterval", "queueMicrotask",
    "__host_op_sync__", "__host_op_async__",
    # jsrun: the ReadableStream polyfill (pure JS, src/engine/readable_stream.js)
    "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamDefaultController",
}

HOST_DOORS = [
    "require", "process", "module", "exports", "fetch", "XMLHttpRequest", "WebSocket",
    "EventSource", "Deno", "Bun", "std", "os", "bjson", "scriptArgs", "print", "__loadScript",
    "load", "read", "readFile", "writeFile", "readline", "quit", "gc", "navigator", "importScripts",
    "Worker", "WebAssembly", "console", "open", "setenv", "getenv",
]


def global_names(rt):
    return set(rt.eval("Object.getOwnPropertyNames(globalThis)"))


def test_globals_are_the_allow_list(rt):
    names = global_names(rt)
    assert names - EXPECTED_GLOBALS == set(), "new global(s): review them as possible doors"
    assert EXPECTED_GLOBALS - names == set()
    assert rt.eval("Object.getOwnPropertySymbols(globalThis).map(String)") == ["Symbol(Symbol.toStringTag)"]


@pytest.mark.parametrize("name", HOST_DOORS)
def test_no_host_global(rt, name):
    assert rt.eval(f"typeof globalThis[{name!r}]") == "undefined"


def test_no_webassembly(rt):
    assert rt.eval("typeof WebAssembly") == "undefined"


def test_performance_is_only_a_clock(rt):
    assert sorted(rt.eval("Object.getOwnPropertyNames(performance)")) in (["now"], ["now", "timeOrigin"])


@pytest.mark.parametrize(
    "code",
    [
        "Function('return typeof require + typeof process')()",
        "(0, eval)('typeof require + typeof process')",
        "new Function('return this')() === globalThis ? 'undefinedundefined' : 'other'",
        "({}).constructor.constructor('return typeof process + typeof std')()",
        "Object.getPrototypeOf(async function(){}).constructor('return typeof os')().then(() => 'undefinedundefined')",
    ],
)
def test_no_escape_through_eval_or_constructors(rt, code):
    assert asyncio.run(rt.eval_async(code)) == "undefinedundefined"


@pytest.mark.parametrize("specifier", ["std", "os", "qjs:std", "qjs:os", "bjson", "fs", "node:fs", "/etc/passwd", "./x.js"])
def test_import_fails_without_registered_modules(rt, specifier):
    # (A sync eval gives a promise as {}, as the published jsrun does.)
    assert rt.eval(f"import({specifier!r})") == {}
    with pytest.raises(jsrun.JavaScriptError, match="^TypeError: Module resolution denied"):
        asyncio.run(rt.eval_async(f"import({specifier!r})"))


def test_quickjs_std_os_stay_closed_with_other_modules_registered(rt):
    """Registering a module opens only that module."""
    rt.add_static_module("mine", "export const x = 1")
    assert asyncio.run(rt.eval_async("import('mine').then(m => m.x)")) == 1
    for specifier in ("std", "os", "qjs:std", "qjs:os"):
        with pytest.raises((jsrun.JavaScriptError, RuntimeError)):
            asyncio.run(rt.eval_async(f"import({specifier!r})"))
        rt.add_static_module(f"uses_{specifier}", f"import * as m from {specifier!r}; export const x = 1")
        with pytest.raises((jsrun.JavaScriptError, RuntimeError)):
            rt.eval_module(f"uses_{specifier}")


def test_host_ops_need_registration():
    # Its own runtime: op ids are per runtime and counted from 1.
    with jsrun.Runtime() as rt:
        _ops_need_registration(rt)


def _ops_need_registration(rt):
    with pytest.raises(jsrun.JavaScriptError, match="Unknown op id"):
        rt.eval("__host_op_sync__(1, 'x')")
    with pytest.raises(jsrun.JavaScriptError, match="Unknown op id"):
        rt.eval("__host_op_sync__(-1)")
    op = rt.register_op("double", lambda x: x * 2)
    assert rt.eval(f"__host_op_sync__({op}, 21)") == 42


def test_bound_functions_and_objects_are_the_doors():
    with jsrun.Runtime() as rt:  # its own: the exact set of new globals is checked
        before = global_names(rt)
        rt.bind_function("hostAdd", lambda a, b: a + b)
        rt.bind_object("hostCfg", {"answer": 42, "twice": lambda x: 2 * x})
        assert global_names(rt) - before == {"hostAdd", "hostCfg"}
        assert rt.eval("hostAdd(1, 2) + hostCfg.answer + hostCfg.twice(1)") == 47


def test_bootstrap_is_a_door_python_opens():
    with jsrun.Runtime(jsrun.RuntimeConfig(bootstrap="globalThis.fromBootstrap = 1")) as rt:
        assert global_names(rt) - EXPECTED_GLOBALS == {"fromBootstrap"}


def test_console_absent_by_default(rt):
    assert rt.eval("typeof console") == "undefined"


@pytest.mark.thread_unsafe(reason="capsys captures process-wide streams")
def test_console_enabled_writes_to_python_streams(capsys):
    with jsrun.Runtime(jsrun.RuntimeConfig(enable_console=True)) as rt:
        assert global_names(rt) - EXPECTED_GLOBALS == {"console"}
        rt.eval("console.log('out', 1); console.info('info'); console.debug('dbg')")
        rt.eval("console.warn('careful'); console.error('bad', {a: 1})")
    cap = capsys.readouterr()
    assert cap.out == "out 1\ninfo\ndbg\n"
    assert cap.err == "careful\nbad [object Object]\n"


def test_shared_array_buffer_and_atomics_wait_do_not_block_forever(rt):
    # Atomics.wait on the engine thread is refused by QuickJS (no blocking the loop).
    with pytest.raises(jsrun.JavaScriptError):
        rt.eval("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)")
