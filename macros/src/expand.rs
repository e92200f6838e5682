//! Code generation. Every emitted path is absolute (`::pyo3::`, `::pyo3_detach::`).

use crate::ast::{analyse_fn, has_pymethods, last_segment_is, BlockingItem, TokenFallback, WaitSet};
use crate::module_audit::{audit_block, audit_entry_points, audit_module_fn, audit_statics, gil_used_calls, ModuleItem};
use crate::attr::{push, BlockingOptions, MetaList, ModuleOptions};
use crate::rewrite::rewrite_fn;
use crate::valid;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::Meta;

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
    valid::module_gil_used_calls(&gil_used_calls(&item), &mut errors);
    let attached = match &mut item {
        ModuleItem::Fn(f) => audit_module_fn(f, &mut errors),
        ModuleItem::Mod(m) => audit_entry_points(m.content.as_mut().map_or(&mut [][..], |c| &mut c.1), &mut errors),
    };
    valid::module_waits(&attached, &mut errors);
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
            // `fn drop(&mut self)` annotated on its own, inside `impl Drop`.
            let is_drop = f.sig.ident == "drop"
                && f.sig.inputs.len() == 1
                && matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_some());
            let fallback = if is_drop { TokenFallback::IfAttached } else { TokenFallback::None };
            let model = analyse_fn(&f.sig, &f.block, &waits, fallback);
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
            // A `Drop` has no token: it asks at run time whether it runs attached.
            let is_drop = imp.trait_.as_ref().is_some_and(|(_, path, _)| last_segment_is(path, "Drop"));
            let fallback = if is_drop {
                TokenFallback::IfAttached
            } else if has_pymethods(&imp.attrs) {
                TokenFallback::AddParam
            } else {
                TokenFallback::None
            };
            let mut models = Vec::new();
            let mut total = 0;
            for it in &imp.items {
                if let syn::ImplItem::Fn(m) = it {
                    let model = analyse_fn(&m.sig, &m.block, &waits, fallback);
                    valid::blocking_fn(&m.sig, &model, false, &mut errors);
                    total += model.sites.len() + model.opaque_waits.len() + model.iterator_loops.len() + model.macro_waits.len();
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

/// `#[allow_attached(reason = "..")]` outside an `#[ft_module]` (which takes it out of
/// the items it audits): the item is unchanged, the reason checked.
pub fn allow_attached(args: TokenStream, input: TokenStream) -> TokenStream {
    let attr: syn::Attribute = syn::parse_quote!(#[allow_attached(#args)]);
    match crate::module_audit::allow_reason(&attr) {
        Ok(_) => input,
        Err(e) => with_errors(input, e),
    }
}
