// A free function in the wait set (`block_on(fut)`), and a Sync receiver by reference.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

fn block_on<F: std::future::Future + Send>(_f: F) -> u8 {
    7
}

#[blocking_detached]
fn run(py: Python<'_>, rx: &crossbeam_channel::Receiver<u8>) -> u8 {
    block_on(async { 1 }) + rx.recv().unwrap_or(0)
}

fn main() {
    let (tx, rx) = crossbeam_channel::unbounded();
    tx.send(1).unwrap();
    Python::attach(|py| assert_eq!(run(py, &rx), 8));
}
