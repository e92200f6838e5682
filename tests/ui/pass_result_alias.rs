// A `?` in the receiver chain with the return type spelled through an alias of
// `Result`: the error type is read through `__private::ResultReturn`.
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::{mpsc, Mutex};

type Res<T> = PyResult<T>;

#[blocking_detached]
fn next(py: Python<'_>, rx: &Mutex<mpsc::Receiver<u8>>) -> Res<u8> {
    rx.lock().map_err(|_| PyRuntimeError::new_err("poisoned"))?.recv().map_err(|_| PyRuntimeError::new_err("closed"))
}

#[blocking_detached]
fn next_io(py: Python<'_>, rx: &Mutex<mpsc::Receiver<u8>>) -> std::io::Result<u8> {
    let poisoned = || std::io::Error::other("poisoned");
    rx.lock().map_err(|_| poisoned())?.recv().map_err(std::io::Error::other)
}

fn main() {
    let (tx, rx) = mpsc::channel();
    let rx = Mutex::new(rx);
    tx.send(3).unwrap();
    tx.send(4).unwrap();
    Python::attach(|py| {
        assert_eq!(next(py, &rx).unwrap(), 3);
        assert_eq!(next_io(py, &rx).unwrap(), 4);
    });
}
