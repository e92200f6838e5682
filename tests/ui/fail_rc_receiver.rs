use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::rc::Rc;
use std::sync::mpsc::Receiver;

#[blocking_detached]
fn wait(py: Python<'_>, rx: Rc<Receiver<u8>>) -> u8 {
    rx.recv().unwrap_or(0)
}

fn main() {}
