//! Waits that end while the interpreter exits.
//!
//! Up to Python 3.13, once `Py_FinalizeEx` has begun, a thread other than the
//! finalizing one that re-attaches is ended with `pthread_exit`. That happens to a
//! daemon thread whose detached wait returns (a timeout expires, an item arrives) during
//! finalization. The forced unwind runs through the Rust frames of the method, and
//! PyO3's `catch_unwind` in the method's trampoline cannot stop it: the process aborts
//! with `FATAL: exception not rethrown`. So before re-attaching, such a thread parks
//! for good instead, as Python 3.14 does to it anyway. The finalizing thread itself
//! must never park: an `atexit` hook, registered on the first detached wait, records
//! which thread it is.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::thread::ThreadId;

static WATCHING: AtomicBool = AtomicBool::new(false);
static EXIT_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// Registers (once per process) the `atexit` hook that records the finalizing thread.
/// Called attached, before each detached wait; after the first call it is one load.
#[inline]
pub fn watch_exit(py: pyo3::Python<'_>) {
    if !WATCHING.load(Ordering::Relaxed) && !WATCHING.swap(true, Ordering::AcqRel) {
        register(py);
    }
}

#[cold]
fn register(py: pyo3::Python<'_>) {
    use pyo3::types::{PyAnyMethods, PyCFunction, PyDict, PyTuple};
    let hook = PyCFunction::new_closure(
        py,
        Some(c"pyo3_detach_exit_hook"),
        None,
        |_args: &pyo3::Bound<'_, PyTuple>, _kwargs: Option<&pyo3::Bound<'_, PyDict>>| {
            let _ = EXIT_THREAD.set(std::thread::current().id());
        },
    );
    let registered = hook.and_then(|hook| {
        py.import("atexit")?
            .call_method1("register", (hook,))
            .map(|_| ())
    });
    // Without the hook no thread is ever parked: exit then behaves as it would
    // without this crate.
    drop(registered);
}

/// Called detached, at the end of every detached region the macro writes: parks the
/// thread for good when re-attaching would end it (see the module docs).
#[inline]
pub fn before_reattach() {
    // `Py_IsInitialized` reads a flag that `Py_FinalizeEx` clears right after marking
    // the interpreter as finalizing; it needs no thread state.
    if unsafe { pyo3::ffi::Py_IsInitialized() } != 0 {
        return;
    }
    match EXIT_THREAD.get() {
        Some(exiting) if *exiting != std::thread::current().id() => loop {
            std::thread::park();
        },
        _ => {}
    }
}
