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

/// An iterator whose every step reports whether it ran attached.
struct ReportingIter(u8);
impl Iterator for ReportingIter {
    type Item = bool;
    fn next(&mut self) -> Option<bool> {
        self.0 = self.0.checked_sub(1)?;
        Some(pyo3_detach::is_attached())
    }
}
impl Probe {
    fn iter(&self) -> ReportingIter {
        ReportingIter(3)
    }
}

#[blocking_detached(waits = [iter])]
fn attached_steps(py: Python<'_>, probe: &Probe) -> usize {
    probe.iter().filter(|attached| *attached).count()
}

#[test]
fn a_chain_over_a_blocking_iterator_runs_detached_as_a_whole() {
    Python::attach(|py| {
        assert_eq!(attached_steps(py, &Probe), 0, "a step of the chain ran attached");
        // Negative control: the same chain, not rewritten, steps attached.
        assert_eq!(Probe.iter().filter(|attached| *attached).count(), 3);
    });
}

#[blocking_detached(waits = [wait_and_report])]
fn in_format(py: Python<'_>, probe: &Probe) -> String {
    let py = "shadowed";
    format!("{} {py}", probe.wait_and_report())
}

#[test]
fn a_wait_inside_format_runs_detached() {
    Python::attach(|py| {
        assert_eq!(in_format(py, &Probe), "false shadowed");
        assert_eq!(format!("{}", Probe.wait_and_report()), "true", "negative control");
    });
}

/// Records, when dropped, whether its "blocking" call ran attached.
struct DropReport(std::sync::Arc<std::sync::Mutex<Option<bool>>>);

#[blocking_detached(waits = [wait_and_report])]
impl Drop for DropReport {
    fn drop(&mut self) {
        let attached = Probe.wait_and_report();
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(attached);
        }
    }
}

#[test]
fn drop_detaches_its_wait_if_attached() {
    let slot = std::sync::Arc::new(std::sync::Mutex::new(None));
    Python::attach(|_| {
        drop(DropReport(slot.clone()));
        assert!(pyo3_detach::is_attached(), "re-attached after the drop");
    });
    assert_eq!(*slot.lock().unwrap(), Some(false), "the wait in drop ran attached");
    // Not attached at all: the wait just runs.
    std::thread::spawn({
        let slot = slot.clone();
        move || drop(DropReport(slot))
    })
    .join()
    .unwrap();
    assert_eq!(*slot.lock().unwrap(), Some(false));
}
