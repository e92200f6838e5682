// A local that shadows the parameter the token comes from: the rewrite binds the
// token once, hygienically, at the top of the body.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

#[blocking_detached]
fn by_param(py: Python<'_>, rx: &crossbeam_channel::Receiver<u8>) -> u64 {
    let py = 5u64;
    u64::from(rx.recv().unwrap_or(0)) + py
}

#[blocking_detached]
fn by_bound(obj: &Bound<'_, PyAny>, rx: &crossbeam_channel::Receiver<u8>) -> u64 {
    let _ = obj.is_none();
    let obj = 2u64;
    u64::from(rx.recv().unwrap_or(0)) + obj
}

fn main() {
    let (tx, rx) = crossbeam_channel::unbounded();
    tx.send(1).unwrap();
    tx.send(1).unwrap();
    Python::attach(|py| {
        assert_eq!(by_param(py, &rx), 6);
        assert_eq!(by_bound(py.None().bind(py), &rx), 3);
    });
}
