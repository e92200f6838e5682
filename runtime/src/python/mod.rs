//! The `#[pyclass]` types and the attached side of every engine round trip.

pub mod args;
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

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDelta, PyFloat, PyInt};
use std::time::Duration;

/// Checks a `timeout=` argument when an async method is called (the coroutine it
/// returns would only raise at the first await).
#[pyfunction]
pub fn _check_timeout(timeout: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    parse_timeout(timeout).map(|_| ())
}

/// The published texts of a bad `timeout` (a ValueError even for a wrong type).
const TIMEOUT_TYPE_MSG: &str = "Timeout must be a number (seconds) or datetime.timedelta object";

/// Seconds (`int`/`float`, `bool` counting as an int, as published) or
/// `datetime.timedelta`; finite and > 0.
pub fn parse_timeout(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Duration>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    parse_timeout_value(obj).map(Some)
}

/// A timeout that must be given (the `RuntimeConfig.timeout` setter: None is refused).
pub fn parse_timeout_value(obj: &Bound<'_, PyAny>) -> PyResult<Duration> {
    let too_large = || PyValueError::new_err("Timeout is too large");
    let secs: f64 = if obj.is_instance_of::<PyDelta>() {
        obj.call_method0("total_seconds")?.extract()?
    } else if obj.is_instance_of::<PyInt>() {
        // An int past f64's range is certainly too large.
        obj.extract().map_err(|_| too_large())?
    } else if obj.is_instance_of::<PyFloat>() {
        obj.extract()?
    } else {
        return Err(PyValueError::new_err(TIMEOUT_TYPE_MSG));
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
    Duration::try_from_secs_f64(secs).map_err(|_| too_large())
}
