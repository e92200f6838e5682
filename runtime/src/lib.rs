//! `jsrun._jsrun`: run JavaScript (QuickJS-NG) from Python.
//!
//! One engine thread per `Runtime` owns the JS runtime and every JS object; Python
//! objects hold handles. Every wait for the engine happens detached
//! (`#[pyo3_detach::blocking_detached]`), so no thread ever waits while attached.

pub mod command;
pub mod convert;
pub mod engine;
mod handoff;
pub mod reply;
pub mod python;
pub mod value;

use pyo3::prelude::*;
use pyo3_detach::ft_module;

#[ft_module]
fn _jsrun(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    // PyO3 loads the datetime C API on first use; load it here, at import, rather than
    // in a conversion on a thread that interpreter shutdown may end (see jsrun._aio).
    pyo3::types::PyDelta::new(py, 0, 0, 0, false)?;
    m.add_class::<python::runtime::Runtime>()?;
    m.add_class::<python::config::RuntimeConfig>()?;
    m.add_class::<python::stats::RuntimeStats>()?;
    m.add_class::<python::function::JsFunction>()?;
    m.add_class::<python::function::JsPromise>()?;
    m.add_class::<python::stream::JsStream>()?;
    m.add_class::<python::stream::PyStreamSource>()?;
    m.add_class::<python::undefined::JsUndefined>()?;
    m.add_class::<python::snapshot::SnapshotBuilder>()?;
    m.add_class::<python::inspector::InspectorConfig>()?;
    m.add_class::<python::inspector::InspectorEndpoints>()?;
    m.add(
        "JavaScriptError",
        py.get_type::<python::errors::JavaScriptError>(),
    )?;
    m.add(
        "RuntimeTerminated",
        py.get_type::<python::errors::RuntimeTerminated>(),
    )?;
    m.add("undefined", python::undefined::undefined(py))?;
    m.add_function(wrap_pyfunction!(python::runtime::_close_all, m)?)?;
    m.add_function(wrap_pyfunction!(python::_check_timeout, m)?)?;
    Ok(())
}
