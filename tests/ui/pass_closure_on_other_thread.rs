// A closure bound to a name and then given to `spawn*` runs on another thread, like a
// closure literal given to it: the rewrite leaves its body alone.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::mpsc;

#[blocking_detached]
fn relay(py: Python<'_>) -> u8 {
    let (tx, rx) = mpsc::channel::<u8>();
    let (back_tx, back_rx) = mpsc::channel::<u8>();
    // `rx` moves into the thread: no `py`, no detach inside.
    let work = move || {
        let v = rx.recv().unwrap_or(0);
        let _ = back_tx.send(v + 1);
    };
    let handle = std::thread::spawn(work);
    let _ = tx.send(1);
    let v = back_rx.recv().unwrap_or(0);
    let _ = handle.join();
    v
}

fn main() {
    Python::attach(|py| assert_eq!(relay(py), 2));
}
