// `?` in the receiver chain returns from the function, as written.
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::{mpsc, Mutex};

#[blocking_detached]
fn get(py: Python<'_>, rx: &Mutex<mpsc::Receiver<u8>>) -> PyResult<u8> {
    rx.lock().map_err(|_| PyRuntimeError::new_err("poisoned"))?.recv().map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

#[blocking_detached]
fn get_opt(py: Python<'_>, rx: &Mutex<Option<mpsc::Receiver<u8>>>) -> Option<u8> {
    rx.lock().ok()?.as_ref()?.recv().ok()
}

fn main() {
    let (tx, rx) = mpsc::channel();
    tx.send(3).unwrap();
    tx.send(4).unwrap();
    let m = Mutex::new(rx);
    Python::attach(|py| assert_eq!(get(py, &m).unwrap(), 3));
    let m = Mutex::new(None);
    Python::attach(|py| assert_eq!(get_opt(py, &m), None));
}
