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
use pyo3::types::{PyBool, PyDelta, PyFloat, PyInt};
use std::time::Duration;

/// Checks a `timeout=` argument when an async method is called (the coroutine it
/// returns would only raise at the first await).
#[pyfunction]
pub fn _check_timeout(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    parse_timeout(timeout).map(|_| ())
}

/// Seconds (`int`/`float`) or `datetime.timedelta`; finite and > 0.
pub fn parse_timeout(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Duration>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    let secs: f64 = if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(
            "Timeout must be a number (seconds) or a datetime.timedelta, not bool",
        ));
    } else if obj.is_instance_of::<PyDelta>() {
        obj.call_method0("total_seconds")?.extract()?
    } else if obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>() {
        obj.extract()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "Timeout must be a number (seconds) or a datetime.timedelta, not {}",
            obj.get_type().name()?
        )));
    };
    if !secs.is_finite() {
        return Err(PyValueError::new_err(
            "Timeout must be a finite number of seconds",
        ));
    }
    if secs <= 0.0 {
        return Err(PyValueError::new_err("Timeout must be positive"));
    }
    Duration::try_from_secs_f64(secs)
        .map(Some)
        .map_err(|_| PyValueError::new_err("Timeout is too large"))
}
