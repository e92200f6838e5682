//! The engine thread: owns the QuickJS runtime and context and every JS object.
//!
//! Python-facing objects only hold a [`Handle`] (a command sender and atomics). The
//! thread serves commands in arrival order, runs microtasks after each, fires timers,
//! and parks when idle (after a short bounded spin, see `wait_command`).

mod core;
pub mod handle;
mod bytecode;
pub mod snapshot;
mod modules;
mod timers;

pub use handle::{Handle, Shared};
pub(crate) use core::{HEAP_MSG, TERMINATED_MSG};

/// See `core::run_inline`: a Python handler's request to its own runtime.
pub fn run_inline(cmd: crate::command::Command) -> Result<(), crate::command::Command> {
    core::run_inline(cmd)
}

use crate::value::Limits;
use std::sync::Arc;
use std::time::Duration;

/// What an engine is built from (validated by `RuntimeConfig`).
#[derive(Clone, Debug, Default)]
pub struct EngineConfig {
    pub max_heap_size: Option<usize>,
    pub bootstrap: Option<String>,
    pub enable_console: bool,
    pub limits: Limits,
    pub timeout: Option<Duration>,
    /// Scripts to re-run at start-up instead of `bootstrap` (a verified image).
    pub snapshot: Option<Arc<snapshot::SnapshotImage>>,
}

/// Where the engine reports the outcome of its start-up.
pub type Ready = crossbeam_channel::Receiver<Result<(), String>>;

/// Starts an engine thread. Returns its handle and the receiver of its start-up
/// result (the caller waits on it detached).
pub fn spawn(cfg: EngineConfig) -> std::io::Result<(Arc<Handle>, Ready)> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
    let shared = Arc::new(Shared::new(cfg.limits, cfg.timeout));
    let (exit_tx, exit_rx) = crossbeam_channel::bounded::<()>(0);
    let handle = Arc::new(Handle::new(tx, shared.clone(), exit_rx));
    let weak = Arc::downgrade(&handle);
    let join = std::thread::Builder::new()
        .name("jsrun-engine".into())
        .stack_size(32 * 1024 * 1024)
        .spawn(move || {
            core::run(rx, shared, weak, cfg, ready_tx);
            drop(exit_tx); // last: tells `close()` the thread is done
        })?;
    if let Ok(mut j) = handle.join.lock() {
        *j = Some(join);
    }
    handle::register_live(&handle);
    Ok((handle, ready_rx))
}
