//! Every misuse of the attributes, as errors spanned on the user's tokens.

use crate::ast::FnModel;
use crate::module_audit::{AttachedWait, UnsafeStatic};
use crate::attr::push;
use syn::spanned::Spanned;

/// Checks one function under `#[blocking_detached]`. `standalone`: the attribute is
/// on this function itself (not on its `impl` block), so a body without waits is an
/// error here.
pub fn blocking_fn(sig: &syn::Signature, model: &FnModel, standalone: bool, errors: &mut Option<syn::Error>) {
    for (span, name) in &model.iterator_loops {
        push(
            errors,
            syn::Error::new(
                *span,
                format!(
                    "`for` over the blocking iterator `{name}()`: every step of the loop waits in it, between \
                     runs of the loop body, which #[blocking_detached] cannot split, so it would wait attached. \
                     Loop on the single wait instead (`while let Ok(v) = rx.recv() {{ .. }}`, rewritten), or \
                     consume the iterator in one chain (`rx.{name}().collect::<Vec<_>>()`, detached as a whole)"
                ),
            ),
        );
    }
    for (wait, mac) in &model.macro_waits {
        push(
            errors,
            syn::Error::new(
                wait.span(),
                format!(
                    "blocking wait `{wait}` inside `{mac}!`, whose tokens are not comma-separated expressions, \
                     so #[blocking_detached] cannot rewrite it and it would wait attached. Move the wait out \
                     of the macro: bind its result with a `let` before the macro, and use that inside"
                ),
            ),
        );
    }
    if model.is_async {
        // `.await`ed calls are not waits; anything else blocks the polling thread.
        for site in &model.sites {
            push(
                errors,
                syn::Error::new(
                    site.span,
                    format!(
                        "blocking wait `{}` in an `async fn`: it blocks the thread that polls the future \
                         (for a #[pymethods] `async fn`, while attached to the interpreter), which \
                         #[blocking_detached] cannot detach. Await an async form of it (`.await`), or run \
                         it on a blocking pool and await that (`tokio::task::spawn_blocking(move || ..).await`)",
                        site.name
                    ),
                ),
            );
        }
        // A `select!` in an `async fn` is taken for an async one (tokio's, futures'),
        // which awaits: not reported.
        if standalone && model.sites.is_empty() && model.iterator_loops.is_empty() && model.macro_waits.is_empty() {
            push(errors, no_wait_error(&sig.ident));
        }
        return;
    }
    if standalone && model.sites.is_empty() && model.opaque_waits.is_empty() && model.iterator_loops.is_empty() && model.macro_waits.is_empty() {
        push(errors, no_wait_error(&sig.ident));
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
        if let (Some(_), Some(proof)) = (site.in_attach, &site.via_proof) {
            push(
                errors,
                syn::Error::new(
                    site.span,
                    format!(
                        "`{}` is passed the `Detached` proof `{proof}` inside a `Python::attach` closure: the \
                         thread is attached again there, so the proof no longer holds and the helper blocks \
                         attached. Call it outside the `Python::attach` closure (attach only for the Python \
                         part, before or after)",
                        site.name
                    ),
                ),
            );
            continue;
        }
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

/// The "no wait" error: says what the macro did not find and how to name it. It never
/// advises dropping the attribute: the code may well block in a call it does not know.
fn no_wait_error(ident: &syn::Ident) -> syn::Error {
    syn::Error::new_spanned(
        ident,
        format!(
            "#[blocking_detached] on `{ident}` found no blocking wait it recognises: it rewrites the calls of \
             its wait set (`recv`, `join`, `wait`, `block_on`, ..: see the reference) and calls with a \
             `detached!()` argument. If `{ident}` blocks in another call (your helper, a bounded `send`, \
             `rx.iter().sum()`), list that call's name with `waits = [name, ..]`, or give the helper a \
             `&Detached` parameter and pass `detached!()`"
        ),
    )
}

/// `#[blocking_detached]` on an `impl` block with no wait in any method.
pub fn blocking_impl(item: &syn::ItemImpl, total_sites: usize, errors: &mut Option<syn::Error>) {
    if total_sites == 0 {
        push(
            errors,
            syn::Error::new(
                item.self_ty.span(),
                "#[blocking_detached] on an `impl` block found no blocking wait it recognises in any \
                 method: it rewrites the calls of its wait set (`recv`, `join`, `wait`, `block_on`, ..: see \
                 the reference) and calls with a `detached!()` argument. If a method blocks in another \
                 call (your helper, a bounded `send`, `rx.iter().sum()`), list that call's name with \
                 `waits = [name, ..]`, or give the helper a `&Detached` parameter and pass `detached!()`",
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

/// Waits that run attached in an `#[ft_module]`'s entry points.
pub fn module_waits(found: &[AttachedWait], errors: &mut Option<syn::Error>) {
    for w in found {
        let message = if w.is_async {
            format!(
                "blocking wait `{}` in the `async fn` {}: it blocks the thread that polls the future, \
                 attached to the interpreter, and can deadlock (GIL / stop-the-world). Await an async form \
                 of it, or run it on a blocking pool and await that (`spawn_blocking(move || ..).await`); \
                 or opt out with #[pyo3_detach::allow_attached(reason = \"..\")] on the item",
                w.name, w.entry
            )
        } else {
            format!(
                "blocking wait `{}` in {}, which runs attached to the interpreter: it can deadlock \
                 (GIL / stop-the-world) and #[ft_module] declares the module free-threading safe. To run \
                 it detached, {}; or opt out with #[pyo3_detach::allow_attached(reason = \"..\")] on the item",
                w.name, w.entry, w.fix
            )
        };
        push(errors, syn::Error::new(w.span, message));
    }
}

/// `m.gil_used(true)` in the body of an `#[ft_module]`.
pub fn module_gil_used_calls(calls: &[proc_macro2::TokenStream], errors: &mut Option<syn::Error>) {
    for call in calls {
        push(
            errors,
            syn::Error::new_spanned(
                call,
                "`gil_used(..)` contradicts #[ft_module], which declares this module `gil_used = false`: \
                 a `true` here would re-enable the GIL for the whole process when the module is imported. \
                 Remove the call (or use a plain #[pymodule] until the module is thread-safe)",
            ),
        );
    }
}
