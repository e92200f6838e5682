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

impl Limits {
    /// No limits but the depth cap.
    pub fn unlimited() -> Self {
        Limits {
            max_depth: DEPTH_CAP,
            max_bytes: usize::MAX,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 100,
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Why a conversion failed (both directions). The limit texts are the published
/// jsrun's, word for word (callers match on them).
#[derive(Debug, Clone)]
pub enum ConvError {
    Circular,
    /// A value nested `max_depth` levels deep (the top level is depth 0).
    Depth(usize),
    /// The running payload estimate (`used`) went over `max` bytes.
    Size {
        used: usize,
        max: usize,
    },
    /// A single Python `str` longer than the whole budget (Python -> JS only).
    StringSize {
        len: usize,
        max: usize,
    },
    Unsupported(String),
    Other(String),
}

impl std::fmt::Display for ConvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvError::Circular => write!(f, "Cannot convert value: circular reference detected"),
            ConvError::Depth(d) => write!(f, "Depth exceeded maximum limit of {d}"),
            ConvError::Size { used, max } => {
                write!(
                    f,
                    "Size ({used} bytes) exceeded maximum limit of {max} bytes"
                )
            }
            ConvError::StringSize { len, max } => {
                write!(f, "String size limit exceeded: {len} > {max}")
            }
            ConvError::Unsupported(t) => write!(f, "Cannot convert value of type {t}"),
            ConvError::Other(m) => write!(f, "{m}"),
        }
    }
}

/// Deepest nesting any conversion follows, whatever `max_serialization_depth` says:
/// both converters recurse, on the engine thread and on the caller's (whose stack may
/// be small); as deep as Python's own default recursion limit.
pub const DEPTH_CAP: usize = 1000;

/// Running payload accounting for one conversion.
///
/// The estimate is the published jsrun's (callers size their limits by it): checked
/// after every charge, and reported as the running total when it goes over. JS ->
/// Python: `null` 4, booleans 5, integral numbers 20, other numbers 24, strings their
/// UTF-8 length, bytes their length, dates 16, functions 8, object keys their length,
/// sets 32; arrays and `undefined` nothing of their own. Python -> JS: see `FromPy`.
pub struct Budget {
    pub limits: Limits,
    used: usize,
    /// Array slots walked so far (JS -> Python), bounded apart from `used`.
    slots: usize,
}

impl Budget {
    pub fn new(limits: Limits) -> Self {
        Budget {
            limits,
            used: 0,
            slots: 0,
        }
    }
    pub fn charge(&mut self, n: usize) -> Result<(), ConvError> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limits.max_bytes {
            Err(ConvError::Size {
                used: self.used,
                max: self.limits.max_bytes,
            })
        } else {
            Ok(())
        }
    }
    /// `n` more array slots to walk. Holes and `undefined` cost nothing in the
    /// estimate, so the slots are bounded by the byte limit too: else a sparse
    /// `new Array(2**32 - 1)` would be walked (and built) to the end.
    pub fn slots(&mut self, n: usize) -> Result<(), ConvError> {
        self.slots = self.slots.saturating_add(n);
        if self.slots > self.limits.max_bytes {
            Err(ConvError::Size {
                used: self.used.saturating_add(self.slots),
                max: self.limits.max_bytes,
            })
        } else {
            Ok(())
        }
    }
    /// A Python `str` of `len` UTF-8 bytes: refused alone when longer than the budget.
    pub fn py_string(&mut self, len: usize) -> Result<(), ConvError> {
        if len > self.limits.max_bytes {
            return Err(ConvError::StringSize {
                len,
                max: self.limits.max_bytes,
            });
        }
        self.charge(16usize.saturating_add(len))
    }
    /// Python bytes of `len`: refused alone when longer than the budget.
    pub fn py_bytes(&mut self, len: usize) -> Result<(), ConvError> {
        if len > self.limits.max_bytes {
            return Err(ConvError::Size {
                used: len,
                max: self.limits.max_bytes,
            });
        }
        self.charge(len)
    }
    /// A value at `depth` (0 = the top level) must be shallower than the limit.
    pub fn depth(&self, depth: usize) -> Result<(), ConvError> {
        let max = self.limits.max_depth.min(DEPTH_CAP);
        if depth >= max {
            Err(ConvError::Depth(max))
        } else {
            Ok(())
        }
    }
}
