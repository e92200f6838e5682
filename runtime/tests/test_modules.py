"""ES modules: eval_module / eval_module_async, static modules, resolver, loader."""

import asyncio
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse

import pytest

import jsrun
from jsrun import JavaScriptError, Runtime, RuntimeConfig, RuntimeTerminated

FILES = {
    "file:///app/main.js": """
        import { add } from "./lib/math.js";
        import helper from "../shared/helper.js";
        export const sum = add(2, 3);
        export const msg = helper("hi");
        export default "main";
    """,
    "file:///app/lib/math.js": "export function add(a, b) { return a + b; }",
    "file:///shared/helper.js": "export default (s) => s.toUpperCase();",
}


def dict_loader(files, calls=None):
    def load(specifier):
        if calls is not None:
            calls.append(specifier)
        return files.get(specifier)

    return load


def url_resolver(specifier, referrer):
    """URLs as they are, relative specifiers against the referrer: as in the published
    jsrun, a module loader only sees what a resolver resolved."""
    if "://" in specifier or specifier.startswith(("file:", "mem:")):
        return specifier
    if specifier.startswith(("./", "../", "/")) and "://" in referrer:
        return urllib.parse.urljoin(referrer, specifier)
    return None


def use_loader(rt, loader):
    rt.set_module_resolver(url_resolver)
    rt.set_module_loader(loader)


# ------------------------------------------------------------------ basics


def test_static_module_namespace_with_default():
    with Runtime() as rt:
        rt.add_static_module("greet", "export const name = 'x'; export default 42; export const list = [1, 2];")
        ns = rt.eval_module("greet")
        assert ns == {"default": 42, "list": [1, 2], "name": "x"}


def test_static_module_imported_by_bare_name_and_resolved_as_static():
    with Runtime() as rt:
        rt.add_static_module("dep", "export const v = 7; export const where = import.meta.url ?? null;")
        rt.add_static_module("top", "import { v } from 'dep'; export const doubled = v * 2;")
        assert rt.eval_module("top") == {"doubled": 14}
        seen = []
        rt.set_module_resolver(lambda spec, ref: seen.append((spec, ref)))
        rt.add_static_module("other", "import { v } from 'dep'; export const w = v;")
        assert rt.eval_module("other") == {"w": 7}
        assert ("other", ".") in seen and ("dep", "jsrun://static/other") in seen


def test_exported_function_is_callable():
    with Runtime() as rt:
        rt.add_static_module("f", "export function twice(x) { return 2 * x; }")
        ns = rt.eval_module("f")
        assert ns["twice"](21) == 42


def test_sync_loader_with_relative_imports():
    with Runtime() as rt:
        calls = []
        use_loader(rt, dict_loader(FILES, calls))
        ns = rt.eval_module("file:///app/main.js")
        assert ns == {"sum": 5, "msg": "HI", "default": "main"}
        assert sorted(calls) == sorted(FILES)


def test_resolver_maps_specifiers():
    with Runtime() as rt:
        seen = []

        def resolve(specifier, referrer):
            seen.append((specifier, referrer))
            if specifier.startswith("pkg:"):
                return "mem:///" + specifier[4:] + ".js"
            return None

        rt.set_module_resolver(resolve)
        rt.set_module_loader(
            dict_loader({"mem:///entry.js": "import { x } from 'pkg:x'; export default x + 1;", "mem:///x.js": "export const x = 1;"})
        )
        assert rt.eval_module("pkg:entry") == {"default": 2}
        assert ("pkg:entry", ".") in seen
        assert ("pkg:x", "mem:///entry.js") in seen


def test_import_once_and_cycles():
    files = {
        "file:///c/a.js": "import { b } from './b.js'; globalThis.evals = (globalThis.evals || 0) + 1; export function a() { return 'a' + b(); }",
        "file:///c/b.js": "import { a } from './a.js'; globalThis.bevals = (globalThis.bevals || 0) + 1; export function b() { return 'b'; } export function callA() { return a(); }",
        "file:///c/both.js": "import './a.js'; import './b.js'; import { callA } from './b.js'; export const r = callA();",
    }
    with Runtime() as rt:
        calls = []
        use_loader(rt, dict_loader(files, calls))
        assert rt.eval_module("file:///c/both.js") == {"r": "ab"}
        assert set(rt.eval_module("file:///c/a.js")) == {"a"}
        rt.eval_module("file:///c/a.js")
        assert rt.eval("[globalThis.evals, globalThis.bevals]") == [1, 1]
        assert sorted(calls) == sorted(files)  # each source loaded once


# ------------------------------------------------------------------ async


def test_eval_module_async_with_async_loader_and_top_level_await():
    files = {
        "file:///t/a.js": "import { later } from './b.js'; export const v = await later(5);",
        "file:///t/b.js": "export const later = (x) => new Promise(r => setTimeout(() => r(x * 2), 10));",
    }

    async def load(specifier):
        await asyncio.sleep(0.01)
        return files.get(specifier)

    async def main():
        with Runtime() as rt:
            use_loader(rt, load)
            ns = await rt.eval_module_async("file:///t/a.js")
            assert ns == {"v": 10}
            st = rt.get_stats()
            assert st.eval_module_async_count == 1
            assert st.last_execution_kind == "eval_module_async"

    asyncio.run(main())


def test_sync_eval_module_with_async_loader_raises():
    # As the published jsrun: only eval_module_async waits for an async loader. The
    # loader's coroutine still runs (on jsrun's background loop, never the caller's
    # thread) and what it gives is kept.
    loop_threads = []

    async def load(specifier):
        loop_threads.append(threading.current_thread().name)
        await asyncio.sleep(0.01)
        return FILES.get(specifier)

    with Runtime() as rt:
        use_loader(rt, load)
        with pytest.raises(RuntimeError) as e:
            rt.eval_module("file:///app/main.js")
        assert str(e.value) == (
            "Module evaluation failed: Failed to load module 'file:///app/main.js': An async module loader "
            "cannot be used with a synchronous evaluation (eval_module). Use eval_module_async() instead."
        )
        assert rt.eval("1 + 1") == 2
        assert asyncio.run(rt.eval_module_async("file:///app/main.js"))["sum"] == 5
        assert loop_threads and threading.current_thread().name not in loop_threads[:1]


def test_async_loader_in_running_loop_uses_that_loop():
    async def main():
        me = asyncio.get_running_loop()
        loops = []

        async def load(specifier):
            loops.append(asyncio.get_running_loop())
            return FILES.get(specifier)

        with Runtime() as rt:
            use_loader(rt, load)
            ns = await rt.eval_module_async("file:///app/main.js")
            assert ns["msg"] == "HI"
        assert loops and all(lp is me for lp in loops)

    asyncio.run(main())


def test_async_loader_error_names_module_and_referrer():
    async def load(specifier):
        if specifier.endswith("bad.js"):
            raise OSError("disk on fire")
        return "import './bad.js'; export const x = 1;"

    async def main():
        with Runtime() as rt:
            use_loader(rt, load)
            with pytest.raises(RuntimeError) as e:
                await rt.eval_module_async("file:///q/top.js")
            assert str(e.value) == (
                "Module evaluation failed: Failed to load module 'file:///q/top.js': "
                "Module loader failed: OSError: disk on fire"
            )
            assert await rt.eval_async("1 + 1") == 2

    asyncio.run(main())


def test_cancelling_eval_module_async_cancels():
    started = threading.Event()

    async def load(specifier):
        started.set()
        await asyncio.sleep(3600)

    async def main():
        with Runtime() as rt:
            use_loader(rt, load)
            task = asyncio.ensure_future(rt.eval_module_async("file:///slow.js"))
            while not started.is_set():
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await rt.eval_async("2 + 2") == 4

    asyncio.run(main())


def test_cancelling_during_top_level_await():
    async def main():
        with Runtime() as rt:
            rt.add_static_module("never", "await new Promise(() => {}); export const x = 1;")
            task = asyncio.ensure_future(rt.eval_module_async("never"))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await rt.eval_async("3") == 3

    asyncio.run(main())


def test_sync_eval_module_waits_for_top_level_await():
    # The published jsrun hangs here for good; this waits (detached) for the timer.
    with Runtime() as rt:
        rt.add_static_module("tla", "export const x = await new Promise(r => setTimeout(() => r(7), 20));")
        assert rt.eval_module("tla") == {"x": 7}
        st = rt.get_stats()
        assert st.last_execution_kind == "eval_module_sync"
        assert rt.eval("1") == 1


def test_sync_eval_module_top_level_await_rejection_raises():
    with Runtime() as rt:
        rt.add_static_module("bad", "await new Promise((_, no) => setTimeout(() => no(new TypeError('late')), 5));")
        with pytest.raises(JavaScriptError, match="late"):
            rt.eval_module("bad")
        assert rt.eval("2") == 2


def test_sync_eval_module_pending_forever_times_out():
    with Runtime() as rt:
        rt.add_static_module("never", "await new Promise(() => {}); export const x = 1;")
        with pytest.raises(RuntimeError, match="timed out"):
            rt.eval_module("never", timeout=0.2)
        assert rt.eval("1") == 1


def test_sync_eval_module_pending_inside_a_handler_is_an_error():
    # The engine thread cannot wait for itself: a call from a bound function says so.
    with Runtime() as rt:
        rt.add_static_module("later", "export const x = await new Promise(r => setTimeout(() => r(1), 5));")
        seen = []

        def handler():
            try:
                rt.eval_module("later")
            except RuntimeError as e:
                seen.append(str(e))
            return 0

        rt.bind_function("h", handler)
        rt.eval("h()")
        assert seen and "bound Python function" in seen[0], seen


def test_ctrl_c_interrupts_sync_eval_module_waiting_on_top_level_await():
    code = """
        import os, signal, threading, time
        import jsrun
        rt = jsrun.Runtime()
        rt.add_static_module("never", "await new Promise(() => {}); export const x = 1;")
        def fire():
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=fire).start()
        try:
            rt.eval_module("never")
        except KeyboardInterrupt:
            print("KI")
        print("AFTER", rt.eval("40 + 2"))
        rt.close()
    """
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["KI", "AFTER", "42"], r.stdout


# ------------------------------------------------------------------ errors


def test_nothing_registered_every_import_fails_cleanly():
    # The published jsrun's texts: a RuntimeError naming the module eval_module got.
    with Runtime() as rt:
        with pytest.raises(RuntimeError) as e:
            rt.eval_module("nothing")
        assert str(e.value) == (
            "Module evaluation failed: Failed to load module 'nothing': "
            "Module resolution denied for nothing. Did you call add_static_module()?"
        )
        with pytest.raises(RuntimeError, match="denied for file:///x.js"):
            rt.eval_module("file:///x.js")
        # import() rejects with a TypeError (as V8's does), the same text.
        with pytest.raises(JavaScriptError, match="^TypeError: Module resolution denied for nope"):
            asyncio.run(rt.eval_async("import('nope')"))
        rt.add_static_module("s", "import './sibling.js'; export default 1;")
        with pytest.raises(RuntimeError, match=r"'s': Module resolution denied for \./sibling\.js"):
            rt.eval_module("s")
        assert rt.eval("40 + 2") == 42


def test_loader_raising_names_specifier_and_referrer():
    def load(specifier):
        if specifier == "file:///e/missing.js":
            raise KeyError("gone")
        return "import './missing.js'; export const a = 1;"

    with Runtime() as rt:
        use_loader(rt, load)
        with pytest.raises(RuntimeError) as e:
            rt.eval_module("file:///e/a.js")
        assert str(e.value) == (
            "Module evaluation failed: Failed to load module 'file:///e/a.js': "
            "Failed to call module loader: KeyError: 'gone'"
        )
        assert rt.eval("1 + 1") == 2


@pytest.mark.parametrize(
    "result, fragment",
    [(None, "'NoneType' object"), (123, "'int' object"), (b"export default 1", "'bytes' object")],
)
def test_loader_bad_results(result, fragment):
    with Runtime() as rt:
        use_loader(rt, lambda spec: result)
        with pytest.raises(RuntimeError, match="Module loader must return a string: TypeError: " + fragment) as e:
            rt.eval_module("file:///m.js")
        assert "'file:///m.js'" in str(e.value)
        assert rt.eval("1") == 1


def test_resolver_raising_or_returning_non_str():
    with Runtime() as rt:
        def boom(spec, ref):
            raise ValueError("no way")

        rt.set_module_resolver(boom)
        with pytest.raises(RuntimeError, match="'thing': Module resolution failed for thing: ValueError: no way"):
            rt.eval_module("thing")
        rt.set_module_resolver(lambda spec, ref: 5)
        with pytest.raises(RuntimeError, match="'thing': Module resolver must return a string or None: TypeError"):
            rt.eval_module("thing")
        rt.set_module_resolver(None)
        rt.add_static_module("thing", "export default 'ok';")
        assert rt.eval_module("thing") == {"default": "ok"}


def test_syntax_error_names_the_module():
    with Runtime() as rt:
        use_loader(rt, dict_loader({
            "file:///s/ok.js": "import './broken.js'; export default 1;",
            "file:///s/broken.js": "export const = ;",
        }))
        with pytest.raises(RuntimeError) as e:
            rt.eval_module("file:///s/ok.js")
        assert str(e.value).startswith(
            "Module evaluation failed: Failed to load module 'file:///s/ok.js': Uncaught SyntaxError: "
        )
        assert "file:///s/broken.js" in str(e.value)
        assert rt.eval("2") == 2


def test_missing_export_and_throwing_module():
    with Runtime() as rt:
        rt.add_static_module("lib", "export const a = 1;")
        rt.add_static_module("wants", "import { nope } from 'lib'; export default nope;")
        # Linking is loading: a RuntimeError; an exception the module throws is the
        # JavaScriptError, and a RuntimeError on later attempts (as published).
        with pytest.raises(RuntimeError, match="'wants': Uncaught SyntaxError: .*nope"):
            rt.eval_module("wants")
        rt.add_static_module("thrower", "throw new TypeError('bad module');")
        with pytest.raises(JavaScriptError, match="TypeError: bad module"):
            rt.eval_module("thrower")
        with pytest.raises(RuntimeError, match="^Module evaluation failed: Failed to load module 'thrower': TypeError: bad module"):
            rt.eval_module("thrower")
        assert rt.eval_module("lib") == {"a": 1}


def cycle_with_failing_import(rt):
    """a imports b (which imports a back), then c, which is missing until `fix()`."""
    state = {"c_ok": False}
    files = {
        "file:///r/a.js": "import { b } from './b.js'; import { c } from './c.js'; export const a = b + c;",
        "file:///r/b.js": "import './a.js'; export const b = 'b';",
    }

    def load(specifier):
        if specifier == "file:///r/c.js":
            return "export const c = 'c';" if state["c_ok"] else None
        return files.get(specifier)

    use_loader(rt, load)
    return lambda: state.update(c_ok=True)


def test_failure_inside_a_cycle_then_retry():
    # The retry must see a consistent module graph (no stale half-compiled module).
    with Runtime() as rt:
        fix = cycle_with_failing_import(rt)
        with pytest.raises(RuntimeError, match="'file:///r/a.js': Module loader must return a string"):
            rt.eval_module("file:///r/a.js")
        fix()
        assert rt.eval_module("file:///r/a.js") == {"a": "bc"}
        assert rt.eval_module("file:///r/b.js") == {"b": "b"}


def test_failed_cycle_then_dynamic_import():
    # The retry is an import() while c still fails: an error, not a half-compiled
    # graph; then it works once c loads.
    with Runtime() as rt:
        fix = cycle_with_failing_import(rt)
        with pytest.raises(RuntimeError, match="Module loader must return a string"):
            rt.eval_module("file:///r/a.js")
        for _ in range(2):
            with pytest.raises(JavaScriptError, match="TypeError: Module loader must return a string"):
                asyncio.run(rt.eval_async("import('file:///r/b.js')"))
        fix()
        # (entering the cycle at a: b evaluates first, as ES orders it)
        code = "import('file:///r/a.js').then(async m => [m.a, (await import('file:///r/b.js')).b])"
        assert asyncio.run(rt.eval_async(code)) == ["bc", "b"]


def test_bad_arguments():
    # As the published jsrun: a resolver/loader that is not callable is accepted, and
    # fails each import; "" is a static module name like any other.
    with Runtime() as rt:
        rt.add_static_module("lib", "import 'dep'; export default 1")
        rt.set_module_resolver("nope")
        with pytest.raises(RuntimeError, match="Module resolution failed for lib: TypeError: 'str' object is not callable"):
            rt.eval_module("lib")
        rt.set_module_resolver(lambda spec, ref: "custom:" + spec if spec == "dep" else None)
        rt.set_module_loader(42)
        with pytest.raises(RuntimeError, match="Failed to call module loader: TypeError: 'int' object is not callable"):
            rt.eval_module("lib")
        rt.add_static_module("", "export default 1")
        assert rt.eval_module("") == {"default": 1} == rt.eval_module("static:")
        with pytest.raises(TypeError, match="^argument 'name': 'int' object cannot be cast as 'str'$"):
            rt.add_static_module(1, "")
        with pytest.raises(TypeError, match="^argument 'specifier': 'NoneType' object cannot be cast as 'str'$"):
            rt.eval_module(None)
        with pytest.raises(ValueError, match="^Timeout cannot be zero$"):
            rt.eval_module("x", timeout=0)
        assert rt.eval("1") == 1


# ------------------------------------------------------------------ timeouts, terminate


def test_module_timeout_and_runtime_stays_usable():
    with Runtime() as rt:
        rt.add_static_module("spin", "while (true) {}")
        t0 = time.monotonic()
        with pytest.raises(RuntimeError, match="timed out"):
            rt.eval_module("spin", timeout=0.3)
        assert time.monotonic() - t0 < 10
        assert rt.eval("1 + 2") == 3


def test_module_default_timeout_from_config():
    with Runtime(RuntimeConfig(timeout=0.3)) as rt:
        rt.add_static_module("spin", "while (true) {}")
        with pytest.raises(RuntimeError, match="timed out"):
            rt.eval_module("spin")
        with pytest.raises(RuntimeError, match="timed out"):
            asyncio.run(rt.eval_module_async("spin"))
        assert rt.eval("5") == 5


def test_async_module_timeout_while_loader_never_answers():
    async def load(specifier):
        await asyncio.sleep(3600)

    async def main():
        with Runtime() as rt:
            use_loader(rt, load)
            with pytest.raises(RuntimeError, match="timed out"):
                await rt.eval_module_async("file:///slow.js", timeout=0.2)
            assert await rt.eval_async("6") == 6

    asyncio.run(main())


def test_terminate_during_module_evaluation():
    with Runtime() as rt:
        rt.add_static_module("spin", "while (true) {}")
        threading.Timer(0.2, rt.terminate).start()
        with pytest.raises(RuntimeTerminated, match="host request"):
            rt.eval_module("spin")
        with pytest.raises(RuntimeTerminated):
            rt.eval_module("spin")


# ------------------------------------------------------------------ dynamic import, re-entrancy


def test_dynamic_import_from_eval_async_uses_resolver_and_loader():
    with Runtime() as rt:
        use_loader(rt, dict_loader(FILES))
        rt.add_static_module("st", "export default 'static';")
        code = """
            (async () => {
                const m = await import('file:///app/main.js');
                const s = await import('st');
                return [m.sum, m.default, s.default];
            })()
        """
        assert asyncio.run(rt.eval_async(code)) == [5, "main", "static"]
        # A dynamic import inside a loaded module gets that module as the referrer.
        seen = []
        rt.set_module_resolver(lambda spec, ref: seen.append((spec, ref)))
        rt.add_static_module("dyn", "export const load = () => import('sibling.js');")
        rt.add_static_module("sibling.js", "export const here = true;")
        code = "import('dyn').then(m => m.load()).then(s => s.here)"
        assert asyncio.run(rt.eval_async(code)) is True
        assert ("sibling.js", "jsrun://static/dyn") in seen


def test_dynamic_import_with_async_loader_fails_cleanly():
    async def load(specifier):
        return "export default 1;"

    async def main():
        with Runtime() as rt:
            use_loader(rt, load)
            with pytest.raises(JavaScriptError, match="awaitable"):
                await rt.eval_async("import('file:///d.js')")
            await asyncio.sleep(0.05)  # the scheduled loader finishes (and caches)
            assert await rt.eval_async("7") == 7
            assert await rt.eval_async("import('file:///d.js').then(m => m.default)") == 1

    asyncio.run(main())


def test_loader_calling_back_into_the_runtime():
    with Runtime() as rt:
        def load(specifier):
            n = rt.eval("6 * 7")
            return f"export default {n};"

        use_loader(rt, load)
        assert rt.eval_module("file:///re.js") == {"default": 42}


def test_eval_module_from_inside_a_bound_function_and_a_loader():
    with Runtime() as rt:
        rt.add_static_module("inner", "export default 'in';")
        rt.bind_function("viaPython", lambda: rt.eval_module("inner")["default"])
        assert rt.eval("viaPython()") == "in"

        def load(specifier):
            return f"export default {rt.eval_module('inner')['default']!r};"

        use_loader(rt, load)
        assert rt.eval_module("file:///outer.js") == {"default": "in"}


CONVERTED = [
    "({a: 1})",
    "[{b: [2]}]",
    "new Set([1])",
    "new Date(0)",
    "new Uint8Array([1, 2])",
    "new Uint8Array([1]).buffer",
    "new Int16Array([3])",
    "(() => { const b = new ArrayBuffer(4); b.transfer(); return b; })()",
]


@pytest.mark.parametrize("code", CONVERTED)
def test_imports_after_a_conversion_to_python(code):
    # QuickJS keeps a pending exception per runtime and a module lookup that misses
    # takes one for its own failure: converting a value must leave none behind.
    with Runtime() as rt:
        rt.add_static_module("dep", "export const v = 7;")
        rt.add_static_module("top", "import { v } from 'dep'; export const w = v;")
        rt.eval(code)
        assert rt.eval_module("top") == {"w": 7}


@pytest.mark.parametrize("code", CONVERTED)
def test_dynamic_import_after_passing_a_value_to_python(code):
    # The same inside one evaluation: the argument's conversion, then import().
    with Runtime() as rt:
        rt.add_static_module("dep", "export const v = 7;")
        rt.add_static_module("top", "import { v } from 'dep'; export const w = v;")
        seen = []
        rt.bind_function("take", seen.append)
        out = asyncio.run(rt.eval_async(f"take({code}); import('top').then(m => m.w)"))
        assert out == 7
        assert len(seen) == 1


def test_import_meta_url_is_the_resolved_name():
    with Runtime() as rt:
        use_loader(rt, lambda spec: "export const url = import.meta.url;")
        assert rt.eval_module("file:///m/x.js") == {"url": "file:///m/x.js"}


def test_eval_module_async_parked_on_async_loader_timeout_and_terminate():
    async def never(specifier):
        await asyncio.sleep(3600)

    async def main():
        with Runtime() as rt:
            use_loader(rt, never)
            with pytest.raises(RuntimeError, match="^Module evaluation failed: Module evaluation timed out after 300ms$"):
                await rt.eval_module_async("file:///never.js", timeout=0.3)
            assert rt.eval("1") == 1
            threading.Timer(0.2, rt.terminate).start()
            with pytest.raises(RuntimeTerminated, match="host request"):
                await rt.eval_module_async("file:///never2.js")

    asyncio.run(main())


def test_close_while_a_request_waits_for_sources():
    async def never(specifier):
        await asyncio.sleep(3600)

    async def main():
        rt = Runtime()
        use_loader(rt, never)
        threading.Timer(0.2, rt.close).start()
        with pytest.raises(RuntimeError, match="closed|shut down"):
            await rt.eval_module_async("file:///never.js")

    asyncio.run(main())


def test_stats_counters():
    with Runtime() as rt:
        rt.add_static_module("m", "export default 1;")
        rt.eval_module("m")
        rt.eval_module("m")
        st = rt.get_stats()
        assert st.eval_module_sync_count == 2
        assert st.last_execution_kind == "eval_module_sync"


# ------------------------------------------------------------------ concurrency


def test_many_threads_eval_module_on_one_runtime():
    n_threads, per_thread = 4, 15
    with Runtime() as rt:
        calls = []
        lock = threading.Lock()

        def load(specifier):
            with lock:
                calls.append(specifier)
            name = specifier.rsplit("/", 1)[-1].removesuffix(".js")
            if name.startswith("leaf"):
                return f"export const v = '{name}';"
            i = int(name[len("mod"):])
            return f"import {{ v }} from './leaf{i % 3}.js'; export const out = v + ':{i}';"

        use_loader(rt, load)
        errors = []

        def work(t):
            try:
                for k in range(per_thread):
                    i = (t * per_thread + k) % 10
                    ns = rt.eval_module(f"file:///p/mod{i}.js")
                    assert ns == {"out": f"leaf{i % 3}:{i}"}
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert sorted(set(calls)) == sorted(calls)  # every source fetched once
        assert rt.get_stats().eval_module_sync_count == n_threads * per_thread


def test_several_entry_modules_in_one_runtime():
    # Allow-listed (several-entry-modules): the published jsrun (deno_core) has one
    # "main" module per runtime and refuses a second ("Trying to create \"main\"
    # module"); QuickJS has no such notion, so every eval_module works.
    with Runtime() as rt:
        rt.add_static_module("a", "export const v = 'a';")
        rt.add_static_module("b", "export const v = 'b';")
        assert rt.eval_module("a") == {"v": "a"}
        assert rt.eval_module("b") == {"v": "b"}
        assert asyncio.run(rt.eval_module_async("a")) == {"v": "a"}
