//! `RuntimeConfig`.

use crate::engine::snapshot::{self, SnapshotImage};
use crate::engine::EngineConfig;
use crate::python::inspector::{self, InspectorConfig};
use crate::python::parse_timeout;
use crate::value::Limits;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyInt};
use std::sync::Arc;

/// Deepest nesting accepted (conversions recurse on the engine thread and the caller's).
const MAX_DEPTH_CAP: usize = 5000;

/// Settings of a `Runtime` (keyword arguments, each also a property).
///
/// Differences from the published (V8) library: `initial_heap_size` is accepted and
/// validated (requires `max_heap_size`, must be <= it) but has no effect: QuickJS
/// reserves no initial heap. `inspector` is accepted as a value, but a `Runtime`
/// built with it raises `NotImplementedError`. `snapshot` is a bytecode image from
/// `SnapshotBuilder`, verified when assigned; it cannot be combined with `bootstrap`.
#[pyclass(module = "jsrun")]
pub struct RuntimeConfig {
    max_heap_size: Option<usize>,
    initial_heap_size: Option<usize>,
    bootstrap: Option<String>,
    timeout: Option<Py<PyAny>>,
    timeout_dur: Option<std::time::Duration>,
    /// Whether `console.log/info/debug` (to `sys.stdout`) and `console.warn/error` (to
    /// `sys.stderr`) exist in the runtime; read-only, default False.
    #[pyo3(get)]
    enable_console: bool,
    inspector: Option<Py<InspectorConfig>>,
    snapshot: Option<(Py<PyBytes>, Arc<SnapshotImage>)>,
    max_serialization_depth: usize,
    max_serialization_bytes: usize,
}

fn positive_int(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<usize>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int, not {}",
            obj.get_type().name()?
        )));
    }
    let v: i128 = obj
        .extract()
        .map_err(|_| PyValueError::new_err(format!("{what} is out of range")))?;
    if v <= 0 {
        return Err(PyValueError::new_err(format!("{what} must be positive")));
    }
    usize::try_from(v)
        .map(Some)
        .map_err(|_| PyValueError::new_err(format!("{what} is out of range")))
}

#[pymethods]
impl RuntimeConfig {
    #[new]
    #[pyo3(signature = (*, max_heap_size=None, initial_heap_size=None, bootstrap=None, timeout=None, enable_console=None, inspector=None, snapshot=None, max_serialization_depth=None, max_serialization_bytes=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        max_heap_size: Option<&Bound<'_, PyAny>>,
        initial_heap_size: Option<&Bound<'_, PyAny>>,
        bootstrap: Option<String>,
        timeout: Option<&Bound<'_, PyAny>>,
        enable_console: Option<&Bound<'_, PyAny>>,
        inspector: Option<&Bound<'_, PyAny>>,
        snapshot: Option<&Bound<'_, PyAny>>,
        max_serialization_depth: Option<&Bound<'_, PyAny>>,
        max_serialization_bytes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let enable_console = match enable_console {
            None => false,
            Some(b) if b.is_instance_of::<PyBool>() => b.extract()?,
            Some(b) if b.is_none() => false,
            Some(b) => {
                return Err(PyTypeError::new_err(format!(
                    "enable_console must be a bool, not {}",
                    b.get_type().name()?
                )))
            }
        };
        let mut c = RuntimeConfig {
            max_heap_size: None,
            initial_heap_size: None,
            bootstrap: None,
            timeout: None,
            timeout_dur: None,
            enable_console,
            inspector: None,
            snapshot: None,
            max_serialization_depth: 100,
            max_serialization_bytes: 10 * 1024 * 1024,
        };
        c.max_heap_size = positive_int(max_heap_size, "max_heap_size")?;
        c.initial_heap_size = positive_int(initial_heap_size, "initial_heap_size")?;
        c.set_timeout(timeout)?;
        c.set_inspector(inspector)?;
        c.set_bootstrap(bootstrap)?;
        c.set_snapshot(snapshot)?;
        if let Some(d) = positive_int(max_serialization_depth, "max_serialization_depth")? {
            c.set_max_serialization_depth_value(d)?;
        }
        if let Some(b) = positive_int(max_serialization_bytes, "max_serialization_bytes")? {
            c.max_serialization_bytes = b;
        }
        Ok(c)
    }

    /// Heap limit in bytes, or None (no limit). Going over it terminates the runtime
    /// (`RuntimeTerminated`, "heap limit").
    /// Heap limit in bytes, or None (no limit). Going over it terminates the runtime
    /// (`RuntimeTerminated`, "heap limit").
    #[getter]
    fn max_heap_size(&self) -> Option<usize> {
        self.max_heap_size
    }
    #[setter]
    fn set_max_heap_size(&mut self, v: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.max_heap_size = positive_int(v, "max_heap_size")?;
        Ok(())
    }
    /// Validated (needs `max_heap_size`, must be <= it) but no effect: QuickJS has no
    /// initial heap reservation.
    #[getter]
    fn initial_heap_size(&self) -> Option<usize> {
        self.initial_heap_size
    }
    #[setter]
    fn set_initial_heap_size(&mut self, v: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.initial_heap_size = positive_int(v, "initial_heap_size")?;
        Ok(())
    }
    /// JavaScript run once when the runtime starts, or None. Cannot be combined with
    /// `snapshot`.
    /// JavaScript run once when the runtime starts, or None. Cannot be combined with
    /// `snapshot`.
    #[getter]
    fn bootstrap(&self) -> Option<String> {
        self.bootstrap.clone()
    }
    #[setter]
    fn set_bootstrap(&mut self, v: Option<String>) -> PyResult<()> {
        if v.is_some() && self.snapshot.is_some() {
            return Err(PyValueError::new_err(
                "bootstrap cannot be combined with snapshot",
            ));
        }
        self.bootstrap = v;
        Ok(())
    }
    /// Default timeout of every evaluation and call, sync and async (seconds as int or
    /// float, or a `datetime.timedelta`), or None.
    /// Default timeout of every evaluation and call, sync and async (seconds as int or
    /// float, or a `datetime.timedelta`), or None.
    #[getter]
    fn timeout(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.timeout.as_ref().map(|t| t.clone_ref(py))
    }
    #[setter]
    fn set_timeout(&mut self, v: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.timeout_dur = parse_timeout(v)?;
        self.timeout = v.filter(|v| !v.is_none()).map(|v| v.clone().unbind());
        Ok(())
    }
    /// An `InspectorConfig` or None. Accepted, but `Runtime` refuses it: this engine
    /// has no inspector.
    #[getter]
    fn inspector(&self, py: Python<'_>) -> Option<Py<InspectorConfig>> {
        self.inspector.as_ref().map(|t| t.clone_ref(py))
    }
    #[setter]
    fn set_inspector(&mut self, v: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.inspector = match v {
            None => None,
            Some(v) if v.is_none() => None,
            Some(v) => Some(
                v.cast::<InspectorConfig>()
                    .map_err(|_| {
                        PyTypeError::new_err(format!(
                            "inspector must be an InspectorConfig or None, not {}",
                            v.get_type()
                                .name()
                                .map(|n| n.to_string())
                                .unwrap_or_default()
                        ))
                    })?
                    .clone()
                    .unbind(),
            ),
        };
        Ok(())
    }
    /// Bytes from `SnapshotBuilder.build()`; checked (format, engine, checksum) when
    /// assigned. Cannot be combined with `bootstrap`.
    #[getter]
    fn snapshot(&self, py: Python<'_>) -> Option<Py<PyBytes>> {
        self.snapshot.as_ref().map(|(b, _)| b.clone_ref(py))
    }
    #[setter]
    fn set_snapshot(&mut self, v: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let v = match v {
            None => None,
            Some(v) if v.is_none() => None,
            Some(v) => {
                let b = v
                    .cast::<PyBytes>()
                    .map_err(|_| PyTypeError::new_err("snapshot must be bytes"))?;
                let image = snapshot::decode(b.as_bytes())
                    .map_err(|e| PyValueError::new_err(format!("invalid snapshot: {e}")))?;
                Some((b.clone().unbind(), Arc::new(image)))
            }
        };
        if v.is_some() && self.bootstrap.is_some() {
            return Err(PyValueError::new_err(
                "snapshot cannot be combined with bootstrap",
            ));
        }
        self.snapshot = v;
        Ok(())
    }
    /// Deepest nesting a value may have when crossing between Python and JS (default 100).
    /// Deepest nesting a value may have when crossing between Python and JS (default 100).
    #[getter]
    fn max_serialization_depth(&self) -> usize {
        self.max_serialization_depth
    }
    #[setter]
    fn set_max_serialization_depth(&mut self, v: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        match positive_int(v, "max_serialization_depth")? {
            Some(d) => self.set_max_serialization_depth_value(d),
            None => Err(PyTypeError::new_err(
                "max_serialization_depth must be an int",
            )),
        }
    }
    /// Most payload bytes a value may carry when crossing between Python and JS
    /// (default 10 MiB).
    /// Most payload bytes a value may carry when crossing between Python and JS
    /// (default 10 MiB).
    #[getter]
    fn max_serialization_bytes(&self) -> usize {
        self.max_serialization_bytes
    }
    #[setter]
    fn set_max_serialization_bytes(&mut self, v: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        match positive_int(v, "max_serialization_bytes")? {
            Some(b) => {
                self.max_serialization_bytes = b;
                Ok(())
            }
            None => Err(PyTypeError::new_err(
                "max_serialization_bytes must be an int",
            )),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "RuntimeConfig(max_heap_size={:?}, timeout={:?}, enable_console={}, max_serialization_depth={}, max_serialization_bytes={})",
            self.max_heap_size,
            self.timeout_dur.map(|d| d.as_secs_f64()),
            if self.enable_console { "True" } else { "False" },
            self.max_serialization_depth,
            self.max_serialization_bytes
        )
    }
}

impl RuntimeConfig {
    fn set_max_serialization_depth_value(&mut self, d: usize) -> PyResult<()> {
        if d > MAX_DEPTH_CAP {
            return Err(PyValueError::new_err(format!(
                "max_serialization_depth must be at most {MAX_DEPTH_CAP}"
            )));
        }
        self.max_serialization_depth = d;
        Ok(())
    }

    /// Checks cross-field rules and builds the engine's configuration.
    pub fn engine_config(&self) -> PyResult<EngineConfig> {
        if let Some(init) = self.initial_heap_size {
            match self.max_heap_size {
                None => {
                    return Err(PyValueError::new_err(
                        "initial_heap_size requires max_heap_size",
                    ))
                }
                Some(max) if init > max => {
                    return Err(PyValueError::new_err(
                        "initial_heap_size must be <= max_heap_size",
                    ))
                }
                _ => {}
            }
        }
        if self.inspector.is_some() {
            return Err(inspector::unsupported());
        }
        if self.snapshot.is_some() && self.bootstrap.is_some() {
            return Err(PyValueError::new_err(
                "snapshot cannot be combined with bootstrap",
            ));
        }
        Ok(EngineConfig {
            max_heap_size: self.max_heap_size,
            bootstrap: self.bootstrap.clone(),
            enable_console: self.enable_console,
            limits: Limits {
                max_depth: self.max_serialization_depth,
                max_bytes: self.max_serialization_bytes,
            },
            timeout: self.timeout_dur,
            snapshot: self.snapshot.as_ref().map(|(_, image)| image.clone()),
        })
    }
}

pub fn default_engine_config() -> EngineConfig {
    EngineConfig::default()
}
