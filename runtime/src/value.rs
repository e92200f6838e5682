//! The engine-neutral value tree: what crosses between the engine thread and Python.
//!
//! The engine converts JS -> `Value` without touching Python; the Python side converts
//! `Value` -> Python objects once attached. Neither side sees the other's objects,
//! except `HostFunction`, which carries a Python callable (an owned `Py`, safe to move
//! between threads) into the engine for `bind_object`.

use std::sync::Arc;

/// A Python callable exposed to JS (bound function, object method, op).
#[derive(Debug)]
pub struct HostFn {
    pub name: String,
    /// Taken out (and dropped attached) when the engine shuts down.
    pub callable: std::sync::Mutex<Option<pyo3::Py<pyo3::PyAny>>>,
}

impl HostFn {
    pub fn new(name: String, callable: pyo3::Py<pyo3::PyAny>) -> Arc<Self> {
        Arc::new(HostFn {
            name,
            callable: std::sync::Mutex::new(Some(callable)),
        })
    }
}

#[derive(Debug, Clone)]
pub enum Value {
    Undefined,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A BigInt (JS -> Python) or a Python int beyond 64 bits (Python -> JS), decimal.
    BigInt(String),
    String(String),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
    Set(Vec<Value>),
    /// Milliseconds since the Unix epoch (UTC).
    Date(f64),
    /// A JS function kept alive on the engine thread under this id.
    Function(u64),
    /// A pending JS promise kept alive on the engine thread under this id.
    Promise(u64),
    /// A Python callable to expose as a JS function (only from `bind_object`).
    HostFunction(Arc<HostFn>),
    /// A JS `ReadableStream` kept on the engine thread under this id (`JsStream`).
    JsStream(u64),
    /// A Python async iterable JS reads as a `ReadableStream` (`PyStreamSource`).
    PyStream(Arc<crate::python::stream::PySource>),
}

/// Limits applied to every conversion, both directions.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 100,
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Why a conversion failed (both directions).
#[derive(Debug, Clone)]
pub enum ConvError {
    Circular,
    Depth(usize),
    Size(usize),
    Unsupported(String),
    Other(String),
}

impl std::fmt::Display for ConvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvError::Circular => write!(f, "Cannot convert value: circular reference detected"),
            ConvError::Depth(d) => write!(
                f,
                "Cannot convert value: nesting depth exceeds max_serialization_depth ({d})"
            ),
            ConvError::Size(b) => {
                write!(f, "Cannot convert value: payload size exceeds max_serialization_bytes ({b} bytes)")
            }
            ConvError::Unsupported(t) => write!(f, "Cannot convert value of type {t}"),
            ConvError::Other(m) => write!(f, "{m}"),
        }
    }
}

/// Running payload accounting for one conversion.
pub struct Budget {
    pub limits: Limits,
    used: usize,
}

impl Budget {
    pub fn new(limits: Limits) -> Self {
        Budget { limits, used: 0 }
    }
    pub fn charge(&mut self, n: usize) -> Result<(), ConvError> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limits.max_bytes {
            Err(ConvError::Size(self.limits.max_bytes))
        } else {
            Ok(())
        }
    }
    pub fn depth(&self, depth: usize) -> Result<(), ConvError> {
        if depth > self.limits.max_depth {
            Err(ConvError::Depth(self.limits.max_depth))
        } else {
            Ok(())
        }
    }
}
