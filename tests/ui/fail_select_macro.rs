use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

// A wait inside a macro cannot be rewritten: refused, not silently left attached.
#[blocking_detached]
fn first_of(py: Python<'_>, a: &crossbeam_channel::Receiver<u8>, b: &crossbeam_channel::Receiver<u8>) -> u8 {
    let v = crossbeam_channel::select! {
        recv(a) -> v => v.unwrap_or(0),
        recv(b) -> v => v.unwrap_or(0),
    };
    v + a.recv().unwrap_or(0)
}

// Inside `py.detach(..)` it is fine.
#[blocking_detached]
fn first_of_detached(py: Python<'_>, a: &crossbeam_channel::Receiver<u8>, b: &crossbeam_channel::Receiver<u8>) -> u8 {
    let v = py.detach(|| {
        crossbeam_channel::select! {
            recv(a) -> v => v.unwrap_or(0),
            recv(b) -> v => v.unwrap_or(0),
        }
    });
    v + a.recv().unwrap_or(0)
}

fn main() {}
