// Waits already inside `py.detach(..)` or in a spawned thread are left alone.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::mpsc;

#[blocking_detached]
fn relay(py: Python<'_>) -> u8 {
    let (tx, rx) = mpsc::channel::<u8>();
    let (tx2, rx2) = mpsc::channel::<u8>();
    std::thread::spawn(move || {
        let v = rx.recv().unwrap_or(0);
        let _ = tx2.send(v + 1);
    });
    let _ = tx.send(1);
    let first = py.detach(|| 0u8);
    first + rx2.recv().unwrap_or(0)
}

fn main() {
    Python::attach(|py| assert_eq!(relay(py), 2));
}
