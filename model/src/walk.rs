//! One function body, walked with the model: the waits it runs attached, the calls
//! it makes while attached (for a caller to follow), and lock guards held across a
//! detach. The body is taken as running attached; closures change that (see
//! [`ClosureContext`]), and a `Python::attach` closure is attached whoever calls it.

use crate::context::ClosureContext;
use crate::types::TypeEnv;
use crate::waits::{macro_exprs, Model, WaitHit, WaitKind};
use proc_macro2::Span;
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Pat};

/// A wait found in a body.
#[derive(Clone, Debug)]
pub struct WaitFact {
    pub hit: WaitHit,
    /// The whole wait expression.
    pub span: Span,
    /// The method or function name (where a chain split over lines is pointed at).
    pub name_span: Span,
    /// A short rendering (`rx.recv()`, `for .. in &rx`).
    pub text: String,
    /// Inside a `Python::attach` closure: attached whoever calls the function.
    pub always: bool,
}

/// What a call made while attached names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallTarget {
    /// `receiver.name(args)`.
    Method { name: String, arity: usize, recv: Recv },
    /// `path(args)`, with the path resolved through `use`; `arity` is `None` for a
    /// function passed by name (`.map(helper)`).
    Path { segs: Vec<String>, arity: Option<usize> },
}

/// What is known of a method call's receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recv {
    SelfValue,
    /// The receiver's declared type (its last segment, smart pointers removed).
    Typed(String),
    Unknown,
}

#[derive(Clone, Debug)]
pub struct CallFact {
    pub target: CallTarget,
    pub span: Span,
    pub always: bool,
    /// The call is `.await`ed (an `async fn` body runs only then, in this context).
    pub awaited: bool,
}

/// A lock guard alive across a detaching call.
#[derive(Clone, Debug)]
pub struct GuardFact {
    pub guard: String,
    pub guard_span: Span,
    /// The detaching call.
    pub span: Span,
    pub always: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub waits: Vec<WaitFact>,
    pub calls: Vec<CallFact>,
    pub guards: Vec<GuardFact>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Attached if the function is called attached.
    Inherit,
    /// Detached or on another thread: nothing is recorded (but `Python::attach` is looked for).
    Detached,
    /// In a `Python::attach` closure.
    Always,
}

/// What `#[blocking_detached]` on the walked function rewrites.
pub struct Rewrites<'e> {
    pub model: Model,
    /// The environment the macro sees: the parameters only.
    pub env: TypeEnv<'e>,
}

/// Walks one body. `rewrites`: the function is under `#[blocking_detached]`.
pub fn walk_body<'e>(model: &Model, env: TypeEnv<'e>, rewrites: Option<Rewrites<'e>>, block: &syn::Block) -> Facts {
    let mut w = Walker { model, env, rewrites, mode: Mode::Inherit, facts: Facts::default(), guards: vec![Vec::new()], sent: Vec::new(), in_async: false };
    w.visit_block(block);
    w.facts
}

/// Walks a function: as [`walk_body`], and in an `async fn` a `select!` is the async
/// one (futures, tokio), which awaits rather than blocks.
pub fn walk_fn<'e>(model: &Model, env: TypeEnv<'e>, rewrites: Option<Rewrites<'e>>, sig: &syn::Signature, block: &syn::Block) -> Facts {
    let mut w = Walker { model, env, rewrites, mode: Mode::Inherit, facts: Facts::default(), guards: vec![Vec::new()], sent: Vec::new(), in_async: sig.asyncness.is_some() };
    w.visit_block(block);
    w.facts
}

/// Walks one expression (a closure body given to `Python::attach`, say) as attached.
pub fn walk_expr<'e>(model: &Model, env: TypeEnv<'e>, expr: &Expr) -> Facts {
    let mut w = Walker { model, env, rewrites: None, mode: Mode::Inherit, facts: Facts::default(), guards: vec![Vec::new()], sent: Vec::new(), in_async: false };
    w.visit_expr(expr);
    w.facts
}

struct Walker<'m, 'e> {
    model: &'m Model,
    env: TypeEnv<'e>,
    rewrites: Option<Rewrites<'e>>,
    mode: Mode,
    facts: Facts,
    /// Lock guards bound by `let` in each enclosing block.
    guards: Vec<Vec<(String, Span)>>,
    /// Per block: locals passed to a call that runs them elsewhere (`spawn(work)`),
    /// so that `let work = move || rx.recv();` is not taken as attached.
    sent: Vec<HashSet<String>>,
    /// In an `async fn` body.
    in_async: bool,
}

impl Walker<'_, '_> {
    fn with_mode(&mut self, mode: Mode, f: impl FnOnce(&mut Self)) {
        let saved = self.mode;
        self.mode = mode;
        f(self);
        self.mode = saved;
    }

    fn attached(&self) -> bool {
        self.mode != Mode::Detached
    }

    fn rewritten(&self, expr: &Expr) -> bool {
        self.mode == Mode::Inherit
            && self.rewrites.as_ref().is_some_and(|r| r.model.classify(expr, &r.env).is_some_and(|h| h.macro_rewrites()))
    }

    fn record_wait(&mut self, hit: WaitHit, span: Span, name_span: Span, text: String) {
        if hit.kind == WaitKind::Proof {
            return; // asks for the proof: compiles only where the macro detaches it
        }
        self.facts.waits.push(WaitFact { hit, span, name_span, text, always: self.mode == Mode::Always });
    }

    fn record_call(&mut self, target: CallTarget, span: Span, awaited: bool) {
        if self.attached() {
            self.facts.calls.push(CallFact { target, span, always: self.mode == Mode::Always, awaited });
        }
    }

    fn recv_of(&self, receiver: &Expr) -> Recv {
        if let Expr::Path(p) = receiver {
            if p.path.is_ident("self") {
                return Recv::SelfValue;
            }
        }
        match self.env.type_of(receiver) {
            Some(t) => Recv::Typed(t.peeled().name().to_string()),
            None => Recv::Unknown,
        }
    }

    /// A call or method call, with `awaited` telling whether it is `.await`ed.
    fn visit_call(&mut self, expr: &Expr, awaited: bool) {
        if self.attached() && !awaited {
            let rewritten = self.rewritten(expr);
            // A name only the annotation's `waits = [..]` lists is a wait there too.
            let hit = self.model.classify(expr, &self.env).or_else(|| {
                let r = self.rewrites.as_ref().filter(|_| rewritten)?;
                r.model.classify(expr, &r.env)
            });
            if let Some(hit) = hit {
                if !rewritten {
                    self.record_wait(hit, expr.span(), name_span(expr), render(expr));
                }
                // The arguments run attached before the wait; a rewritten wait's
                // receiver chain runs inside the detached closure.
                match expr {
                    Expr::MethodCall(c) => {
                        if rewritten {
                            self.with_mode(Mode::Detached, |w| w.visit_expr(&c.receiver));
                        } else {
                            self.visit_expr(&c.receiver);
                        }
                        self.visit_args(c.args.iter(), ClosureContext::Inherit);
                    }
                    Expr::Call(c) => self.visit_args(c.args.iter(), ClosureContext::Inherit),
                    _ => {}
                }
                return;
            }
        }
        let context = self.model.closure_context(expr);
        if self.model.is_detach_call(expr) && self.attached() {
            let always = self.mode == Mode::Always;
            let held: Vec<(String, Span)> = self.guards.iter().flatten().cloned().collect();
            for (guard, guard_span) in held {
                self.facts.guards.push(GuardFact { guard, guard_span, span: expr.span(), always });
            }
        }
        match expr {
            Expr::MethodCall(c) => {
                let target = CallTarget::Method { name: c.method.to_string(), arity: c.args.len(), recv: self.recv_of(&c.receiver) };
                if context == ClosureContext::Inherit {
                    self.record_call(target, c.method.span(), awaited);
                }
                self.visit_expr(&c.receiver);
                self.visit_args(c.args.iter(), context);
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func {
                    if is_drop(p) {
                        self.drop_guard(c.args.first());
                    }
                    if context == ClosureContext::Inherit {
                        let segs = self.env.imports.resolve(&p.path);
                        self.record_call(CallTarget::Path { segs, arity: Some(c.args.len()) }, p.span(), awaited);
                    }
                } else {
                    self.visit_expr(&c.func);
                }
                self.visit_args(c.args.iter(), context);
            }
            other => self.visit_expr(other),
        }
    }

    fn visit_args<'a>(&mut self, args: impl Iterator<Item = &'a Expr>, context: ClosureContext) {
        for arg in args {
            match (arg, context) {
                (Expr::Closure(_) | Expr::Path(_), ClosureContext::Skip) => self.with_mode(Mode::Detached, |w| w.visit_expr(arg)),
                (Expr::Closure(_), ClosureContext::Attached) => self.with_mode(Mode::Always, |w| w.visit_expr(arg)),
                // `.map(helper)`, `.map(JoinHandle::join)`: a function called by the callee.
                (Expr::Path(p), ClosureContext::Inherit) if p.qself.is_none() && is_fn_path(&p.path) => {
                    let segs = self.env.imports.resolve(&p.path);
                    self.record_call(CallTarget::Path { segs, arity: None }, p.span(), false);
                }
                _ => self.visit_expr(arg),
            }
        }
    }

    fn drop_guard(&mut self, arg: Option<&Expr>) {
        if let Some(Expr::Path(p)) = arg {
            if let Some(ident) = p.path.get_ident() {
                let name = ident.to_string();
                for scope in &mut self.guards {
                    scope.retain(|(g, _)| *g != name);
                }
            }
        }
    }

    /// Does this `let` initialiser produce a lock guard (`m.lock().unwrap()`)?
    fn is_guard_init(&self, expr: &Expr) -> bool {
        let mut e = expr;
        loop {
            match e {
                Expr::Try(t) => e = &t.expr,
                Expr::Paren(p) => e = &p.expr,
                Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "unwrap" | "expect" | "unwrap_or_else" | "map_err") => {
                    e = &m.receiver
                }
                _ => break,
            }
        }
        self.model.classify(e, &self.env).is_some_and(|h| h.kind == WaitKind::Lock)
    }
}

/// `Python::acquire_gil()`, `GILGuard::acquire()`: a guard that holds the interpreter.
fn acquires_gil(expr: &Expr) -> bool {
    let Expr::Call(c) = expr else { return false };
    let Expr::Path(p) = &*c.func else { return false };
    let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
    matches!(segs.last().map(String::as_str), Some("acquire_gil" | "ensure_gil"))
        || segs.ends_with(&["GILGuard".to_string(), "acquire".to_string()])
}

/// The span of a call's method or function name.
fn name_span(expr: &Expr) -> Span {
    match expr {
        Expr::MethodCall(m) => m.method.span(),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => p.path.segments.last().map_or_else(|| p.span(), |s| s.ident.span()),
            other => other.span(),
        },
        other => other.span(),
    }
}

fn is_drop(p: &syn::ExprPath) -> bool {
    p.path.segments.last().is_some_and(|s| s.ident == "drop") && p.path.segments.len() <= 3
}

/// A path that names a function (`helper`, `module::helper`, `Type::method`), not a
/// value or a constant (`x`, `MAX`, `None`).
fn is_fn_path(path: &syn::Path) -> bool {
    let Some(last) = path.segments.last() else { return false };
    let name = last.ident.to_string();
    let lower = name.chars().next().is_some_and(|c| c.is_lowercase() || c == '_');
    // A single lowercase segment is usually a local variable; only qualified paths
    // and `Type::method` count.
    lower && path.segments.len() >= 2
}

impl<'ast> Visit<'ast> for Walker<'_, '_> {
    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.env.push();
        self.guards.push(Vec::new());
        self.sent.push(sent_closures(self.model, block));
        let saved = self.mode;
        for stmt in &block.stmts {
            self.visit_stmt(stmt);
            // `let gil = Python::acquire_gil();` (PyO3 before 0.21): the rest of the
            // block runs attached, whoever calls the function.
            if let syn::Stmt::Local(l) = stmt {
                if l.init.as_ref().is_some_and(|i| acquires_gil(&i.expr)) {
                    self.mode = Mode::Always;
                }
            }
        }
        self.mode = saved;
        self.sent.pop();
        self.guards.pop();
        self.env.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let name = match &local.pat {
            Pat::Ident(id) => Some(id.ident.to_string()),
            Pat::Type(pt) => match &*pt.pat {
                Pat::Ident(id) => Some(id.ident.to_string()),
                _ => None,
            },
            _ => None,
        };
        let mut ty = None;
        if let Some(init) = &local.init {
            let sent = name.as_ref().is_some_and(|n| self.sent.last().is_some_and(|s| s.contains(n)));
            if sent && matches!(&*init.expr, Expr::Closure(_)) {
                self.with_mode(Mode::Detached, |w| w.visit_expr(&init.expr));
            } else {
                self.visit_expr(&init.expr);
            }
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
            ty = self.env.type_of(&init.expr);
            if self.attached() && self.is_guard_init(&init.expr) {
                if let Some(n) = &name {
                    let span = local.pat.span();
                    if let Some(scope) = self.guards.last_mut() {
                        scope.push((n.clone(), span));
                    }
                }
            }
        }
        self.env.bind_pat(&local.pat, ty);
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            // An async block runs where it is polled: `block_on` is the wait, `spawn`
            // runs it elsewhere.
            Expr::Async(_) => {}
            Expr::Await(a) => match &*a.base {
                call @ (Expr::MethodCall(_) | Expr::Call(_)) => self.visit_call(call, true),
                other => self.visit_expr(other),
            },
            Expr::MethodCall(_) | Expr::Call(_) => self.visit_call(expr, false),
            Expr::ForLoop(f) => {
                if self.attached() {
                    if let Some(hit) = self.model.classify_for(f, &self.env) {
                        self.record_wait(hit, f.expr.span(), f.expr.span(), format!("for .. in {}", render(&f.expr)));
                    }
                }
                self.visit_expr(&f.expr);
                self.env.push();
                self.env.bind_pat(&f.pat, None);
                self.visit_block(&f.body);
                self.env.pop();
            }
            Expr::Closure(c) => {
                self.env.push();
                for input in &c.inputs {
                    self.env.bind_pat(input, None);
                }
                self.visit_expr(&c.body);
                self.env.pop();
            }
            _ => syn::visit::visit_expr(self, expr),
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if self.attached() && !self.in_async {
            if let Some(hit) = self.model.classify_macro(mac, &self.env) {
                let name = hit.name.clone();
                self.record_wait(hit, mac.span(), mac.path.span(), format!("{name}!"));
                return;
            }
        }
        for expr in macro_exprs(mac) {
            self.visit_expr(&expr);
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {
        // A nested item is another function: not this body.
    }
}

/// Locals of `block` that are passed to a call running its closures elsewhere.
fn sent_closures(model: &Model, block: &syn::Block) -> HashSet<String> {
    struct Finder<'m> {
        model: &'m Model,
        names: HashSet<String>,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if self.model.closure_context(expr) == ClosureContext::Skip {
                let args: Vec<&Expr> = match expr {
                    Expr::MethodCall(c) => c.args.iter().collect(),
                    Expr::Call(c) => c.args.iter().collect(),
                    _ => Vec::new(),
                };
                for arg in args {
                    if let Expr::Path(p) = arg {
                        if let Some(ident) = p.path.get_ident() {
                            self.names.insert(ident.to_string());
                        }
                    }
                }
            }
            syn::visit::visit_expr(self, expr);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder { model, names: HashSet::new() };
    for stmt in &block.stmts {
        finder.visit_stmt(stmt);
    }
    finder.names
}

/// A short rendering of a wait: `rx.recv()`, `handle.join()`, `block_on(..)`.
pub fn render(expr: &Expr) -> String {
    fn arg_text(args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>) -> String {
        if args.is_empty() {
            String::new()
        } else {
            "..".into()
        }
    }
    match expr {
        Expr::MethodCall(m) => format!("{}.{}({})", render_receiver(&m.receiver), m.method, arg_text(&m.args)),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => {
                let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                let shown = if segs.len() > 2 { &segs[segs.len() - 2..] } else { &segs[..] };
                format!("{}({})", shown.join("::"), arg_text(&c.args))
            }
            _ => "..(..)".into(),
        },
        Expr::Reference(r) => format!("&{}", render(&r.expr)),
        Expr::Path(p) => p.path.segments.last().map_or("..".into(), |s| s.ident.to_string()),
        Expr::Field(f) => render_receiver(&Expr::Field(f.clone())),
        _ => "..".into(),
    }
}

fn render_receiver(expr: &Expr) -> String {
    match expr {
        Expr::Path(p) => p.path.segments.last().map_or("..".into(), |s| s.ident.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => n.to_string(),
            syn::Member::Unnamed(i) => format!("{}.{}", render_receiver(&f.base), i.index),
        },
        Expr::MethodCall(m) if m.args.is_empty() && m.method != "iter" && m.method != "into_iter" => {
            // `self.m.lock().unwrap().recv()` -> `m.lock().unwrap().recv()` reads long; keep the base.
            format!("{}.{}()", render_receiver(&m.receiver), m.method)
        }
        Expr::MethodCall(m) => format!("{}.{}({})", render_receiver(&m.receiver), m.method, if m.args.is_empty() { "" } else { ".." }),
        Expr::Paren(p) => render_receiver(&p.expr),
        Expr::Reference(r) => format!("&{}", render_receiver(&r.expr)),
        Expr::Try(t) => format!("{}?", render_receiver(&t.expr)),
        _ => "..".into(),
    }
}
