//! `jsrun.undefined`: the only `JsUndefined`.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// JavaScript `undefined` (falsy; `str()` is "undefined", `repr()` "JsUndefined").
///
/// Only the `jsrun.undefined` singleton exists: constructing another raises.
#[pyclass(frozen, module = "jsrun")]
pub struct JsUndefined;

static UNDEFINED: PyOnceLock<Py<JsUndefined>> = PyOnceLock::new();

pub fn undefined(py: Python<'_>) -> &Bound<'_, JsUndefined> {
    UNDEFINED
        .get_or_init(py, || {
            Py::new(py, JsUndefined).expect("allocating the undefined singleton")
        })
        .bind(py)
}

#[pymethods]
impl JsUndefined {
    #[new]
    fn py_new() -> PyResult<Self> {
        Err(PyRuntimeError::new_err(
            "JsUndefined is a singleton; use jsrun.undefined",
        ))
    }
    fn __bool__(&self) -> bool {
        false
    }
    /// As the published jsrun's (`str()` is "undefined").
    fn __repr__(&self) -> &'static str {
        "JsUndefined"
    }
    fn __str__(&self) -> &'static str {
        "undefined"
    }
    fn __reduce__(&self) -> &'static str {
        "undefined"
    }
    fn __copy__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> {
        slf
    }
}
