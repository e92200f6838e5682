//! Compile-time *detach discipline* for PyO3 extensions.
//!
//! A thread that blocks while it is attached to the Python interpreter (waiting on a
//! channel, joining a thread, `block_on`) deadlocks as soon as the thread it waits for
//! needs the interpreter: on a GIL build that thread waits for the GIL, on a
//! free-threaded build (3.13t, 3.14t) a stop-the-world pause (GC, `sys.settrace`, fork)
//! waits for every attached thread. PyO3 offers [`Python::detach`] by hand; this crate
//! makes the compiler enforce it.
//!
//! Three layers:
//!
//! 1. **Rewrite.** [`macro@blocking_detached`] rewrites every blocking wait in a function,
//!    method or `impl` block so that it runs inside `py.detach(...)`.
//!    [`macro@ft_module`] declares a `#[pymodule]` free-threading safe
//!    (`gil_used = false`) and audits it for process-wide Python objects held in
//!    plain `OnceLock`s.
//! 2. **Proof.** [`Detached`] is a token that only detached code can hold. A blocking
//!    helper deeper in a crate takes `&Detached` in its signature; inside a
//!    `#[blocking_detached]` body, pass [`detached!()`](detached) and the macro
//!    supplies the proof from inside the detached region.
//! 3. **Runtime check.** [`assert_detached`] panics, naming the call site, when a wait is
//!    reached while the thread is attached. It is active in debug builds (and so in
//!    tests) and, with the `runtime-check` feature, in release builds too.
//!
//! # Example
//!
//! ```
//! use pyo3::prelude::*;
//! use pyo3_detach::{blocking_detached, ft_module};
//! use std::sync::mpsc;
//!
//! #[pyfunction]
//! #[blocking_detached]
//! fn compute(py: Python<'_>, n: u64) -> PyResult<u64> {
//!     let (tx, rx) = mpsc::channel();
//!     std::thread::spawn(move || tx.send(n * 2));
//!     // Rewritten to `py.detach(..)`: the wait never holds the interpreter.
//!     let v = rx.recv().map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
//!     Ok(v)
//! }
//!
//! #[ft_module]
//! fn my_ext(m: &Bound<'_, PyModule>) -> PyResult<()> {
//!     m.add_function(wrap_pyfunction!(compute, m)?)
//! }
//! # fn main() {}
//! ```
//!
//! See `docs/guide.md` and `docs/reference.md` in the repository for the whole story.
#![deny(missing_docs)]

use std::marker::PhantomData;

mod exit;

pub use pyo3_detach_macros::{allow_attached, blocking_detached, ft_module};

/// Proof that the current thread is detached from the Python interpreter.
///
/// A blocking helper demands it in its signature so that it cannot be called while
/// attached without the compiler noticing:
///
/// ```
/// use pyo3_detach::Detached;
/// use std::sync::mpsc::Receiver;
///
/// /// Waits for the next message. Only callable while detached.
/// fn next_message(_proof: &Detached<'_>, rx: &std::sync::Mutex<Receiver<String>>) -> Option<String> {
///     rx.lock().ok()?.recv().ok()
/// }
/// ```
///
/// Ways to get one:
/// - inside a [`macro@blocking_detached`] body, pass `detached!()` as an argument of the
///   call (`next_message(detached!(), &self.rx)`): the macro runs the call detached and
///   supplies the proof;
/// - [`Detached::run`]: detaches and hands the proof to a closure.
///
/// The token is neither `Send` nor `Sync`: it speaks for the thread that made it.
#[derive(Debug)]
pub struct Detached<'a> {
    _thread_bound: PhantomData<(*const (), &'a ())>,
}

impl Detached<'_> {
    /// Detaches from the interpreter, runs `f` with the proof, and re-attaches.
    ///
    /// ```
    /// use pyo3::prelude::*;
    /// use pyo3_detach::Detached;
    ///
    /// fn wait_for(_: &Detached<'_>, h: std::thread::JoinHandle<u32>) -> u32 {
    ///     h.join().unwrap_or(0)
    /// }
    ///
    /// Python::attach(|py| {
    ///     let h = std::thread::spawn(|| 7);
    ///     assert_eq!(Detached::run(py, |proof| wait_for(proof, h)), 7);
    /// });
    /// ```
    pub fn run<T, F>(py: pyo3::Python<'_>, f: F) -> T
    where
        F: for<'p> FnOnce(&'p Detached<'p>) -> T + Send,
        T: Send,
    {
        py.detach(|| {
            // SAFETY: `Python::detach` runs this closure detached, on this thread.
            let proof = unsafe { Detached::assume() };
            __private::reattaching(f(&proof))
        })
    }

    /// Creates the proof without detaching.
    ///
    /// # Safety
    ///
    /// The caller promises the current thread is not attached to the interpreter (for
    /// example inside `Python::detach`, or on a thread that never attached). With the
    /// runtime check on (debug builds, or the `runtime-check` feature) a false promise
    /// panics here, naming the caller.
    #[track_caller]
    pub unsafe fn assume() -> Self {
        assert_detached();
        Detached {
            _thread_bound: PhantomData,
        }
    }
}

/// Is the runtime check compiled in? True in debug builds and with the
/// `runtime-check` feature.
pub const RUNTIME_CHECK: bool = cfg!(any(debug_assertions, feature = "runtime-check"));

/// Panics, naming the caller, when the current thread is attached to the Python
/// interpreter. Put it at the top of any function that blocks.
///
/// Active only when [`RUNTIME_CHECK`] is true; otherwise it compiles to nothing.
///
/// ```should_panic
/// use pyo3::prelude::*;
/// # if !pyo3_detach::RUNTIME_CHECK { panic!("release build") }
/// Python::attach(|_py| {
///     pyo3_detach::assert_detached(); // panics: this thread is attached
/// });
/// ```
#[track_caller]
#[inline]
pub fn assert_detached() {
    if RUNTIME_CHECK && is_attached() {
        let at = std::panic::Location::caller();
        panic!(
            "pyo3-detach: blocking wait at {}:{}:{} reached while attached to the Python \
             interpreter; it can deadlock (GIL / stop-the-world). Run it inside \
             `py.detach(..)` or annotate the function with #[blocking_detached]",
            at.file(),
            at.line(),
            at.column()
        );
    }
}

/// Is the current thread attached to the Python interpreter?
///
/// False before the interpreter is initialized and on threads that never attached.
///
/// Limitation: after a sub-interpreter has been created anywhere in the process,
/// CPython's `PyGILState_Check` answers "attached" unconditionally, so this does too.
pub fn is_attached() -> bool {
    // SAFETY: both functions may be called from any thread at any time;
    // `PyGILState_Check` is true exactly when this thread's state is the attached one
    // (on free-threaded builds too, where "holding the GIL" means "attached").
    unsafe { pyo3::ffi::Py_IsInitialized() != 0 && gil_state_check() != 0 }
}

// `PyGILState_Check` is exported by every CPython 3 but is not part of the limited API,
// so `pyo3::ffi` hides it in `abi3` builds. On Unix the extension resolves it from the
// running interpreter at load time in every build mode, so it is declared here.
#[cfg(not(windows))]
extern "C" {
    #[link_name = "PyGILState_Check"]
    fn gil_state_check() -> std::os::raw::c_int;
}

// Windows links against `python3.dll` for `abi3`, which does not export it.
#[cfg(windows)]
use pyo3::ffi::PyGILState_Check as gil_state_check;

/// Placeholder for the [`Detached`] proof in a call inside a
/// [`macro@blocking_detached`] body.
///
/// A call with a `detached!()` argument is always treated as a blocking wait: the macro
/// runs it inside `Python::detach` and passes the proof made there.
///
/// ```
/// use pyo3::prelude::*;
/// use pyo3_detach::{blocking_detached, Detached};
/// use std::sync::{mpsc::Receiver, Mutex};
///
/// fn next_message(_: &Detached<'_>, rx: &Mutex<Receiver<String>>) -> Option<String> {
///     rx.lock().ok()?.recv().ok()
/// }
///
/// #[blocking_detached]
/// fn get(py: Python<'_>, rx: &Mutex<Receiver<String>>) -> Option<String> {
///     next_message(detached!(), rx) // runs detached, proof supplied
/// }
/// # fn main() {}
/// ```
///
/// Anywhere else it is a compile error: the proof only exists inside the detached
/// region the macro creates.
///
/// ```compile_fail
/// use pyo3_detach::{detached, Detached};
/// fn helper(_: &Detached<'_>) {}
/// helper(detached!()); // error: only inside a #[blocking_detached] body
/// ```
#[macro_export]
macro_rules! detached {
    () => {
        ::core::compile_error!(
            "`detached!()` only stands as an argument of a call inside a \
             #[blocking_detached] body; there the macro runs the call detached and \
             supplies the `&Detached` proof"
        )
    };
}

#[doc(hidden)]
pub mod __private {
    //! Support for the code `#[blocking_detached]` emits. Not a public API.
    use super::Detached;
    pub use super::exit::{before_reattach, reattaching};

    /// The proof, made inside the `Python::detach` closure the macro emits. Checked at
    /// run time like [`Detached::assume`] (the check names the user's call).
    #[track_caller]
    #[inline(always)]
    pub fn proof() -> Detached<'static> {
        // SAFETY: only called by generated code inside `Python::detach`.
        unsafe { Detached::assume() }
    }

    /// Runs `f` detached if this thread is attached, and as it is if not: for waits in
    /// `Drop::drop`, which has no interpreter token. A `#[pyclass]` is dropped attached
    /// (its deallocation runs Python's), a plain Rust value on any thread.
    #[inline]
    pub fn detach_if_attached<T, F>(f: F) -> T
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        if super::is_attached() {
            // Attached already: `attach` only hands out the token.
            pyo3::Python::attach(|py| py.detach(f))
        } else {
            f()
        }
    }

    /// The error type of a function's return type, for a `?` in the receiver chain of
    /// a detached wait when the return type is spelled through an alias
    /// (`type Res<T> = PyResult<T>`, `io::Result<T>`).
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a `Result`: a `?` in the receiver chain of a detached wait returns its error from the function",
        label = "the function's return type, read as a `Result` alias by #[blocking_detached]",
        note = "return a `Result<_, E>`/`PyResult<_>` (or an alias of one), or move the fallible part into a helper that takes `&Detached`"
    )]
    pub trait ResultReturn {
        /// `E` of `Result<T, E>`.
        type Err;
    }
    impl<T, E> ResultReturn for Result<T, E> {
        type Err = E;
    }

    /// A shared reference carried into the closure that `Python::detach` runs.
    ///
    /// `Python::detach` requires its closure to be `Send` (PyO3's `Ungil`) because on
    /// stable Rust that is the only way to keep interpreter-bound values (`Python`,
    /// `Bound`, `PyRef`) out. The closure runs on the calling thread, though, so a
    /// reference to a value that is `Send` but not `Sync` (a
    /// `std::sync::mpsc::Receiver`) is only used by the thread that owns it. This
    /// shell lets exactly such references through; interpreter-bound values are
    /// neither `Send` nor `Sync` and stay out.
    pub struct SameThread<'a, T: ?Sized>(&'a T);

    // SAFETY: constructed only through `Probe::capture`, which requires `T: Sync` (then
    // `&T` is `Send` anyway) or `T: Send` (then the value may live on any thread, and
    // the macro only uses the shell inside `Python::detach`, which runs on the thread
    // that created it, while that thread's other uses are suspended).
    unsafe impl<T: ?Sized> Send for SameThread<'_, T> {}
    unsafe impl<T: ?Sized> Sync for SameThread<'_, T> {}

    impl<'a, T: ?Sized> SameThread<'a, T> {
        #[inline(always)]
        pub fn get(&self) -> &'a T {
            self.0
        }
    }

    /// A value moved into the detached closure and back out, on the same thread:
    /// a condition variable's `MutexGuard` (which is `Sync` but not `Send`) and the
    /// guard its wait returns.
    pub struct SameThreadValue<T>(T);

    // SAFETY: constructed only through `new`, which requires `T: Sync`; the macro moves
    // it into the closure `Python::detach` runs on this same thread and unwraps it
    // there or after it returns, so a `!Send` value never changes threads.
    // Interpreter-bound values are not `Sync`, so they stay out.
    unsafe impl<T> Send for SameThreadValue<T> {}

    impl<T: CrossesDetach> SameThreadValue<T> {
        #[inline(always)]
        pub fn new(value: T) -> Self {
            SameThreadValue(value)
        }
    }

    impl<T> SameThreadValue<T> {
        #[inline(always)]
        pub fn into_inner(self) -> T {
            self.0
        }
    }

    /// Values a condition-variable wait may carry across the detach: `Sync` ones.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be carried into a detached wait: it is not `Sync`",
        label = "passed to (or returned by) a wait that runs inside `py.detach(..)`",
        note = "interpreter-bound values (`Python`, `Bound`, `PyRef`) cannot leave the attached state"
    )]
    pub trait CrossesDetach {}
    impl<T: Sync> CrossesDetach for T {}

    /// Autoref-specialization probe: `(&&&Probe(&x)).capture()` picks the first of
    /// `T: Sync`, `T: Send`, or a diagnostic.
    pub struct Probe<'a, T: ?Sized>(pub &'a T);

    pub trait CaptureSync<'a, T: ?Sized> {
        fn capture(self) -> SameThread<'a, T>;
    }
    impl<'a, T: ?Sized + Sync> CaptureSync<'a, T> for &&&Probe<'a, T> {
        #[inline(always)]
        fn capture(self) -> SameThread<'a, T> {
            SameThread(self.0)
        }
    }

    pub trait CaptureSend<'a, T: ?Sized> {
        fn capture(self) -> SameThread<'a, T>;
    }
    impl<'a, T: ?Sized + Send> CaptureSend<'a, T> for &&Probe<'a, T> {
        #[inline(always)]
        fn capture(self) -> SameThread<'a, T> {
            SameThread(self.0)
        }
    }

    pub trait CaptureNeither<'a, T: ?Sized> {
        fn capture(self) -> SameThread<'a, T>
        where
            T: LeavesAttachedState;
    }
    impl<'a, T: ?Sized> CaptureNeither<'a, T> for &Probe<'a, T> {
        fn capture(self) -> SameThread<'a, T>
        where
            T: LeavesAttachedState,
        {
            unreachable!()
        }
    }

    /// Never implemented: its only role is the error message.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be used by a detached wait: it is neither `Send` nor `Sync`",
        label = "this value is waited on inside `py.detach(..)`",
        note = "interpreter-bound values (`Python`, `Bound`, `Borrowed`, `PyRef`) cannot leave the attached state: \
                use an owned `Py<T>` or plain Rust data instead",
        note = "a `&T` of a `!Sync` type is neither: take the value itself, or `&mut`, as the receiver"
    )]
    pub trait LeavesAttachedState {}
}
