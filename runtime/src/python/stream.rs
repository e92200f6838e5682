//! `JsStream` (a JS `ReadableStream` read from Python) and `PyStreamSource` (a Python
//! async iterable read from JS), with the engine thread's short visits to the Python
//! side of a source. The iterator itself is driven by `jsrun._streams.Source` on the
//! event loop the source was made on.

use crate::command::Command;
use crate::engine::Handle;
use crate::python::function::start_async;
use crate::python::host::{error_parts, Settler, Settles};
use crate::value::Value;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};


// ------------------------------------------------------------------ JS -> Python

/// An async iterator over a JavaScript ``ReadableStream``: each ``__anext__`` reads
/// one chunk (converted like any value) without blocking the event loop;
/// ``StopAsyncIteration`` at the end, ``JavaScriptError`` if the stream errors.
/// ``close()`` cancels the stream (idempotent); it is also released when
/// garbage-collected (cancelled if it was being read) and when the runtime closes.
#[pyclass(frozen, module = "jsrun")]
pub struct JsStream {
    handle: Arc<Handle>,
    id: u64,
    closed: AtomicBool,
}

impl JsStream {
    pub fn new(handle: Arc<Handle>, id: u64) -> Self {
        JsStream {
            handle,
            id,
            closed: AtomicBool::new(false),
        }
    }

    /// The value to send back to JS (the original stream), if still usable there.
    fn value_for(&self, handle: Option<&Arc<Handle>>) -> PyResult<Value> {
        if handle.is_some_and(|h| !Arc::ptr_eq(h, &self.handle)) {
            return Err(PyRuntimeError::new_err(
                "Cannot pass a JsStream to another runtime",
            ));
        }
        if self.closed.load(Ordering::Acquire) {
            return Err(PyRuntimeError::new_err("JsStream has been closed"));
        }
        Ok(Value::JsStream(self.id))
    }

    fn release(&self, cancel: bool) {
        let id = self.id;
        self.handle.send_once(&self.closed, || Command::StreamRelease {
            id,
            cancel,
        });
    }
}

impl Drop for JsStream {
    fn drop(&mut self) {
        self.release(false);
    }
}

#[pymethods]
impl JsStream {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Sends one read that completes `future` with `[done, value]`; False when closed.
    fn _read_start(&self, event_loop: &Bound<'_, PyAny>, future: &Bound<'_, PyAny>) -> PyResult<bool> {
        if self.closed.load(Ordering::Acquire) {
            return Ok(false);
        }
        if self.handle.forked() {
            return Err(PyRuntimeError::new_err(
                "this JsStream belongs to the parent process (used after fork)",
            ));
        }
        if self.handle.is_closed() {
            return Err(PyRuntimeError::new_err("Runtime has been shut down"));
        }
        let id = self.id;
        start_async(&self.handle, event_loop, future, |seq, target| Command::StreamRead {
            seq,
            id,
            target,
        })
        .map(|()| true)
    }

    /// Cancel the stream and release it; later reads end the iteration. Idempotent.
    fn close(&self) {
        self.release(true);
    }

    fn __repr__(&self) -> String {
        let closed = if self.closed.load(Ordering::Acquire) {
            " closed"
        } else {
            ""
        };
        format!("<JsStream id={}{closed}>", self.id)
    }
}

// ------------------------------------------------------------------ Python -> JS

/// The shared part of a `PyStreamSource`: what the engine keeps while JS reads it.
pub struct PySource {
    runtime: Weak<Handle>,
    /// `jsrun._streams.Source`; taken out (and dropped attached) at the end.
    driver: Mutex<Option<Py<PyAny>>>,
    /// Handed to JS already (a source is read once).
    consumed: AtomicBool,
}

impl std::fmt::Debug for PySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PySource")
            .field("consumed", &self.consumed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl PySource {
    /// `close()` was called on it (or it ended).
    fn is_closed(&self, py: Python<'_>) -> bool {
        match self.driver(py) {
            Some(d) => d
                .bind(py)
                .getattr("_closed")
                .and_then(|v| v.is_truthy())
                .unwrap_or(false),
            None => true,
        }
    }

    fn driver(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.driver
            .lock()
            .ok()
            .and_then(|d| d.as_ref().map(|d| d.clone_ref(py)))
    }
}

impl Drop for PySource {
    fn drop(&mut self) {
        let driver = self.driver.get_mut().ok().and_then(|d| d.take());
        release_attached(driver);
    }
}

/// Drops a Python object attached (the engine thread is not); leaks it once the
/// interpreter is going away.
fn release_attached(obj: Option<Py<PyAny>>) {
    let mut obj = obj;
    if obj.is_none() {
        return;
    }
    if crate::python::wait::exiting() || Python::try_attach(|_py| drop(obj.take())).is_none() {
        std::mem::forget(obj);
    }
}

/// A Python async iterable that JavaScript reads as a ``ReadableStream``
/// (``Runtime.stream_from_async_iterable``). Each JS pull awaits one ``__anext__`` on
/// the event loop the source was made on, so at most the stream's high-water mark (1)
/// of items is produced ahead of the JS reader. A source can be handed to JS once.
/// ``close()`` ends the stream (the JS reader sees its end) and closes the iterator.
#[pyclass(frozen, module = "jsrun")]
pub struct PyStreamSource {
    inner: Arc<PySource>,
}

#[pymethods]
impl PyStreamSource {
    /// The `jsrun._streams.Source` (None once released): `close()` is Python code there.
    fn _driver(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.inner.driver(py)
    }

    fn __repr__(&self) -> String {
        let used = if self.inner.consumed.load(Ordering::Acquire) {
            " consumed"
        } else {
            ""
        };
        format!("<PyStreamSource{used}>")
    }
}

/// The event loop for a new `PyStreamSource`: the running one, or, in a sync handler
/// on the engine thread, the loop of the async request being served.
pub fn source_loop<'py>(py: Python<'py>, handle: &Arc<Handle>) -> PyResult<Bound<'py, PyAny>> {
    match py.import("asyncio")?.call_method0("get_running_loop") {
        Ok(lp) => Ok(lp),
        Err(_) => crate::python::host::handler_loop(py)
            .filter(|_| handle.on_engine_thread())
            // asyncio's own words, as in the published jsrun.
            .ok_or_else(|| PyRuntimeError::new_err("no running event loop")),
    }
}

impl PyStreamSource {
    pub fn new(handle: &Arc<Handle>, driver: Py<PyAny>) -> Self {
        PyStreamSource {
            inner: Arc::new(PySource {
                runtime: Arc::downgrade(handle),
                driver: Mutex::new(Some(driver)),
                consumed: AtomicBool::new(false),
            }),
        }
    }
}

/// A `JsStream` or `PyStreamSource` converted for JS (`None`: another type).
pub fn stream_value(
    obj: &Bound<'_, PyAny>,
    handle: Option<&Arc<Handle>>,
) -> Option<PyResult<Value>> {
    if let Ok(s) = obj.cast::<JsStream>() {
        return Some(s.get().value_for(handle));
    }
    let src = obj.cast::<PyStreamSource>().ok()?;
    let inner = &src.get().inner;
    if let Some(h) = handle {
        if !std::ptr::eq(inner.runtime.as_ptr(), Arc::as_ptr(h)) {
            return Some(Err(PyRuntimeError::new_err(
                "Cannot pass a PyStreamSource to another runtime",
            )));
        }
    }
    if inner.is_closed(obj.py()) {
        return Some(Err(PyRuntimeError::new_err("Stream has been closed")));
    }
    if inner.consumed.swap(true, Ordering::AcqRel) {
        return Some(Err(PyRuntimeError::new_err(
            "PyStreamSource has already been consumed: a source can be passed to JavaScript only once",
        )));
    }
    Some(Ok(Value::PyStream(inner.clone())))
}

/// Back to Python (a value that never reached JS).
pub fn to_py_object<'py>(
    py: Python<'py>,
    v: Value,
    handle: &Arc<Handle>,
) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::JsStream(id) => Ok(Bound::new(py, JsStream::new(handle.clone(), id))?.into_any()),
        Value::PyStream(inner) => Ok(Bound::new(py, PyStreamSource { inner })?.into_any()),
        _ => Ok(py.None().into_bound(py)),
    }
}

// ------------------------------------------------------------------ engine side

/// On the engine thread, for a JS pull: asks the iterator for one item on its loop;
/// the answer comes back as `Command::PyStreamSettle`. Err: (error name, message).
pub fn request_next(
    handle: &Arc<Handle>,
    source: &PySource,
    id: u64,
) -> Result<(), (String, String)> {
    if crate::python::wait::exiting() {
        return Err(("Error".into(), "Python is shutting down".into()));
    }
    let r = Python::try_attach(|py| {
        let Some(driver) = source.driver(py) else {
            return Err(("Error".into(), "the stream source is closed".into()));
        };
        let settler = Settler::new(handle.clone(), Settles::StreamItem(id));
        driver
            .bind(py)
            .call_method1("request", (settler,))
            .map(|_| ())
            .map_err(|e| error_parts(py, &e))
    });
    r.unwrap_or_else(|| Err(("Error".into(), "Python is shutting down".into())))
}

/// On the engine thread: the JS stream was cancelled, ended in error or the runtime
/// closes: stop the iterator (a no-op once it is exhausted).
pub fn close_source(source: &PySource) {
    if crate::python::wait::exiting() {
        return;
    }
    let _ = Python::try_attach(|py| {
        if let Some(driver) = source.driver(py) {
            // A closed loop just means nobody is left to clean up for.
            let _ = driver.bind(py).call_method0("close");
        }
    });
}

