// Waits inside macro invocations whose tokens are expressions are rewritten there.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

macro_rules! plus_one {
    ($e:expr) => {
        $e + 1
    };
}

#[blocking_detached]
fn in_macros(py: Python<'_>, rx: &crossbeam_channel::Receiver<u8>) -> String {
    assert_eq!(rx.recv().ok(), Some(1));
    let v = plus_one!(rx.recv().unwrap_or(0));
    format!("{} {}", v, rx.recv().unwrap_or(0))
}

fn main() {
    let (tx, rx) = crossbeam_channel::unbounded();
    (1..=3).for_each(|v| tx.send(v).unwrap());
    Python::attach(|py| assert_eq!(in_macros(py, &rx), "3 3"));
}
