// A free function with a `Python` parameter: std's `Receiver` (Send, !Sync) works as a
// local receiver, `recv_timeout`'s argument is evaluated attached, `join` moves.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::mpsc;
use std::time::Duration;

#[pyfunction]
#[blocking_detached]
fn wait_all(py: Python<'_>, n: u64) -> PyResult<u64> {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        for i in 0..n {
            let _ = tx.send(i);
        }
    });
    let mut total = 0;
    while let Ok(v) = rx.recv_timeout(Duration::from_millis(100)) {
        total += v;
    }
    let _ = rx.recv();
    handle.join().map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("panicked"))?;
    Ok(total)
}

fn main() {
    Python::attach(|py| assert_eq!(wait_all(py, 4).unwrap(), 6));
}
