//! Procedural macros of [`pyo3-detach`](https://docs.rs/pyo3-detach). Use them through
//! that crate: the code they emit names `::pyo3_detach::` paths.
//!
//! Each attribute goes through three phases, one module each:
//! [`attr`] (options) and [`ast`] (the item and its wait sites) parse,
//! [`valid`] collects every misuse as a spanned error, [`expand`] emits the code.
//! On error the original item is emitted unchanged next to the `compile_error!`s, so
//! the rest of the crate (and an IDE) keeps working.

extern crate proc_macro;

mod ast;
mod attr;
mod expand;
mod module_audit;
mod rewrite;
mod valid;
mod walk;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;

/// Declares a `#[pymodule]` free-threading safe (`gil_used = false`) and audits it.
///
/// See the `pyo3-detach` crate for documentation.
#[proc_macro_attribute]
pub fn ft_module(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::ft_module(args.into(), input.into()).into()
}

/// Runs every blocking wait of a function, method or `impl` block detached.
///
/// See the `pyo3-detach` crate for documentation.
#[proc_macro_attribute]
pub fn blocking_detached(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::blocking_detached(args.into(), input.into()).into()
}

/// Opts one entry point of an `#[ft_module]` out of its attached-wait audit:
/// `#[pyo3_detach::allow_attached(reason = "..")]`. The reason must be given.
///
/// See the `pyo3-detach` crate for documentation.
#[proc_macro_attribute]
pub fn allow_attached(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::allow_attached(args.into(), input.into()).into()
}
