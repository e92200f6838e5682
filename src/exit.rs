//! Waits that end while the interpreter exits.
//!
//! Up to Python 3.13, once `Py_FinalizeEx` has begun, a thread other than the
//! finalizing one that re-attaches is ended with `pthread_exit`. That happens to a
//! daemon thread whose detached wait returns (a timeout expires, an item arrives) during
//! finalization. The forced unwind runs through the Rust frames of the method, and
//! PyO3's `catch_unwind` in the method's trampoline cannot stop it: the process aborts
//! with `FATAL: exception not rethrown`. So before re-attaching, such a thread parks
//! for good instead, as Python 3.14 does to it anyway. The finalizing thread itself
//! must never park: an `atexit` hook, registered after the first detached wait,
//! records which thread it is.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;
use std::thread::ThreadId;

/// No wait yet / hook asked for / the hook ran (finalization may begin from now on;
/// it never begins before, since `atexit` hooks run first).
const UNWATCHED: u8 = 0;
const WATCHING: u8 = 1;
const EXIT_BEGUN: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(UNWATCHED);
static EXIT_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// `value`, once [`before_reattach`] has run: the macro's detached closures end with
/// `reattaching({ wait })`.
#[inline(always)]
pub fn reattaching<T>(value: T) -> T {
    before_reattach();
    value
}

/// Called detached, at the end of every detached region the macro writes: parks the
/// thread for good when re-attaching would end it (see the module docs). One load on
/// the common path.
#[inline(always)]
pub fn before_reattach() {
    if STATE.load(Ordering::Acquire) != WATCHING {
        not_watching();
    }
}

#[cold]
#[inline(never)]
fn not_watching() {
    if STATE.load(Ordering::Acquire) == EXIT_BEGUN {
        park_if_finalizing();
    } else if STATE
        .compare_exchange(UNWATCHED, WATCHING, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
    {
        // Registering needs the interpreter; this thread is detached. A pending call
        // runs it on the main thread, attached, shortly.
        // SAFETY: `Py_AddPendingCall` may be called from any thread without a thread
        // state; `register` matches the callback signature.
        unsafe {
            pyo3::ffi::Py_AddPendingCall(Some(register), std::ptr::null_mut());
        }
    }
}

extern "C" fn register(_arg: *mut c_void) -> c_int {
    use pyo3::types::{PyAnyMethods, PyCFunction, PyDict, PyTuple};
    // SAFETY: pending calls run with the interpreter attached.
    let py = unsafe { pyo3::Python::assume_attached() };
    let hook = PyCFunction::new_closure(
        py,
        Some(c"pyo3_detach_exit_hook"),
        None,
        |_args: &pyo3::Bound<'_, PyTuple>, _kwargs: Option<&pyo3::Bound<'_, PyDict>>| {
            let _ = EXIT_THREAD.set(std::thread::current().id());
            STATE.store(EXIT_BEGUN, Ordering::Release);
        },
    );
    let registered = hook.and_then(|hook| {
        py.import("atexit")?
            .call_method1("register", (hook,))
            .map(|_| ())
    });
    // Without the hook no thread is ever parked: exit then behaves as it would
    // without this crate. The error is dropped, not raised in the main thread.
    drop(registered);
    0
}

fn park_if_finalizing() {
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
