// The token comes from `.py()` of a `Bound` parameter, which the wait does not use.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::mpsc;

#[pyfunction]
#[blocking_detached]
fn echo_len(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    let n = obj.len()?;
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::spawn(move || tx.send(n));
    Ok(rx.recv().unwrap_or(0))
}

fn main() {}
