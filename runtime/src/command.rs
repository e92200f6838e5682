//! The only contract between the Python side and the engine thread: commands in,
//! replies out. Everything here is plain Rust data (plus owned `Py` handles, which
//! may move between threads and are only touched while attached).

use crate::value::{HostFn, Value};
use crate::reply::ReplyTx;
use std::sync::Arc;
use std::time::Duration;

/// A JavaScript exception, engine-neutral.
#[derive(Debug, Clone)]
pub struct JsErrorInfo {
    pub name: String,
    pub message: String,
    pub stack: Option<String>,
}

/// Why a command failed.
#[derive(Debug, Clone)]
pub enum EngineError {
    /// JS threw.
    Js(JsErrorInfo),
    /// The per-evaluation timeout expired (while JS ran).
    Timeout,
    /// The per-evaluation timeout expired while waiting for a promise to settle.
    PendingTimeout,
    /// The runtime was terminated (host request or heap limit): text of the reason.
    Terminated(String),
    /// The caller asked to stop this evaluation (Ctrl-C).
    Interrupted,
    /// A value could not be converted.
    Conversion(String),
    /// The runtime is closed.
    Closed,
    /// A module (or one it imports) could not be resolved, fetched, compiled or linked:
    /// "Failed to load module '<specifier>': <why>" (a `RuntimeError` after the
    /// module entry point's "Module evaluation failed: ").
    ModuleLoad(String),
    /// Anything else (engine-internal failure), as text.
    Internal(String),
}

pub type Outcome = Result<Value, EngineError>;

/// Where a synchronous caller waits for its answer.
pub type Reply = ReplyTx<Outcome>;

/// An asyncio future to complete from the engine thread (`loop.call_soon_threadsafe`).
///
/// Never lost: a target dropped unanswered (a command still queued when the engine
/// stopped, say) fails its future with the "closed" error.
pub struct AsyncTarget {
    inner: Option<(Arc<pyo3::Py<pyo3::PyAny>>, pyo3::Py<pyo3::PyAny>)>,
}

impl AsyncTarget {
    pub fn new(event_loop: pyo3::Py<pyo3::PyAny>, future: pyo3::Py<pyo3::PyAny>) -> Self {
        AsyncTarget {
            inner: Some((Arc::new(event_loop), future)),
        }
    }

    pub fn event_loop(&self) -> Option<&Arc<pyo3::Py<pyo3::PyAny>>> {
        self.inner.as_ref().map(|(l, _)| l)
    }

    /// The loop and the future, for the one who completes it.
    pub fn take(mut self) -> Option<(Arc<pyo3::Py<pyo3::PyAny>>, pyo3::Py<pyo3::PyAny>)> {
        self.inner.take()
    }
}

impl Drop for AsyncTarget {
    fn drop(&mut self) {
        if let Some((event_loop, future)) = self.inner.take() {
            crate::python::host::fail_target(event_loop, future, EngineError::Closed);
        }
    }
}

pub enum Command {
    Eval {
        seq: u64,
        code: String,
        timeout: Option<Duration>,
        reply: Reply,
    },
    EvalAsync {
        seq: u64,
        code: String,
        timeout: Option<Duration>,
        target: AsyncTarget,
    },
    Call {
        seq: u64,
        id: u64,
        args: Vec<Value>,
        timeout: Option<Duration>,
        reply: Reply,
    },
    CallAsync {
        seq: u64,
        id: u64,
        args: Vec<Value>,
        timeout: Option<Duration>,
        target: AsyncTarget,
    },
    /// Await a pending promise previously handed out as `Value::Promise(id)`.
    AwaitPromise {
        id: u64,
        timeout: Option<Duration>,
        target: AsyncTarget,
    },
    ReleaseFunction {
        id: u64,
    },
    ReleasePromise {
        id: u64,
    },
    /// Cancel the async work of this sequence number (the Python future was cancelled).
    Cancel {
        seq: u64,
    },
    BindFunction {
        name: String,
        host: Arc<HostFn>,
        reply: Reply,
    },
    BindObject {
        name: String,
        entries: Vec<(String, Value)>,
        reply: Reply,
    },
    RegisterOp {
        id: u32,
        host: Arc<HostFn>,
        is_async: bool,
        reply: Reply,
    },
    /// Settle the JS promise of an async host call (`ok`: resolve, else reject).
    Settle {
        promise_id: u64,
        result: Result<Value, SettleError>,
    },
    /// Load and evaluate an ES module; the answer is its namespace.
    EvalModule {
        seq: u64,
        specifier: String,
        timeout: Option<Duration>,
        reply: Reply,
    },
    EvalModuleAsync {
        seq: u64,
        specifier: String,
        timeout: Option<Duration>,
        target: AsyncTarget,
    },
    ConfigureModules {
        change: ModuleChange,
        reply: Reply,
    },
    Stats {
        reply: ReplyTx<StatsData>,
    },
    /// Compile a script for a snapshot image, then run it (`SnapshotBuilder`).
    SnapshotScript {
        seq: u64,
        name: String,
        source: String,
        reply: ReplyTx<Result<CompiledScript, EngineError>>,
    },
    /// Read the next chunk of JS stream `id` (`JsStream.__anext__`); the target gets
    /// `[done, value]`.
    StreamRead {
        seq: u64,
        id: u64,
        target: AsyncTarget,
    },
    /// Forget JS stream `id`; `cancel`: cancel it (`JsStream.close()`), else only when
    /// the engine holds its reader (the `JsStream` was garbage-collected).
    StreamRelease {
        id: u64,
        cancel: bool,
    },
    /// The Python iterator behind JS stream `id` answered a pull: `[done, value]`.
    PyStreamSettle {
        id: u64,
        result: Result<Value, SettleError>,
    },
    Terminate,
    Close,
}

/// A snapshot script: its bytecode and what running it gave (a syntax error is the
/// command's error instead: nothing ran).
#[derive(Debug)]
pub struct CompiledScript {
    pub bytecode: Vec<u8>,
    pub error: Option<EngineError>,
}

/// A change to how modules are found (`set_module_resolver`, `set_module_loader`,
/// `add_static_module`).
pub enum ModuleChange {
    Resolver(Option<Arc<HostFn>>),
    Loader(Option<Arc<HostFn>>),
    Static { name: String, source: String },
}

/// The error an async Python handler ended with, for the JS side.
#[derive(Debug, Clone)]
pub struct SettleError {
    pub name: String,
    pub message: String,
}

/// A snapshot of a runtime's counters (`Runtime.get_stats()`), read-only.
///
/// Memory comes from QuickJS (`JS_ComputeMemoryUsage`): `heap_total_bytes` and
/// `physical_total_bytes` are the bytes its allocator holds, `heap_used_bytes` its
/// estimate of live objects. `external_memory_bytes` is always 0: QuickJS keeps
/// ArrayBuffer contents on its own heap (counted in the heap figures).
//
// One definition serves both sides: the engine fills it, Python reads it as
// `jsrun.RuntimeStats` (plain data, so the pyclass attribute costs the engine nothing).
#[pyo3::pyclass(frozen, module = "jsrun", name = "RuntimeStats", get_all, skip_from_py_object)]
#[derive(Debug, Clone, Default)]
pub struct StatsData {
    /// Bytes held by QuickJS's allocator.
    pub heap_total_bytes: u64,
    /// QuickJS's estimate of the bytes used by live objects, strings, bytecode, ...
    pub heap_used_bytes: u64,
    /// Always 0 with QuickJS: ArrayBuffer contents are on its own heap.
    pub external_memory_bytes: u64,
    /// Same as `heap_total_bytes` (QuickJS has no separate committed figure).
    pub physical_total_bytes: u64,
    /// Milliseconds spent running JS for evaluations and calls, in total.
    pub total_execution_time_ms: u64,
    /// Milliseconds of the latest evaluation or call.
    pub last_execution_time_ms: u64,
    /// Kind of the latest one: "eval_sync", "eval_async", "eval_module_sync",
    /// "eval_module_async", "call_function_sync" or "call_function_async"; None before any.
    pub last_execution_kind: Option<&'static str>,
    /// Number of `eval` calls.
    pub eval_sync_count: u64,
    /// Number of `eval_async` calls.
    pub eval_async_count: u64,
    /// Number of `eval_module` calls.
    pub eval_module_sync_count: u64,
    /// Number of `eval_module_async` calls.
    pub eval_module_async_count: u64,
    /// Number of synchronous `JsFunction` calls.
    pub call_function_sync_count: u64,
    /// Number of `JsFunction.call_async` calls (and calls that returned a promise).
    pub call_function_async_count: u64,
    /// Async Python handlers (and async ops) whose JS promise is still waiting.
    pub active_async_ops: u64,
    /// JS functions and promises handed to Python and not yet released.
    pub open_resources: u64,
    /// Pending `setTimeout` timers.
    pub active_timers: u64,
    /// Active `setInterval` timers.
    pub active_intervals: u64,
    /// JS `ReadableStream`s being read from Python (`JsStream`), not yet finished.
    pub active_js_streams: u64,
    /// Python async iterables being read by JS (`PyStreamSource`), not yet finished.
    pub active_py_streams: u64,
    /// `JsStream`s created so far.
    pub total_js_streams: u64,
    /// `PyStreamSource`s handed to JS so far.
    pub total_py_streams: u64,
    /// Payload read by Python from JS streams: UTF-8 length of str chunks, length of
    /// bytes chunks (`Uint8Array`/`ArrayBuffer`); other chunk types count 0.
    pub bytes_streamed_js_to_py: u64,
    /// Payload read by JS from Python streams: UTF-8 length of str chunks, length of
    /// bytes/bytearray/memoryview chunks; other chunk types count 0.
    pub bytes_streamed_py_to_js: u64,
}

#[pyo3::pymethods]
impl StatsData {
    fn __repr__(&self) -> String {
        format!(
            "RuntimeStats(heap_used_bytes={}, eval_sync_count={}, eval_async_count={}, call_function_sync_count={}, active_timers={}, active_intervals={})",
            self.heap_used_bytes, self.eval_sync_count, self.eval_async_count, self.call_function_sync_count, self.active_timers, self.active_intervals
        )
    }
}
