//! The wait model of [`pyo3-detach`](https://docs.rs/pyo3-detach): one answer, for the
//! `#[blocking_detached]` macro and for the `pyo3-detach-audit` tool alike, to
//!
//! - **what blocks**: [`Model::classify`] (calls and method calls by name, arity and,
//!   where the source declares it, receiver type; UFCS; renamed imports; iterators over
//!   receivers; locks; rayon; scopes; once-cells; bounded sends),
//!   [`Model::classify_for`] (`for v in &rx`), [`Model::classify_macro`] (`select!`);
//! - **what is already detached** and **what is attached again**:
//!   [`Model::closure_context`];
//! - **where Python enters** attached: [`context::fn_entry`], [`context::is_pymethods`],
//!   [`context::drop_impl_type`];
//! - the waits of a whole body, with the calls to follow: [`walk::walk_body`].
//!
//! Everything works on `syn` trees, so it runs inside a proc-macro as well as in a tool.

pub mod context;
pub mod imports;
pub mod types;
pub mod waits;
pub mod walk;

pub use context::{ClosureContext, EntryKind};
pub use imports::Imports;
pub use types::{NoLookup, Ty, TypeEnv, TypeLookup};
pub use waits::{is_proof_placeholder, macro_exprs, Config, Model, WaitForm, WaitHit, WaitKind};

#[cfg(test)]
mod tests;
