"""One thin adapter per library, so that every scenario is written once.

An adapter wraps one JS-from-Python library behind the same small interface:

    new_runtime() -> rt          eval(rt, code) -> value      close(rt)
    bind(rt, name, pyfunc)       make_fn(rt, name) -> callable(arg) (a JS global function)
    to_js(rt, fn, obj)           from_js(rt, global_name) -> Python object

A library that cannot do something raises NotSupported(reason); the harness then shows
"n/a (reason)" instead of skipping the scenario silently.  Only the adapter named on the
command line is imported, so each venv needs only its own library.
"""

from __future__ import annotations

import json


class NotSupported(Exception):
    """The library cannot do what a scenario needs (the message says why)."""


class Adapter:
    name = "?"
    notes: dict[str, str] = {}  # scenario -> how it was done, when not the obvious way

    def version(self) -> str:
        raise NotImplementedError

    def new_runtime(self):
        raise NotImplementedError

    def eval(self, rt, code: str):
        raise NotImplementedError

    def close(self, rt) -> None:
        raise NotImplementedError

    def bind(self, rt, name: str, pyfunc) -> None:
        raise NotSupported("cannot bind a synchronous Python function")

    def make_fn(self, rt, name: str):
        """A Python callable that calls the global JS function `name` with one argument."""
        raise NotImplementedError

    def to_js(self, rt, fn, obj):
        """Pass a Python object to JS: call the callable from make_fn with it."""
        return fn(obj)

    def from_js(self, rt, global_name: str):
        """Return the JS value held by the global `global_name` as a Python object."""
        return self.eval(rt, global_name)


# ---------------------------------------------------------------------------- jsrun (ours & 0.3.0)

class Jsrun(Adapter):
    """Our rebuild and the published jsrun 0.3.0 share the package name and the API."""

    def __init__(self, name: str, expect_published: bool):
        import jsrun

        self.name = name
        self.jsrun = jsrun
        published = "site-packages/jsrun/" in jsrun.__file__ and _dist_version("jsrun") == "0.3.0"
        if expect_published != published:
            raise NotSupported(f"wrong jsrun imported for {name}: {jsrun.__file__} ({_dist_version('jsrun')})")

    def version(self) -> str:
        return f"jsrun {_dist_version('jsrun')}"

    def new_runtime(self):
        return self.jsrun.Runtime()

    def eval(self, rt, code):
        return rt.eval(code)

    def close(self, rt):
        rt.close()

    def bind(self, rt, name, pyfunc):
        rt.bind_function(name, pyfunc)

    def make_fn(self, rt, name):
        return rt.eval(f"globalThis.{name}")  # a JsFunction: calling it runs the JS function


# ---------------------------------------------------------------------------- quickjs (PyPI)

class QuickJS(Adapter):
    """PyPI `quickjs`: an in-process QuickJS binding (evaluates on the calling thread).

    Its conversions cover primitives only: objects cross as JSON text (what a user of
    this binding has to do), which the timing includes.
    """

    name = "quickjs"
    notes = {
        "object_to_js": "via json.dumps + JSON.parse (binding converts primitives only)",
        "object_from_js": "via Object.json() + json.loads (binding converts primitives only)",
    }

    def __init__(self):
        import quickjs

        self.quickjs = quickjs

    def version(self):
        return f"quickjs {_dist_version('quickjs')}"

    def new_runtime(self):
        return self.quickjs.Context()

    def eval(self, rt, code):
        return rt.eval(code)

    def close(self, rt):
        pass  # no close(): freed when the last reference goes

    def bind(self, rt, name, pyfunc):
        rt.add_callable(name, pyfunc)

    def make_fn(self, rt, name):
        return rt.eval(f"(s) => {name}(JSON.parse(s))")

    def to_js(self, rt, fn, obj):
        return fn(json.dumps(obj))

    def from_js(self, rt, global_name):
        v = rt.eval(global_name)
        return json.loads(v.json()) if isinstance(v, self.quickjs.Object) else v


# ---------------------------------------------------------------------------- mini-racer (V8)

class MiniRacer(Adapter):
    """PyPI `mini-racer`: V8.  Python callbacks can only be async (JS gets a Promise)."""

    name = "mini_racer"
    notes = {
        "object_to_js": "MiniRacer.call (arguments cross as JSON)",
        "object_from_js": "MiniRacer.execute (result crosses as JSON)",
    }

    def __init__(self):
        import py_mini_racer

        self.mr = py_mini_racer

    def version(self):
        return f"mini-racer {_dist_version('mini-racer')}"

    def new_runtime(self):
        return self.mr.MiniRacer()

    def eval(self, rt, code):
        return rt.eval(code)

    def close(self, rt):
        rt.close()

    def bind(self, rt, name, pyfunc):
        raise NotSupported("only async Python callbacks (wrap_py_function); JS gets a Promise")

    def make_fn(self, rt, name):
        return lambda arg: rt.call(name, arg)

    def from_js(self, rt, global_name):
        return rt.execute(global_name)


def _dist_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


LIBRARIES = ["ours", "jsrun030", "quickjs", "mini_racer"]


def load(lib: str) -> Adapter:
    if lib == "ours":
        return Jsrun("ours", expect_published=False)
    if lib == "jsrun030":
        return Jsrun("jsrun030", expect_published=True)
    if lib == "quickjs":
        return QuickJS()
    if lib == "mini_racer":
        return MiniRacer()
    raise SystemExit(f"unknown library {lib!r}; one of {LIBRARIES}")
