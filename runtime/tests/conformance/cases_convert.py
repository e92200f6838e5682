"""Values JS -> Python (eval results) and Python -> JS (JsFunction arguments)."""

import datetime
import math

from harness import Raised, attempt, case


def through_js(rt, value, probe="(v) => [typeof v, String(v)]"):
    """What JS sees of a Python value (passed as a JsFunction argument)."""
    r = attempt(rt.eval(probe), value)
    return r.type if isinstance(r, Raised) else r


@case
def js_numbers(js):
    with js.Runtime() as rt:
        return [rt.eval(c) for c in ("1", "-1", "1.5", "2**31", "2**32", "2**53", "2**53 + 2", "1e21", "0.1 + 0.2", "-0", "NaN", "Infinity", "-Infinity", "5 / 2", "4 / 2")]


@case
def js_bigint(js):
    with js.Runtime() as rt:
        return [rt.eval(c) for c in ("10n", "2n ** 64n", "-(2n ** 70n)", "0n")]


@case
def js_strings(js):
    with js.Runtime() as rt:
        return [rt.eval(c) for c in ("''", "'abc'", "'😀'", "'\\u00e9'", "'a\\u0000b'")]


@case
def js_lone_surrogate(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval, "'\\ud800'")
        return r.type if isinstance(r, Raised) else [type(r).__name__, len(r)]


@case
def js_bool_null_undefined(js):
    with js.Runtime() as rt:
        return [rt.eval("true"), rt.eval("false"), rt.eval("null"), type(rt.eval("undefined")).__name__, rt.eval("undefined") is js.undefined]


@case
def js_arrays(js):
    with js.Runtime() as rt:
        return [rt.eval("[]"), rt.eval("[1, 'a', [null]]"), rt.eval("[1, , 3]"), rt.eval("const a = []; a[3] = 1; a"), rt.eval("[undefined]")]


@case
def js_objects(js):
    with js.Runtime() as rt:
        return [rt.eval("({})"), rt.eval("({a: 1, b: {c: [2]}})"), rt.eval("({1: 'one', x: 2})"), rt.eval("({a: undefined})")]


@case
def js_typed_arrays(js):
    with js.Runtime() as rt:
        out = []
        for c in ("new Uint8Array([1, 2, 255])", "new Uint8Array(0)", "new Int8Array([-1])", "new Uint16Array([1])", "new Float64Array([1.5])", "new Uint8Array([1,2,3]).subarray(1)", "new Uint8ClampedArray([1])"):
            r = attempt(rt.eval, c)
            out.append(r.type if isinstance(r, Raised) else r)
        return out


@case
def js_array_buffer(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval, "new Uint8Array([7, 8]).buffer")
        return r.type if isinstance(r, Raised) else r


@case
def js_date(js):
    with js.Runtime() as rt:
        r = [rt.eval("new Date(0)"), rt.eval("new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678))")]
        return [r, [str(d.tzinfo) for d in r]]


@case
def js_invalid_date(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval, "new Date(NaN)")
        return r.type if isinstance(r, Raised) else r


@case
def js_map_set(js):
    with js.Runtime() as rt:
        return [attempt(rt.eval, "new Map([['a', 1], ['b', 2]])"), attempt(rt.eval, "new Set([1, 2, 2])"), attempt(rt.eval, "new Map([[1, 'x']])")]


@case
def js_symbol(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval, "Symbol('s')")
        return r.type if isinstance(r, Raised) else r


@case
def js_symbol_keyed_object(js):
    with js.Runtime() as rt:
        return rt.eval("({[Symbol('k')]: 1, a: 2})")


@case
def js_cyclic(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval, "const o = {}; o.self = o; o")
        a = attempt(rt.eval, "const arr = []; arr.push(arr); arr")
        return [r.type if isinstance(r, Raised) else r, a.type if isinstance(a, Raised) else a]


@case
def js_shared_reference(js):
    with js.Runtime() as rt:
        return rt.eval("const s = {v: 1}; [s, s]")


@case
def js_class_instance(js):
    with js.Runtime() as rt:
        return rt.eval("class P { constructor() { this.x = 1; } m() {} }; new P()")


@case
def js_getter_throws(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval, "({ get bad() { throw new Error('getter failed'); } })")
        return [r.type, r.message] if isinstance(r, Raised) else r


@case
def js_proxy(js):
    with js.Runtime() as rt:
        r = attempt(rt.eval, "new Proxy({a: 1}, {})")
        return r.type if isinstance(r, Raised) else r


@case
def js_regexp_and_error_values(js):
    with js.Runtime() as rt:
        return [attempt(rt.eval, "/a+/g"), type(attempt(rt.eval, "new Error('e')")).__name__]


@case
def py_ints(js):
    with js.Runtime() as rt:
        return [through_js(rt, v) for v in (0, 1, -1, 2**31, 2**53 - 1, 2**53, 2**53 + 1, -(2**53), 2**64, -(2**64), True)]


@case
def py_floats(js):
    with js.Runtime() as rt:
        probe = "(v) => [typeof v, String(v), Object.is(v, -0)]"
        return [through_js(rt, v, probe) for v in (0.0, -0.0, 1.5, float("nan"), float("inf"), float("-inf"), 1e300)]


@case
def py_strings(js):
    with js.Runtime() as rt:
        probe = "(v) => [typeof v, v.length, v]"
        return [through_js(rt, v, probe) for v in ("", "abc", "😀", "a\x00b")]


@case
def py_lone_surrogate(js):
    with js.Runtime() as rt:
        return through_js(rt, "\ud800", "(v) => [typeof v, v.length]")


@case
def py_none_undefined(js):
    with js.Runtime() as rt:
        probe = "(v) => [typeof v, v === null]"
        return [through_js(rt, None, probe), through_js(rt, js.undefined, probe)]


@case
def py_bytes_like(js):
    with js.Runtime() as rt:
        probe = "(v) => [v.constructor.name, Array.from(v)]"
        return [through_js(rt, v, probe) for v in (b"ab", bytearray(b"cd"), memoryview(b"ef"), b"")]


@case
def py_containers(js):
    with js.Runtime() as rt:
        probe = "(v) => [Array.isArray(v), JSON.stringify(v)]"
        return [through_js(rt, v, probe) for v in ([1, [2]], {"a": {"b": 1}}, (1, 2), {1, 2}, frozenset(), [])]


@case
def py_dict_non_str_keys(js):
    with js.Runtime() as rt:
        out = []
        for v in ({1: "a"}, {1.5: "b"}, {None: 1}, {("t",): 1}):
            r = attempt(rt.eval("(v) => JSON.stringify(v)"), v)
            out.append([r.type, r.message] if isinstance(r, Raised) else r)
        return out


@case
def py_cyclic(js):
    lst = []
    lst.append(lst)
    dct = {}
    dct["self"] = dct
    with js.Runtime() as rt:
        out = []
        for v in (lst, dct):
            r = attempt(rt.eval("(v) => 1"), v)
            out.append([r.type, "ircular" in r.message] if isinstance(r, Raised) else r)
        return out


@case
def py_datetimes(js):
    with js.Runtime() as rt:
        probe = "(v) => [v.constructor.name, v.toISOString()]"
        tz = datetime.timezone(datetime.timedelta(hours=2))
        return [through_js(rt, v, probe) for v in (
            datetime.datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc),
            datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=tz),
            datetime.date(2020, 1, 2),
            datetime.timedelta(seconds=1),
        )]


@case
def py_unsupported(js):
    with js.Runtime() as rt:
        out = []
        for v in (object(), complex(1, 2), range(3), Exception("e")):
            r = attempt(rt.eval("(v) => typeof v"), v)
            out.append([r.type, r.message] if isinstance(r, Raised) else r)
        return out


@case
def py_nested(js):
    with js.Runtime() as rt:
        return rt.eval("(v) => v")({"a": [1, {"b": [None, True, 2.5, "s"]}], "c": {}})


@case
def round_trip_values(js):
    with js.Runtime() as rt:
        ident = rt.eval("(v) => v")
        vals = [0, -5, 1.25, "s", True, False, None, [1, 2], {"k": [1]}, b"\x00\xff", 2**53 + 1]
        return [ident(v) for v in vals]


@case
def round_trip_special_floats(js):
    with js.Runtime() as rt:
        ident = rt.eval("(v) => v")
        return [ident(v) for v in (float("nan"), float("inf"), float("-inf"), -0.0, 3.0)]


@case
def round_trip_datetime(js):
    with js.Runtime() as rt:
        ident = rt.eval("(v) => v")
        naive = datetime.datetime(2020, 1, 2, 3, 4, 5)
        aware = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        return [ident(aware), attempt(ident, naive)]


@case
def round_trip_undefined(js):
    with js.Runtime() as rt:
        ident = rt.eval("(v) => v")
        return [type(ident(js.undefined)).__name__, bool(js.undefined), repr(js.undefined)]


@case
def py_numeric_like(js):
    import decimal
    import enum
    import fractions

    class Level(enum.IntEnum):
        HIGH = 3

    class Ratio(float):
        pass

    with js.Runtime() as rt:
        return [through_js(rt, v) for v in (decimal.Decimal("1.5"), fractions.Fraction(1, 4), Level.HIGH, Ratio(2.5))]


@case
def py_subclasses(js):
    import collections

    class Text(str):
        pass

    class Items(list):
        pass

    class Table(dict):
        pass

    with js.Runtime() as rt:
        probe = "(v) => [typeof v, Array.isArray(v), JSON.stringify(v)]"
        return [through_js(rt, v, probe) for v in (Text("x"), Items([1]), Table(a=1), collections.OrderedDict(b=2))]


@case
def py_date_and_time_unsupported(js):
    with js.Runtime() as rt:
        out = []
        for v in (datetime.date(2020, 1, 1), datetime.time(1, 2)):
            r = attempt(rt.eval("(v) => 1"), v)
            out.append([r.type, r.message] if isinstance(r, Raised) else r)
        return out


@case
def py_int64_edges(js):
    with js.Runtime() as rt:
        return [through_js(rt, v) for v in (2**63 - 1, -(2**63), 2**64 - 1, 2**63)]


@case
def py_undefined_inside_containers(js):
    with js.Runtime() as rt:
        probe = "(v) => [v.length === undefined ? typeof v.a : typeof v[0]]"
        return [through_js(rt, [js.undefined], probe), through_js(rt, {"a": js.undefined}, probe)]


@case
def js_dates_edges(js):
    with js.Runtime() as rt:
        out = []
        for c in ("new Date(-1)", "new Date(1.5)", "new Date(8.64e15)", "new Date(-8.64e15)", "new Date(Date.UTC(9999, 11, 31))"):
            r = attempt(rt.eval, c)
            out.append([r.type, r.message] if isinstance(r, Raised) else r)
        return out


@case
def js_boxed_and_exotic_objects(js):
    with js.Runtime() as rt:
        return [rt.eval(c) for c in ("new Number(5)", "new String('s')", "new Boolean(false)", "(function () { return arguments; })(1, 2)", "new WeakMap()", "(function* () {})()", "new Int32Array([1, 2])", "new DataView(new ArrayBuffer(2))", "[new Error('x')]")]


@case
def js_object_keys(js):
    with js.Runtime() as rt:
        return [rt.eval(c) for c in ("({b: 1, 2: 'x', a: 2, 1: 'y'})", "Object.create({inherited: 1}, {own: {value: 2, enumerable: true}})", "Object.defineProperty({}, 'hidden', {value: 1})", "Object.assign(Object.create(null), {a: 1})", "const arr = [1, 2]; arr.extra = 5; arr")]


@case
def js_nested_undefined_and_numbers(js):
    with js.Runtime() as rt:
        return [rt.eval("({a: undefined, b: [undefined, null]})"), rt.eval("[-0, 0.5, 1e300, 2**64, -(2**63)]")]


@case
def undefined_singleton(js):
    return [attempt(js.JsUndefined), hash(js.undefined) == hash(js.undefined), js.undefined == None,  # noqa: E711
            js.undefined == js.undefined, str(js.undefined)]
