// Below #[pymethods] (PyO3 expands first): the methods bring their own token.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::{mpsc, Mutex};

#[pyclass]
struct Inbox {
    rx: Mutex<mpsc::Receiver<u32>>,
}

#[pymethods]
#[blocking_detached]
impl Inbox {
    fn get(&self, py: Python<'_>) -> Option<u32> {
        self.rx.lock().unwrap().recv().ok()
    }

    fn len(&self) -> usize {
        0
    }
}

fn main() {}
