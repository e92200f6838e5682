//! The Python side of ES modules: validating what `set_module_resolver`,
//! `set_module_loader` and `add_static_module` receive. The registry itself lives on
//! the engine thread (`engine/modules.rs`), which calls the callables attached for
//! each call only, like bound functions, and releases them attached at shutdown.

use crate::command::ModuleChange;
use crate::value::HostFn;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// A resolver/loader: a callable, or `None` to remove the current one.
fn callable_or_none(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Option<std::sync::Arc<HostFn>>> {
    if obj.is_none() {
        return Ok(None);
    }
    if !obj.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "the module {what} must be callable or None, not {}",
            obj.get_type().name()?
        )));
    }
    Ok(Some(HostFn::new(format!("module {what}"), obj.clone().unbind())))
}

pub fn resolver(obj: &Bound<'_, PyAny>) -> PyResult<ModuleChange> {
    callable_or_none("resolver", obj).map(ModuleChange::Resolver)
}

pub fn loader(obj: &Bound<'_, PyAny>) -> PyResult<ModuleChange> {
    callable_or_none("loader", obj).map(ModuleChange::Loader)
}

/// A static module: importable by the bare `name`, resolved as `static:<name>`.
pub fn static_module(name: &str, source: &str) -> PyResult<ModuleChange> {
    if name.is_empty() {
        return Err(PyValueError::new_err("a static module needs a non-empty name"));
    }
    if name.contains('\0') {
        return Err(PyValueError::new_err("a module name cannot contain NUL"));
    }
    Ok(ModuleChange::Static {
        name: name.to_owned(),
        source: source.to_owned(),
    })
}
