use pyo3_detach::blocking_detached;
use std::sync::mpsc::Receiver;

#[blocking_detached]
fn wait(rx: Receiver<u8>) -> u8 {
    rx.recv().unwrap_or(0)
}

fn main() {}
