//! What runs attached, what is already detached, and where Python enters.

use crate::waits::Model;
use syn::Expr;

/// How the closures passed to a call run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosureContext {
    /// Like the surrounding code (an iterator adapter, say).
    Inherit,
    /// Already detached (`py.detach(..)`, `Detached::run(..)`) or on another thread
    /// (`spawn(..)`): left alone.
    Skip,
    /// Attached again (`Python::attach(..)`): a wait there blocks attached.
    Attached,
}

/// Calls whose closure arguments run detached (or the caller detaches around them).
const DETACHING: &[&str] = &["detach", "allow_threads"];
/// Calls whose closure arguments run on another thread.
const SPAWNING: &[&str] = &["spawn", "spawn_scoped", "spawn_blocking", "spawn_local", "spawn_fifo", "spawn_broadcast"];
/// Calls whose closure arguments run attached.
const ATTACHING: &[&str] = &["attach", "with_gil"];
/// rayon calls whose closures run on the pool's threads.
const POOL: &[&str] = &["install", "broadcast"];

impl Model {
    /// The name of the call `expr` and whether it is a `Detached::..` function.
    fn call_name(expr: &Expr) -> Option<(String, bool)> {
        match expr {
            Expr::MethodCall(c) => Some((c.method.to_string(), false)),
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => {
                    let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                    let detached = segs.len() >= 2 && segs[segs.len() - 2] == "Detached";
                    segs.last().map(|l| (l.clone(), detached))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The context of the closures among the arguments of `expr`, if `expr` is a call.
    pub fn closure_context(&self, expr: &Expr) -> ClosureContext {
        let Some((name, detached_fn)) = Self::call_name(expr) else { return ClosureContext::Inherit };
        if detached_fn
            || DETACHING.contains(&name.as_str())
            || SPAWNING.contains(&name.as_str())
            || self.config.detaching_helpers.contains(&name)
            || POOL.contains(&name.as_str())
        {
            return ClosureContext::Skip;
        }
        if ATTACHING.contains(&name.as_str()) {
            return ClosureContext::Attached;
        }
        ClosureContext::Inherit
    }

    /// Does `expr` detach the current thread around its closure (`py.detach(..)`,
    /// `allow_threads`, `Detached::run`, a detaching helper)? A lock guard alive
    /// across such a call deadlocks with an attached thread waiting for the lock.
    pub fn is_detach_call(&self, expr: &Expr) -> bool {
        let Some((name, detached_fn)) = Self::call_name(expr) else { return false };
        let has_closure = match expr {
            Expr::MethodCall(c) => c.args.iter().any(|a| matches!(a, Expr::Closure(_))),
            Expr::Call(c) => c.args.iter().any(|a| matches!(a, Expr::Closure(_))),
            _ => false,
        };
        has_closure
            && (detached_fn || DETACHING.contains(&name.as_str()) || self.config.detaching_helpers.contains(&name))
    }
}

/// Where Python calls into Rust code while attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    PyFunction,
    /// A method of a `#[pymethods]` block: getters, setters, dunders (`__del__`) included.
    PyMethods,
    PyModule,
    /// `impl Drop` of a `#[pyclass]` type: runs when Python frees the object, attached.
    PyClassDrop,
    /// The closure of `Python::attach` / `Python::with_gil`.
    Attach,
}

impl EntryKind {
    pub fn label(self) -> &'static str {
        match self {
            EntryKind::PyFunction => "#[pyfunction]",
            EntryKind::PyMethods => "#[pymethods]",
            EntryKind::PyModule => "#[pymodule]",
            EntryKind::PyClassDrop => "Drop of a #[pyclass]",
            EntryKind::Attach => "Python::attach closure",
        }
    }
}

fn has_attr(attrs: &[syn::Attribute], names: &[&str]) -> bool {
    attrs.iter().any(|a| a.path().segments.last().is_some_and(|s| names.iter().any(|n| s.ident == n)))
}

/// `#[pyfunction]` or `#[pymodule]`/`#[ft_module]` on a function.
pub fn fn_entry(attrs: &[syn::Attribute]) -> Option<EntryKind> {
    if has_attr(attrs, &["pyfunction"]) {
        Some(EntryKind::PyFunction)
    } else if has_attr(attrs, &["pymodule", "ft_module"]) {
        Some(EntryKind::PyModule)
    } else {
        None
    }
}

/// `#[pymethods]` on an `impl` block.
pub fn is_pymethods(attrs: &[syn::Attribute]) -> bool {
    has_attr(attrs, &["pymethods"])
}

/// `#[pyclass]` on a struct or enum.
pub fn is_pyclass(attrs: &[syn::Attribute]) -> bool {
    has_attr(attrs, &["pyclass"])
}

/// `impl Drop for T`: the name of `T`.
pub fn drop_impl_type(imp: &syn::ItemImpl) -> Option<String> {
    let (_, trait_path, _) = imp.trait_.as_ref()?;
    if trait_path.segments.last()?.ident != "Drop" {
        return None;
    }
    type_name(&imp.self_ty)
}

/// The last path segment of a type (`Worker` for `crate::Worker<T>`, `&Worker`).
pub fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        syn::Type::Paren(p) => type_name(&p.elem),
        syn::Type::Group(g) => type_name(&g.elem),
        _ => None,
    }
}

/// `#[blocking_detached]` / `#[blocking_detached(waits = [a, b])]`: the extra wait
/// names, or `None` without the attribute.
pub fn blocking_detached_waits(attrs: &[syn::Attribute]) -> Option<Vec<String>> {
    let attr = attrs.iter().find(|a| a.path().segments.last().is_some_and(|s| s.ident == "blocking_detached"))?;
    let mut names = Vec::new();
    if let syn::Meta::List(list) = &attr.meta {
        collect_idents(list.tokens.clone(), &mut names);
        names.retain(|n| n != "waits");
    }
    Some(names)
}

fn collect_idents(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    for tt in tokens {
        match tt {
            proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => collect_idents(g.stream(), out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waits::Config;

    fn ctx(model: &Model, s: &str) -> ClosureContext {
        model.closure_context(&syn::parse_str(s).expect("expr"))
    }

    #[test]
    fn closure_contexts() {
        let model = Model::new(Config { detaching_helpers: vec!["enter_polars".into()], ..Config::default() });
        assert_eq!(ctx(&model, "py.detach(|| rx.recv())"), ClosureContext::Skip);
        assert_eq!(ctx(&model, "std::thread::spawn(move || rx.recv())"), ClosureContext::Skip);
        assert_eq!(ctx(&model, "Detached::run(py, |p| f(p))"), ClosureContext::Skip);
        assert_eq!(ctx(&model, "enter_polars(|| df.collect())"), ClosureContext::Skip);
        assert_eq!(ctx(&model, "pool.install(|| work())"), ClosureContext::Skip);
        assert_eq!(ctx(&model, "Python::attach(|py| f(py))"), ClosureContext::Attached);
        assert_eq!(ctx(&model, "Python::with_gil(|py| f(py))"), ClosureContext::Attached);
        assert_eq!(ctx(&model, "v.iter().map(|r| r.recv())"), ClosureContext::Inherit);
        assert!(model.is_detach_call(&syn::parse_str("py.allow_threads(|| 1)").expect("expr")));
        assert!(!model.is_detach_call(&syn::parse_str("thread::spawn(|| 1)").expect("expr")));
    }

    #[test]
    fn entries_and_annotations() {
        let f: syn::ItemFn = syn::parse_quote!(#[pyo3::pyfunction] fn f() {});
        assert_eq!(fn_entry(&f.attrs), Some(EntryKind::PyFunction));
        let m: syn::ItemFn = syn::parse_quote!(#[ft_module] fn m() {});
        assert_eq!(fn_entry(&m.attrs), Some(EntryKind::PyModule));
        let d: syn::ItemImpl = syn::parse_quote!(impl Drop for Worker { fn drop(&mut self) {} });
        assert_eq!(drop_impl_type(&d).as_deref(), Some("Worker"));
        let a: syn::ItemFn = syn::parse_quote!(#[blocking_detached(waits = [shutdown, call_sync])] fn f() {});
        assert_eq!(blocking_detached_waits(&a.attrs), Some(vec!["shutdown".to_string(), "call_sync".to_string()]));
        assert_eq!(blocking_detached_waits(&f.attrs), None);
    }
}
