// A `Python` parameter written `_` is renamed so the emitted code can use it (above
// #[pyfunction], which does not accept `_` itself).
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

#[blocking_detached]
#[pyfunction]
fn join_it(_: Python<'_>) -> u8 {
    std::thread::spawn(|| 5u8).join().unwrap_or(0)
}

fn main() {}
