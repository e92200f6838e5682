use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::{mpsc, Mutex};

// A generic return type is read as a `Result` alias; when it is not one, the error
// says so.
#[blocking_detached]
fn not_a_result(py: Python<'_>, rx: &Mutex<mpsc::Receiver<u8>>) -> Vec<u8> {
    vec![rx.lock().map_err(|_| ())?.recv().unwrap_or(0)]
}

fn main() {}
