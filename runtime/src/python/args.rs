//! Argument extraction with the published jsrun's error texts (its PyO3 words them
//! "'int' object cannot be cast as 'str'"; callers match on them).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyString};

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// `argument 'ARG': 'TYPE' object cannot be cast as 'TARGET'`.
pub fn cast_err(obj: &Bound<'_, PyAny>, arg: &str, target: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "argument '{arg}': '{}' object cannot be cast as '{target}'",
        type_name(obj)
    ))
}

/// A `str` argument (lone surrogates raise `UnicodeEncodeError`, as published).
pub fn str_arg(obj: &Bound<'_, PyAny>, arg: &str) -> PyResult<String> {
    let s = obj
        .cast::<PyString>()
        .map_err(|_| cast_err(obj, arg, "str"))?;
    Ok(s.to_str()?.to_owned())
}

/// A `str | None` argument (None when absent).
pub fn opt_str_arg(obj: Option<&Bound<'_, PyAny>>, arg: &str) -> PyResult<Option<String>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => str_arg(o, arg).map(Some),
    }
}

/// A `bool` argument: `bool` only (no truthiness).
pub fn bool_arg(obj: &Bound<'_, PyAny>, arg: &str) -> PyResult<bool> {
    obj.cast::<PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| cast_err(obj, arg, "bool"))
}

/// A `bool | None` argument: None (or absent) is `default`.
pub fn opt_bool_arg(obj: Option<&Bound<'_, PyAny>>, arg: &str, default: bool) -> PyResult<bool> {
    match obj {
        None => Ok(default),
        Some(o) if o.is_none() => Ok(default),
        Some(o) => bool_arg(o, arg),
    }
}

/// An argument given (None included: the callee decides) or left out.
pub enum Given<'py> {
    Absent,
    Value(Bound<'py, PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Given<'py> {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Given::Value(obj.to_owned()))
    }
}
