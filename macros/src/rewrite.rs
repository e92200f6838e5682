//! The rewrite of `#[blocking_detached]`: each wait the analysis found becomes a
//! `Python::detach` call. Every emitted path is absolute (`::pyo3::`, `::pyo3_detach::`).

use crate::ast::{first_try, is_proof_placeholder, local_root, ClosureContext, FnModel, Token, TryMode, WaitSet, GUARD_WAITS, SHARED_RECEIVER_WAITS};
use crate::walk::{self, Step};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, FnArg};

/// Name of the interpreter token when the macro has to add or rename a parameter.
fn added_token_ident() -> syn::Ident {
    syn::Ident::new("__pyo3_detach_py", Span::call_site())
}

/// The token every rewritten wait detaches with, bound once at the top of the body.
/// Mixed-site hygiene: a user's `let py = ..` (or `let slf = ..`) later in the body
/// cannot shadow it.
fn hygienic_token_ident() -> syn::Ident {
    syn::Ident::new("__pyo3_detach_token", Span::mixed_site())
}

/// How a rewritten wait detaches.
enum Via {
    /// `Python::detach(token, ..)`.
    Token(TokenStream),
    /// `__private::detach_if_attached(..)` (`Drop::drop`, which has no token).
    IfAttached,
}

pub fn rewrite_fn(sig: &mut syn::Signature, block: &mut syn::Block, model: &FnModel, waits: &WaitSet) {
    let source = match model.token.clone().expect("validated: a function with waits has a token") {
        Token::Param(ident) => Some(ident.into_token_stream()),
        Token::PyOf(ident) => Some(quote!(#ident.py())),
        Token::Wildcard(index) => {
            let ident = added_token_ident();
            if let Some(FnArg::Typed(pt)) = sig.inputs.iter_mut().nth(index) {
                *pt.pat = syn::parse_quote!(#ident);
            }
            Some(ident.into_token_stream())
        }
        Token::Added => {
            let ident = added_token_ident();
            let at = usize::from(matches!(sig.inputs.first(), Some(FnArg::Receiver(_))));
            sig.inputs.insert(at, syn::parse_quote!(#ident: ::pyo3::Python<'_>));
            Some(ident.into_token_stream())
        }
        Token::IfAttached => None,
    };
    let via = match source {
        Some(source) => {
            let token = hygienic_token_ident();
            block.stmts.insert(0, syn::parse_quote!(let #token: ::pyo3::Python<'_> = #source;));
            Via::Token(token.into_token_stream())
        }
        None => Via::IfAttached,
    };
    let mut rewriter =
        Rewriter { waits, via, try_mode: model.try_mode.clone(), skipped: walk::skipped_closure_names(block), rewrites: 0 };
    rewriter.visit_block_mut(block);
}

struct Rewriter<'w> {
    waits: &'w WaitSet,
    via: Via,
    try_mode: Option<TryMode>,
    /// Local closures handed to another thread (see `walk::skipped_closure_names`).
    skipped: Vec<syn::Ident>,
    /// Waits rewritten so far (to tell whether a macro's tokens changed).
    rewrites: usize,
}

/// `walk::Step` without the borrow, so that the expression can be replaced.
enum Kind {
    Wait,
    Chain(syn::Ident),
    Awaited,
    Async,
    Other(ClosureContext),
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        let kind = match walk::step(expr, self.waits) {
            Step::Wait(_) => Kind::Wait,
            Step::Chain { wait, .. } => Kind::Chain(wait),
            Step::Awaited(_) => Kind::Awaited,
            Step::Async => Kind::Async,
            Step::Other(ctx) => Kind::Other(ctx),
        };
        match kind {
            Kind::Wait | Kind::Chain(_) => {
                // The arguments run attached, before the wait: rewrite waits among them.
                match expr {
                    Expr::MethodCall(c) => c.args.iter_mut().for_each(|a| self.visit_expr_mut(a)),
                    Expr::Call(c) => c.args.iter_mut().for_each(|a| self.visit_expr_mut(a)),
                    _ => {}
                }
                let chain = match kind {
                    Kind::Chain(wait) => Some(wait),
                    _ => None,
                };
                *expr = self.detached(expr, chain.as_ref());
                self.rewrites += 1;
            }
            // The awaited call is not blocked on; its receiver and arguments may be.
            Kind::Awaited => {
                if let Expr::Await(a) = expr {
                    match &mut *a.base {
                        Expr::MethodCall(c) => {
                            self.visit_expr_mut(&mut c.receiver);
                            c.args.iter_mut().for_each(|a| self.visit_expr_mut(a));
                        }
                        Expr::Call(c) => c.args.iter_mut().for_each(|a| self.visit_expr_mut(a)),
                        _ => {}
                    }
                }
            }
            // An async block runs wherever its future is polled.
            Kind::Async => {}
            Kind::Other(ClosureContext::Inherit) => syn::visit_mut::visit_expr_mut(self, expr),
            // Validation rejected waits in attached closures; detached or foreign
            // closures are left as written.
            Kind::Other(ClosureContext::Skip | ClosureContext::Attached) => match expr {
                Expr::MethodCall(c) => {
                    self.visit_expr_mut(&mut c.receiver);
                    c.args.iter_mut().filter(|a| !matches!(a, Expr::Closure(_))).for_each(|a| self.visit_expr_mut(a));
                }
                Expr::Call(c) => {
                    c.args.iter_mut().filter(|a| !matches!(a, Expr::Closure(_))).for_each(|a| self.visit_expr_mut(a))
                }
                other => syn::visit_mut::visit_expr_mut(self, other),
            },
        }
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        if walk::is_skipped_closure(local, &self.skipped) {
            return;
        }
        syn::visit_mut::visit_local_mut(self, local);
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        // Waiting macros (`select!`) were rejected; other macros whose tokens are
        // expressions are rewritten inside, and re-emitted only if a wait was found.
        let Some(mut exprs) = walk::macro_exprs(m) else { return };
        let before = self.rewrites;
        for expr in exprs.iter_mut() {
            self.visit_expr_mut(expr);
        }
        if self.rewrites > before {
            m.tokens = exprs.to_token_stream();
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {
        // Nested items are other functions.
    }
}

impl Rewriter<'_> {
    /// `Python::detach(token, closure)`, or its run-time-checked form.
    fn detach_call(&self, span: Span, closure: TokenStream) -> TokenStream {
        match &self.via {
            Via::Token(token) => quote_spanned!(span=> ::pyo3::Python::detach(#token, #closure)),
            Via::IfAttached => quote_spanned!(span=> ::pyo3_detach::__private::detach_if_attached(#closure)),
        }
    }

    /// The detached form of one wait (or of a whole chain over a blocking iterator,
    /// `chain` naming its wait): arguments evaluated first (attached, they may use
    /// `py`), then the receiver chain and the call inside `Python::detach`, so
    /// temporaries such as a lock guard live and die detached.
    fn detached(&self, expr: &Expr, chain: Option<&syn::Ident>) -> Expr {
        let span = expr.span();
        // A local `Send + !Sync` receiver (std's mpsc `Receiver`) cannot be borrowed
        // into the closure directly; `SameThread` carries it. For a chain, the root is
        // the chain's base, borrowed by `iter()`-like waits (not by `into_iter`).
        let root = match (expr, chain) {
            (Expr::MethodCall(c), None) if SHARED_RECEIVER_WAITS.iter().any(|w| c.method == w) => local_root(&c.receiver),
            (Expr::MethodCall(c), Some(wait)) if wait != "into_iter" => local_root(walk::chain_base(&c.receiver)),
            _ => None,
        };
        let (args, call): (Vec<&Expr>, Box<dyn Fn(&[TokenStream]) -> TokenStream>) = match expr {
            Expr::MethodCall(c) => {
                let (receiver, method, turbofish) = (&c.receiver, &c.method, &c.turbofish);
                (
                    c.args.iter().collect(),
                    Box::new(move |args: &[TokenStream]| match root {
                        Some(root) => quote_spanned! {span=>
                            let #root = __pyo3_detach_root.get();
                            #receiver.#method #turbofish (#(#args),*)
                        },
                        None => quote_spanned!(span=> #receiver.#method #turbofish (#(#args),*)),
                    }),
                )
            }
            Expr::Call(c) => {
                let func = &c.func;
                (c.args.iter().collect(), Box::new(move |args: &[TokenStream]| quote_spanned!(span=> #func(#(#args),*))))
            }
            _ => unreachable!("classify accepts calls only"),
        };
        // A condition variable's guard is `!Send`: it crosses in a same-thread shell,
        // and so does the guard the wait returns.
        let guard_wait = chain.is_none()
            && !args.is_empty()
            && matches!(expr, Expr::MethodCall(c) if GUARD_WAITS.iter().any(|w| c.method == w));
        let mut lets = Vec::new();
        let mut call_args = Vec::new();
        let mut needs_proof = false;
        for (i, arg) in args.into_iter().enumerate() {
            if is_proof_placeholder(arg) {
                needs_proof = true;
                call_args.push(quote_spanned!(span=> &__pyo3_detach_proof));
            } else if matches!(arg, Expr::Closure(_)) {
                // A closure literal stays in place: evaluating it does nothing, and
                // its parameter types are inferred from the call.
                call_args.push(arg.to_token_stream());
            } else if guard_wait {
                let name = format_ident!("__pyo3_detach_arg{}", i, span = span);
                lets.push(quote_spanned!(span=> let #name = ::pyo3_detach::__private::SameThreadValue::new(#arg);));
                call_args.push(quote_spanned!(span=> #name.into_inner()));
            } else {
                let name = format_ident!("__pyo3_detach_arg{}", i, span = span);
                lets.push(quote_spanned!(span=> let #name = #arg;));
                call_args.push(name.into_token_stream());
            }
        }
        let proof = needs_proof.then(|| quote_spanned!(span=> let __pyo3_detach_proof = ::pyo3_detach::__private::proof();));
        let root_capture = root.map(|root| {
            quote_spanned! {span=>
                #[allow(unused_imports)]
                use ::pyo3_detach::__private::{CaptureNeither as _, CaptureSend as _, CaptureSync as _};
                let __pyo3_detach_root = (&&&::pyo3_detach::__private::Probe(&#root)).capture();
            }
        });
        let mut call = call(&call_args);
        let unwrap = guard_wait.then(|| quote_spanned!(span=> .into_inner()));
        if guard_wait {
            call = quote_spanned!(span=> ::pyo3_detach::__private::SameThreadValue::new(#call));
        }
        // A `?` in the receiver chain would return from the closure: the closure
        // returns the function's `Result`/`Option` and the residual is returned after
        // re-attaching (validated: only where the function's return type is known).
        let chain_try = match expr {
            Expr::MethodCall(c) => first_try(&c.receiver).is_some(),
            _ => false,
        };
        if chain_try {
            let result = |e: TokenStream| {
                (
                    quote!(::core::result::Result<_, #e>),
                    quote!(::core::result::Result::Ok),
                    quote!(::core::result::Result::Err(__pyo3_detach_err) => return ::core::result::Result::Err(__pyo3_detach_err)),
                )
            };
            let (ret, ok, residual) = match self.try_mode.as_ref().expect("validated") {
                TryMode::Result(e) => result(e.clone()),
                TryMode::Alias(ty) => result(quote!(<#ty as ::pyo3_detach::__private::ResultReturn>::Err)),
                TryMode::Option => {
                    (quote!(::core::option::Option<_>), quote!(::core::option::Option::Some), quote!(::core::option::Option::None => return ::core::option::Option::None))
                }
            };
            let detach = self.detach_call(
                span,
                quote_spanned! {span=>
                    || -> #ret {
                        #proof
                        ::pyo3_detach::__private::reattaching(#ok({ #call }))
                    }
                },
            );
            return syn::parse_quote_spanned! {span=>
                {
                    #(#lets)*
                    #root_capture
                    match #detach {
                        #ok(__pyo3_detach_value) => __pyo3_detach_value #unwrap,
                        #residual,
                    }
                }
            };
        }
        // `reattaching`: a wait that ends while the interpreter exits parks instead
        // of re-attaching (see pyo3-detach's `exit` module).
        let detach = self.detach_call(
            span,
            quote_spanned! {span=>
                || {
                    #proof
                    ::pyo3_detach::__private::reattaching({ #call })
                }
            },
        );
        let detach = quote_spanned!(span=> #detach #unwrap);
        if lets.is_empty() && root_capture.is_none() {
            // No block around a lone call: `{ call };` as a statement would trip
            // clippy's `unnecessary_operation` in the user's code.
            return syn::parse_quote_spanned! {span=> #detach };
        }
        syn::parse_quote_spanned! {span=>
            {
                #(#lets)*
                #root_capture
                #detach
            }
        }
    }
}
