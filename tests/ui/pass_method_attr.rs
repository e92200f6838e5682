// On one method inside a #[pymethods] impl.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::Barrier;

#[pyclass]
struct Gate {
    barrier: Barrier,
}

#[pymethods]
impl Gate {
    #[blocking_detached]
    fn pass_through(&self, py: Python<'_>) -> bool {
        self.barrier.wait().is_leader()
    }
}

fn main() {}
