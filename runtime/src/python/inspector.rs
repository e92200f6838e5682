//! `InspectorConfig` and `InspectorEndpoints`: the published API's Chrome DevTools
//! inspector. QuickJS-NG speaks no DevTools protocol: the configuration is a plain,
//! validated value; a `Runtime` asked to use it refuses (`NotImplementedError`).

use pyo3::exceptions::{PyNotImplementedError, PyValueError};
use pyo3::prelude::*;
use std::net::{IpAddr, SocketAddr};

/// The error `Runtime(config)` raises when `config.inspector` is set.
pub fn unsupported() -> PyErr {
    PyNotImplementedError::new_err(
        "the inspector (Chrome DevTools protocol) is not supported by this engine \
         (QuickJS-NG); leave RuntimeConfig.inspector unset",
    )
}

/// Where a DevTools inspector would listen, and how it would behave.
///
/// Accepted and validated like the published library's (``host`` must be an IP
/// address, ``port`` 1..65535), but this engine (QuickJS-NG) has no inspector:
/// ``Runtime(RuntimeConfig(inspector=...))`` raises ``NotImplementedError`` (a
/// ``RuntimeError`` subclass) whose text contains "not supported by this engine".
#[pyclass(module = "jsrun")]
pub struct InspectorConfig {
    addr: SocketAddr,
    /// Whether the runtime would wait for a debugger before running code.
    #[pyo3(get, set)]
    wait_for_connection: bool,
    /// Whether the runtime would pause on the first statement.
    #[pyo3(get, set)]
    break_on_next_statement: bool,
    /// The URL shown for the target in DevTools, or None.
    #[pyo3(get, set)]
    target_url: Option<String>,
    /// The name shown for the target in DevTools, or None.
    #[pyo3(get, set)]
    display_name: Option<String>,
}

#[pymethods]
impl InspectorConfig {
    #[new]
    #[pyo3(signature = (host="127.0.0.1", port=9229, *, wait_for_connection=false, break_on_next_statement=false, target_url=None, display_name=None))]
    fn new(
        host: &str,
        port: u16,
        wait_for_connection: bool,
        break_on_next_statement: bool,
        target_url: Option<String>,
        display_name: Option<String>,
    ) -> PyResult<Self> {
        if port == 0 {
            return Err(PyValueError::new_err(
                "Inspector port must be a positive integer",
            ));
        }
        let ip: IpAddr = host.parse().map_err(|_| {
            PyValueError::new_err(format!(
                "Invalid inspector address {host:?}: host must be an IP address"
            ))
        })?;
        Ok(InspectorConfig {
            addr: SocketAddr::new(ip, port),
            wait_for_connection,
            break_on_next_statement,
            target_url,
            display_name,
        })
    }

    /// The host (IP address) the inspector would bind.
    #[getter]
    fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    /// The TCP port the inspector would listen on.
    #[getter]
    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The ``host:port`` pair DevTools would connect to.
    fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    fn __repr__(&self) -> String {
        let opt = |v: &Option<String>| match v {
            Some(s) => format!("{s:?}"),
            None => "None".into(),
        };
        let b = |v: bool| if v { "True" } else { "False" };
        format!(
            "InspectorConfig(host={:?}, port={}, wait_for_connection={}, break_on_next_statement={}, target_url={}, display_name={})",
            self.host(),
            self.port(),
            b(self.wait_for_connection),
            b(self.break_on_next_statement),
            opt(&self.target_url),
            opt(&self.display_name)
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
