use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

// Each step of a `for` over a blocking iterator waits between runs of the body.
#[blocking_detached(waits = [iter])]
fn each(py: Python<'_>, rx: &crossbeam_channel::Receiver<u8>) -> u64 {
    let mut total = 0;
    for v in rx.iter() {
        total += u64::from(v);
    }
    total
}

fn main() {}
