use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

#[blocking_detached]
async fn wait(py: Python<'_>, h: std::thread::JoinHandle<u8>) -> u8 {
    h.join().unwrap_or(0)
}

fn main() {}
