//! Code generation. Every emitted path is absolute (`::pyo3::`, `::pyo3_detach::`).

use crate::ast::{
    analyse_fn, audit_block, first_try, TryMode, audit_statics, classify, closure_context, has_pymethods, is_proof_placeholder,
    last_segment_is, shared_receiver_root, BlockingItem, ClosureContext, FnModel, ModuleItem, Token, WaitSet,
    GUARD_WAITS,
};
use crate::attr::{push, BlockingOptions, MetaList, ModuleOptions};
use crate::valid;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, FnArg, Meta};

/// The original item, unchanged, next to the errors: the rest of the crate and the
/// IDE keep seeing the item.
fn with_errors(original: TokenStream, errors: syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    quote!(#errors #original)
}

pub fn ft_module(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item = match ModuleItem::parse(input.clone()) {
        Ok(item) => item,
        Err(e) if is_file_module(&input) => return e.to_compile_error(),
        Err(e) => return with_errors(input, e),
    };
    let mut errors = None;
    let mut options = ModuleOptions::default();
    options.add(args, &mut errors);

    // Take over an existing `#[pymodule(..)]` and the `gil_used` of `#[pyo3(..)]`.
    let attrs = std::mem::take(item.attrs_mut());
    for mut attr in attrs {
        if last_segment_is(attr.path(), "pymodule") {
            match &attr.meta {
                Meta::Path(_) => {}
                Meta::List(list) => options.add(list.tokens.clone(), &mut errors),
                Meta::NameValue(nv) => push(&mut errors, syn::Error::new_spanned(nv, "expected `#[pymodule(..)]`")),
            }
            continue;
        }
        if attr.path().is_ident("pyo3") {
            if let Meta::List(list) = &attr.meta {
                match syn::parse2::<MetaList>(list.tokens.clone()) {
                    Ok(MetaList(metas)) => {
                        let (gil, rest): (Vec<_>, Vec<_>) = metas.into_iter().partition(|m| m.path().is_ident("gil_used"));
                        for m in gil {
                            options.add(m.to_token_stream(), &mut errors);
                        }
                        if rest.is_empty() {
                            continue;
                        }
                        attr = syn::parse_quote!(#[pyo3(#(#rest),*)]);
                    }
                    Err(e) => push(&mut errors, e),
                }
            }
        }
        item.attrs_mut().push(attr);
    }

    let found = match &item {
        ModuleItem::Fn(f) => audit_block(&f.block),
        ModuleItem::Mod(m) => audit_statics(m.content.as_ref().map_or(&[][..], |c| &c.1)),
    };
    valid::module_statics(&found, &mut errors);
    // Even with errors, emit the module as #[pymodule] (without `gil_used = true`):
    // the re-emitted item then still means what the user wrote.
    let errors = errors.map(|e| e.to_compile_error());

    let pymodule = match &options.pyo3_path {
        Some(path) => quote!(#path::pymodule),
        None => quote!(::pyo3::pymodule),
    };
    let passthrough = &options.passthrough;
    let item = match &item {
        ModuleItem::Fn(f) => f.to_token_stream(),
        ModuleItem::Mod(m) => m.to_token_stream(),
    };
    quote! {
        #errors
        #[#pymodule(#(#passthrough,)* gil_used = false)]
        #item
    }
}

fn is_file_module(input: &TokenStream) -> bool {
    matches!(syn::parse2::<syn::Item>(input.clone()), Ok(syn::Item::Mod(m)) if m.content.is_none())
}

pub fn blocking_detached(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = None;
    let options = BlockingOptions::parse(args).unwrap_or_else(|e| {
        push(&mut errors, e);
        BlockingOptions::default()
    });
    let item = match BlockingItem::parse(input.clone()) {
        Ok(item) => item,
        Err(e) => {
            push(&mut errors, e);
            return with_errors(input, errors.expect("just pushed"));
        }
    };
    let waits = WaitSet::new(&options.waits);
    match item {
        BlockingItem::Fn(mut f) => {
            let model = analyse_fn(&f.sig, &f.block, &waits, false);
            valid::blocking_fn(&f.sig, &model, true, &mut errors);
            if let Some(errors) = errors {
                return with_errors(input, errors);
            }
            rewrite_fn(&mut f.sig, &mut f.block, &model, &waits);
            f.into_token_stream()
        }
        BlockingItem::Impl(mut imp) => {
            // Above #[pymethods], PyO3 has not seen the methods yet: a missing
            // `py: Python<'_>` parameter can be added and PyO3 will supply it.
            let may_add_token = has_pymethods(&imp.attrs);
            let mut models = Vec::new();
            let mut total = 0;
            for it in &imp.items {
                if let syn::ImplItem::Fn(m) = it {
                    let model = analyse_fn(&m.sig, &m.block, &waits, may_add_token);
                    valid::blocking_fn(&m.sig, &model, false, &mut errors);
                    total += model.sites.len();
                    models.push(Some(model));
                } else {
                    models.push(None);
                }
            }
            valid::blocking_impl(&imp, total, &mut errors);
            if let Some(errors) = errors {
                return with_errors(input, errors);
            }
            for (it, model) in imp.items.iter_mut().zip(models) {
                if let (syn::ImplItem::Fn(m), Some(model)) = (it, model) {
                    if !model.sites.is_empty() {
                        rewrite_fn(&mut m.sig, &mut m.block, &model, &waits);
                    }
                }
            }
            imp.into_token_stream()
        }
    }
}

/// Name of the interpreter token when the macro has to introduce it.
fn added_token_ident() -> syn::Ident {
    syn::Ident::new("__pyo3_detach_py", Span::call_site())
}

fn rewrite_fn(sig: &mut syn::Signature, block: &mut syn::Block, model: &FnModel, waits: &WaitSet) {
    let original_sig = sig.clone();
    let token = match model.token.clone().expect("validated: a function with waits has a token") {
        Token::Param(ident) => ident.into_token_stream(),
        Token::PyOf(ident) => quote!(#ident.py()),
        Token::Wildcard(index) => {
            let ident = added_token_ident();
            if let Some(FnArg::Typed(pt)) = sig.inputs.iter_mut().nth(index) {
                *pt.pat = syn::parse_quote!(#ident);
            }
            ident.into_token_stream()
        }
        Token::Added => {
            let ident = added_token_ident();
            let at = usize::from(matches!(sig.inputs.first(), Some(FnArg::Receiver(_))));
            sig.inputs.insert(at, syn::parse_quote!(#ident: ::pyo3::Python<'_>));
            ident.into_token_stream()
        }
    };
    // The same parameter types as the analysis saw (before a token was added).
    let waits = &waits.for_sig(&original_sig);
    let mut rewriter = Rewriter { waits, token, try_mode: model.try_mode.clone() };
    rewriter.visit_block_mut(block);
}

struct Rewriter<'w> {
    waits: &'w WaitSet,
    token: TokenStream,
    try_mode: Option<TryMode>,
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if classify(expr, self.waits).is_some() {
            // The arguments run attached, before the wait: rewrite waits among them.
            match expr {
                Expr::MethodCall(c) => c.args.iter_mut().for_each(|a| self.visit_expr_mut(a)),
                Expr::Call(c) => c.args.iter_mut().for_each(|a| self.visit_expr_mut(a)),
                _ => {}
            }
            *expr = self.detached(expr);
            return;
        }
        match closure_context(expr) {
            ClosureContext::Inherit => syn::visit_mut::visit_expr_mut(self, expr),
            // Validation rejected waits in attached closures; detached or foreign
            // closures are left as written.
            ClosureContext::Skip | ClosureContext::Attached => match expr {
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

    fn visit_item_mut(&mut self, _: &mut syn::Item) {
        // Nested items are other functions.
    }
}

impl Rewriter<'_> {
    /// The detached form of one wait:
    /// arguments evaluated first (attached, they may use `py`), then the receiver
    /// chain and the call inside `Python::detach`, so temporaries such as a lock
    /// guard live and die detached.
    fn detached(&self, expr: &Expr) -> Expr {
        let span = expr.span();
        let token = &self.token;
        let (args, call): (Vec<&Expr>, Box<dyn Fn(&[TokenStream]) -> TokenStream>) = match expr {
            Expr::MethodCall(c) => {
                let (receiver, method, turbofish) = (&c.receiver, &c.method, &c.turbofish);
                let root = shared_receiver_root(c, self.waits);
                (
                    c.args.iter().collect(),
                    Box::new(move |args: &[TokenStream]| match root {
                        // A local `Send + !Sync` receiver (std's mpsc `Receiver`) cannot be
                        // borrowed into the closure directly; `SameThread` carries it.
                        // The chain names the root, which the `let` shadows.
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
        let guard_wait = !args.is_empty()
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
        let root_capture = match expr {
            Expr::MethodCall(c) => {
                shared_receiver_root(c, self.waits).map(|root| {
                    quote_spanned! {span=>
                        #[allow(unused_imports)]
                        use ::pyo3_detach::__private::{CaptureNeither as _, CaptureSend as _, CaptureSync as _};
                        let __pyo3_detach_root = (&&&::pyo3_detach::__private::Probe(&#root)).capture();
                    }
                })
            }
            _ => None,
        };
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
            let (ret, ok, residual) = match self.try_mode.as_ref().expect("validated") {
                TryMode::Result(e) => (
                    quote!(::core::result::Result<_, #e>),
                    quote!(::core::result::Result::Ok),
                    quote!(::core::result::Result::Err(__pyo3_detach_err) => return ::core::result::Result::Err(__pyo3_detach_err)),
                ),
                TryMode::Option => {
                    (quote!(::core::option::Option<_>), quote!(::core::option::Option::Some), quote!(::core::option::Option::None => return ::core::option::Option::None))
                }
            };
            return syn::parse_quote_spanned! {span=>
                {
                    #(#lets)*
                    #root_capture
                    match ::pyo3::Python::detach(#token, || -> #ret {
                        #proof
                        ::pyo3_detach::__private::reattaching(#ok({ #call }))
                    }) {
                        #ok(__pyo3_detach_value) => __pyo3_detach_value #unwrap,
                        #residual,
                    }
                }
            };
        }
        // `reattaching`: a wait that ends while the interpreter exits parks instead
        // of re-attaching (see pyo3-detach's `exit` module).
        let detach = quote_spanned! {span=>
            ::pyo3::Python::detach(#token, || {
                #proof
                ::pyo3_detach::__private::reattaching({ #call })
            }) #unwrap
        };
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
