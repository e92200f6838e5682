//! The Python side of ES modules: validating what `set_module_resolver`,
//! `set_module_loader` and `add_static_module` receive. The registry itself lives on
//! the engine thread (`engine/modules.rs`), which calls the callables attached for
//! each call only, like bound functions, and releases them attached at shutdown.

use crate::command::ModuleChange;
use crate::value::HostFn;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A resolver/loader, or `None` to remove the current one. As in the published jsrun,
/// anything else is accepted: one that is not callable fails each import with
/// "TypeError: 'int' object is not callable".
fn callable_or_none(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Option<std::sync::Arc<HostFn>>> {
    if obj.is_none() {
        return Ok(None);
    }
    Ok(Some(HostFn::new(format!("module {what}"), obj.clone().unbind())))
}

pub fn resolver(obj: &Bound<'_, PyAny>) -> PyResult<ModuleChange> {
    callable_or_none("resolver", obj).map(ModuleChange::Resolver)
}

pub fn loader(obj: &Bound<'_, PyAny>) -> PyResult<ModuleChange> {
    callable_or_none("loader", obj).map(ModuleChange::Loader)
}

/// A static module: importable by the bare `name` or `static:<name>`, resolved as
/// `jsrun://static/<name>` (any name, `""` too, as in the published jsrun).
pub fn static_module(name: &str, source: &str) -> PyResult<ModuleChange> {
    if name.contains('\0') {
        return Err(PyValueError::new_err("a module name cannot contain NUL"));
    }
    Ok(ModuleChange::Static {
        name: name.to_owned(),
        source: source.to_owned(),
    })
}
