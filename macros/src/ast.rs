//! The items the attributes apply to, and what the body walk finds in them.
//!
//! Both the read-only analysis here and the rewrite in `expand` decide "is this a
//! blocking wait?" and "does this closure run attached, detached or elsewhere?" with
//! the same functions ([`classify`], [`closure_context`]), so they cannot disagree.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, FnArg, Ident, Pat, Signature, Type};

use crate::walk::{self, Step};

/// Waits rewritten by default: channel receives and sends that block, thread joins,
/// condition-variable and barrier waits, async bridges.
pub const DEFAULT_WAITS: &[&str] = &[
    "recv",
    "recv_timeout",
    "recv_deadline",
    "blocking_recv",
    "blocking_recv_many",
    "blocking_send",
    "blocking_lock",
    "blocking_read",
    "blocking_write",
    "join",
    "wait",
    "wait_timeout",
    "wait_timeout_ms",
    "wait_while",
    "wait_timeout_while",
    "block_on",
];

/// The argument count of default waits whose names are common elsewhere.
const DEFAULT_ARITY: &[(&str, usize)] = &[("join", 0), ("recv", 0), ("recv_timeout", 1), ("recv_deadline", 1)];

/// Waits whose receiver is taken by shared reference and is commonly `Send` but not
/// `Sync` (`std::sync::mpsc::Receiver`): a local receiver is carried into the detached
/// closure through `__private::SameThread` so that it compiles.
pub const SHARED_RECEIVER_WAITS: &[&str] = &["recv", "recv_timeout", "recv_deadline"];

/// Condition-variable waits: they take a `MutexGuard` (`Sync`, not `Send`) and
/// return one, so arguments and result cross the detach in `__private::SameThreadValue`.
pub const GUARD_WAITS: &[&str] = &["wait", "wait_timeout", "wait_timeout_ms", "wait_while", "wait_timeout_while"];

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

/// The set of names that count as blocking waits for one attribute.
pub struct WaitSet {
    extra: Vec<String>,
}

impl WaitSet {
    pub fn new(extra: &[Ident]) -> Self {
        WaitSet { extra: extra.iter().map(|i| i.to_string()).collect() }
    }

    /// Is `name(args..)` a wait? Defaults with a known arity only match it, so that
    /// `path.join("x")` or `names.join(", ")` is not taken for `JoinHandle::join()`.
    fn contains(&self, name: &Ident, arg_count: usize) -> bool {
        if self.extra.iter().any(|w| name == w) {
            return true;
        }
        DEFAULT_WAITS.iter().any(|w| name == w)
            && DEFAULT_ARITY.iter().find(|(w, _)| name == w).map_or(true, |(_, n)| *n == arg_count)
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

/// Is `expr` a blocking wait? A call with a `detached!()` argument always is: it
/// demands the proof only a detached region has.
pub fn classify<'a>(expr: &'a Expr, waits: &WaitSet) -> Option<Wait<'a>> {
    match expr {
        Expr::MethodCall(call) => {
            (waits.contains(&call.method, call.args.len()) || call.args.iter().any(is_proof_placeholder))
                .then_some(Wait::Method { call })
        }
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else { return None };
            let name = &func.path.segments.last()?.ident;
            (waits.contains(name, call.args.len()) || call.args.iter().any(is_proof_placeholder)).then_some(Wait::Call { call })
        }
        _ => None,
    }
}

/// `detached!()` (or `pyo3_detach::detached!()`) as an argument.
pub fn is_proof_placeholder(arg: &Expr) -> bool {
    matches!(arg, Expr::Macro(m) if last_segment_is(&m.mac.path, "detached"))
}

/// How the closures passed to a call run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ClosureContext {
    /// Like the surrounding code (an iterator adapter, say).
    Inherit,
    /// Already detached (`py.detach(..)`, `Detached::run(..)`) or on another thread
    /// (`spawn(..)`): left alone.
    Skip,
    /// Attached again (`Python::attach(..)`): a wait there is an error.
    Attached,
}

/// The context of the closures among the arguments of `expr`, if `expr` is a call.
pub fn closure_context(expr: &Expr) -> ClosureContext {
    let name = match expr {
        Expr::MethodCall(c) => Some(c.method.to_string()),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => {
                let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                if segs.len() >= 2 && segs[segs.len() - 2] == "Detached" {
                    return ClosureContext::Skip;
                }
                segs.last().cloned()
            }
            _ => None,
        },
        _ => None,
    };
    match name.as_deref() {
        Some("detach" | "allow_threads") => ClosureContext::Skip,
        // `spawn`, `spawn_scoped`, `spawn_blocking`, rayon's `spawn_fifo`, ...: another thread.
        Some(name) if name.starts_with("spawn") => ClosureContext::Skip,
        Some("attach" | "with_gil") => ClosureContext::Attached,
        _ => ClosureContext::Inherit,
    }
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
    /// None, in `Drop::drop`: the wait detaches if the dropping thread is attached
    /// (a `#[pyclass]` is dropped attached) and just runs if it is not.
    IfAttached,
}

/// Where the token comes from when the signature has none.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TokenFallback {
    /// Nowhere: a wait is an error.
    None,
    /// An added `Python<'_>` parameter (above `#[pymethods]`).
    AddParam,
    /// Whether the thread is attached, asked at run time (`Drop::drop`).
    IfAttached,
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

/// Macros that wait inside their expansion, where the rewrite cannot reach.
const WAITING_MACROS: &[&str] = &["select", "select_biased"];

/// One function's analysis.
pub struct FnModel {
    /// Waiting macro calls (`select! { .. }`) the rewrite cannot see into.
    pub opaque_waits: Vec<(Span, String)>,
    pub token: Option<Token>,
    /// How a `?` in a receiver chain leaves the detached closure, from the return type.
    pub try_mode: Option<TryMode>,
    pub sites: Vec<WaitSite>,
    pub is_async: bool,
    /// `for v in rx.iter()` over a blocking iterator: the name of the wait.
    pub iterator_loops: Vec<(Span, Ident)>,
    /// A wait named inside a macro whose tokens are not expressions: the wait, the
    /// macro's name.
    pub macro_waits: Vec<(Ident, String)>,
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
    /// Not a wait by name: a call passing this `Detached` proof (of an enclosing
    /// `Detached::run`) inside a `Python::attach` closure.
    pub via_proof: Option<Ident>,
}

/// How the detached closure hands a `?` of the receiver chain back to the function.
#[derive(Clone)]
pub enum TryMode {
    /// The function returns `Result<_, E>` (or `PyResult<_>`): the closure returns
    /// `Result<_, E>` and an `Err` is returned from the function.
    Result(TokenStream),
    /// The function returns `Option<_>`.
    Option,
    /// The function returns some other generic type (`Res<T>` for
    /// `type Res<T> = PyResult<T>`, `io::Result<T>`): taken for a `Result` alias, its
    /// error type named through `__private::ResultReturn` (an error there if it is not).
    Alias(TokenStream),
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
        (_, [_, ..]) => Some(TryMode::Alias(ty.to_token_stream())),
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
pub fn analyse_fn(sig: &Signature, block: &syn::Block, waits: &WaitSet, fallback: TokenFallback) -> FnModel {
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
    let fallback = match fallback {
        TokenFallback::None => None,
        TokenFallback::AddParam => Some(Token::Added),
        TokenFallback::IfAttached => Some(Token::IfAttached),
    };
    let token = token.or(py_of).or(fallback);
    let mut walker = SiteWalker {
        waits,
        bound_names,
        sites: Vec::new(),
        ctx: Vec::new(),
        closures: 0,
        opaque_waits: Vec::new(),
        proofs: Vec::new(),
        skipped_closures: walk::skipped_closure_names(block),
        iterator_loops: Vec::new(),
        macro_waits: Vec::new(),
    };
    walker.visit_block(block);
    FnModel {
        opaque_waits: walker.opaque_waits,
        token,
        try_mode: try_mode(&sig.output),
        sites: walker.sites,
        is_async: sig.asyncness.is_some(),
        iterator_loops: walker.iterator_loops,
        macro_waits: walker.macro_waits,
    }
}

/// How the code at one point of the body runs.
#[derive(Clone, Copy)]
enum Ctx {
    /// Detached already, or on another thread: waits are fine there.
    Detached,
    /// Attached again by a `Python::attach` call (its span): a wait is an error.
    Attached(Span),
}

struct SiteWalker<'w> {
    waits: &'w WaitSet,
    bound_names: Vec<(Ident, String)>,
    sites: Vec<WaitSite>,
    /// Stack of enclosing contexts; empty: the annotated body itself.
    ctx: Vec<Ctx>,
    /// Depth of enclosing closures.
    closures: usize,
    opaque_waits: Vec<(Span, String)>,
    /// Parameters of enclosing `Detached::run` closures: the proofs.
    proofs: Vec<Ident>,
    skipped_closures: Vec<Ident>,
    iterator_loops: Vec<(Span, Ident)>,
    macro_waits: Vec<(Ident, String)>,
}

impl SiteWalker<'_> {
    fn in_attach(&self) -> Option<Span> {
        match self.ctx.last() {
            Some(Ctx::Attached(span)) => Some(*span),
            _ => None,
        }
    }

    fn detached(&self) -> bool {
        matches!(self.ctx.last(), Some(Ctx::Detached))
    }

    fn record(&mut self, name: Ident, detached_part: Option<&Expr>) {
        let captured_bound = detached_part.map(|e| self.bound_uses(e)).unwrap_or_default();
        let chain_try = detached_part.and_then(first_try);
        let span = name.span();
        self.sites.push(WaitSite {
            name,
            span,
            in_attach: self.in_attach(),
            captured_bound,
            chain_try,
            in_closure: self.closures > 0,
            via_proof: None,
        });
    }

    fn with_ctx(&mut self, ctx: Ctx, f: impl FnOnce(&mut Self)) {
        self.ctx.push(ctx);
        f(self);
        self.ctx.pop();
    }

    /// A call whose closure arguments run detached or on another thread: its other
    /// parts run here, its closures are walked as detached (a `Python::attach` in
    /// them attaches again).
    fn visit_skip_call(&mut self, expr: &Expr) {
        match expr {
            Expr::MethodCall(c) => {
                self.visit_expr(&c.receiver);
                c.args.iter().filter(|a| !matches!(a, Expr::Closure(_))).for_each(|a| self.visit_expr(a));
            }
            Expr::Call(c) => c.args.iter().filter(|a| !matches!(a, Expr::Closure(_))).for_each(|a| self.visit_expr(a)),
            _ => {}
        }
        let proofs = walk::is_detached_run(expr);
        for closure in walk::closure_args(expr) {
            let before = self.proofs.len();
            if proofs {
                for input in &closure.inputs {
                    let pat = match input {
                        Pat::Type(pt) => &*pt.pat,
                        other => other,
                    };
                    if let Pat::Ident(id) = pat {
                        self.proofs.push(id.ident.clone());
                    }
                }
            }
            self.with_ctx(Ctx::Detached, |w| w.visit_expr_closure(closure));
            self.proofs.truncate(before);
        }
    }
}

impl<'ast> Visit<'ast> for SiteWalker<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        // A call that passes the `Detached` proof of an enclosing `Detached::run`
        // while attached again: the helper that demands the proof blocks attached.
        if let (Some(_), Some(proof)) = (self.in_attach(), walk::passes_proof(expr, &self.proofs)) {
            if let Some(name) = walk::callee_name(expr) {
                let span = name.span();
                self.sites.push(WaitSite {
                    name,
                    span,
                    in_attach: self.in_attach(),
                    captured_bound: Vec::new(),
                    chain_try: None,
                    in_closure: true,
                    via_proof: Some(proof.clone()),
                });
            }
        }
        match walk::step(expr, self.waits) {
            // Inside detached code a wait is what it should be: walk on, for a
            // `Python::attach` deeper down.
            Step::Wait(_) | Step::Chain { .. } if self.detached() => syn::visit::visit_expr(self, expr),
            Step::Wait(wait) => {
                let name = walk::wait_name(&wait).expect("classify accepts path calls only");
                self.record(name, wait.detached_part());
                // The arguments run attached, before the wait: they may hold waits too.
                for arg in wait.args() {
                    self.visit_expr(arg);
                }
                // The receiver chain runs detached: only a re-attach in it matters.
                if let Some(part) = wait.detached_part() {
                    self.with_ctx(Ctx::Detached, |w| w.visit_expr(part));
                }
            }
            Step::Chain { call, wait } => {
                self.record(wait, Some(&call.receiver));
                for arg in &call.args {
                    self.visit_expr(arg);
                }
                self.with_ctx(Ctx::Detached, |w| w.visit_expr(&call.receiver));
            }
            Step::Awaited(inner) => match inner {
                Expr::MethodCall(c) => {
                    self.visit_expr(&c.receiver);
                    c.args.iter().for_each(|a| self.visit_expr(a));
                }
                Expr::Call(c) => c.args.iter().for_each(|a| self.visit_expr(a)),
                other => syn::visit::visit_expr(self, other),
            },
            Step::Async => self.with_ctx(Ctx::Detached, |w| syn::visit::visit_expr(w, expr)),
            Step::Other(ClosureContext::Inherit) => syn::visit::visit_expr(self, expr),
            Step::Other(ClosureContext::Skip) => self.visit_skip_call(expr),
            Step::Other(ClosureContext::Attached) => self.with_ctx(Ctx::Attached(expr.span()), |w| syn::visit::visit_expr(w, expr)),
        }
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        // `for v in rx.iter()`: each step of the loop blocks in the iterator, between
        // runs of the body, which the rewrite cannot split. An error, not a rewrite.
        if !self.detached() {
            match walk::step(&f.expr, self.waits) {
                Step::Wait(wait) => {
                    if let Some(name) = walk::wait_name(&wait).filter(walk::is_iterator_wait) {
                        self.iterator_loops.push((name.span(), name));
                        for arg in wait.args() {
                            self.visit_expr(arg);
                        }
                        for stmt in &f.body.stmts {
                            self.visit_stmt(stmt);
                        }
                        return;
                    }
                }
                Step::Chain { wait, .. } => {
                    self.iterator_loops.push((wait.span(), wait));
                    for stmt in &f.body.stmts {
                        self.visit_stmt(stmt);
                    }
                    return;
                }
                _ => {}
            }
        }
        syn::visit::visit_expr_for_loop(self, f);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(init) = &local.init {
            if walk::is_skipped_closure(local, &self.skipped_closures) {
                self.with_ctx(Ctx::Detached, |w| w.visit_expr(&init.expr));
            } else {
                self.visit_expr(&init.expr);
            }
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
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
            if WAITING_MACROS.iter().any(|w| last.ident == w) {
                if !self.detached() {
                    self.opaque_waits.push((last.ident.span(), last.ident.to_string()));
                }
                return;
            }
        }
        // `format!("{}", rx.recv()?)`, `assert_eq!(rx.recv(), ..)`: the arguments are
        // expressions, walked (and rewritten) like the body's own.
        if let Some(exprs) = walk::macro_exprs(m) {
            for expr in &exprs {
                <Self as Visit<'_>>::visit_expr(self, expr);
            }
        } else if !self.detached() {
            if let Some(wait) = walk::wait_mentioned(m.tokens.clone(), self.waits) {
                let name = m.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                self.macro_waits.push((wait, name));
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
