//! The engine thread's loop and its state.

use super::handle::{Handle, Shared, HEAP_LIMIT, RUNNING, TERMINATED};
use super::snapshot;
use super::timers::Timers;
use super::EngineConfig;
use crate::command::{
    AsyncTarget, Command, CompiledScript, EngineError, JsErrorInfo, Outcome, Reply, SettleError,
    StatsData,
};
use crate::convert::js::{js_string, to_js, Builtins, JsEnv, ToValue, ToValueError};
use crate::python::host::{self, HostOutcome};
use crate::value::{HostFn, Value};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use rquickjs::function::{Args, Opt, Rest, This};
use rquickjs::{qjs, Context, Ctx, Exception, Function, Object, Promise, Value as JsValue};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak as RcWeak};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

#[path = "streams.rs"]
mod streams;
#[path = "uncaught.rs"]
mod uncaught;

const TERMINATED_MSG: &str = "Runtime terminated by host request";
const HEAP_MSG: &str = "Runtime terminated: JavaScript heap limit exceeded (max_heap_size)";

enum TimerPayload<'js> {
    Js {
        cb: Function<'js>,
        args: Vec<JsValue<'js>>,
    },
    AsyncDeadline {
        seq: u64,
    },
}

/// Who waits for an answer the engine gives later (a pending promise, a module request
/// waiting for sources): an asyncio future or a sync caller.
pub(super) enum Waiter {
    Async(AsyncTarget),
    Sync(Reply),
}

impl From<AsyncTarget> for Waiter {
    fn from(target: AsyncTarget) -> Self {
        Waiter::Async(target)
    }
}

impl From<Reply> for Waiter {
    fn from(reply: Reply) -> Self {
        Waiter::Sync(reply)
    }
}

/// Everything the engine thread owns. Closures installed in JS hold a `Weak` to it.
pub(crate) struct State<'js> {
    pub(super) ctx: Ctx<'js>,
    pub(super) shared: Arc<Shared>,
    pub(super) handle: Weak<Handle>,
    builtins: Builtins<'js>,
    next_id: Cell<u64>,
    functions: RefCell<HashMap<u64, (Function<'js>, JsValue<'js>)>>,
    promises: RefCell<HashMap<u64, Promise<'js>>>,
    timers: RefCell<Timers<TimerPayload<'js>>>,
    ops: RefCell<HashMap<u32, (Arc<HostFn>, bool)>>,
    /// Every Python callable ever handed to this engine (released attached at the end).
    pub(super) hosts: RefCell<Vec<Arc<HostFn>>>,
    /// resolve/reject of JS promises waiting for an async Python handler.
    settlers: RefCell<HashMap<u64, (Function<'js>, Function<'js>)>>,
    /// Python futures waiting for a JS promise, by command sequence number.
    pending: RefCell<HashMap<u64, Waiter>>,
    /// The event loop of the latest async request: where async handlers run.
    current_loop: RefCell<Option<Arc<pyo3::Py<pyo3::PyAny>>>>,
    pub(super) stats: RefCell<StatsData>,
    this: RefCell<RcWeak<State<'js>>>,
    /// Nesting of Python handler calls (inline requests run inside them).
    host_depth: Cell<u32>,
    /// Compiled scripts by source text: code evaluated again and again (a polling
    /// snippet, an agent's tool call) skips parse and compile, about half of a small
    /// `eval`'s engine time. Bounded; compiling is pure, so a hit behaves as a miss.
    compiled: RefCell<HashMap<Box<str>, JsValue<'js>>>,
    /// Source bytes in `compiled`, and the most it may hold: with a heap limit, a
    /// small share of it, so that the cache never pushes a runtime over its limit.
    compiled_bytes: Cell<usize>,
    compiled_budget: usize,
    /// ES modules: registry, caches, requests waiting for sources.
    pub(super) modules: RefCell<super::modules::Registry>,
    /// `ReadableStream`s crossing to Python and Python iterators read by JS.
    streams: streams::Streams<'js>,
}

/// Scripts longer than this are compiled every time (and not kept).
const COMPILE_CACHE_MAX_SOURCE: usize = 4096;
/// At this many entries the cache is emptied before the next insertion.
const COMPILE_CACHE_MAX_ENTRIES: usize = 128;

impl<'js> JsEnv<'js> for State<'js> {
    fn ctx(&self) -> &Ctx<'js> {
        &self.ctx
    }
    fn register_function(&self, f: Function<'js>, this: JsValue<'js>) -> u64 {
        let id = self.new_id();
        self.functions.borrow_mut().insert(id, (f, this));
        id
    }
    fn register_promise(&self, p: Promise<'js>) -> u64 {
        let id = self.new_id();
        self.promises.borrow_mut().insert(id, p);
        id
    }
    fn function(&self, id: u64) -> Option<Function<'js>> {
        self.functions.borrow().get(&id).map(|(f, _)| f.clone())
    }
    fn host_function(&self, host: Arc<HostFn>) -> rquickjs::Result<Function<'js>> {
        self.hosts.borrow_mut().push(host.clone());
        let weak = self.this.borrow().clone();
        let name = host.name.clone();
        let f = Function::new(
            self.ctx.clone(),
            move |ctx: Ctx<'js>, args: Rest<JsValue<'js>>| {
                let Some(st) = weak.upgrade() else {
                    return Err(Exception::throw_internal(&ctx, "runtime is shutting down"));
                };
                st.call_host(&host, args.0, false)
            },
        )?;
        f.set_name(&name)?;
        Ok(f)
    }
    fn builtins(&self) -> &Builtins<'js> {
        &self.builtins
    }
    fn register_stream(&self, obj: &Object<'js>) -> rquickjs::Result<Option<u64>> {
        self.stream_register(obj)
    }
    fn stream_to_js(&self, v: &Value) -> rquickjs::Result<JsValue<'js>> {
        self.stream_value(v)
    }
}

/// Entry point of the engine thread.
pub(crate) fn run(
    rx: Receiver<Command>,
    shared: Arc<Shared>,
    handle: Weak<Handle>,
    cfg: EngineConfig,
    ready: Sender<Result<(), String>>,
) {
    super::handle::mark_engine_thread(&shared);
    let _tstate = host::keep_thread_state();
    let rt = match rquickjs::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot create the JS runtime: {e}")));
            return;
        }
    };
    rt.set_max_stack_size(8 * 1024 * 1024);
    if let Some(max) = cfg.max_heap_size {
        rt.set_memory_limit(max);
    }
    let s2 = shared.clone();
    rt.set_interrupt_handler(Some(Box::new(move || s2.should_interrupt())));
    uncaught::install_tracker(&rt);
    let context = match Context::full(&rt) {
        Ok(c) => c,
        Err(e) => {
            let msg = if cfg.max_heap_size.is_some() {
                format!("cannot create the JS context: {e} (heap limit too small?)")
            } else {
                format!("cannot create the JS context: {e}")
            };
            let _ = ready.send(Err(msg));
            return;
        }
    };
    context.with(|ctx| {
        let st = match State::new(ctx.clone(), shared.clone(), handle, &cfg) {
            Ok(st) => st,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        st.run_loop(&rx);
        st.shutdown();
    });
    uncaught::forget_all();
    drop(context);
    drop(rt);
}

/// Runs a request from a Python handler on this very thread, inside the JS call that
/// invoked the handler (instead of queueing it behind the command that waits for the
/// handler: a self-deadlock).
pub(crate) trait InlineExec {
    fn exec(&self, cmd: Command);
}

impl<'js> InlineExec for State<'js> {
    fn exec(&self, cmd: Command) {
        self.guarded(cmd);
    }
}

thread_local! {
    static INLINE: Cell<Option<*const (dyn InlineExec + 'static)>> = const { Cell::new(None) };
}

struct InlineGuard(Option<*const (dyn InlineExec + 'static)>);

impl Drop for InlineGuard {
    fn drop(&mut self) {
        INLINE.with(|c| c.set(self.0));
    }
}

fn enter_inline<'a>(st: &'a (dyn InlineExec + 'a)) -> InlineGuard {
    let ptr: *const (dyn InlineExec + 'a) = st;
    // SAFETY: the pointer is only dereferenced by `run_inline` on this thread while the
    // guard lives, and the guard lives inside a borrow of `st` (the host call).
    let ptr: *const (dyn InlineExec + 'static) = unsafe { std::mem::transmute(ptr) };
    InlineGuard(INLINE.with(|c| c.replace(Some(ptr))))
}

/// Runs `cmd` inline if this thread is an engine thread inside a Python handler call;
/// gives the command back otherwise.
pub(crate) fn run_inline(cmd: Command) -> Result<(), Command> {
    match INLINE.with(|c| c.get()) {
        // SAFETY: see `enter_inline`: set only while the state is borrowed on this thread.
        Some(p) => {
            unsafe { (*p).exec(cmd) };
            Ok(())
        }
        None => Err(cmd),
    }
}

enum Wait {
    Cmd(Command),
    Timeout,
    Gone,
}

/// Spin briefly, then park until a command arrives or the deadline passes.
fn wait_command(rx: &Receiver<Command>, deadline: Option<Instant>) -> Wait {
    let r = crate::handoff::poll(rx, deadline).unwrap_or_else(|| {
        pyo3_detach::assert_detached();
        match deadline {
            Some(d) => rx.recv_deadline(d),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        }
    });
    match r {
        Ok(c) => Wait::Cmd(c),
        Err(RecvTimeoutError::Timeout) => Wait::Timeout,
        Err(RecvTimeoutError::Disconnected) => Wait::Gone,
    }
}

impl<'js> State<'js> {
    fn new(
        ctx: Ctx<'js>,
        shared: Arc<Shared>,
        handle: Weak<Handle>,
        cfg: &EngineConfig,
    ) -> Result<Rc<Self>, String> {
        let builtins = Builtins::new(&ctx).map_err(|e| format!("engine set-up failed: {e}"))?;
        let st = Rc::new(State {
            ctx,
            shared,
            handle,
            builtins,
            next_id: Cell::new(1),
            functions: RefCell::default(),
            promises: RefCell::default(),
            timers: RefCell::default(),
            ops: RefCell::default(),
            hosts: RefCell::default(),
            settlers: RefCell::default(),
            pending: RefCell::default(),
            current_loop: RefCell::default(),
            stats: RefCell::default(),
            this: RefCell::new(RcWeak::new()),
            host_depth: Cell::new(0),
            compiled: RefCell::default(),
            compiled_bytes: Cell::new(0),
            compiled_budget: cfg
                .max_heap_size
                .map_or(COMPILE_CACHE_MAX_SOURCE * COMPILE_CACHE_MAX_ENTRIES, |m| m / 256),
            modules: RefCell::default(),
            streams: Default::default(),
        });
        *st.this.borrow_mut() = Rc::downgrade(&st);
        super::modules::install(&st.ctx, &*st);
        st.install_globals(cfg.enable_console)
            .map_err(|e| format!("engine set-up failed: {e}"))?;
        if let Some(src) = &cfg.bootstrap {
            st.shared.set_deadline(cfg.timeout);
            let r = st.eval_raw(src);
            st.shared.set_deadline(None);
            match r {
                Ok(_) => st.run_jobs(),
                Err(e) => {
                    let err = st.error(e);
                    return Err(format!("bootstrap failed: {}", describe(&err)));
                }
            }
        }
        if let Some(image) = &cfg.snapshot {
            st.shared.set_deadline(cfg.timeout);
            let r = snapshot::replay(&st.ctx, image, || st.run_jobs());
            st.shared.set_deadline(None);
            if let Err((name, e)) = r {
                let err = st.error(e);
                return Err(format!(
                    "snapshot script {name:?} failed at start-up: {}",
                    describe(&err)
                ));
            }
        }
        st.report_rejections();
        Ok(st)
    }

    pub(super) fn new_id(&self) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }

    fn weak(&self) -> RcWeak<State<'js>> {
        self.this.borrow().clone()
    }

    // ---------------------------------------------------------------- globals

    fn install_globals(&self, console: bool) -> rquickjs::Result<()> {
        let g = self.ctx.globals();
        for (name, interval) in [("setTimeout", false), ("setInterval", true)] {
            let weak = self.weak();
            let f = Function::new(
                self.ctx.clone(),
                move |ctx: Ctx<'js>,
                      cb: JsValue<'js>,
                      delay: Opt<JsValue<'js>>,
                      args: Rest<JsValue<'js>>| {
                    let Some(st) = weak.upgrade() else {
                        return Err(Exception::throw_internal(&ctx, "runtime closed"));
                    };
                    let Some(cb) = cb.into_function() else {
                        return Err(Exception::throw_type(&ctx, "callback must be a function"));
                    };
                    let ms = delay.0.and_then(|d| d.as_number()).unwrap_or(0.0);
                    let ms = if ms.is_finite() && ms > 0.0 {
                        ms.min(2_147_483_647.0)
                    } else {
                        0.0
                    };
                    let id = st.timers.borrow_mut().add(
                        Duration::from_micros((ms * 1000.0) as u64),
                        interval,
                        TimerPayload::Js { cb, args: args.0 },
                    );
                    Ok(id as f64)
                },
            )?;
            g.set(name, f)?;
        }
        for name in ["clearTimeout", "clearInterval"] {
            let weak = self.weak();
            let f = Function::new(self.ctx.clone(), move |id: Opt<JsValue<'js>>| {
                if let (Some(st), Some(id)) = (weak.upgrade(), id.0.and_then(|v| v.as_number())) {
                    if id.is_finite() && id >= 1.0 {
                        let removed = st.timers.borrow_mut().remove(id as u64);
                        drop(removed);
                    }
                }
            })?;
            g.set(name, f)?;
        }
        {
            let weak = self.weak();
            let f = Function::new(self.ctx.clone(), move |ctx: Ctx<'js>, cb: JsValue<'js>| {
                let Some(_st) = weak.upgrade() else {
                    return Err(Exception::throw_internal(&ctx, "runtime closed"));
                };
                let Some(cb) = cb.into_function() else {
                    return Err(Exception::throw_type(&ctx, "callback must be a function"));
                };
                cb.defer(())
            })?;
            g.set("queueMicrotask", f)?;
        }
        for (name, is_async) in [("__host_op_sync__", false), ("__host_op_async__", true)] {
            let weak = self.weak();
            let f = Function::new(
                self.ctx.clone(),
                move |ctx: Ctx<'js>, id: JsValue<'js>, args: Rest<JsValue<'js>>| {
                    let Some(st) = weak.upgrade() else {
                        return Err(Exception::throw_internal(&ctx, "runtime closed"));
                    };
                    let id = id.as_number().unwrap_or(-1.0);
                    let op = if id >= 0.0 && id.fract() == 0.0 && id <= u32::MAX as f64 {
                        st.ops.borrow().get(&(id as u32)).cloned()
                    } else {
                        None
                    };
                    let Some((host, _)) = op else {
                        return Err(Exception::throw_reference(
                            &ctx,
                            &format!("Unknown op id {id}"),
                        ));
                    };
                    st.call_host(&host, args.0, is_async)
                },
            )?;
            g.set(name, f)?;
        }
        if console {
            let obj = Object::new(self.ctx.clone())?;
            for (name, err) in [
                ("log", false),
                ("info", false),
                ("debug", false),
                ("warn", true),
                ("error", true),
            ] {
                let f = Function::new(
                    self.ctx.clone(),
                    move |ctx: Ctx<'js>, args: Rest<JsValue<'js>>| {
                        let mut parts = Vec::new();
                        for a in args.0 {
                            parts.push(display(&ctx, a));
                        }
                        let line = parts.join(" ");
                        host::console_write(err, &line);
                    },
                )?;
                obj.set(name, f)?;
            }
            g.set("console", obj)?;
        }
        self.install_streams()?;
        Ok(())
    }

    // ---------------------------------------------------------------- loop

    fn run_loop(&self, rx: &Receiver<Command>) {
        loop {
            self.fire_timers();
            let deadline = self.timers.borrow_mut().next_deadline();
            match wait_command(rx, deadline) {
                Wait::Cmd(cmd) => {
                    if !self.guarded(cmd) {
                        return;
                    }
                    self.report_rejections();
                    // Drain what else is ready before looking at timers again.
                    while let Ok(cmd) = rx.try_recv() {
                        if !self.guarded(cmd) {
                            return;
                        }
                        self.report_rejections();
                    }
                }
                Wait::Timeout => {}
                Wait::Gone => return,
            }
        }
    }

    /// A bug in one command must not take the runtime down: its caller sees the
    /// reply channel dropped (an internal error), the loop goes on.
    fn guarded(&self, cmd: Command) -> bool {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle_command(cmd)))
            .unwrap_or(true)
    }

    pub(super) fn running(&self) -> Result<(), EngineError> {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(EngineError::Closed);
        }
        match self.shared.state.load(Ordering::Acquire) {
            RUNNING => Ok(()),
            HEAP_LIMIT => Err(EngineError::Terminated(HEAP_MSG.into())),
            _ => Err(EngineError::Terminated(TERMINATED_MSG.into())),
        }
    }

    /// Returns false when the loop must end.
    fn handle_command(&self, cmd: Command) -> bool {
        match cmd {
            Command::Eval {
                seq,
                code,
                timeout,
                reply,
            } => {
                let out = self.timed(
                    "eval_sync",
                    |s| s.stats.borrow_mut().eval_sync_count += 1,
                    seq,
                    timeout,
                    |s| {
                        s.eval_raw(&code)
                            .map_err(|e| s.error(e))
                            .and_then(|v| s.finish_eval(v))
                    },
                );
                let _ = reply.send(out);
            }
            Command::Call {
                seq,
                id,
                args,
                timeout,
                reply,
            } => {
                let out = self.timed(
                    "call_function_sync",
                    |s| s.stats.borrow_mut().call_function_sync_count += 1,
                    seq,
                    timeout,
                    |s| s.call_raw(id, &args).and_then(|v| s.finish_sync(v)),
                );
                let _ = reply.send(out);
            }
            Command::EvalAsync {
                seq,
                code,
                timeout,
                target,
            } => {
                self.remember_loop(&target);
                let r = self.timed(
                    "eval_async",
                    |s| s.stats.borrow_mut().eval_async_count += 1,
                    seq,
                    timeout,
                    |s| s.eval_raw(&code).map_err(|e| s.error(e)).map(|v| (v, ())),
                );
                self.start_async(seq, timeout, target, r.map(|(v, _)| v));
            }
            Command::CallAsync {
                seq,
                id,
                args,
                timeout,
                target,
            } => {
                self.remember_loop(&target);
                let r = self.timed(
                    "call_function_async",
                    |s| s.stats.borrow_mut().call_function_async_count += 1,
                    seq,
                    timeout,
                    |s| s.call_raw(id, &args).map(|v| (v, ())),
                );
                self.start_async(seq, timeout, target, r.map(|(v, _)| v));
            }
            Command::AwaitPromise {
                id,
                timeout,
                target,
            } => {
                self.remember_loop(&target);
                let p = self.promises.borrow_mut().remove(&id);
                let seq = self.shared.next_seq();
                match p {
                    Some(p) => self.start_async(seq, timeout, target, Ok(p.into_value())),
                    None => self.deliver(
                        target,
                        Err(EngineError::Internal(
                            "promise already awaited or released".into(),
                        )),
                    ),
                }
            }
            Command::ReleaseFunction { id } => {
                let f = self.functions.borrow_mut().remove(&id);
                drop(f);
            }
            Command::ReleasePromise { id } => {
                let p = self.promises.borrow_mut().remove(&id);
                drop(p);
            }
            Command::Cancel { seq } => {
                self.shared.uncancel(seq);
                let p = self.pending.borrow_mut().remove(&seq);
                match p {
                    Some(Waiter::Async(target)) => host::release_target(target),
                    // Ctrl-C in a sync caller waiting for a promise (eval_module's
                    // top-level await): it is waiting for this answer.
                    Some(Waiter::Sync(reply)) => {
                        let _ = reply.send(Err(EngineError::Interrupted));
                    }
                    None => {}
                }
                self.module_cancelled(seq);
            }
            Command::BindFunction { name, host, reply } => {
                let out = self.running().and_then(|_| {
                    let f = self.host_function(host).map_err(|e| self.error(e))?;
                    self.set_global(&name, f)
                });
                let _ = reply.send(out);
            }
            Command::BindObject {
                name,
                entries,
                reply,
            } => {
                let out = self.running().and_then(|_| {
                    let limit = self.shared.limits.max_depth;
                    let v = to_js(self, &Value::Object(entries), 0, limit)
                        .map_err(|e| self.error(e))?;
                    self.set_global(&name, v)
                });
                let _ = reply.send(out);
            }
            Command::RegisterOp {
                id,
                host,
                is_async,
                reply,
            } => {
                let out = self.running().map(|_| {
                    self.hosts.borrow_mut().push(host.clone());
                    self.ops.borrow_mut().insert(id, (host, is_async));
                    Value::Int(id as i64)
                });
                let _ = reply.send(out);
            }
            Command::Settle { promise_id, result } => {
                {
                    let mut st = self.stats.borrow_mut();
                    st.active_async_ops = st.active_async_ops.saturating_sub(1);
                }
                let Some(result) = self.module_source_settled(promise_id, result) else {
                    return true;
                };
                let s = self.settlers.borrow_mut().remove(&promise_id);
                if let (Some((resolve, reject)), Ok(())) = (s, self.running()) {
                    let r = match result {
                        Ok(v) => match to_js(self, &v, 0, self.shared.limits.max_depth) {
                            Ok(js) => resolve.call::<_, ()>((js,)),
                            Err(e) => {
                                let msg = self.error(e);
                                match self.make_error("TypeError", &describe(&msg)) {
                                    Ok(err) => reject.call::<_, ()>((err,)),
                                    Err(e) => Err(e),
                                }
                            }
                        },
                        Err(SettleError { name, message }) => {
                            match self.make_error(&name, &message) {
                                Ok(err) => reject.call::<_, ()>((err,)),
                                Err(e) => Err(e),
                            }
                        }
                    };
                    if let Err(e) = r {
                        self.report_uncaught(e);
                    }
                    self.run_jobs();
                }
            }
            Command::EvalModule {
                seq,
                specifier,
                timeout,
                reply,
            } => self.module_request(seq, specifier, timeout, Waiter::Sync(reply)),
            Command::EvalModuleAsync {
                seq,
                specifier,
                timeout,
                target,
            } => {
                self.remember_loop(&target);
                self.module_request(seq, specifier, timeout, Waiter::Async(target))
            }
            Command::ConfigureModules { change, reply } => {
                let out = self.running().map(|_| self.configure_modules(change));
                let _ = reply.send(out);
            }
            Command::StreamRead { seq, id, target } => self.stream_read(seq, id, target),
            Command::StreamRelease { id, cancel } => self.stream_release(id, cancel),
            Command::PyStreamSettle { id, result } => self.py_stream_settle(id, result),
            Command::Stats { reply } => {
                let _ = reply.send(self.snapshot_stats());
            }
            Command::SnapshotScript {
                seq,
                name,
                source,
                reply,
            } => {
                let out = self.timed(
                    "snapshot_script",
                    |_| {},
                    seq,
                    None,
                    |s| s.snapshot_script(&name, &source),
                );
                let _ = reply.send(out);
            }
            Command::Terminate => {
                self.fail_all_pending(|| EngineError::Terminated(TERMINATED_MSG.into()));
            }
            Command::Close => return false,
        }
        true
    }

    /// `globalThis[name] = v` (bind_function, bind_object).
    fn set_global(&self, name: &str, v: impl rquickjs::IntoJs<'js>) -> Outcome {
        self.ctx.globals().set(name, v).map_err(|e| self.error(e))?;
        Ok(Value::Undefined)
    }

    /// Runs `f` as the JS work of command `seq` under its deadline, with stats.
    pub(super) fn timed<T>(
        &self,
        kind: &'static str,
        count: impl FnOnce(&Self),
        seq: u64,
        timeout: Option<Duration>,
        f: impl FnOnce(&Self) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        self.running()?;
        if self.shared.is_cancelled(seq) {
            return Err(EngineError::Interrupted);
        }
        count(self);
        let timeout = timeout.or(self.shared.default_timeout);
        // Saved and restored: an inline request nests inside another command's JS.
        let outer_seq = self.shared.current_seq.swap(seq, Ordering::Relaxed);
        let outer_deadline = self.shared.deadline_us.load(Ordering::Relaxed);
        self.shared.set_deadline(timeout);
        let mine = self.shared.deadline_us.load(Ordering::Relaxed);
        if outer_deadline != 0 && (mine == 0 || mine > outer_deadline) {
            // Nested inside a command with an earlier deadline: that one still holds.
            self.shared
                .deadline_us
                .store(outer_deadline, Ordering::Relaxed);
        }
        let t0 = Instant::now();
        let mut out = f(self);
        if out.is_ok() && self.shared.should_interrupt() {
            // JS was stopped inside a microtask of this evaluation: report why.
            if let Some(e) = self.interrupt_reason() {
                out = Err(e);
            }
        }
        self.shared
            .deadline_us
            .store(outer_deadline, Ordering::Relaxed);
        self.shared.current_seq.store(outer_seq, Ordering::Relaxed);
        let ms = t0.elapsed().as_millis() as u64;
        let mut s = self.stats.borrow_mut();
        s.total_execution_time_ms += ms;
        s.last_execution_time_ms = ms;
        s.last_execution_kind = Some(kind);
        out
    }

    fn eval_raw(&self, code: &str) -> rquickjs::Result<JsValue<'js>> {
        let cached = self.compiled.borrow().get(code).cloned();
        let script = match cached {
            Some(s) => s,
            None => {
                let s = super::bytecode::compile(&self.ctx, "<eval>", code)?;
                if code.len() <= COMPILE_CACHE_MAX_SOURCE.min(self.compiled_budget) {
                    let mut c = self.compiled.borrow_mut();
                    let bytes = self.compiled_bytes.get() + code.len();
                    if c.len() >= COMPILE_CACHE_MAX_ENTRIES || bytes > self.compiled_budget {
                        c.clear();
                        self.compiled_bytes.set(0);
                    }
                    self.compiled_bytes.set(self.compiled_bytes.get() + code.len());
                    c.insert(code.into(), s.clone());
                }
                s
            }
        };
        let v = super::bytecode::run(&self.ctx, &script);
        self.run_jobs();
        v
    }

    fn call_raw(&self, id: u64, args: &[Value]) -> Result<JsValue<'js>, EngineError> {
        let Some((f, this)) = self.functions.borrow().get(&id).cloned() else {
            return Err(EngineError::Internal("Function has been closed".into()));
        };
        let limit = self.shared.limits.max_depth;
        let mut a = Args::new(self.ctx.clone(), args.len());
        a.this(this).map_err(|e| self.error(e))?;
        for v in args {
            let js = to_js(self, v, 0, limit).map_err(|e| self.error(e))?;
            a.push_arg(js).map_err(|e| self.error(e))?;
        }
        let r = f.call_arg::<JsValue>(a).map_err(|e| self.error(e));
        self.run_jobs();
        r
    }

    /// Compiles a `SnapshotBuilder` script, records its bytecode and runs it.
    fn snapshot_script(&self, name: &str, source: &str) -> Result<CompiledScript, EngineError> {
        // Errors are taken before the microtasks run (they would clobber them).
        let out = snapshot::compile_and_run(&self.ctx, name, source)
            .map_err(|e| self.error(e))
            .map(|(bytecode, ran)| CompiledScript {
                bytecode,
                error: ran.err().map(|e| self.error(e)),
            });
        self.run_jobs();
        out
    }

    /// A sync `eval`'s answer. As in the published jsrun, a promise (settled or not) is
    /// an object without properties, `{}` (its rejection is handled: nobody hears of
    /// it); `eval_async` is what waits for promises.
    fn finish_eval(&self, v: JsValue<'js>) -> Outcome {
        if let Some(p) = v.as_promise() {
            self.consume_rejection(p); // pending too: for when it rejects
            return Ok(Value::Object(Vec::new()));
        }
        self.to_value(v)
    }

    /// A sync call's answer: settled promises are unwrapped, pending ones handed out.
    fn finish_sync(&self, v: JsValue<'js>) -> Outcome {
        if let Some(p) = v.as_promise() {
            match p.result::<JsValue>() {
                None => {}
                Some(Ok(v)) => return self.to_value(v),
                Some(Err(e)) => {
                    let err = self.error(e);
                    self.consume_rejection(p);
                    return Err(err);
                }
            }
        }
        self.to_value(v)
    }

    pub(super) fn to_value(&self, v: JsValue<'js>) -> Outcome {
        let mut conv = ToValue::new(self, self.shared.limits);
        match conv.convert(v) {
            Ok(v) => Ok(v),
            Err(ToValueError::Conv(e)) => Err(EngineError::Conversion(e.to_string())),
            Err(ToValueError::Js(e)) => Err(self.error(e)),
        }
    }

    pub(super) fn run_jobs(&self) {
        if self.host_depth.get() > 0 {
            return; // inside a handler's inline request: the outer level runs them
        }
        let mut n = 0u32;
        while self.ctx.execute_pending_job() {
            n += 1;
            if n.is_multiple_of(256) && self.shared.should_interrupt() {
                break;
            }
        }
    }

    // ---------------------------------------------------------------- async

    fn remember_loop(&self, target: &AsyncTarget) {
        if let Some(l) = target.event_loop() {
            *self.current_loop.borrow_mut() = Some(l.clone());
        }
    }

    /// Completes `target` now if `r` is not a pending promise, else when it settles.
    pub(super) fn start_async(
        &self,
        seq: u64,
        timeout: Option<Duration>,
        target: impl Into<Waiter>,
        r: Result<JsValue<'js>, EngineError>,
    ) {
        let target = target.into();
        let v = match r {
            Ok(v) => v,
            Err(e) => return self.deliver(target, Err(e)),
        };
        let Some(p) = v.as_promise().cloned() else {
            let out = self.to_value(v);
            return self.deliver(target, out);
        };
        match p.result::<JsValue>() {
            Some(Ok(v)) => {
                let out = self.to_value(v);
                return self.deliver(target, out);
            }
            Some(Err(e)) => {
                let err = self.error(e);
                self.consume_rejection(&p);
                return self.deliver(target, Err(err));
            }
            None => {}
        }
        let timeout = timeout.or(self.shared.default_timeout);
        self.pending.borrow_mut().insert(seq, target);
        if let Some(t) = timeout {
            self.timers
                .borrow_mut()
                .add(t, false, TimerPayload::AsyncDeadline { seq });
        }
        let (w1, w2) = (self.weak(), self.weak());
        let on_ok = Function::new(self.ctx.clone(), move |v: JsValue<'js>| {
            if let Some(st) = w1.upgrade() {
                st.settle_pending(seq, Ok(v));
            }
        });
        let on_err = Function::new(self.ctx.clone(), move |v: JsValue<'js>| {
            if let Some(st) = w2.upgrade() {
                st.settle_pending(seq, Err(v));
            }
        });
        let r = (|| -> rquickjs::Result<()> {
            let then = p.then()?;
            then.call::<_, JsValue>((This(p.clone()), on_ok?, on_err?))?;
            Ok(())
        })();
        if let Err(e) = r {
            let err = self.error(e);
            if let Some(target) = self.pending.borrow_mut().remove(&seq) {
                self.deliver(target, Err(err));
            }
        }
        self.run_jobs();
    }

    fn settle_pending(&self, seq: u64, r: Result<JsValue<'js>, JsValue<'js>>) {
        let Some(target) = self.pending.borrow_mut().remove(&seq) else {
            return;
        };
        let out = match r {
            Ok(v) => self.to_value(v),
            Err(v) => Err(self.exception_to_error(v)),
        };
        self.deliver(target, out);
    }

    pub(super) fn deliver(&self, to: impl Into<Waiter>, out: Outcome) {
        match to.into() {
            Waiter::Sync(reply) => {
                let _ = reply.send(out);
            }
            Waiter::Async(target) => match self.handle.upgrade() {
                Some(h) => host::complete(&h, target, out),
                None => host::release_target(target),
            },
        }
    }

    fn fail_all_pending(&self, err: impl Fn() -> EngineError) {
        self.fail_module_requests(&err);
        let pending: Vec<_> = self.pending.borrow_mut().drain().collect();
        for (_, target) in pending {
            self.deliver(target, Err(err()));
        }
        let settlers: Vec<_> = self.settlers.borrow_mut().drain().collect();
        drop(settlers);
        let timers = self.timers.borrow_mut().clear();
        drop(timers);
    }

    fn fire_timers(&self) {
        let now = Instant::now();
        for _ in 0..1000 {
            let due = self.timers.borrow_mut().pop_due(now);
            let Some((id, timer)) = due else { return };
            match &timer.payload {
                TimerPayload::AsyncDeadline { seq } => {
                    let p = self.pending.borrow_mut().remove(seq);
                    match p {
                        Some(target) => self.deliver(target, Err(EngineError::PendingTimeout)),
                        None => self.module_timed_out(*seq),
                    }
                }
                TimerPayload::Js { cb, args } => {
                    if self.running().is_err() {
                        return;
                    }
                    let (cb, args) = (cb.clone(), args.clone());
                    if timer.interval.is_some() {
                        self.timers.borrow_mut().rearm(id, timer);
                    } else {
                        drop(timer);
                    }
                    let mut a = Args::new(self.ctx.clone(), args.len());
                    let mut r = Ok(());
                    for v in args {
                        r = r.and_then(|_| a.push_arg(v));
                    }
                    let r = r.and_then(|_| a.apply::<JsValue>(&cb));
                    if let Err(e) = r {
                        self.report_uncaught(e);
                    }
                    self.run_jobs();
                    self.report_rejections();
                }
            }
        }
    }

    // ---------------------------------------------------------------- host calls

    /// JS called a Python function: attach for this call only.
    fn call_host(
        &self,
        host: &Arc<HostFn>,
        args: Vec<JsValue<'js>>,
        force_promise: bool,
    ) -> rquickjs::Result<JsValue<'js>> {
        let ctx = self.ctx.clone();
        let mut vals = Vec::with_capacity(args.len());
        {
            let mut conv = ToValue::new(self, self.shared.limits);
            for a in args {
                match conv.convert(a) {
                    Ok(v) => vals.push(v),
                    Err(ToValueError::Conv(e)) => {
                        return Err(Exception::throw_type(&ctx, &e.to_string()))
                    }
                    Err(ToValueError::Js(e)) => return Err(e),
                }
            }
        }
        let Some(handle) = self.handle.upgrade() else {
            return Err(Exception::throw_internal(&ctx, "runtime closed"));
        };
        let promise_id = self.new_id();
        let event_loop = self.current_loop.borrow().clone();
        let outcome = self.host_scope(|| host::call(&handle, host, vals, promise_id, event_loop));
        let result = match outcome {
            HostOutcome::Value(v) => match to_js(self, &v, 0, self.shared.limits.max_depth) {
                Ok(js) => Ok(js),
                Err(rquickjs::Error::Exception) => Err(rquickjs::Error::Exception),
                Err(e) => Err(Exception::throw_type(&ctx, &e.to_string())),
            },
            HostOutcome::Error { name, message } => {
                let err = self.make_error(&name, &message)?;
                Err(ctx.throw(err))
            }
            HostOutcome::Scheduled => {
                let (p, resolve, reject) = ctx.promise()?;
                self.settlers
                    .borrow_mut()
                    .insert(promise_id, (resolve, reject));
                self.stats.borrow_mut().active_async_ops += 1;
                return Ok(p.into_value());
            }
            HostOutcome::Unavailable(msg) => Err(Exception::throw_internal(&ctx, &msg)),
        };
        if !force_promise {
            return result;
        }
        // An async op whose handler answered synchronously: still a promise.
        let (p, resolve, reject) = ctx.promise()?;
        match result {
            Ok(v) => resolve.call::<_, ()>((v,))?,
            Err(rquickjs::Error::Exception) => {
                let e = ctx.catch();
                reject.call::<_, ()>((e,))?
            }
            Err(e) => return Err(e),
        }
        Ok(p.into_value())
    }

    /// Runs a visit to Python: a handler that calls back into this runtime runs its
    /// request inline.
    pub(super) fn host_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _inline = enter_inline(self);
        self.host_depth.set(self.host_depth.get() + 1);
        let out = f();
        self.host_depth.set(self.host_depth.get() - 1);
        out
    }

    /// Inside a Python handler's call (an inline request)?
    pub(super) fn in_host_call(&self) -> bool {
        self.host_depth.get() > 0
    }

    /// Fails async request `seq` with a timeout after `after` (unless answered before).
    pub(super) fn arm_deadline(&self, seq: u64, after: Duration) {
        self.timers
            .borrow_mut()
            .add(after, false, TimerPayload::AsyncDeadline { seq });
    }

    fn make_error(&self, name: &str, message: &str) -> rquickjs::Result<JsValue<'js>> {
        let e = Exception::from_message(self.ctx.clone(), message)?;
        e.as_object().set("name", name)?;
        Ok(e.into_value())
    }

    // ---------------------------------------------------------------- errors

    /// Turns an rquickjs error (the pending exception, if any) into an `EngineError`.
    pub(super) fn error(&self, e: rquickjs::Error) -> EngineError {
        match e {
            rquickjs::Error::Exception => {
                let v = self.ctx.catch();
                self.exception_to_error(v)
            }
            rquickjs::Error::Allocation => self.heap_limit(),
            rquickjs::Error::IntoJs {
                message: Some(m), ..
            }
            | rquickjs::Error::FromJs {
                message: Some(m), ..
            } => EngineError::Conversion(m),
            other => EngineError::Internal(other.to_string()),
        }
    }

    pub(super) fn heap_limit(&self) -> EngineError {
        let _ = self.shared.state.compare_exchange(
            RUNNING,
            HEAP_LIMIT,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        EngineError::Terminated(HEAP_MSG.into())
    }

    /// Why the interrupt handler is (or would be) stopping JS, if it is.
    fn interrupt_reason(&self) -> Option<EngineError> {
        match self.shared.state.load(Ordering::Acquire) {
            TERMINATED => return Some(EngineError::Terminated(TERMINATED_MSG.into())),
            HEAP_LIMIT => return Some(EngineError::Terminated(HEAP_MSG.into())),
            _ => {}
        }
        if self.shared.closed.load(Ordering::Acquire) {
            return Some(EngineError::Closed);
        }
        let seq = self.shared.current_seq.load(Ordering::Relaxed);
        if self.shared.is_cancelled(seq) {
            return Some(EngineError::Interrupted);
        }
        if self.shared.deadline_passed() {
            return Some(EngineError::Timeout);
        }
        None
    }

    pub(super) fn exception_to_error(&self, v: JsValue<'js>) -> EngineError {
        if let Some(e) = self.interrupt_reason() {
            return e;
        }
        let info = match v.as_object() {
            Some(obj) if !v.is_function() => {
                let name = prop_string(obj, "name").unwrap_or_else(|| "Error".into());
                let message =
                    prop_string(obj, "message").unwrap_or_else(|| display(&self.ctx, v.clone()));
                let stack = prop_string(obj, "stack");
                JsErrorInfo {
                    name,
                    message,
                    stack,
                }
            }
            _ if (v.is_null() || v.is_undefined()) && self.near_heap_limit() => {
                return self.heap_limit()
            }
            _ => JsErrorInfo {
                name: "Error".into(),
                message: display(&self.ctx, v.clone()),
                stack: None,
            },
        };
        if info.message == "out of memory"
            || (info.name == "InternalError" && info.message.contains("out of memory"))
        {
            return self.heap_limit();
        }
        if info.name == "InternalError" && info.message == "interrupted" {
            // Interrupted, but the reason was cleared in between (a finished timeout).
            return EngineError::Timeout;
        }
        EngineError::Js(info)
    }

    fn near_heap_limit(&self) -> bool {
        let u = self.memory();
        u.malloc_limit > 0 && u.malloc_size as f64 > 0.9 * u.malloc_limit as f64
    }

    fn memory(&self) -> qjs::JSMemoryUsage {
        let mut u = std::mem::MaybeUninit::<qjs::JSMemoryUsage>::zeroed();
        unsafe {
            let rt = qjs::JS_GetRuntime(self.ctx.as_raw().as_ptr());
            qjs::JS_ComputeMemoryUsage(rt, u.as_mut_ptr());
            u.assume_init()
        }
    }

    fn snapshot_stats(&self) -> StatsData {
        let mut s = self.stats.borrow().clone();
        let u = self.memory();
        s.heap_total_bytes = u.malloc_size.max(0) as u64;
        s.heap_used_bytes = u.memory_used_size.max(0) as u64;
        s.physical_total_bytes = u.malloc_size.max(0) as u64;
        // QuickJS allocates ArrayBuffer contents on its own heap (counted above);
        // nothing lives outside it, so there is no "external" memory to report.
        s.external_memory_bytes = 0;
        let (t, i) = self.timers.borrow().counts();
        s.active_timers = t;
        s.active_intervals = i;
        s.open_resources = (self.functions.borrow().len() + self.promises.borrow().len()) as u64;
        self.stream_stats(&mut s);
        s
    }

    // ---------------------------------------------------------------- shutdown

    fn shutdown(&self) {
        self.fail_all_pending(|| EngineError::Closed);
        self.streams_shutdown();
        self.functions.borrow_mut().clear();
        self.promises.borrow_mut().clear();
        self.compiled.borrow_mut().clear();
        self.ops.borrow_mut().clear();
        if let Some(l) = self.current_loop.borrow_mut().take() {
            host::release_loop(l);
        }
        super::modules::uninstall();
        let mut hosts: Vec<_> = self.hosts.borrow_mut().drain(..).collect();
        hosts.extend(self.module_hosts());
        host::release_hosts(hosts);
        self.ctx.run_gc();
    }
}

/// `String(v)`, never failing.
fn display<'js>(ctx: &Ctx<'js>, v: JsValue<'js>) -> String {
    if let Some(s) = v.as_string() {
        return js_string(s).unwrap_or_default();
    }
    let r = (|| -> rquickjs::Result<String> {
        let f: Function = ctx.globals().get("String")?;
        let s: rquickjs::String = f.call((v,))?;
        js_string(&s)
            .map_err(|e| rquickjs::Error::new_from_js_message("value", "string", e.to_string()))
    })();
    match r {
        Ok(s) => s,
        Err(_) => {
            let _ = ctx.catch();
            "<unprintable value>".into()
        }
    }
}

fn prop_string<'js>(obj: &Object<'js>, key: &str) -> Option<String> {
    match obj.get::<_, JsValue>(key) {
        Ok(v) if v.is_undefined() || v.is_null() => None,
        Ok(v) => Some(display(obj.ctx(), v)),
        Err(_) => {
            let _ = obj.ctx().catch();
            None
        }
    }
}

pub(crate) fn describe(e: &EngineError) -> String {
    match e {
        EngineError::Js(i) => format!("{}: {}", i.name, i.message),
        EngineError::Timeout => "Evaluation timed out".into(),
        EngineError::PendingTimeout => "Evaluation timed out (promise still pending)".into(),
        EngineError::Terminated(m) => m.clone(),
        EngineError::Interrupted => "Evaluation interrupted".into(),
        EngineError::Conversion(m) => m.clone(),
        EngineError::Closed => "Runtime has been closed".into(),
        EngineError::ModuleLoad(m) => format!("Module evaluation failed: {m}"),
        EngineError::Internal(m) => m.clone(),
    }
}
