// `Drop` of a #[pyclass] that joins its thread: the join detaches when the dropping
// thread is attached (Python frees the object), and just runs when it is not.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::thread::JoinHandle;

#[pyclass(frozen)]
struct Worker {
    handle: std::sync::Mutex<Option<JoinHandle<u8>>>,
}

#[blocking_detached]
impl Drop for Worker {
    fn drop(&mut self) {
        let handle = self.handle.get_mut().map(Option::take).unwrap_or(None);
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

struct Plain(Option<JoinHandle<()>>);

impl Drop for Plain {
    #[blocking_detached]
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            let _ = h.join();
        }
    }
}

fn main() {
    Python::attach(|py| {
        let w = Py::new(py, Worker { handle: std::sync::Mutex::new(Some(std::thread::spawn(|| 1))) }).unwrap();
        drop(w); // freed here, attached
        drop(Plain(Some(std::thread::spawn(|| ()))));
    });
    drop(Plain(Some(std::thread::spawn(|| ())))); // not attached: runs as is
}
