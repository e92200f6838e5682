//! What `#[ft_module]` audits in the module it declares: process-wide Python objects
//! in cells that are not interpreter-aware, waits left attached in the entry points of
//! an inline module, and `gil_used(..)` calls that contradict the declaration.

use crate::ast::{analyse_fn, has_pymethods, item_head, last_segment_is, TokenFallback, WaitSet};
use crate::attr::push;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Ident, Type};

/// The item under `#[ft_module]`.
pub enum ModuleItem {
    Fn(syn::ItemFn),
    Mod(syn::ItemMod),
}

impl ModuleItem {
    pub fn parse(input: TokenStream) -> syn::Result<Self> {
        match syn::parse2::<syn::Item>(input)? {
            syn::Item::Fn(f) => Ok(ModuleItem::Fn(f)),
            syn::Item::Mod(m) if m.content.is_some() => Ok(ModuleItem::Mod(m)),
            syn::Item::Mod(m) => Err(syn::Error::new_spanned(
                // Not re-emitted: a file module in macro input is itself an error.
                item_head(&syn::Item::Mod(m)),
                "#[ft_module] needs the module's items inline (`mod m { .. }`): it must see them to audit them",
            )),
            other => Err(syn::Error::new_spanned(
                item_head(&other),
                "#[ft_module] applies to a `#[pymodule]` function or inline module",
            )),
        }
    }

    pub fn attrs_mut(&mut self) -> &mut Vec<syn::Attribute> {
        match self {
            ModuleItem::Fn(f) => &mut f.attrs,
            ModuleItem::Mod(m) => &mut m.attrs,
        }
    }
}

/// Cell types whose blocking initialisation can deadlock when they hold Python objects.
const CELL_TYPES: &[&str] = &["OnceLock", "OnceCell", "Lazy", "LazyLock", "LazyCell", "GILOnceCell"];
/// Python object types.
const PY_TYPES: &[&str] = &["Py", "PyObject", "Bound", "PyAny"];

/// A `static` (or `lazy_static!`) that holds Python objects in a cell that is not
/// interpreter-aware.
pub struct UnsafeStatic {
    /// The tokens to point at (the type, or the macro).
    pub at: TokenStream,
    pub cell: String,
}

/// Finds process-wide Python objects held in plain cells, in a module's items
/// (recursively into nested modules and function bodies).
pub fn audit_statics(items: &[syn::Item]) -> Vec<UnsafeStatic> {
    let mut aliases = AliasFinder(Vec::new());
    items.iter().for_each(|item| aliases.visit_item(item));
    let mut auditor = StaticAuditor { found: Vec::new(), aliases: aliases.0 };
    for item in items {
        auditor.visit_item(item);
    }
    auditor.found
}

/// Same, for the statics inside a module function's body.
pub fn audit_block(block: &syn::Block) -> Vec<UnsafeStatic> {
    let mut aliases = AliasFinder(Vec::new());
    aliases.visit_block(block);
    let mut auditor = StaticAuditor { found: Vec::new(), aliases: aliases.0 };
    auditor.visit_block(block);
    auditor.found
}

/// `type Name = ..;` declared in the audited code: a static's cell may name Python
/// objects through one (`OnceLock<Cache>` with `type Cache = Py<PyAny>`).
struct AliasFinder(Vec<(Ident, Type)>);

impl<'ast> Visit<'ast> for AliasFinder {
    fn visit_item_type(&mut self, t: &'ast syn::ItemType) {
        self.0.push((t.ident.clone(), (*t.ty).clone()));
    }
}

struct StaticAuditor {
    found: Vec<UnsafeStatic>,
    aliases: Vec<(Ident, Type)>,
}

impl<'ast> Visit<'ast> for StaticAuditor {
    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        if let Some(cell) = cell_of_python(&s.ty, &self.aliases) {
            self.found.push(UnsafeStatic { at: s.ty.to_token_stream(), cell });
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = m.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if name == "lazy_static" && mentions_python(m.tokens.clone()) {
            self.found.push(UnsafeStatic { at: m.to_token_stream(), cell: "lazy_static!".into() });
        }
    }
}

/// `OnceLock<Py<..>>` and the like: the cell's name.
fn cell_of_python(ty: &Type, aliases: &[(Ident, Type)]) -> Option<String> {
    struct Finder<'a> {
        found: Option<String>,
        aliases: &'a [(Ident, Type)],
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
            if self.found.is_none() && CELL_TYPES.iter().any(|c| seg.ident == c) {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    let held = args.args.iter().any(|a| match a {
                        syn::GenericArgument::Type(t) => holds_python(t, self.aliases, 0),
                        _ => false,
                    });
                    if held {
                        self.found = Some(seg.ident.to_string());
                        return;
                    }
                }
            }
            syn::visit::visit_path_segment(self, seg);
        }
    }
    let mut f = Finder { found: None, aliases };
    f.visit_type(ty);
    f.found
}

/// Does a value of this type hold a Python object? A function pointer or an `Fn(..)`
/// signature only names them (`fn(Python) -> Py<PyAny>` holds none). Aliases declared
/// in the audited code are looked through.
fn holds_python(ty: &Type, aliases: &[(Ident, Type)], depth: usize) -> bool {
    struct Finder<'a> {
        found: bool,
        aliases: &'a [(Ident, Type)],
        depth: usize,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}
        fn visit_parenthesized_generic_arguments(&mut self, _: &'ast syn::ParenthesizedGenericArguments) {}
        fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
            if PY_TYPES.iter().any(|p| seg.ident == p) {
                self.found = true;
            }
            // Bounded: an alias cycle is a rustc error anyway.
            if self.depth < 8 {
                if let Some((_, target)) = self.aliases.iter().find(|(name, _)| *name == seg.ident) {
                    self.found |= holds_python(target, self.aliases, self.depth + 1);
                }
            }
            syn::visit::visit_path_segment(self, seg);
        }
    }
    let mut f = Finder { found: false, aliases, depth };
    f.visit_type(ty);
    f.found
}

fn mentions_python(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Ident(i) => PY_TYPES.iter().any(|p| i == p),
        proc_macro2::TokenTree::Group(g) => mentions_python(g.stream()),
        _ => false,
    })
}

// -- waits left attached ---------------------------------------------------------------

/// A wait in an entry point of the module that runs attached.
pub struct AttachedWait {
    /// The wait as written (`recv`, `select!`).
    pub name: String,
    pub span: Span,
    /// What it is in: "#[pyfunction] `f`", "`Queue::get` of #[pymethods]", ...
    pub entry: String,
    /// Where `#[blocking_detached]` goes.
    pub fix: String,
    pub is_async: bool,
}

/// Finds the waits that run attached in the `#[pyfunction]`s, `#[pymethods]` and the
/// `Drop` of `#[pyclass]` types of an inline module (recursively), where no
/// `#[blocking_detached]` detaches them, and takes out (after checking their reason)
/// the `allow_attached` attributes that opt an item out.
pub fn audit_entry_points(items: &mut [syn::Item], errors: &mut Option<syn::Error>) -> Vec<AttachedWait> {
    let mut pyclasses = Vec::new();
    collect_pyclasses(items, &mut pyclasses);
    let mut found = Vec::new();
    audit_items(items, &pyclasses, &mut found, errors);
    found
}

/// Same, for a module function: its own body (it runs attached, at import), unless it
/// carries `#[blocking_detached]` or `allow_attached`, and the items declared in it.
pub fn audit_module_fn(f: &mut syn::ItemFn, errors: &mut Option<syn::Error>) -> Vec<AttachedWait> {
    let allowed = take_allow(&mut f.attrs, errors);
    let mut found = Vec::new();
    if !allowed && !has_attr(&f.attrs, "blocking_detached") {
        let entry = format!("the module function `{}` (run at import)", f.sig.ident);
        let fix = format!("add #[blocking_detached] below #[ft_module] on `{}`", f.sig.ident);
        report_fn(&f.sig, &f.block, &WaitSet::new(&[]), &entry, &fix, &mut found);
    }
    found.extend(audit_body_entry_points(&mut f.block, errors));
    found
}

/// Same, for the items declared inside a module function's body.
fn audit_body_entry_points(block: &mut syn::Block, errors: &mut Option<syn::Error>) -> Vec<AttachedWait> {
    let mut items: Vec<&mut syn::Item> = block
        .stmts
        .iter_mut()
        .filter_map(|s| match s {
            syn::Stmt::Item(item) => Some(item),
            _ => None,
        })
        .collect();
    let mut pyclasses = Vec::new();
    for item in &items {
        collect_pyclasses(std::slice::from_ref(&**item), &mut pyclasses);
    }
    let mut found = Vec::new();
    for item in &mut items {
        audit_items(std::slice::from_mut(&mut **item), &pyclasses, &mut found, errors);
    }
    found
}

fn collect_pyclasses(items: &[syn::Item], out: &mut Vec<Ident>) {
    for item in items {
        match item {
            syn::Item::Struct(s) if has_attr(&s.attrs, "pyclass") => out.push(s.ident.clone()),
            syn::Item::Enum(e) if has_attr(&e.attrs, "pyclass") => out.push(e.ident.clone()),
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_pyclasses(items, out);
                }
            }
            _ => {}
        }
    }
}

fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| last_segment_is(a.path(), name))
}

fn audit_items(items: &mut [syn::Item], pyclasses: &[Ident], found: &mut Vec<AttachedWait>, errors: &mut Option<syn::Error>) {
    let no_extra = WaitSet::new(&[]);
    for item in items {
        match item {
            syn::Item::Fn(f) if has_attr(&f.attrs, "pyfunction") => {
                let allowed = take_allow(&mut f.attrs, errors);
                if allowed || has_attr(&f.attrs, "blocking_detached") {
                    continue;
                }
                let entry = format!("#[pyfunction] `{}`", f.sig.ident);
                let fix = format!("add #[blocking_detached] to `{}` (with a `py: Python<'_>` parameter if it has no interpreter token)", f.sig.ident);
                report_fn(&f.sig, &f.block, &no_extra, &entry, &fix, found);
            }
            // A module initialiser runs attached, at import. (A nested `#[ft_module]`
            // audits itself.)
            syn::Item::Fn(f) if has_attr(&f.attrs, "pymodule_init") || has_attr(&f.attrs, "pymodule") => {
                let allowed = take_allow(&mut f.attrs, errors);
                if allowed || has_attr(&f.attrs, "blocking_detached") {
                    continue;
                }
                let entry = format!("the module initialiser `{}` (run at import)", f.sig.ident);
                let fix = format!("add #[blocking_detached] to `{}`", f.sig.ident);
                report_fn(&f.sig, &f.block, &no_extra, &entry, &fix, found);
            }
            syn::Item::Impl(imp) if has_pymethods(&imp.attrs) || is_pyclass_drop(imp, pyclasses) => {
                let allowed = take_allow(&mut imp.attrs, errors);
                let annotated = has_attr(&imp.attrs, "blocking_detached");
                let is_drop = imp.trait_.is_some();
                let ty = imp.self_ty.to_token_stream().to_string();
                for it in &mut imp.items {
                    let syn::ImplItem::Fn(m) = it else { continue };
                    let method_allowed = take_allow(&mut m.attrs, errors);
                    if allowed || annotated || method_allowed || has_attr(&m.attrs, "blocking_detached") {
                        continue;
                    }
                    let (entry, fix) = if is_drop {
                        (format!("`Drop` of the #[pyclass] `{ty}` (Python frees it)"), "put #[blocking_detached] on this `impl Drop`".to_string())
                    } else {
                        (format!("#[pymethods] `{ty}::{}`", m.sig.ident), "put #[blocking_detached] above #[pymethods] on this `impl`".to_string())
                    };
                    report_fn(&m.sig, &m.block, &no_extra, &entry, &fix, found);
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &mut m.content {
                    audit_items(items, pyclasses, found, errors);
                }
            }
            _ => {}
        }
    }
}

fn is_pyclass_drop(imp: &syn::ItemImpl, pyclasses: &[Ident]) -> bool {
    let is_drop = imp.trait_.as_ref().is_some_and(|(_, path, _)| last_segment_is(path, "Drop"));
    let self_name = match &*imp.self_ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    };
    is_drop && self_name.is_some_and(|n| pyclasses.contains(&n))
}

fn report_fn(sig: &syn::Signature, block: &syn::Block, waits: &WaitSet, entry: &str, fix: &str, found: &mut Vec<AttachedWait>) {
    let model = analyse_fn(sig, block, waits, TokenFallback::AddParam);
    let is_async = sig.asyncness.is_some();
    let mut add = |name: String, span: Span| {
        found.push(AttachedWait { name, span, entry: entry.to_string(), fix: fix.to_string(), is_async });
    };
    for site in &model.sites {
        add(site.name.to_string(), site.span);
    }
    // In an `async fn`, a `select!` is taken for an async one, which awaits.
    for (span, name) in model.opaque_waits.iter().filter(|_| !is_async) {
        add(format!("{name}!"), *span);
    }
    for (span, name) in &model.iterator_loops {
        add(format!("for .. in ..{name}()"), *span);
    }
    for (wait, _) in &model.macro_waits {
        add(wait.to_string(), wait.span());
    }
}

/// Takes `#[allow_attached(reason = "..")]` (any path ending in `allow_attached`) out
/// of the attributes: is the item opted out? A missing or empty reason is an error.
fn take_allow(attrs: &mut Vec<syn::Attribute>, errors: &mut Option<syn::Error>) -> bool {
    let mut allowed = false;
    attrs.retain(|attr| {
        if !last_segment_is(attr.path(), "allow_attached") {
            return true;
        }
        match allow_reason(attr) {
            Ok(_) => allowed = true,
            Err(e) => push(errors, e),
        }
        false
    });
    allowed
}

/// The reason of an `allow_attached` attribute, which must be a non-empty string.
pub fn allow_reason(attr: &syn::Attribute) -> syn::Result<String> {
    const USAGE: &str = "`allow_attached` needs a reason: #[pyo3_detach::allow_attached(reason = \"why waiting attached cannot deadlock here\")]";
    let meta = match &attr.meta {
        syn::Meta::List(list) => list.parse_args::<syn::MetaNameValue>().map_err(|_| syn::Error::new_spanned(attr, USAGE))?,
        _ => return Err(syn::Error::new_spanned(attr, USAGE)),
    };
    if !meta.path.is_ident("reason") {
        return Err(syn::Error::new_spanned(&meta.path, USAGE));
    }
    match &meta.value {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if !s.value().trim().is_empty() => Ok(s.value()),
        other => Err(syn::Error::new_spanned(other, USAGE)),
    }
}

// -- gil_used(..) calls ------------------------------------------------------------------

/// `m.gil_used(true)` (anything but a literal `false`) in the module's code: the
/// calls that would contradict `#[ft_module]`'s declaration at run time.
pub fn gil_used_calls(item: &ModuleItem) -> Vec<TokenStream> {
    struct Finder(Vec<TokenStream>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_method_call(&mut self, c: &'ast syn::ExprMethodCall) {
            let is_false = matches!(
                c.args.first(),
                Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. })) if !b.value
            );
            if c.method == "gil_used" && c.args.len() == 1 && !is_false {
                self.0.push(c.to_token_stream());
            }
            syn::visit::visit_expr_method_call(self, c);
        }
    }
    let mut finder = Finder(Vec::new());
    match item {
        ModuleItem::Fn(f) => finder.visit_block(&f.block),
        ModuleItem::Mod(m) => {
            if let Some((_, items)) = &m.content {
                items.iter().for_each(|i| finder.visit_item(i));
            }
        }
    }
    finder.0
}
