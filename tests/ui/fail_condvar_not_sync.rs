use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::cell::Cell;
use std::sync::{Condvar, Mutex};

#[blocking_detached]
fn wait_cell(py: Python<'_>, lock: &Mutex<Cell<u8>>, cvar: &Condvar) -> u8 {
    let guard = lock.lock().unwrap();
    cvar.wait(guard).unwrap().get()
}

fn main() {}
