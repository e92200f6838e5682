//! Parsing of the attributes' own options.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, Meta, Token};

/// Options of `#[blocking_detached(...)]`.
#[derive(Default)]
pub struct BlockingOptions {
    /// Extra method (or function) names that block, from `waits = [a, b]`.
    pub waits: Vec<Ident>,
}

impl BlockingOptions {
    pub fn parse(args: TokenStream) -> syn::Result<Self> {
        let mut options = BlockingOptions::default();
        let mut seen_waits: Option<Span> = None;
        let parser = |input: ParseStream| -> syn::Result<()> {
            let mut errors: Option<syn::Error> = None;
            while !input.is_empty() {
                let key: Ident = input.parse()?;
                if key == "waits" {
                    input.parse::<Token![=]>()?;
                    let content;
                    syn::bracketed!(content in input);
                    let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
                    if seen_waits.is_some() {
                        push(&mut errors, syn::Error::new_spanned(&key, "duplicate `waits` option: list every name in one `waits = [..]`"));
                    }
                    seen_waits = Some(key.span());
                    if names.is_empty() {
                        push(&mut errors, syn::Error::new_spanned(&key, "`waits = []` lists nothing: name the blocking methods, e.g. `waits = [shutdown, call_sync]`"));
                    }
                    options.waits.extend(names);
                } else {
                    push(
                        &mut errors,
                        syn::Error::new_spanned(
                            &key,
                            format!("unknown option `{key}` of #[blocking_detached]: the only option is `waits = [name, ..]`"),
                        ),
                    );
                    // Skip the rest of this option so later ones are still checked.
                    while !input.is_empty() && !input.peek(Token![,]) {
                        input.parse::<proc_macro2::TokenTree>()?;
                    }
                }
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
            }
            errors.map_or(Ok(()), Err)
        };
        parser.parse2(args)?;
        Ok(options)
    }
}

/// Options of `#[ft_module(...)]`, merged with those of an existing `#[pymodule(...)]`.
#[derive(Default)]
pub struct ModuleOptions {
    /// Options passed through to `#[pymodule]` (`name = ..`, `submodule`, ...).
    pub passthrough: Vec<Meta>,
    /// `crate = "path"`: where PyO3 lives, if renamed.
    pub pyo3_path: Option<syn::Path>,
}

impl ModuleOptions {
    /// Adds the options of one attribute, reporting `gil_used = true`.
    pub fn add(&mut self, args: TokenStream, errors: &mut Option<syn::Error>) {
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
            Ok(metas) => metas,
            Err(e) => return push(errors, e),
        };
        for meta in metas {
            if meta.path().is_ident("gil_used") {
                if let Some(err) = gil_used_true(&meta) {
                    push(errors, err);
                }
                continue; // we emit `gil_used = false` ourselves
            }
            if meta.path().is_ident("crate") {
                if let Meta::NameValue(nv) = &meta {
                    if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value {
                        match s.parse::<syn::Path>() {
                            Ok(p) => self.pyo3_path = Some(p),
                            Err(e) => push(errors, e),
                        }
                    }
                }
            }
            self.passthrough.push(meta);
        }
    }
}

fn gil_used_true(meta: &Meta) -> Option<syn::Error> {
    let is_false = matches!(
        meta,
        Meta::NameValue(syn::MetaNameValue { value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }), .. }) if !b.value
    );
    (!is_false).then(|| {
        syn::Error::new_spanned(
            meta,
            "#[ft_module] declares the module free-threading safe, so `gil_used` can only be `false`: \
             `gil_used = true` would make importing it re-enable the GIL for the whole process. \
             Fix the module's thread safety, or use a plain #[pymodule] instead of #[ft_module]",
        )
    })
}

/// Adds an error to a combined one.
pub fn push(errors: &mut Option<syn::Error>, err: syn::Error) {
    match errors {
        Some(all) => all.combine(err),
        None => *errors = Some(err),
    }
}

/// Parses attribute arguments of the `#[pymodule(...)]`/`#[pyo3(...)]` form.
pub struct MetaList(pub Punctuated<Meta, Token![,]>);

impl Parse for MetaList {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Ok(MetaList(Punctuated::parse_terminated(input)?))
    }
}
