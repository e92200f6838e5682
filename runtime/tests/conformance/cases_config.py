"""RuntimeConfig: constructor keywords and positionals, getters/setters and their
read-back types, repr, bad inputs of each type, cross-field rules checked by Runtime()."""

import datetime

from harness import attempt, case

INT_FIELDS = ("max_heap_size", "initial_heap_size", "max_serialization_depth", "max_serialization_bytes")
BAD_INTS = {
    "zero": 0,
    "negative": -1,
    "float": 1.5,
    "nan": float("nan"),
    "bool_true": True,
    "bool_false": False,
    "str": "1",
    "huge_2_64": 2**64,
    "huge_2_200": 2**200,
    "list": [],
}


def _set(obj, name, value):
    setattr(obj, name, value)
    return getattr(obj, name)


def _int_field_case(field, label, value):
    def run(js):
        ctor = attempt(lambda: getattr(js.RuntimeConfig(**{field: value}), field))
        setter = attempt(_set, js.RuntimeConfig(), field, value)
        return {"ctor": ctor, "setter": setter}

    run.__module__ = __name__
    case(run, name=f"{field}_{label}")


for _field in INT_FIELDS:
    for _label, _value in BAD_INTS.items():
        _int_field_case(_field, _label, _value)


@case
def int_fields_setter_none(js):
    return {f: attempt(_set, js.RuntimeConfig(), f, None) for f in INT_FIELDS}


@case
def int_fields_ctor_none(js):
    c = js.RuntimeConfig(**{f: None for f in INT_FIELDS})
    return {f: getattr(c, f) for f in INT_FIELDS}


@case
def int_fields_large_valid(js):
    return {f: getattr(js.RuntimeConfig(**{f: 2**63 - 1}), f) for f in INT_FIELDS}


@case
def defaults(js):
    c = js.RuntimeConfig()
    names = ("max_heap_size", "initial_heap_size", "bootstrap", "timeout", "enable_console",
             "inspector", "snapshot", "max_serialization_depth", "max_serialization_bytes")
    return {n: getattr(c, n) for n in names}


@case
def public_names(js):
    return sorted(n for n in dir(js.RuntimeConfig()) if not n.startswith("_"))


@case
def positional_arguments(js):
    c = js.RuntimeConfig(1 << 24, 1 << 20, "globalThis.a = 1", 5)
    return [c.max_heap_size, c.initial_heap_size, c.bootstrap, c.timeout]


@case
def unknown_keyword(js):
    return attempt(js.RuntimeConfig, foo=1)


@case
def not_subclassable(js):
    return attempt(lambda: type("Sub", (js.RuntimeConfig,), {}))


@case
def unknown_attribute(js):
    # CPython 3.13 appends "and no __dict__ ..." to this text: the start is compared.
    r = attempt(setattr, js.RuntimeConfig(), "foo", 1)
    return {"raises": r.type, "message": r.message.startswith("'jsrun.RuntimeConfig' object has no attribute 'foo'")}


@case
def repr_default(js):
    return repr(js.RuntimeConfig())


@case
def repr_full(js):
    return repr(js.RuntimeConfig(max_heap_size=1 << 24, initial_heap_size=1 << 20, bootstrap='a = "x"\n',
                                 timeout=45, enable_console=True, max_serialization_depth=7,
                                 max_serialization_bytes=1000))


@case
def repr_timeout_millis(js):
    return [repr(js.RuntimeConfig(timeout=t)) for t in (0.5, 1.5, datetime.timedelta(milliseconds=250))]


@case
def repr_with_inspector(js):
    return repr(js.RuntimeConfig(inspector=js.InspectorConfig(port=9300, display_name="d")))


@case
def str_is_repr(js):
    c = js.RuntimeConfig(timeout=2)
    return str(c) == repr(c)


# -- timeout

TIMEOUTS = {
    "float": 30.5,
    "int": 60,
    "timedelta": datetime.timedelta(seconds=45),
    "timedelta_micro": datetime.timedelta(microseconds=1),
    "tiny": 1e-9,
    "bool_true": True,
    "bool_false": False,
    "zero": 0,
    "zero_float": 0.0,
    "negative": -1,
    "negative_float": -0.5,
    "nan": float("nan"),
    "inf": float("inf"),
    "neg_inf": float("-inf"),
    "str": "1",
    "list": [],
    "huge_2_65": 2**65,
    "huge_2_200": 2**200,
    "huge_float": 1e300,
    "timedelta_zero": datetime.timedelta(0),
    "timedelta_negative": datetime.timedelta(seconds=-1),
    "int_2_63": 2**63,
}


def _timeout_case(label, value):
    def run(js):
        ctor = attempt(lambda: js.RuntimeConfig(timeout=value).timeout)
        setter = attempt(_set, js.RuntimeConfig(), "timeout", value)
        return {"ctor": ctor, "setter": setter}

    run.__module__ = __name__
    case(run, name=f"timeout_{label}")


for _label, _value in TIMEOUTS.items():
    _timeout_case(_label, _value)


@case
def timeout_none(js):
    return {"ctor": js.RuntimeConfig(timeout=None).timeout, "setter": attempt(_set, js.RuntimeConfig(timeout=1), "timeout", None)}


@case
def timeout_applies_to_eval(js):
    with js.Runtime(js.RuntimeConfig(timeout=0.05)) as rt:
        r = attempt(rt.eval, "for(;;){}")
        return {"raises": getattr(r, "type", None), "usable": attempt(rt.eval, "1 + 1"), "closed": rt.is_closed()}


# -- heap sizes, checked when the runtime starts

def _runtime(js, **kw):
    def run():
        with js.Runtime(js.RuntimeConfig(**kw)) as rt:
            return rt.eval("1 + 1")
    return attempt(run)


@case
def initial_heap_without_max(js):
    return _runtime(js, initial_heap_size=1 << 20)


@case
def initial_heap_above_max(js):
    return _runtime(js, initial_heap_size=32 << 20, max_heap_size=16 << 20)


@case
def initial_heap_equal_max(js):
    return _runtime(js, initial_heap_size=16 << 20, max_heap_size=16 << 20)


@case
def initial_heap_below_max(js):
    return _runtime(js, initial_heap_size=1 << 20, max_heap_size=16 << 20)


@case
def initial_heap_zero_with_max(js):
    return _runtime(js, initial_heap_size=0, max_heap_size=16 << 20)


@case
def initial_heap_zero_without_max(js):
    return _runtime(js, initial_heap_size=0)


@case
def max_heap_zero_runtime(js):
    return _runtime(js, max_heap_size=0)


@case
def max_heap_huge_runtime(js):
    return _runtime(js, max_heap_size=2**63)


@case
def initial_heap_set_later_checked_at_runtime(js):
    c = js.RuntimeConfig()
    c.initial_heap_size = 1 << 20
    return {"value": c.initial_heap_size, "runtime": attempt(lambda: js.Runtime(c).close())}


# -- bootstrap

def _js_error(exc):
    if isinstance(exc, BaseException):
        return {"type": type(exc).__name__, "name": getattr(exc, "name", None),
                "message": getattr(exc, "message", None), "str": str(exc)}
    return exc


def _bootstrap_failure(js, source):
    try:
        js.Runtime(js.RuntimeConfig(bootstrap=source)).close()
    except Exception as exc:  # noqa: BLE001
        return exc
    return "no error"


@case
def bootstrap_runs_first(js):
    with js.Runtime(js.RuntimeConfig(bootstrap="globalThis.seed = 41; 'ignored'")) as rt:
        return rt.eval("seed + 1")


@case
def bootstrap_setter(js):
    c = js.RuntimeConfig()
    c.bootstrap = "globalThis.x = 5"
    with js.Runtime(c) as rt:
        return [c.bootstrap, rt.eval("x")]


@case
def bootstrap_throws_error(js):
    return _js_error(_bootstrap_failure(js, "throw new TypeError('boom')"))


@case
def bootstrap_throws_range_error(js):
    e = _bootstrap_failure(js, "function f() { throw new RangeError('deep') }; f()")
    return {"type": type(e).__name__, "name": e.name, "message": e.message, "str": str(e)}


@case
def bootstrap_syntax_error(js):
    e = _bootstrap_failure(js, "1 +")
    return {"type": type(e).__name__, "name": e.name,
            "prefix": str(e).startswith("Failed to spawn runtime: SyntaxError: ")}


@case
def bootstrap_not_str(js):
    return {"int": attempt(js.RuntimeConfig, bootstrap=1), "bytes": attempt(js.RuntimeConfig, bootstrap=b"1")}


@case
def bootstrap_setter_bad(js):
    return {"none": attempt(_set, js.RuntimeConfig(), "bootstrap", None),
            "int": attempt(_set, js.RuntimeConfig(), "bootstrap", 5)}


@case
def bootstrap_empty(js):
    c = js.RuntimeConfig(bootstrap="")
    with js.Runtime(c) as rt:
        return [c.bootstrap, rt.eval("2")]


@case
def bootstrap_surrogate(js):
    r = attempt(js.RuntimeConfig, bootstrap="'\ud800'")
    return {"raises": getattr(r, "type", None)}


# -- enable_console

@case
def enable_console_values(js):
    return {repr(v): attempt(lambda: js.RuntimeConfig(enable_console=v).enable_console)
            for v in (True, False, None, 1, 0, "yes", 1.0)}


@case
def enable_console_read_only(js):
    return attempt(setattr, js.RuntimeConfig(), "enable_console", True)


@case
def console_exists_when_disabled(js):
    with js.Runtime() as rt:
        return [rt.eval("typeof console"), rt.eval("typeof console.log"), rt.eval("console.log('quiet')")]


@case
def console_explicitly_disabled(js):
    with js.Runtime(js.RuntimeConfig(enable_console=False)) as rt:
        return [rt.eval("typeof console.error"), rt.eval("typeof console.warn"), rt.eval("typeof console.info")]


@case
def console_enabled(js):
    with js.Runtime(js.RuntimeConfig(enable_console=True)) as rt:
        return [rt.eval("typeof console"), rt.eval("typeof console.log")]


# -- inspector and snapshot values

@case
def inspector_bad_type(js):
    return {"ctor": attempt(js.RuntimeConfig, inspector=1),
            "setter": attempt(_set, js.RuntimeConfig(), "inspector", "x")}


@case
def inspector_round_trip(js):
    c = js.RuntimeConfig()
    i = js.InspectorConfig(port=9300)
    c.inspector = i
    got = c.inspector
    c.inspector = None
    return {"got": repr(got), "type": type(got).__name__, "cleared": c.inspector}


@case
def inspector_is_copied(js):
    i = js.InspectorConfig()
    c = js.RuntimeConfig(inspector=i)
    i.display_name = "changed later"
    return {"display_name": c.inspector.display_name, "same_object": c.inspector is i}


@case
def snapshot_values(js):
    return {
        "empty": attempt(js.RuntimeConfig, snapshot=b""),
        "str": attempt(js.RuntimeConfig, snapshot="abc"),
        "int": attempt(js.RuntimeConfig, snapshot=1),
        "none": js.RuntimeConfig(snapshot=None).snapshot,
    }


@case
def snapshot_junk_accepted_by_config(js):
    c = js.RuntimeConfig(snapshot=b"junk")
    c2 = js.RuntimeConfig()
    c2.snapshot = bytearray(b"ab")
    return {"ctor": c.snapshot, "setter": c2.snapshot}


@case
def snapshot_junk_fails_at_runtime(js):
    r = attempt(js.Runtime, js.RuntimeConfig(snapshot=b"junk"))
    return {"raises": getattr(r, "type", None),
            "prefix": getattr(r, "message", "").startswith("Failed to spawn runtime")}


@case
def snapshot_with_bootstrap(js):
    return attempt(js.RuntimeConfig, bootstrap="1", snapshot=b"x")
