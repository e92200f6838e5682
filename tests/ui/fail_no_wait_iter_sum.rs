use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

// This blocks (in `sum`), in a call the default wait set does not name: the error says
// how to list it, and never to remove the attribute.
#[blocking_detached]
fn total(py: Python<'_>, rx: crossbeam_channel::Receiver<u64>) -> u64 {
    rx.iter().sum()
}

fn main() {}
