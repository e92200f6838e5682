// Above #[pymethods]: methods that wait and have no interpreter token get one added;
// the receiver chain (lock, then recv) runs detached.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::{mpsc, Mutex};

#[pyclass]
struct Inbox {
    rx: Mutex<mpsc::Receiver<String>>,
    tx: mpsc::Sender<String>,
}

#[blocking_detached]
#[pymethods]
impl Inbox {
    #[new]
    fn new() -> Self {
        let (tx, rx) = mpsc::channel();
        Inbox { rx: Mutex::new(rx), tx }
    }

    fn put(&self, s: String) {
        let _ = self.tx.send(s);
    }

    fn get(&self) -> Option<String> {
        self.rx.lock().unwrap().recv().ok()
    }

    #[staticmethod]
    fn join_one() -> u32 {
        let h = std::thread::spawn(|| 1);
        h.join().unwrap_or(0)
    }
}

fn main() {}
