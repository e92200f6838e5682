//! The runtime layer: `is_attached`, `assert_detached`, `Detached`, and what the
//! rewrite does at run time (the wait really runs detached).

use pyo3::prelude::*;
use pyo3_detach::{blocking_detached, Detached};

/// A "blocking" call that reports whether it ran attached.
struct Probe;
impl Probe {
    fn wait_and_report(&self) -> bool {
        pyo3_detach::is_attached()
    }
}

#[blocking_detached(waits = [wait_and_report])]
fn rewritten(py: Python<'_>, probe: &Probe) -> bool {
    probe.wait_and_report()
}

fn not_rewritten(_py: Python<'_>, probe: &Probe) -> bool {
    probe.wait_and_report()
}

#[test]
fn rewritten_wait_runs_detached() {
    Python::attach(|py| {
        assert!(pyo3_detach::is_attached());
        assert!(!rewritten(py, &Probe), "the rewritten wait ran attached");
        // Negative control: the same call without the attribute runs attached.
        assert!(not_rewritten(py, &Probe));
        assert!(pyo3_detach::is_attached(), "re-attached after the wait");
    });
}

#[test]
fn not_attached_outside_attach() {
    std::thread::spawn(|| assert!(!pyo3_detach::is_attached())).join().unwrap();
}

#[test]
fn assert_detached_panics_attached_naming_the_caller() {
    assert!(pyo3_detach::RUNTIME_CHECK, "tests run with debug assertions");
    let err = std::panic::catch_unwind(|| Python::attach(|_| pyo3_detach::assert_detached())).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("reached while attached"), "{msg}");
    assert!(msg.contains("tests/runtime_check.rs:"), "names the call site: {msg}");
}

#[test]
fn assert_detached_passes_detached() {
    Python::attach(|py| py.detach(pyo3_detach::assert_detached));
}

#[test]
fn detached_run_hands_out_a_checked_proof() {
    fn needs_proof(_: &Detached<'_>) -> bool {
        pyo3_detach::is_attached()
    }
    Python::attach(|py| assert!(!Detached::run(py, needs_proof)));
}

#[test]
fn assume_while_attached_panics() {
    let err = std::panic::catch_unwind(|| {
        Python::attach(|_| {
            // SAFETY: deliberately false; the runtime check must catch it.
            let _proof = unsafe { Detached::assume() };
        })
    })
    .unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("reached while attached"), "{msg}");
}
