//! The engine thread's short visits to Python: calling a bound function, completing
//! an asyncio future, releasing Python objects. Each attaches for that work only
//! (`Python::try_attach`: nothing happens once the interpreter is finalizing).

use crate::command::{AsyncTarget, Command, Outcome, SettleError};
use crate::convert::python::{to_py, FromPy};
use crate::engine::Handle;
use crate::python::errors::engine_err_in;
use crate::value::{HostFn, Value};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

pub enum HostOutcome {
    Value(Value),
    Error {
        name: String,
        message: String,
    },
    /// The handler returned an awaitable, now running on an event loop; its result
    /// settles JS promise `promise_id` through `Command::Settle`.
    Scheduled,
    Unavailable(String),
}

static ISAWAITABLE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub(crate) fn error_parts(py: Python<'_>, e: &PyErr) -> (String, String) {
    let name = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Error".into());
    let message = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    (name, message)
}

/// A handler's exception as JS sees it, like the published jsrun: a `TypeError` whose
/// message is the Python exception as `QualifiedType: text` (a result that cannot be
/// converted reports the conversion's exception the same way).
fn handler_error(py: Python<'_>, e: &PyErr) -> HostOutcome {
    let ty = e
        .get_type(py)
        .qualname()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".into());
    let text = e.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    HostOutcome::Error {
        name: "TypeError".into(),
        message: format!("{ty}: {text}"),
    }
}

/// Calls a Python handler for JS, on the engine thread, attached for this call only.
pub fn call(
    handle: &Arc<Handle>,
    host: &HostFn,
    args: Vec<Value>,
    promise_id: u64,
    event_loop: Option<Arc<Py<PyAny>>>,
) -> HostOutcome {
    if crate::python::wait::exiting() {
        return HostOutcome::Unavailable("Python is shutting down".into());
    }
    let r = Python::try_attach(|py| {
        let Some(callable) = host
            .callable
            .lock()
            .ok()
            .and_then(|c| c.as_ref().map(|c| c.clone_ref(py)))
        else {
            return HostOutcome::Unavailable("host function released".into());
        };
        let mut pyargs = Vec::with_capacity(args.len());
        for a in args {
            match to_py(py, a, handle) {
                Ok(o) => pyargs.push(o),
                Err(e) => return handler_error(py, &e),
            }
        }
        let result = {
            let _loop = HandlerLoop::enter(event_loop.clone());
            PyTuple::new(py, pyargs).and_then(|t| callable.bind(py).call1(t))
        };
        let obj = match result {
            Ok(o) => o,
            Err(e) => return handler_error(py, &e),
        };
        let is_awaitable = ISAWAITABLE
            .import(py, "inspect", "isawaitable")
            .and_then(|f| f.call1((&obj,))?.is_truthy())
            .unwrap_or(false);
        if is_awaitable {
            return match schedule(py, handle, &obj, promise_id, event_loop) {
                Ok(()) => HostOutcome::Scheduled,
                Err(e) => handler_error(py, &e),
            };
        }
        match FromPy::new(handle.shared.limits, Some(handle)).for_host_result().convert(&obj) {
            Ok(v) => HostOutcome::Value(v),
            Err(e) => handler_error(py, &e),
        }
    });
    r.unwrap_or_else(|| HostOutcome::Unavailable("Python is shutting down".into()))
}

thread_local! {
    static HANDLER_LOOP: std::cell::RefCell<Option<Arc<Py<PyAny>>>> = const { std::cell::RefCell::new(None) };
}

/// While a handler runs on the engine thread: the event loop of the async request
/// being served (where its awaitables run), for `handler_loop`.
struct HandlerLoop(Option<Arc<Py<PyAny>>>);

impl HandlerLoop {
    fn enter(lp: Option<Arc<Py<PyAny>>>) -> Self {
        HandlerLoop(HANDLER_LOOP.with(|c| c.replace(lp)))
    }
}

impl Drop for HandlerLoop {
    fn drop(&mut self) {
        let outer = self.0.take();
        HANDLER_LOOP.with(|c| *c.borrow_mut() = outer);
    }
}

/// Inside a sync handler on the engine thread (no running loop there): the event
/// loop of the async request that led to the call, if any.
pub fn handler_loop(py: Python<'_>) -> Option<Bound<'_, PyAny>> {
    HANDLER_LOOP.with(|c| c.borrow().as_ref().map(|l| l.bind(py).clone()))
}

/// Runs an awaitable on the caller's event loop (or jsrun's background loop).
fn schedule(
    py: Python<'_>,
    handle: &Arc<Handle>,
    awaitable: &Bound<'_, PyAny>,
    promise_id: u64,
    event_loop: Option<Arc<Py<PyAny>>>,
) -> PyResult<()> {
    let lp = match event_loop {
        Some(l) if !l.bind(py).call_method0("is_closed")?.is_truthy()? => l.bind(py).clone(),
        _ => py.import("jsrun")?.getattr("_background_loop")?.call0()?,
    };
    let asyncio = py.import("asyncio")?;
    let coro = if asyncio
        .call_method1("iscoroutine", (awaitable,))?
        .is_truthy()?
    {
        awaitable.clone()
    } else {
        py.import("jsrun")?
            .getattr("_as_coroutine")?
            .call1((awaitable,))?
    };
    let cfut = asyncio.call_method1("run_coroutine_threadsafe", (coro, lp))?;
    let settler = Settler::new(handle.clone(), Settles::Promise(promise_id));
    SETTLE_WHEN_DONE
        .import(py, "jsrun._aio", "settle_when_done")?
        .call1((cfut, settler))?;
    Ok(())
}

static SETTLE_WHEN_DONE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static COMPLETE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// What a `Settler` settles in the engine.
pub enum Settles {
    /// The JS promise of an async handler's call.
    Promise(u64),
    /// The pending pull of a `PyStreamSource`.
    StreamItem(u64),
}

/// The outcome of a Python future, for the engine: `jsrun._aio.settle` (a done-callback,
/// in Python) reads the future and calls one of the methods. Dropped uncalled (the loop
/// closed before the future finished), it fails the JS side so that nothing waits
/// forever.
#[pyclass(frozen)]
pub struct Settler {
    handle: Arc<Handle>,
    settles: Settles,
    called: AtomicBool,
}

impl Settler {
    pub fn new(handle: Arc<Handle>, settles: Settles) -> Self {
        Settler {
            handle,
            settles,
            called: AtomicBool::new(false),
        }
    }

    fn settle(&self, result: Result<Value, SettleError>) {
        let command = match self.settles {
            Settles::Promise(promise_id) => Command::Settle { promise_id, result },
            Settles::StreamItem(id) => Command::PyStreamSettle { id, result },
        };
        self.handle.send_once(&self.called, || command);
    }
}

impl Drop for Settler {
    fn drop(&mut self) {
        let message = match self.settles {
            Settles::Promise(_) => "the event loop running this handler stopped before it finished",
            Settles::StreamItem(_) => {
                "the event loop of this PyStreamSource stopped before producing the item"
            }
        };
        self.settle(Err(SettleError {
            name: "RuntimeError".into(),
            message: message.into(),
        }));
    }
}

#[pymethods]
impl Settler {
    /// The future's result, converted for JS (a value JS cannot hold is a `TypeError`).
    fn succeeded(&self, py: Python<'_>, value: &Bound<'_, PyAny>) {
        let conv = FromPy::new(self.handle.shared.limits, Some(&self.handle));
        let converted = match self.settles {
            Settles::Promise(_) => conv.for_host_result(),
            Settles::StreamItem(_) => conv,
        }
        .convert(value);
        self.settle(converted.map_err(|e| SettleError {
            name: "TypeError".into(),
            message: error_parts(py, &e).1,
        }));
    }

    /// The future raised (`name` and `message` of the exception).
    fn failed(&self, name: String, message: String) {
        self.settle(Err(SettleError { name, message }));
    }

    /// The future was cancelled.
    fn cancelled(&self) {
        self.settle(Err(SettleError {
            name: "CancelledError".into(),
            message: "the Python coroutine was cancelled".into(),
        }));
    }
}

/// Completes an asyncio future from the engine thread: `loop.call_soon_threadsafe`.
pub fn complete(handle: &Arc<Handle>, target: AsyncTarget, out: Outcome) {
    let prefix = target.prefix();
    if let Some((lp, fut)) = target.take() {
        schedule_completion(Some(handle.clone()), lp, fut, out, prefix);
    }
}

/// Fails a future nobody will answer (see `AsyncTarget`'s `Drop`).
pub fn fail_target(
    event_loop: Arc<Py<PyAny>>,
    future: Py<PyAny>,
    err: crate::command::EngineError,
) {
    schedule_completion(None, event_loop, future, Err(err), "");
}

fn schedule_completion(
    handle: Option<Arc<Handle>>,
    lp: Arc<Py<PyAny>>,
    fut: Py<PyAny>,
    out: Outcome,
    prefix: &'static str,
) {
    let mut objs = Some((lp, fut));
    if !crate::python::wait::exiting() {
        let _ = Python::try_attach(|py| {
            let Some((lp, fut)) = objs.take() else { return };
            let c = Completion {
                handle,
                outcome: Mutex::new(Some(out)),
                prefix,
            };
            let scheduled = COMPLETE.import(py, "jsrun._aio", "complete").and_then(|complete| {
                lp.bind(py)
                    .call_method1("call_soon_threadsafe", (complete, fut, Py::new(py, c)?))
            });
            // A closed loop raises: nobody waits on that future any more.
            drop(scheduled);
            drop(lp);
        });
    }
    if objs.is_some() {
        // The interpreter is going away: leak rather than touch it.
        std::mem::forget(objs);
    }
}

/// Drops the engine's reference to an event loop, attached.
pub fn release_loop(lp: Arc<Py<PyAny>>) {
    let mut l = Some(lp);
    if crate::python::wait::exiting() || Python::try_attach(|_py| drop(l.take())).is_none() {
        std::mem::forget(l);
    }
}

/// The outcome of an async request, waiting for `jsrun._aio.complete` to run on the
/// future's loop: that Python function sets the future (which runs Python code) and
/// asks this object only for the converted value.
#[pyclass(frozen)]
pub struct Completion {
    handle: Option<Arc<Handle>>,
    outcome: Mutex<Option<Outcome>>,
    prefix: &'static str,
}

#[pymethods]
impl Completion {
    /// `(True, value)` or `(False, exception)`, converted on the loop's thread; None
    /// once taken.
    fn take<'py>(&self, py: Python<'py>) -> Option<(bool, Bound<'py, PyAny>)> {
        let out = self.outcome.lock().ok().and_then(|mut o| o.take())?;
        let convert = |v| match &self.handle {
            Some(h) => to_py(py, v, h),
            None => Ok(py.None().into_bound(py)),
        };
        Some(match out.map_err(|e| engine_err_in(py, e, self.prefix)).and_then(convert) {
            Ok(v) => (true, v),
            Err(e) => (false, e.into_value(py).into_bound(py).into_any()),
        })
    }
}

/// Done-callback on an `eval_async` future: a cancelled future cancels the JS wait.
#[pyclass(frozen)]
pub struct CancelHook {
    pub handle: Arc<Handle>,
    pub seq: u64,
}

#[pymethods]
impl CancelHook {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            // Stops its JS if it is running right now, then forgets the JS wait.
            self.handle.shared.cancel(self.seq);
            let _ = self.handle.send(Command::Cancel { seq: self.seq });
        }
        Ok(())
    }
}

/// Gives up on a target: its future fails with "closed" unless already done
/// (cancelled futures are).
pub fn release_target(target: AsyncTarget) {
    drop(target);
}

/// Releases the Python callables the engine held.
pub fn release_hosts(hosts: Vec<Arc<HostFn>>) {
    let taken: Vec<Py<PyAny>> = hosts
        .iter()
        .filter_map(|h| h.callable.lock().ok().and_then(|mut c| c.take()))
        .collect();
    let mut taken = Some(taken);
    if crate::python::wait::exiting() || Python::try_attach(|_py| drop(taken.take())).is_none() {
        std::mem::forget(taken);
    }
}

/// `console.*` when enabled: writes to Python's `sys.stdout` / `sys.stderr`.
pub fn console_write(err: bool, line: &str) {
    if crate::python::wait::exiting() {
        return;
    }
    let _ = Python::try_attach(|py| -> PyResult<()> {
        let sys = py.import("sys")?;
        let stream = sys.getattr(if err { "stderr" } else { "stdout" })?;
        stream.call_method1("write", (format!("{line}\n"),))?;
        Ok(())
    });
}

/// An error nobody awaits (a timer callback's exception, an unhandled rejection):
/// logged on the `"jsrun"` logger at level ERROR.
pub fn log_error(message: &str) {
    if crate::python::wait::exiting() {
        return;
    }
    let _ = Python::try_attach(|py| {
        // A failure of `logging` itself has nowhere better to go.
        let _ = py
            .import("logging")
            .and_then(|m| m.call_method1("getLogger", ("jsrun",)))
            .and_then(|logger| logger.call_method1("error", ("%s", message)));
    });
}

/// The engine thread's Python thread state, created once and kept (detached) for the
/// thread's life, so that each visit to Python is a plain re-attach instead of
/// creating and destroying a thread state.
pub struct EngineThreadState {
    gstate: pyo3::ffi::PyGILState_STATE,
    saved: *mut pyo3::ffi::PyThreadState,
}

/// Creates the engine thread's thread state and detaches from it at once.
pub fn keep_thread_state() -> Option<EngineThreadState> {
    if crate::python::wait::exiting() {
        return None;
    }
    // SAFETY: called on the engine thread, which is not attached; `Py_IsInitialized`
    // may be called anytime. The interpreter is running (a `Runtime` was just built).
    unsafe {
        if pyo3::ffi::Py_IsInitialized() == 0 {
            return None;
        }
        let gstate = pyo3::ffi::PyGILState_Ensure();
        let saved = pyo3::ffi::PyEval_SaveThread();
        Some(EngineThreadState { gstate, saved })
    }
}

impl Drop for EngineThreadState {
    fn drop(&mut self) {
        if crate::python::wait::exiting() {
            return; // the interpreter is going away: leave the thread state to it
        }
        // SAFETY: same thread (the struct is neither Send nor Sync: raw pointer), and
        // this thread is detached here; re-attach to the saved state, then release it.
        unsafe {
            if pyo3::ffi::Py_IsInitialized() == 0 {
                return;
            }
            pyo3::ffi::PyEval_RestoreThread(self.saved);
            pyo3::ffi::PyGILState_Release(self.gstate);
        }
    }
}
