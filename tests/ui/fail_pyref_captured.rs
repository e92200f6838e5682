use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::{mpsc, Mutex};

#[pyclass]
struct Inbox {
    rx: Mutex<mpsc::Receiver<u8>>,
}

#[pymethods]
impl Inbox {
    #[blocking_detached]
    fn get(slf: PyRef<'_, Self>) -> u8 {
        slf.rx.lock().unwrap().recv().unwrap_or(0)
    }
}

fn main() {}
