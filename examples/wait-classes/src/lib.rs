//! `wait_classes`: one pair of functions per class of wait that `#[blocking_detached]`
//! and `#[ft_module]` handle, for `tests/python/test_wait_classes.py`.
//!
//! Each pair waits for a producer thread that must attach to the interpreter before it
//! delivers (it calls a Python callable, `gc.collect` in the tests: on a GIL build it
//! needs the GIL, on a free-threaded build it stops the world). The first of a pair
//! waits detached and completes; its `_attached` twin is the same code as it compiled
//! before the rule existed, waits attached and deadlocks. The twins carry
//! `allow_attached`, because the module's audit rejects them otherwise.
//!
//! | Class | Detached | Attached twin |
//! |---|---|---|
//! | an entry point of an `#[ft_module]` | `next_value` | `next_value_attached` (no attribute) |
//! | a chain over a blocking iterator (`waits = [iter]`) | `sum_iter` | `sum_iter_attached` (only `iter()` detached, as before) |
//! | a wait inside a macro invocation | `format_next` | `format_next_attached` (the macro's tokens not rewritten, as before) |
//! | a proof used under a re-attach | `proof_wait` | `proof_wait_attached` (`Python::attach` inside `Detached::run`) |
//! | `Drop` that joins a thread | `JoinOnDrop` | `JoinOnDropAttached` |

use pyo3_detach::ft_module;

#[ft_module]
mod wait_classes {
    use crossbeam_channel::Receiver;
    use pyo3::prelude::*;
    use pyo3_detach::{blocking_detached, Detached};
    use std::sync::Mutex;
    use std::thread::JoinHandle;
    use std::time::Duration;

    /// How long a producer waits before it attaches: the consumer is blocked by then.
    const HEAD_START: Duration = Duration::from_millis(200);

    /// `n` values (1..=n), each delivered after calling `callback` attached.
    fn producer(callback: Py<PyAny>, n: u64) -> Receiver<u64> {
        let (tx, rx) = crossbeam_channel::bounded(0);
        std::thread::spawn(move || {
            std::thread::sleep(HEAD_START);
            for v in 1..=n {
                if Python::attach(|py| callback.call0(py)).is_err() {
                    return;
                }
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        rx
    }

    // -- an entry point of the module ----------------------------------------------------

    #[pyfunction]
    #[blocking_detached]
    fn next_value(py: Python<'_>, callback: Py<PyAny>) -> u64 {
        let rx = producer(callback, 1);
        rx.recv().unwrap_or(0)
    }

    #[pyfunction]
    #[pyo3_detach::allow_attached(reason = "negative control: waits attached on purpose")]
    fn next_value_attached(callback: Py<PyAny>) -> u64 {
        let rx = producer(callback, 1);
        rx.recv().unwrap_or(0)
    }

    // -- a chain over a blocking iterator -----------------------------------------------

    #[pyfunction]
    #[blocking_detached(waits = [iter])]
    fn sum_iter(py: Python<'_>, callback: Py<PyAny>, n: u64) -> u64 {
        let rx = producer(callback, n);
        rx.iter().sum()
    }

    /// What `waits = [iter]` expanded to before: `iter()` detached, `sum()` attached.
    #[pyfunction]
    #[pyo3_detach::allow_attached(reason = "negative control: the old expansion, written out")]
    fn sum_iter_attached(py: Python<'_>, callback: Py<PyAny>, n: u64) -> u64 {
        let rx = producer(callback, n);
        let values = py.detach(|| rx.iter());
        values.sum()
    }

    // -- a wait inside a macro invocation -------------------------------------------------

    #[pyfunction]
    #[blocking_detached]
    fn format_next(py: Python<'_>, callback: Py<PyAny>) -> String {
        let rx = producer(callback, 1);
        format!("got {}", rx.recv().unwrap_or(0))
    }

    /// Before, the macro did not look into `format!`: the wait stayed as written.
    #[pyfunction]
    #[pyo3_detach::allow_attached(reason = "negative control: waits attached on purpose")]
    fn format_next_attached(callback: Py<PyAny>) -> String {
        let rx = producer(callback, 1);
        format!("got {}", rx.recv().unwrap_or(0))
    }

    // -- a proof used under a re-attach ---------------------------------------------------

    fn recv_proven(_proof: &Detached<'_>, rx: &Receiver<u64>) -> u64 {
        rx.recv().unwrap_or(0)
    }

    #[pyfunction]
    fn proof_wait(py: Python<'_>, callback: Py<PyAny>) -> u64 {
        let rx = producer(callback, 1);
        Detached::run(py, |p| recv_proven(p, &rx))
    }

    /// Attaches again inside the detached closure: the proof no longer holds.
    /// Under #[blocking_detached] this is a compile error.
    #[pyfunction]
    #[pyo3_detach::allow_attached(reason = "negative control: re-attaches on purpose")]
    fn proof_wait_attached(py: Python<'_>, callback: Py<PyAny>) -> u64 {
        let rx = producer(callback, 1);
        Detached::run(py, |p| Python::attach(|_| recv_proven(p, &rx)))
    }

    // -- Drop that joins a thread -----------------------------------------------------------

    /// A thread that calls `callback` attached after a head start.
    fn caller(callback: Py<PyAny>) -> Mutex<Option<JoinHandle<()>>> {
        Mutex::new(Some(std::thread::spawn(move || {
            std::thread::sleep(HEAD_START);
            let _ = Python::attach(|py| callback.call0(py));
        })))
    }

    /// Joins its thread when Python frees it, detached.
    #[pyclass(frozen)]
    struct JoinOnDrop {
        handle: Mutex<Option<JoinHandle<()>>>,
    }

    #[pymethods]
    impl JoinOnDrop {
        #[new]
        fn new(callback: Py<PyAny>) -> Self {
            JoinOnDrop { handle: caller(callback) }
        }
    }

    #[blocking_detached]
    impl Drop for JoinOnDrop {
        fn drop(&mut self) {
            if let Some(handle) = self.handle.get_mut().ok().and_then(Option::take) {
                let _ = handle.join();
            }
        }
    }

    /// The same `Drop` without the attribute: joins attached.
    #[pyclass(frozen)]
    struct JoinOnDropAttached {
        handle: Mutex<Option<JoinHandle<()>>>,
    }

    #[pymethods]
    impl JoinOnDropAttached {
        #[new]
        fn new(callback: Py<PyAny>) -> Self {
            JoinOnDropAttached { handle: caller(callback) }
        }
    }

    #[pyo3_detach::allow_attached(reason = "negative control: joins attached on purpose")]
    impl Drop for JoinOnDropAttached {
        fn drop(&mut self) {
            if let Some(handle) = self.handle.get_mut().ok().and_then(Option::take) {
                let _ = handle.join();
            }
        }
    }
}
