//! `RuntimeConfig`.

use crate::engine::snapshot;
use crate::engine::EngineConfig;
use crate::python::args::{cast_err, opt_bool_arg, opt_str_arg, str_arg};
use crate::python::inspector::{self, InspectorConfig};
use crate::python::{parse_timeout, parse_timeout_value};
use crate::value::Limits;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySequence, PyString};
use std::sync::Arc;
use std::time::Duration;

/// Settings of a `Runtime` (arguments, positional or keyword, each also a property).
///
/// Validated like the published library's, with its texts; cross-field rules
/// (`initial_heap_size` needs `max_heap_size` and must not exceed it, the snapshot's
/// format) are checked by `Runtime(config)` ("Failed to spawn runtime: ...").
/// Differences from the published (V8) library: `initial_heap_size` has no effect
/// (QuickJS reserves no initial heap); a `Runtime` built with `inspector` raises
/// `NotImplementedError` (this engine has no DevTools protocol); `snapshot` is a
/// bytecode image from `SnapshotBuilder`.
///
/// The field names and order are those of the published library's `repr`.
#[pyclass(module = "jsrun")]
#[derive(Debug)]
pub struct RuntimeConfig {
    max_heap_size: Option<u64>,
    initial_heap_size: Option<u64>,
    execution_timeout: Option<Duration>,
    bootstrap_script: Option<String>,
    enable_console: Option<bool>,
    inspector: Option<InspectorConfig>,
    snapshot: Option<Vec<u8>>,
    max_serialization_depth: u64,
    max_serialization_bytes: u64,
}

const TOGETHER_MSG: &str = "snapshot and bootstrap cannot be used together";

/// An unsigned int argument, worded as PyO3 words an argument's `TypeError`.
fn u64_arg(obj: &Bound<'_, PyAny>, arg: &str) -> PyResult<u64> {
    obj.extract::<u64>().map_err(|e| {
        let py = obj.py();
        if e.is_instance_of::<PyTypeError>(py) {
            PyTypeError::new_err(format!("argument '{arg}': {}", e.value(py)))
        } else {
            e
        }
    })
}

fn opt_u64_arg(obj: Option<&Bound<'_, PyAny>>, arg: &str) -> PyResult<Option<u64>> {
    match obj {
        Some(o) if !o.is_none() => u64_arg(o, arg).map(Some),
        _ => Ok(None),
    }
}

fn positive(v: u64, what: &str) -> PyResult<u64> {
    if v == 0 {
        return Err(PyValueError::new_err(format!(
            "{what} must be a positive integer"
        )));
    }
    Ok(v)
}

/// Snapshot bytes: any bytes-like sequence of ints (read back as `bytes`), not empty.
fn snapshot_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let data = if let Ok(b) = obj.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("Can't extract `str` to `Vec`"));
    } else if obj.cast::<PySequence>().is_ok() {
        obj.extract::<Vec<u8>>()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "'{}' object cannot be cast as 'Sequence'",
            obj.get_type().name()?
        )));
    };
    if data.is_empty() {
        return Err(PyValueError::new_err("Snapshot bytes cannot be empty"));
    }
    Ok(data)
}

fn inspector_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<InspectorConfig>> {
    match obj {
        Some(o) if !o.is_none() => o
            .cast::<InspectorConfig>()
            .map(|i| Some(i.borrow().clone()))
            .map_err(|_| cast_err(o, "inspector", "InspectorConfig")),
        _ => Ok(None),
    }
}

#[pymethods]
impl RuntimeConfig {
    #[new]
    #[pyo3(signature = (max_heap_size=None, initial_heap_size=None, bootstrap=None, timeout=None, enable_console=None, inspector=None, snapshot=None, max_serialization_depth=None, max_serialization_bytes=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        max_heap_size: Option<&Bound<'_, PyAny>>,
        initial_heap_size: Option<&Bound<'_, PyAny>>,
        bootstrap: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
        enable_console: Option<&Bound<'_, PyAny>>,
        inspector: Option<&Bound<'_, PyAny>>,
        snapshot: Option<&Bound<'_, PyAny>>,
        max_serialization_depth: Option<&Bound<'_, PyAny>>,
        max_serialization_bytes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        // Arguments first, in order (as PyO3 extracts them), then the rules.
        let max_heap_size = opt_u64_arg(max_heap_size, "max_heap_size")?;
        let initial_heap_size = opt_u64_arg(initial_heap_size, "initial_heap_size")?;
        let bootstrap = opt_str_arg(bootstrap, "bootstrap")?;
        let enable_console = opt_bool_arg(enable_console, "enable_console", false)?;
        let inspector = inspector_arg(inspector)?;
        let depth = opt_u64_arg(max_serialization_depth, "max_serialization_depth")?;
        let bytes = opt_u64_arg(max_serialization_bytes, "max_serialization_bytes")?;
        let snapshot = match snapshot {
            Some(s) if !s.is_none() => {
                if bootstrap.is_some() {
                    return Err(PyValueError::new_err(TOGETHER_MSG));
                }
                Some(snapshot_bytes(s)?)
            }
            _ => None,
        };
        let defaults = Limits::default();
        Ok(RuntimeConfig {
            max_heap_size,
            initial_heap_size,
            execution_timeout: parse_timeout(timeout)?,
            bootstrap_script: bootstrap,
            enable_console: Some(enable_console),
            inspector,
            snapshot,
            max_serialization_depth: match depth {
                Some(d) => positive(d, "max_serialization_depth")?,
                None => defaults.max_depth as u64,
            },
            max_serialization_bytes: match bytes {
                Some(b) => positive(b, "max_serialization_bytes")?,
                None => defaults.max_bytes as u64,
            },
        })
    }

    /// Heap limit in bytes, or None (no limit; 0 also means none). Going over it
    /// terminates the runtime (`RuntimeTerminated`, "Heap limit exceeded").
    #[getter]
    fn max_heap_size(&self) -> Option<u64> {
        self.max_heap_size
    }
    #[setter]
    fn set_max_heap_size(&mut self, bytes: &Bound<'_, PyAny>) -> PyResult<()> {
        self.max_heap_size = Some(u64_arg(bytes, "bytes")?);
        Ok(())
    }
    /// Checked by `Runtime()` (needs `max_heap_size`, must not exceed it) but no
    /// effect: QuickJS has no initial heap reservation.
    #[getter]
    fn initial_heap_size(&self) -> Option<u64> {
        self.initial_heap_size
    }
    #[setter]
    fn set_initial_heap_size(&mut self, bytes: &Bound<'_, PyAny>) -> PyResult<()> {
        self.initial_heap_size = Some(u64_arg(bytes, "bytes")?);
        Ok(())
    }
    /// JavaScript run once when the runtime starts, or None. Cannot be combined with
    /// `snapshot`.
    #[getter]
    fn bootstrap(&self) -> Option<String> {
        self.bootstrap_script.clone()
    }
    #[setter]
    fn set_bootstrap(&mut self, source: &Bound<'_, PyAny>) -> PyResult<()> {
        let source = str_arg(source, "source")?;
        if self.snapshot.is_some() {
            return Err(PyValueError::new_err(TOGETHER_MSG));
        }
        self.bootstrap_script = Some(source);
        Ok(())
    }
    /// Default timeout of every evaluation and call, sync and async, in seconds
    /// (set as int or float seconds, or a `datetime.timedelta`), or None.
    #[getter]
    fn timeout(&self) -> Option<f64> {
        self.execution_timeout.map(|d| d.as_secs_f64())
    }
    #[setter]
    fn set_timeout(&mut self, timeout: &Bound<'_, PyAny>) -> PyResult<()> {
        self.execution_timeout = Some(parse_timeout_value(timeout)?);
        Ok(())
    }
    /// Whether `console.log/info/debug` (to `sys.stdout`) and `console.warn/error` (to
    /// `sys.stderr`) print; without, `console` exists but is silent. Read-only.
    #[getter]
    fn enable_console(&self) -> bool {
        self.enable_console.unwrap_or(false)
    }
    /// A copy of the `InspectorConfig`, or None. Accepted, but `Runtime` refuses it:
    /// this engine has no inspector.
    #[getter]
    fn inspector(&self, py: Python<'_>) -> PyResult<Option<Py<InspectorConfig>>> {
        self.inspector
            .as_ref()
            .map(|i| Py::new(py, i.clone()))
            .transpose()
    }
    #[setter]
    fn set_inspector(&mut self, inspector: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.inspector = inspector_arg(inspector)?;
        Ok(())
    }
    /// Bytes from `SnapshotBuilder.build()`, or None; their format is checked by
    /// `Runtime()`. Cannot be combined with `bootstrap`.
    #[getter]
    fn snapshot<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.snapshot.as_ref().map(|b| PyBytes::new(py, b))
    }
    #[setter]
    fn set_snapshot(&mut self, snapshot: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let data = match snapshot {
            Some(s) if !s.is_none() => Some(snapshot_bytes(s)?),
            _ => None,
        };
        if data.is_some() && self.bootstrap_script.is_some() {
            return Err(PyValueError::new_err(TOGETHER_MSG));
        }
        self.snapshot = data;
        Ok(())
    }
    /// Values may nest fewer levels than this when crossing between Python and JS
    /// (default 100; the top level is level 0).
    #[getter]
    fn max_serialization_depth(&self) -> u64 {
        self.max_serialization_depth
    }
    #[setter]
    fn set_max_serialization_depth(&mut self, depth: &Bound<'_, PyAny>) -> PyResult<()> {
        self.max_serialization_depth =
            positive(u64_arg(depth, "depth")?, "max_serialization_depth")?;
        Ok(())
    }
    /// Most bytes (the published library's estimate) a value may carry when crossing
    /// between Python and JS (default 10 MiB).
    #[getter]
    fn max_serialization_bytes(&self) -> u64 {
        self.max_serialization_bytes
    }
    #[setter]
    fn set_max_serialization_bytes(&mut self, bytes: &Bound<'_, PyAny>) -> PyResult<()> {
        self.max_serialization_bytes =
            positive(u64_arg(bytes, "bytes")?, "max_serialization_bytes")?;
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!("RuntimeConfig({self:?})")
    }
}

fn spawn_err(msg: String) -> PyErr {
    PyRuntimeError::new_err(format!("Failed to spawn runtime: {msg}"))
}

impl RuntimeConfig {
    /// Checks cross-field rules and builds the engine's configuration.
    pub fn engine_config(&self) -> PyResult<EngineConfig> {
        if let Some(init) = self.initial_heap_size {
            match self.max_heap_size {
                None => {
                    return Err(spawn_err(
                        "initial_heap_size requires max_heap_size to be set as well".into(),
                    ))
                }
                Some(max) if init > max => {
                    return Err(spawn_err(format!(
                        "initial_heap_size ({init}) cannot exceed max_heap_size ({max})"
                    )))
                }
                _ => {}
            }
        }
        if self.snapshot.is_some() && self.bootstrap_script.is_some() {
            return Err(PyValueError::new_err(TOGETHER_MSG));
        }
        if self.inspector.is_some() {
            return Err(inspector::unsupported());
        }
        let image = match &self.snapshot {
            Some(data) => Some(Arc::new(
                snapshot::decode(data).map_err(|e| spawn_err(format!("invalid snapshot: {e}")))?,
            )),
            None => None,
        };
        let to_usize = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        Ok(EngineConfig {
            // 0: no limit (V8 takes it as "the default").
            max_heap_size: self.max_heap_size.filter(|&m| m > 0).map(to_usize),
            bootstrap: self.bootstrap_script.clone(),
            enable_console: self.enable_console.unwrap_or(false),
            limits: Limits {
                max_depth: to_usize(self.max_serialization_depth),
                max_bytes: to_usize(self.max_serialization_bytes),
            },
            timeout: self.execution_timeout,
            snapshot: image,
        })
    }
}

pub fn default_engine_config() -> EngineConfig {
    EngineConfig::default()
}
