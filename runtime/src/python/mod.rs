//! The `#[pyclass]` types and the attached side of every engine round trip.

pub mod config;
pub mod errors;
pub mod function;
pub mod host;
pub mod inspector;
pub mod modules;
pub mod runtime;
pub mod snapshot;
pub mod stats;
pub mod stream;
pub mod undefined;
pub mod wait;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDelta, PyFloat, PyInt, PyString};
use std::time::Duration;

/// A `str` argument, with the published jsrun's message for anything else
/// ("argument 'name': 'int' object cannot be cast as 'str'").
pub fn str_arg(obj: &Bound<'_, PyAny>, arg: &str) -> PyResult<String> {
    match obj.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_owned()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "argument '{arg}': '{}' object cannot be cast as 'str'",
            obj.get_type().name()?
        ))),
    }
}

/// The published text for a `timeout=` of a wrong type given to `eval_async`,
/// `eval_module_async` or `call_async` (`RuntimeConfig`'s differs).
const ASYNC_TIMEOUT_TYPE_MSG: &str = "Timeout must be a number (seconds), datetime.timedelta, or None";

/// Checks a `timeout=` argument when an async method is called (the coroutine it
/// returns would only raise at the first await); its whole milliseconds, for messages.
#[pyfunction]
pub fn _check_timeout(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u128>> {
    if let Some(t) = timeout.filter(|t| !t.is_none()) {
        // (`bool` is an `int`.)
        if !(t.is_instance_of::<PyDelta>() || t.is_instance_of::<PyInt>() || t.is_instance_of::<PyFloat>()) {
            return Err(PyValueError::new_err(ASYNC_TIMEOUT_TYPE_MSG));
        }
    }
    parse_timeout(timeout).map(|d| d.map(|d| d.as_millis()))
}

/// Seconds (`int`/`float`, a `bool` counting as 0/1 as in the published jsrun) or
/// `datetime.timedelta`; finite and > 0. The messages are the published jsrun's.
pub fn parse_timeout(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Duration>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    let secs: f64 = if obj.is_instance_of::<PyDelta>() {
        obj.call_method0("total_seconds")?.extract()?
    } else if obj.is_instance_of::<PyBool>() {
        if obj.is_truthy()? { 1.0 } else { 0.0 }
    } else if obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>() {
        obj.extract()?
    } else {
        return Err(PyValueError::new_err(ASYNC_TIMEOUT_TYPE_MSG));
    };
    if !secs.is_finite() {
        return Err(PyValueError::new_err("Timeout must be finite"));
    }
    if secs < 0.0 {
        return Err(PyValueError::new_err("Timeout cannot be negative"));
    }
    if secs == 0.0 {
        return Err(PyValueError::new_err("Timeout cannot be zero"));
    }
    Duration::try_from_secs_f64(secs)
        .map(Some)
        .map_err(|_| PyValueError::new_err("Timeout is too large"))
}
