use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

#[blocking_detached(waits = [], waits = [stop])]
fn stop(py: Python<'_>, h: std::thread::JoinHandle<()>) {
    let _ = h.join();
}

fn main() {}
