// #[ft_module] on an inline module: annotated entry points, opted-out ones (with a
// reason), function-pointer cells, and `gil_used(false)` are accepted.
use pyo3_detach::ft_module;

#[ft_module]
mod ext {
    use pyo3::prelude::*;
    use pyo3_detach::blocking_detached;
    use std::sync::{Mutex, OnceLock};
    use std::thread::JoinHandle;

    // Holds a function, not a Python object.
    static MAKE: OnceLock<fn(Python<'_>) -> Py<PyAny>> = OnceLock::new();

    #[pyfunction]
    #[blocking_detached]
    fn next(py: Python<'_>, rx: PyRef<'_, Chan>) -> u8 {
        let chan = rx.rx.clone();
        let _ = py;
        chan.recv().unwrap_or(0)
    }

    #[pyfunction]
    #[pyo3_detach::allow_attached(reason = "negative control: waits attached on purpose")]
    fn next_attached(rx: PyRef<'_, Chan>) -> u8 {
        rx.rx.recv().unwrap_or(0)
    }

    #[pyclass(frozen)]
    struct Chan {
        rx: crossbeam_channel::Receiver<u8>,
    }

    #[pyclass(frozen)]
    struct Pool {
        handle: Mutex<Option<JoinHandle<()>>>,
    }

    #[blocking_detached]
    #[pymethods]
    impl Pool {
        fn shutdown(&self) {
            if let Some(h) = self.handle.lock().ok().and_then(|mut h| h.take()) {
                let _ = h.join();
            }
        }

        #[pyo3_detach::allow_attached(reason = "the thread is finished: `is_finished()` was checked")]
        fn reap(&self) {
            let _ = MAKE.get();
        }
    }

    #[blocking_detached]
    impl Drop for Pool {
        fn drop(&mut self) {
            if let Some(h) = self.handle.get_mut().ok().and_then(Option::take) {
                let _ = h.join();
            }
        }
    }

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.gil_used(false)
    }
}

fn main() {}
