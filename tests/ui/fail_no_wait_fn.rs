use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

#[blocking_detached]
fn add(py: Python<'_>, a: u8, b: u8) -> u8 {
    a + b
}

fn main() {}
