//! ES modules on the engine thread: resolution, loading and evaluation.
//!
//! QuickJS loads a module's whole import graph while *compiling* it, through two
//! runtime-wide callbacks (normalize = resolve, loader = source -> module). Two facts
//! shape this file:
//!
//! * A compile that fails half-way can leave a module that completed earlier pointing
//!   at the freed definition of an importer in the same cycle (QuickJS frees only the
//!   failing module). So nothing is compiled in the main context until the whole graph
//!   is known to compile: a *discovery* pass first compiles the graph in a throw-away
//!   context, fetching every source (Python resolver/loader, static modules) into a
//!   cache; only then is the graph compiled again in the main context, from the cache,
//!   with no Python call and no way to fail half-way.
//! * A source may come from an awaitable (async loader). The engine thread never waits
//!   for Python: discovery schedules the awaitable on an event loop (the caller's for
//!   `eval_module_async`, jsrun's background loop for a sync `eval_module`), puts a
//!   placeholder module in its place and parks the request; each result comes back as
//!   a `Settle` command, and once none is missing discovery runs again.

use super::core::{describe, State, Waiter};
use crate::command::{EngineError, ModuleChange, Outcome, SettleError};
use crate::python::host::{self, HostOutcome};
use crate::value::{HostFn, Value};
use rquickjs::{qjs, Ctx, Function, Promise, Value as JsValue};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the engine knows about modules (all plain data, no Python object but the
/// registered callables).
#[derive(Default)]
pub(super) struct Registry {
    statics: HashMap<String, String>,
    resolver: Option<Arc<HostFn>>,
    loader: Option<Arc<HostFn>>,
    /// (referrer, specifier) -> resolved name; kept: the same pair must always give
    /// the same module.
    resolved: HashMap<(String, String), String>,
    /// First referrer of each resolved name, for error messages.
    referrers: HashMap<String, String>,
    /// Resolved name -> source, as fetched.
    sources: HashMap<String, String>,
    /// Modules compiled in the main context (QuickJS keeps them for the context's life).
    declared: HashMap<String, NonNull<qjs::JSModuleDef>>,
    /// Awaitable sources on their way: promise id -> (name, requests waiting for it).
    fetches: HashMap<u64, (String, Vec<u64>)>,
    in_flight: HashMap<String, u64>,
    /// Requests waiting for sources, by sequence number.
    ops: HashMap<u64, Op>,
    /// Discovery passes running (nested when a loader calls back into the runtime).
    discovery: Vec<Discovery>,
    /// Nesting of main-context compiles whose graph discovery has checked.
    verified: usize,
    /// The last resolution/loading failure thrown into JS (jsrun's own text, reported
    /// as it is; any other error while loading is the engine's, "Uncaught Name: ...").
    last_failure: Option<String>,
    /// Entry modules evaluated once: evaluating one again gives its cached outcome.
    evaluated: HashSet<String>,
}

/// The resolved name of static module `name` (as the published jsrun names them).
const STATIC_PREFIX: &str = "jsrun://static/";

fn static_url(name: &str) -> String {
    format!("{STATIC_PREFIX}{name}")
}

/// A module that could not be resolved, fetched, compiled or linked (a `RuntimeError`,
/// worded as the published jsrun does); `specifier` is the one `eval_module` got.
fn load_error(specifier: &str, detail: &str) -> EngineError {
    EngineError::ModuleLoad(format!("Failed to load module '{specifier}': {detail}"))
}

/// The Python type name of a converted value, for "'T' object cannot be cast as 'str'".
fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Undefined => "JsUndefined",
        Value::Null => "NoneType",
        Value::Date(_) => "datetime.datetime",
        other => kind(other),
    }
}

fn not_a_string(what: &str, v: &Value) -> String {
    format!("{what}: TypeError: '{}' object cannot be cast as 'str'", py_type(v))
}

pub(super) struct Op {
    /// As `eval_module` got it (for messages), and resolved.
    specifier: String,
    name: String,
    deadline: Option<Instant>,
    done: Waiter,
    waiting: HashSet<u64>,
    failed: Option<String>,
    /// Runs inside a Python handler's re-entrant call: cannot be parked.
    inline: bool,
    timer_armed: bool,
}

struct Discovery {
    ctx: *mut qjs::JSContext,
    event_loop: Option<Arc<pyo3::Py<pyo3::PyAny>>>,
    scheduled: Vec<u64>,
}

enum Fetched {
    Source(String),
    Scheduled(u64),
    Failed(String),
}

/// The engine state seen from the C callbacks.
pub(super) trait ModuleHost {
    fn normalize(&self, ctx: *mut qjs::JSContext, base: &str, spec: &str) -> Option<String>;
    fn load(&self, ctx: *mut qjs::JSContext, name: &str) -> *mut qjs::JSModuleDef;
}

thread_local! {
    static HOST: Cell<Option<*const (dyn ModuleHost + 'static)>> = const { Cell::new(None) };
}

/// Routes this runtime's module callbacks to `host` (the engine thread's state).
pub(super) fn install<'a>(ctx: &Ctx<'_>, host: &'a (dyn ModuleHost + 'a)) {
    let ptr: *const (dyn ModuleHost + 'a) = host;
    // SAFETY: dereferenced only on this thread by the callbacks, which QuickJS calls
    // only while the engine runs JS or compiles; `uninstall` clears it before the
    // state goes away.
    let ptr: *const (dyn ModuleHost + 'static) = unsafe { std::mem::transmute(ptr) };
    HOST.with(|h| h.set(Some(ptr)));
    unsafe {
        let rt = qjs::JS_GetRuntime(ctx.as_raw().as_ptr());
        qjs::JS_SetModuleLoaderFunc2(rt, None, Some(load_raw), None, std::ptr::null_mut());
        qjs::JS_SetModuleNormalizeFunc2(rt, Some(normalize_raw));
    }
}

pub(super) fn uninstall() {
    HOST.with(|h| h.set(None));
}

unsafe fn c_str(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    CStr::from_ptr(p).to_string_lossy().into_owned()
}

/// Drops the exception a call just threw, where its failure is not an error.
fn clear_exception(ctx: *mut qjs::JSContext) {
    unsafe {
        if qjs::JS_HasException(ctx) {
            qjs::JS_FreeValue(ctx, qjs::JS_GetException(ctx));
        }
    }
}

/// Throws `Error(message)` (with `name`) into `ctx`.
fn throw(ctx: *mut qjs::JSContext, name: &str, message: &str) {
    unsafe {
        let err = qjs::JS_NewError(ctx);
        if qjs::JS_IsException(err) {
            return;
        }
        let m = message.replace('\0', "");
        let n = name.replace('\0', "");
        let mv = qjs::JS_NewStringLen(ctx, m.as_ptr().cast(), m.len() as _);
        qjs::JS_SetPropertyStr(ctx, err, c"message".as_ptr(), mv);
        let nv = qjs::JS_NewStringLen(ctx, n.as_ptr().cast(), n.len() as _);
        qjs::JS_SetPropertyStr(ctx, err, c"name".as_ptr(), nv);
        qjs::JS_Throw(ctx, err);
    }
}

fn guard<T>(ctx: *mut qjs::JSContext, fail: T, f: impl FnOnce(&dyn ModuleHost) -> T) -> T {
    let Some(host) = HOST.with(|h| h.get()) else {
        throw(ctx, "Error", "module loading is not available here");
        return fail;
    };
    // SAFETY: see `install`.
    let host = unsafe { &*host };
    // A panic must not cross the C frames above us.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(host))).unwrap_or_else(|_| {
        throw(ctx, "InternalError", "internal error while loading a module");
        fail
    })
}

unsafe extern "C" fn normalize_raw(
    ctx: *mut qjs::JSContext,
    base: *const c_char,
    name: *const c_char,
    _attributes: qjs::JSValue,
    _opaque: *mut c_void,
) -> *mut c_char {
    let (base, name) = (c_str(base), c_str(name));
    guard(ctx, std::ptr::null_mut(), |h| match h.normalize(ctx, &base, &name) {
        Some(r) => {
            let r = r.replace('\0', "");
            qjs::js_strndup(ctx, r.as_ptr().cast(), r.len() as _)
        }
        None => std::ptr::null_mut(),
    })
}

unsafe extern "C" fn load_raw(
    ctx: *mut qjs::JSContext,
    name: *const c_char,
    _opaque: *mut c_void,
    _attributes: qjs::JSValue,
) -> *mut qjs::JSModuleDef {
    let name = c_str(name);
    guard(ctx, std::ptr::null_mut(), |h| h.load(ctx, &name))
}

/// Compiles `source` as module `name` in `ctx`; on failure the exception is pending.
fn compile(ctx: *mut qjs::JSContext, name: &str, source: &str) -> Option<NonNull<qjs::JSModuleDef>> {
    let cname = CString::new(name.replace('\0', "")).ok()?;
    let mut src = source.as_bytes().to_vec();
    src.push(0);
    let flags = qjs::JS_EVAL_TYPE_MODULE | qjs::JS_EVAL_FLAG_STRICT | qjs::JS_EVAL_FLAG_COMPILE_ONLY;
    unsafe {
        let v = qjs::JS_Eval(ctx, src.as_ptr().cast(), source.len() as _, cname.as_ptr(), flags as i32);
        if qjs::JS_IsException(v) {
            return None;
        }
        // The module value's reference stays with the module list (like `Module::declare`).
        NonNull::new(qjs::JS_VALUE_GET_PTR(v).cast())
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Undefined => "undefined",
        Value::Null => "None",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::BigInt(_) => "int",
        Value::Float(_) => "float",
        Value::String(_) => "str",
        Value::Bytes(_) => "bytes",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
        Value::Set(_) => "set",
        Value::Date(_) => "datetime",
        Value::Function(_) | Value::HostFunction(_) => "function",
        Value::Promise(_) => "promise",
        Value::JsStream(_) => "JsStream",
        Value::PyStream(_) => "PyStreamSource",
    }
}

impl<'js> ModuleHost for State<'js> {
    fn normalize(&self, ctx: *mut qjs::JSContext, base: &str, spec: &str) -> Option<String> {
        match self.resolve_module(base, spec) {
            Ok(r) => Some(r),
            Err(msg) => {
                self.fail_load(ctx, msg);
                None
            }
        }
    }

    fn load(&self, ctx: *mut qjs::JSContext, name: &str) -> *mut qjs::JSModuleDef {
        if ctx == self.ctx.as_raw().as_ptr() {
            return self.load_main(name);
        }
        let top = self.modules.borrow().discovery.last().map(|d| d.ctx);
        if top == Some(ctx) {
            return self.load_discovery(ctx, name);
        }
        throw(ctx, "Error", &format!("Cannot load module '{name}' in this context"));
        std::ptr::null_mut()
    }
}

impl<'js> State<'js> {
    /// Throws jsrun's own resolution/loading failure `msg` into `ctx`.
    fn fail_load(&self, ctx: *mut qjs::JSContext, msg: String) {
        throw(ctx, "TypeError", &msg);
        self.modules.borrow_mut().last_failure = Some(msg);
    }

    /// An error from loading `specifier`'s graph as the caller sees it: a failure of
    /// jsrun's as it is, an engine error (syntax, linking) as "Uncaught Name: message".
    fn loading_failed(&self, specifier: &str, e: EngineError) -> EngineError {
        match e {
            EngineError::Js(info) => {
                let ours = self.modules.borrow_mut().last_failure.take();
                // (`annotate` may have added the importer's name to it since.)
                if let Some(ours) = ours.filter(|o| info.message.starts_with(o.as_str())) {
                    load_error(specifier, &ours)
                } else {
                    load_error(specifier, &format!("Uncaught {}: {}", info.name, info.message))
                }
            }
            other => other,
        }
    }

    /// `set_module_resolver` / `set_module_loader` / `add_static_module`.
    pub(super) fn configure_modules(&self, change: ModuleChange) -> Value {
        let mut m = self.modules.borrow_mut();
        match change {
            ModuleChange::Resolver(h) => {
                if let Some(h) = &h {
                    self.hosts.borrow_mut().push(h.clone());
                }
                m.resolver = h;
            }
            ModuleChange::Loader(h) => {
                if let Some(h) = &h {
                    self.hosts.borrow_mut().push(h.clone());
                }
                m.loader = h;
            }
            ModuleChange::Static { name, source } => {
                m.sources.insert(static_url(&name), source.clone());
                m.statics.insert(name, source);
            }
        }
        Value::Undefined
    }

    /// Resolution: the Python resolver first (`referrer` "." for an entry module); `None`
    /// or `""` from it (or no resolver) falls back to static modules (by bare name or
    /// `static:name`). Anything else, relative specifiers too, is denied. The messages
    /// are the published jsrun's.
    pub(super) fn resolve_module(&self, base: &str, spec: &str) -> Result<String, String> {
        let key = (base.to_string(), spec.to_string());
        if let Some(r) = self.modules.borrow().resolved.get(&key) {
            return Ok(r.clone());
        }
        let resolver = self.modules.borrow().resolver.clone();
        let has_resolver = resolver.is_some();
        let mut found = None;
        if let Some(res) = resolver {
            let referrer = if base.is_empty() { "." } else { base };
            let args = vec![Value::String(spec.to_string()), Value::String(referrer.to_string())];
            match self.python_call(&res, args, None)?.0 {
                HostOutcome::Value(Value::String(s)) if !s.is_empty() => found = Some(s),
                HostOutcome::Value(Value::String(_) | Value::Null | Value::Undefined) => {}
                HostOutcome::Value(v) => {
                    return Err(not_a_string("Module resolver must return a string or None", &v))
                }
                HostOutcome::Error { name, message } => {
                    return Err(format!("Module resolution failed for {spec}: {name}: {message}"))
                }
                HostOutcome::Scheduled => {
                    return Err("Module resolver must return a string or None: TypeError: \
                                'coroutine' object cannot be cast as 'str'"
                        .into())
                }
                HostOutcome::Unavailable(m) => return Err(m),
            }
        }
        let resolved = match found {
            Some(s) => s,
            None => {
                let m = self.modules.borrow();
                let bare = spec.strip_prefix("static:").unwrap_or(spec);
                if m.statics.contains_key(spec) || m.statics.contains_key(bare) {
                    static_url(if m.statics.contains_key(spec) { spec } else { bare })
                } else if spec.starts_with(STATIC_PREFIX) && m.sources.contains_key(spec) {
                    spec.to_string()
                } else if has_resolver {
                    return Err(format!(
                        "Module resolution denied for {spec}. Resolver returned None and no static module was found."
                    ));
                } else {
                    return Err(format!(
                        "Module resolution denied for {spec}. Did you call add_static_module()?"
                    ));
                }
            }
        };
        let mut m = self.modules.borrow_mut();
        m.resolved.insert(key, resolved.clone());
        m.referrers
            .entry(resolved.clone())
            .or_insert_with(|| base.to_string());
        Ok(resolved)
    }

    /// Calls a registered Python callable (resolver/loader), attached for the call only.
    fn python_call(
        &self,
        host: &Arc<HostFn>,
        args: Vec<Value>,
        event_loop: Option<Arc<pyo3::Py<pyo3::PyAny>>>,
    ) -> Result<(HostOutcome, u64), String> {
        let Some(handle) = self.handle.upgrade() else {
            return Err("runtime closed".into());
        };
        let id = self.new_id();
        let out = self.host_scope(|| host::call(&handle, host, args, id, event_loop));
        if let HostOutcome::Scheduled = out {
            // Its `Settle` comes back through the engine like an async handler's.
            self.stats.borrow_mut().active_async_ops += 1;
        }
        Ok((out, id))
    }

    /// The source of `name`, from the cache, a static module or the Python loader.
    fn fetch(&self, name: &str) -> Fetched {
        if let Some(s) = self.modules.borrow().sources.get(name) {
            return Fetched::Source(s.clone());
        }
        if let Some(&id) = self.modules.borrow().in_flight.get(name) {
            return Fetched::Scheduled(id);
        }
        let Some(loader) = self.modules.borrow().loader.clone() else {
            return Fetched::Failed(format!(
                "Module loading denied for {name}. Did you call set_module_loader()?"
            ));
        };
        let event_loop = self
            .modules
            .borrow()
            .discovery
            .last()
            .and_then(|d| d.event_loop.clone());
        let (out, id) = match self.python_call(&loader, vec![Value::String(name.to_string())], event_loop) {
            Ok(o) => o,
            Err(m) => return Fetched::Failed(m),
        };
        match out {
            HostOutcome::Value(Value::String(s)) => {
                self.modules
                    .borrow_mut()
                    .sources
                    .insert(name.to_string(), s.clone());
                Fetched::Source(s)
            }
            HostOutcome::Value(v) => Fetched::Failed(not_a_string("Module loader must return a string", &v)),
            HostOutcome::Error { name: t, message } => {
                Fetched::Failed(format!("Failed to call module loader: {t}: {message}"))
            }
            HostOutcome::Scheduled => {
                let mut m = self.modules.borrow_mut();
                m.fetches.insert(id, (name.to_string(), Vec::new()));
                m.in_flight.insert(name.to_string(), id);
                Fetched::Scheduled(id)
            }
            HostOutcome::Unavailable(m) => Fetched::Failed(m),
        }
    }

    /// Loader callback in the main context: the graph was discovered (or is, now).
    fn load_main(&self, name: &str) -> *mut qjs::JSModuleDef {
        let ctx = self.ctx.as_raw().as_ptr();
        if let Some(p) = self.modules.borrow().declared.get(name) {
            return p.as_ptr();
        }
        if self.modules.borrow().verified == 0 {
            // Reached from `import()`, not from a checked compile: discover first (even
            // with the source at hand: its imports may not be), so that the compile
            // below cannot fail half-way.
            match self.discover(name, None, None) {
                Err(e) => {
                    let (n, m) = match &e {
                        EngineError::Js(i) => (i.name.clone(), i.message.clone()),
                        other => ("InternalError".to_string(), describe(other)),
                    };
                    throw(ctx, &n, &m);
                    return std::ptr::null_mut();
                }
                Ok(ids) if !ids.is_empty() => {
                    let missing = self.missing_names(&ids);
                    throw(ctx, "Error", &format!(
                        "Cannot load module '{name}': the module loader returned an awaitable for {missing}; \
                         import() cannot wait for it (use eval_module_async, or a synchronous loader)"
                    ));
                    return std::ptr::null_mut();
                }
                Ok(_) => {}
            }
        }
        self.declare_main(name)
            .map(|p| p.as_ptr())
            .unwrap_or(std::ptr::null_mut())
    }

    fn missing_names(&self, ids: &[u64]) -> String {
        let m = self.modules.borrow();
        let names: Vec<String> = ids
            .iter()
            .filter_map(|id| m.fetches.get(id).map(|f| format!("'{}'", f.0)))
            .collect();
        names.join(", ")
    }

    /// Compiles `name` from the cache in the main context, once discovery has checked
    /// its graph (exception pending on failure).
    fn declare_main(&self, name: &str) -> Option<NonNull<qjs::JSModuleDef>> {
        let ctx = self.ctx.as_raw().as_ptr();
        let Some(src) = self.modules.borrow().sources.get(name).cloned() else {
            throw(ctx, "Error", &format!("Cannot load module '{name}': no source"));
            return None;
        };
        self.modules.borrow_mut().verified += 1;
        let p = compile(ctx, name, &src);
        self.modules.borrow_mut().verified -= 1;
        let p = p?;
        let mut m = self.modules.borrow_mut();
        m.declared.insert(name.to_string(), p);
        m.sources.remove(name); // QuickJS has it now, and never asks again
        drop(m);
        set_meta_url(ctx, p, name);
        Some(p)
    }

    /// Loader callback during discovery: fetch, and compile in the scratch context.
    fn load_discovery(&self, ctx: *mut qjs::JSContext, name: &str) -> *mut qjs::JSModuleDef {
        // An empty module stands in: discovery compiles only, it never links.
        let placeholder = || {
            compile(ctx, name, "")
                .map(|p| p.as_ptr())
                .unwrap_or(std::ptr::null_mut())
        };
        if self.modules.borrow().declared.contains_key(name) {
            return placeholder(); // compiled in the main context already
        }
        let src = match self.fetch(name) {
            Fetched::Source(s) => s,
            Fetched::Scheduled(id) => {
                if let Some(d) = self.modules.borrow_mut().discovery.last_mut() {
                    d.scheduled.push(id);
                }
                return placeholder();
            }
            Fetched::Failed(msg) => {
                self.fail_load(ctx, msg);
                return std::ptr::null_mut();
            }
        };
        match compile(ctx, name, &src) {
            Some(p) => p.as_ptr(),
            None => {
                annotate(ctx, name);
                std::ptr::null_mut()
            }
        }
    }

    /// Compiles `root`'s graph in a scratch context (fetching sources). The ids of
    /// the awaitable sources still missing, or the error.
    fn discover(
        &self,
        root: &str,
        seq: Option<u64>,
        event_loop: Option<Arc<pyo3::Py<pyo3::PyAny>>>,
    ) -> Result<Vec<u64>, EngineError> {
        let main = self.ctx.as_raw().as_ptr();
        let scratch = unsafe {
            let rt = qjs::JS_GetRuntime(main);
            let c = qjs::JS_NewContextRaw(rt);
            if c.is_null() {
                return Err(self.heap_limit());
            }
            if qjs::JS_AddIntrinsicBaseObjects(c) < 0 || qjs::JS_AddIntrinsicEval(c) < 0 {
                qjs::JS_FreeContext(c);
                return Err(EngineError::Internal("cannot create a module context".into()));
            }
            qjs::JS_AddIntrinsicRegExpCompiler(c);
            c
        };
        self.modules.borrow_mut().discovery.push(Discovery {
            ctx: scratch,
            event_loop,
            scheduled: Vec::new(),
        });
        let ok = self.load_discovery(scratch, root);
        let d = self.modules.borrow_mut().discovery.pop();
        let out = if ok.is_null() {
            // SAFETY: `scratch` is live until freed below; the exception is its own.
            let sctx: Ctx<'js> = unsafe { Ctx::from_raw(NonNull::new_unchecked(scratch)) };
            let v = sctx.catch();
            let e = self.exception_to_error(v);
            drop(sctx);
            Err(e)
        } else {
            let ids = d.map(|d| d.scheduled).unwrap_or_default();
            if let Some(seq) = seq {
                let mut m = self.modules.borrow_mut();
                for id in &ids {
                    if let Some(f) = m.fetches.get_mut(id) {
                        if !f.1.contains(&seq) {
                            f.1.push(seq);
                        }
                    }
                }
            }
            Ok(ids)
        };
        unsafe { qjs::JS_FreeContext(scratch) };
        out
    }

    // ------------------------------------------------------------ requests

    /// `eval_module` / `eval_module_async`: resolve, discover, then evaluate.
    pub(super) fn module_request(
        &self,
        seq: u64,
        specifier: String,
        timeout: Option<Duration>,
        done: Waiter,
    ) {
        let is_async = matches!(done, Waiter::Async(_));
        if let Err(e) = self.running() {
            return self.deliver(done, Err(e));
        }
        {
            let mut s = self.stats.borrow_mut();
            if is_async {
                s.eval_module_async_count += 1;
            } else {
                s.eval_module_sync_count += 1;
            }
        }
        let name = match self.resolve_module("", &specifier) {
            Ok(n) => n,
            Err(m) => return self.deliver(done, Err(load_error(&specifier, &m))),
        };
        let timeout = timeout.or(self.shared.default_timeout);
        let op = Op {
            specifier,
            name,
            deadline: timeout.map(|t| Instant::now() + t),
            done,
            waiting: HashSet::new(),
            failed: None,
            inline: self.in_host_call(),
            timer_armed: false,
        };
        self.advance(seq, op);
    }

    fn advance(&self, seq: u64, mut op: Op) {
        if !self.modules.borrow().declared.contains_key(&op.name) {
            let event_loop = match &op.done {
                Waiter::Async(t) => t.event_loop().cloned(),
                Waiter::Sync(_) => None, // jsrun's background loop
            };
            match self.discover(&op.name, Some(seq), event_loop) {
                Err(e) => {
                    let e = self.loading_failed(&op.specifier, e);
                    return self.deliver(op.done, Err(e));
                }
                Ok(ids) if !ids.is_empty() => {
                    if op.inline || matches!(op.done, Waiter::Sync(_)) {
                        // (The awaitables run on jsrun's background loop meanwhile; a
                        // source they give is kept for later evaluations.)
                        let e = load_error(
                            &op.specifier,
                            "An async module loader cannot be used with a synchronous evaluation \
                             (eval_module). Use eval_module_async() instead.",
                        );
                        return self.deliver(op.done, Err(e));
                    }
                    op.waiting = ids.into_iter().collect();
                    if !op.timer_armed {
                        if let Some(d) = op.deadline {
                            self.arm_deadline(seq, d.saturating_duration_since(Instant::now()));
                        }
                        op.timer_armed = true;
                    }
                    self.modules.borrow_mut().ops.insert(seq, op);
                    return;
                }
                Ok(_) => {}
            }
        }
        self.evaluate(seq, op);
    }

    fn evaluate(&self, seq: u64, op: Op) {
        let remaining = match op.deadline {
            Some(d) => {
                let r = d.saturating_duration_since(Instant::now());
                if r.is_zero() {
                    return self.deliver(op.done, Err(EngineError::Timeout));
                }
                Some(r)
            }
            None => None,
        };
        let kind = match op.done {
            Waiter::Async(_) => "eval_module_async",
            Waiter::Sync(_) => "eval_module_sync",
        };
        let r = self.timed(kind, |_| {}, seq, remaining, |s| s.run_module(&op.specifier, &op.name));
        match op.done {
            // Inside a bound Python function the engine thread cannot wait.
            Waiter::Sync(reply) if op.inline => {
                let out = r.and_then(|(done, ns)| self.namespace_now(done, ns));
                let _ = reply.send(out);
            }
            // A pending top-level await is waited for, for sync callers too (detached,
            // with the timeout and Ctrl-C); timers and the event loop go on meanwhile.
            Waiter::Sync(reply) => {
                let r = r.and_then(|(done, ns)| self.namespace_later(done, ns));
                self.start_async(seq, remaining, reply, r)
            }
            Waiter::Async(target) => {
                let r = r.and_then(|(done, ns)| self.namespace_later(done, ns));
                self.start_async(seq, remaining, target, r)
            }
        }
    }

    /// Links and evaluates `name`: its evaluation promise and its namespace. A link
    /// error, or a module whose earlier evaluation failed, is a loading failure.
    fn run_module(&self, specifier: &str, name: &str) -> Result<(Promise<'js>, JsValue<'js>), EngineError> {
        let again = !self.modules.borrow_mut().evaluated.insert(name.to_string());
        let existing = self.modules.borrow().declared.get(name).copied();
        let m = match existing {
            Some(p) => p,
            None => match self.declare_main(name) {
                Some(p) => p,
                None => return Err(self.error(rquickjs::Error::Exception)),
            },
        };
        let ctx = self.ctx.as_raw().as_ptr();
        let (done, ns) = unsafe {
            let v = qjs::JS_MKPTR(qjs::JS_TAG_MODULE, m.as_ptr().cast());
            qjs::JS_DupValue(ctx, v); // JS_EvalFunction consumes one reference
            let p = qjs::JS_EvalFunction(ctx, v);
            if qjs::JS_IsException(p) {
                let e = self.error(rquickjs::Error::Exception);
                return Err(self.loading_failed(specifier, e));
            }
            let p = JsValue::from_raw(self.ctx.clone(), p);
            let ns = qjs::JS_GetModuleNamespace(ctx, m.as_ptr());
            if qjs::JS_IsException(ns) {
                return Err(self.error(rquickjs::Error::Exception));
            }
            (p, JsValue::from_raw(self.ctx.clone(), ns))
        };
        self.run_jobs();
        let done = Promise::from_value(done).map_err(|e| self.error(e))?;
        if again {
            if let Some(Err(e)) = done.result::<JsValue>() {
                self.consume_rejection(&done);
                return Err(match self.error(e) {
                    EngineError::Js(info) => {
                        let mut text = format!("{}: {}", info.name, info.message);
                        if let Some(stack) = info.stack.as_deref().filter(|s| !s.trim().is_empty()) {
                            text = format!("{text}\n{}", stack.trim_end());
                        }
                        load_error(specifier, &text)
                    }
                    other => other,
                });
            }
        }
        Ok((done, ns))
    }

    /// The namespace for a caller that cannot wait (a call from inside a bound Python
    /// function): the evaluation must have finished.
    fn namespace_now(&self, done: Promise<'js>, ns: JsValue<'js>) -> Outcome {
        let result = done.result::<JsValue>();
        // Raised to the caller (or reported as still evaluating): never "unhandled".
        self.consume_rejection(&done);
        match result {
            Some(Ok(_)) => self.to_value(ns),
            Some(Err(e)) => Err(self.error(e)),
            None => Err(EngineError::Internal(
                "the module is still evaluating (top-level await on something that has not \
                 happened yet), and a call made from inside a bound Python function cannot \
                 wait for it"
                    .into(),
            )),
        }
    }

    /// For an async caller: a promise of the namespace, once evaluation finished.
    fn namespace_later(&self, done: Promise<'js>, ns: JsValue<'js>) -> Result<JsValue<'js>, EngineError> {
        let r = (|| -> rquickjs::Result<JsValue<'js>> {
            let then: Function = done.get("then")?;
            let give = Function::new(self.ctx.clone(), move || ns.clone())?;
            then.call((rquickjs::function::This(done.clone()), give))
        })();
        r.map_err(|e| self.error(e))
    }

    /// A `Settle` for an awaitable module source; gives the result back if it is not one.
    pub(super) fn module_source_settled(
        &self,
        promise_id: u64,
        result: Result<Value, SettleError>,
    ) -> Option<Result<Value, SettleError>> {
        let (name, waiters) = {
            let mut m = self.modules.borrow_mut();
            let Some(f) = m.fetches.remove(&promise_id) else {
                return Some(result);
            };
            m.in_flight.remove(&f.0);
            f
        };
        let failure = match result {
            Ok(Value::String(s)) => {
                self.modules.borrow_mut().sources.insert(name.clone(), s);
                None
            }
            Ok(v) => Some(not_a_string("Module loader must return a string", &v)),
            Err(SettleError { name: t, message }) => Some(format!("Module loader failed: {t}: {message}")),
        };
        for seq in waiters {
            let ready = {
                let mut m = self.modules.borrow_mut();
                let Some(op) = m.ops.get_mut(&seq) else { continue };
                op.waiting.remove(&promise_id);
                if op.failed.is_none() {
                    op.failed = failure.clone();
                }
                if op.waiting.is_empty() {
                    m.ops.remove(&seq)
                } else {
                    None
                }
            };
            if let Some(mut op) = ready {
                match op.failed.take() {
                    Some(msg) => {
                        let e = load_error(&op.specifier, &msg);
                        self.deliver(op.done, Err(e))
                    }
                    None => {
                        if self.running().is_err() || self.shared.is_cancelled(seq) {
                            let e = self.running().err().unwrap_or(EngineError::Interrupted);
                            self.deliver(op.done, Err(e));
                        } else {
                            self.advance(seq, op);
                        }
                    }
                }
            }
        }
        None
    }

    /// The deadline of a parked request passed.
    pub(super) fn module_timed_out(&self, seq: u64) {
        let op = self.modules.borrow_mut().ops.remove(&seq);
        if let Some(op) = op {
            self.deliver(op.done, Err(EngineError::Timeout));
        }
    }

    /// The caller's future was cancelled.
    pub(super) fn module_cancelled(&self, seq: u64) {
        let op = self.modules.borrow_mut().ops.remove(&seq);
        drop(op);
    }

    /// Terminate / close: every parked request fails.
    pub(super) fn fail_module_requests(&self, err: &dyn Fn() -> EngineError) {
        let ops: Vec<Op> = self.modules.borrow_mut().ops.drain().map(|(_, o)| o).collect();
        for op in ops {
            self.deliver(op.done, Err(err()));
        }
    }

    /// The Python callables, for release at shutdown.
    pub(super) fn module_hosts(&self) -> Vec<Arc<HostFn>> {
        let mut m = self.modules.borrow_mut();
        m.resolver.take().into_iter().chain(m.loader.take()).collect()
    }
}

/// `import.meta.url`: the module's resolved name.
fn set_meta_url(ctx: *mut qjs::JSContext, m: NonNull<qjs::JSModuleDef>, name: &str) {
    unsafe {
        let meta = qjs::JS_GetImportMeta(ctx, m.as_ptr());
        if qjs::JS_IsException(meta) {
            clear_exception(ctx);
            return;
        }
        let v = qjs::JS_NewStringLen(ctx, name.as_ptr().cast(), name.len() as _);
        if qjs::JS_SetPropertyStr(ctx, meta, c"url".as_ptr(), v) < 0 {
            clear_exception(ctx); // out of memory: the module goes without a url
        }
        qjs::JS_FreeValue(ctx, meta);
    }
}

/// Adds the module's name to a syntax error thrown while compiling it.
fn annotate(ctx: *mut qjs::JSContext, name: &str) {
    unsafe {
        let e = qjs::JS_GetException(ctx);
        if qjs::JS_IsObject(e) {
            let msg = qjs::JS_GetPropertyStr(ctx, e, c"message".as_ptr());
            let p = qjs::JS_ToCString(ctx, msg);
            let text = c_str(p);
            if !p.is_null() {
                qjs::JS_FreeCString(ctx, p);
            }
            qjs::JS_FreeValue(ctx, msg);
            if !text.contains("(in module '") && !text.contains(name) {
                let t = format!("{text} (in module '{name}')");
                let v = qjs::JS_NewStringLen(ctx, t.as_ptr().cast(), t.len() as _);
                qjs::JS_SetPropertyStr(ctx, e, c"message".as_ptr(), v);
            }
        }
        qjs::JS_Throw(ctx, e);
    }
}
