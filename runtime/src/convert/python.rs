//! Python <-> `Value`, attached. Never touches the engine.

use crate::engine::Handle;
use crate::python::function::{JsFunction, JsPromise};
use crate::python::undefined::{undefined, JsUndefined};
use crate::value::{Budget, ConvError, HostFn, Limits, Value};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDateTime, PyDelta, PyDict, PyFloat, PyFrozenSet, PyInt, PyList,
    PyMemoryView, PySet, PyString, PyTzInfo,
};
use pyo3::PyTypeInfo;
use std::collections::HashSet;
use std::sync::Arc;

fn conv_err(e: ConvError) -> PyErr {
    PyRuntimeError::new_err(e.to_string())
}

/// Python -> `Value`.
pub struct FromPy<'a> {
    budget: Budget,
    path: HashSet<usize>,
    handle: Option<&'a Arc<Handle>>,
    /// `bind_object`: callables become host functions.
    allow_callables: bool,
    /// A handler's result: ints beyond the safe integers become BigInts (elsewhere,
    /// up to i64, numbers), as in the published jsrun.
    host_result: bool,
}

impl<'a> FromPy<'a> {
    pub fn new(limits: Limits, handle: Option<&'a Arc<Handle>>) -> Self {
        FromPy {
            budget: Budget::new(limits),
            path: HashSet::new(),
            handle,
            allow_callables: false,
            host_result: false,
        }
    }

    pub fn for_host_result(mut self) -> Self {
        self.host_result = true;
        self
    }

    pub fn with_callables(mut self) -> Self {
        self.allow_callables = true;
        self
    }

    pub fn convert(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
        self.go(obj, 0)
    }

    fn enter(&mut self, obj: &Bound<'_, PyAny>, what: &str) -> PyResult<usize> {
        let id = obj.as_ptr() as usize;
        if !self.path.insert(id) {
            return Err(PyRuntimeError::new_err(format!(
                "Circular reference detected while converting Python {what}"
            )));
        }
        Ok(id)
    }

    /// A list or tuple (`obj`, whose `len` items are `items`) as a JS array.
    fn array<'py>(
        &mut self,
        obj: &Bound<'py, PyAny>,
        len: usize,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        depth: usize,
    ) -> PyResult<Value> {
        let id = self.enter(obj, "list")?;
        let mut out = Vec::with_capacity(len);
        for item in items {
            out.push(self.go(&item, depth + 1)?);
        }
        self.path.remove(&id);
        Ok(Value::Array(out))
    }

    fn go(&mut self, obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
        self.budget.depth(depth).map_err(conv_err)?;
        self.budget.charge(8).map_err(conv_err)?;
        if obj.is_none() {
            return Ok(Value::Null);
        }
        if obj.is_instance_of::<JsUndefined>() {
            return Ok(Value::Undefined);
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return Ok(Value::Bool(b.is_true()));
        }
        if let Ok(i) = obj.cast::<PyInt>() {
            return Ok(match i.extract::<i64>() {
                Ok(v) if !self.host_result || v.unsigned_abs() < (1u64 << 53) => Value::Int(v),
                _ => {
                    let s = i.str()?.to_str()?.to_owned();
                    self.budget.charge(s.len()).map_err(conv_err)?;
                    Value::BigInt(s)
                }
            });
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return Ok(Value::Float(f.value()));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            let s = s.to_str().map_err(|_| {
                PyRuntimeError::new_err("Cannot convert str to JavaScript: it contains lone surrogates (invalid UTF-16)")
            })?;
            self.budget.charge(s.len()).map_err(conv_err)?;
            return Ok(Value::String(s.to_owned()));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            self.budget.charge(b.as_bytes().len()).map_err(conv_err)?;
            return Ok(Value::Bytes(b.as_bytes().to_vec()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            self.budget.charge(b.len()).map_err(conv_err)?;
            return Ok(Value::Bytes(b.to_vec()));
        }
        if obj.is_instance_of::<PyMemoryView>() {
            let b = PyBytes::type_object(obj.py()).call1((obj,))?;
            let b = b.cast::<PyBytes>()?;
            self.budget.charge(b.as_bytes().len()).map_err(conv_err)?;
            return Ok(Value::Bytes(b.as_bytes().to_vec()));
        }
        if let Ok(l) = obj.cast::<PyList>() {
            return self.array(obj, l.len(), l.iter(), depth);
        }

        if let Ok(d) = obj.cast::<PyDict>() {
            let id = self.enter(obj, "dict")?;
            let mut out = Vec::with_capacity(d.len());
            for (k, v) in d.iter() {
                let Ok(k) = k.cast::<PyString>() else {
                    return Err(PyTypeError::new_err(format!(
                        "'{}' object cannot be cast as 'str'",
                        k.get_type().name()?
                    )));
                };
                let k = k.to_str()?.to_owned();
                self.budget.charge(k.len()).map_err(conv_err)?;
                out.push((k, self.go(&v, depth + 1)?));
            }
            self.path.remove(&id);
            return Ok(Value::Object(out));
        }
        if obj.is_instance_of::<PySet>() || obj.is_instance_of::<PyFrozenSet>() {
            let mut out = Vec::new();
            for item in obj.try_iter()? {
                out.push(self.go(&item?, depth + 1)?);
            }
            return Ok(Value::Set(out));
        }
        if let Ok(dt) = obj.cast::<PyDateTime>() {
            let py = obj.py();
            let aware = if dt.getattr("tzinfo")?.is_none() {
                let kw = PyDict::new(py);
                kw.set_item("tzinfo", PyTzInfo::utc(py)?)?;
                dt.call_method("replace", (), Some(&kw))?
            } else {
                dt.clone().into_any()
            };
            // Exact: (aware - epoch) // 1 ms, in Python's integer arithmetic.
            let delta = aware.call_method1("__sub__", (epoch(py)?,))?;
            let ms: i64 = delta
                .call_method1("__floordiv__", (PyDelta::new(py, 0, 0, 1000, false)?,))?
                .extract()?;
            return Ok(Value::Date(ms as f64));
        }
        if let Ok(f) = obj.cast::<JsFunction>() {
            let f = f.get();
            if let Some(h) = self.handle {
                if !Arc::ptr_eq(h, &f.handle) {
                    return Err(PyRuntimeError::new_err(
                        "Cannot pass a JsFunction to another runtime",
                    ));
                }
            }
            if f.is_closed() {
                return Err(PyRuntimeError::new_err("Function has been closed"));
            }
            return Ok(Value::Function(f.id));
        }
        if let Some(v) = crate::python::stream::stream_value(obj, self.handle) {
            return v;
        }
        if self.allow_callables && depth == 0 && obj.is_callable() {
            let name = obj
                .getattr("__name__")
                .ok()
                .and_then(|n| n.extract::<String>().ok())
                .unwrap_or_else(|| "anonymous".into());
            return Ok(Value::HostFunction(HostFn::new(name, obj.clone().unbind())));
        }
        // Anything else a float can be made of (`__float__`, `__index__`: Decimal,
        // Fraction, NumPy scalars) is a number, as in the published jsrun.
        if let Ok(f) = obj.extract::<f64>() {
            return Ok(Value::Float(f));
        }
        Err(PyRuntimeError::new_err(
            "Unsupported Python type for JSValue conversion",
        ))
    }
}

/// The proleptic Gregorian year of day `days` since 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn year_of_day(days: i64) -> i64 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}

fn epoch(py: Python<'_>) -> PyResult<Bound<'_, PyDateTime>> {
    let utc = PyTzInfo::utc(py)?;
    PyDateTime::new(py, 1970, 1, 1, 0, 0, 0, 0, Some(&utc))
}

/// `Value` -> Python.
pub fn to_py<'py>(py: Python<'py>, v: Value, handle: &Arc<Handle>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Undefined => undefined(py).clone().into_any(),
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => PyFloat::new(py, f).into_any(),
        Value::BigInt(s) => PyInt::type_object(py).call1((s,))?,
        Value::String(s) => PyString::new(py, &s).into_any(),
        Value::Bytes(b) => PyBytes::new(py, &b).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item, handle)?)?;
            }
            list.into_any()
        }
        Value::Object(entries) => {
            let d = PyDict::new(py);
            for (k, item) in entries {
                d.set_item(k, to_py(py, item, handle)?)?;
            }
            d.into_any()
        }
        Value::Set(items) => {
            let s = PySet::empty(py)?;
            for item in items {
                s.add(to_py(py, item, handle)?)?;
            }
            s.into_any()
        }
        Value::Date(ms) => {
            if !ms.is_finite() {
                return Err(PyRuntimeError::new_err(
                    "Cannot convert an invalid Date to datetime",
                ));
            }
            let ms = ms.trunc();
            let days = (ms / 86_400_000.0).floor();
            let rest_ms = ms - days * 86_400_000.0;
            let (days, rest_ms) = (days as i32, rest_ms as i64);
            let delta = PyDelta::new(
                py,
                days,
                (rest_ms / 1000) as i32,
                ((rest_ms % 1000) * 1000) as i32,
                true,
            )?;
            // Past datetime's years 1..=9999: Python's own error for such a year, as
            // the published jsrun raises it.
            epoch(py)?.call_method1("__add__", (delta,)).map_err(|_| {
                PyValueError::new_err(format!("year {} is out of range", year_of_day(days as i64)))
            })?
        }
        Value::Function(id) => Bound::new(py, JsFunction::new(handle.clone(), id))?.into_any(),
        Value::Promise(id) => Bound::new(py, JsPromise::new(handle.clone(), id))?.into_any(),
        Value::HostFunction(h) => match h
            .callable
            .lock()
            .ok()
            .and_then(|c| c.as_ref().map(|c| c.clone_ref(py)))
        {
            Some(c) => c.into_bound(py),
            None => py.None().into_bound(py),
        },
        v @ (Value::JsStream(_) | Value::PyStream(_)) => {
            crate::python::stream::to_py_object(py, v, handle)?
        }
    })
}
