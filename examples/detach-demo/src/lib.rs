//! A small PyO3 extension that shows the detach discipline.
//!
//! Every scenario has a producer thread that must *attach* to the interpreter before
//! it can deliver (it calls `gc.collect()`, a stop-the-world pause on free-threaded
//! builds, and needs the GIL on GIL builds). Waiting for it while attached deadlocks;
//! waiting for it detached completes.

use pyo3::exceptions::{PyRuntimeError, PyTimeoutError};
use pyo3::prelude::*;
use pyo3_detach::{blocking_detached, ft_module, Detached};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

mod unannotated;

/// Runs `gc.collect()` on the calling thread, attached.
fn collect_garbage() {
    Python::attach(|py| {
        // Ignored on failure: the point is to need the interpreter.
        let _ = py.import("gc").and_then(|gc| gc.call_method0("collect"));
    });
}

/// Starts a thread that attaches (to collect garbage) and then sends `value`.
fn spawn_attached_producer(value: u64) -> Receiver<u64> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        collect_garbage();
        let _ = tx.send(value);
    });
    rx
}

fn closed<E: std::fmt::Display>(e: E) -> PyErr {
    PyRuntimeError::new_err(format!("producer went away: {e}"))
}

/// Waits for a producer that needs the interpreter. Completes: the wait is detached.
#[pyfunction]
#[blocking_detached]
fn wait_detached(py: Python<'_>, value: u64) -> PyResult<u64> {
    let rx = spawn_attached_producer(value);
    rx.recv().map_err(closed)
}

/// The same function without the attribute: it waits while attached and deadlocks
/// (the negative control of the test suite; only ever call it in a subprocess).
#[pyfunction]
fn wait_attached(value: u64) -> PyResult<u64> {
    let rx = spawn_attached_producer(value);
    rx.recv().map_err(closed)
}

/// Waits `seconds` for a message that never comes (a timed-out `recv_timeout`).
/// Called in a loop from a daemon thread, its wait can end while the interpreter
/// exits: the macro's code then parks the thread instead of re-attaching.
#[pyfunction]
#[blocking_detached]
fn idle(py: Python<'_>, seconds: f64) {
    let (_tx, rx) = mpsc::channel::<()>();
    let _ = rx.recv_timeout(Duration::from_secs_f64(seconds));
}

/// The same wait detached by hand with `py.detach`: at interpreter exit (Python <=
/// 3.13) re-attaching ends the thread inside Rust frames and the process aborts (the
/// negative control; only ever call it in a subprocess).
#[pyfunction]
fn idle_by_hand(py: Python<'_>, seconds: f64) {
    let (_tx, rx) = mpsc::channel::<()>();
    py.detach(move || {
        let _ = rx.recv_timeout(Duration::from_secs_f64(seconds));
    });
}

/// A blocking helper that checks at run time that it is not attached.
fn checked_recv(rx: &Receiver<u64>) -> Option<u64> {
    pyo3_detach::assert_detached();
    rx.recv().ok()
}

/// Deliberately wrong: calls a checked blocking helper while attached. With the
/// runtime check on this panics (a `pyo3_runtime.PanicException` in Python) naming
/// the helper's call site, instead of risking a deadlock.
#[pyfunction]
fn wrong_call(value: u64) -> Option<u64> {
    let (tx, rx) = mpsc::channel();
    let _ = tx.send(value);
    checked_recv(&rx)
}

/// A helper that can only be called detached: it demands the proof.
fn next_result(_proof: &Detached<'_>, results: &Mutex<Receiver<u64>>, timeout: Option<Duration>) -> PyResult<u64> {
    let rx = results.lock().map_err(|_| PyRuntimeError::new_err("results lock poisoned"))?;
    match timeout {
        None => rx.recv().map_err(closed),
        Some(t) => rx.recv_timeout(t).map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => PyTimeoutError::new_err("no result in time"),
            mpsc::RecvTimeoutError::Disconnected => closed(e),
        }),
    }
}

/// Starts the worker thread of [`Worker`] (and of its un-annotated twin): it attaches
/// to call `func` on each job, so whoever waits for a result while attached waits for a
/// thread that needs the interpreter.
fn spawn_worker(func: Py<PyAny>) -> (Sender<u64>, Receiver<u64>, JoinHandle<()>) {
    let (job_tx, job_rx) = mpsc::channel::<u64>();
    let (result_tx, result_rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        for job in job_rx {
            let out = Python::attach(|py| func.call1(py, (job,))?.extract::<u64>(py));
            // A failing callable yields 0 rather than killing the worker.
            if result_tx.send(out.unwrap_or(0)).is_err() {
                break;
            }
        }
    });
    (job_tx, result_rx, handle)
}

/// A worker thread that applies a Python callable to each submitted number.
///
/// The worker attaches for each call; callers wait for results detached, so any
/// number of Python threads can submit and wait at once.
#[pyclass(frozen)]
struct Worker {
    jobs: Mutex<Option<Sender<u64>>>,
    results: Mutex<Receiver<u64>>,
    handle: Mutex<Option<JoinHandle<()>>>,
}

// Above #[pymethods]: methods that wait get a `py: Python<'_>` parameter added.
#[blocking_detached]
#[pymethods]
impl Worker {
    #[new]
    fn new(func: Py<PyAny>) -> Self {
        let (jobs, results, handle) = spawn_worker(func);
        Worker { jobs: Mutex::new(Some(jobs)), results: Mutex::new(results), handle: Mutex::new(Some(handle)) }
    }

    /// Queues one number (an unbounded channel: never blocks).
    fn submit(&self, value: u64) -> PyResult<()> {
        let jobs = self.jobs.lock().map_err(|_| PyRuntimeError::new_err("jobs lock poisoned"))?;
        let tx = jobs.as_ref().ok_or_else(|| PyRuntimeError::new_err("worker is shut down"))?;
        tx.send(value).map_err(closed)
    }

    /// Waits for the next result. The receiver chain (lock, then recv) runs detached.
    fn result(&self) -> PyResult<u64> {
        self.results.lock().map_err(|_| PyRuntimeError::new_err("results lock poisoned"))?.recv().map_err(closed)
    }

    /// Waits for the next result at most `timeout` seconds, through a helper that
    /// demands the `Detached` proof.
    fn result_timeout(&self, timeout: f64) -> PyResult<u64> {
        let timeout = Duration::try_from_secs_f64(timeout).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        next_result(detached!(), &self.results, Some(timeout))
    }

    /// Stops the worker and joins its thread (detached: the worker may be attached,
    /// finishing a call).
    fn shutdown(&self) -> PyResult<()> {
        self.jobs.lock().map_err(|_| PyRuntimeError::new_err("jobs lock poisoned"))?.take();
        let handle = self.handle.lock().map_err(|_| PyRuntimeError::new_err("handle lock poisoned"))?.take();
        if let Some(handle) = handle {
            handle.join().map_err(|_| PyRuntimeError::new_err("worker panicked"))?;
        }
        Ok(())
    }
}

#[ft_module]
fn detach_demo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(wait_detached, m)?)?;
    m.add_function(wrap_pyfunction!(wait_attached, m)?)?;
    m.add_function(wrap_pyfunction!(wrong_call, m)?)?;
    m.add_function(wrap_pyfunction!(idle, m)?)?;
    m.add_function(wrap_pyfunction!(idle_by_hand, m)?)?;
    m.add_class::<Worker>()?;
    m.add_class::<unannotated::AttachedWorker>()?;
    Ok(())
}
