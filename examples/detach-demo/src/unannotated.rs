//! The un-annotated twin of [`crate::Worker`]: the same methods, written as they would
//! be without pyo3-detach. `result()` waits on the channel while attached, for a worker
//! thread that must attach to produce the result: a deadlock as soon as a stop-the-world
//! pause (free-threaded build) or the GIL (GIL build) stands between them.
//!
//! `make demo` shows what `pyo3-detach-audit` reports on this file and then runs the twin
//! in a subprocess under a watchdog. Only ever call its waits in a subprocess.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Mutex;

#[pyclass(frozen)]
pub struct AttachedWorker {
    jobs: Sender<u64>,
    results: Mutex<Receiver<u64>>,
}

#[pymethods]
impl AttachedWorker {
    #[new]
    fn new(func: Py<PyAny>) -> Self {
        // The worker thread runs until the process ends: the twin is never shut down.
        let (jobs, results, _handle) = crate::spawn_worker(func);
        AttachedWorker { jobs, results: Mutex::new(results) }
    }

    fn submit(&self, value: u64) -> PyResult<()> {
        self.jobs.send(value).map_err(crate::closed)
    }

    fn result(&self) -> PyResult<u64> {
        self.next_result()
    }
}

impl AttachedWorker {
    /// One call below the Python method, as waits usually are in real code.
    fn next_result(&self) -> PyResult<u64> {
        let results = self.results.lock().map_err(|_| PyRuntimeError::new_err("results lock poisoned"))?;
        results.recv().map_err(crate::closed)
    }
}
