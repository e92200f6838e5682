//! Every misuse of the attributes, as errors spanned on the user's tokens.

use crate::ast::{FnModel, UnsafeStatic};
use crate::attr::push;
use syn::spanned::Spanned;

/// Checks one function under `#[blocking_detached]`. `standalone`: the attribute is
/// on this function itself (not on its `impl` block), so a body without waits is an
/// error here.
pub fn blocking_fn(sig: &syn::Signature, model: &FnModel, standalone: bool, errors: &mut Option<syn::Error>) {
    if model.is_async && (standalone || !model.sites.is_empty()) {
        push(
            errors,
            syn::Error::new_spanned(
                sig.asyncness,
                "#[blocking_detached] is for synchronous code: an `async fn` must await its waits \
                 (an async channel, `JoinHandle` of an async runtime) instead of blocking a thread",
            ),
        );
        return;
    }
    if standalone && model.sites.is_empty() {
        push(
            errors,
            syn::Error::new_spanned(
                &sig.ident,
                format!(
                    "#[blocking_detached] on `{}`, which has no blocking wait: an annotation that protects \
                     nothing is a mistake. Remove it, or name the blocking calls with `waits = [name, ..]`",
                    sig.ident
                ),
            ),
        );
    }
    if !model.sites.is_empty() && model.token.is_none() {
        push(
            errors,
            syn::Error::new_spanned(
                &sig.ident,
                format!(
                    "#[blocking_detached] cannot detach `{}`: there is no interpreter token. Add a \
                     `py: Python<'_>` parameter, take a `&Bound<'_, ..>` parameter, or put \
                     #[blocking_detached] above #[pymethods] so it can add one",
                    sig.ident
                ),
            ),
        );
    }
    for (span, name) in &model.opaque_waits {
        push(
            errors,
            syn::Error::new(
                *span,
                format!(
                    "`{name}!` waits inside a macro, which #[blocking_detached] cannot rewrite, so it would \
                     wait attached. Move it into a helper that takes `&Detached` and call the helper with \
                     `detached!()`, or wrap it in `py.detach(|| ..)` yourself"
                ),
            ),
        );
    }
    for site in &model.sites {
        if site.in_attach.is_some() {
            push(
                errors,
                syn::Error::new(
                    site.span,
                    format!(
                        "blocking wait `{}` inside a `Python::attach` closure: it would run attached and can \
                         deadlock. Move it out of the closure: everywhere else in this body, \
                         #[blocking_detached] runs it detached",
                        site.name
                    ),
                ),
            );
        }
        if let Some(at) = site.chain_try {
            let why = if site.in_closure {
                Some("this wait sits inside a closure, whose return type the macro cannot see")
            } else if model.try_mode.is_none() {
                Some("the function does not return `Result<_, E>`, `PyResult<_>` or `Option<_>`")
            } else {
                None
            };
            if let Some(why) = why {
                push(
                    errors,
                    syn::Error::new(
                        at,
                        format!(
                            "`?` in the receiver chain of the blocking wait `{}`: the chain runs inside the \
                             detached closure, and {why}. Move the fallible part into a helper that takes \
                             `&Detached` and call it with `detached!()`",
                            site.name
                        ),
                    ),
                );
            }
        }
        for (ident, ty) in &site.captured_bound {
            let (what, fix) = match ty.as_str() {
                "Python" => (
                    format!("`{ident}` is the interpreter token (`Python`)"),
                    "compute what needs it before the wait, in a `let`".to_string(),
                ),
                "PyRef" | "PyRefMut" => (
                    format!("`{ident}` is a `{ty}`, tied to the attached interpreter"),
                    format!("take `&self` instead (a pyclass is `Sync`), or copy what the wait needs out of `{ident}` in a `let` before it"),
                ),
                _ => (
                    format!("`{ident}` is a `{ty}`, tied to the attached interpreter"),
                    format!("take what the wait needs out of `{ident}` in a `let` before it (a Rust value, or `.unbind()` for a `Py<T>`)"),
                ),
            };
            push(
                errors,
                syn::Error::new(
                    ident.span(),
                    format!("{what}: the blocking wait `{}` runs detached and cannot use it; {fix}", site.name),
                ),
            );
        }
    }
}

/// `#[blocking_detached]` on an `impl` block with no wait in any method.
pub fn blocking_impl(item: &syn::ItemImpl, total_sites: usize, errors: &mut Option<syn::Error>) {
    if total_sites == 0 {
        push(
            errors,
            syn::Error::new(
                item.self_ty.span(),
                "#[blocking_detached] on an `impl` block none of whose methods has a blocking wait: an \
                 annotation that protects nothing is a mistake. Remove it, or name the blocking calls \
                 with `waits = [name, ..]`",
            ),
        );
    }
}

/// Statics holding Python objects in cells that are not interpreter-aware.
pub fn module_statics(found: &[UnsafeStatic], errors: &mut Option<syn::Error>) {
    for s in found {
        let why = if s.cell == "GILOnceCell" {
            "`GILOnceCell` relies on the GIL for its exclusion, which free-threaded builds do not have \
             (it is deprecated in PyO3 0.26+)"
        } else {
            "its initialisation blocks other threads while they may be attached (a deadlock with \
             the GIL or a stop-the-world pause), and it does not know the interpreter's lifetime"
        };
        push(
            errors,
            syn::Error::new_spanned(
                &s.at,
                format!(
                    "process-wide Python object in a `{}`: {why}. Use `pyo3::sync::PyOnceLock<..>` for the \
                     static instead (its `get_or_init(py, ..)` detaches while it waits)",
                    s.cell
                ),
            ),
        );
    }
}
