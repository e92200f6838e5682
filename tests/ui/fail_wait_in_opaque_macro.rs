use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

// `vec![x; n]` is not a list of expressions: the wait inside cannot be rewritten.
#[blocking_detached]
fn repeated(py: Python<'_>, rx: &crossbeam_channel::Receiver<u8>) -> Vec<u8> {
    let first = rx.recv().unwrap_or(0);
    let mut v = vec![rx.recv().unwrap_or(0); 3];
    v.push(first);
    v
}

fn main() {}
