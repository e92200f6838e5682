//! Compiling, running and (de)serialising QuickJS bytecode of classic scripts: what
//! `eval`'s compile cache, snapshots and the stream polyfill all need.

use rquickjs::{qjs, Ctx, Exception, Value as JsValue};
use std::ffi::CString;

/// A fresh, owned value of `ctx`, or `Error::Exception` (left pending).
fn check<'js>(ctx: &Ctx<'js>, raw: qjs::JSValue) -> rquickjs::Result<JsValue<'js>> {
    // SAFETY: `raw` is a fresh, owned value of this context (or the exception marker).
    if unsafe { qjs::JS_IsException(raw) } {
        return Err(rquickjs::Error::Exception);
    }
    Ok(unsafe { JsValue::from_raw(ctx.clone(), raw) })
}

/// Parses and compiles `source` as a sloppy-mode global script named `name`, without
/// running it.
pub(crate) fn compile<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    source: &str,
) -> rquickjs::Result<JsValue<'js>> {
    let Ok(fname) = CString::new(name) else {
        return Err(Exception::throw_type(
            ctx,
            "script name must not contain NUL characters",
        ));
    };
    let mut src = Vec::with_capacity(source.len() + 1);
    src.extend_from_slice(source.as_bytes());
    src.push(0); // JS_Eval wants a terminated buffer; the length covers interior NULs
    let flags = (qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY) as i32;
    // SAFETY: `src` is NUL-terminated and outlives the call; `fname` is a C string.
    let raw = unsafe {
        qjs::JS_Eval(
            ctx.as_raw().as_ptr(),
            src.as_ptr().cast(),
            source.len() as _,
            fname.as_ptr(),
            flags,
        )
    };
    check(ctx, raw)
}

/// Runs a compiled script and returns its completion value; the compiled function
/// stays the caller's (it may run again).
pub(crate) fn run<'js>(ctx: &Ctx<'js>, f: &JsValue<'js>) -> rquickjs::Result<JsValue<'js>> {
    let p = ctx.as_raw().as_ptr();
    // SAFETY: `JS_EvalFunction` consumes one reference: it gets a new one.
    let raw = unsafe { qjs::JS_EvalFunction(p, qjs::JS_DupValue(p, f.as_raw())) };
    check(ctx, raw)
}

/// The bytecode of a compiled script, as bytes.
pub(crate) fn write<'js>(ctx: &Ctx<'js>, f: &JsValue<'js>) -> rquickjs::Result<Vec<u8>> {
    let p = ctx.as_raw().as_ptr();
    let mut len: qjs::size_t = 0;
    // SAFETY: `f` is a compiled function of this context; the buffer is freed below.
    let buf =
        unsafe { qjs::JS_WriteObject(p, &mut len, f.as_raw(), qjs::JS_WRITE_OBJ_BYTECODE as i32) };
    if buf.is_null() {
        return Err(rquickjs::Error::Exception);
    }
    // SAFETY: QuickJS returned `len` bytes at `buf`, ours to free with `js_free`.
    let bytes = unsafe {
        let v = std::slice::from_raw_parts(buf, len as usize).to_vec();
        qjs::js_free(p, buf.cast());
        v
    };
    Ok(bytes)
}

/// A compiled script back from [`write`]'s bytes.
///
/// # Safety
/// QuickJS trusts bytecode: the bytes must come from [`write`] of this same engine
/// build (in this process, or through a verified snapshot image).
pub(crate) unsafe fn read<'js>(ctx: &Ctx<'js>, bytecode: &[u8]) -> rquickjs::Result<JsValue<'js>> {
    let raw = unsafe {
        qjs::JS_ReadObject(
            ctx.as_raw().as_ptr(),
            bytecode.as_ptr(),
            bytecode.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        )
    };
    check(ctx, raw)
}
