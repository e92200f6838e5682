use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

#[pyclass]
struct Pool;

// Every error of an impl block is reported at once.
#[blocking_detached(bogus)]
impl Pool {
    fn first(&self, h: std::thread::JoinHandle<()>) {
        let _ = h.join();
    }

    fn second(&self, py: Python<'_>, rx: &crossbeam_channel::Receiver<u8>) -> u8 {
        Python::attach(|_| rx.recv().unwrap_or(0))
    }
}

fn main() {}
