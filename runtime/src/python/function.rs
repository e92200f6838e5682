//! `JsFunction` (a handle to a JS function on the engine thread) and `JsPromise`
//! (an awaitable handle to a pending JS promise).

use crate::command::{AsyncTarget, Command};
use crate::convert::python::{to_py, FromPy};
use crate::engine::Handle;
use crate::python::errors::{closed_err, context, engine_err_in};
use crate::python::host::CancelHook;
use crate::python::parse_timeout;
use crate::python::wait::roundtrip;
use crate::value::Value;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A JavaScript function living on its runtime's engine thread.
///
/// Calling it converts the arguments, runs the function there and returns the
/// converted result, or an awaitable `JsPromise` when the function returned a pending
/// promise. Methods keep their `this`. Released when garbage-collected or closed.
#[pyclass(frozen, module = "jsrun")]
pub struct JsFunction {
    pub handle: Arc<Handle>,
    pub id: u64,
    closed: AtomicBool,
}

impl JsFunction {
    pub fn new(handle: Arc<Handle>, id: u64) -> Self {
        handle.shared.live_functions.fetch_add(1, Ordering::AcqRel);
        JsFunction {
            handle,
            id,
            closed: AtomicBool::new(false),
        }
    }
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
    fn check(&self) -> PyResult<()> {
        if self.handle.forked() {
            return Err(PyRuntimeError::new_err(
                "this JsFunction belongs to the parent process (used after fork)",
            ));
        }
        if self.is_closed() {
            return Err(PyRuntimeError::new_err("Function has been closed"));
        }
        if self.handle.is_closed() {
            return Err(PyRuntimeError::new_err(
                "Function call failed: Runtime has been shut down",
            ));
        }
        Ok(())
    }
    fn args(&self, args: &Bound<'_, PyTuple>) -> PyResult<Vec<Value>> {
        let mut conv = FromPy::new(self.handle.shared.limits, Some(&self.handle));
        args.iter().map(|a| conv.convert(&a)).collect()
    }
}

impl JsFunction {
    /// Frees the JS function on the engine (once: `close()` or garbage collection).
    fn release(&self) {
        let id = self.id;
        let shared = &self.handle.shared;
        self.handle.send_once(&self.closed, || {
            shared.live_functions.fetch_sub(1, Ordering::AcqRel);
            Command::ReleaseFunction { id }
        });
    }
}

impl Drop for JsFunction {
    fn drop(&mut self) {
        self.release();
    }
}

#[pymethods]
impl JsFunction {
    /// Calls the function; an awaitable when it returned a pending promise.
    #[pyo3(signature = (*args, timeout=None))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let timeout = parse_timeout(timeout)?;
        self.check()?;
        let args = self.args(args)?;
        let seq = self.handle.shared.next_seq();
        let (tx, rx) = crate::reply::reply_slot();
        let cmd = Command::Call {
            seq,
            id: self.id,
            args,
            timeout,
            reply: tx,
        };
        let out = roundtrip(py, &self.handle, seq, cmd, &rx)?;
        out.map_err(|e| engine_err_in(py, e, context::CALL))
            .and_then(|v| to_py(py, v, &self.handle))
    }

    #[pyo3(signature = (event_loop, future, args, timeout=None))]
    fn _call_async_start<'py>(
        &self,
        event_loop: &Bound<'py, PyAny>,
        future: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let timeout = parse_timeout(timeout)?;
        self.check()?;
        let args = self.args(args)?;
        let id = self.id;
        start_async(&self.handle, event_loop, future, context::CALL, |seq, target| Command::CallAsync {
            seq,
            id,
            args,
            timeout,
            target,
        })
    }

    /// Releases the handle; returns an awaitable (already complete).
    fn close(&self) -> Ready {
        self.release();
        Ready
    }

    fn __repr__(&self) -> String {
        format!(
            "<JsFunction id={}{}>",
            self.id,
            if self.is_closed() { " closed" } else { "" }
        )
    }
}

/// Starts an async command whose answer completes `fut` (made on the running loop
/// `lp` by `jsrun._aio.new_future`): the command made with its sequence number and
/// target, and a done-callback so that cancelling the future cancels the JS work.
/// Runs no Python code (see `new_future` there).
pub fn start_async(
    handle: &Arc<Handle>,
    lp: &Bound<'_, PyAny>,
    fut: &Bound<'_, PyAny>,
    prefix: &'static str,
    command: impl FnOnce(u64, AsyncTarget) -> Command,
) -> PyResult<()> {
    let seq = handle.shared.next_seq();
    let target = AsyncTarget::new(lp.clone().unbind(), fut.clone().unbind()).with_prefix(prefix);
    handle.send(command(seq, target)).map_err(|_| closed_err())?;
    let hook = CancelHook { handle: handle.clone(), seq };
    fut.call_method1("add_done_callback", (hook,))?;
    Ok(())
}


/// An awaitable that is already complete; its result is `()`, as the published
/// jsrun's `JsFunction.close()` gives.
#[pyclass(frozen, module = "jsrun")]
pub struct Ready;

#[pymethods]
impl Ready {
    fn __await__(&self) -> ReadyIter {
        ReadyIter
    }
}

/// `Ready`'s iterator: finishes at once with the value `()`.
#[pyclass(frozen, module = "jsrun")]
pub struct ReadyIter;

#[pymethods]
impl ReadyIter {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self) -> PyResult<()> {
        // `StopIteration(())`: the unit converts to the empty tuple.
        Err(pyo3::exceptions::PyStopIteration::new_err(((),)))
    }
}

/// A pending JS promise handed to Python; `await` it on any event loop.
#[pyclass(frozen, module = "jsrun")]
pub struct JsPromise {
    handle: Arc<Handle>,
    id: u64,
    future: Mutex<Option<Py<PyAny>>>,
    taken: AtomicBool,
}

impl JsPromise {
    pub fn new(handle: Arc<Handle>, id: u64) -> Self {
        JsPromise {
            handle,
            id,
            future: Mutex::new(None),
            taken: AtomicBool::new(false),
        }
    }
}

impl Drop for JsPromise {
    fn drop(&mut self) {
        if !self.taken.swap(true, Ordering::AcqRel) {
            let _ = self.handle.send(Command::ReleasePromise { id: self.id });
        }
    }
}

#[pymethods]
impl JsPromise {
    /// Sends the await (once) with `fut`, made on the running loop `lp`; returns the
    /// future to wait on (the first one made, when awaited again).
    fn _start(&self, lp: &Bound<'_, PyAny>, fut: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = lp.py();
        let mut slot = self
            .future
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        if let Some(f) = slot.as_ref() {
            return Ok(f.clone_ref(py));
        }
        if self.handle.is_closed() {
            return Err(closed_err());
        }
        let target = AsyncTarget::new(lp.clone().unbind(), fut.clone().unbind());
        self.taken.store(true, Ordering::Release);
        self.handle
            .send(Command::AwaitPromise {
                id: self.id,
                timeout: None,
                target,
            })
            .map_err(|_| closed_err())?;
        *slot = Some(fut.clone().unbind());
        Ok(fut.clone().unbind())
    }

    fn __repr__(&self) -> String {
        format!("<JsPromise id={}>", self.id)
    }
}
