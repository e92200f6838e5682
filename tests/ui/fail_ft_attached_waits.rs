// #[ft_module] on an inline module: waits left attached in its entry points.
use pyo3_detach::ft_module;

#[ft_module]
mod ext {
    use pyo3::prelude::*;
    use std::sync::Mutex;
    use std::thread::JoinHandle;

    #[pyfunction]
    fn next() -> u8 {
        let chan: crossbeam_channel::Receiver<u8> = crossbeam_channel::never();
        chan.recv().unwrap_or(0)
    }

    #[pyclass(frozen)]
    struct Pool {
        handle: Mutex<Option<JoinHandle<()>>>,
    }

    #[pymethods]
    impl Pool {
        fn shutdown(&self) {
            if let Some(h) = self.handle.lock().ok().and_then(|mut h| h.take()) {
                let _ = h.join();
            }
        }
    }

    impl Drop for Pool {
        fn drop(&mut self) {
            if let Some(h) = self.handle.get_mut().ok().and_then(Option::take) {
                let _ = h.join();
            }
        }
    }

    mod nested {
        use pyo3::prelude::*;

        #[pyfunction]
        fn wait_all(py: Python<'_>, hs: Vec<u8>) -> usize {
            let handle = std::thread::spawn(|| 1usize);
            let n = handle.join().unwrap_or(0);
            let _ = (py, hs);
            n
        }
    }
}

fn main() {}
