//! JS -> `Value` must leave no exception pending: QuickJS keeps one per runtime, and a
//! later, unrelated operation that looks for one (a module lookup) takes it for its own.

use super::{Builtins, JsEnv, ToValue, ToValueError};
use crate::value::{HostFn, Limits};
use rquickjs::{Context, Ctx, Function, Promise, Runtime, Value as JsValue};
use std::cell::Cell;
use std::sync::Arc;

struct TestEnv<'js> {
    ctx: Ctx<'js>,
    builtins: Builtins<'js>,
    next: Cell<u64>,
}

impl<'js> TestEnv<'js> {
    fn id(&self) -> u64 {
        self.next.set(self.next.get() + 1);
        self.next.get()
    }
}

impl<'js> JsEnv<'js> for TestEnv<'js> {
    fn ctx(&self) -> &Ctx<'js> {
        &self.ctx
    }
    fn register_function(&self, _f: Function<'js>, _this: JsValue<'js>) -> u64 {
        self.id()
    }
    fn register_promise(&self, _p: Promise<'js>) -> u64 {
        self.id()
    }
    fn function(&self, _id: u64) -> Option<Function<'js>> {
        None
    }
    fn host_function(&self, _host: Arc<HostFn>) -> rquickjs::Result<Function<'js>> {
        Err(rquickjs::Error::Unknown)
    }
    fn builtins(&self) -> &Builtins<'js> {
        &self.builtins
    }
}

/// Evaluates `code`, converts the result: its `Value` (`Debug`), or the error, with
/// whatever exception is left pending afterwards.
fn convert(code: &str) -> (Result<String, String>, Option<String>) {
    let rt = Runtime::new().expect("runtime");
    let context = Context::full(&rt).expect("context");
    context.with(|ctx| {
        let env = TestEnv {
            builtins: Builtins::new(&ctx).expect("builtins"),
            ctx: ctx.clone(),
            next: Cell::new(0),
        };
        let v: JsValue = ctx.eval(code).unwrap_or_else(|e| panic!("eval {code}: {e}"));
        assert!(!ctx.has_exception(), "pending after eval of {code}");
        let out = match ToValue::new(&env, Limits::default()).convert(v) {
            Ok(v) => Ok(format!("{v:?}")),
            Err(ToValueError::Conv(e)) => Err(format!("conv: {e}")),
            Err(ToValueError::Js(e)) => {
                // A JS error the caller takes (`ctx.catch()`): that one is legitimate.
                let thrown = ctx.catch();
                let msg = thrown
                    .as_object()
                    .and_then(|o| o.get::<_, String>("message").ok())
                    .unwrap_or_default();
                Err(format!("js: {e}: {msg}"))
            }
        };
        let stray = ctx.has_exception().then(|| {
            let e = ctx.catch();
            e.as_object()
                .and_then(|o| o.get::<_, String>("message").ok())
                .unwrap_or_else(|| format!("{e:?}"))
        });
        (out, stray)
    })
}

#[track_caller]
fn converts_to(code: &str, expected: &str) {
    let (out, stray) = convert(code);
    assert_eq!(stray, None, "exception left pending by converting {code}");
    assert_eq!(out.as_deref(), Ok(expected), "converting {code}");
}

#[test]
fn plain_values_leave_nothing_pending() {
    for (code, expected) in [
        ("undefined", "Undefined"),
        ("null", "Null"),
        ("true", "Bool(true)"),
        ("42", "Int(42)"),
        ("1.5", "Float(1.5)"),
        ("'s'", "String(\"s\")"),
        ("10n", "BigInt(\"10\")"),
        ("[1, [2]]", "Array([Int(1), Array([Int(2)])])"),
        ("(() => function f() {})()", "Function(1)"),
        ("Promise.resolve(1)", "Promise(1)"),
    ] {
        converts_to(code, expected);
    }
}

#[test]
fn objects_leave_nothing_pending() {
    for (code, expected) in [
        ("({a: 1})", "Object([(\"a\", Int(1))])"),
        ("({a: {b: [1]}})", "Object([(\"a\", Object([(\"b\", Array([Int(1)]))]))])"),
        ("[{}]", "Array([Object([])])"),
        ("new Map([[1, 2]])", "Object([])"),
        ("new Error('x')", "Object([])"),
        ("new (class A { constructor() { this.k = 1 } })()", "Object([(\"k\", Int(1))])"),
        ("new Proxy({p: 1}, {})", "Object([(\"p\", Int(1))])"),
        ("new Set([1])", "Set([Int(1)])"),
        ("new Date(5)", "Date(5.0)"),
        ("new (class D extends Date {})(6)", "Date(6.0)"),
        ("new DataView(new ArrayBuffer(2))", "Object([])"),
        ("new Int16Array([3])", "Object([(\"0\", Int(3))])"),
    ] {
        converts_to(code, expected);
    }
}

#[test]
fn bytes_leave_nothing_pending() {
    for (code, expected) in [
        ("new Uint8Array([1, 2])", "Bytes([1, 2])"),
        ("new Uint8Array([1, 2, 3, 4]).subarray(1, 3)", "Bytes([2, 3])"),
        ("new Uint8Array([7]).buffer", "Bytes([7])"),
        ("new ArrayBuffer(0)", "Bytes([])"),
        ("new SharedArrayBuffer(2)", "Bytes([0, 0])"),
        // Detached and out-of-bounds views read as empty (reading them throws in QuickJS).
        ("(() => { const b = new ArrayBuffer(4); b.transfer(); return b; })()", "Bytes([])"),
        (
            "(() => { const b = new ArrayBuffer(4); const u = new Uint8Array(b); b.transfer(); return u; })()",
            "Bytes([])",
        ),
        (
            "(() => { const b = new ArrayBuffer(4, {maxByteLength: 8}); \
             const u = new Uint8Array(b, 2, 2); b.resize(1); return u; })()",
            "Bytes([])",
        ),
    ] {
        converts_to(code, expected);
    }
}

#[test]
fn conversion_errors_leave_nothing_pending() {
    let (out, stray) = convert("Symbol('s')");
    assert_eq!(stray, None);
    assert!(matches!(out, Err(ref m) if m.starts_with("conv:")), "{out:?}");
    let (out, stray) = convert("(() => { const o = {}; o.o = o; return o; })()");
    assert_eq!(stray, None);
    assert!(matches!(out, Err(ref m) if m.contains("circular")), "{out:?}");
}

#[test]
fn user_code_does_not_take_part_in_type_checks() {
    // `instanceof` would run user code (Symbol.hasInstance, a proxy's getPrototypeOf),
    // and rquickjs reads its failure as `true`, leaving the exception pending.
    let (out, stray) = convert(
        "Object.defineProperty(Set, Symbol.hasInstance, { value() { throw new Error('mine') } }); ({})",
    );
    assert_eq!(stray, None);
    assert_eq!(out.as_deref(), Ok("Object([])"), "a plain object");
}

#[test]
fn a_throwing_getter_is_a_conversion_error_naming_it() {
    let (out, stray) = convert("({ get bad() { throw new Error('inside') } })");
    assert_eq!(stray, None);
    assert_eq!(out, Err("conv: Failed to get property 'bad'".into()));
}

#[test]
fn each_lone_surrogate_is_one_replacement_character() {
    converts_to("'a\\ud800b'", "String(\"a\u{FFFD}b\")");
    converts_to("'\\udc00\\ud800'", "String(\"\u{FFFD}\u{FFFD}\")");
    converts_to("'\\ud83d\\ude00'", "String(\"\u{1F600}\")");
}
