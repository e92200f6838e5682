use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::{mpsc, Mutex};

// `?` in a receiver chain needs the function's return type to leave the closure.
#[blocking_detached]
fn not_a_result(py: Python<'_>, rx: &Mutex<mpsc::Receiver<u8>>) -> u8 {
    rx.lock().map_err(|_| 0u8)?.recv().unwrap_or(0)
}

// Inside a closure of the body, the macro cannot see the return type.
#[blocking_detached]
fn in_closure(py: Python<'_>, rx: &Mutex<Option<mpsc::Receiver<u8>>>) -> Option<u8> {
    let get = || rx.lock().ok()?.as_ref()?.recv().ok();
    get()
}

fn main() {}
