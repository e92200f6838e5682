//! `Runtime`: the Python face of one engine thread.

use crate::command::Command;
use crate::convert::python::{to_py, FromPy};
use crate::engine::handle::{live_handles, RUNNING, TERMINATED};
use crate::engine::{self, EngineConfig, Handle};
use crate::python::config::{default_engine_config, RuntimeConfig};
use crate::python::errors::{closed_err, engine_err, RuntimeTerminated};
use crate::python::function::start_async;
use crate::python::parse_timeout;
use crate::python::stats::RuntimeStats;
use crate::python::wait::{recv_detached, roundtrip, run_on_engine_thread, wait_ack, wait_exit};
use crate::value::{HostFn, Value};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyMapping, PyString};
use pyo3_detach::blocking_detached;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// One JavaScript engine (QuickJS-NG) on its own OS thread.
///
/// Any Python thread may call any method: calls are served one at a time, in arrival
/// order, and every wait for the engine happens detached (the GIL, or on free-threaded
/// builds the attached thread state, is released meanwhile). Use it as a context
/// manager, or call `close()`.
///
/// ```python
/// with jsrun.Runtime() as rt:
///     rt.eval("1 + 1")  # 2
/// ```
#[pyclass(frozen, module = "jsrun")]
pub struct Runtime {
    pub handle: Arc<Handle>,
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Never waits: the engine thread winds down on its own.
        self.handle.request_close();
    }
}

impl Runtime {
    /// Usable for a request: not inherited through fork, and open.
    fn check(&self) -> PyResult<()> {
        if self.handle.forked() {
            return Err(PyRuntimeError::new_err(
                "this Runtime belongs to the parent process (used after fork)",
            ));
        }
        if self.handle.is_closed() {
            return Err(closed_err());
        }
        Ok(())
    }

    fn check_terminated(&self) -> PyResult<()> {
        match self.handle.shared.state.load(Ordering::Acquire) {
            RUNNING => Ok(()),
            TERMINATED => Err(RuntimeTerminated::new_err(
                "Runtime terminated by host request",
            )),
            _ => Err(RuntimeTerminated::new_err(
                "Runtime terminated: JavaScript heap limit exceeded (max_heap_size)",
            )),
        }
    }

    fn ack(
        &self,
        py: Python<'_>,
        make: impl FnOnce(crate::command::Reply) -> Command,
    ) -> PyResult<Value> {
        self.check()?;
        self.check_terminated()?;
        let (tx, rx) = crate::reply::reply_slot();
        let out = if self.handle.on_engine_thread() {
            run_on_engine_thread(py, make(tx), &rx)?
        } else {
            self.handle.send(make(tx)).map_err(|_| closed_err())?;
            wait_ack(py, &rx)?
        };
        out.map_err(|e| engine_err(py, e))
    }
}

impl Runtime {
    /// A synchronous request: sends the command (or runs it inline on the engine
    /// thread), waits detached, converts the answer.
    fn request<'py>(
        &self,
        py: Python<'py>,
        make: impl FnOnce(u64, crate::command::Reply) -> Command,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.check()?;
        let seq = self.handle.shared.next_seq();
        let (tx, rx) = crate::reply::reply_slot();
        let out = roundtrip(py, &self.handle, seq, make(seq, tx), &rx)?;
        out.map_err(|e| engine_err(py, e))
            .and_then(|v| to_py(py, v, &self.handle))
    }

    /// An async request: its future on the running loop.
    fn start(
        &self,
        event_loop: &Bound<'_, PyAny>,
        future: &Bound<'_, PyAny>,
        make: impl FnOnce(u64, crate::command::AsyncTarget) -> Command,
    ) -> PyResult<()> {
        self.check()?;
        start_async(&self.handle, event_loop, future, make)
    }


}

fn host_name(handler: &Bound<'_, PyAny>) -> String {
    handler
        .getattr("__name__")
        .ok()
        .and_then(|n| n.extract::<String>().ok())
        .unwrap_or_else(|| "anonymous".into())
}

#[pymethods]
impl Runtime {
    #[new]
    #[pyo3(signature = (config=None))]
    fn py_new(py: Python<'_>, config: Option<&Bound<'_, RuntimeConfig>>) -> PyResult<Self> {
        let cfg = match config {
            Some(c) => c.borrow().engine_config()?,
            None => default_engine_config(),
        };
        start_engine(py, cfg).map(|handle| Runtime { handle })
    }

    /// Evaluates `code` synchronously and returns the converted completion value.
    #[pyo3(signature = (code, /, *, timeout=None))]
    fn eval<'py>(
        &self,
        py: Python<'py>,
        code: &str,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let timeout = parse_timeout(timeout)?;
        self.request(py, |seq, reply| Command::Eval {
            seq,
            code: code.to_owned(),
            timeout,
            reply,
        })
    }

    /// Starts an async evaluation that completes `future` (made by `jsrun._aio.drive`).
    #[pyo3(signature = (event_loop, future, code, timeout=None))]
    fn _eval_async_start<'py>(
        &self,
        event_loop: &Bound<'py, PyAny>,
        future: &Bound<'py, PyAny>,
        code: &str,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let timeout = parse_timeout(timeout)?;
        self.start(event_loop, future, |seq, target| Command::EvalAsync {
            seq,
            code: code.to_owned(),
            timeout,
            target,
        })
    }

    /// Loads and evaluates the ES module `specifier` (resolved with no referrer) and
    /// returns its namespace as a dict (`default` holds the default export). Blocks
    /// (detached) until evaluation finished, top-level await included; awaitable
    /// loader results are awaited on jsrun's background event loop meanwhile.
    #[pyo3(signature = (specifier, /, *, timeout=None))]
    fn eval_module<'py>(
        &self,
        py: Python<'py>,
        specifier: &Bound<'py, PyAny>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let specifier = crate::python::str_arg(specifier, "specifier")?;
        let timeout = parse_timeout(timeout)?;
        self.request(py, |seq, reply| Command::EvalModule {
            seq,
            specifier: specifier.to_owned(),
            timeout,
            reply,
        })
    }

    /// Starts an async module evaluation that completes `future` (made by `jsrun._aio.drive`).
    #[pyo3(signature = (event_loop, future, specifier, timeout=None))]
    fn _eval_module_async_start<'py>(
        &self,
        event_loop: &Bound<'py, PyAny>,
        future: &Bound<'py, PyAny>,
        specifier: &Bound<'py, PyAny>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let specifier = crate::python::str_arg(specifier, "specifier")?;
        let timeout = parse_timeout(timeout)?;
        self.start(event_loop, future, |seq, target| Command::EvalModuleAsync {
            seq,
            specifier: specifier.to_owned(),
            timeout,
            target,
        })
    }

    /// Sets the module resolver `fn(specifier, referrer) -> str | None` (`referrer` is
    /// "." for the module passed to `eval_module`); `None` or `""` from it falls back to
    /// static modules. What it returns is loaded by the module loader (a static
    /// module's own name, `jsrun://static/<name>`, loads the static module). `None`
    /// removes it.
    fn set_module_resolver(&self, py: Python<'_>, resolver: &Bound<'_, PyAny>) -> PyResult<()> {
        let change = crate::python::modules::resolver(resolver)?;
        self.ack(py, |reply| Command::ConfigureModules { change, reply })?;
        Ok(())
    }

    /// Sets the module loader `fn(resolved_specifier) -> str | Awaitable[str]` that
    /// supplies the source of what the resolver returned (an awaitable only for
    /// `eval_module_async`). `None` removes it.
    fn set_module_loader(&self, py: Python<'_>, loader: &Bound<'_, PyAny>) -> PyResult<()> {
        let change = crate::python::modules::loader(loader)?;
        self.ack(py, |reply| Command::ConfigureModules { change, reply })?;
        Ok(())
    }

    /// Registers module `source`, importable as `name` or `static:<name>` (resolved as
    /// `jsrun://static/<name>`). A module already evaluated keeps its first source.
    fn add_static_module(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyAny>,
        source: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let name = crate::python::str_arg(name, "name")?;
        let source = crate::python::str_arg(source, "source")?;
        let change = crate::python::modules::static_module(&name, &source)?;
        self.ack(py, |reply| Command::ConfigureModules { change, reply })?;
        Ok(())
    }

    /// Exposes `handler` as `globalThis[name]` (async handlers return promises).
    fn bind_function(
        &self,
        py: Python<'_>,
        name: &str,
        handler: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if !handler.is_callable() {
            return Err(PyTypeError::new_err("handler must be callable"));
        }
        let host = HostFn::new(name.to_owned(), handler.clone().unbind());
        self.ack(py, |reply| Command::BindFunction {
            name: name.to_owned(),
            host,
            reply,
        })?;
        Ok(())
    }

    /// Decorator or direct call: binds under `name` or `func.__name__`; returns `func`.
    #[pyo3(signature = (func=None, /, *, name=None))]
    fn bind(
        slf: &Bound<'_, Self>,
        func: Option<&Bound<'_, PyAny>>,
        name: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match func {
            Some(f) => {
                let n = match name {
                    Some(n) => n,
                    None => f
                        .getattr("__name__")
                        .and_then(|n| n.extract::<String>())
                        .map_err(|_| PyValueError::new_err("cannot infer a name: pass name="))?,
                };
                slf.get().bind_function(py, &n, f)?;
                Ok(f.clone().unbind())
            }
            None => Ok(Py::new(
                py,
                Binder {
                    runtime: slf.clone().unbind(),
                    name,
                },
            )?
            .into_any()),
        }
    }

    /// `globalThis[name]` = object of converted values; callables become bound functions.
    fn bind_object(&self, py: Python<'_>, name: &str, mapping: &Bound<'_, PyAny>) -> PyResult<()> {
        let mapping = mapping
            .cast::<PyMapping>()
            .map_err(|_| PyTypeError::new_err("bind_object expects a mapping"))?;
        let mut conv = FromPy::new(self.handle.shared.limits, Some(&self.handle)).with_callables();
        let mut entries = Vec::new();
        for item in mapping.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let k = k
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err("bind_object keys must be str"))?;
            entries.push((k.to_str()?.to_owned(), conv.convert(&v)?));
        }
        self.ack(py, |reply| Command::BindObject {
            name: name.to_owned(),
            entries,
            reply,
        })?;
        Ok(())
    }

    /// `Runtime.register_op` (in `jsrun._aio`, which tells whether `handler` is a
    /// coroutine function: that is Python code).
    fn _register_op(
        &self,
        py: Python<'_>,
        name: &str,
        handler: &Bound<'_, PyAny>,
        mode: &str,
        coroutine: bool,
    ) -> PyResult<u32> {
        let is_async = match mode {
            "sync" => false,
            "async" => true,
            other => {
                return Err(PyValueError::new_err(format!(
                    "Invalid mode {other:?}: expected \"sync\" or \"async\""
                )))
            }
        };
        if !handler.is_callable() {
            return Err(PyTypeError::new_err("handler must be callable"));
        }
        if coroutine != is_async {
            return Err(PyValueError::new_err(if is_async {
                "Invalid mode: mode=\"async\" requires a coroutine function"
            } else {
                "Invalid mode: a coroutine function needs mode=\"async\""
            }));
        }
        let id = self.handle.shared.next_op_id();
        let host = HostFn::new(
            if name.is_empty() {
                host_name(handler)
            } else {
                name.to_owned()
            },
            handler.clone().unbind(),
        );
        self.ack(py, |reply| Command::RegisterOp {
            id,
            host,
            is_async,
            reply,
        })?;
        Ok(id)
    }

    /// The event loop a `PyStreamSource` made now runs its iterator on (the Python
    /// half, `Runtime.stream_from_async_iterable`, is in `jsrun._streams`).
    fn _stream_loop<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.check()?;
        crate::python::stream::source_loop(py, &self.handle)
    }

    /// A `PyStreamSource` around `driver` (a `jsrun._streams.Source`).
    fn _stream_source(&self, driver: Py<PyAny>) -> PyResult<crate::python::stream::PyStreamSource> {
        self.check()?;
        Ok(crate::python::stream::PyStreamSource::new(&self.handle, driver))
    }

    /// A snapshot of the engine's counters.
    fn get_stats(&self, py: Python<'_>) -> PyResult<RuntimeStats> {
        self.check()?;
        let (tx, rx) = crate::reply::reply_slot();
        let data = if self.handle.on_engine_thread() {
            run_on_engine_thread(py, Command::Stats { reply: tx }, &rx)?
        } else {
            self.handle
                .send(Command::Stats { reply: tx })
                .map_err(|_| closed_err())?;
            wait_ack(py, &rx)?
        };
        Ok(data)
    }

    /// Always `None`: this engine has no inspector (see `InspectorConfig`).
    fn inspector_endpoints(&self) -> Option<crate::python::inspector::InspectorEndpoints> {
        None
    }

    /// True once `close()` has been called (or the runtime was closed at exit).
    fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    /// Stops the engine and joins its thread (detached). Idempotent.
    pub(crate) fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.handle.request_close();
        if self.handle.on_engine_thread() || self.handle.forked() {
            // Cannot join ourselves (the loop ends after this call); a forked child
            // has no engine thread to wait for.
            return Ok(());
        }
        // Waits for the thread to finish in Ctrl-C-able slices (a Python handler
        // stuck forever would otherwise make close() uninterruptible); then the join
        // is immediate.
        wait_exit(py, &self.handle, None)?;
        Ok(())
    }

    /// Stops running JS at once; later work raises `RuntimeTerminated`.
    fn terminate(&self) -> PyResult<()> {
        if self.handle.is_closed() {
            return Ok(());
        }
        let _ = self.handle.shared.state.compare_exchange(
            RUNNING,
            TERMINATED,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        let _ = self.handle.send(Command::Terminate);
        Ok(())
    }

    /// Returns the runtime itself.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the runtime; exceptions propagate.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        let state = if self.handle.is_closed() {
            "closed"
        } else {
            match self.handle.shared.state.load(Ordering::Relaxed) {
                RUNNING => "running",
                TERMINATED => "terminated",
                _ => "heap limit",
            }
        };
        format!("<jsrun.Runtime {state}>")
    }
}

/// Starts an engine thread and waits, detached, for its start-up (the published
/// library waits attached).
#[blocking_detached]
pub(crate) fn start_engine(py: Python<'_>, cfg: EngineConfig) -> PyResult<Arc<Handle>> {
    if crate::python::wait::exiting() {
        return Err(PyRuntimeError::new_err(
            "Python is shutting down: no new runtime can start",
        ));
    }
    let (handle, ready) = engine::spawn(cfg)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the engine thread: {e}")))?;
    let started = recv_detached(detached!(), &ready);
    match started.attached() {
        Ok(Ok(())) => Ok(handle),
        Ok(Err(msg)) => {
            handle.request_close();
            Err(PyRuntimeError::new_err(msg))
        }
        Err(_) => Err(PyRuntimeError::new_err(
            "the engine thread stopped during start-up",
        )),
    }
}

/// `runtime.bind(name=...)` used as a decorator.
#[pyclass(frozen, module = "jsrun")]
pub struct Binder {
    runtime: Py<Runtime>,
    name: Option<String>,
}

#[pymethods]
impl Binder {
    fn __call__(&self, py: Python<'_>, func: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Runtime::bind(self.runtime.bind(py), Some(func), self.name.clone())
    }
}

/// Closes every live runtime (the exit hook), joining each engine thread detached.
#[pyfunction]
#[blocking_detached]
pub fn _close_all(py: Python<'_>) {
    crate::python::wait::begin_exit(detached!());
    for h in live_handles() {
        h.request_close();
        if h.on_engine_thread() || h.forked() {
            continue;
        }
        // Bounded: a handler stuck forever must not block interpreter exit.
        let _ = wait_exit(py, &h, Some(std::time::Duration::from_secs(5)));
    }
}
