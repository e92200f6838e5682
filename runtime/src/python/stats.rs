//! `RuntimeStats`: the engine's `StatsData`, exposed read-only (defined once, in
//! `command.rs`).

pub use crate::command::StatsData as RuntimeStats;
