use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

#[blocking_detached]
fn wait(py: Python<'_>, rx: &crossbeam_channel::Receiver<u8>) -> u8 {
    let a = rx.recv().unwrap_or(0);
    let b = Python::attach(|_py| rx.recv().unwrap_or(0));
    a + b
}

fn main() {}
