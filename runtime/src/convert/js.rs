//! `Value` <-> JS, on the engine thread. Never touches Python.

use crate::value::{Budget, ConvError, HostFn, Limits, Value};
use rquickjs::function::This;
use rquickjs::{
    qjs, Array, ArrayBuffer, Ctx, Function, Object, Promise, TypedArray, Value as JsValue,
};
use std::collections::HashSet;
use std::sync::Arc;

/// What the conversions need from the engine: handle tables and constructors.
pub trait JsEnv<'js> {
    fn ctx(&self) -> &Ctx<'js>;
    fn register_function(&self, f: Function<'js>, this: JsValue<'js>) -> u64;
    fn register_promise(&self, p: Promise<'js>) -> u64;
    fn function(&self, id: u64) -> Option<Function<'js>>;
    fn host_function(&self, host: Arc<HostFn>) -> rquickjs::Result<Function<'js>>;
    fn builtins(&self) -> &Builtins<'js>;
    /// A `ReadableStream` leaving JS: registered under a new id; `None` for other objects.
    /// Telling one apart may run user code (`instanceof`): its error is pending on `Err`.
    fn register_stream(&self, _obj: &Object<'js>) -> rquickjs::Result<Option<u64>> {
        Ok(None)
    }
    /// A stream entering JS: `Value::JsStream` (the original stream) or `Value::PyStream`.
    fn stream_to_js(&self, _v: &Value) -> rquickjs::Result<JsValue<'js>> {
        Err(rquickjs::Error::new_into_js_message(
            "stream",
            "ReadableStream",
            "streams are not supported here",
        ))
    }
}

/// Constructors and helpers looked up once at start-up (user code may overwrite the
/// globals; conversions keep working with the originals).
pub struct Builtins<'js> {
    pub array_from: Function<'js>,
    pub bigint: Function<'js>,
    pub date_get_time: Function<'js>,
    pub new_set: Function<'js>,
    pub new_date: Function<'js>,
    pub string: Function<'js>,
    /// QuickJS exports no constant for it (`JS_IsArrayBuffer` covers plain ones only).
    shared_array_buffer_class: qjs::JSClassID,
}

impl<'js> Builtins<'js> {
    pub fn new(ctx: &Ctx<'js>) -> rquickjs::Result<Self> {
        let g = ctx.globals();
        let date: Object = g.get("Date")?;
        let array: Object = g.get("Array")?;
        let array_from: Function = array.get("from")?;
        let bigint: Function = g.get("BigInt")?;
        let proto: Object = date.get("prototype")?;
        let date_get_time: Function = proto.get("getTime")?;
        // Bound to the original constructors: user code may overwrite the globals.
        let new_set: Function = ctx.eval("((S) => function (a) { return new S(a); })(Set)")?;
        let new_date: Function = ctx.eval("((D) => function (ms) { return new D(ms); })(Date)")?;
        let string: Function = g.get("String")?;
        let sab: Object = ctx.eval("new SharedArrayBuffer(0)")?;
        Ok(Builtins {
            array_from,
            bigint,
            date_get_time,
            new_set,
            new_date,
            string,
            shared_array_buffer_class: unsafe { qjs::JS_GetClassID(sab.as_raw()) },
        })
    }

    /// The bytes of a `Uint8Array`, `ArrayBuffer` or `SharedArrayBuffer`; `None` for
    /// any other object. Detached buffers and out-of-bounds views read as empty.
    ///
    /// The type is told by the object's class, which neither throws nor runs user code:
    /// rquickjs' `ArrayBuffer::from_object` throws into the context for every other
    /// object and leaves the exception pending (QuickJS keeps it per runtime, and a
    /// later module lookup takes it for its own failure).
    fn bytes(&self, obj: &Object<'_>) -> Option<Vec<u8>> {
        let raw = obj.as_raw();
        let data = if obj.is_typed_array::<u8>() {
            TypedArray::<u8>::from_object(obj.clone()).ok()?.as_raw()
        } else if unsafe {
            qjs::JS_IsArrayBuffer(raw) || qjs::JS_GetClassID(raw) == self.shared_array_buffer_class
        } {
            ArrayBuffer::from_value(obj.clone().into_value()).and_then(|ab| ab.as_raw())
        } else {
            return None;
        };
        Some(match data {
            Some(p) => unsafe { p.as_ref() }.to_vec(),
            None => {
                // Detached or out of bounds: the read threw. Not an error here.
                drop(obj.ctx().catch());
                Vec::new()
            }
        })
    }
}

/// `obj instanceof class`, which may run user code (`Symbol.hasInstance`, a proxy's
/// `getPrototypeOf`): its error is pending on `Err` (rquickjs' `is_instance_of` reads
/// a failure as `true` and leaves the exception pending).
pub fn instance_of<'js>(obj: &Object<'js>, class: &Object<'js>) -> rquickjs::Result<bool> {
    let ctx = obj.ctx();
    match unsafe { qjs::JS_IsInstanceOf(ctx.as_raw().as_ptr(), obj.as_raw(), class.as_raw()) } {
        r if r < 0 => Err(rquickjs::Error::Exception),
        r => Ok(r > 0),
    }
}

/// Reads a JS string, lossy for lone surrogates (QuickJS hands them out as WTF-8).
pub fn js_string(s: &rquickjs::String<'_>) -> Result<String, ConvError> {
    // A failed read (out of memory) threw: the error returned says it instead.
    let unreadable = || {
        drop(s.ctx().catch());
        ConvError::Other("cannot read JS string".into())
    };
    match s.to_string() {
        Ok(s) => Ok(s),
        Err(rquickjs::Error::Unknown) => Err(unreadable()),
        Err(rquickjs::Error::Utf8(_)) => unsafe {
            let mut len = std::mem::MaybeUninit::uninit();
            let ctx = s.ctx().as_raw().as_ptr();
            let ptr = qjs::JS_ToCStringLen(ctx, len.as_mut_ptr(), s.as_raw());
            if ptr.is_null() {
                return Err(unreadable());
            }
            let bytes = std::slice::from_raw_parts(ptr as *const u8, len.assume_init());
            let out = lossy_wtf8(bytes);
            qjs::JS_FreeCString(ctx, ptr);
            Ok(out)
        },
        Err(e) => Err(ConvError::Other(e.to_string())),
    }
}

/// QuickJS writes a lone surrogate as its 3-byte (WTF-8) form: each becomes one
/// U+FFFD, as in the published jsrun (plain lossy UTF-8 decoding would make 3).
fn lossy_wtf8(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        let lone = rest.iter().enumerate().position(|(i, &b)| {
            b == 0xED
                && matches!(rest.get(i + 1), Some(0xA0..=0xBF))
                && matches!(rest.get(i + 2), Some(0x80..=0xBF))
        });
        let end = lone.unwrap_or(rest.len());
        out.push_str(&String::from_utf8_lossy(&rest[..end]));
        if lone.is_some() {
            out.push('\u{FFFD}');
            rest = &rest[end + 3..];
        } else {
            rest = &[];
        }
    }
    out
}

/// `arr.length`. rquickjs' `Array::len` panics from 2**31 on (not an int then).
fn array_len(arr: &Array<'_>) -> rquickjs::Result<usize> {
    let len: f64 = arr.as_object().get("length")?;
    Ok(len as usize)
}

fn obj_id(v: &JsValue<'_>) -> usize {
    unsafe { qjs::JS_VALUE_GET_PTR(v.as_raw()) as usize }
}

/// JS errors raised during a conversion are kept apart from conversion errors.
pub enum ToValueError {
    Conv(ConvError),
    /// JS threw (a getter, say): the exception is pending on the context.
    Js(rquickjs::Error),
}

impl From<ConvError> for ToValueError {
    fn from(e: ConvError) -> Self {
        ToValueError::Conv(e)
    }
}
impl From<rquickjs::Error> for ToValueError {
    fn from(e: rquickjs::Error) -> Self {
        ToValueError::Js(e)
    }
}

/// JS -> `Value`.
pub struct ToValue<'e, 'js, E: JsEnv<'js>> {
    env: &'e E,
    budget: Budget,
    path: HashSet<usize>,
    _m: std::marker::PhantomData<&'js ()>,
}

impl<'e, 'js, E: JsEnv<'js>> ToValue<'e, 'js, E> {
    pub fn new(env: &'e E, limits: Limits) -> Self {
        ToValue {
            env,
            budget: Budget::new(limits),
            path: HashSet::new(),
            _m: std::marker::PhantomData,
        }
    }

    pub fn convert(&mut self, v: JsValue<'js>) -> Result<Value, ToValueError> {
        self.go(v, JsValue::new_undefined(self.env.ctx().clone()), 0)
    }

    /// The converted elements of an array (an Array, or a Set's `Array.from`).
    fn elements(&mut self, arr: &Array<'js>, depth: usize) -> Result<Vec<Value>, ToValueError> {
        let len = array_len(arr)?;
        let mut out = Vec::with_capacity(len.min(1 << 16));
        for i in 0..len {
            let item: JsValue = arr.get(i)?;
            out.push(self.go(
                item,
                JsValue::new_undefined(self.env.ctx().clone()),
                depth + 1,
            )?);
        }
        Ok(out)
    }

    fn go(
        &mut self,
        v: JsValue<'js>,
        this: JsValue<'js>,
        depth: usize,
    ) -> Result<Value, ToValueError> {
        self.budget.depth(depth)?;
        self.budget.charge(8)?;
        use rquickjs::Type as T;
        Ok(match v.type_of() {
            T::Uninitialized | T::Undefined => Value::Undefined,
            T::Null => Value::Null,
            T::Bool => Value::Bool(v.as_bool().unwrap_or(false)),
            T::Int => Value::Int(v.as_int().unwrap_or(0) as i64),
            T::Float => {
                let f = v.as_float().unwrap_or(f64::NAN);
                if f.is_finite()
                    && f.fract() == 0.0
                    && (-9.223372036854776e18..9.223372036854776e18).contains(&f)
                {
                    Value::Int(f as i64)
                } else {
                    Value::Float(f)
                }
            }
            T::BigInt => {
                let s: rquickjs::String = self.env.builtins().string.call((v,))?;
                let s = js_string(&s)?;
                self.budget.charge(s.len())?;
                Value::BigInt(s)
            }
            T::String => {
                let s = v
                    .as_string()
                    .map(js_string)
                    .transpose()?
                    .unwrap_or_default();
                self.budget.charge(s.len())?;
                Value::String(s)
            }
            T::Symbol => return Err(ConvError::Unsupported("symbol".into()).into()),
            T::Function | T::Constructor => {
                let f = Function::from_value(v)?;
                Value::Function(self.env.register_function(f, this))
            }
            T::Promise => {
                let p = Promise::from_value(v)?;
                Value::Promise(self.env.register_promise(p))
            }
            T::Array => {
                let id = obj_id(&v);
                if !self.path.insert(id) {
                    return Err(ConvError::Circular.into());
                }
                let out = self.elements(&Array::from_value(v)?, depth)?;
                self.path.remove(&id);
                Value::Array(out)
            }
            T::Object | T::Exception | T::Proxy => {
                let id = obj_id(&v);
                let obj = Object::from_value(v.clone())?;
                let b = self.env.builtins();
                if let Some(bytes) = b.bytes(&obj) {
                    self.budget.charge(bytes.len())?;
                    return Ok(Value::Bytes(bytes));
                }
                // Class checks (a subclass counts; no user code runs).
                if unsafe { qjs::JS_IsDate(obj.as_raw()) } {
                    let ms: f64 = b.date_get_time.call((This(obj),))?;
                    return Ok(Value::Date(ms));
                }
                if let Some(id) = self.env.register_stream(&obj)? {
                    return Ok(Value::JsStream(id));
                }
                if !self.path.insert(id) {
                    return Err(ConvError::Circular.into());
                }
                let out = if unsafe { qjs::JS_IsSet(obj.as_raw()) } {
                    let arr: Array = b.array_from.call((obj,))?;
                    Value::Set(self.elements(&arr, depth)?)
                } else {
                    let mut out = Vec::new();
                    for key in obj.keys::<rquickjs::Atom>() {
                        let key = key?;
                        let name = js_string(&key.to_js_string()?)?;
                        self.budget.charge(name.len())?;
                        // A throwing getter: a conversion error naming the property, as
                        // in the published jsrun (its JS exception is dropped).
                        let item: JsValue = match obj.get(key) {
                            Ok(item) => item,
                            Err(rquickjs::Error::Exception) => {
                                let thrown = self.env.ctx().catch();
                                if thrown.is_uncatchable_error() {
                                    // An interrupt (timeout, terminate): it stays one.
                                    return Err(self.env.ctx().throw(thrown).into());
                                }
                                return Err(ConvError::Other(format!(
                                    "Failed to get property '{name}'"
                                ))
                                .into());
                            }
                            Err(e) => return Err(e.into()),
                        };
                        let val = self.go(item, obj.clone().into_value(), depth + 1)?;
                        out.push((name, val));
                    }
                    Value::Object(out)
                };
                self.path.remove(&id);
                out
            }
            other => return Err(ConvError::Unsupported(other.as_str().to_string()).into()),
        })
    }
}

/// `Value` -> JS.
pub fn to_js<'js, E: JsEnv<'js>>(
    env: &E,
    v: &Value,
    depth: usize,
    limit: usize,
) -> rquickjs::Result<JsValue<'js>> {
    let ctx = env.ctx().clone();
    if depth > limit {
        return Err(rquickjs::Error::new_into_js_message(
            "value",
            "JS",
            ConvError::Depth(limit).to_string(),
        ));
    }
    Ok(match v {
        Value::Undefined => JsValue::new_undefined(ctx),
        Value::Null => JsValue::new_null(ctx),
        Value::Bool(b) => JsValue::new_bool(ctx, *b),
        Value::Int(i) => match i32::try_from(*i) {
            Ok(i) => JsValue::new_int(ctx, i),
            Err(_) => JsValue::new_float(ctx, *i as f64),
        },
        Value::Float(f) => JsValue::new_float(ctx, *f),
        Value::BigInt(s) => {
            let js = rquickjs::String::from_str(ctx, s)?;
            env.builtins().bigint.call((js,))?
        }
        Value::String(s) => rquickjs::String::from_str(ctx, s)?.into_value(),
        Value::Bytes(b) => TypedArray::<u8>::new_copy(ctx, b.as_slice())?.into_value(),
        Value::Array(items) => {
            let arr = Array::new(ctx)?;
            for (i, item) in items.iter().enumerate() {
                arr.set(i, to_js(env, item, depth + 1, limit)?)?;
            }
            arr.into_value()
        }
        Value::Object(entries) => {
            let obj = Object::new(ctx)?;
            for (k, item) in entries {
                obj.set(k.as_str(), to_js(env, item, depth + 1, limit)?)?;
            }
            obj.into_value()
        }
        Value::Set(items) => {
            let arr = Array::new(ctx)?;
            for (i, item) in items.iter().enumerate() {
                arr.set(i, to_js(env, item, depth + 1, limit)?)?;
            }
            env.builtins().new_set.call((arr,))?
        }
        Value::Date(ms) => env.builtins().new_date.call((*ms,))?,
        Value::Function(id) => match env.function(*id) {
            Some(f) => f.into_value(),
            None => {
                return Err(rquickjs::Error::new_into_js_message(
                    "JsFunction",
                    "function",
                    "Function has been closed",
                ))
            }
        },
        Value::Promise(_) => {
            return Err(rquickjs::Error::new_into_js_message(
                "promise",
                "JS",
                "a promise handle cannot be passed back",
            ))
        }
        Value::HostFunction(h) => env.host_function(h.clone())?.into_value(),
        Value::JsStream(_) | Value::PyStream(_) => env.stream_to_js(v)?,
    })
}

#[cfg(test)]
#[path = "js_tests.rs"]
mod tests;
