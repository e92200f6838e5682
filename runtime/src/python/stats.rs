//! `RuntimeStats`: a read-only snapshot.

use crate::command::StatsData;
use pyo3::prelude::*;

/// A snapshot of a runtime's counters (`Runtime.get_stats()`).
///
/// Memory comes from QuickJS (`JS_ComputeMemoryUsage`): `heap_total_bytes` and
/// `physical_total_bytes` are the bytes its allocator holds, `heap_used_bytes` its
/// estimate of live objects. `external_memory_bytes` is always 0: QuickJS keeps
/// ArrayBuffer contents on its own heap (counted in the heap figures).
#[pyclass(frozen, module = "jsrun", get_all)]
pub struct RuntimeStats {
    /// Bytes held by QuickJS's allocator.
    pub heap_total_bytes: u64,
    /// QuickJS's estimate of the bytes used by live objects, strings, bytecode, ...
    pub heap_used_bytes: u64,
    /// Always 0 with QuickJS: ArrayBuffer contents are on its own heap.
    pub external_memory_bytes: u64,
    /// Same as `heap_total_bytes` (QuickJS has no separate committed figure).
    pub physical_total_bytes: u64,
    pub total_execution_time_ms: u64,
    pub last_execution_time_ms: u64,
    pub last_execution_kind: Option<String>,
    pub eval_sync_count: u64,
    pub eval_async_count: u64,
    pub eval_module_sync_count: u64,
    pub eval_module_async_count: u64,
    pub call_function_sync_count: u64,
    pub call_function_async_count: u64,
    pub active_async_ops: u64,
    pub open_resources: u64,
    pub active_timers: u64,
    pub active_intervals: u64,
    pub active_js_streams: u64,
    pub active_py_streams: u64,
    pub total_js_streams: u64,
    pub total_py_streams: u64,
    /// Payload read by Python from JS streams: UTF-8 length of str chunks, length of
    /// bytes chunks (`Uint8Array`/`ArrayBuffer`); other chunk types count 0.
    pub bytes_streamed_js_to_py: u64,
    /// Payload read by JS from Python streams: UTF-8 length of str chunks, length of
    /// bytes/bytearray/memoryview chunks; other chunk types count 0.
    pub bytes_streamed_py_to_js: u64,
}

impl From<StatsData> for RuntimeStats {
    fn from(s: StatsData) -> Self {
        RuntimeStats {
            heap_total_bytes: s.heap_total_bytes,
            heap_used_bytes: s.heap_used_bytes,
            external_memory_bytes: s.external_memory_bytes,
            physical_total_bytes: s.physical_total_bytes,
            total_execution_time_ms: s.total_execution_time_ms,
            last_execution_time_ms: s.last_execution_time_ms,
            last_execution_kind: s.last_execution_kind.map(str::to_owned),
            eval_sync_count: s.eval_sync_count,
            eval_async_count: s.eval_async_count,
            eval_module_sync_count: s.eval_module_sync_count,
            eval_module_async_count: s.eval_module_async_count,
            call_function_sync_count: s.call_function_sync_count,
            call_function_async_count: s.call_function_async_count,
            active_async_ops: s.active_async_ops,
            open_resources: s.open_resources,
            active_timers: s.active_timers,
            active_intervals: s.active_intervals,
            active_js_streams: s.active_js_streams,
            active_py_streams: s.active_py_streams,
            total_js_streams: s.total_js_streams,
            total_py_streams: s.total_py_streams,
            bytes_streamed_js_to_py: s.bytes_streamed_js_to_py,
            bytes_streamed_py_to_js: s.bytes_streamed_py_to_js,
        }
    }
}

#[pymethods]
impl RuntimeStats {
    fn __repr__(&self) -> String {
        format!(
            "RuntimeStats(heap_used_bytes={}, eval_sync_count={}, eval_async_count={}, call_function_sync_count={}, active_timers={}, active_intervals={})",
            self.heap_used_bytes, self.eval_sync_count, self.eval_async_count, self.call_function_sync_count, self.active_timers, self.active_intervals
        )
    }
}
