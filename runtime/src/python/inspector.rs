//! `InspectorConfig` and `InspectorEndpoints`: the published API's Chrome DevTools
//! inspector. QuickJS-NG speaks no DevTools protocol: the configuration is a plain,
//! validated value; a `Runtime` asked to use it refuses (`NotImplementedError`).

use crate::python::args::{bool_arg, opt_str_arg, str_arg, Given};
use pyo3::exceptions::{PyNotImplementedError, PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use std::net::SocketAddr;

/// The error `Runtime(config)` raises when `config.inspector` is set.
pub fn unsupported() -> PyErr {
    PyNotImplementedError::new_err(
        "the inspector (Chrome DevTools protocol) is not supported by this engine \
         (QuickJS-NG); leave RuntimeConfig.inspector unset",
    )
}

/// Where a DevTools inspector would listen, and how it would behave.
///
/// Accepted and validated like the published library's (same texts: ``host`` must
/// make an IP socket address with ``port``, ``port`` 1..65535), but this engine
/// (QuickJS-NG) has no inspector: ``Runtime(RuntimeConfig(inspector=...))`` raises
/// ``NotImplementedError`` (a ``RuntimeError`` subclass) whose text contains "not
/// supported by this engine".
///
/// Field names as in the published library's ``repr(RuntimeConfig(...))``.
#[pyclass(module = "jsrun", skip_from_py_object)]
#[derive(Clone, Debug)]
pub struct InspectorConfig {
    address: SocketAddr,
    wait_for_connection: bool,
    break_on_next_statement: bool,
    target_url: Option<String>,
    display_name: Option<String>,
}

/// A port as the published library reads it: an int (`i64`), then 1..=65535.
fn port_arg(obj: &Bound<'_, PyAny>) -> PyResult<u16> {
    let v: i64 = obj.extract().map_err(|e: PyErr| {
        let py = obj.py();
        if e.is_instance_of::<PyTypeError>(py) {
            PyTypeError::new_err(format!("argument 'port': {}", e.value(py)))
        } else {
            e
        }
    })?;
    if v > i64::from(u16::MAX) {
        return Err(PyOverflowError::new_err(
            "number too large to fit in target type",
        ));
    }
    if v < 0 {
        return Err(PyOverflowError::new_err(
            "number too small to fit in target type",
        ));
    }
    Ok(v as u16)
}

#[pymethods]
impl InspectorConfig {
    #[new]
    #[pyo3(text_signature = "(host='127.0.0.1', port=9229, wait_for_connection=False, break_on_next_statement=False, target_url=None, display_name=None)")]
    #[pyo3(signature = (host=Given::Absent, port=Given::Absent, wait_for_connection=Given::Absent, break_on_next_statement=Given::Absent, target_url=None, display_name=None))]
    fn new(
        host: Given<'_>,
        port: Given<'_>,
        wait_for_connection: Given<'_>,
        break_on_next_statement: Given<'_>,
        target_url: Option<&Bound<'_, PyAny>>,
        display_name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        // `host` and the flags refuse None (as published); absent means the default.
        let host = match host {
            Given::Value(h) => str_arg(&h, "host")?,
            Given::Absent => "127.0.0.1".to_owned(),
        };
        let port = match port {
            Given::Value(p) => port_arg(&p)?,
            Given::Absent => 9229,
        };
        let flag = |v: Given<'_>, name: &str| match v {
            Given::Value(v) => bool_arg(&v, name),
            Given::Absent => Ok(false),
        };
        let wait_for_connection = flag(wait_for_connection, "wait_for_connection")?;
        let break_on_next_statement = flag(break_on_next_statement, "break_on_next_statement")?;
        let target_url = opt_str_arg(target_url, "target_url")?;
        let display_name = opt_str_arg(display_name, "display_name")?;
        if host.trim().is_empty() {
            return Err(PyValueError::new_err("Inspector host cannot be empty"));
        }
        if port == 0 {
            return Err(PyValueError::new_err(
                "Inspector port must be a positive integer",
            ));
        }
        // An IPv6 address gets its brackets; a bracketed one is taken as it is.
        let text = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let address: SocketAddr = text.parse().map_err(|e| {
            PyValueError::new_err(format!("Invalid inspector address '{text}': {e}"))
        })?;
        Ok(InspectorConfig {
            address,
            wait_for_connection,
            break_on_next_statement,
            target_url,
            display_name,
        })
    }

    /// The host (IP address) the inspector would bind.
    #[getter]
    fn host(&self) -> String {
        self.address.ip().to_string()
    }

    /// The TCP port the inspector would listen on.
    #[getter]
    fn port(&self) -> u16 {
        self.address.port()
    }

    /// Whether the runtime would wait for a debugger before running code.
    #[getter]
    fn wait_for_connection(&self) -> bool {
        self.wait_for_connection
    }
    #[setter]
    fn set_wait_for_connection(&mut self, wait: &Bound<'_, PyAny>) -> PyResult<()> {
        self.wait_for_connection = bool_arg(wait, "wait")?;
        Ok(())
    }

    /// Whether the runtime would pause on the first statement.
    #[getter]
    fn break_on_next_statement(&self) -> bool {
        self.break_on_next_statement
    }
    #[setter]
    fn set_break_on_next_statement(&mut self, should_break: &Bound<'_, PyAny>) -> PyResult<()> {
        self.break_on_next_statement = bool_arg(should_break, "should_break")?;
        Ok(())
    }

    /// The URL shown for the target in DevTools, or None.
    #[getter]
    fn target_url(&self) -> Option<String> {
        self.target_url.clone()
    }
    #[setter]
    fn set_target_url(&mut self, url: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.target_url = opt_str_arg(url, "url")?;
        Ok(())
    }

    /// The name shown for the target in DevTools, or None.
    #[getter]
    fn display_name(&self) -> Option<String> {
        self.display_name.clone()
    }
    #[setter]
    fn set_display_name(&mut self, name: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.display_name = opt_str_arg(name, "name")?;
        Ok(())
    }

    /// The ``host:port`` pair DevTools would connect to.
    fn endpoint(&self) -> String {
        self.address.to_string()
    }

    /// As published: Rust's spelling of the flags (`false`) and options (`Some("x")`).
    fn __repr__(&self) -> String {
        format!(
            "InspectorConfig(host={:?}, port={}, wait_for_connection={}, break_on_next_statement={}, target_url={:?}, display_name={:?})",
            self.host(),
            self.port(),
            self.wait_for_connection,
            self.break_on_next_statement,
            self.target_url,
            self.display_name
        )
    }
}

/// DevTools URLs of a running inspector (published API).
///
/// Never produced by this engine: ``Runtime.inspector_endpoints()`` always returns
/// ``None``. The class exists so that code naming it keeps working.
#[pyclass(frozen, module = "jsrun", get_all)]
pub struct InspectorEndpoints {
    /// Target id.
    pub id: String,
    /// The DevTools websocket URL.
    pub websocket_url: String,
    /// A URL that opens the DevTools front end on this target.
    pub devtools_frontend_url: String,
    /// Target title.
    pub title: String,
    /// Target description.
    pub description: String,
    /// Target URL.
    pub target_url: String,
    /// Target icon URL.
    pub favicon_url: String,
    /// `host:port` the inspector listens on.
    pub host: String,
}
