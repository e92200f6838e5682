//! The items the attributes apply to, and what the body walk finds in them.
//!
//! Both the read-only analysis here and the rewrite in `expand` decide "is this a
//! blocking wait?" and "does this closure run attached, detached or elsewhere?" with
//! the same functions ([`classify`], [`closure_context`]), so they cannot disagree.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, FnArg, Ident, Pat, Signature, Type};

// The wait model (what blocks, which closures run detached) is `pyo3-detach-model`,
// shared with `pyo3-detach-audit`; this module adapts it to the macro.
pub use pyo3_detach_model::waits::{GUARD_WAITS, SHARED_RECEIVER_WAITS};
pub use pyo3_detach_model::{is_proof_placeholder, ClosureContext};

/// The item under `#[blocking_detached]`.
pub enum BlockingItem {
    Fn(syn::ItemFn),
    Impl(syn::ItemImpl),
}

impl BlockingItem {
    pub fn parse(input: TokenStream) -> syn::Result<Self> {
        match syn::parse2::<syn::Item>(input.clone()) {
            Ok(syn::Item::Fn(f)) => Ok(BlockingItem::Fn(f)),
            Ok(syn::Item::Impl(i)) => Ok(BlockingItem::Impl(i)),
            Ok(other) => Err(syn::Error::new_spanned(
                item_head(&other),
                "#[blocking_detached] applies to a function, a method, or an `impl` block",
            )),
            // A method inside an `impl` parses as an `ImplItemFn` (e.g. `pub(crate)` or
            // `default fn`); take it as a function.
            Err(e) => match syn::parse2::<syn::ImplItemFn>(input) {
                Ok(m) => Ok(BlockingItem::Fn(syn::ItemFn {
                    attrs: m.attrs,
                    vis: m.vis,
                    sig: m.sig,
                    block: Box::new(m.block),
                })),
                Err(_) => Err(e),
            },
        }
    }
}

/// The tokens to point an item-level error at: the item without its attributes and
/// body (`struct Pool`, `pub trait T<X>`).
pub fn item_head(item: &syn::Item) -> TokenStream {
    use proc_macro2::{Delimiter, TokenTree};
    use quote::ToTokens;
    let mut tokens = item.to_token_stream().into_iter().peekable();
    let mut head = TokenStream::new();
    while let Some(tt) = tokens.next() {
        match &tt {
            // An outer attribute: `#` followed by `[..]`.
            TokenTree::Punct(p) if p.as_char() == '#' && head.is_empty() => {
                tokens.next_if(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket));
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
            TokenTree::Punct(p) if p.as_char() == ';' || p.as_char() == '=' => break,
            _ => head.extend([tt]),
        }
    }
    head
}

/// Does this attribute list carry `#[pymethods]`?
pub fn has_pymethods(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| last_segment_is(a.path(), "pymethods"))
}

pub fn last_segment_is(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

/// The wait model of one attribute: the tables plus its `waits = [..]` names, and the
/// parameter types of the function being walked (`tx: &SyncSender<_>`, `rx: Receiver<_>`),
/// the only declarations the macro can see.
pub struct WaitSet {
    model: pyo3_detach_model::Model,
    imports: pyo3_detach_model::Imports,
    sig: Option<Signature>,
}

impl WaitSet {
    pub fn new(extra: &[Ident]) -> Self {
        WaitSet {
            model: pyo3_detach_model::Model::for_macro(extra.iter().map(|i| i.to_string()).collect()),
            imports: pyo3_detach_model::Imports::default(),
            sig: None,
        }
    }

    /// The same set, seeing the parameters of `sig`.
    pub fn for_sig(&self, sig: &Signature) -> Self {
        WaitSet { model: self.model.clone(), imports: self.imports.clone(), sig: Some(sig.clone()) }
    }

    fn env(&self) -> pyo3_detach_model::TypeEnv<'_> {
        use pyo3_detach_model::{NoLookup, TypeEnv};
        match &self.sig {
            Some(sig) => TypeEnv::for_fn(&NoLookup, &self.imports, None, sig),
            None => TypeEnv::new(&NoLookup, &self.imports, None),
        }
    }
}

/// A blocking wait expression, borrowed from the body.
pub enum Wait<'a> {
    /// `receiver.name(args)`: the receiver chain runs detached.
    Method { call: &'a syn::ExprMethodCall },
    /// `path::name(args)`, e.g. `futures::executor::block_on(fut)`.
    Call { call: &'a syn::ExprCall },
}

impl Wait<'_> {
    pub fn args(&self) -> impl Iterator<Item = &Expr> {
        match self {
            Wait::Method { call } => call.args.iter(),
            Wait::Call { call } => call.args.iter(),
        }
    }

    /// The expression that runs detached besides the arguments: the receiver chain,
    /// or the function path.
    pub fn detached_part(&self) -> Option<&Expr> {
        match self {
            Wait::Method { call } => Some(&call.receiver),
            Wait::Call { .. } => None,
        }
    }
}

/// Is `expr` a blocking wait that the rewrite detaches? The model decides (a call with
/// a `detached!()` argument always is one: it demands the proof only a detached region
/// has); waits the rewrite cannot wrap (a lock, whose guard cannot leave the detached
/// closure; a `for` loop; a macro) are not rewritten.
pub fn classify<'a>(expr: &'a Expr, waits: &WaitSet) -> Option<Wait<'a>> {
    let hit = waits.model.classify(expr, &waits.env())?;
    if !hit.macro_rewrites() {
        return None;
    }
    match expr {
        Expr::MethodCall(call) => Some(Wait::Method { call }),
        Expr::Call(call) => Some(Wait::Call { call }),
        _ => None,
    }
}

/// The context of the closures among the arguments of `expr`, if `expr` is a call
/// (from the model: `detach`/`spawn*`/`Detached::..` skip, `attach` attaches).
pub fn closure_context(expr: &Expr) -> ClosureContext {
    pyo3_detach_model::Model::default().closure_context(expr)
}

/// Where `#[blocking_detached]` gets the interpreter token for one function.
#[derive(Clone)]
pub enum Token {
    /// A `py: Python<'_>` parameter.
    Param(Ident),
    /// A `Python` parameter written `_`: renamed so the emitted code can use it.
    Wildcard(usize),
    /// `.py()` of a `Bound`/`PyRef`/`Borrowed` parameter.
    PyOf(Ident),
    /// None in the signature; added as a parameter (the attribute sits above
    /// `#[pymethods]`, so PyO3 fills it in).
    Added,
}

/// Interpreter-bound types: values of these cannot enter a detached region.
const BOUND_TYPES: &[&str] = &["Python", "Bound", "Borrowed", "PyRef", "PyRefMut"];
/// Methods that produce interpreter-bound values.
const BOUND_PRODUCERS: &[&str] =
    &["bind", "into_bound", "bind_borrowed", "as_borrowed", "into_pyobject", "cast", "downcast", "cast_into", "downcast_into"];

/// The name of an interpreter-bound type, looking through references.
pub fn bound_type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Reference(r) => bound_type_name(&r.elem),
        Type::Paren(p) => bound_type_name(&p.elem),
        Type::Path(p) => {
            let last = p.path.segments.last()?;
            BOUND_TYPES.iter().any(|b| last.ident == b).then(|| last.ident.to_string())
        }
        _ => None,
    }
}

/// One function's analysis.
pub struct FnModel {
    /// Waiting macro calls (`select! { .. }`) the rewrite cannot see into.
    pub opaque_waits: Vec<(Span, String)>,
    pub token: Option<Token>,
    /// How a `?` in a receiver chain leaves the detached closure, from the return type.
    pub try_mode: Option<TryMode>,
    pub sites: Vec<WaitSite>,
    pub is_async: bool,
}

/// One blocking wait found in a body.
pub struct WaitSite {
    /// The method or function name, spanned on the user's code.
    pub name: Ident,
    pub span: Span,
    /// Inside a `Python::attach` closure: the closure's call.
    pub in_attach: Option<Span>,
    /// Interpreter-bound names the detached part uses.
    pub captured_bound: Vec<(Ident, String)>,
    /// A `?` in the receiver chain (runs inside the detached closure).
    pub chain_try: Option<Span>,
    /// The wait sits inside a closure of the body (whose return type is unknown).
    pub in_closure: bool,
}

/// How the detached closure hands a `?` of the receiver chain back to the function.
#[derive(Clone)]
pub enum TryMode {
    /// The function returns `Result<_, E>` (or `PyResult<_>`): the closure returns
    /// `Result<_, E>` and an `Err` is returned from the function.
    Result(TokenStream),
    /// The function returns `Option<_>`.
    Option,
}

/// The try mode of a function, from its return type.
pub fn try_mode(output: &syn::ReturnType) -> Option<TryMode> {
    let syn::ReturnType::Type(_, ty) = output else { return None };
    let Type::Path(p) = &**ty else { return None };
    let last = p.path.segments.last()?;
    let args: Vec<&syn::GenericArgument> = match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().collect(),
        _ => Vec::new(),
    };
    use quote::ToTokens;
    match (last.ident.to_string().as_str(), args.as_slice()) {
        ("PyResult", [_]) => Some(TryMode::Result(quote::quote!(::pyo3::PyErr))),
        ("Result", [_, e]) => Some(TryMode::Result(e.to_token_stream())),
        ("Option", [_]) => Some(TryMode::Option),
        _ => None,
    }
}

/// The first `?` of an expression, outside nested closures.
pub fn first_try(expr: &Expr) -> Option<Span> {
    struct Finder(Option<Span>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
            self.0.get_or_insert(t.question_token.span);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut f = Finder(None);
    f.visit_expr(expr);
    f.0
}

/// Analyses one function: its interpreter token, bound names, and wait sites.
pub fn analyse_fn(sig: &Signature, block: &syn::Block, waits: &WaitSet, may_add_token: bool) -> FnModel {
    let mut token = None;
    let mut py_of = None;
    let mut bound_names = Vec::new();
    for (index, arg) in sig.inputs.iter().enumerate() {
        let FnArg::Typed(pt) = arg else { continue };
        let Some(ty_name) = bound_type_name(&pt.ty) else { continue };
        match (&*pt.pat, ty_name.as_str()) {
            (Pat::Ident(id), "Python") => {
                token.get_or_insert(Token::Param(id.ident.clone()));
                bound_names.push((id.ident.clone(), ty_name));
            }
            (Pat::Wild(_), "Python") => {
                token.get_or_insert(Token::Wildcard(index));
            }
            (Pat::Ident(id), _) => {
                py_of.get_or_insert(Token::PyOf(id.ident.clone()));
                bound_names.push((id.ident.clone(), ty_name));
            }
            _ => {}
        }
    }
    let token = token.or(py_of).or(may_add_token.then_some(Token::Added));
    let waits = &waits.for_sig(sig);
    let mut walker =
        SiteWalker { waits, bound_names, sites: Vec::new(), attach: Vec::new(), closures: 0, opaque_waits: Vec::new() };
    walker.visit_block(block);
    FnModel { opaque_waits: walker.opaque_waits, token, try_mode: try_mode(&sig.output), sites: walker.sites, is_async: sig.asyncness.is_some() }
}

struct SiteWalker<'w> {
    waits: &'w WaitSet,
    bound_names: Vec<(Ident, String)>,
    sites: Vec<WaitSite>,
    /// Stack of enclosing `Python::attach` calls.
    attach: Vec<Span>,
    /// Depth of enclosing closures.
    closures: usize,
    opaque_waits: Vec<(Span, String)>,
}

impl<'ast> Visit<'ast> for SiteWalker<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if let Some(wait) = classify(expr, self.waits) {
            let name = match &wait {
                Wait::Method { call } => call.method.clone(),
                Wait::Call { call } => match &*call.func {
                    Expr::Path(p) => p.path.segments.last().map(|s| s.ident.clone()).expect("classified"),
                    _ => unreachable!("classify only accepts path calls"),
                },
            };
            let captured_bound = wait.detached_part().map(|e| self.bound_uses(e)).unwrap_or_default();
            let chain_try = wait.detached_part().and_then(first_try);
            let name_span = name.span();
            self.sites.push(WaitSite {
                name,
                span: name_span,
                in_attach: self.attach.last().copied(),
                captured_bound,
                chain_try,
                in_closure: self.closures > 0,
            });
            // The arguments run attached, before the wait: they may hold waits too.
            for arg in wait.args() {
                self.visit_expr(arg);
            }
            return;
        }
        match closure_context(expr) {
            ClosureContext::Inherit => syn::visit::visit_expr(self, expr),
            ClosureContext::Skip => visit_non_closures(self, expr),
            ClosureContext::Attached => {
                self.attach.push(expr.span());
                syn::visit::visit_expr(self, expr);
                self.attach.pop();
            }
        }
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
        }
        // Track interpreter-bound locals in source order; a later `let` of the same
        // name with another value shadows it.
        let (ident, ty) = match &local.pat {
            Pat::Ident(id) => (id.ident.clone(), None),
            Pat::Type(pt) => match &*pt.pat {
                Pat::Ident(id) => (id.ident.clone(), Some(&*pt.ty)),
                _ => return,
            },
            _ => return,
        };
        self.bound_names.retain(|(n, _)| *n != ident);
        let ty_name = ty.and_then(bound_type_name).or_else(|| {
            let init = local.init.as_ref()?;
            produces_bound(&init.expr).then(|| "Bound".to_string())
        });
        if let Some(ty_name) = ty_name {
            self.bound_names.push((ident, ty_name));
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if let Some(last) = m.path.segments.last() {
            if pyo3_detach_model::waits::is_waiting_macro(&last.ident.to_string()) {
                self.opaque_waits.push((last.ident.span(), last.ident.to_string()));
            }
        }
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.closures += 1;
        syn::visit::visit_expr_closure(self, c);
        self.closures -= 1;
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {
        // A nested item is another function: not this body.
    }
}

impl SiteWalker<'_> {
    fn bound_uses(&self, expr: &Expr) -> Vec<(Ident, String)> {
        let mut finder = IdentFinder { found: Vec::new() };
        finder.visit_expr(expr);
        let mut uses = Vec::new();
        for ident in finder.found {
            if let Some((_, ty)) = self.bound_names.iter().find(|(n, _)| *n == ident) {
                uses.push((ident, ty.clone()));
            }
        }
        uses
    }
}

/// Visits a call's parts other than its closure arguments.
fn visit_non_closures<'ast, V: Visit<'ast>>(v: &mut V, expr: &'ast Expr) {
    match expr {
        Expr::MethodCall(c) => {
            v.visit_expr(&c.receiver);
            c.args.iter().filter(|a| !matches!(a, Expr::Closure(_))).for_each(|a| v.visit_expr(a));
        }
        Expr::Call(c) => c.args.iter().filter(|a| !matches!(a, Expr::Closure(_))).for_each(|a| v.visit_expr(a)),
        other => syn::visit::visit_expr(v, other),
    }
}

/// Does this initializer produce an interpreter-bound value (`x.bind(py)`, ...)?
fn produces_bound(expr: &Expr) -> bool {
    match expr {
        Expr::MethodCall(c) => BOUND_PRODUCERS.iter().any(|p| c.method == p),
        Expr::Try(t) => produces_bound(&t.expr),
        Expr::Reference(r) => produces_bound(&r.expr),
        _ => false,
    }
}

/// Single-segment path expressions (variables, `self`) used in an expression.
struct IdentFinder {
    found: Vec<Ident>,
}

impl<'ast> Visit<'ast> for IdentFinder {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none() && p.path.segments.len() == 1 {
            self.found.push(p.path.segments[0].ident.clone());
        }
    }
}

/// The local receiver a receive waits on, when it must be carried into the detached
/// closure in a same-thread shell (std's `Receiver` is `Send` but not `Sync`): `rx` in
/// `rx.recv()`, and in a consumer of its iterator (`rx.iter().take(3).sum()`).
pub fn shared_receiver_root<'a>(call: &'a syn::ExprMethodCall, waits: &WaitSet) -> Option<&'a Ident> {
    if SHARED_RECEIVER_WAITS.iter().any(|w| call.method == w) {
        return local_root(&call.receiver);
    }
    let env = waits.env();
    let hit = waits.model.classify_method(call, &env)?;
    if hit.kind != pyo3_detach_model::WaitKind::Channel {
        return None;
    }
    let mut e = &*call.receiver;
    loop {
        match e {
            Expr::MethodCall(m) if (m.method == "iter" || m.method == "into_iter") && m.args.is_empty() => {
                if let Some(root) = local_root(&m.receiver) {
                    return Some(root);
                }
                e = &m.receiver;
            }
            Expr::MethodCall(m) => e = &m.receiver,
            Expr::Paren(p) => e = &p.expr,
            _ => return None,
        }
    }
}

/// The variable at the root of a receiver chain (`rx` in `rx.recv()`), if it is a
/// plain local (not `self`, not a field access).
pub fn local_root(receiver: &Expr) -> Option<&Ident> {
    match receiver {
        Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let ident = &p.path.segments[0].ident;
            (ident != "self").then_some(ident)
        }
        Expr::Paren(p) => local_root(&p.expr),
        _ => None,
    }
}

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
    let mut auditor = StaticAuditor { found: Vec::new() };
    for item in items {
        auditor.visit_item(item);
    }
    auditor.found
}

/// Same, for the statics inside a module function's body.
pub fn audit_block(block: &syn::Block) -> Vec<UnsafeStatic> {
    let mut auditor = StaticAuditor { found: Vec::new() };
    auditor.visit_block(block);
    auditor.found
}

struct StaticAuditor {
    found: Vec<UnsafeStatic>,
}

impl<'ast> Visit<'ast> for StaticAuditor {
    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        if let Some(cell) = cell_of_python(&s.ty) {
            use quote::ToTokens;
            self.found.push(UnsafeStatic { at: s.ty.to_token_stream(), cell });
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = m.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if name == "lazy_static" && mentions_python(m.tokens.clone()) {
            use quote::ToTokens;
            self.found.push(UnsafeStatic { at: m.to_token_stream(), cell: "lazy_static!".into() });
        }
    }
}

/// `OnceLock<Py<..>>` and the like: the cell's name.
fn cell_of_python(ty: &Type) -> Option<String> {
    struct Finder(Option<String>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_path_segment(&mut self, seg: &'ast syn::PathSegment) {
            if self.0.is_none() && CELL_TYPES.iter().any(|c| seg.ident == c) {
                use quote::ToTokens;
                if mentions_python(seg.arguments.to_token_stream()) {
                    self.0 = Some(seg.ident.to_string());
                    return;
                }
            }
            syn::visit::visit_path_segment(self, seg);
        }
    }
    let mut f = Finder(None);
    f.visit_type(ty);
    f.0
}

fn mentions_python(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Ident(i) => PY_TYPES.iter().any(|p| i == p),
        proc_macro2::TokenTree::Group(g) => mentions_python(g.stream()),
        _ => false,
    })
}
