//! What the body walk does at each expression, shared by the read-only analysis
//! (`ast::SiteWalker`) and the rewrite (`expand::Rewriter`), so that the two cannot
//! disagree: which expression is a wait, which parts run elsewhere (async blocks,
//! closures given to a thread), and how macro invocations are looked into.
//!
//! Whether a single call blocks is `ast::classify`'s answer; this module only decides
//! where the walk goes around it.

use crate::ast::{classify, closure_context, ClosureContext, Wait, WaitSet};
use proc_macro2::{TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, Ident, Token};

/// What the walk does at one expression.
pub enum Step<'a> {
    /// A blocking wait: the expression runs detached.
    Wait(Wait<'a>),
    /// A method chain over a wait that yields an iterator (`rx.iter().sum()`): every
    /// step of the chain pulls from the blocking iterator, so the whole chain, up to
    /// this outermost call, runs detached. `wait` is the wait's name.
    Chain { call: &'a syn::ExprMethodCall, wait: Ident },
    /// `wait.await`: the future is awaited, not blocked on; the wait's receiver and
    /// arguments are walked, the call itself is not rewritten.
    Awaited(&'a Expr),
    /// An `async` block: its code runs wherever the future is polled (given to
    /// `block_on`, which is a wait itself, or to a runtime's `spawn`).
    Async,
    /// Any other expression; `ClosureContext` says how its closure arguments run.
    Other(ClosureContext),
}

pub fn step<'a>(expr: &'a Expr, waits: &WaitSet) -> Step<'a> {
    if let Some(wait) = classify(expr, waits) {
        return Step::Wait(wait);
    }
    match expr {
        Expr::MethodCall(call) => {
            if let Some(wait) = iterator_wait_below(&call.receiver, waits) {
                return Step::Chain { call, wait };
            }
        }
        Expr::Await(a) if classify(&a.base, waits).is_some() => return Step::Awaited(&a.base),
        Expr::Async(_) => return Step::Async,
        _ => {}
    }
    Step::Other(closure_context(expr))
}

/// The name of a wait, as written.
pub fn wait_name(wait: &Wait<'_>) -> Option<Ident> {
    match wait {
        Wait::Method { call } => Some(call.method.clone()),
        Wait::Call { call } => match &*call.func {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
            _ => None,
        },
    }
}

/// Wait names that hand out a blocking iterator rather than a value.
pub fn is_iterator_wait(name: &Ident) -> bool {
    let name = name.to_string();
    matches!(name.as_str(), "iter" | "into_iter" | "try_iter" | "incoming")
        || name.ends_with("_iter")
        || name.starts_with("iter_")
}

/// Is there an iterator-yielding wait down this receiver chain (through method calls
/// and parentheses only)?
fn iterator_wait_below(receiver: &Expr, waits: &WaitSet) -> Option<Ident> {
    let receiver = strip_parens(receiver);
    if let Some(wait) = classify(receiver, waits) {
        return wait_name(&wait).filter(is_iterator_wait);
    }
    match receiver {
        Expr::MethodCall(inner) => iterator_wait_below(&inner.receiver, waits),
        _ => None,
    }
}

fn strip_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => strip_parens(&p.expr),
        other => other,
    }
}

/// The expression at the bottom of a method chain (`rx` in `rx.iter().map(f).sum()`).
pub fn chain_base(expr: &Expr) -> &Expr {
    match strip_parens(expr) {
        Expr::MethodCall(c) => chain_base(&c.receiver),
        other => other,
    }
}

/// Names of local closures that are handed to a call whose closures run elsewhere
/// (`let work = move || rx.recv(); std::thread::spawn(work)`): their bodies are left
/// alone like a closure literal in that call would be.
pub fn skipped_closure_names(block: &syn::Block) -> Vec<Ident> {
    struct Finder(Vec<Ident>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if closure_context(expr) == ClosureContext::Skip {
                let args: Vec<&Expr> = match expr {
                    Expr::MethodCall(c) => c.args.iter().collect(),
                    Expr::Call(c) => c.args.iter().collect(),
                    _ => Vec::new(),
                };
                for arg in args {
                    if let Expr::Path(p) = arg {
                        if let Some(ident) = p.path.get_ident() {
                            self.0.push(ident.clone());
                        }
                    }
                }
            }
            syn::visit::visit_expr(self, expr);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(Vec::new());
    finder.visit_block(block);
    finder.0
}

/// Is this `let` a closure that runs elsewhere (see [`skipped_closure_names`])?
pub fn is_skipped_closure(local: &syn::Local, skipped: &[Ident]) -> bool {
    let Some(init) = &local.init else { return false };
    let ident = match &local.pat {
        syn::Pat::Ident(id) => &id.ident,
        syn::Pat::Type(pt) => match &*pt.pat {
            syn::Pat::Ident(id) => &id.ident,
            _ => return false,
        },
        _ => return false,
    };
    matches!(&*init.expr, Expr::Closure(_)) && skipped.iter().any(|s| s == ident)
}

/// The tokens of a macro invocation as comma-separated expressions (`format!`,
/// `assert_eq!`, `println!`, most `macro_rules!` of expressions), if they parse so.
pub fn macro_exprs(mac: &syn::Macro) -> Option<Punctuated<Expr, Token![,]>> {
    mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated).ok()
}

/// A wait name used as a call (`.name(..)` or `name(..)`) somewhere in these tokens,
/// for macro bodies that do not parse as expressions.
pub fn wait_mentioned(tokens: TokenStream, waits: &WaitSet) -> Option<Ident> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tt) in tokens.iter().enumerate() {
        match tt {
            TokenTree::Ident(ident) => {
                let Some(TokenTree::Group(args)) = tokens.get(i + 1) else { continue };
                if args.delimiter() != proc_macro2::Delimiter::Parenthesis {
                    continue;
                }
                // Asked of `classify` itself, as a method call and as a path call.
                let probes = [quote::quote!(__probe.#ident #args), quote::quote!(#ident #args)];
                for probe in probes {
                    if let Ok(expr) = syn::parse2::<Expr>(probe) {
                        if classify(&expr, waits).is_some() {
                            return Some(ident.clone());
                        }
                    }
                }
            }
            TokenTree::Group(g) => {
                if let Some(found) = wait_mentioned(g.stream(), waits) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// The closure literals among the arguments of a call (`Detached::run(py, |p| ..)`).
pub fn closure_args(expr: &Expr) -> Vec<&syn::ExprClosure> {
    let args: Vec<&Expr> = match expr {
        Expr::MethodCall(c) => c.args.iter().collect(),
        Expr::Call(c) => c.args.iter().collect(),
        _ => Vec::new(),
    };
    args.into_iter()
        .filter_map(|a| match a {
            Expr::Closure(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Is this call `Detached::..(.., |proof| ..)`? Its closure's parameters are proofs.
pub fn is_detached_run(expr: &Expr) -> bool {
    let Expr::Call(c) = expr else { return false };
    let Expr::Path(p) = &*c.func else { return false };
    let n = p.path.segments.len();
    n >= 2 && p.path.segments[n - 2].ident == "Detached"
}

/// Does `expr` (a call) pass one of these names, plain or borrowed, as an argument?
pub fn passes_proof<'a>(expr: &'a Expr, proofs: &[Ident]) -> Option<&'a Ident> {
    let args: Vec<&Expr> = match expr {
        Expr::MethodCall(c) => c.args.iter().collect(),
        Expr::Call(c) => c.args.iter().collect(),
        _ => return None,
    };
    args.into_iter().find_map(|a| {
        let a = match a {
            Expr::Reference(r) => &*r.expr,
            Expr::Unary(u) => &*u.expr,
            other => other,
        };
        match a {
            Expr::Path(p) => p.path.get_ident().filter(|i| proofs.iter().any(|pr| pr == *i)),
            _ => None,
        }
    })
}

/// The name of the function or method a call calls.
pub fn callee_name(expr: &Expr) -> Option<Ident> {
    match expr {
        Expr::MethodCall(c) => Some(c.method.clone()),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
            _ => None,
        },
        _ => None,
    }
}
