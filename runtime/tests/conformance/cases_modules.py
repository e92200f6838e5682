"""ES modules: static modules, resolver, loader, namespaces, top-level await, errors."""

import datetime

from harness import attempt, attempt_async, case
from observe import js_error, js_error_async, neutral_error


# ------------------------------------------------------------------ static modules


@case
def static_value(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const value = 42;")
        return rt.eval_module("lib")


@case
def static_prefixed_specifier(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const value = 42;")
        return rt.eval_module("static:lib")


@case
def static_add_returns(js):
    with js.Runtime() as rt:
        return rt.add_static_module("lib", "export const value = 1;")


@case
def static_default_export(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export default 7; export const named = 'n';")
        return rt.eval_module("lib")


@case
def static_default_object(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export default { a: 1, b: [1, 2] };")
        return rt.eval_module("lib")


@case
def static_no_exports(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "globalThis.sideEffect = 5;")
        ns = rt.eval_module("lib")
        return {"ns": ns, "side": rt.eval("globalThis.sideEffect")}


@case
def static_export_types(js):
    with js.Runtime() as rt:
        rt.add_static_module(
            "lib",
            "export const i = 1, f = 1.5, s = 's', b = true, n = null, u = undefined, "
            "arr = [1, 'x'], obj = { k: 'v' };",
        )
        return rt.eval_module("lib")


@case
def static_export_function(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export function add(a, b) { return a + b; }")
        ns = rt.eval_module("lib")
        fn = ns["add"]
        return {"keys": sorted(ns), "type": type(fn).__name__, "call": fn(2, 3)}


@case
def static_export_class(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export class A {}")
        ns = rt.eval_module("lib")
        return {"keys": sorted(ns), "type": type(ns["A"]).__name__}


@case
def static_namespace_type(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const b = 2; export const a = 1;")
        ns = rt.eval_module("lib")
        return {"type": type(ns).__name__, "keys": list(ns)}


@case
def static_import_between(js):
    with js.Runtime() as rt:
        rt.add_static_module("base", "export const x = 20;")
        rt.add_static_module("top", "import { x } from 'base'; export const y = x + 1;")
        return rt.eval_module("top")


@case
def static_import_prefixed(js):
    with js.Runtime() as rt:
        rt.add_static_module("base", "export const x = 20;")
        rt.add_static_module("top", "import { x } from 'static:base'; export const y = x * 2;")
        return rt.eval_module("top")


@case
def static_import_cycle(js):
    with js.Runtime() as rt:
        rt.add_static_module("a", "import { b } from 'b'; export const a = 'a'; export const fromB = () => b;")
        rt.add_static_module("b", "import { a } from 'a'; export const b = 'b';")
        ns = rt.eval_module("a")
        return {"a": ns["a"], "fromB": ns["fromB"]()}


@case
def static_reexport(js):
    with js.Runtime() as rt:
        rt.add_static_module("base", "export const x = 1; export default 'd';")
        rt.add_static_module("top", "export * from 'base'; export { default as d } from 'base';")
        return rt.eval_module("top")


@case
def static_evaluated_once(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "globalThis.count = (globalThis.count || 0) + 1; export const v = 1;")
        rt.eval_module("lib")
        rt.eval_module("lib")
        return rt.eval("globalThis.count")


@case
def static_readd_before_eval(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 1;")
        second = attempt(rt.add_static_module, "lib", "export const v = 2;")
        return {"second": second, "ns": rt.eval_module("lib")}


@case
def static_readd_after_eval(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 1;")
        first = rt.eval_module("lib")
        second = attempt(rt.add_static_module, "lib", "export const v = 2;")
        return {"first": first, "second": second, "again": attempt(rt.eval_module, "lib")}


@case
def static_empty_name(js):
    with js.Runtime() as rt:
        added = attempt(rt.add_static_module, "", "export const v = 1;")
        return {"add": added, "usable": rt.eval("1 + 1")}


@case
def static_name_not_str(js):
    with js.Runtime() as rt:
        return {"add": attempt(rt.add_static_module, 1, "export const v = 1;"), "usable": rt.eval("2")}


@case
def static_source_not_str(js):
    with js.Runtime() as rt:
        return {"add": attempt(rt.add_static_module, "lib", 1), "usable": rt.eval("2")}


@case
def static_source_none(js):
    with js.Runtime() as rt:
        return attempt(rt.add_static_module, "lib", None)


@case
def static_syntax_error(js):
    with js.Runtime() as rt:
        added = attempt(rt.add_static_module, "bad", "export const = ;")
        return {"add": added, "eval": neutral_error(rt.eval_module, "bad"), "usable": rt.eval("3")}


@case
def static_module_throws(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "throw new RangeError('boom');")
        return {"eval": js_error(rt.eval_module, "lib"), "usable": rt.eval("4")}


@case
def static_module_throws_twice(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "globalThis.n = (globalThis.n || 0) + 1; throw new Error('once');")
        first = js_error(rt.eval_module, "lib")
        second = neutral_error(rt.eval_module, "lib")
        return {"first": first, "second": second, "runs": rt.eval("globalThis.n")}


@case
def static_module_throws_string(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "throw 'plain';")
        return js_error(rt.eval_module, "lib")


@case
def eval_module_specifier_not_str(js):
    with js.Runtime() as rt:
        return attempt(rt.eval_module, 5)


# ------------------------------------------------------------------ missing modules


@case
def missing_module(js):
    with js.Runtime() as rt:
        return {"eval": js_error(rt.eval_module, "nope"), "usable": rt.eval("5")}


@case
def missing_static_prefixed(js):
    with js.Runtime() as rt:
        return js_error(rt.eval_module, "static:nope")


@case
def missing_import_from_static(js):
    with js.Runtime() as rt:
        rt.add_static_module("top", "import { x } from 'absent'; export const y = x;")
        return js_error(rt.eval_module, "top")


@case
def missing_named_export(js):
    with js.Runtime() as rt:
        rt.add_static_module("base", "export const x = 1;")
        rt.add_static_module("top", "import { nothere } from 'base'; export const y = 1;")
        return neutral_error(rt.eval_module, "top")


@case
async def dynamic_import_missing(js):
    with js.Runtime() as rt:
        return await rt.eval_async(
            "import('nowhere').then(() => 'loaded', e => [e instanceof Error, e.name])"
        )


@case
async def dynamic_import_static(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 'dyn';")
        return await rt.eval_async("import('lib').then(m => m.v)")


# ------------------------------------------------------------------ resolver


@case
def resolver_returns_static(js):
    seen = []
    with js.Runtime() as rt:
        rt.add_static_module("real", "export const v = 'real';")

        def resolver(specifier, referrer):
            seen.append([specifier, referrer])
            return "static:real" if specifier == "alias" else None

        rt.set_module_resolver(resolver)
        rt.add_static_module("top", "import { v } from 'alias'; export const w = v;")
        return {"ns": js_error(rt.eval_module, "top"), "seen": seen}


@case
def resolver_referrers(js):
    seen = []
    with js.Runtime() as rt:
        rt.add_static_module("base", "export const v = 1;")
        rt.add_static_module("top", "import { v } from 'base'; export const w = v;")

        def resolver(specifier, referrer):
            seen.append([specifier, referrer])
            return None

        rt.set_module_resolver(resolver)
        return {"ns": js_error(rt.eval_module, "top"), "seen": seen}


@case
def resolver_returns_static_url(js):
    with js.Runtime() as rt:
        rt.add_static_module("real", "export const v = 'real';")
        rt.set_module_resolver(lambda specifier, referrer: "jsrun://static/real" if specifier == "alias" else None)
        rt.add_static_module("top", "import { v } from 'alias'; export const w = v;")
        return js_error(rt.eval_module, "top")


@case
def resolver_none_clears(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 1;")
        rt.set_module_resolver(lambda specifier, referrer: "custom:x")
        # (None is not recorded: the published jsrun stores it and fails every import.)
        rt.set_module_resolver(lambda specifier, referrer: None)
        return rt.eval_module("lib")


@case
def import_meta_url(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const url = import.meta.url;")
        return rt.eval_module("lib")


@case
def relative_import_between_static(js):
    with js.Runtime() as rt:
        rt.add_static_module("base", "export const x = 3;")
        rt.add_static_module("top", "import { x } from './base'; export const y = x;")
        return neutral_error(rt.eval_module, "top")


@case
def resolver_none_falls_back(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 'static';")
        rt.add_static_module("top", "import { v } from 'lib'; export const w = v;")
        rt.set_module_resolver(lambda specifier, referrer: None)
        return rt.eval_module("top")


@case
def resolver_empty_falls_back(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 'static';")
        rt.add_static_module("top", "import { v } from 'lib'; export const w = v;")
        rt.set_module_resolver(lambda specifier, referrer: "")
        return rt.eval_module("top")


@case
def resolver_for_entry_specifier(js):
    seen = []
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 1;")

        def resolver(specifier, referrer):
            seen.append(specifier)
            return None

        rt.set_module_resolver(resolver)
        return {"ns": js_error(rt.eval_module, "lib"), "seen": seen}


@case
def resolver_raises(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 1;")
        rt.add_static_module("top", "import { v } from 'lib'; export const w = v;")

        def resolver(specifier, referrer):
            raise ValueError("resolver says no")

        rt.set_module_resolver(resolver)
        return {"eval": js_error(rt.eval_module, "top"), "usable": rt.eval("6")}


@case
def resolver_returns_int(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 1;")
        rt.add_static_module("top", "import { v } from 'lib'; export const w = v;")
        rt.set_module_resolver(lambda specifier, referrer: 42)
        return {"eval": js_error(rt.eval_module, "top"), "usable": rt.eval("6")}


@case
def resolver_returns_unknown_url(js):
    with js.Runtime() as rt:
        rt.add_static_module("top", "import { v } from 'x'; export const w = v;")
        rt.set_module_resolver(lambda specifier, referrer: "https://example.invalid/x.js")
        return js_error(rt.eval_module, "top")


@case
def resolver_not_callable(js):
    with js.Runtime() as rt:
        return {"set": attempt(rt.set_module_resolver, 42), "usable": rt.eval("7")}


@case
def resolver_set_returns(js):
    with js.Runtime() as rt:
        return rt.set_module_resolver(lambda s, r: None)


# ------------------------------------------------------------------ loader


@case
def loader_sync(js):
    seen = []
    with js.Runtime() as rt:

        def loader(specifier):
            seen.append(specifier)
            return "export const v = 'loaded';"

        rt.set_module_loader(loader)
        return {"ns": js_error(rt.eval_module, "thing"), "seen": seen}


@case
def loader_with_resolver(js):
    seen = []
    with js.Runtime() as rt:
        rt.set_module_resolver(lambda specifier, referrer: "custom:" + specifier)

        def loader(specifier):
            seen.append(specifier)
            return "export const v = 'from ' + " + repr(specifier) + ";"

        rt.set_module_loader(loader)
        rt.add_static_module("top", "import { v } from 'dep'; export const w = v;")
        return {"ns": js_error(rt.eval_module, "top"), "seen": seen}


@case
def loader_import_from_static(js):
    seen = []
    with js.Runtime() as rt:
        rt.set_module_resolver(lambda specifier, referrer: "custom:" + specifier if specifier == "dep" else None)

        def loader(specifier):
            seen.append(specifier)
            return "export const v = 5;"

        rt.set_module_loader(loader)
        rt.add_static_module("top", "import { v } from 'dep'; export const w = v + 1;")
        return {"ns": js_error(rt.eval_module, "top"), "seen": seen}


@case
async def loader_async_in_async_eval(js):
    with js.Runtime() as rt:
        rt.set_module_resolver(lambda specifier, referrer: "custom:" + specifier if specifier == "dep" else None)

        async def loader(specifier):
            return "export const v = 'async';"

        rt.set_module_loader(loader)
        rt.add_static_module("top", "import { v } from 'dep'; export const w = v;")
        return await js_error_async(rt.eval_module_async("top"))


@case
def loader_async_in_sync_eval(js):
    with js.Runtime() as rt:
        rt.set_module_resolver(lambda specifier, referrer: "custom:" + specifier if specifier == "dep" else None)

        async def loader(specifier):
            return "export const v = 'async';"

        rt.set_module_loader(loader)
        rt.add_static_module("top", "import { v } from 'dep'; export const w = v;")
        return {"eval": js_error(rt.eval_module, "top"), "usable": rt.eval("8")}


def _loader_case(rt, loader):
    rt.set_module_resolver(lambda specifier, referrer: "custom:" + specifier if specifier == "dep" else None)
    rt.set_module_loader(loader)
    rt.add_static_module("top", "import { v } from 'dep'; export const w = v;")
    return {"eval": js_error(rt.eval_module, "top"), "usable": rt.eval("9")}


@case
def loader_returns_int(js):
    with js.Runtime() as rt:
        return _loader_case(rt, lambda specifier: 42)


@case
def loader_returns_none(js):
    with js.Runtime() as rt:
        return _loader_case(rt, lambda specifier: None)


@case
def loader_raises(js):
    def loader(specifier):
        raise KeyError("no such module here")

    with js.Runtime() as rt:
        return _loader_case(rt, loader)


@case
def loader_syntax_error(js):
    with js.Runtime() as rt:
        rt.set_module_resolver(lambda specifier, referrer: "custom:" + specifier if specifier == "dep" else None)
        rt.set_module_loader(lambda specifier: "export const = ;")
        rt.add_static_module("top", "import { v } from 'dep'; export const w = v;")
        return {"eval": neutral_error(rt.eval_module, "top"), "usable": rt.eval("9")}


@case
async def loader_async_raises(js):
    async def loader(specifier):
        raise ValueError("async loader failed")

    with js.Runtime() as rt:
        rt.set_module_resolver(lambda specifier, referrer: "custom:" + specifier if specifier == "dep" else None)
        rt.set_module_loader(loader)
        rt.add_static_module("top", "import { v } from 'dep'; export const w = v;")
        return {"eval": await js_error_async(rt.eval_module_async("top")), "usable": rt.eval("10")}


@case
def loader_not_callable(js):
    with js.Runtime() as rt:
        return {"set": attempt(rt.set_module_loader, "not callable"), "usable": rt.eval("11")}


@case
def loader_set_returns(js):
    with js.Runtime() as rt:
        return rt.set_module_loader(lambda s: "")


# ------------------------------------------------------------------ top-level await


@case
def tla_sync_resolved(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "const v = await Promise.resolve(3); export const w = v * 2;")
        return js_error(rt.eval_module, "lib")


@case
async def tla_async_resolved(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "const v = await Promise.resolve(3); export const w = v * 2;")
        return await js_error_async(rt.eval_module_async("lib"))


@case
async def tla_async_timer(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "await new Promise(r => setTimeout(r, 5)); export const done = true;")
        return await js_error_async(rt.eval_module_async("lib"))


@case
async def tla_async_rejects(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "await Promise.reject(new TypeError('tla no')); export const x = 1;")
        return {"eval": await js_error_async(rt.eval_module_async("lib")), "usable": rt.eval("12")}


@case
def tla_sync_rejects(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "await Promise.reject(new TypeError('tla no')); export const x = 1;")
        return {"eval": js_error(rt.eval_module, "lib"), "usable": rt.eval("12")}


# ------------------------------------------------------------------ eval_module_async


@case
async def async_static_value(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const value = 42;")
        return {"bare": await rt.eval_module_async("lib"), "prefixed": await rt.eval_module_async("static:lib")}


@case
async def async_missing(js):
    with js.Runtime() as rt:
        return await js_error_async(rt.eval_module_async("nope"))


@case
async def async_module_throws(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "throw new Error('async boom');")
        return await js_error_async(rt.eval_module_async("lib"))


@case
async def async_timeout_none(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 1;")
        return await rt.eval_module_async("lib", timeout=None)


@case
async def async_timeout_timedelta(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 1;")
        return await rt.eval_module_async("lib", timeout=datetime.timedelta(seconds=5))


async def _bad_timeout(js, value):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "export const v = 1;")
        result = await attempt_async(lambda: rt.eval_module_async("lib", timeout=value))
        return {"eval": result, "usable": rt.eval("13")}


@case
async def async_timeout_negative(js):
    return await _bad_timeout(js, -1)


@case
async def async_timeout_zero(js):
    return await _bad_timeout(js, 0)


@case
async def async_timeout_nan(js):
    return await _bad_timeout(js, float("nan"))


@case
async def async_timeout_inf(js):
    return await _bad_timeout(js, float("inf"))


@case
async def async_timeout_str(js):
    return await _bad_timeout(js, "1")


@case
async def async_timeout_negative_timedelta(js):
    return await _bad_timeout(js, datetime.timedelta(seconds=-1))


@case
async def async_timeout_expires(js):
    with js.Runtime() as rt:
        rt.add_static_module("lib", "await new Promise(r => setTimeout(r, 5000)); export const v = 1;")
        # (Afterwards the published runtime answers "execution terminated"; not recorded.)
        return await attempt_async(lambda: rt.eval_module_async("lib", timeout=0.05))


@case
async def async_specifier_not_str(js):
    with js.Runtime() as rt:
        return await attempt_async(lambda: rt.eval_module_async(None))


# ------------------------------------------------------------------ after close and stats


@case
def after_close_sync(js):
    rt = js.Runtime()
    rt.add_static_module("lib", "export const v = 1;")
    rt.close()
    return {
        "eval_module": attempt(rt.eval_module, "lib"),
        "add_static_module": attempt(rt.add_static_module, "other", "export const v = 1;"),
        "set_module_resolver": attempt(rt.set_module_resolver, lambda s, r: None),
        "set_module_loader": attempt(rt.set_module_loader, lambda s: ""),
    }


@case
async def after_close_async(js):
    rt = js.Runtime()
    rt.add_static_module("lib", "export const v = 1;")
    rt.close()
    return await attempt_async(lambda: rt.eval_module_async("lib"))


def _module_counts(stats):
    return {"sync": stats.eval_module_sync_count, "async": stats.eval_module_async_count,
            "kind": stats.last_execution_kind}


@case
def stats_module_sync_counts(js):
    with js.Runtime() as rt:
        rt.add_static_module("a", "export const v = 1;")
        rt.eval_module("a")
        rt.eval_module("a")
        return _module_counts(rt.get_stats())


@case
async def stats_module_async_counts(js):
    with js.Runtime() as rt:
        rt.add_static_module("b", "export const v = 2;")
        await rt.eval_module_async("b")
        return _module_counts(rt.get_stats())


@case
def two_entry_modules(js):
    # The published jsrun (deno_core) has one "main" module per runtime.
    with js.Runtime() as rt:
        rt.add_static_module("a", "export const v = 1;")
        rt.add_static_module("b", "export const v = 2;")
        return {"a": js_error(rt.eval_module, "a"), "b": js_error(rt.eval_module, "b")}
