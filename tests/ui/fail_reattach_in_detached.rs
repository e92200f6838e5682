use pyo3::prelude::*;
use pyo3_detach::{blocking_detached, Detached};

fn helper(_: &Detached<'_>, rx: &crossbeam_channel::Receiver<u8>) -> u8 {
    rx.recv().unwrap_or(0)
}

// Attaching again inside a detached closure makes its waits attached again.
#[blocking_detached]
fn reattached(py: Python<'_>, rx: &crossbeam_channel::Receiver<u8>) -> u8 {
    let a = Detached::run(py, |p| Python::attach(|_| helper(p, rx)));
    let d = Detached::run(py, |proof: &Detached<'_>| Python::attach(|_| helper(proof, rx)));
    let b = py.detach(|| Python::attach(|_| rx.recv().unwrap_or(0)));
    let c = std::thread::scope(|s| s.spawn(|| Python::attach(|_| rx.recv().unwrap_or(0))).join().unwrap_or(0));
    a + b + c + d
}

fn main() {}
