// A helper that demands the proof; `detached!()` makes the macro supply it.
use pyo3::prelude::*;
use pyo3_detach::{blocking_detached, Detached};
use std::sync::{mpsc, Mutex};

fn next(_proof: &Detached<'_>, rx: &Mutex<mpsc::Receiver<u8>>) -> Option<u8> {
    rx.lock().ok()?.recv().ok()
}

#[blocking_detached]
fn take(py: Python<'_>, rx: &Mutex<mpsc::Receiver<u8>>) -> Option<u8> {
    next(pyo3_detach::detached!(), rx)
}

fn main() {
    let (tx, rx) = mpsc::channel();
    tx.send(9).unwrap();
    let rx = Mutex::new(rx);
    Python::attach(|py| assert_eq!(take(py, &rx), Some(9)));
}
