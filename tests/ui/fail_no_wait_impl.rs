use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

#[pyclass]
struct Counter {
    n: u64,
}

#[blocking_detached]
#[pymethods]
impl Counter {
    fn get(&self) -> u64 {
        self.n
    }
}

fn main() {}
